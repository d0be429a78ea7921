-- REASSIGN OWNED gives away whatever the role owns, protected tables included.
REASSIGN OWNED BY paths_owner TO paths_other; -- expect: PC002
