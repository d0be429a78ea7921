-- \w writes the query buffer to a file, which \i then runs.
SELECT split_part(current_setting('unix_socket_directories'), ',', 1) AS scratch \gset
INSERT INTO measurements VALUES ('p29', '2026-02-01', 1)
\w :scratch/p29.sql
\r
\i :scratch/p29.sql \\ -- expect: PC015, PC017
