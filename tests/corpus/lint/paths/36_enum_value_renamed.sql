-- Schema-aware mode: an enum value of a protected column renamed: every protected row holding
-- it changes without an UPDATE.
ALTER TYPE ledger_kind RENAME VALUE 'credit' TO 'void'; -- expect: PC005
