-- Schema-aware mode: the sequence feeding a protected default dropped with CASCADE (the
-- default goes with it).
DROP SEQUENCE ledger_no_seq CASCADE; -- expect: PC002, PC005
