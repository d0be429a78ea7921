-- \g, \gx, \gset and \crosstabview each send the query buffer to the server.
INSERT INTO measurements VALUES ('p20a', '2026-02-01', 1) RETURNING city \g \\ -- expect: PC001
INSERT INTO measurements VALUES ('p20b', '2026-02-01', 1) RETURNING city \gx \\ -- expect: PC001
INSERT INTO measurements VALUES ('p20c', '2026-02-01', 1) RETURNING city AS c20 \gset \\ -- expect: PC001
INSERT INTO measurements VALUES ('p20d', '2026-02-01', 1) RETURNING city, logdate, reading \crosstabview \\ -- expect: PC001
