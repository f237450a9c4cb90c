-- drift: the changes sqitch deployed (its registry: schema sqitch, or the
-- `registry` sqitch.conf names).
select change::text as version from {history_table(sqitch, changes)}
