-- audit, on each connection: the server's version as text and as a number
-- (pgvet needs 13 or newer), and whether the transaction is read-only.
select current_setting('server_version') as server_version,
    current_setting('server_version_num')::int4 as server_version_num,
    current_setting('transaction_read_only') = 'on' as read_only
