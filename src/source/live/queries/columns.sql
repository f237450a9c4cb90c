-- audit: the columns of tables, partitioned tables, foreign tables and
-- composite types (the relations of relations.sql that have columns): type,
-- not null, identity, generated, default, column-level ACL.
--
-- A default cannot refer to a column, so it deparses without its table
-- (relid 0) to the same text; with the table, pg_get_expr opens it,
-- building the session's relation cache entry for every table: half of
-- this query's time on 6,000 tables (issue 5). Generated columns need the
-- table.
select a.attrelid::int8 as relation, a.attname::text as name,
    format_type(a.atttypid, a.atttypmod) as type, a.attnotnull as not_null,
    a.attidentity::text as identity, a.attgenerated::text as generated,
    pg_get_expr(ad.adbin, case when a.attgenerated = '' then 0 else ad.adrelid end) as default_expr,
    a.attacl::text[] as acl
from pg_attribute a join pg_class c on c.oid = a.attrelid join pg_namespace n on n.oid = c.relnamespace
{extension_member_join(pg_class, c.oid)}
left join pg_attrdef ad on ad.adrelid = a.attrelid and ad.adnum = a.attnum
where a.attnum > 0 and not a.attisdropped and c.relkind in ('r', 'p', 'f', 'c')
    and {not_system_schema} and {not_extension_member_or_pgmq_queue}
order by a.attrelid, a.attnum
