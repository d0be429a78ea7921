SELECT 1; -- expect: PC035
\set ON_ERROR_STOP on
INSERT INTO governance_object_ownership (object_kind, created_by, approval_ref) VALUES ('x', current_setting('packetc.provenance_tag'), 'APR-1'); -- expect: PC034
BEGIN;
INSERT INTO governance_object_ownership (object_kind, object_key) VALUES ('x', 'y'); -- expect: PC032
INSERT INTO governance_object_ownership (object_kind, created_by, approval_ref) SELECT 'x', 'T', now()::text; -- expect: PC032
UPDATE governance_object_ownership SET owner_role = 'x'; -- expect: PC031
INSERT INTO governance_scopes (scope_key) VALUES ('x'); -- expect: PC031
DO $$ BEGIN DELETE FROM governance_domains; END $$; -- expect: PC031
CREATE TEMP TABLE t AS SELECT 1;
COMMIT;
