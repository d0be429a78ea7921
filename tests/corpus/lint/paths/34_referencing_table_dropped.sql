-- Schema-aware mode: a table referencing a protected one, dropped (its RI triggers on the
-- protected table go with it).
DROP TABLE ledger_notes; -- expect: PC005
