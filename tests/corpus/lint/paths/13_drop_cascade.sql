-- DROP … CASCADE drops what depends on the object: here a protected table's trigger.
DROP FUNCTION system_issues_touch() CASCADE; -- expect: PC002, PC005
