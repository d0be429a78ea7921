-- Schema-aware mode: dropping a protected table's index (here the unique index that keeps one
-- open issue per fingerprint) changes the table without naming it.
DROP INDEX IF EXISTS public.system_issues_open_fingerprint_idx; -- expect: PC005
