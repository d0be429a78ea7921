-- dblink_exec runs SQL text over a new connection (the text is not this script's SQL).
CREATE EXTENSION IF NOT EXISTS dblink;
SELECT dblink_exec(format('dbname=%s host=%s port=%s', current_database(), split_part(current_setting('unix_socket_directories'), ',', 1), current_setting('port')), 'UPDATE sys' || 'tem_issues SET title = title || ''!'''); -- expect: PC013
