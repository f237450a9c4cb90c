-- What the API roles can do, one line each: as `anon` and as `authenticated`
-- (with the seeded user's id as the JWT's `sub`), count the rows of every
-- table and view of `public` that a SELECT sees and an UPDATE or DELETE
-- touches, try an INSERT of defaults, and call every function of `public`
-- without arguments. Each try runs in a subtransaction that is rolled back,
-- so none changes what the next one sees; the outcome is a row count or
-- the error's SQLSTATE. The session's search_path is PostgREST's on
-- Supabase, so a function that does not pin its own resolves names as it
-- does there.
create schema if not exists pgvet_probe;
create or replace function pgvet_probe.run()
returns table (who text, what text, outcome text)
language plpgsql
set search_path = public, extensions
as $$
declare
  r record;
  act text;
  n bigint;
  col text;
begin
  foreach who in array array['anon', 'authenticated'] loop
    for r in
      select format('%I.%I', ns.nspname, c.relname) as target, c.oid, c.relkind
      from pg_class c join pg_namespace ns on ns.oid = c.relnamespace
      where ns.nspname = 'public' and c.relkind in ('r', 'p', 'v', 'm')
      union all
      select format('%I.%I()', ns.nspname, p.proname), p.oid, 'f'
      from pg_proc p join pg_namespace ns on ns.oid = p.pronamespace
      where ns.nspname = 'public' and p.pronargs = 0 and p.prokind = 'f'
        and p.prorettype not in ('trigger'::regtype, 'event_trigger'::regtype)
      order by 1
    loop
      foreach act in array case when r.relkind = 'f' then array['call']
                                else array['select', 'update', 'delete', 'insert'] end
      loop
        begin
          execute format('set local role %I', who);
          perform set_config('request.jwt.claims',
            json_build_object('sub', '11111111-1111-1111-1111-111111111111', 'role', who)::text, true);
          if act = 'call' then
            execute format('select count(*) from (select %s) s', r.target) into n;
          elsif act = 'select' then
            execute format('select count(*) from %s', r.target) into n;
          elsif act = 'update' then
            select quote_ident(a.attname) into col from pg_attribute a
            where a.attrelid = r.oid and a.attnum > 0 and not a.attisdropped
            order by a.attnum limit 1;
            execute format('with u as (update %s set %s = %s returning 1) select count(*) from u',
                           r.target, col, col) into n;
          elsif act = 'delete' then
            execute format('with d as (delete from %s returning 1) select count(*) from d', r.target) into n;
          else
            execute format('with i as (insert into %s default values returning 1) select count(*) from i',
                           r.target) into n;
          end if;
          raise exception using errcode = 'PV001', message = n::text || ' rows';
        exception
          when sqlstate 'PV001' then outcome := sqlerrm;
          when others then outcome := 'error ' || sqlstate;
        end;
        what := act || ' ' || r.target;
        return next;
      end loop;
    end loop;
  end loop;
end $$;
select who || ' | ' || what || ' | ' || outcome from pgvet_probe.run();
