-- Only a real COPY … FROM STDIN enters data mode: not one in a skipped \if branch.
\if false
COPY measurements FROM STDIN; -- expect: PC001
\endif
INSERT INTO measurements VALUES ('p22', '2026-02-01', 1); -- expect: PC001
