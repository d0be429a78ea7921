-- Fail-closed findings that name no protected object: a reasoned allow comment silences them.
\set ON_ERROR_STOP on

-- packetc: allow PC013 -- ANALYZE of fixed, unprotected tables
SELECT format('ANALYZE %I', t) FROM unnest(ARRAY['governance_scopes', 'governance_items']) AS t
\gexec

-- packetc: allow PC013 -- prints the date
\! date

-- packetc: allow PC010 -- importing a scratch table
IMPORT FOREIGN SCHEMA remote LIMIT TO (scratch_issues) FROM SERVER s INTO public;

-- A custom setting whose last part is a protected setting's name is not the protected one.
-- packetc: allow PC013 -- dynamic maintenance
DO $$ BEGIN EXECUTE 'SET myapp.flag = ' || quote_literal(r); END $$;

-- packetc: allow PC013 -- pg_sleep is a function, not a catalog table
SELECT format('SELECT pg_sleep(%s)', 1)
\gexec
