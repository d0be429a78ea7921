-- client_encoding set by the script.
SET client_encoding = 'SJIS'; -- expect: PC017
SELECT 1;
-- reach: current_setting('client_encoding') = 'SJIS'
