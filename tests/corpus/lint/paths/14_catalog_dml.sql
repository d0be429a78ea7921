-- Writing the system catalogs changes protected tables behind PostgreSQL's back.
UPDATE pg_catalog.pg_trigger SET tgenabled = 'D' WHERE tgrelid = 'system_issues'::regclass; -- expect: PC001
UPDATE pg_attribute SET attnotnull = false WHERE attrelid = 'event_outbox'::regclass AND attname = 'payload'; -- expect: PC001
