-- Lexing settings: \encoding changes how psql and the server read bytes.
\encoding SJIS \\ -- expect: PC017
SELECT 1;
-- reach: current_setting('client_encoding') = 'SJIS'
