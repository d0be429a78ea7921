\set ON_ERROR_STOP on
BEGIN TRANSACTION READ ONLY;
CREATE TEMP TABLE snap AS SELECT count(*) AS n FROM governance_object_ownership;
INSERT INTO snap VALUES (1);
UPDATE governance_scopes SET checked_at = now(); -- expect: PC030
DO $$ BEGIN INSERT INTO governance_domains VALUES (1); END $$; -- expect: PC030
CREATE INDEX ON governance_scopes (scope_key); -- expect: PC030
COMMIT;
