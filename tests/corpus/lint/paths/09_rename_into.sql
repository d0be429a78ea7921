-- Renames out of and into a protected name.
ALTER TABLE system_issues RENAME TO system_issues_retired; -- expect: PC002
ALTER TABLE governance_domains RENAME TO system_issues; -- expect: PC002
