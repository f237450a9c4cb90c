-- audit: enums (with their labels in order), domains (base type, not null,
-- checks by name) and range types (subtype), outside PostgreSQL's own
-- schemas and not members of an extension.
select n.nspname::text as schema, t.typname::text as name,
    format('%I.%I', n.nspname, t.typname) as qname,
    t.typtype::text as kind, pg_get_userbyid(t.typowner)::text as owner,
    array(select e.enumlabel::text from pg_enum e where e.enumtypid = t.oid order by e.enumsortorder) as labels,
    case when t.typtype = 'd' then format_type(t.typbasetype, t.typtypmod) end as base,
    t.typnotnull as not_null,
    array(select pg_get_constraintdef(k.oid) from pg_constraint k where k.contypid = t.oid order by k.conname) as checks,
    (select format_type(r.rngsubtype, null) from pg_range r where r.rngtypid = t.oid) as subtype
from pg_type t join pg_namespace n on n.oid = t.typnamespace
{extension_member_join(pg_type, t.oid)}
where t.typtype in ('e', 'd', 'r') and {not_system_schema} and xd.objid is null
