-- PL/pgSQL: a FOR loop over a parenthesised WITH whose CTE inserts.
DO $$
DECLARE r record;
BEGIN
  FOR r IN (WITH d AS (INSERT INTO measurements VALUES ('pl02', '2026-02-01', 1) RETURNING city) SELECT city FROM d) LOOP -- expect: PC001
    NULL;
  END LOOP;
END $$;
