-- lint --db: the size of each table, partitioned table, foreign table and
-- materialized view outside PostgreSQL's own schemas and not a member of
-- an extension: its row estimate and its bytes (pages times block size).
select n.nspname::text as schema, c.relname::text as name, c.relkind::text as kind,
    c.reltuples::float8 as row_estimate,
    c.relpages::int8 * current_setting('block_size')::int8 as bytes
from pg_class c join pg_namespace n on n.oid = c.relnamespace
{extension_member_join(pg_class, c.oid)}
where c.relkind in ('r', 'p', 'f', 'm') and {not_system_schema} and xd.objid is null
