-- PL/pgSQL: EXECUTE of a constant written as two literals on two lines (one literal).
DO $$
BEGIN
  EXECUTE 'INSERT INTO measurements ' -- expect: PC001
          'VALUES (''pl07'', ''2026-02-01'', 1)';
END $$;
