-- PL/pgSQL: RETURN QUERY of a data-modifying statement, run by calling the function.
CREATE FUNCTION pl08() RETURNS SETOF text LANGUAGE plpgsql AS $$
BEGIN
  RETURN QUERY INSERT INTO measurements VALUES ('pl08', '2026-02-01', 1) RETURNING city; -- expect: PC001
END $$;
SELECT * FROM pl08();
