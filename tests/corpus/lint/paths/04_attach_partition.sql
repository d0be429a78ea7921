-- A table attached as a partition of a protected table, then written.
CREATE TABLE m_2028 (LIKE measurements);
ALTER TABLE measurements ATTACH PARTITION m_2028 FOR VALUES FROM ('2028-01-01') TO ('2029-01-01'); -- expect: PC002
INSERT INTO m_2028 VALUES ('x', '2028-05-01', 1); -- expect: PC001
