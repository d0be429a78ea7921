SELECT 1;
IMPORT FOREIGN SCHEMA remote LIMIT TO (governance_scopes) FROM SERVER s INTO public; -- expect: PC010
IMPORT FOREIGN SCHEMA remote LIMIT TO (system_issues) FROM SERVER s INTO public; -- expect: PC010
-- packetc: allow PC010 -- importing a scratch table is fine for our purposes
IMPORT FOREIGN SCHEMA remote LIMIT TO (governance_scopes) FROM SERVER s INTO public;
-- packetc: allow PC010 -- this one names a protected table, so it stays
IMPORT FOREIGN SCHEMA remote LIMIT TO (event_outbox) FROM SERVER s INTO public; -- expect: PC010
-- packetc: allow PC001 -- never suppressible: stays, and the comment itself is flagged -- expect: PC020
DELETE FROM system_issues; -- expect: PC001
/* expect: PC020 */ -- packetc: allow PC010
SELECT 1;
SELECT 1 \gexec -- expect: PC013
\! psql -c 'DELETE FROM system_issues' -- expect: PC013
\set n `psql -Atc 'DELETE FROM system_issues RETURNING 1'` -- expect: PC013
\i does/not/exist.sql -- expect: PC015
\ir also_missing.sql -- expect: PC015
\ir included/inner.sql -- expect: PC001
\ir included/self.sql -- expect: PC015
DELETE FROM governance_scopes WHERE id = :id; -- expect: PC016
DELETE FROM :"target" WHERE true; -- expect: PC016
FROB governance_scopes WHERE id = 1 garbage garbage; -- expect: PC010
SELECT 0x; -- expect: PC012
SELECT $1x$; -- expect: PC012
-- packetc: allow PC012 -- a tokenizer error can be waived, but not when it names a protected table
DELETE FROM system_issues WHERE x = 0x; -- expect: PC012
DELETE FROM system_issues WHERE id = 2; -- expect: PC001
COPY governance_scopes FROM PROGRAM 'psql -c "DELETE FROM system_issues"'; -- expect: PC013
SECURITY LABEL ON TABLE system_issues IS 'x'; -- expect: PC002 (judged by the names it contains)
CREATE STATISTICS s2 ON a, b FROM system_issues; -- expect: PC002 (judged by the names it contains)
CREATE STATISTICS s ON a, b FROM governance_scopes;
DO $$ BEGIN NULL; END $$ LANGUAGE plpgsql extra; -- expect: PC010
CREATE FUNCTION f_bad() RETURNS int LANGUAGE sql AS 'SELECT 1' ); -- expect: PC010
-- packetc: allow PC011 -- never works when the swallowed text names a protected table
SELECT 'unterminated; -- expect: PC011
DELETE FROM system_issues;
