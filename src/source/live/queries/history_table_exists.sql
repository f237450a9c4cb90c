-- drift: whether a runner's history table exists where its configuration
-- puts it ($1: schema, $2: table, as the runner spells them).
select exists (
        select
        from pg_class c
        join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = $1 and c.relname = $2 and c.relkind in ('r', 'p', 'v')
    ) as present
