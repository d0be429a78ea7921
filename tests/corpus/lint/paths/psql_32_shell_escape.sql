-- \! hands text to a shell: here a second psql that writes a protected table (the shell's
-- connection comes from the variables this session sets with \setenv).
SELECT split_part(current_setting('unix_socket_directories'), ',', 1) AS sock, current_setting('port') AS port, current_database() AS db, current_user AS who \gset
\setenv PGHOST :sock \\ -- expect: PC017
\setenv PGPORT :port \\ -- expect: PC017
\setenv PGDATABASE :db \\ -- expect: PC017
\setenv PGUSER :who \\ -- expect: PC017
-- packetc: allow PC013 -- local tooling (stays: the command names a protected table)
\! psql -X -q -c "INSERT INTO measurements VALUES ('p32', '2026-02-01', 1)" # expect: PC013
