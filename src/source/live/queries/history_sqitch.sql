-- drift: the changes sqitch deployed (its registry, in schema sqitch).
select change::text as version from sqitch.changes
