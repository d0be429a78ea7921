//! ## What it does
//! When linting a packet script, flags a writing statement (including a DO block or function
//! body that writes) that is not between `BEGIN`/`START TRANSACTION` and `COMMIT`/`END`.
//!
//! ## Why is this bad?
//! Without one transaction the gate assertions cannot abort the change as a whole: a failed
//! assertion after a write would leave a half-applied packet.
//!
//! ## Use instead
//! ```sql
//! BEGIN;
//! -- gates, then the write
//! COMMIT;
//! ```

use super::Rule;
use crate::lint::effects::Write;
use crate::lint::engine::Engine;
use crate::lint::finding::Pos;
use crate::lint::finding::Severity;

/// Registry entry.
pub const RULE: Rule = Rule {
    code: "PC034",
    name: "write-outside-transaction",
    summary: "A packet write is not inside an explicit BEGIN … COMMIT.",
    severity: Severity::Error,
    source: include_str!("pc034_write_outside_transaction.rs"),
    fail_closed: false,
};

/// The first (non-temporary) write of a statement that runs outside BEGIN … COMMIT.
pub(crate) fn check(cx: &mut Engine, writes: &[&Write], in_txn: bool, stmt_pos: Pos) {
    let Some(first) = writes.first() else { return };
    if in_txn {
        return;
    }
    let pos = if first.target.pos.is_known() {
        first.target.pos
    } else {
        stmt_pos
    };
    cx.report(
        &RULE,
        pos,
        first.target.len,
        format!(
            "{} `{}` is not inside an explicit BEGIN … COMMIT",
            first.kind.describe(),
            first.target.display()
        ),
        "wrap the gates and the write in BEGIN; … COMMIT;",
        None,
    );
}

#[cfg(test)]
mod tests {
    use crate::lint::rules::testing::step_codes;
    use crate::lint::StepRole;

    #[test]
    fn writes_need_begin_commit() {
        let sql = "\\set ON_ERROR_STOP on\nDELETE FROM governance_object_ownership WHERE created_by = 'T';";
        assert_eq!(step_codes(sql, StepRole::Rollback), vec!["PC034"]);
    }
}
