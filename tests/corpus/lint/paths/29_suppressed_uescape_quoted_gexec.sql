-- \gexec of a query that spells a protected table with U& escapes and UESCAPE, or as a quoted
-- identifier: the allow comments cannot silence the findings (#9 item 4).
-- packetc: allow PC013 -- generated maintenance statements
SELECT U&'UPDATE sy!0073tem_issues SET title = title || ''~''' UESCAPE '!'
\gexec -- expect: PC013
-- packetc: allow PC013 -- generated maintenance statements
SELECT 'UPDATE "system_issues" SET title = title || ''?'''
\gexec -- expect: PC013
