-- drift: which migration runners' history tables exist (where the runners
-- make them by default); a runner's history
-- query runs only when its table does.
select to_regclass('supabase_migrations.schema_migrations') is not null as supabase,
    to_regclass('public.goose_db_version') is not null as goose,
    to_regclass('public.schema_migrations') is not null as schema_migrations,
    to_regclass('public.flyway_schema_history') is not null as flyway,
    to_regclass('public._prisma_migrations') is not null as prisma,
    to_regclass('public.__diesel_schema_migrations') is not null as diesel,
    to_regclass('public.pgmigrations') is not null as node_pg_migrate,
    to_regclass('sqitch.changes') is not null as sqitch,
    to_regclass('drizzle.__drizzle_migrations') is not null as drizzle
