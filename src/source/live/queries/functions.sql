-- audit: functions, procedures, aggregates and window functions outside
-- PostgreSQL's own schemas and not members of an extension: kind, owner,
-- definition (pg_get_functiondef; none for an aggregate), identity
-- arguments and ACL.
select n.nspname::text as schema, p.proname::text as name,
    format('%I.%I', n.nspname, p.proname) as qname, p.prokind::text as kind,
    pg_get_userbyid(p.proowner)::text as owner,
    case when p.prokind <> 'a' then pg_get_functiondef(p.oid) end as def,
    pg_get_function_identity_arguments(p.oid) as identity_args,
    p.proacl::text[] as acl
from pg_proc p join pg_namespace n on n.oid = p.pronamespace
{extension_member_join(pg_proc, p.oid)}
where {not_system_schema} and xd.objid is null
order by n.nspname, p.proname, p.oid
