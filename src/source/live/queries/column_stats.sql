-- pgvet stats: what ANALYZE found about each column of the tables that
-- sizes.sql lists: the fraction of NULLs and n_distinct (a count, or minus
-- a fraction of the rows when it grows with the table), from pg_stats,
-- which shows only the columns the role may read. A partitioned table has
-- only the statistics of its whole tree (inherited), a plain one its own.
select distinct on (s.schemaname, s.tablename, s.attname)
    s.schemaname::text as schema, s.tablename::text as name, s.attname::text as column,
    s.null_frac::float8 as null_frac, s.n_distinct::float8 as n_distinct
from pg_catalog.pg_stats s
join pg_namespace n on n.nspname = s.schemaname
join pg_class c on c.relnamespace = n.oid and c.relname = s.tablename
{extension_member_join(pg_class, c.oid)}
where c.relkind in ('r', 'p', 'f', 'm') and {not_system_schema} and xd.objid is null
order by s.schemaname, s.tablename, s.attname, s.inherited
