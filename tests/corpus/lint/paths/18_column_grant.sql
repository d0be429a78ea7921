-- Privileges to set a protected column: column-level and table-level grants.
GRANT UPDATE (active) ON event_type_registry TO paths_other; -- expect: PC003
GRANT INSERT ON event_type_registry TO paths_other; -- expect: PC003
