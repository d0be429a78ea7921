-- PL/pgSQL: OPEN … NO SCROLL FOR a data-modifying query.
DO $$
DECLARE c refcursor; r record;
BEGIN
  OPEN c NO SCROLL FOR INSERT INTO measurements VALUES ('pl05', '2026-02-01', 1) RETURNING city; -- expect: PC001
  FETCH c INTO r;
  CLOSE c;
END $$;
