-- psql interpolates variables of every form: :name, :"name" (an identifier), :'name' (a
-- literal), :{?name} (is it set); a script that sets its own variables still writes.
\set t measurements
\set city p08
\if :{?t}
INSERT INTO :"t" VALUES (:'city', '2026-02-01', 1); -- expect: PC016
\endif
