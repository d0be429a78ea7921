-- PL/pgSQL that only reads protected tables, or names them in strings, comments and
-- expressions (tests/lint_paths_pg.rs runs this file on PostgreSQL and checks that no
-- protected object changes).
DO $$
DECLARE
  r record;
  n int := 0;
  s text := 'DELETE FROM system_issues';  -- a string, never run
  c CURSOR (k int) FOR SELECT id FROM system_issues WHERE id > k;
  d refcursor;
  e NO SCROLL CURSOR IS SELECT id FROM event_outbox;
BEGIN
  FOR i IN 1 .. 3 LOOP n := n + i; END LOOP;
  FOR i IN REVERSE 3 .. 1 BY 1 LOOP NULL; END LOOP;
  FOR r IN SELECT id FROM system_issues LOOP n := n + 1; END LOOP;
  FOR r IN (SELECT id FROM event_outbox) LOOP NULL; END LOOP;
  FOR r IN WITH x AS (SELECT id FROM system_issues) SELECT * FROM x LOOP NULL; END LOOP;
  FOR r IN EXPLAIN DELETE FROM system_issues LOOP NULL; END LOOP;
  FOR r IN c(0) LOOP NULL; END LOOP;
  FOR r IN e LOOP NULL; END LOOP;
  FOR r IN EXECUTE 'SELECT id FROM system_issues' LOOP NULL; END LOOP;
  FOREACH n IN ARRAY ARRAY[1, 2] LOOP NULL; END LOOP;
  OPEN d NO SCROLL FOR SELECT id FROM os_proposal_approvals;
  CLOSE d;
  OPEN d FOR EXECUTE E'SELECT \'INSERT INTO event_outbox\'';
  CLOSE d;
  EXECUTE 'SELECT count(*) FROM system_issues' -- reads only
          ' WHERE id > 0' INTO n;
  PERFORM id FROM system_issues;
  RAISE NOTICE 'would DELETE FROM system_issues: %', n;
  /* UPDATE event_outbox SET status = 'x'; */
END $$;
CREATE FUNCTION atomic() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN (SELECT count(*)::int FROM system_issues); END $$;
SELECT atomic();
CREATE FUNCTION f_reads() RETURNS SETOF bigint LANGUAGE plpgsql AS $$
BEGIN
  RETURN QUERY SELECT id FROM event_outbox;
  RETURN QUERY EXECUTE 'SELECT id FROM system_issues';
END $$;
SELECT count(*) FROM f_reads();
CREATE FUNCTION f_atomic_reads() RETURNS bigint LANGUAGE sql
BEGIN ATOMIC
  SELECT count(*) FROM system_issues WHERE CASE WHEN true THEN true END;
END;
SELECT f_atomic_reads();
CREATE FUNCTION f_sql_reads() RETURNS bigint LANGUAGE sql AS 'SELECT count(*) '
  'FROM event_outbox';
SELECT f_sql_reads();
DROP FUNCTION atomic();
DROP FUNCTION f_reads();
DROP FUNCTION f_atomic_reads();
DROP FUNCTION f_sql_reads();
