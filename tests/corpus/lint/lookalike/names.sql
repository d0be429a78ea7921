-- Protected names used for things that are not the protected tables (tests/lint_paths_pg.rs
-- runs this file on PostgreSQL and checks that no protected object changes).
CREATE SCHEMA system_issues;
CREATE TABLE system_issues.notes (id int);
INSERT INTO system_issues.notes VALUES (1);
CREATE TYPE mood AS ENUM ('system_issues');
CREATE TYPE pairs AS (system_issues int, event_outbox text);
ALTER TYPE pairs ADD ATTRIBUTE os_proposal_approvals int;
CREATE TABLE typed_t (x pairs);
UPDATE typed_t SET x.system_issues = 1;
CREATE FUNCTION f_param(system_issues int) RETURNS int LANGUAGE sql AS $$ SELECT system_issues $$;
CREATE COLLATION event_outbox (locale = 'C');
CREATE TABLE t_coll (a text COLLATE event_outbox);
CREATE FUNCTION os_proposal_approvals() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;
SELECT os_proposal_approvals();
DROP FUNCTION os_proposal_approvals();
SELECT set_config('myapp.session_replication_role', 'replica', false);
SET myapp.session_replication_role = 'replica';
SHOW myapp.session_replication_role;
COMMENT ON COLUMN governance_scopes.scope_key IS 'not protected';
CREATE MATERIALIZED VIEW mv_issues AS SELECT * FROM system_issues;
CREATE VIEW v_issues AS SELECT * FROM system_issues;
SELECT count(*) FROM v_issues;
DROP TABLE t_coll;
DROP COLLATION event_outbox;
ALTER SCHEMA system_issues RENAME TO si_notes;
COMMENT ON COLUMN event_type_registry.active IS 'the emit switch';
