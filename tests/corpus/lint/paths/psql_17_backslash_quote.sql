-- backslash_quote, a setting that changes how the server reads \' in literals.
SET backslash_quote = on; -- expect: PC017
SELECT 1;
-- reach: current_setting('backslash_quote') = 'on'
