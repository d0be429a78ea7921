-- includes itself: the cycle is reported, not followed forever
\ir self.sql
