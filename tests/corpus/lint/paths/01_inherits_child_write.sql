-- A child's rows are its parent's rows, and the parent's triggers do not fire on them.
CREATE TABLE eo_child () INHERITS (event_outbox); -- expect: PC002
INSERT INTO eo_child (id, aggregate_type, aggregate_id, event_type) VALUES (900, 'a', 'b', 'x.y'); -- expect: PC001
