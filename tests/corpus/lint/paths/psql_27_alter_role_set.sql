-- A protected setting as a role's default (it applies from the role's next login).
ALTER ROLE paths_other SET session_replication_role = replica; -- expect: PC004
-- reach: EXISTS (SELECT FROM pg_db_role_setting WHERE 'session_replication_role=replica' = ANY (setconfig))
