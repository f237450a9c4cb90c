-- audit: the indexes of the relations of relations.sql: definition (none
-- for an index that backs a constraint), validity, and whether it is a
-- partition of an index on a partitioned table.
--
-- pg_get_indexdef costs ~60 us an index: skip the ones that back a
-- constraint (replayed from the constraint), found via conrelid's index.
select i.indrelid::int8 as relation, ic.relname::text as name,
    case when not exists (select 1 from pg_constraint k where k.conrelid = i.indrelid
        and k.conindid = i.indexrelid and k.contype in ('p', 'u', 'x'))
    then pg_get_indexdef(i.indexrelid) end as def,
    i.indisvalid as valid, ic.relispartition as inherited
from pg_index i join pg_class ic on ic.oid = i.indexrelid join pg_class c on c.oid = i.indrelid
join pg_namespace n on n.oid = c.relnamespace
{extension_member_join(pg_class, c.oid)}
where {not_system_schema} and {not_extension_member_or_pgmq_queue}
order by i.indrelid, ic.relname
