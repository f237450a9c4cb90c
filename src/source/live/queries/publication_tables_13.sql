-- audit, PostgreSQL 13 and 14: the tables each publication names
-- (pg_publication_rel, which has no row filter or column list before 15).
select p.pubname::text as publication, format('%I.%I', n.nspname, c.relname) as qname,
    null::text as row_filter, null::text[] as columns
from pg_publication_rel pr join pg_publication p on p.oid = pr.prpubid
join pg_class c on c.oid = pr.prrelid join pg_namespace n on n.oid = c.relnamespace
order by p.pubname, n.nspname, c.relname
