-- Lexing settings: with standard_conforming_strings off, 'x\'' ends early and the INSERT
-- runs; with the old rules it is inside a literal. The setting is the finding.
SET standard_conforming_strings = off; -- expect: PC017
SELECT 'x\''; INSERT INTO measurements VALUES (chr(112), make_date(2026, 2, 1), 9); --';
