-- Schema-aware mode: the key a protected table's foreign key relies on, dropped with CASCADE
-- (which drops the protected table's foreign key). Without a schema it is still a finding:
-- CASCADE's reach is unknown (PC002).
ALTER TABLE ledger_accounts DROP CONSTRAINT ledger_accounts_pkey CASCADE; -- expect: PC002, PC005
