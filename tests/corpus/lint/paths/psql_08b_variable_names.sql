-- psql variables named by digits and by high-bit characters interpolate too.
\set 1 measurements
\set città measurements
INSERT INTO :1 VALUES ('p08b', '2026-02-01', 1); -- expect: PC010, PC016
INSERT INTO :città VALUES ('p08c', '2026-02-01', 1); -- expect: PC010, PC016
