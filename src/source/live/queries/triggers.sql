-- audit: the triggers users created on the relations of relations.sql
-- (not internal ones, not clones on partitions), as pg_get_triggerdef
-- prints them, and whether each is enabled.
select t.tgrelid::int8 as relation, t.tgname::text as name,
    pg_get_triggerdef(t.oid) as def, t.tgenabled::text as enabled
from pg_trigger t join pg_class c on c.oid = t.tgrelid join pg_namespace n on n.oid = c.relnamespace
{extension_member_join(pg_class, c.oid)}
where not t.tgisinternal and t.tgparentid = 0 and {not_system_schema}
    and {not_extension_member_or_pgmq_queue}
order by t.tgrelid, t.tgname
