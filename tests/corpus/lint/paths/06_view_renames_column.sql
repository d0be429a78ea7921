-- A view that renames a protected column: the write sets the column under another name.
CREATE VIEW registry_v AS SELECT event_type, active AS on_off FROM event_type_registry;
UPDATE registry_v SET on_off = NOT on_off; -- expect: PC003
