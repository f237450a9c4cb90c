-- drift: the migrations Prisma finished and did not roll back.
select migration_name::text as version
from {history_table(public, _prisma_migrations)}
where finished_at is not null and rolled_back_at is null
