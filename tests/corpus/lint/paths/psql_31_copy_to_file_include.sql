-- COPY … TO 'file' on the server writes a file (here in the socket directory, on the same
-- machine) that \i then runs.
SELECT split_part(current_setting('unix_socket_directories'), ',', 1) || '/p31.sql' AS f \gset
COPY (SELECT 'INSERT INTO measurements VALUES (''p31'', ''2026-02-01'', 1);') TO :'f';
\i :f \\ -- expect: PC015, PC017
