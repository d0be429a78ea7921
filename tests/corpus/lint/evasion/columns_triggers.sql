UPDATE event_type_registry SET active = true; -- expect: PC003
UPDATE event_type_registry SET "active" = true WHERE event_type = 'x'; -- expect: PC003
UPDATE public.EVENT_TYPE_REGISTRY e SET (description, active) = ('d', true); -- expect: PC003
INSERT INTO event_type_registry (event_type, active) VALUES ('x', true); -- expect: PC003
INSERT INTO event_type_registry VALUES ('x', 'd', true); -- expect: PC003
INSERT INTO event_type_registry (event_type) VALUES ('x')
  ON CONFLICT (event_type) DO UPDATE SET active = true; -- expect: PC003
ALTER TABLE event_type_registry ALTER COLUMN active SET DEFAULT true; -- expect: PC003
COPY event_type_registry FROM '/tmp/e.csv'; -- expect: PC003
COPY event_type_registry (event_type, active) FROM STDIN; -- expect: PC003
x	t
\.
SET session_replication_role = replica; -- expect: PC004
SET LOCAL session_replication_role TO 'replica'; -- expect: PC004
SET SESSION "session_replication_role" = replica; -- expect: PC004
SELECT set_config('session_replication_role', 'replica', true); -- expect: PC004
SELECT pg_catalog.set_config('SESSION_REPLICATION_ROLE', 'replica', false); -- expect: PC004
SELECT count(*) FROM governance_scopes WHERE set_config('session_replication_role', 'replica', true) IS NOT NULL; -- expect: PC004
ALTER ROLE workflow_admin SET session_replication_role = replica; -- expect: PC004
UPDATE pg_settings SET setting = 'replica' WHERE name = 'session_replication_role'; -- expect: PC004, PC001 (a catalog view)
ALTER TABLE system_issues DISABLE TRIGGER ALL; -- expect: PC004
ALTER TABLE event_outbox DISABLE TRIGGER validate_outbox; -- expect: PC004
DROP TRIGGER validate_outbox ON event_outbox; -- expect: PC004
SELECT set_config(:'which', 'replica', true); -- expect: PC013
MERGE INTO event_type_registry t USING governance_scopes s ON t.event_type = s.scope_key
  WHEN MATCHED THEN UPDATE SET active = true; -- expect: PC003
MERGE INTO event_type_registry t USING governance_scopes s ON t.event_type = s.scope_key -- expect: PC003
  WHEN NOT MATCHED THEN INSERT VALUES (s.scope_key, 'd', true);
MERGE INTO event_type_registry t USING governance_scopes s ON t.event_type = s.scope_key
  WHEN NOT MATCHED THEN INSERT (event_type, description) VALUES (s.scope_key, 'd');
ALTER TABLE event_type_registry DROP COLUMN active; -- expect: PC003
ALTER TABLE event_type_registry RENAME COLUMN active TO was_active; -- expect: PC003
