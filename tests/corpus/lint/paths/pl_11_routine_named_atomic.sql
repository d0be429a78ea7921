-- A routine whose name is a PL keyword (`atomic`) is still a routine with a body.
CREATE FUNCTION atomic() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO measurements VALUES ('pl11', '2026-04-01', 1); -- expect: PC001
END $$;
SELECT atomic();
