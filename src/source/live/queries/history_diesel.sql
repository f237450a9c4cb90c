-- drift: the versions diesel recorded as applied.
select version::text as version from {history_table(public, __diesel_schema_migrations)}
