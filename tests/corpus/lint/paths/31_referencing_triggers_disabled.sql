-- Schema-aware mode: the RI triggers of a table referencing a protected one switched off; a
-- row then points at a protected row that does not exist.
ALTER TABLE ledger_notes DISABLE TRIGGER ALL; -- expect: PC005
INSERT INTO ledger_notes VALUES (2, 999, 'orphan');
-- reach: EXISTS (SELECT FROM ledger_notes n WHERE NOT EXISTS (SELECT FROM ledger l WHERE l.no = n.ledger_no))
