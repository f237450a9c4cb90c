#!/usr/bin/env python3
"""Writes a Supabase project with N generated tables, for benchmarks.

    bench/gen_schema.py --tables 2000 --out /tmp/schema [--per-file 50]

writes OUT/supabase/config.toml and OUT/supabase/migrations/*.sql, PER_FILE
tables a file. The output depends on the arguments only (no randomness, no
clock): the same N gives byte-identical files. Every file applies, in name
order, with psql to a database holding tests/sql/supabase_baseline.sql
(tests/bench_gen.rs checks that for a small N).

What a table gets, so that the rules have both clean and broken cases to see:
- primary key: uuid (even tables) or bigint identity (odd tables);
- a foreign key to auth.users (unindexed on every 5th table), one to the
  previous table (unindexed on every 3rd) and, on every 7th, a composite
  (sibling_id, owner_id) key to the previous table's unique (id, owner_id)
  (indexed on every 14th only);
- CHECK constraints, an enum-typed status column (one enum per file);
- RLS enabled (not on every 17th table) with select / insert / update
  policies calling auth.uid() wrapped in (select ...) or bare (every 2nd);
- a BEFORE UPDATE trigger calling the file's trigger function;
- a duplicated index on every 13th table;
- on every 10th table a view (every 20th without security_invoker) and a
  SECURITY DEFINER function with search_path set; on every 25th a
  SECURITY DEFINER function without it.
From the second file on, each file also alters tables of earlier files: adds
columns, indexes, NOT VALID checks then validation, defaults, comments and a
foreign key from one of its own tables. No statement needs to run outside a
transaction: the Supabase CLI applies each file in one.
"""

import argparse
import os
import sys

NOUNS = [
    "projects", "invoices", "orders", "customers", "tickets", "documents",
    "messages", "payments", "events", "tasks", "teams", "products",
    "comments", "devices", "shipments", "subscriptions", "reports",
    "contracts", "assets", "bookings",
]


def table_name(i):
    """Name of table i (1-based)."""
    return f"{NOUNS[i % len(NOUNS)]}_{i:05d}"


def pk_type(i):
    return "uuid" if i % 2 == 0 else "bigint"


def auth_uid(wrapped):
    return "(select auth.uid())" if wrapped else "auth.uid()"


def migration_name(k):
    """File k (0-based): a Supabase-style timestamp prefix, sorted by k."""
    hours, rest = divmod(k, 3600)
    minutes, seconds = divmod(rest, 60)
    day = 1 + hours // 24
    return f"202401{day:02d}{hours % 24:02d}{minutes:02d}{seconds:02d}_schema_{k + 1:05d}.sql"


def table_sql(i, enum, touch):
    """CREATE TABLE i with its indexes, RLS, policies and trigger."""
    t = table_name(i)
    q = f"public.{t}"
    cols = []
    if pk_type(i) == "uuid":
        cols.append("id uuid primary key default gen_random_uuid()")
    else:
        cols.append("id bigint generated always as identity primary key")
    cols.append("owner_id uuid not null default auth.uid() references auth.users (id) on delete cascade")
    if i > 1:
        cols.append(
            f"parent_id {pk_type(i - 1)} references public.{table_name(i - 1)} (id) on delete set null"
        )
    composite = i > 1 and i % 7 == 0
    if composite:
        cols.append(f"sibling_id {pk_type(i - 1)}")
    cols += [
        "title text not null check (char_length(title) between 1 and 200)",
        f"status public.{enum} not null default 'draft'",
        "amount numeric(12, 2) not null default 0 check (amount >= 0)",
        "quantity integer not null default 1",
        "starts_at timestamptz",
        "ends_at timestamptz",
        "created_at timestamptz not null default now()",
        "updated_at timestamptz not null default now()",
        f"constraint {t}_period_check check (ends_at is null or starts_at is null or ends_at > starts_at)",
    ]
    if i % 7 == 6:
        cols.append(f"constraint {t}_id_owner_key unique (id, owner_id)")
    if composite:
        cols.append(
            f"constraint {t}_sibling_fkey foreign key (sibling_id, owner_id)"
            f" references public.{table_name(i - 1)} (id, owner_id)"
        )
    out = [f"create table {q} (\n  " + ",\n  ".join(cols) + "\n);"]
    if i % 5 != 0:
        out.append(f"create index {t}_owner_id_idx on {q} (owner_id);")
    if i > 1 and i % 3 != 0:
        out.append(f"create index {t}_parent_id_idx on {q} (parent_id);")
    if composite and i % 14 == 0:
        out.append(f"create index {t}_sibling_idx on {q} (sibling_id, owner_id);")
    if i % 13 == 0:
        out.append(f"create index {t}_created_at_idx on {q} (created_at);")
        out.append(f"create index {t}_created_at_idx1 on {q} (created_at);")
    if i % 17 != 0:
        out.append(f"alter table {q} enable row level security;")
    wrapped = i % 2 == 1
    out.append(
        f'create policy "{t} owner read" on {q} for select to authenticated\n'
        f"  using (owner_id = {auth_uid(True)});"
    )
    out.append(
        f'create policy "{t} owner insert" on {q} for insert to authenticated\n'
        f"  with check (owner_id = {auth_uid(wrapped)});"
    )
    out.append(
        f'create policy "{t} owner update" on {q} for update to authenticated\n'
        f"  using (owner_id = {auth_uid(wrapped)})\n"
        f"  with check (owner_id = {auth_uid(wrapped)});"
    )
    out.append(
        f"create trigger {t}_touch before update on {q}\n"
        f"  for each row execute function public.{touch}();"
    )
    if i % 10 == 0:
        invoker = "" if i % 20 == 0 else " with (security_invoker = on)"
        out.append(
            f"create view public.{t}_active{invoker} as\n"
            f"  select id, owner_id, title, amount from {q} where status = 'active';"
        )
        out.append(
            f"create function public.{t}_total(p_owner uuid) returns numeric\n"
            f"  language sql stable security definer set search_path = ''\n"
            f"as $$ select coalesce(sum(amount), 0) from {q} where owner_id = p_owner $$;"
        )
        out.append(f"revoke execute on function public.{t}_total(uuid) from public, anon;")
    if i % 25 == 0:
        out.append(
            f"create function public.{t}_archive(p_id {pk_type(i)}) returns void\n"
            f"  language plpgsql security definer\n"
            f"as $$\nbegin\n  update {q} set status = 'archived' where id = p_id;\nend;\n$$;"
        )
    return out


def alterations(k, first, last, per_file):
    """Statements of file k (k >= 1) on tables of earlier files."""
    earlier = k * per_file  # tables 1..earlier exist already
    out = []
    for m in range(4):
        j = 1 + (k * 7919 + m * 131) % earlier
        t = table_name(j)
        q = f"public.{t}"
        if m == 0:
            out.append(f"alter table {q} add column note_f{k}_{m} text;")
            out.append(f"create index {t}_title_f{k}_idx on {q} (title);")
        elif m == 1:
            out.append(
                f"alter table {q} add constraint {t}_amount_cap_f{k}"
                f" check (amount < 1000000) not valid;"
            )
            out.append(f"alter table {q} validate constraint {t}_amount_cap_f{k};")
        elif m == 2:
            out.append(f"alter table {q} alter column quantity set default {k % 5 + 2};")
            out.append(f"create index {t}_status_f{k}_idx on {q} (status) where status <> 'archived';")
        else:
            own = table_name(first + k % (last - first + 1))
            out.append(
                f"alter table public.{own} add column ref_f{k}_id {pk_type(j)}"
                f" references {q} (id);"
            )
            out.append(f"comment on table {q} is 'altered by migration {k + 1}';")
    return out


def migration(k, n, per_file):
    first = k * per_file + 1
    last = min(n, first + per_file - 1)
    enum = f"status_f{k + 1:05d}"
    touch = f"touch_updated_at_f{k + 1:05d}"
    out = [
        f"-- Generated by bench/gen_schema.py (tables {first} to {last}); do not edit.",
        f"create type public.{enum} as enum ('draft', 'active', 'archived');",
        f"create function public.{touch}() returns trigger\n"
        f"  language plpgsql\nas $$\nbegin\n  new.updated_at := now();\n  return new;\nend;\n$$;",
    ]
    for i in range(first, last + 1):
        out += table_sql(i, enum, touch)
    if k > 0:
        out += alterations(k, first, last, per_file)
    return "\n\n".join(out) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tables", type=int, required=True, help="number of tables (N)")
    ap.add_argument("--per-file", type=int, default=50, help="tables per migration file")
    ap.add_argument("--out", required=True, help="directory to write the project into")
    args = ap.parse_args()
    if args.tables < 1 or args.per_file < 1:
        ap.error("--tables and --per-file must be at least 1")
    mig = os.path.join(args.out, "supabase", "migrations")
    os.makedirs(mig, exist_ok=True)
    stale = [f for f in os.listdir(mig) if f.endswith(".sql")]
    if stale:
        sys.exit(f"{mig} already holds .sql files; give an empty or new --out")
    with open(os.path.join(args.out, "supabase", "config.toml"), "w", encoding="utf-8", newline="\n") as f:
        f.write('# Generated by bench/gen_schema.py.\n[api]\nschemas = ["public"]\n')
    files = (args.tables + args.per_file - 1) // args.per_file
    total = 0
    for k in range(files):
        text = migration(k, args.tables, args.per_file)
        with open(os.path.join(mig, migration_name(k)), "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
        total += len(text.encode("utf-8"))
    print(f"{args.tables} tables, {files} files, {total} bytes in {mig}")


if __name__ == "__main__":
    main()
