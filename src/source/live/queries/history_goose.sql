-- drift: the versions goose recorded as applied (its latest row for a
-- version says whether it is applied; version 0 is goose's own start row).
select version_id::text as version
from {history_table(public, goose_db_version)}
where version_id > 0
group by version_id
having (array_agg(is_applied order by id desc))[1]
