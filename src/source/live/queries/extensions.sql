-- audit: each installed extension, the schema it lives in and its owner.
select e.extname::text as name, n.nspname::text as schema,
    pg_get_userbyid(e.extowner)::text as owner
from pg_extension e
join pg_namespace n on n.oid = e.extnamespace
