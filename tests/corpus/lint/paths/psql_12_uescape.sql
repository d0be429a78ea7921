-- U&"…" with UESCAPE spells the protected table.
INSERT INTO U&"mea!0073urements" UESCAPE '!' VALUES ('p12', '2026-02-01', 1); -- expect: PC001
