-- Every spelling of a row write to a protected table. A line carrying an `expect:` marker
-- must get exactly those codes; every other line must get none.
INSERT INTO system_issues (title) VALUES ('x'); -- expect: PC001
insert into SYSTEM_ISSUES values (1); -- expect: PC001
INSERT INTO "system_issues" (title) SELECT 'x'; -- expect: PC001
INSERT INTO public.system_issues (title) VALUES ('x'); -- expect: PC001
INSERT INTO directus.public.system_issues (title) VALUES ('x'); -- expect: PC001
INSERT INTO "public"."event_outbox" (payload) VALUES ('{}'); -- expect: PC001
UPDATE U&"system\005fissues" SET title = 'x'; -- expect: PC001
UPDATE U&"system!005fissues" UESCAPE '!' SET title = 'x'; -- expect: PC001
UPDATE system_issues AS s SET title = 'x' WHERE s.id = 1; -- expect: PC001
UPDATE ONLY system_issues SET title = 'x'; -- expect: PC001
DELETE FROM event_outbox; -- expect: PC001
DELETE FROM event_outbox e USING governance_scopes g WHERE e.id = g.id; -- expect: PC001
MERGE INTO os_proposal_approvals t -- expect: PC001
USING governance_scopes s ON t.id = s.id
WHEN MATCHED THEN DELETE;
TRUNCATE governance_scopes, event_outbox; -- expect: PC001
TRUNCATE TABLE ONLY os_proposal_approvals RESTART IDENTITY CASCADE; -- expect: PC001
WITH d AS (DELETE FROM system_issues RETURNING *) SELECT count(*) FROM d; -- expect: PC001
WITH u AS (
  UPDATE event_outbox SET status = 'x' RETURNING id -- expect: PC001
) SELECT * FROM u;
SELECT * INTO system_issues FROM governance_scopes; -- expect: PC001
CREATE RULE r AS ON INSERT TO governance_scopes DO ALSO INSERT INTO event_outbox VALUES (1); -- expect: PC001
PREPARE p AS DELETE FROM os_proposal_approvals WHERE id = $1; -- expect: PC001
EXPLAIN ANALYZE DELETE FROM system_issues; -- expect: PC001
EXPLAIN (ANALYZE) DELETE FROM system_issues; -- expect: PC001
EXPLAIN (ANALYZE true, BUFFERS) UPDATE system_issues SET title = 'x'; -- expect: PC001
EXPLAIN (ANALYZE false) DELETE FROM system_issues;
EXPLAIN DELETE FROM system_issues;
INSERT INTO system_issues DEFAULT VALUES; -- expect: PC001
WITH x AS MATERIALIZED (DELETE FROM system_issues RETURNING 1) SELECT 1; -- expect: PC001
COPY (DELETE FROM system_issues RETURNING *) TO STDOUT; -- expect: PC001
INSERT INTO governance_scopes WITH d AS (DELETE FROM event_outbox RETURNING *) SELECT * FROM d; -- expect: PC001
INSERT INTO governance_scopes SELECT * FROM system_issues ON CONFLICT DO NOTHING; -- expect: PC001 (the rule of line 25 writes event_outbox)
COPY event_outbox FROM STDIN; -- expect: PC001
1	{}
\.
COPY system_issues (title) FROM '/tmp/x.csv' WITH (FORMAT csv); -- expect: PC001
\copy os_proposal_approvals from 'approvals.csv' csv -- expect: PC001
\copy public.event_outbox (payload) FROM stdin -- expect: PC001
{"a":1}
\.
SELECT 1;
