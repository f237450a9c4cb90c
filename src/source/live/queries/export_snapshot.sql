-- audit --connections 2: the first connection's snapshot, which the second
-- imports (`set transaction snapshot`) so that both read the same state.
select pg_export_snapshot() as snapshot
