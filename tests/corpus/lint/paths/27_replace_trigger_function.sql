-- Schema-aware mode: replacing a protected table's trigger function changes what its triggers
-- do without naming the table (the schema shows trg_system_issues_updated_at executes it).
CREATE OR REPLACE FUNCTION system_issues_touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$; -- expect: PC005
