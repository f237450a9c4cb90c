-- drift: the versions Flyway applied successfully (repeatable scripts have
-- no version).
select version::text as version
from {history_table(public, flyway_schema_history)}
where success and version is not null
