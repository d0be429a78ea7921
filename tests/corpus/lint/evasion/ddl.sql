ALTER TABLE os_proposal_approvals ADD COLUMN x int; -- expect: PC002
DROP TABLE system_issues; -- expect: PC002
DROP TABLE IF EXISTS governance_tmp, event_outbox CASCADE; -- expect: PC002
CREATE INDEX ON system_issues (id); -- expect: PC002
CREATE TRIGGER t AFTER INSERT ON event_outbox FOR EACH ROW EXECUTE FUNCTION f(); -- expect: PC002
GRANT INSERT ON os_proposal_approvals TO workflow_admin; -- expect: PC002
REVOKE ALL ON TABLE system_issues FROM PUBLIC; -- expect: PC002
GRANT ALL ON ALL TABLES IN SCHEMA public TO workflow_admin; -- expect: PC002
COMMENT ON TABLE os_proposal_approvals IS 'x'; -- expect: PC002
CREATE POLICY p ON os_proposal_approvals USING (true); -- expect: PC002
ALTER TABLE system_issues RENAME TO system_issues_old; -- expect: PC002
DROP SCHEMA public CASCADE; -- expect: PC002
ALTER TABLE governance_tmp DROP CONSTRAINT governance_tmp_pkey CASCADE; -- expect: PC002
ALTER DOMAIN some_domain DROP CONSTRAINT some_check CASCADE; -- expect: PC002
ALTER TABLE governance_tmp DROP CONSTRAINT governance_tmp_pkey CASCADE, ADD COLUMN x int; -- expect: PC002
CREATE TABLE event_outbox (id int); -- expect: PC002
