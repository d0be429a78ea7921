-- psql: `\;` is a literal `;` that does not end the line: both statements reach the server.
SELECT 1 \; INSERT INTO measurements VALUES ('p01', '2026-02-01', 1); -- expect: PC001
