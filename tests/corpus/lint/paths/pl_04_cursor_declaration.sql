-- PL/pgSQL: a cursor declared over INSERT … RETURNING runs it when opened and fetched.
DO $$
DECLARE
  c CURSOR (k int) FOR INSERT INTO measurements VALUES ('pl04', '2026-02-01', k) RETURNING city; -- expect: PC001
  r record;
BEGIN
  OPEN c(7);
  FETCH c INTO r;
  CLOSE c;
END $$;
