-- EXPLAIN runs the statement when ANALYZE is on, however it is spelled; the last one wins.
EXPLAIN (ANALYSE) UPDATE system_issues SET title = title || '!'; -- expect: PC001
EXPLAIN (ANALYZE off, ANALYZE) UPDATE system_issues SET title = title || '?'; -- expect: PC001
EXPLAIN (ANALYZE 'on', COSTS false) UPDATE event_type_registry SET active = true; -- expect: PC003
EXPLAIN (ANALYZE 1) UPDATE switches SET levels = '{}'; -- expect: PC003
EXPLAIN ANALYSE UPDATE system_issues SET title = title || '#'; -- expect: PC001
EXPLAIN (ANALYZE true, ANALYZE false) DELETE FROM system_issues;
EXPLAIN DELETE FROM system_issues;
