-- Dynamic SQL that assembles a protected setting from concatenated literals: the allow comment
-- cannot silence it (#9 item 4).
-- packetc: allow PC013 -- dynamic maintenance
DO $$ BEGIN EXECUTE 'SET session_' || 'replication_role = ' || quote_literal('replica'); END $$; -- expect: PC013
-- reach: current_setting('session_replication_role') = 'replica'
