-- DROP OWNED also revokes the role's privileges on protected tables.
DROP OWNED BY paths_reader; -- expect: PC002
