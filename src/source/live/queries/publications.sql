-- audit: publications (pg_publication), 13 and newer: owner, FOR ALL
-- TABLES, the changes each publishes and publish_via_partition_root.
select p.pubname::text as name, pg_get_userbyid(p.pubowner)::text as owner,
    p.puballtables as all_tables, p.pubinsert as publish_insert,
    p.pubupdate as publish_update, p.pubdelete as publish_delete,
    p.pubtruncate as publish_truncate, p.pubviaroot as via_root
from pg_publication p
order by p.pubname
