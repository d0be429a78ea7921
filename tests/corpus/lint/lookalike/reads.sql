-- Things that look like forbidden writes but are not: must lint clean.
\set ON_ERROR_STOP on
\set VERBOSITY verbose
\echo 'DELETE FROM system_issues'
\if :{?ratified_apr}
\else
  \echo 'missing ratified_apr'
\endif
SELECT count(*) FROM system_issues;
SELECT count(*) FROM os_proposal_approvals WHERE status = 'approved';
SELECT * FROM event_outbox e JOIN event_type_registry r ON r.event_type = e.event_type WHERE r.active;
WITH s AS (SELECT * FROM system_issues) SELECT count(*) FROM s;
-- DELETE FROM system_issues;   (a comment)
/* UPDATE event_type_registry SET active = true; */
SELECT 'DELETE FROM system_issues; TRUNCATE event_outbox' AS not_sql;
SELECT $$ INSERT INTO os_proposal_approvals VALUES (1) $$ AS still_a_string;
SELECT E'UPDATE event_outbox SET x = 1\';' AS escaped;
INSERT INTO os_proposal_approvals_archive (id) SELECT id FROM os_proposal_approvals;
UPDATE os_proposal_approvals_archive SET note = 'x';
DELETE FROM system_issues_report WHERE true;
INSERT INTO governance_scopes (scope_key, active) VALUES ('x', true);
UPDATE governance_domains SET active = false WHERE domain_key = 'y';
UPDATE event_type_registry SET description = 'ownership events' WHERE event_type = 'gov';
INSERT INTO event_type_registry (event_type, description) VALUES ('gov', 'x');
ALTER TABLE event_type_registry ALTER COLUMN description SET DEFAULT '';
-- A foreign key's ON DELETE / ON UPDATE CASCADE is an action, not ALTER … CASCADE's unknown reach.
ALTER TABLE event_type_registry ADD CONSTRAINT event_type_registry_parent_fkey FOREIGN KEY (parent) REFERENCES event_type_registry (name) ON DELETE CASCADE ON UPDATE CASCADE;
CREATE TEMP TABLE scratch AS SELECT * FROM system_issues;
INSERT INTO scratch SELECT * FROM system_issues;
UPDATE scratch SET title = 'x';
DROP TABLE scratch;
SELECT set_config('packetc.ratified_apr', :'ratified_apr', false);
SELECT current_setting('session_replication_role');
SHOW session_replication_role;
RESET session_replication_role;
SELECT 1 AS one \gset
SELECT :'one'::int;
LOCK TABLE governance_object_ownership IN SHARE ROW EXCLUSIVE MODE;
SELECT a::int, b::text FROM (VALUES (1, 'x')) v(a, b);
DO $$
DECLARE n bigint;
BEGIN
  n := (SELECT count(*) FROM system_issues);
  SELECT count(*) INTO n FROM event_outbox;
  PERFORM 1 FROM os_proposal_approvals;
  IF n > 0 THEN RAISE NOTICE 'there are % issues', n; END IF;
  EXECUTE 'SELECT count(*) FROM system_issues' INTO n;
END $$;
CREATE FUNCTION count_issues() RETURNS bigint LANGUAGE sql STABLE AS $$ SELECT count(*) FROM system_issues $$;
COPY (SELECT * FROM system_issues) TO STDOUT;
COPY system_issues TO STDOUT;
\copy system_issues to 'issues.csv' csv
CREATE FUNCTION count_outbox() RETURNS bigint LANGUAGE sql
BEGIN ATOMIC
  SELECT count(*) FROM event_outbox;
END;
CREATE TABLE scratch2 (begin_at int, "end" int);
SELECT 1;
-- A (materialized) view over a protected table reads it; writing through it would be flagged.
CREATE VIEW v AS SELECT * FROM os_proposal_approvals;
CREATE MATERIALIZED VIEW mv AS SELECT * FROM system_issues;
