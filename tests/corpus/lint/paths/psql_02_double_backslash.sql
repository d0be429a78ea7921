-- psql: `\\` ends a meta-command and returns to SQL on the same line.
\echo hi \\ INSERT INTO measurements VALUES ('p02', '2026-02-01', 1); -- expect: PC001
