-- psql look-alikes: nothing below writes when psql runs it.
\set ON_ERROR_STOP on
DELETE FROM system_issues \gdesc
DELETE FROM event_outbox \r
\echo 'DELETE FROM system_issues; \\ x' \\ SELECT 1;
\echo DELETE FROM os_proposal_approvals
SELECT 'DELETE FROM system_issues', $x$DELETE FROM event_outbox$x$, E'\'; DELETE FROM system_issues';
SELECT U&'!0044ELETE FROM system_issues' UESCAPE '!', "DELETE FROM event_outbox" FROM (SELECT 1 AS "DELETE FROM event_outbox") s;
/* DELETE FROM system_issues; */ SELECT 1; -- DELETE FROM event_outbox;
SELECT 'a'
  '; DELETE FROM system_issues; ';
SET standard_conforming_strings = on;
SHOW client_encoding;
/* nested /* DELETE FROM system_issues; */ still a comment; DELETE FROM event_outbox; */ SELECT 2;
SELECT 'it''s; DELETE FROM system_issues; ''', $a$ $b$ DELETE FROM event_outbox; $b$ $a$;
SELECT U&"!0044ELETE FROM system_issues" UESCAPE '!' FROM (SELECT 1 AS "DELETE FROM system_issues") s;
SELECT E'\\'' DELETE FROM event_outbox; ''';
SELECT 'a' -- a comment between the parts; DELETE FROM system_issues;
  'b; DELETE FROM event_outbox;';
