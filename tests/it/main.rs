//! packetc's integration tests: one test binary (`cargo test --test it`), one module per theme.
//!
//! Where things are (run one theme with `cargo test --test it lint::`, one file with
//! `cargo test --test it lint::formats::`):
//!
//! | module       | what it tests |
//! |--------------|---------------|
//! | `common`     | the shared helpers: paths, running the binary, CLI snapshots, the PostgreSQL harness |
//! | `apply`      | `packetc apply`: refusals without a database, real runs, injected faults |
//! | `docs`       | the docs: every documented command runs and prints what the page shows; links resolve |
//! | `ecosystem`  | `new`, `schema`, completions, man pages, `--quiet`/`--color`, editors, pre-commit |
//! | `lint`       | the linter: corpora, formats, fuzzing, hostile input, policy walk, the pglast and psql oracles, SARIF |
//! | `packet`     | the bundled packet's scripts and fixture on real PostgreSQL |
//! | `pg`         | the PostgreSQL harness itself and the schema fingerprint |
//! | `prove`      | `packetc prove`: the CLI, the write audit, the proof record |
//! | `render`     | `render`, `check`, `plan` through the binary, and the rendered scripts' snapshots |
//! | `spec`       | packet.yaml errors: codes, lines, messages |
//!
//! Snapshots live in `snapshots/` at the repository root (one folder per theme). Tests run in
//! parallel threads of this one process: tests that need the fixture database take
//! [`common::scratch_db`], which serialises them and shares one throwaway cluster; nothing here
//! may set environment variables or change the current directory (they are process-wide).

mod common;

mod apply {
    mod cli;
    mod faults;
    mod pg;
    mod repeat_pg;
    mod status_pg;
}

mod docs {
    mod commands;
    mod examples;
    mod links;
    mod live;
}

mod ecosystem {
    mod cli;
    mod editor;
    mod new_prove;
    mod precommit;
    mod schema;
}

mod lint {
    mod builtins_pg;
    mod corpus;
    mod docs;
    mod fasttok_oracle;
    mod formats;
    mod fuzz;
    mod hostile;
    mod json_schema;
    mod paths_pg;
    mod pglast_oracle;
    mod policy_walk;
    mod psql_oracle;
    mod sarif;
    mod schema_pg;
    mod shell_escapes;
}

mod packet {
    mod clone_scenarios;
    mod fixture;
    mod truth;
}

mod pg {
    mod fingerprint;
    mod harness;
}

mod prove {
    mod audit;
    mod cli;
    mod record;
}

mod render {
    mod cli;
    mod snapshots;
}

mod spec {
    mod errors;
    mod pattern_pg;
    mod step_fields;
}
