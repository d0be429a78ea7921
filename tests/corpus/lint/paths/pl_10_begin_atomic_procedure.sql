-- A SQL-standard procedure body (BEGIN ATOMIC), run by CALL.
CREATE PROCEDURE pl10() LANGUAGE sql
BEGIN ATOMIC
  SELECT 1;
  INSERT INTO measurements VALUES ('pl10', '2026-03-01', CASE WHEN true THEN 1 END); -- expect: PC001
END;
CALL pl10();
