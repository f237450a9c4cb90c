-- audit: every role's name (the platform is Supabase when `anon` and
-- `authenticated` exist).
select rolname::text as name from pg_roles
