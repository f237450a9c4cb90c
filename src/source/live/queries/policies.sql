-- audit: the row level security policies on tables outside PostgreSQL's
-- own schemas (extension members included): permissive or restrictive,
-- command, roles (quoted names; null for PUBLIC alone), USING and WITH
-- CHECK expressions.
select p.polrelid::int8 as relation, p.polname::text as name,
    p.polpermissive as permissive, p.polcmd::text as command,
    case when p.polroles = '{0}'::oid[] then null else
    array(select case when r = 0 then 'public' else quote_ident(pg_get_userbyid(r)) end from unnest(p.polroles) r) end as roles,
    pg_get_expr(p.polqual, p.polrelid) as using_expr,
    pg_get_expr(p.polwithcheck, p.polrelid) as with_check_expr
from pg_policy p join pg_class c on c.oid = p.polrelid join pg_namespace n on n.oid = c.relnamespace
where {not_system_schema}
order by p.polrelid, p.polname
