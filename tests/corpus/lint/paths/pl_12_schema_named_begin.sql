-- A routine in a schema named `begin`: psql's BEGIN … END heuristic keeps the `;` from ending
-- the definition, so psql sends the rest of the file as one query string and the server
-- runs each statement in it.
CREATE SCHEMA "begin";
CREATE FUNCTION begin.f() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO measurements VALUES ('pl12', '2026-05-01', 1); -- expect: PC001
END $$;
SELECT begin.f();
DELETE FROM measurements WHERE city = 'x'; -- expect: PC001
