-- Fail-closed findings whose text names a protected object: an allow comment cannot silence
-- them (#9 item 4). Each allow below is valid and has a reason, and the finding stays.
\set ON_ERROR_STOP on

-- \gexec runs what the query returns; the query spells a protected table in pieces.
-- packetc: allow PC013 -- generated maintenance statements
SELECT 'DELETE FROM system_' || 'issues'
\gexec -- expect: PC013

-- The same through adjacent literals continued on the next line (one literal for the server).
-- packetc: allow PC013 -- generated maintenance statements
SELECT 'TRUNCATE event_'
'outbox'
\gexec -- expect: PC013

-- A shell escape and a pipe that name protected objects.
-- packetc: allow PC013 -- local tooling
\! psql -c 'DELETE FROM system_issues' -- expect: PC013
-- packetc: allow PC013 -- local tooling
\o | psql -c "SET session_replication_role = replica" -- expect: PC013
-- A persistent output pipe that names nothing itself: what later flows into it is query output,
-- here a DELETE of a protected table, so it is never suppressed.
-- packetc: allow PC013 -- local tooling
\o | psql -X -q -- expect: PC013
SELECT 'DELETE FROM system_issues';
\o

-- COPY … PROGRAM whose command names a protected setting.
-- packetc: allow PC013 -- loading a scratch table
COPY scratch FROM PROGRAM 'psql -c "SET session_replication_role = replica"'; -- expect: PC013

-- A protected name behind U& escapes with UESCAPE, in a statement the parser rejects.
-- packetc: allow PC010 -- importing a scratch table
IMPORT FOREIGN SCHEMA remote LIMIT TO (U&"sy!0073tem_issues" UESCAPE '!') FROM SERVER s INTO public; -- expect: PC010

-- A qualified catalog name with comments between its parts.
-- packetc: allow PC010 -- importing a scratch table
IMPORT FOREIGN SCHEMA pg_catalog LIMIT TO (pg_catalog /* c */ . /* d */ pg_trigger) FROM SERVER s INTO public; -- expect: PC010

-- Dynamic SQL that assembles a protected setting from concatenated literals.
-- packetc: allow PC013 -- dynamic maintenance
DO $$ BEGIN EXECUTE 'SET session_' || 'replication_role = ' || quote_literal(r); END $$; -- expect: PC013
