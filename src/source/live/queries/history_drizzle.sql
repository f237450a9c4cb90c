-- drift: the journal times (`when`, milliseconds) of the migrations the
-- Drizzle migrator recorded; it applies the journal entries later than the
-- last of them.
select created_at::text as version
from {history_table(drizzle, __drizzle_migrations)}
where created_at is not null
