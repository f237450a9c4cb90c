-- audit: default privileges (ALTER DEFAULT PRIVILEGES): the role whose new
-- objects they apply to, the schema (none: every schema), the kind of
-- object (r tables, S sequences, f functions, T types, n schemas) and the
-- ACL new objects get (for every schema: the whole of it, the role's own
-- and PUBLIC's items included; in a schema: what is added).
select pg_get_userbyid(d.defaclrole)::text as role, n.nspname::text as schema,
    d.defaclobjtype::text as kind, d.defaclacl::text[] as acl
from pg_default_acl d left join pg_namespace n on n.oid = d.defaclnamespace
order by 1, 2, 3
