-- drift: the versions dbmate recorded as applied, or the one version
-- golang-migrate records (every version up to it is applied).
select version::text as version from {history_table(public, schema_migrations)}
