-- psql lexing: each write below reaches the server when psql runs this file (the oracle
-- test checks that psql sends exactly what the scanner predicts; it defines the variable a).
SELECT 1 \; DELETE FROM system_issues WHERE false; -- expect: PC001
\echo hi \\ DELETE FROM event_outbox WHERE false; -- expect: PC001
\set x 1 \set y 2 \\ DELETE FROM os_proposal_approvals WHERE false; -- expect: PC001
COPY governance_scopes (scope_key) FROM STDIN; DELETE FROM system_issues WHERE false; -- expect: PC001
not-a-scope
\.
\if :{?a}
DELETE FROM event_outbox WHERE false; -- expect: PC001
\endif
\setenv PGOPTIONS '-c session_replication_role=replica' -- expect: PC017
\bind 1 -- expect: PC017
-- a CR ends a comment for psql and the serverDELETE FROM system_issues WHERE false; -- expect: PC001
SET standard_conforming_strings = off; -- expect: PC017
