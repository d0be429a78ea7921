\set ON_ERROR_STOP on
SELECT count(*) FROM system_issues;
UPDATE event_type_registry
   SET active = true
 WHERE event_type = 'governance';
DELETE FROM "system_issues" WHERE id = 1;
IMPORT FOREIGN SCHEMA remote LIMIT TO (governance_scopes) FROM SERVER s INTO public;
-- packetc: allow PC010
SELECT 1;
