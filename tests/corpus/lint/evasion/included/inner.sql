-- included by failclosed.sql through \ir
SELECT 1;
DELETE FROM event_outbox;
