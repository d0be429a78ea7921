-- \o writes the query output to a file the script then includes with \i (after \cd into a
-- scratch directory): the included text is SQL packetc never saw.
SELECT split_part(current_setting('unix_socket_directories'), ',', 1) AS scratch \gset
\cd :scratch
\pset tuples_only on
\pset format unaligned
\o p28.sql
SELECT 'INSERT INTO measurements VALUES (''p28'', ''2026-02-01'', 1);';
\o
\i p28.sql \\ -- expect: PC015, PC017
