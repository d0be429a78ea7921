-- An auto-updatable view over a protected table: creating it is a read, writing it is not.
CREATE VIEW issues_v AS TABLE system_issues;
UPDATE issues_v SET title = title || '!'; -- expect: PC001
