-- Predefined roles that write every table.
GRANT pg_write_all_data TO paths_other; -- expect: PC002
-- reach: pg_has_role('paths_other', 'pg_write_all_data', 'MEMBER')
