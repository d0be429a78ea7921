-- A table made a child later: its rows join the protected parent's.
CREATE TABLE eo_like (LIKE event_outbox);
ALTER TABLE eo_like INHERIT event_outbox; -- expect: PC002
INSERT INTO eo_like (id, aggregate_type, aggregate_id, event_type, payload, created_at, attempts) VALUES (901, 'a', 'b', 'x.y', '{}', now(), 0); -- expect: PC001
