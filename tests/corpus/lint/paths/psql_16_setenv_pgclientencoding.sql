-- PGCLIENTENCODING through \setenv: the next connection's client encoding.
\setenv PGCLIENTENCODING SJIS \\ -- expect: PC017
\c \\ -- expect: PC017
-- reach: current_setting('client_encoding') = 'SJIS'
