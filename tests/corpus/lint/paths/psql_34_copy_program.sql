-- COPY … FROM PROGRAM runs a command on the server and loads its output; the allow comment
-- cannot silence it, as the statement names a protected table.
-- packetc: allow PC013 -- loading generated rows
COPY measurements FROM PROGRAM 'echo p34,2026-02-01,1' WITH (FORMAT csv); -- expect: PC001, PC013
