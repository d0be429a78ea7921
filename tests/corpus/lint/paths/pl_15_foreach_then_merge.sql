-- PL/pgSQL: FOREACH's expression, then MERGE after LOOP on the same line.
DO $$
DECLARE x int;
BEGIN
  FOREACH x IN ARRAY ARRAY[1, 2] LOOP MERGE INTO measurements m USING (SELECT 'pl15' AS c) s ON m.city = s.c WHEN NOT MATCHED THEN INSERT VALUES (s.c, '2026-07-01', x); -- expect: PC001
  END LOOP;
END $$;
