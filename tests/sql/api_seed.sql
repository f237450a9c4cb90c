-- One row in every table of `public`, for tests that compare what the API
-- roles see: every uuid column holds the same user id (the `sub` the probe
-- puts in the JWT), other columns a plain value of their type. Foreign keys
-- and triggers are off while it runs (session_replication_role); a table
-- whose CHECKs refuse the row stays empty.
set session_replication_role = replica;
do $$
declare
  r record;
  c record;
  cols text[];
  vals text[];
begin
  for r in
    select cl.oid, format('%I.%I', n.nspname, cl.relname) as t
    from pg_class cl join pg_namespace n on n.oid = cl.relnamespace
    where n.nspname = 'public' and cl.relkind in ('r', 'p')
    order by 2
  loop
    cols := '{}';
    vals := '{}';
    for c in
      select a.attname, a.atttypid, t.typtype, t.typcategory
      from pg_attribute a join pg_type t on t.oid = a.atttypid
      where a.attrelid = r.oid and a.attnum > 0 and not a.attisdropped
        and a.attidentity = '' and a.attgenerated = ''
      order by a.attnum
    loop
      cols := cols || quote_ident(c.attname);
      vals := vals || case
        when c.atttypid = 'uuid'::regtype then '''11111111-1111-1111-1111-111111111111'''
        when c.typtype = 'e' then quote_literal((select e.enumlabel from pg_enum e
                                                 where e.enumtypid = c.atttypid
                                                 order by e.enumsortorder limit 1))
        when c.atttypid in ('json'::regtype, 'jsonb'::regtype) then '''{}'''
        when c.atttypid = 'inet'::regtype then '''127.0.0.1'''
        when c.typcategory = 'N' then '1'
        when c.typcategory = 'S' then '''x'''
        when c.typcategory = 'B' then 'true'
        when c.typcategory = 'D' then 'now()'
        when c.typcategory = 'A' then '''{}'''
        else 'default'
      end;
    end loop;
    begin
      execute format('insert into %s (%s) values (%s)', r.t,
                     array_to_string(cols, ', '), array_to_string(vals, ', '));
    exception when others then
      raise notice 'seed: % stays empty: %', r.t, sqlerrm;
    end;
  end loop;
end $$;
reset session_replication_role;
