-- \if / \elif / \else: a write in any branch counts, active or not (here the \elif runs).
\if false
INSERT INTO measurements VALUES ('p19a', '2026-02-01', 1); -- expect: PC001
\elif true
INSERT INTO measurements VALUES ('p19b', '2026-02-01', 1); -- expect: PC001
\else
INSERT INTO measurements VALUES ('p19c', '2026-02-01', 1); -- expect: PC001
\endif
