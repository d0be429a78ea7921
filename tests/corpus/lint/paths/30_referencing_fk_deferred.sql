-- Schema-aware mode: a referencing foreign key made deferrable (its checks on the protected
-- table's rows move to commit time).
ALTER TABLE ledger_notes ALTER CONSTRAINT ledger_notes_ledger_no_fkey DEFERRABLE INITIALLY DEFERRED; -- expect: PC005
