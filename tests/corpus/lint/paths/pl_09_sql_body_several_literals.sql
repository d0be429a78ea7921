-- A SQL-language body written as two literals continued across a newline (one body).
CREATE FUNCTION pl09() RETURNS void LANGUAGE sql AS 'INSERT INTO measurements ' -- expect: PC001
  'VALUES (''pl09'', ''2026-02-01'', 1)';
SELECT pl09();
