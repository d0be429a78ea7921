-- A DO body written as two literals continued across a newline.
DO 'BEGIN INSERT INTO measurements ' -- expect: PC001
   'VALUES (''pl14'', ''2026-06-01'', 1); END';
