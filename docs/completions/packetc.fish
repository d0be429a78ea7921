# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_packetc_global_optspecs
    string join \n color= q/quiet h/help V/version
end

function __fish_packetc_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_packetc_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_packetc_using_subcommand
    set -l cmd (__fish_packetc_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c packetc -n "__fish_packetc_needs_command" -l color -d 'When to colour diagnostics: auto (a terminal, and NO_COLOR unset), always, never' -r -f -a "auto\t'Colour when stdout and stderr are terminals and NO_COLOR is not set'
always\t'Always colour (e.g. CI logs that render ANSI colours)'
never\t'Never colour'"
complete -c packetc -n "__fish_packetc_needs_command" -s q -l quiet -d 'Print only findings, drift and errors (no "wrote ..." / "ok: ..." lines)'
complete -c packetc -n "__fish_packetc_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c packetc -n "__fish_packetc_needs_command" -s V -l version -d 'Print version'
complete -c packetc -n "__fish_packetc_needs_command" -f -a "render" -d 'Render a packet\'s four scripts into PACKET/sql/ (atomically)'
complete -c packetc -n "__fish_packetc_needs_command" -f -a "check" -d 'Re-render every packet in memory, fail on drift from the committed scripts, lint them'
complete -c packetc -n "__fish_packetc_needs_command" -f -a "lint" -d 'Lint SQL scripts against the write policy'
complete -c packetc -n "__fish_packetc_needs_command" -f -a "plan" -d 'Print a packet\'s step table: step, script, gate, expected delta, stop condition'
complete -c packetc -n "__fish_packetc_needs_command" -f -a "prove" -d 'Run the packet on a scratch PostgreSQL clone and report expected vs observed per step'
complete -c packetc -n "__fish_packetc_needs_command" -f -a "apply" -d 'Run preflight, seed and verify through the channel (rollback on a failed verify)'
complete -c packetc -n "__fish_packetc_needs_command" -f -a "status" -d 'Show the journal history of a packet and its live state, metric by metric (read-only)'
complete -c packetc -n "__fish_packetc_needs_command" -f -a "grants" -d 'Print the one-time script a DBA runs to create the role the packet\'s writes run as'
complete -c packetc -n "__fish_packetc_needs_command" -f -a "new" -d 'Scaffold a new packet: a commented packet.yaml (valid as written) and its four scripts'
complete -c packetc -n "__fish_packetc_needs_command" -f -a "schema" -d 'Print the JSON Schema of packet.yaml, policy.yaml or the JSON report (committed in docs/schema/)'
complete -c packetc -n "__fish_packetc_needs_command" -f -a "completions" -d 'Print a shell completion script'
complete -c packetc -n "__fish_packetc_needs_command" -f -a "man" -d 'Print the man page, or write every page (packetc.1, packetc-SUBCOMMAND.1) into a directory'
complete -c packetc -n "__fish_packetc_needs_command" -f -a "fingerprint" -d 'Print the schema fingerprint of a database (only reads): the canonical description of every object a packet depends on, hashed per object'
complete -c packetc -n "__fish_packetc_needs_command" -f -a "catalog" -d 'Export a database\'s catalog (only reads) as a snapshot for schema-aware lint: every table\'s triggers, indexes, constraints, views, children, foreign keys, column domains and types, sequences and the functions its checks and defaults call'
complete -c packetc -n "__fish_packetc_needs_command" -f -a "rule" -d 'Print the documentation of a lint rule'
complete -c packetc -n "__fish_packetc_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c packetc -n "__fish_packetc_using_subcommand render" -l color -d 'When to colour diagnostics: auto (a terminal, and NO_COLOR unset), always, never' -r -f -a "auto\t'Colour when stdout and stderr are terminals and NO_COLOR is not set'
always\t'Always colour (e.g. CI logs that render ANSI colours)'
never\t'Never colour'"
complete -c packetc -n "__fish_packetc_using_subcommand render" -s q -l quiet -d 'Print only findings, drift and errors (no "wrote ..." / "ok: ..." lines)'
complete -c packetc -n "__fish_packetc_using_subcommand render" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c packetc -n "__fish_packetc_using_subcommand check" -l policy -d 'Lint policy file (default: the nearest packets/policy.yaml above each packet, else the built-in policy)' -r -F
complete -c packetc -n "__fish_packetc_using_subcommand check" -l format -d 'Output format for lint findings and drift' -r -f -a "human\t'Rich diagnostics with source snippets'
short\t'One line per finding: PATH:LINE:COL: CODE message'
json\t'A JSON document'
sarif\t'SARIF 2.1.0 for code scanning'
github\t'GitHub Actions workflow annotations'"
complete -c packetc -n "__fish_packetc_using_subcommand check" -l color -d 'When to colour diagnostics: auto (a terminal, and NO_COLOR unset), always, never' -r -f -a "auto\t'Colour when stdout and stderr are terminals and NO_COLOR is not set'
always\t'Always colour (e.g. CI logs that render ANSI colours)'
never\t'Never colour'"
complete -c packetc -n "__fish_packetc_using_subcommand check" -s q -l quiet -d 'Print only findings, drift and errors (no "wrote ..." / "ok: ..." lines)'
complete -c packetc -n "__fish_packetc_using_subcommand check" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c packetc -n "__fish_packetc_using_subcommand lint" -l policy -d 'Lint policy file (default: the nearest packets/policy.yaml above each file, else the built-in policy)' -r -F
complete -c packetc -n "__fish_packetc_using_subcommand lint" -l exclude -d 'Skip files and directories matching this glob (gitignore syntax, relative to each directory PATH); repeatable' -r
complete -c packetc -n "__fish_packetc_using_subcommand lint" -l stdin-filename -d 'The file name stdin (`-`) stands for: used in reports and to find its policy' -r -F
complete -c packetc -n "__fish_packetc_using_subcommand lint" -l schema -d 'The target\'s schema: SQL (e.g. a pg_dump --schema-only file) or a snapshot written by `packetc catalog` (told apart by content). Schema-aware mode: DDL on a protected table\'s trigger functions, indexes, constraints, views, child tables, foreign keys, column domains and types, default sequences and check functions is a finding (PC005). `packetc check` uses a packet\'s fixture/schema.sql by itself' -r -F
complete -c packetc -n "__fish_packetc_using_subcommand lint" -l format -d 'Output format' -r -f -a "human\t'Rich diagnostics with source snippets'
short\t'One line per finding: PATH:LINE:COL: CODE message'
json\t'A JSON document'
sarif\t'SARIF 2.1.0 for code scanning'
github\t'GitHub Actions workflow annotations'"
complete -c packetc -n "__fish_packetc_using_subcommand lint" -l color -d 'When to colour diagnostics: auto (a terminal, and NO_COLOR unset), always, never' -r -f -a "auto\t'Colour when stdout and stderr are terminals and NO_COLOR is not set'
always\t'Always colour (e.g. CI logs that render ANSI colours)'
never\t'Never colour'"
complete -c packetc -n "__fish_packetc_using_subcommand lint" -s q -l quiet -d 'Print only findings, drift and errors (no "wrote ..." / "ok: ..." lines)'
complete -c packetc -n "__fish_packetc_using_subcommand lint" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c packetc -n "__fish_packetc_using_subcommand plan" -l format -d 'Output format' -r -f -a "text\t'An aligned text table for terminals'
markdown\t'A Markdown table for docs and reviews'"
complete -c packetc -n "__fish_packetc_using_subcommand plan" -l color -d 'When to colour diagnostics: auto (a terminal, and NO_COLOR unset), always, never' -r -f -a "auto\t'Colour when stdout and stderr are terminals and NO_COLOR is not set'
always\t'Always colour (e.g. CI logs that render ANSI colours)'
never\t'Never colour'"
complete -c packetc -n "__fish_packetc_using_subcommand plan" -s q -l quiet -d 'Print only findings, drift and errors (no "wrote ..." / "ok: ..." lines)'
complete -c packetc -n "__fish_packetc_using_subcommand plan" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c packetc -n "__fish_packetc_using_subcommand prove" -l database-url -d 'Use this server instead of a scratch cluster (also PACKETC_DATABASE_URL)' -r
complete -c packetc -n "__fish_packetc_using_subcommand prove" -l color -d 'When to colour diagnostics: auto (a terminal, and NO_COLOR unset), always, never' -r -f -a "auto\t'Colour when stdout and stderr are terminals and NO_COLOR is not set'
always\t'Always colour (e.g. CI logs that render ANSI colours)'
never\t'Never colour'"
complete -c packetc -n "__fish_packetc_using_subcommand prove" -s q -l quiet -d 'Print only findings, drift and errors (no "wrote ..." / "ok: ..." lines)'
complete -c packetc -n "__fish_packetc_using_subcommand prove" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c packetc -n "__fish_packetc_using_subcommand apply" -l var -d 'psql variables for the scripts, NAME=VALUE (e.g. ratified_apr=APR-BOOT-AUTHMODEL-1)' -r
complete -c packetc -n "__fish_packetc_using_subcommand apply" -l database-url -d 'Run psql locally against this connection string instead of the packet\'s channel' -r
complete -c packetc -n "__fish_packetc_using_subcommand apply" -l channel -d 'Channel command that runs psql reading the script on stdin (overrides the packet\'s)' -r
complete -c packetc -n "__fish_packetc_using_subcommand apply" -l journal -d 'Journal file (JSON Lines; default: PACKET/journal/apply-<time>.jsonl)' -r -F
complete -c packetc -n "__fish_packetc_using_subcommand apply" -l policy -d 'Lint policy file (default: the nearest packets/policy.yaml above the packet, else the built-in policy)' -r -F
complete -c packetc -n "__fish_packetc_using_subcommand apply" -l step-timeout -d 'Time limit of each step: its statement_timeout and the wall-clock limit of the channel (e.g. 30s, 5min; default: the step\'s time_limit in packet.yaml, else 5min)' -r
complete -c packetc -n "__fish_packetc_using_subcommand apply" -l lock-timeout -d 'lock_timeout of the steps that set none themselves (default 10s)' -r
complete -c packetc -n "__fish_packetc_using_subcommand apply" -l override-proof -d 'Run although PACKET/proof.json is missing, stale or failed; REASON is journaled' -r
complete -c packetc -n "__fish_packetc_using_subcommand apply" -l repeat -d 'Scanner and cursor packets: run the forward steps up to N times, stopping at the first failed condition or when there is nothing left to do (refused for a seed)' -r
complete -c packetc -n "__fish_packetc_using_subcommand apply" -l color -d 'When to colour diagnostics: auto (a terminal, and NO_COLOR unset), always, never' -r -f -a "auto\t'Colour when stdout and stderr are terminals and NO_COLOR is not set'
always\t'Always colour (e.g. CI logs that render ANSI colours)'
never\t'Never colour'"
complete -c packetc -n "__fish_packetc_using_subcommand apply" -l dry-run -d 'Print exactly what would run, in order, and run nothing'
complete -c packetc -n "__fish_packetc_using_subcommand apply" -l rollback -d 'Run the packet\'s rollback step (journaled, judged by its evidence) instead of the forward steps. Needs --confirm-rollback'
complete -c packetc -n "__fish_packetc_using_subcommand apply" -l confirm-rollback -d 'Confirm --rollback: delete exactly the rows carrying the packet\'s provenance tag'
complete -c packetc -n "__fish_packetc_using_subcommand apply" -s q -l quiet -d 'Print only findings, drift and errors (no "wrote ..." / "ok: ..." lines)'
complete -c packetc -n "__fish_packetc_using_subcommand apply" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c packetc -n "__fish_packetc_using_subcommand status" -l database-url -d 'Read the live state with the local psql and this connection string' -r
complete -c packetc -n "__fish_packetc_using_subcommand status" -l channel -d 'Channel command that runs psql reading the script on stdin (overrides the packet\'s)' -r
complete -c packetc -n "__fish_packetc_using_subcommand status" -l journal -d 'Also read this journal file (besides PACKET/journal/*.jsonl)' -r -F
complete -c packetc -n "__fish_packetc_using_subcommand status" -l var -d 'Variables the metrics read, NAME=VALUE (default: those of the last journaled run)' -r
complete -c packetc -n "__fish_packetc_using_subcommand status" -l color -d 'When to colour diagnostics: auto (a terminal, and NO_COLOR unset), always, never' -r -f -a "auto\t'Colour when stdout and stderr are terminals and NO_COLOR is not set'
always\t'Always colour (e.g. CI logs that render ANSI colours)'
never\t'Never colour'"
complete -c packetc -n "__fish_packetc_using_subcommand status" -l offline -d 'Show only the journal history; do not read the live state'
complete -c packetc -n "__fish_packetc_using_subcommand status" -s q -l quiet -d 'Print only findings, drift and errors (no "wrote ..." / "ok: ..." lines)'
complete -c packetc -n "__fish_packetc_using_subcommand status" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c packetc -n "__fish_packetc_using_subcommand grants" -l color -d 'When to colour diagnostics: auto (a terminal, and NO_COLOR unset), always, never' -r -f -a "auto\t'Colour when stdout and stderr are terminals and NO_COLOR is not set'
always\t'Always colour (e.g. CI logs that render ANSI colours)'
never\t'Never colour'"
complete -c packetc -n "__fish_packetc_using_subcommand grants" -s q -l quiet -d 'Print only findings, drift and errors (no "wrote ..." / "ok: ..." lines)'
complete -c packetc -n "__fish_packetc_using_subcommand grants" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c packetc -n "__fish_packetc_using_subcommand new" -l dir -d 'The directory that holds packets' -r -F
complete -c packetc -n "__fish_packetc_using_subcommand new" -l shape -d 'The packet\'s shape: a one-shot seed, a scanner (idempotent upsert, one run row per run) or a cursor (monotonic advance); see docs/shapes.md' -r -f -a "seed\t''
scanner\t''
cursor\t''"
complete -c packetc -n "__fish_packetc_using_subcommand new" -l color -d 'When to colour diagnostics: auto (a terminal, and NO_COLOR unset), always, never' -r -f -a "auto\t'Colour when stdout and stderr are terminals and NO_COLOR is not set'
always\t'Always colour (e.g. CI logs that render ANSI colours)'
never\t'Never colour'"
complete -c packetc -n "__fish_packetc_using_subcommand new" -s q -l quiet -d 'Print only findings, drift and errors (no "wrote ..." / "ok: ..." lines)'
complete -c packetc -n "__fish_packetc_using_subcommand new" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c packetc -n "__fish_packetc_using_subcommand schema" -l color -d 'When to colour diagnostics: auto (a terminal, and NO_COLOR unset), always, never' -r -f -a "auto\t'Colour when stdout and stderr are terminals and NO_COLOR is not set'
always\t'Always colour (e.g. CI logs that render ANSI colours)'
never\t'Never colour'"
complete -c packetc -n "__fish_packetc_using_subcommand schema" -s q -l quiet -d 'Print only findings, drift and errors (no "wrote ..." / "ok: ..." lines)'
complete -c packetc -n "__fish_packetc_using_subcommand schema" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c packetc -n "__fish_packetc_using_subcommand completions" -l color -d 'When to colour diagnostics: auto (a terminal, and NO_COLOR unset), always, never' -r -f -a "auto\t'Colour when stdout and stderr are terminals and NO_COLOR is not set'
always\t'Always colour (e.g. CI logs that render ANSI colours)'
never\t'Never colour'"
complete -c packetc -n "__fish_packetc_using_subcommand completions" -s q -l quiet -d 'Print only findings, drift and errors (no "wrote ..." / "ok: ..." lines)'
complete -c packetc -n "__fish_packetc_using_subcommand completions" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c packetc -n "__fish_packetc_using_subcommand man" -l dir -d 'Write packetc.1 and one page per subcommand into this directory instead of printing packetc.1' -r -F
complete -c packetc -n "__fish_packetc_using_subcommand man" -l color -d 'When to colour diagnostics: auto (a terminal, and NO_COLOR unset), always, never' -r -f -a "auto\t'Colour when stdout and stderr are terminals and NO_COLOR is not set'
always\t'Always colour (e.g. CI logs that render ANSI colours)'
never\t'Never colour'"
complete -c packetc -n "__fish_packetc_using_subcommand man" -s q -l quiet -d 'Print only findings, drift and errors (no "wrote ..." / "ok: ..." lines)'
complete -c packetc -n "__fish_packetc_using_subcommand man" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c packetc -n "__fish_packetc_using_subcommand fingerprint" -l database-url -d 'Run the local psql against this connection string' -r
complete -c packetc -n "__fish_packetc_using_subcommand fingerprint" -l channel -d 'Channel command that runs psql reading the script on stdin (e.g. the packet\'s channel)' -r
complete -c packetc -n "__fish_packetc_using_subcommand fingerprint" -l format -d 'Output format' -r -f -a "text\t'One line per object: short hash, kind, name'
json\t'Every object\'s canonical description (the form proof.json records)'"
complete -c packetc -n "__fish_packetc_using_subcommand fingerprint" -l color -d 'When to colour diagnostics: auto (a terminal, and NO_COLOR unset), always, never' -r -f -a "auto\t'Colour when stdout and stderr are terminals and NO_COLOR is not set'
always\t'Always colour (e.g. CI logs that render ANSI colours)'
never\t'Never colour'"
complete -c packetc -n "__fish_packetc_using_subcommand fingerprint" -s q -l quiet -d 'Print only findings, drift and errors (no "wrote ..." / "ok: ..." lines)'
complete -c packetc -n "__fish_packetc_using_subcommand fingerprint" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c packetc -n "__fish_packetc_using_subcommand catalog" -l database-url -d 'Run the local psql against this connection string' -r
complete -c packetc -n "__fish_packetc_using_subcommand catalog" -l channel -d 'Channel command that runs psql reading the script on stdin (e.g. the packet\'s channel)' -r
complete -c packetc -n "__fish_packetc_using_subcommand catalog" -s o -l output -d 'Write the snapshot to FILE (atomically: a temporary file, then a rename) instead of stdout; `packetc lint --schema FILE` reads it' -r -F
complete -c packetc -n "__fish_packetc_using_subcommand catalog" -l color -d 'When to colour diagnostics: auto (a terminal, and NO_COLOR unset), always, never' -r -f -a "auto\t'Colour when stdout and stderr are terminals and NO_COLOR is not set'
always\t'Always colour (e.g. CI logs that render ANSI colours)'
never\t'Never colour'"
complete -c packetc -n "__fish_packetc_using_subcommand catalog" -s q -l quiet -d 'Print only findings, drift and errors (no "wrote ..." / "ok: ..." lines)'
complete -c packetc -n "__fish_packetc_using_subcommand catalog" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c packetc -n "__fish_packetc_using_subcommand rule" -l color -d 'When to colour diagnostics: auto (a terminal, and NO_COLOR unset), always, never' -r -f -a "auto\t'Colour when stdout and stderr are terminals and NO_COLOR is not set'
always\t'Always colour (e.g. CI logs that render ANSI colours)'
never\t'Never colour'"
complete -c packetc -n "__fish_packetc_using_subcommand rule" -s q -l quiet -d 'Print only findings, drift and errors (no "wrote ..." / "ok: ..." lines)'
complete -c packetc -n "__fish_packetc_using_subcommand rule" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c packetc -n "__fish_packetc_using_subcommand help; and not __fish_seen_subcommand_from render check lint plan prove apply status grants new schema completions man fingerprint catalog rule help" -f -a "render" -d 'Render a packet\'s four scripts into PACKET/sql/ (atomically)'
complete -c packetc -n "__fish_packetc_using_subcommand help; and not __fish_seen_subcommand_from render check lint plan prove apply status grants new schema completions man fingerprint catalog rule help" -f -a "check" -d 'Re-render every packet in memory, fail on drift from the committed scripts, lint them'
complete -c packetc -n "__fish_packetc_using_subcommand help; and not __fish_seen_subcommand_from render check lint plan prove apply status grants new schema completions man fingerprint catalog rule help" -f -a "lint" -d 'Lint SQL scripts against the write policy'
complete -c packetc -n "__fish_packetc_using_subcommand help; and not __fish_seen_subcommand_from render check lint plan prove apply status grants new schema completions man fingerprint catalog rule help" -f -a "plan" -d 'Print a packet\'s step table: step, script, gate, expected delta, stop condition'
complete -c packetc -n "__fish_packetc_using_subcommand help; and not __fish_seen_subcommand_from render check lint plan prove apply status grants new schema completions man fingerprint catalog rule help" -f -a "prove" -d 'Run the packet on a scratch PostgreSQL clone and report expected vs observed per step'
complete -c packetc -n "__fish_packetc_using_subcommand help; and not __fish_seen_subcommand_from render check lint plan prove apply status grants new schema completions man fingerprint catalog rule help" -f -a "apply" -d 'Run preflight, seed and verify through the channel (rollback on a failed verify)'
complete -c packetc -n "__fish_packetc_using_subcommand help; and not __fish_seen_subcommand_from render check lint plan prove apply status grants new schema completions man fingerprint catalog rule help" -f -a "status" -d 'Show the journal history of a packet and its live state, metric by metric (read-only)'
complete -c packetc -n "__fish_packetc_using_subcommand help; and not __fish_seen_subcommand_from render check lint plan prove apply status grants new schema completions man fingerprint catalog rule help" -f -a "grants" -d 'Print the one-time script a DBA runs to create the role the packet\'s writes run as'
complete -c packetc -n "__fish_packetc_using_subcommand help; and not __fish_seen_subcommand_from render check lint plan prove apply status grants new schema completions man fingerprint catalog rule help" -f -a "new" -d 'Scaffold a new packet: a commented packet.yaml (valid as written) and its four scripts'
complete -c packetc -n "__fish_packetc_using_subcommand help; and not __fish_seen_subcommand_from render check lint plan prove apply status grants new schema completions man fingerprint catalog rule help" -f -a "schema" -d 'Print the JSON Schema of packet.yaml, policy.yaml or the JSON report (committed in docs/schema/)'
complete -c packetc -n "__fish_packetc_using_subcommand help; and not __fish_seen_subcommand_from render check lint plan prove apply status grants new schema completions man fingerprint catalog rule help" -f -a "completions" -d 'Print a shell completion script'
complete -c packetc -n "__fish_packetc_using_subcommand help; and not __fish_seen_subcommand_from render check lint plan prove apply status grants new schema completions man fingerprint catalog rule help" -f -a "man" -d 'Print the man page, or write every page (packetc.1, packetc-SUBCOMMAND.1) into a directory'
complete -c packetc -n "__fish_packetc_using_subcommand help; and not __fish_seen_subcommand_from render check lint plan prove apply status grants new schema completions man fingerprint catalog rule help" -f -a "fingerprint" -d 'Print the schema fingerprint of a database (only reads): the canonical description of every object a packet depends on, hashed per object'
complete -c packetc -n "__fish_packetc_using_subcommand help; and not __fish_seen_subcommand_from render check lint plan prove apply status grants new schema completions man fingerprint catalog rule help" -f -a "catalog" -d 'Export a database\'s catalog (only reads) as a snapshot for schema-aware lint: every table\'s triggers, indexes, constraints, views, children, foreign keys, column domains and types, sequences and the functions its checks and defaults call'
complete -c packetc -n "__fish_packetc_using_subcommand help; and not __fish_seen_subcommand_from render check lint plan prove apply status grants new schema completions man fingerprint catalog rule help" -f -a "rule" -d 'Print the documentation of a lint rule'
complete -c packetc -n "__fish_packetc_using_subcommand help; and not __fish_seen_subcommand_from render check lint plan prove apply status grants new schema completions man fingerprint catalog rule help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
