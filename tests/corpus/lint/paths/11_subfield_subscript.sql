-- Setting a field or an element of a protected column sets the column.
UPDATE switches SET active.x = 5; -- expect: PC003
UPDATE switches SET levels[1] = 9; -- expect: PC003
INSERT INTO switches (name, active.y) VALUES ('b', 7); -- expect: PC003
INSERT INTO switches (name, levels[2]) VALUES ('c', 7); -- expect: PC003
