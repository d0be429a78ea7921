-- \copy is read with psql's own tokenizer: no space is needed before `from`; its data lines
-- follow in the script. (\copy takes the whole line, so the expectation is its NULL string.)
\copy measurements(city,logdate,reading)from stdin with (null 'expect: PC001 ')
p24	2026-02-01	1
\.
