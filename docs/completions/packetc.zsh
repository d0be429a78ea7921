#compdef packetc

autoload -U is-at-least

_packetc() {
    typeset -A opt_args
    typeset -a _arguments_options
    local ret=1

    if is-at-least 5.2; then
        _arguments_options=(-s -S -C)
    else
        _arguments_options=(-s -C)
    fi

    local context curcontext="$curcontext" state line
    _arguments "${_arguments_options[@]}" : \
'--color=[When to colour diagnostics\: auto (a terminal, and NO_COLOR unset), always, never]:COLOR:((auto\:"Colour when stdout and stderr are terminals and NO_COLOR is not set"
always\:"Always colour (e.g. CI logs that render ANSI colours)"
never\:"Never colour"))' \
'-q[Print only findings, drift and errors (no "wrote ..." / "ok\: ..." lines)]' \
'--quiet[Print only findings, drift and errors (no "wrote ..." / "ok\: ..." lines)]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
'-V[Print version]' \
'--version[Print version]' \
":: :_packetc_commands" \
"*::: :->packetc" \
&& ret=0
    case $state in
    (packetc)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:packetc-command-$line[1]:"
        case $line[1] in
            (render)
_arguments "${_arguments_options[@]}" : \
'--color=[When to colour diagnostics\: auto (a terminal, and NO_COLOR unset), always, never]:COLOR:((auto\:"Colour when stdout and stderr are terminals and NO_COLOR is not set"
always\:"Always colour (e.g. CI logs that render ANSI colours)"
never\:"Never colour"))' \
'-q[Print only findings, drift and errors (no "wrote ..." / "ok\: ..." lines)]' \
'--quiet[Print only findings, drift and errors (no "wrote ..." / "ok\: ..." lines)]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
':packet -- Packet directory or its packet.yaml:_files' \
&& ret=0
;;
(check)
_arguments "${_arguments_options[@]}" : \
'--policy=[Lint policy file (default\: the nearest packets/policy.yaml above each packet, else the built-in policy)]:POLICY:_files' \
'--format=[Output format for lint findings and drift]:FORMAT:((human\:"Rich diagnostics with source snippets"
short\:"One line per finding\: PATH\:LINE\:COL\: CODE message"
json\:"A JSON document"
sarif\:"SARIF 2.1.0 for code scanning"
github\:"GitHub Actions workflow annotations"))' \
'--color=[When to colour diagnostics\: auto (a terminal, and NO_COLOR unset), always, never]:COLOR:((auto\:"Colour when stdout and stderr are terminals and NO_COLOR is not set"
always\:"Always colour (e.g. CI logs that render ANSI colours)"
never\:"Never colour"))' \
'-q[Print only findings, drift and errors (no "wrote ..." / "ok\: ..." lines)]' \
'--quiet[Print only findings, drift and errors (no "wrote ..." / "ok\: ..." lines)]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
'*::packets -- Packet directories or packet.yaml files (default\: every packet under ./packets):_files' \
&& ret=0
;;
(lint)
_arguments "${_arguments_options[@]}" : \
'--policy=[Lint policy file (default\: the nearest packets/policy.yaml above each file, else the built-in policy)]:POLICY:_files' \
'*--exclude=[Skip files and directories matching this glob (gitignore syntax, relative to each directory PATH); repeatable]:GLOB:_default' \
'--stdin-filename=[The file name stdin (\`-\`) stands for\: used in reports and to find its policy]:NAME:_files' \
'--schema=[The target'\''s schema\: SQL (e.g. a pg_dump --schema-only file) or a snapshot written by \`packetc catalog\` (told apart by content). Schema-aware mode\: DDL on a protected table'\''s trigger functions, indexes, constraints, views, child tables, foreign keys, column domains and types, default sequences and check functions is a finding (PC005). \`packetc check\` uses a packet'\''s fixture/schema.sql by itself]:FILE:_files' \
'--format=[Output format]:FORMAT:((human\:"Rich diagnostics with source snippets"
short\:"One line per finding\: PATH\:LINE\:COL\: CODE message"
json\:"A JSON document"
sarif\:"SARIF 2.1.0 for code scanning"
github\:"GitHub Actions workflow annotations"))' \
'--color=[When to colour diagnostics\: auto (a terminal, and NO_COLOR unset), always, never]:COLOR:((auto\:"Colour when stdout and stderr are terminals and NO_COLOR is not set"
always\:"Always colour (e.g. CI logs that render ANSI colours)"
never\:"Never colour"))' \
'-q[Print only findings, drift and errors (no "wrote ..." / "ok\: ..." lines)]' \
'--quiet[Print only findings, drift and errors (no "wrote ..." / "ok\: ..." lines)]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
'*::paths -- SQL files or directories (every *.sql inside, recursively, honouring .gitignore; hidden, vendored and clone-fixture directories skipped); `-` reads stdin:_files' \
&& ret=0
;;
(plan)
_arguments "${_arguments_options[@]}" : \
'--format=[Output format]:FORMAT:((text\:"An aligned text table for terminals"
markdown\:"A Markdown table for docs and reviews"))' \
'--color=[When to colour diagnostics\: auto (a terminal, and NO_COLOR unset), always, never]:COLOR:((auto\:"Colour when stdout and stderr are terminals and NO_COLOR is not set"
always\:"Always colour (e.g. CI logs that render ANSI colours)"
never\:"Never colour"))' \
'-q[Print only findings, drift and errors (no "wrote ..." / "ok\: ..." lines)]' \
'--quiet[Print only findings, drift and errors (no "wrote ..." / "ok\: ..." lines)]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
':packet -- Packet directory or its packet.yaml:_files' \
&& ret=0
;;
(prove)
_arguments "${_arguments_options[@]}" : \
'--database-url=[Use this server instead of a scratch cluster (also PACKETC_DATABASE_URL)]:DATABASE_URL:_default' \
'--color=[When to colour diagnostics\: auto (a terminal, and NO_COLOR unset), always, never]:COLOR:((auto\:"Colour when stdout and stderr are terminals and NO_COLOR is not set"
always\:"Always colour (e.g. CI logs that render ANSI colours)"
never\:"Never colour"))' \
'-q[Print only findings, drift and errors (no "wrote ..." / "ok\: ..." lines)]' \
'--quiet[Print only findings, drift and errors (no "wrote ..." / "ok\: ..." lines)]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
':packet -- Packet directory or its packet.yaml:_files' \
&& ret=0
;;
(apply)
_arguments "${_arguments_options[@]}" : \
'*--var=[psql variables for the scripts, NAME=VALUE (e.g. ratified_apr=APR-BOOT-AUTHMODEL-1)]:NAME=VALUE:_default' \
'(--channel)--database-url=[Run psql locally against this connection string instead of the packet'\''s channel]:DATABASE_URL:_default' \
'--channel=[Channel command that runs psql reading the script on stdin (overrides the packet'\''s)]:CHANNEL:_default' \
'--journal=[Journal file (JSON Lines; default\: PACKET/journal/apply-<time>.jsonl)]:JOURNAL:_files' \
'--policy=[Lint policy file (default\: the nearest packets/policy.yaml above the packet, else the built-in policy)]:POLICY:_files' \
'--step-timeout=[Time limit of each step\: its statement_timeout and the wall-clock limit of the channel (e.g. 30s, 5min; default\: the step'\''s time_limit in packet.yaml, else 5min)]:DURATION:_default' \
'--lock-timeout=[lock_timeout of the steps that set none themselves (default 10s)]:DURATION:_default' \
'--override-proof=[Run although PACKET/proof.json is missing, stale or failed; REASON is journaled]:REASON:_default' \
'(--rollback)--repeat=[Scanner and cursor packets\: run the forward steps up to N times, stopping at the first failed condition or when there is nothing left to do (refused for a seed)]:N:_default' \
'--color=[When to colour diagnostics\: auto (a terminal, and NO_COLOR unset), always, never]:COLOR:((auto\:"Colour when stdout and stderr are terminals and NO_COLOR is not set"
always\:"Always colour (e.g. CI logs that render ANSI colours)"
never\:"Never colour"))' \
'--dry-run[Print exactly what would run, in order, and run nothing]' \
'(--dry-run)--rollback[Run the packet'\''s rollback step (journaled, judged by its evidence) instead of the forward steps. Needs --confirm-rollback]' \
'--confirm-rollback[Confirm --rollback\: delete exactly the rows carrying the packet'\''s provenance tag]' \
'-q[Print only findings, drift and errors (no "wrote ..." / "ok\: ..." lines)]' \
'--quiet[Print only findings, drift and errors (no "wrote ..." / "ok\: ..." lines)]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
':packet -- Packet directory or its packet.yaml:_files' \
&& ret=0
;;
(status)
_arguments "${_arguments_options[@]}" : \
'(--channel)--database-url=[Read the live state with the local psql and this connection string]:DATABASE_URL:_default' \
'--channel=[Channel command that runs psql reading the script on stdin (overrides the packet'\''s)]:CHANNEL:_default' \
'--journal=[Also read this journal file (besides PACKET/journal/*.jsonl)]:JOURNAL:_files' \
'*--var=[Variables the metrics read, NAME=VALUE (default\: those of the last journaled run)]:NAME=VALUE:_default' \
'--color=[When to colour diagnostics\: auto (a terminal, and NO_COLOR unset), always, never]:COLOR:((auto\:"Colour when stdout and stderr are terminals and NO_COLOR is not set"
always\:"Always colour (e.g. CI logs that render ANSI colours)"
never\:"Never colour"))' \
'--offline[Show only the journal history; do not read the live state]' \
'-q[Print only findings, drift and errors (no "wrote ..." / "ok\: ..." lines)]' \
'--quiet[Print only findings, drift and errors (no "wrote ..." / "ok\: ..." lines)]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
':packet -- Packet directory or its packet.yaml:_files' \
&& ret=0
;;
(grants)
_arguments "${_arguments_options[@]}" : \
'--color=[When to colour diagnostics\: auto (a terminal, and NO_COLOR unset), always, never]:COLOR:((auto\:"Colour when stdout and stderr are terminals and NO_COLOR is not set"
always\:"Always colour (e.g. CI logs that render ANSI colours)"
never\:"Never colour"))' \
'-q[Print only findings, drift and errors (no "wrote ..." / "ok\: ..." lines)]' \
'--quiet[Print only findings, drift and errors (no "wrote ..." / "ok\: ..." lines)]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
':packet -- Packet directory or its packet.yaml:_files' \
&& ret=0
;;
(new)
_arguments "${_arguments_options[@]}" : \
'--dir=[The directory that holds packets]:DIR:_files' \
'--shape=[The packet'\''s shape\: a one-shot seed, a scanner (idempotent upsert, one run row per run) or a cursor (monotonic advance); see docs/shapes.md]:SHAPE:(seed scanner cursor)' \
'--color=[When to colour diagnostics\: auto (a terminal, and NO_COLOR unset), always, never]:COLOR:((auto\:"Colour when stdout and stderr are terminals and NO_COLOR is not set"
always\:"Always colour (e.g. CI logs that render ANSI colours)"
never\:"Never colour"))' \
'-q[Print only findings, drift and errors (no "wrote ..." / "ok\: ..." lines)]' \
'--quiet[Print only findings, drift and errors (no "wrote ..." / "ok\: ..." lines)]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
':name -- The packet'\''s name\: letters, digits, - and _ (it names the directory):_default' \
&& ret=0
;;
(schema)
_arguments "${_arguments_options[@]}" : \
'--color=[When to colour diagnostics\: auto (a terminal, and NO_COLOR unset), always, never]:COLOR:((auto\:"Colour when stdout and stderr are terminals and NO_COLOR is not set"
always\:"Always colour (e.g. CI logs that render ANSI colours)"
never\:"Never colour"))' \
'-q[Print only findings, drift and errors (no "wrote ..." / "ok\: ..." lines)]' \
'--quiet[Print only findings, drift and errors (no "wrote ..." / "ok\: ..." lines)]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
':kind -- Which file'\''s schema:((packet\:"packets/NAME/packet.yaml"
policy\:"packets/policy.yaml (the lint policy)"
report\:"The \`--format json\` report of \`packetc lint\` and \`packetc check\`"
journal\:"PACKET/journal/*.jsonl (one record per line, written by apply)"))' \
&& ret=0
;;
(completions)
_arguments "${_arguments_options[@]}" : \
'--color=[When to colour diagnostics\: auto (a terminal, and NO_COLOR unset), always, never]:COLOR:((auto\:"Colour when stdout and stderr are terminals and NO_COLOR is not set"
always\:"Always colour (e.g. CI logs that render ANSI colours)"
never\:"Never colour"))' \
'-q[Print only findings, drift and errors (no "wrote ..." / "ok\: ..." lines)]' \
'--quiet[Print only findings, drift and errors (no "wrote ..." / "ok\: ..." lines)]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
':shell -- The shell:(bash zsh fish)' \
&& ret=0
;;
(man)
_arguments "${_arguments_options[@]}" : \
'--dir=[Write packetc.1 and one page per subcommand into this directory instead of printing packetc.1]:DIR:_files' \
'--color=[When to colour diagnostics\: auto (a terminal, and NO_COLOR unset), always, never]:COLOR:((auto\:"Colour when stdout and stderr are terminals and NO_COLOR is not set"
always\:"Always colour (e.g. CI logs that render ANSI colours)"
never\:"Never colour"))' \
'-q[Print only findings, drift and errors (no "wrote ..." / "ok\: ..." lines)]' \
'--quiet[Print only findings, drift and errors (no "wrote ..." / "ok\: ..." lines)]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
&& ret=0
;;
(fingerprint)
_arguments "${_arguments_options[@]}" : \
'(--channel)--database-url=[Run the local psql against this connection string]:DATABASE_URL:_default' \
'--channel=[Channel command that runs psql reading the script on stdin (e.g. the packet'\''s channel)]:CHANNEL:_default' \
'--format=[Output format]:FORMAT:((text\:"One line per object\: short hash, kind, name"
json\:"Every object'\''s canonical description (the form proof.json records)"))' \
'--color=[When to colour diagnostics\: auto (a terminal, and NO_COLOR unset), always, never]:COLOR:((auto\:"Colour when stdout and stderr are terminals and NO_COLOR is not set"
always\:"Always colour (e.g. CI logs that render ANSI colours)"
never\:"Never colour"))' \
'-q[Print only findings, drift and errors (no "wrote ..." / "ok\: ..." lines)]' \
'--quiet[Print only findings, drift and errors (no "wrote ..." / "ok\: ..." lines)]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
'::packet -- Fingerprint what this packet depends on (default\: every user relation):_files' \
&& ret=0
;;
(catalog)
_arguments "${_arguments_options[@]}" : \
'(--channel)--database-url=[Run the local psql against this connection string]:DATABASE_URL:_default' \
'--channel=[Channel command that runs psql reading the script on stdin (e.g. the packet'\''s channel)]:CHANNEL:_default' \
'-o+[Write the snapshot to FILE (atomically\: a temporary file, then a rename) instead of stdout; \`packetc lint --schema FILE\` reads it]:FILE:_files' \
'--output=[Write the snapshot to FILE (atomically\: a temporary file, then a rename) instead of stdout; \`packetc lint --schema FILE\` reads it]:FILE:_files' \
'--color=[When to colour diagnostics\: auto (a terminal, and NO_COLOR unset), always, never]:COLOR:((auto\:"Colour when stdout and stderr are terminals and NO_COLOR is not set"
always\:"Always colour (e.g. CI logs that render ANSI colours)"
never\:"Never colour"))' \
'-q[Print only findings, drift and errors (no "wrote ..." / "ok\: ..." lines)]' \
'--quiet[Print only findings, drift and errors (no "wrote ..." / "ok\: ..." lines)]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
&& ret=0
;;
(rule)
_arguments "${_arguments_options[@]}" : \
'--color=[When to colour diagnostics\: auto (a terminal, and NO_COLOR unset), always, never]:COLOR:((auto\:"Colour when stdout and stderr are terminals and NO_COLOR is not set"
always\:"Always colour (e.g. CI logs that render ANSI colours)"
never\:"Never colour"))' \
'-q[Print only findings, drift and errors (no "wrote ..." / "ok\: ..." lines)]' \
'--quiet[Print only findings, drift and errors (no "wrote ..." / "ok\: ..." lines)]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
'::code -- Rule code (e.g. PC001) or kebab-case name; omit to list all rules:((PC001\:"A statement writes rows of a protected table."
PC002\:"A statement changes the definition or privileges of a protected table."
PC003\:"A statement sets a protected column."
PC004\:"A statement switches triggers off."
PC005\:"A statement replaces or drops an object a protected table depends on."
PC010\:"A statement could not be parsed, so it cannot be proven safe."
PC011\:"A quote, dollar quote or comment is never closed."
PC012\:"Bytes that are not valid UTF-8 or that the SQL tokenizer rejects."
PC013\:"SQL built or executed at run time cannot be proven safe."
PC014\:"A function or DO body is in a language the linter cannot read."
PC015\:"A psql include (\\i, \\ir) could not be followed."
PC016\:"A psql variable is pasted into SQL unquoted, or names a written table."
PC017\:"A psql command or session setting changes how the rest of the script is read or run."
PC018\:"A call of a function the linter cannot see, which the policy does not trust."
PC020\:"A suppression comment has no reason or names an unknown code."
PC021\:"A suppression comment silences no finding."
PC030\:"A read-only packet step (preflight, verify) writes."
PC031\:"The seed step writes something other than new provenance rows."
PC032\:"A seed INSERT does not stamp the provenance columns."
PC033\:"The rollback step writes something other than tag-scoped deletes."
PC034\:"A packet write is not inside an explicit BEGIN … COMMIT."
PC035\:"ON_ERROR_STOP is not on before the first SQL statement."))' \
&& ret=0
;;
(help)
_arguments "${_arguments_options[@]}" : \
":: :_packetc__subcmd__help_commands" \
"*::: :->help" \
&& ret=0

    case $state in
    (help)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:packetc-help-command-$line[1]:"
        case $line[1] in
            (render)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(check)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(lint)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(plan)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(prove)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(apply)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(status)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(grants)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(new)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(schema)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(completions)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(man)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(fingerprint)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(catalog)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(rule)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(help)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
        esac
    ;;
esac
;;
        esac
    ;;
esac
}

(( $+functions[_packetc_commands] )) ||
_packetc_commands() {
    local commands; commands=(
'render:Render a packet'\''s four scripts into PACKET/sql/ (atomically)' \
'check:Re-render every packet in memory, fail on drift from the committed scripts, lint them' \
'lint:Lint SQL scripts against the write policy' \
'plan:Print a packet'\''s step table\: step, script, gate, expected delta, stop condition' \
'prove:Run the packet on a scratch PostgreSQL clone and report expected vs observed per step' \
'apply:Run preflight, seed and verify through the channel (rollback on a failed verify)' \
'status:Show the journal history of a packet and its live state, metric by metric (read-only)' \
'grants:Print the one-time script a DBA runs to create the role the packet'\''s writes run as' \
'new:Scaffold a new packet\: a commented packet.yaml (valid as written) and its four scripts' \
'schema:Print the JSON Schema of packet.yaml, policy.yaml or the JSON report (committed in docs/schema/)' \
'completions:Print a shell completion script' \
'man:Print the man page, or write every page (packetc.1, packetc-SUBCOMMAND.1) into a directory' \
'fingerprint:Print the schema fingerprint of a database (only reads)\: the canonical description of every object a packet depends on, hashed per object' \
'catalog:Export a database'\''s catalog (only reads) as a snapshot for schema-aware lint\: every table'\''s triggers, indexes, constraints, views, children, foreign keys, column domains and types, sequences and the functions its checks and defaults call' \
'rule:Print the documentation of a lint rule' \
'help:Print this message or the help of the given subcommand(s)' \
    )
    _describe -t commands 'packetc commands' commands "$@"
}
(( $+functions[_packetc__subcmd__apply_commands] )) ||
_packetc__subcmd__apply_commands() {
    local commands; commands=()
    _describe -t commands 'packetc apply commands' commands "$@"
}
(( $+functions[_packetc__subcmd__catalog_commands] )) ||
_packetc__subcmd__catalog_commands() {
    local commands; commands=()
    _describe -t commands 'packetc catalog commands' commands "$@"
}
(( $+functions[_packetc__subcmd__check_commands] )) ||
_packetc__subcmd__check_commands() {
    local commands; commands=()
    _describe -t commands 'packetc check commands' commands "$@"
}
(( $+functions[_packetc__subcmd__completions_commands] )) ||
_packetc__subcmd__completions_commands() {
    local commands; commands=()
    _describe -t commands 'packetc completions commands' commands "$@"
}
(( $+functions[_packetc__subcmd__fingerprint_commands] )) ||
_packetc__subcmd__fingerprint_commands() {
    local commands; commands=()
    _describe -t commands 'packetc fingerprint commands' commands "$@"
}
(( $+functions[_packetc__subcmd__grants_commands] )) ||
_packetc__subcmd__grants_commands() {
    local commands; commands=()
    _describe -t commands 'packetc grants commands' commands "$@"
}
(( $+functions[_packetc__subcmd__help_commands] )) ||
_packetc__subcmd__help_commands() {
    local commands; commands=(
'render:Render a packet'\''s four scripts into PACKET/sql/ (atomically)' \
'check:Re-render every packet in memory, fail on drift from the committed scripts, lint them' \
'lint:Lint SQL scripts against the write policy' \
'plan:Print a packet'\''s step table\: step, script, gate, expected delta, stop condition' \
'prove:Run the packet on a scratch PostgreSQL clone and report expected vs observed per step' \
'apply:Run preflight, seed and verify through the channel (rollback on a failed verify)' \
'status:Show the journal history of a packet and its live state, metric by metric (read-only)' \
'grants:Print the one-time script a DBA runs to create the role the packet'\''s writes run as' \
'new:Scaffold a new packet\: a commented packet.yaml (valid as written) and its four scripts' \
'schema:Print the JSON Schema of packet.yaml, policy.yaml or the JSON report (committed in docs/schema/)' \
'completions:Print a shell completion script' \
'man:Print the man page, or write every page (packetc.1, packetc-SUBCOMMAND.1) into a directory' \
'fingerprint:Print the schema fingerprint of a database (only reads)\: the canonical description of every object a packet depends on, hashed per object' \
'catalog:Export a database'\''s catalog (only reads) as a snapshot for schema-aware lint\: every table'\''s triggers, indexes, constraints, views, children, foreign keys, column domains and types, sequences and the functions its checks and defaults call' \
'rule:Print the documentation of a lint rule' \
'help:Print this message or the help of the given subcommand(s)' \
    )
    _describe -t commands 'packetc help commands' commands "$@"
}
(( $+functions[_packetc__subcmd__help__subcmd__apply_commands] )) ||
_packetc__subcmd__help__subcmd__apply_commands() {
    local commands; commands=()
    _describe -t commands 'packetc help apply commands' commands "$@"
}
(( $+functions[_packetc__subcmd__help__subcmd__catalog_commands] )) ||
_packetc__subcmd__help__subcmd__catalog_commands() {
    local commands; commands=()
    _describe -t commands 'packetc help catalog commands' commands "$@"
}
(( $+functions[_packetc__subcmd__help__subcmd__check_commands] )) ||
_packetc__subcmd__help__subcmd__check_commands() {
    local commands; commands=()
    _describe -t commands 'packetc help check commands' commands "$@"
}
(( $+functions[_packetc__subcmd__help__subcmd__completions_commands] )) ||
_packetc__subcmd__help__subcmd__completions_commands() {
    local commands; commands=()
    _describe -t commands 'packetc help completions commands' commands "$@"
}
(( $+functions[_packetc__subcmd__help__subcmd__fingerprint_commands] )) ||
_packetc__subcmd__help__subcmd__fingerprint_commands() {
    local commands; commands=()
    _describe -t commands 'packetc help fingerprint commands' commands "$@"
}
(( $+functions[_packetc__subcmd__help__subcmd__grants_commands] )) ||
_packetc__subcmd__help__subcmd__grants_commands() {
    local commands; commands=()
    _describe -t commands 'packetc help grants commands' commands "$@"
}
(( $+functions[_packetc__subcmd__help__subcmd__help_commands] )) ||
_packetc__subcmd__help__subcmd__help_commands() {
    local commands; commands=()
    _describe -t commands 'packetc help help commands' commands "$@"
}
(( $+functions[_packetc__subcmd__help__subcmd__lint_commands] )) ||
_packetc__subcmd__help__subcmd__lint_commands() {
    local commands; commands=()
    _describe -t commands 'packetc help lint commands' commands "$@"
}
(( $+functions[_packetc__subcmd__help__subcmd__man_commands] )) ||
_packetc__subcmd__help__subcmd__man_commands() {
    local commands; commands=()
    _describe -t commands 'packetc help man commands' commands "$@"
}
(( $+functions[_packetc__subcmd__help__subcmd__new_commands] )) ||
_packetc__subcmd__help__subcmd__new_commands() {
    local commands; commands=()
    _describe -t commands 'packetc help new commands' commands "$@"
}
(( $+functions[_packetc__subcmd__help__subcmd__plan_commands] )) ||
_packetc__subcmd__help__subcmd__plan_commands() {
    local commands; commands=()
    _describe -t commands 'packetc help plan commands' commands "$@"
}
(( $+functions[_packetc__subcmd__help__subcmd__prove_commands] )) ||
_packetc__subcmd__help__subcmd__prove_commands() {
    local commands; commands=()
    _describe -t commands 'packetc help prove commands' commands "$@"
}
(( $+functions[_packetc__subcmd__help__subcmd__render_commands] )) ||
_packetc__subcmd__help__subcmd__render_commands() {
    local commands; commands=()
    _describe -t commands 'packetc help render commands' commands "$@"
}
(( $+functions[_packetc__subcmd__help__subcmd__rule_commands] )) ||
_packetc__subcmd__help__subcmd__rule_commands() {
    local commands; commands=()
    _describe -t commands 'packetc help rule commands' commands "$@"
}
(( $+functions[_packetc__subcmd__help__subcmd__schema_commands] )) ||
_packetc__subcmd__help__subcmd__schema_commands() {
    local commands; commands=()
    _describe -t commands 'packetc help schema commands' commands "$@"
}
(( $+functions[_packetc__subcmd__help__subcmd__status_commands] )) ||
_packetc__subcmd__help__subcmd__status_commands() {
    local commands; commands=()
    _describe -t commands 'packetc help status commands' commands "$@"
}
(( $+functions[_packetc__subcmd__lint_commands] )) ||
_packetc__subcmd__lint_commands() {
    local commands; commands=()
    _describe -t commands 'packetc lint commands' commands "$@"
}
(( $+functions[_packetc__subcmd__man_commands] )) ||
_packetc__subcmd__man_commands() {
    local commands; commands=()
    _describe -t commands 'packetc man commands' commands "$@"
}
(( $+functions[_packetc__subcmd__new_commands] )) ||
_packetc__subcmd__new_commands() {
    local commands; commands=()
    _describe -t commands 'packetc new commands' commands "$@"
}
(( $+functions[_packetc__subcmd__plan_commands] )) ||
_packetc__subcmd__plan_commands() {
    local commands; commands=()
    _describe -t commands 'packetc plan commands' commands "$@"
}
(( $+functions[_packetc__subcmd__prove_commands] )) ||
_packetc__subcmd__prove_commands() {
    local commands; commands=()
    _describe -t commands 'packetc prove commands' commands "$@"
}
(( $+functions[_packetc__subcmd__render_commands] )) ||
_packetc__subcmd__render_commands() {
    local commands; commands=()
    _describe -t commands 'packetc render commands' commands "$@"
}
(( $+functions[_packetc__subcmd__rule_commands] )) ||
_packetc__subcmd__rule_commands() {
    local commands; commands=()
    _describe -t commands 'packetc rule commands' commands "$@"
}
(( $+functions[_packetc__subcmd__schema_commands] )) ||
_packetc__subcmd__schema_commands() {
    local commands; commands=()
    _describe -t commands 'packetc schema commands' commands "$@"
}
(( $+functions[_packetc__subcmd__status_commands] )) ||
_packetc__subcmd__status_commands() {
    local commands; commands=()
    _describe -t commands 'packetc status commands' commands "$@"
}

if [ "$funcstack[1]" = "_packetc" ]; then
    _packetc "$@"
else
    compdef _packetc packetc
fi
