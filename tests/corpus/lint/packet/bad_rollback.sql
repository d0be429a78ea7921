\set ON_ERROR_STOP on
BEGIN;
DELETE FROM governance_object_ownership; -- expect: PC033
DELETE FROM governance_object_ownership WHERE created_by = current_setting('packetc.provenance_tag') OR true; -- expect: PC033
DELETE FROM governance_object_ownership WHERE approval_ref = current_setting('packetc.ratified_apr'); -- expect: PC033
TRUNCATE governance_object_ownership; -- expect: PC033
UPDATE governance_object_ownership SET created_by = NULL WHERE created_by = 'F6'; -- expect: PC033
COMMIT;
