-- \g FILE writes a query's output to a file, which \i then runs.
SELECT split_part(current_setting('unix_socket_directories'), ',', 1) AS scratch \gset
\pset tuples_only on
\pset format unaligned
SELECT 'INSERT INTO measurements VALUES (''p30'', ''2026-02-01'', 1);' \g :scratch/p30.sql
\i :scratch/p30.sql \\ -- expect: PC015, PC017
