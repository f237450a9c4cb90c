-- lint --db: the server's version, for the report.
select current_setting('server_version') as server_version
