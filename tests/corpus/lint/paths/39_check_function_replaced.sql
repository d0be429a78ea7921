-- Schema-aware mode: the function a protected table's check calls, replaced: the check then
-- accepts anything.
CREATE OR REPLACE FUNCTION ledger_ref_ok(text) RETURNS boolean LANGUAGE sql IMMUTABLE AS $$ SELECT true $$; -- expect: PC005
-- reach: ledger_ref_ok('not a reference')
