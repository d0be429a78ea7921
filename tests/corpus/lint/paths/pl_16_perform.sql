-- PL/pgSQL: PERFORM runs its query (here one that changes a protected setting).
DO $$
BEGIN
  PERFORM set_config('session_replication_role', 'replica', false); -- expect: PC004
END $$;
-- reach: current_setting('session_replication_role') = 'replica'
