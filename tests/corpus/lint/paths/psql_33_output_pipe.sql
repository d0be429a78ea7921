-- \o |command pipes query output to a shell: here into a second psql, which runs it.
SELECT split_part(current_setting('unix_socket_directories'), ',', 1) AS sock, current_setting('port') AS port, current_database() AS db, current_user AS who \gset
\setenv PGHOST :sock \\ -- expect: PC017
\setenv PGPORT :port \\ -- expect: PC017
\setenv PGDATABASE :db \\ -- expect: PC017
\setenv PGUSER :who \\ -- expect: PC017
\pset tuples_only on
\pset format unaligned
\o | psql -X -q # expect: PC013
SELECT 'INSERT INTO measurements VALUES (''p33'', ''2026-02-01'', 1);';
\o
