-- Schema-aware mode: the domain of a protected column loses its check; the column then
-- accepts what it refused.
ALTER DOMAIN ledger_amount DROP CONSTRAINT ledger_amount_check; -- expect: PC005
-- reach: (SELECT (-1)::ledger_amount IS NOT NULL)
