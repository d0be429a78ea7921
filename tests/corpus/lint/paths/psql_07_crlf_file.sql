-- psql: a CRLF file reads as an LF file.
SELECT 1;
INSERT INTO measurements VALUES ('p07', '2026-02-01', 1); -- expect: PC001
