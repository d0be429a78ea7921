-- \setenv PGOPTIONS sets a protected setting for the next connection, and \c makes it.
\setenv PGOPTIONS '-c session_replication_role=replica' \\ -- expect: PC017
\c \\ -- expect: PC017
-- reach: current_setting('session_replication_role') = 'replica'
