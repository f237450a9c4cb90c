-- The parts of a fresh Supabase project that exist before its first migration,
-- recreated on plain PostgreSQL 15 so that the seed fixtures can be applied to
-- a real server. Written for pgvet's tests: it models only what the fixtures
-- use (the API roles, the auth and storage schemas and their tables, the auth
-- helper functions, and Supabase's default privileges). It is not a dump of
-- Supabase. Run it as a superuser on an empty database, then apply the
-- migrations, one session per file (psql -v ON_ERROR_STOP=1 -f FILE).
--
-- pgcrypto and uuid-ossp are deliberately not installed here: a migration
-- that needs one of them must create it (the refinement seed is about that).
-- gen_random_uuid() is part of PostgreSQL itself since version 13.

-- Roles the API switches to. They exist once per cluster, so create them only
-- when an earlier database on the same cluster has not.
do $roles$
begin
  if not exists (select 1 from pg_roles where rolname = 'anon') then
    create role anon nologin noinherit;
  end if;
  if not exists (select 1 from pg_roles where rolname = 'authenticated') then
    create role authenticated nologin noinherit;
  end if;
  if not exists (select 1 from pg_roles where rolname = 'service_role') then
    create role service_role nologin noinherit bypassrls;
  end if;
end
$roles$;

create schema if not exists auth;
create schema if not exists storage;
create schema if not exists extensions;

-- Supabase resolves unqualified names through "$user", public, extensions.
-- This applies to sessions opened after it, hence one session per file.
do $path$
begin
  execute format('alter database %I set search_path = "$user", public, extensions', current_database());
end
$path$;

-- auth ---------------------------------------------------------------------

create table if not exists auth.users (
  id uuid primary key,
  instance_id uuid,
  aud varchar(255),
  role varchar(255),
  email varchar(255),
  phone text unique, -- users_phone_key on Supabase
  encrypted_password varchar(255),
  email_confirmed_at timestamptz,
  last_sign_in_at timestamptz,
  raw_app_meta_data jsonb,
  raw_user_meta_data jsonb,
  is_anonymous boolean not null default false,
  created_at timestamptz,
  updated_at timestamptz,
  deleted_at timestamptz
);

-- PostgREST puts the verified JWT in the request.jwt.claims setting; the
-- helpers read it from there (missing_ok, so they return null outside a request).
create or replace function auth.jwt() returns jsonb
  language sql stable
as $$
  select coalesce(
    nullif(current_setting('request.jwt.claim', true), ''),
    nullif(current_setting('request.jwt.claims', true), '')
  )::jsonb
$$;

create or replace function auth.uid() returns uuid
  language sql stable
as $$
  select coalesce(
    nullif(current_setting('request.jwt.claim.sub', true), ''),
    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub')
  )::uuid
$$;

create or replace function auth.role() returns text
  language sql stable
as $$
  select coalesce(
    nullif(current_setting('request.jwt.claim.role', true), ''),
    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'role')
  )::text
$$;

create or replace function auth.email() returns text
  language sql stable
as $$
  select (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'email')::text
$$;

-- storage ------------------------------------------------------------------

create table if not exists storage.buckets (
  id text primary key,
  name text not null unique,
  owner uuid,
  public boolean default false,
  avif_autodetection boolean default false,
  file_size_limit bigint,
  allowed_mime_types text[],
  created_at timestamptz default now(),
  updated_at timestamptz default now()
);

create table if not exists storage.objects (
  id uuid primary key default gen_random_uuid(),
  bucket_id text references storage.buckets (id),
  name text,
  owner uuid,
  owner_id text,
  metadata jsonb,
  path_tokens text[] generated always as (string_to_array(name, '/')) stored,
  version text,
  created_at timestamptz default now(),
  updated_at timestamptz default now(),
  last_accessed_at timestamptz default now()
);
create unique index if not exists bucketid_objname on storage.objects (bucket_id, name);

alter table storage.buckets enable row level security;
alter table storage.objects enable row level security;

-- 'a/b/c.png' -> {a,b}: the folders of an object path, outermost first.
create or replace function storage.foldername(name text) returns text[]
  language plpgsql immutable
as $$
declare
  parts text[];
begin
  parts := string_to_array(name, '/');
  return parts[1:array_length(parts, 1) - 1];
end
$$;

create or replace function storage.filename(name text) returns text
  language plpgsql immutable
as $$
declare
  parts text[];
begin
  parts := string_to_array(name, '/');
  return parts[array_length(parts, 1)];
end
$$;

-- realtime -----------------------------------------------------------------

-- Realtime's publication, of no table: projects add theirs
-- (`alter publication supabase_realtime add table ...`). Publications are
-- per database, and a second run must not fail.
do $realtime$
begin
  if not exists (select 1 from pg_publication where pubname = 'supabase_realtime') then
    create publication supabase_realtime;
  end if;
end
$realtime$;

-- privileges ---------------------------------------------------------------

grant usage on schema public, auth, storage, extensions to anon, authenticated, service_role;
grant execute on function auth.uid(), auth.jwt(), auth.role(), auth.email() to anon, authenticated, service_role;
grant execute on function storage.foldername(text), storage.filename(text) to anon, authenticated, service_role;
grant all on storage.objects, storage.buckets to anon, authenticated, service_role;
grant all on auth.users to service_role;

-- Supabase's defaults: whatever the migrations create in public is granted in
-- full to the three API roles; row level security is what narrows it.
alter default privileges in schema public grant all on tables to anon, authenticated, service_role;
alter default privileges in schema public grant all on functions to anon, authenticated, service_role;
alter default privileges in schema public grant all on sequences to anon, authenticated, service_role;
