-- Literals continued across whitespace with a newline are one literal, also as a body.
CREATE FUNCTION p11() RETURNS void LANGUAGE sql AS 'INSERT INTO measurements ' -- expect: PC001
  'VALUES (''p11'', ''2026-02-01'', 1)';
SELECT p11();
