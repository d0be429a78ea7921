DO $$
BEGIN
  INSERT INTO system_issues (title) VALUES ('x'); -- expect: PC001
END $$;
DO $body$
DECLARE
  n int := 0;
BEGIN
  <<outer>>
  FOR r IN SELECT id FROM governance_scopes LOOP
    IF r.id > 1 THEN
      UPDATE event_outbox SET status = 'x' WHERE id = r.id; -- expect: PC001
    ELSIF r.id = 0 THEN
      PERFORM set_config('session_replication_role', 'replica', true); -- expect: PC004
    ELSE
      CASE n
        WHEN 1 THEN DELETE FROM os_proposal_approvals; -- expect: PC001
        ELSE NULL;
      END CASE;
    END IF;
    WHILE n < 3 LOOP
      n := n + 1;
      BEGIN
        TRUNCATE system_issues; -- expect: PC001
      EXCEPTION WHEN others THEN
        DELETE FROM event_outbox WHERE true; -- expect: PC001
      END;
    END LOOP;
  END LOOP outer;
  SELECT count(*) INTO n FROM system_issues;
  INSERT INTO event_outbox (payload) VALUES ('{}') RETURNING id INTO n; -- expect: PC001
  EXECUTE 'DELETE FROM system_issues'; -- expect: PC001
  EXECUTE $q$UPDATE event_type_registry SET active = true$q$; -- expect: PC003
  EXECUTE 'DELETE FROM ' || quote_ident('system_issues'); -- expect: PC013
  EXECUTE format('TRUNCATE %I', 'event_outbox'); -- expect: PC013
  n := set_config('session_replication_role', 'replica', true)::int; -- expect: PC004
END
$body$;
CREATE OR REPLACE FUNCTION f_bad() RETURNS SETOF int LANGUAGE plpgsql AS $fn$
BEGIN
  RETURN QUERY DELETE FROM system_issues RETURNING id; -- expect: PC001
  RETURN QUERY EXECUTE 'SELECT 1'; 
  FOR i IN EXECUTE 'SELECT 1' LOOP NULL; END LOOP;
END
$fn$;
CREATE FUNCTION f_sql() RETURNS void AS $$
  UPDATE os_proposal_approvals SET status = 'approved'; -- expect: PC001
$$ LANGUAGE sql;
CREATE PROCEDURE p_py() LANGUAGE plpython3u AS $$ plpy.execute("DELETE FROM system_issues") $$; -- expect: PC014
DO LANGUAGE plperl $$ spi_exec_query('DELETE FROM event_outbox') $$; -- expect: PC014
CREATE FUNCTION f_quoted() RETURNS void LANGUAGE plpgsql AS 'BEGIN DELETE FROM event_outbox; END'; -- expect: PC001
DO $$ BEGIN EXECUTE 'DO $x$ BEGIN DELETE FROM system_issues; END $x$'; END $$; -- expect: PC001
CREATE FUNCTION f_set() RETURNS void LANGUAGE sql SET session_replication_role = replica AS 'SELECT 1'; -- expect: PC004
CREATE FUNCTION f_atomic() RETURNS void LANGUAGE sql
BEGIN ATOMIC
  SELECT 1;
  DELETE FROM event_outbox WHERE id = 1; -- expect: PC001
END;
SELECT 'after the atomic body';
DO $$ BEGIN
  UPDATE U&"event\005foutbox" SET status = 'x'; -- expect: PC001
END $$;
DO $$
DECLARE
  n int;
  DELETE FROM system_issues; -- expect: PC001
BEGIN
  NULL;
END $$;
