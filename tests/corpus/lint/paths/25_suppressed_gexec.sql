-- \gexec runs the query's results as SQL; the query spells a protected table in pieces, so the
-- allow comment above it cannot silence the finding (#9 item 4).
-- packetc: allow PC013 -- generated maintenance statements
SELECT 'UPDATE sys' || 'tem_issues SET title = title || ''!'''
\gexec -- expect: PC013
