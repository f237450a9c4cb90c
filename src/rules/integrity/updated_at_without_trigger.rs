//! `updated_at` columns that no BEFORE UPDATE row trigger keeps current.
//! Docs: rules/updated-at-without-trigger.yaml.

use serde::Deserialize;

use crate::catalog::body;
use crate::catalog::{Catalog, Function, Table, Trigger, TriggerEvent};
use crate::rules::memo::Beyond;
use crate::rules::support::integrity::owned;
use crate::rules::{SchemaCtx, SchemaRule};

pub struct UpdatedAtWithoutTrigger;

/// `options.updated-at-without-trigger` in pgvet.yaml.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(crate) struct Options {
    /// Columns that promise the time of the row's last change.
    columns: Vec<String>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            columns: owned(&["updated_at", "modified_at"]),
        }
    }
}

/// Partitions inherit their parent's triggers; deeper chains than this are not followed.
const MAX_PARTITION_DEPTH: usize = 8;

impl SchemaRule for UpdatedAtWithoutTrigger {
    /// Reads the table, its partitioned ancestors (by name) and the
    /// trigger functions.
    fn per_table(&self) -> Option<&'static [Beyond]> {
        Some(&[Beyond::NamedTables, Beyond::Functions])
    }

    fn check(&self, cx: &mut SchemaCtx<'_>) {
        let opts: Options = cx.options();
        let cat = cx.catalog;
        for table in cx.stored_tables() {
            if cx.notes_table_names() {
                for name in ancestor_names(cat, table) {
                    cx.note_table_name(name);
                }
            }
            for col in table.columns.iter().filter(|c| !c.generated) {
                let name = col.name.as_str();
                if !opts.columns.iter().any(|c| c == name) {
                    continue;
                }
                let triggers = triggers_of(cat, table);
                if triggers
                    .iter()
                    .any(|t| is_before_update_row(t) && sets_column(cat, t, name) != Some(false))
                {
                    continue;
                }
                // An AFTER trigger that assigns NEW.col changes nothing: the row is written.
                let late = triggers.iter().find(|t| {
                    t.enabled
                        && t.for_each_row
                        && !t.before
                        && t.events.contains(&TriggerEvent::Update)
                        && sets_column(cat, t, name) == Some(true)
                });
                let message = match late {
                    Some(t) => format!(
                        "`{name}` is not maintained: trigger `{}` sets `NEW.{name}` after the update, when the change is ignored",
                        t.name
                    ),
                    None => format!(
                        "`{name}` is not maintained: no BEFORE UPDATE row trigger on `{}` sets `NEW.{name}`",
                        table.name.name
                    ),
                };
                cx.report(&table.name, col.span(), message);
            }
        }
    }
}

/// The table's enabled triggers and those its partitioned ancestors pass down.
fn triggers_of<'a>(cat: &'a Catalog, table: &'a Table) -> Vec<&'a Trigger> {
    let mut out: Vec<&Trigger> = table.triggers.iter().filter(|t| t.enabled).collect();
    let mut parent = table.partition_of.as_ref();
    for _ in 0..MAX_PARTITION_DEPTH {
        let Some(p) = parent.and_then(|name| cat.table(name)) else {
            break;
        };
        out.extend(p.triggers.iter().filter(|t| t.enabled));
        parent = p.partition_of.as_ref();
    }
    out
}

/// The names [`triggers_of`] looks up: the partitioned ancestors of
/// `table`, and the name of a missing one.
fn ancestor_names<'a>(cat: &'a Catalog, table: &'a Table) -> Vec<&'a str> {
    let mut out = Vec::new();
    let mut parent = table.partition_of.as_ref();
    for _ in 0..MAX_PARTITION_DEPTH {
        let Some(name) = parent else { break };
        out.push(name.name.as_str());
        parent = cat.table(name).and_then(|p| p.partition_of.as_ref());
    }
    out
}

fn is_before_update_row(t: &Trigger) -> bool {
    t.before && t.for_each_row && t.events.contains(&TriggerEvent::Update)
}

/// Whether the trigger's function sets `NEW.<column>`: Some(true) if it does,
/// Some(false) if its body was read and does not, None if it cannot be told
/// (a function the catalog lacks, another language, a body that does not parse).
fn sets_column(cat: &Catalog, t: &Trigger, column: &str) -> Option<bool> {
    // The moddatetime extension's trigger function takes the column as argument.
    if t.function.name.as_str() == "moddatetime" {
        return Some(t.args.first().is_some_and(|a| a == column));
    }
    let f = trigger_function(cat, t)?;
    let body = body::parse(f)?.ok()?;
    Some(
        body.statements()
            .iter()
            .any(|s| body.writes_new_field(s, column)),
    )
}

/// The function a trigger runs: the overload without arguments.
fn trigger_function<'a>(cat: &'a Catalog, t: &Trigger) -> Option<&'a Function> {
    cat.functions
        .get(&t.function)?
        .iter()
        .find(|f| f.signature().is_empty())
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{fires, fires_with, quiet, quiet_with};

    const RULE: &str = "updated-at-without-trigger";

    const TOUCH: &str = "create function public.touch() returns trigger language plpgsql as $$
begin
  new.updated_at := now();
  return new;
end $$;\n";

    #[test]
    fn column_without_trigger_fires_at_the_column() {
        let out = fires(
            RULE,
            "create table public.t (\n  id uuid primary key,\n  updated_at timestamptz not null default now()\n);",
        );
        assert_eq!(
            out,
            "test.sql:3:3 updated-at-without-trigger [public.t] `updated_at` is not maintained: no BEFORE UPDATE row trigger on `t` sets `NEW.updated_at`"
        );
    }

    #[test]
    fn plpgsql_trigger_that_assigns_the_column_is_quiet() {
        quiet(
            RULE,
            &format!("create table public.t (id uuid primary key, updated_at timestamptz);\n{TOUCH}create trigger t_touch before update on public.t for each row execute function public.touch();"),
        );
    }

    #[test]
    fn trigger_on_one_table_does_not_cover_another() {
        // The jobs seed: only `jobs` gets the trigger, `elements` does not.
        let out = fires(
            RULE,
            &format!("create table public.jobs (id uuid primary key, updated_at timestamptz);\ncreate table public.elements (id uuid primary key, updated_at timestamptz);\n{TOUCH}create trigger jobs_touch before update on public.jobs for each row execute function public.touch();"),
        );
        assert!(
            out.contains("[public.elements]") && !out.contains("[public.jobs]"),
            "{out}"
        );
    }

    #[test]
    fn trigger_that_sets_another_column_does_not_count() {
        fires(
            RULE,
            "create table public.t (id uuid primary key, status text, status_at timestamptz, updated_at timestamptz);
             create function public.stamp() returns trigger language plpgsql as $$
             begin if new.status is distinct from old.status then new.status_at := now(); end if; return new; end $$;
             create trigger t_stamp before update on public.t for each row execute function public.stamp();",
        );
    }

    #[test]
    fn after_trigger_is_too_late() {
        let out = fires(
            RULE,
            &format!("create table public.t (id uuid primary key, updated_at timestamptz);\n{TOUCH}create trigger t_touch after update on public.t for each row execute function public.touch();"),
        );
        assert!(
            out.contains("trigger `t_touch` sets `NEW.updated_at` after the update"),
            "{out}"
        );
    }

    #[test]
    fn insert_only_trigger_does_not_count() {
        fires(
            RULE,
            &format!("create table public.t (id uuid primary key, updated_at timestamptz);\n{TOUCH}create trigger t_touch before insert on public.t for each row execute function public.touch();"),
        );
    }

    #[test]
    fn moddatetime_with_the_column_is_quiet() {
        let table = "create extension if not exists moddatetime with schema extensions;
             create table public.t (id uuid primary key, updated_at timestamptz, edited_at timestamptz);\n";
        quiet(
            RULE,
            &format!("{table}create trigger t_mod before update on public.t for each row execute function extensions.moddatetime(updated_at);"),
        );
        fires(
            RULE,
            &format!("{table}create trigger t_mod before update on public.t for each row execute function extensions.moddatetime(edited_at);"),
        );
    }

    #[test]
    fn whole_row_assignment_counts() {
        quiet(
            RULE,
            "create table public.t (id uuid primary key, updated_at timestamptz);
             create function public.touch() returns trigger language plpgsql as $$
             begin new := jsonb_populate_record(new, jsonb_build_object('updated_at', now())); return new; end $$;
             create trigger t_touch before update on public.t for each row execute function public.touch();",
        );
    }

    #[test]
    fn select_into_the_column_counts() {
        quiet(
            RULE,
            "create table public.t (id uuid primary key, updated_at timestamptz);
             create function public.touch() returns trigger language plpgsql as $$
             begin select now() into new.updated_at; return new; end $$;
             create trigger t_touch before update on public.t for each row execute function public.touch();",
        );
        fires(
            RULE,
            "create table public.t (id uuid primary key, seen_at timestamptz, updated_at timestamptz);
             create function public.touch() returns trigger language plpgsql as $$
             begin select now() into new.seen_at; return new; end $$;
             create trigger t_touch before update on public.t for each row execute function public.touch();",
        );
    }

    #[test]
    fn function_that_cannot_be_read_is_given_the_benefit_of_the_doubt() {
        // Not in the migrations (created by hand, or in another language).
        quiet(
            RULE,
            "create table public.t (id uuid primary key, updated_at timestamptz);
             create trigger t_touch before update on public.t for each row execute function public.touch_somewhere();",
        );
    }

    #[test]
    fn partitions_inherit_the_parent_trigger() {
        quiet(
            RULE,
            &format!("create table public.e (id uuid, at date, updated_at timestamptz, primary key (id, at)) partition by range (at);\ncreate table public.e_2024 partition of public.e for values from ('2024-01-01') to ('2025-01-01');\n{TOUCH}create trigger e_touch before update on public.e for each row execute function public.touch();"),
        );
    }

    #[test]
    fn options_name_the_columns() {
        let sql = "create table public.t (id uuid primary key, updated_at timestamptz, changed_at timestamptz);";
        let out = fires_with(
            RULE,
            sql,
            "options:\n  updated-at-without-trigger:\n    columns: [changed_at]\n",
        );
        assert!(
            out.contains("`changed_at`") && !out.contains("`updated_at`"),
            "{out}"
        );
        quiet_with(
            RULE,
            sql,
            "options:\n  updated-at-without-trigger:\n    columns: []\n",
        );
    }
}
