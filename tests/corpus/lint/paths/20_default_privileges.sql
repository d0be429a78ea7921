-- Default privileges reach a protected table's future partitions.
ALTER DEFAULT PRIVILEGES FOR ROLE paths_owner GRANT INSERT ON TABLES TO paths_other; -- expect: PC002
SET ROLE paths_owner;
CREATE TABLE measurements_2029 PARTITION OF measurements FOR VALUES FROM ('2029-01-01') TO ('2030-01-01'); -- expect: PC002
RESET ROLE;
-- reach: has_table_privilege('paths_other', 'measurements_2029', 'INSERT')
