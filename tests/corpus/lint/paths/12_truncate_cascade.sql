-- TRUNCATE … CASCADE empties every table whose foreign keys reach the named one.
TRUNCATE os_proposals CASCADE; -- expect: PC001
