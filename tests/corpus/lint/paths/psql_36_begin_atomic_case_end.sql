-- psql's rule for a BEGIN ATOMIC body: CASE … END nests inside it, so the body ends at the
-- last END, and the INSERT after it is a statement of its own.
CREATE FUNCTION p36(n int) RETURNS int LANGUAGE sql
BEGIN ATOMIC
  SELECT CASE WHEN n > 0 THEN 1 ELSE 0 END;
END; INSERT INTO measurements VALUES ('p36', '2026-02-01', 1); -- expect: PC001
