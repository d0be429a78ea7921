-- PL/pgSQL: a FOR loop over EXPLAIN ANALYZE runs the statement it explains.
DO $$
DECLARE r record;
BEGIN
  FOR r IN EXPLAIN ANALYZE
      INSERT INTO measurements VALUES ('pl03', '2026-02-01', 1) LOOP -- expect: PC001
    NULL;
  END LOOP;
END $$;
