-- psql: a bare carriage return ends a -- comment for psql and the serverINSERT INTO measurements VALUES ('p05', '2026-02-01', 1); -- expect: PC001
