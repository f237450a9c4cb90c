-- audit, PostgreSQL 15 and newer: the tables each publication names
-- (pg_publication_rel), with the row filter and the column list (quoted
-- names, in column order; null for every column).
select p.pubname::text as publication, format('%I.%I', n.nspname, c.relname) as qname,
    pg_get_expr(pr.prqual, pr.prrelid) as row_filter,
    case when pr.prattrs is not null then array(select quote_ident(a.attname) from pg_attribute a
        where a.attrelid = pr.prrelid and a.attnum = any(pr.prattrs::int2[]) order by a.attnum) end as columns
from pg_publication_rel pr join pg_publication p on p.oid = pr.prpubid
join pg_class c on c.oid = pr.prrelid join pg_namespace n on n.oid = c.relnamespace
order by p.pubname, n.nspname, c.relname
