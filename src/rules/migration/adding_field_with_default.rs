//! `ADD COLUMN` whose default or generated value rewrites an existing table. Docs: rules/adding-field-with-default.yaml.

use pg_query::protobuf::{self as pb, ConstrType, Node};
use pg_query::NodeEnum;

use crate::catalog::{resolve, types, FunctionKind, Volatility};
use crate::rules::support::migration::{
    added_column, alter_table_cmds, altered_table, column_constraints, is_plain_table,
    type_base_name,
};
use crate::rules::{StatementRule, StmtCtx};
use crate::sql::expr::{call_name, to_sql};

pub struct AddingFieldWithDefault;

/// PostgreSQL 11 keeps a non-volatile default in the catalog ("fast default")
/// instead of writing it into every existing row.
const FAST_DEFAULT_SINCE: u32 = 11;

/// How deep a default expression is read before it counts as volatile.
const MAX_DEPTH: usize = 32;

impl StatementRule for AddingFieldWithDefault {
    fn check(&self, cx: &mut StmtCtx<'_>) {
        // Foreign tables store nothing, so adding a column to one rewrites nothing.
        let Some((s, table)) = altered_table(cx).filter(|(s, _)| is_plain_table(s)) else {
            return;
        };
        for cmd in alter_table_cmds(s) {
            let Some(col) = added_column(cmd) else {
                continue;
            };
            // `ADD COLUMN IF NOT EXISTS` on a column that is there does nothing.
            let present = cx
                .catalog
                .table(&table.name)
                .is_some_and(|t| t.columns.iter().any(|c| c.name.as_str() == col.colname));
            if cmd.missing_ok && present {
                continue;
            }
            let Some(Rewrite {
                location,
                what,
                note,
            }) = rewrite(cx, col)
            else {
                continue;
            };
            let span = cx.stmt.span_at(location);
            cx.report_lock(
                &table,
                Some(span),
                format!(
                    "adding column `{}` {what} rewrites `{}` under an ACCESS EXCLUSIVE lock{note}",
                    col.colname, table.name
                ),
            );
        }
    }
}

/// Why adding a column writes a value into every row.
pub(crate) struct Rewrite {
    /// The clause responsible (DEFAULT, GENERATED, the serial type).
    location: i32,
    what: String,
    /// Which PostgreSQL version would not rewrite, when one would not.
    note: String,
}

impl Rewrite {
    fn new(location: i32, what: impl Into<String>) -> Self {
        Rewrite {
            location,
            what: what.into(),
            note: String::new(),
        }
    }
}

/// Why adding this column rewrites the table, or None when PostgreSQL only
/// records it in the catalog.
pub(crate) fn rewrite(cx: &StmtCtx<'_>, col: &pb::ColumnDef) -> Option<Rewrite> {
    let version = cx.postgres_version();
    for c in column_constraints(col) {
        match c.contype() {
            // PostgreSQL 18 computes VIRTUAL generated columns on read.
            ConstrType::ConstrGenerated if c.generated_kind != "v" => {
                return Some(Rewrite::new(c.location, "as a stored generated column"));
            }
            ConstrType::ConstrIdentity => {
                return Some(Rewrite::new(
                    c.location,
                    "as an identity column (each row takes a value from its sequence)",
                ));
            }
            ConstrType::ConstrDefault => {
                let Some(expr) = c.raw_expr.as_deref() else {
                    continue;
                };
                if is_null(expr) {
                    continue;
                }
                if !is_non_volatile(cx, expr, 0) {
                    return Some(Rewrite::new(
                        c.location,
                        format!("with the volatile default `{}`", to_sql(expr)),
                    ));
                }
                if version < FAST_DEFAULT_SINCE {
                    return Some(Rewrite {
                        location: c.location,
                        what: "with a default".to_string(),
                        note: format!(
                            " on PostgreSQL {version} (from PostgreSQL {FAST_DEFAULT_SINCE} a \
                             non-volatile default is only recorded, without a rewrite)"
                        ),
                    });
                }
            }
            _ => {}
        }
    }
    let ty = col.type_name.as_ref().map(type_base_name)?;
    types::is_serial(&ty).then(|| {
        Rewrite::new(
            col.location,
            format!("of type {ty} (each row takes a value from its sequence)"),
        )
    })
}

fn is_null(expr: &Node) -> bool {
    match &expr.node {
        Some(NodeEnum::AConst(c)) => c.isnull,
        Some(NodeEnum::TypeCast(t)) => t.arg.as_deref().is_some_and(is_null),
        _ => false,
    }
}

/// Whether PostgreSQL evaluates the default once for the whole table:
/// constants, casts, operators and calls of functions known to be STABLE or
/// IMMUTABLE (built-ins below, or the catalog's own declaration). Anything
/// unknown counts as volatile.
fn is_non_volatile(cx: &StmtCtx<'_>, expr: &Node, depth: usize) -> bool {
    if depth > MAX_DEPTH {
        return false;
    }
    let all = |nodes: &[Node]| nodes.iter().all(|n| is_non_volatile(cx, n, depth + 1));
    let opt = |node: &Option<Box<Node>>| {
        node.as_deref()
            .is_none_or(|n| is_non_volatile(cx, n, depth + 1))
    };
    match &expr.node {
        Some(NodeEnum::AConst(_)) | Some(NodeEnum::SqlvalueFunction(_)) => true,
        Some(NodeEnum::TypeCast(t)) => opt(&t.arg),
        Some(NodeEnum::CollateClause(c)) => opt(&c.arg),
        Some(NodeEnum::AExpr(e)) => opt(&e.lexpr) && opt(&e.rexpr),
        Some(NodeEnum::BoolExpr(b)) => all(&b.args),
        Some(NodeEnum::NullTest(n)) => opt(&n.arg),
        Some(NodeEnum::BooleanTest(b)) => opt(&b.arg),
        Some(NodeEnum::CoalesceExpr(c)) => all(&c.args),
        Some(NodeEnum::MinMaxExpr(m)) => all(&m.args),
        Some(NodeEnum::AArrayExpr(a)) => all(&a.elements),
        Some(NodeEnum::RowExpr(r)) => all(&r.args),
        Some(NodeEnum::List(l)) => all(&l.items),
        Some(NodeEnum::FuncCall(f)) => {
            let plain = !f.agg_star && !f.agg_distinct && f.over.is_none();
            plain && all(&f.args) && is_non_volatile_function(cx, f)
        }
        _ => false,
    }
}

/// Built-in functions that are STABLE or IMMUTABLE in pg_proc and turn up in
/// column defaults. `random()`, `gen_random_uuid()`, `clock_timestamp()`,
/// `timeofday()`, `nextval()` and `uuid_generate_v4()` are VOLATILE and not here.
const NON_VOLATILE_BUILTINS: &[&str] = &[
    "abs",
    "array_append",
    "array_cat",
    "array_fill",
    "array_prepend",
    "array_to_string",
    "btrim",
    "ceil",
    "ceiling",
    "char_length",
    "concat",
    "concat_ws",
    "current_database",
    "current_schema",
    "current_schemas",
    "current_setting",
    "date_part",
    "date_trunc",
    "daterange",
    "decode",
    "encode",
    "extract",
    "floor",
    "format",
    "initcap",
    "int4range",
    "int8range",
    "json_build_array",
    "json_build_object",
    "jsonb_build_array",
    "jsonb_build_object",
    "left",
    "length",
    "lower",
    "lpad",
    "ltrim",
    "make_date",
    "make_interval",
    "make_time",
    "make_timestamp",
    "make_timestamptz",
    "md5",
    "now",
    "numrange",
    "pi",
    "power",
    "repeat",
    "replace",
    "right",
    "round",
    "rpad",
    "rtrim",
    "sha256",
    "split_part",
    "sqrt",
    "statement_timestamp",
    "string_to_array",
    "substr",
    "substring",
    "timezone",
    "to_char",
    "to_date",
    "to_json",
    "to_jsonb",
    "to_number",
    "to_timestamp",
    "to_tsvector",
    "transaction_timestamp",
    "translate",
    "trim",
    "trunc",
    "tsrange",
    "tstzrange",
    "upper",
    "uuid_nil",
    "version",
];

/// Supabase's request helpers, declared STABLE by the platform.
const SUPABASE_STABLE: &[(&str, &str)] = &[
    ("auth", "uid"),
    ("auth", "role"),
    ("auth", "jwt"),
    ("auth", "email"),
];

fn is_non_volatile_function(cx: &StmtCtx<'_>, f: &pb::FuncCall) -> bool {
    let Some((schema, name)) = call_name(f) else {
        return false;
    };
    // pg_catalog comes first on every search_path, so a built-in name is the built-in.
    if schema.as_deref().is_none_or(|s| s == "pg_catalog")
        && NON_VOLATILE_BUILTINS.contains(&name.as_str())
    {
        return true;
    }
    let Ok(qn) = resolve::function(cx.catalog, cx.search_path, schema.as_deref(), &name) else {
        return false;
    };
    if SUPABASE_STABLE
        .iter()
        .any(|(s, n)| qn.schema.as_str() == *s && qn.name.as_str() == *n)
    {
        return true;
    }
    // Only a declaration read from the migrations or the database counts:
    // the platform baseline and extension stubs do not record volatility.
    cx.catalog.functions.get(&qn).is_some_and(|overloads| {
        !overloads.is_empty()
            && overloads.iter().all(|o| {
                o.kind == FunctionKind::Function
                    && o.volatility != Volatility::Volatile
                    && !o.origin.is_baseline()
                    && !o.extension_owned
            })
    })
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{case, files};

    const RULE: &str = "adding-field-with-default";
    const CREATE: &str = "create table public.t (id bigint primary key);";

    fn later(alter: &str) -> crate::rules::testing::Case {
        files(&[("1.sql", CREATE), ("2.sql", alter)])
    }

    #[test]
    fn volatile_default_on_a_table_from_an_earlier_file_fires() {
        let out = later("alter table public.t add column token uuid default gen_random_uuid();")
            .fires(RULE);
        assert!(out.starts_with("2.sql:1:44 "), "{out}");
        assert!(
            out.contains("column `token` with the volatile default `gen_random_uuid()`")
                && out.contains("rewrites `public.t`"),
            "{out}"
        );
    }

    #[test]
    fn table_created_earlier_in_the_same_file_is_quiet() {
        case(&format!(
            "{CREATE}\nalter table public.t add column token uuid default gen_random_uuid();"
        ))
        .quiet(RULE);
    }

    #[test]
    fn constant_default_is_quiet_on_postgres_11_and_later() {
        later("alter table public.t add column n int not null default 0;").quiet(RULE);
        later("alter table public.t add column tags text[] default '{}'::text[];")
            .config("postgres_version: 11\n")
            .quiet(RULE);
    }

    #[test]
    fn any_default_fires_before_postgres_11() {
        let out = later("alter table public.t add column n int not null default 0;")
            .config("postgres_version: 10\n")
            .fires(RULE);
        assert!(
            out.contains(
                "with a default rewrites `public.t` under an ACCESS EXCLUSIVE lock on \
                 PostgreSQL 10 (from PostgreSQL 11 a non-volatile default"
            ),
            "{out}"
        );
        later("alter table public.t add column n int not null default 0;")
            .config("postgres_version: 15\n")
            .quiet(RULE);
    }

    #[test]
    fn default_null_is_quiet_even_before_postgres_11() {
        later("alter table public.t add column n int default null;")
            .config("postgres_version: 10\n")
            .quiet(RULE);
    }

    #[test]
    fn now_and_current_timestamp_are_stable() {
        later("alter table public.t add column a timestamptz not null default now();").quiet(RULE);
        later("alter table public.t add column b timestamptz default current_timestamp;")
            .quiet(RULE);
        later("alter table public.t add column c date default (now() + interval '1 day')::date;")
            .quiet(RULE);
    }

    #[test]
    fn volatile_builtins_fire() {
        for default in [
            "random()",
            "clock_timestamp()",
            "uuid_generate_v4()",
            "nextval('s')",
            "now() + random() * interval '1 day'",
        ] {
            later(&format!(
                "alter table public.t add column x text default {default};"
            ))
            .fires(RULE);
        }
    }

    #[test]
    fn supabase_auth_uid_is_stable() {
        later("alter table public.t add column owner uuid default auth.uid();").quiet(RULE);
    }

    #[test]
    fn unknown_function_counts_as_volatile() {
        later("alter table public.t add column x jsonb default my_json();").fires(RULE);
    }

    #[test]
    fn function_declared_stable_in_the_migrations_is_quiet() {
        files(&[
            ("1.sql", CREATE),
            (
                "2.sql",
                "create function public.tenant() returns text language sql stable as $$ select 'a' $$;",
            ),
            ("3.sql", "alter table public.t add column tenant text default public.tenant();"),
        ])
        .quiet(RULE);
    }

    #[test]
    fn stored_generated_column_fires_on_any_version() {
        let out = later(
            "alter table public.t add column twice bigint generated always as (id * 2) stored;",
        )
        .fires(RULE);
        assert!(out.contains("as a stored generated column"), "{out}");
    }

    #[test]
    fn virtual_generated_column_is_quiet() {
        later("alter table public.t add column twice bigint generated always as (id * 2) virtual;")
            .config("postgres_version: 18\n")
            .quiet(RULE);
    }

    #[test]
    fn identity_and_serial_columns_fire() {
        let identity =
            later("alter table public.t add column seq bigint generated always as identity;")
                .fires(RULE);
        assert!(identity.contains("as an identity column"), "{identity}");
        let serial = later("alter table public.t add column seq bigserial;").fires(RULE);
        assert!(serial.contains("of type bigserial"), "{serial}");
    }

    #[test]
    fn column_without_default_is_quiet() {
        later("alter table public.t add column note text;").quiet(RULE);
    }

    #[test]
    fn if_not_exists_on_a_present_column_is_quiet() {
        files(&[
            (
                "1.sql",
                "create table public.t (id bigint primary key, x uuid);",
            ),
            (
                "2.sql",
                "alter table public.t add column if not exists x uuid default gen_random_uuid();",
            ),
        ])
        .quiet(RULE);
    }

    #[test]
    fn size_from_the_database_sets_the_severity() {
        let sql = "alter table public.t add column token uuid default gen_random_uuid();";
        let big = case(sql)
            .live(&[("public", "t", 2_500_000.0, 400 << 20)])
            .fires(RULE);
        assert!(
            big.contains(" error ") && big.contains("2,500,000 rows"),
            "{big}"
        );
        let empty = case(sql).live(&[("public", "t", 0.0, 8 << 10)]).fires(RULE);
        assert!(
            empty.contains(" info ") && empty.contains("is empty"),
            "{empty}"
        );
    }
}
