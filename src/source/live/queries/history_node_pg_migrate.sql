-- drift: the migrations node-pg-migrate recorded as applied (file names
-- without extension).
select name::text as version from {history_table(public, pgmigrations)}
