-- audit: primary key, unique, foreign key, check and exclusion constraints
-- of the relations of relations.sql, as pg_get_constraintdef prints them,
-- and whether each is declared on its table (not inherited).
select k.conrelid::int8 as relation, k.conname::text as name,
    pg_get_constraintdef(k.oid) as def,
    k.conislocal and k.conparentid = 0 as local
from pg_constraint k join pg_class c on c.oid = k.conrelid join pg_namespace n on n.oid = c.relnamespace
{extension_member_join(pg_class, c.oid)}
where k.contype in ('p', 'u', 'f', 'c', 'x') and {not_system_schema}
    and {not_extension_member_or_pgmq_queue}
order by k.conrelid, k.conname
