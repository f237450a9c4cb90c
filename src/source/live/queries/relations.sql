-- audit: tables, partitioned tables, foreign tables, views, materialized
-- views, sequences and composite types, outside PostgreSQL's own schemas
-- and not members of an extension (but pgmq's queues): owner, row level
-- security, partitioning, storage options, view definition, foreign
-- server, a sequence's options (pg_sequence) and the column that owns it
-- (a serial's or `OWNED BY`, or an identity column's), size (pages and row
-- estimate) and ACL.
select c.oid::int8 as oid, n.nspname::text as schema, c.relname::text as name,
    format('%I.%I', n.nspname, c.relname) as qname,
    c.relkind::text as kind, pg_get_userbyid(c.relowner)::text as owner,
    c.relrowsecurity as rls, c.relforcerowsecurity as force_rls,
    case when c.relispartition then pg_get_expr(c.relpartbound, c.oid) end as partition_bound,
    case when c.relispartition then (select i.inhparent::regclass::text from pg_inherits i where i.inhrelid = c.oid) end as parent,
    case when c.relkind = 'p' then pg_get_partkeydef(c.oid) end as partition_key,
    c.reloptions::text[] as options,
    case when c.relkind in ('v', 'm') then pg_get_viewdef(c.oid) end as view_def,
    (select quote_ident(s.srvname) from pg_foreign_table ft join pg_foreign_server s on s.oid = ft.ftserver where ft.ftrelid = c.oid) as server,
    s.seqtypid::regtype::text as seq_type, s.seqstart as seq_start, s.seqincrement as seq_increment,
    s.seqmin as seq_min, s.seqmax as seq_max, s.seqcache as seq_cache, s.seqcycle as seq_cycle,
    ow.refobjid::int8 as owner_relation, ow.attname::text as owner_column,
    ow.deptype = 'i' as owner_identity,
    c.reltuples::float8 as row_estimate,
    c.relpages::int8 * current_setting('block_size')::int8 as bytes,
    c.relacl::text[] as acl
from pg_class c join pg_namespace n on n.oid = c.relnamespace
{extension_member_join(pg_class, c.oid)}
left join pg_sequence s on s.seqrelid = c.oid
left join lateral (select d.refobjid, a.attname, d.deptype from pg_depend d
    join pg_attribute a on a.attrelid = d.refobjid and a.attnum = d.refobjsubid
    where c.relkind = 'S' and d.classid = 'pg_class'::regclass and d.objid = c.oid
    and d.refclassid = 'pg_class'::regclass and d.deptype in ('a', 'i') limit 1) ow on true
where c.relkind in ('r', 'p', 'f', 'v', 'm', 'S', 'c') and {not_system_schema}
    and {not_extension_member_or_pgmq_queue}
