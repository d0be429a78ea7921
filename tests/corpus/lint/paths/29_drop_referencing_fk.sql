-- Schema-aware mode: the foreign key of another table referencing a protected one (dropping it
-- drops the protected table's RI triggers).
ALTER TABLE ledger_notes DROP CONSTRAINT ledger_notes_ledger_no_fkey; -- expect: PC005
