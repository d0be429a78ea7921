-- The same lexing change through set_config.
SELECT set_config('standard_conforming_strings', 'off', false); -- expect: PC017
SELECT 'x\''; INSERT INTO measurements VALUES (chr(112), make_date(2026, 2, 1), 10); --';
