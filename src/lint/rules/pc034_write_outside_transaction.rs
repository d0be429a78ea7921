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
use crate::lint::finding::Severity;

/// Registry entry.
pub const RULE: Rule = Rule {
    code: "PC034",
    name: "write-outside-transaction",
    summary: "A packet write is not inside an explicit BEGIN … COMMIT.",
    severity: Severity::Error,
    source: include_str!("pc034_write_outside_transaction.rs"),
};
