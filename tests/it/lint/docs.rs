//! `docs/rules/<CODE>.md` are generated from the rules' doc comments; this test fails when
//! they drift. Regenerate with `UPDATE_DOCS=1 cargo test --test it lint::docs`.

use std::path::Path;

use packetc::lint::rules::RULES;

fn index() -> String {
    let mut s = String::from(
        "# packetc lint rules\n\nGenerated from the rules' doc comments (`src/lint/rules/`); \
         regenerate with `UPDATE_DOCS=1 cargo test --test it lint::docs`.\n\n\
         | code | name | summary |\n|---|---|---|\n",
    );
    for r in RULES {
        s.push_str(&format!(
            "| [{}]({}.md) | {} | {} |\n",
            r.code, r.code, r.name, r.summary
        ));
    }
    s
}

#[test]
fn rule_docs_match_the_doc_comments() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/rules");
    let update = std::env::var_os("UPDATE_DOCS").is_some();
    let mut pages: Vec<(String, String)> = RULES
        .iter()
        .map(|r| (format!("{}.md", r.code), r.docs()))
        .collect();
    pages.push(("README.md".into(), index()));
    if update {
        std::fs::create_dir_all(&dir).expect("create docs/rules");
    }
    let mut drift = Vec::new();
    for (name, want) in &pages {
        let path = dir.join(name);
        let have = std::fs::read_to_string(&path).unwrap_or_default();
        if &have != want {
            if update {
                std::fs::write(&path, want).expect("write doc page");
            } else {
                drift.push(name.clone());
            }
        }
    }
    // No stale pages for removed rules.
    if let Ok(rd) = std::fs::read_dir(&dir) {
        for e in rd.filter_map(Result::ok) {
            let n = e.file_name().to_string_lossy().to_string();
            if n.ends_with(".md") && !pages.iter().any(|(p, _)| *p == n) {
                if update {
                    std::fs::remove_file(e.path()).expect("remove stale page");
                } else {
                    drift.push(format!("{n} (stale)"));
                }
            }
        }
    }
    assert!(
        drift.is_empty(),
        "docs/rules drifted from the doc comments: {drift:?}\nrun: UPDATE_DOCS=1 cargo test --test it lint::docs"
    );
}

/// `docs/lint.md` lists every psql command with what the linter does, generated from the
/// allow-list in `src/lint/slash.rs` between two markers.
#[test]
fn psql_command_table_matches_the_allow_list() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/lint.md");
    let text = std::fs::read_to_string(&path).expect("docs/lint.md");
    let (start, end) = (
        "<!-- psql-commands:start -->\n",
        "<!-- psql-commands:end -->",
    );
    let a = text.find(start).expect("start marker in docs/lint.md") + start.len();
    let b = text.find(end).expect("end marker in docs/lint.md");
    let want = packetc::lint::slash::commands_markdown();
    if text[a..b] != want {
        assert!(
            std::env::var_os("UPDATE_DOCS").is_some(),
            "docs/lint.md's psql command table drifted; run: UPDATE_DOCS=1 cargo test --test it lint::docs"
        );
        let new = format!("{}{want}{}", &text[..a], &text[b..]);
        std::fs::write(&path, new).expect("write docs/lint.md");
    }
}
