-- A new partition of a protected partitioned table, then written.
CREATE TABLE measurements_2027 PARTITION OF measurements FOR VALUES FROM ('2027-01-01') TO ('2028-01-01'); -- expect: PC002
INSERT INTO measurements_2027 VALUES ('x', '2027-05-01', 1); -- expect: PC001
