-- A protected column renamed away, written, and renamed back.
ALTER TABLE event_type_registry RENAME COLUMN active TO active_was; -- expect: PC003
UPDATE event_type_registry SET active_was = true; -- expect: PC003
ALTER TABLE event_type_registry RENAME COLUMN active_was TO active; -- expect: PC003
