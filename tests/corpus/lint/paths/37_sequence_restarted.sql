-- Schema-aware mode: the sequence feeding a protected table's key restarted: its next default
-- is a key that exists.
ALTER SEQUENCE ledger_no_seq RESTART WITH 1; -- expect: PC005
-- reach: nextval('ledger_no_seq') = 1 AND EXISTS (SELECT FROM ledger WHERE no = 1)
