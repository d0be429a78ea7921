-- Dollar tags of every spelling (high-bit, underscore, nested other tags) end where the
-- server ends them: each INSERT after them runs.
DO $é$ BEGIN INSERT INTO measurements VALUES ('p35a', '2026-02-01', 1); END $é$; -- expect: PC001
SELECT $a$ $b$ $a$; INSERT INTO measurements VALUES ('p35b', '2026-02-01', 1); -- expect: PC001
SELECT $_$x$_$; INSERT INTO measurements VALUES ('p35c', '2026-02-01', 1); -- expect: PC001
SELECT $q1$ '; $q$ $q1$; INSERT INTO measurements VALUES ('p35d', '2026-02-01', 1); -- expect: PC001
