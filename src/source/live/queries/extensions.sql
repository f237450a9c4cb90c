-- audit: each installed extension and the schema it lives in.
select e.extname::text as name, n.nspname::text as schema
from pg_extension e
join pg_namespace n on n.oid = e.extnamespace
