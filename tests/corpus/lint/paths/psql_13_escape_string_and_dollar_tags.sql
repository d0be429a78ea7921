-- E'' escapes and dollar tags of every spelling hide nothing.
SELECT E'\''; INSERT INTO measurements VALUES ('p13', '2026-02-01', 1); -- expect: PC001
DO $_x1$ BEGIN INSERT INTO measurements VALUES ('p13b', '2026-02-01', 1); END $_x1$; -- expect: PC001
