-- audit, PostgreSQL 15 and newer (pg_publication_namespace is new in 15):
-- the schemas whose tables each publication sends (FOR TABLES IN SCHEMA).
select p.pubname::text as publication, quote_ident(n.nspname) as schema
from pg_publication_namespace pn join pg_publication p on p.oid = pn.pnpubid
join pg_namespace n on n.oid = pn.pnnspid
order by p.pubname, n.nspname
