-- \c with a connection string whose options set a protected setting.
SELECT format('dbname=%s user=%s host=%s port=%s options=''-c session_replication_role=replica''', current_database(), current_user, split_part(current_setting('unix_socket_directories'), ',', 1), current_setting('port')) AS conn \gset
\c :conn \\ -- expect: PC017
-- reach: current_setting('session_replication_role') = 'replica'
