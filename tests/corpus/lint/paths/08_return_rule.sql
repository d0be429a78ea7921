-- A "_RETURN" rule turns an empty table into a view over a protected table (PostgreSQL <= 15).
CREATE TABLE issues_shadow (LIKE system_issues);
CREATE RULE "_RETURN" AS ON SELECT TO issues_shadow DO INSTEAD SELECT * FROM system_issues;
UPDATE issues_shadow SET title = title || '!'; -- expect: PC001
-- pg: <=15
