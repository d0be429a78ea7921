-- Schema-aware mode: the table a protected table's foreign key references, its RI triggers
-- switched off: deleting its rows leaves the protected rows' foreign key violated.
ALTER TABLE ledger_accounts DISABLE TRIGGER ALL; -- expect: PC005
DELETE FROM ledger_accounts;
-- reach: EXISTS (SELECT FROM ledger l WHERE NOT EXISTS (SELECT FROM ledger_accounts a WHERE a.code = l.account))
