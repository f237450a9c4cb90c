-- drift: the versions the Supabase CLI recorded as applied.
select version::text as version from {history_table(supabase_migrations, schema_migrations)}
