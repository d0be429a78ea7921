-- PL/pgSQL: a FOR loop over INSERT … RETURNING runs the INSERT.
DO $$
DECLARE r record;
BEGIN
  FOR r IN INSERT INTO measurements VALUES ('pl01', '2026-02-01', 1) RETURNING city LOOP -- expect: PC001
    RAISE NOTICE '%', r.city;
  END LOOP;
END $$;
