-- audit: each schema outside PostgreSQL's own, its owner and its ACL (who
-- may create in it; a null ACL is the default: the owner only).
select n.nspname::text as name, pg_get_userbyid(n.nspowner)::text as owner,
    n.nspacl::text[] as acl
from pg_namespace n where {not_system_schema}
