-- Schema-aware mode: the identity sequence of a protected table (named by PostgreSQL, not in
-- the schema text) restarted below its rows: the next insert collides.
ALTER SEQUENCE system_issues_id_seq RESTART WITH 1; -- expect: PC005
-- reach: nextval('system_issues_id_seq') = 1 AND EXISTS (SELECT FROM system_issues WHERE id = 1)
