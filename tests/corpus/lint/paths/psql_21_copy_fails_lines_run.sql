-- COPY … FROM STDIN that fails (no such table) never enters data mode: the "data" lines are
-- SQL for psql. (ON_ERROR_STOP off, as a script without it runs.)
\set ON_ERROR_STOP off
COPY no_such_table FROM STDIN;
INSERT INTO measurements VALUES ('p21', '2026-02-01', 1); -- expect: PC001
\.
\set ON_ERROR_STOP on
