-- PL/pgSQL: a FOR loop over UPDATE … RETURNING of a protected column.
DO $$
DECLARE r record;
BEGIN
  FOR r IN UPDATE event_type_registry SET active = NOT active RETURNING event_type LOOP -- expect: PC003
    NULL;
  END LOOP;
END $$;
