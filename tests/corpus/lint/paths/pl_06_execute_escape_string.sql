-- PL/pgSQL: EXECUTE of an E'…' constant runs it.
DO $$
BEGIN
  EXECUTE E'INSERT INTO measurements VALUES (\'pl06\', \'2026-02-01\', 1)';  -- expect: PC001
END $$;
