-- set_config names a setting case-insensitively, and string escapes spell it too.
SELECT set_config(E'session\137replication_role', 'origin', false); -- expect: PC004
SELECT set_config(U&'session\005freplication_role', 'origin', false); -- expect: PC004
SELECT set_config('SESSION_REPLICATION_ROLE', 'replica', false); -- expect: PC004
-- reach: current_setting('session_replication_role') = 'replica'
