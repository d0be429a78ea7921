-- COPY (…) TO STDOUT does not read data lines: the next line is SQL.
COPY (SELECT 1) TO STDOUT;
INSERT INTO measurements VALUES ('p23', '2026-02-01', 1); -- expect: PC001
