-- psql: one line holds several meta-commands, then `\\` returns to SQL.
\set x 1 \set y 2 \\ INSERT INTO measurements VALUES ('p03', '2026-02-01', 1); -- expect: PC001
