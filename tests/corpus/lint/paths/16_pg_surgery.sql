-- pg_surgery removes tuples without firing any trigger.
CREATE EXTENSION IF NOT EXISTS pg_surgery;
SELECT heap_force_kill('public.sys' || 'tem_issues', ARRAY['(0,1)']::tid[]); -- expect: PC013
