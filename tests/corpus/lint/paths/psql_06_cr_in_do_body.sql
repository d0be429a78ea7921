-- psql: a bare carriage return ends a -- comment inside a DO body too.
DO $$
BEGIN -- a comment  INSERT INTO measurements VALUES ('p06', '2026-02-01', 1); -- expect: PC001
END $$;
