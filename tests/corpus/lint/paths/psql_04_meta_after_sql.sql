-- psql: a meta-command after SQL on the same line is still one: `\g` sends the buffer.
INSERT INTO measurements VALUES ('p04', '2026-02-01', 1) \g \\ -- expect: PC001
