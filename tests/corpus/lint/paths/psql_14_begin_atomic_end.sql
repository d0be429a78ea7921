-- Where a BEGIN ATOMIC body ends is psql's rule: the statement after END runs on its own.
CREATE FUNCTION p14() RETURNS void LANGUAGE sql
BEGIN ATOMIC
  SELECT 1;
  SELECT 2;
END; INSERT INTO measurements VALUES ('p14', '2026-02-01', 1); -- expect: PC001
