-- An INSTEAD rule that writes a protected table: the rule and every write to its table.
CREATE VIEW inbox AS SELECT 1 AS n;
CREATE RULE inbox_ins AS ON INSERT TO inbox DO INSTEAD UPDATE system_issues SET title = title || '!'; -- expect: PC001
INSERT INTO inbox VALUES (1); -- expect: PC001
