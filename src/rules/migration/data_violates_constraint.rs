//! With `lint --db`: statements the rows already in the database make
//! PostgreSQL reject (a UNIQUE over duplicates, SET NOT NULL over NULLs, a
//! CHECK or foreign key the rows break, a retype to an enum the values do
//! not fit). Docs: rules/data-violates-constraint.yaml.
//!
//! The rule says what to ask (`source::live::data::Question`) and judges
//! the answer; the source reads the rows, read-only and bounded.

use pg_query::protobuf::{self as pb, ConstrType};
use pg_query::NodeEnum;
use serde::Deserialize;

use super::adding_required_field::is_required_without_value;
use crate::catalog::{ConstraintKind, Ident, QualifiedName, TypeKind};
use crate::findings::Severity;
use crate::rules::support::drops::user_type;
use crate::rules::support::migration::{
    added_column, added_constraint, alter_table_cmds, altered_table, is_plain_table,
};
use crate::rules::{group_digits, History, StatementRule, StmtCtx, TableRef};
use crate::source::live::data::{Answer, Check, Key, Question, Sample, COUNT_LIMIT};
use crate::sql::{ast, expr};

pub struct DataViolatesConstraint;

/// `options.data-violates-constraint` in pgvet.yaml.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(crate) struct Options {
    /// Above this many rows (estimated), a table is read in a sample of
    /// about this many rows' worth of pages instead of whole.
    max_rows: u64,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            max_rows: 1_000_000,
        }
    }
}

/// One question a statement raises, with the words of its finding.
struct Probe {
    table: TableRef,
    check: Check,
    /// The part of the statement that fails: ``unique constraint `x` ``.
    what: String,
    /// What marks the rows that break it: ``with NULL in `c` ``.
    breaks: String,
    fix: &'static str,
    /// Other tables whose rows the answer depends on (a referenced table).
    also_reads: Vec<QualifiedName>,
}

impl StatementRule for DataViolatesConstraint {
    fn check(&self, cx: &mut StmtCtx<'_>) {
        // A statement of a migration the database has applied ran on its
        // rows already.
        if cx.data().is_none() || cx.session.file_applied() {
            return;
        }
        let probes = match &cx.stmt.node {
            NodeEnum::AlterTableStmt(_) => alter_table_probes(cx),
            NodeEnum::IndexStmt(s) if s.unique => unique_index_probes(cx, s),
            _ => Vec::new(),
        };
        let options: Options = cx.options();
        for probe in probes {
            ask(cx, probe, options.max_rows);
        }
    }
}

/// Asks one question and reports what the answer proves.
fn ask(cx: &mut StmtCtx<'_>, probe: Probe, max_rows: u64) {
    let table = &probe.table.name;
    // A table new in this file has no rows yet; one not in the database is
    // made by an earlier file of this run, so it is empty as well.
    if matches!(probe.table.history, History::New)
        || !cx.in_live_database(table)
        || probe.also_reads.iter().any(|t| !cx.in_live_database(t))
    {
        return;
    }
    let span = Some(cx.stmt.span);
    let written = std::iter::once(table)
        .chain(&probe.also_reads)
        .find_map(|t| cx.session.written_before(t));
    if let Some(at) = written {
        let place = if at.file == cx.stmt.span.file {
            "earlier in this file"
        } else {
            "in an earlier file"
        };
        let message = format!(
            "{} was not checked against the rows of `{table}`: a statement {place} changes rows it reads, so the rows it meets are not the database's now",
            probe.what
        );
        cx.report_with_severity(Severity::Info, table, span, message);
        return;
    }
    let Some(rows) = cx.data() else {
        return;
    };
    let question = Question {
        table: table.clone(),
        check: probe.check.clone(),
        max_rows,
        search_path: cx
            .search_path
            .iter()
            .map(|s| s.as_str().to_string())
            .collect(),
    };
    match rows.ask(&question) {
        Answer::Found {
            rows,
            at_least,
            values,
            sample,
        } => {
            let count = count_rows(rows, at_least || sample.is_some());
            let shared = values.map_or(String::new(), |v| {
                let at = if v >= COUNT_LIMIT { "at least " } else { "" };
                format!(
                    " ({at}{} value{})",
                    group_digits(v),
                    if v == 1 { "" } else { "s" }
                )
            });
            let sampled = sample.map_or(String::new(), |s| {
                format!(" (found in a sample of {})", describe_sample(s))
            });
            let message = format!(
                "{} fails: {count} of `{table}` {}{shared}{sampled}; {}",
                probe.what, probe.breaks, probe.fix
            );
            cx.report(table, span, message);
        }
        Answer::Clean {
            sample: Some(sample),
        } => {
            let message = format!(
                "{} was not checked in full: `{table}` is too large to scan (about {} rows estimated, above max_rows {}), and a sample of {} has no row that breaks it",
                probe.what,
                group_digits(sample.estimate.round() as u64),
                group_digits(max_rows),
                describe_sample(sample)
            );
            cx.report_with_severity(Severity::Info, table, span, message);
        }
        Answer::NotChecked(why) => {
            let message = format!(
                "{} was not checked against the rows of `{table}`: {why}",
                probe.what
            );
            cx.report_with_severity(Severity::Info, table, span, message);
        }
        Answer::Clean { sample: None } | Answer::NotApplicable => {}
    }
}

/// `3 rows`, `1 row`, `at least 1,000 rows`.
fn count_rows(rows: u64, at_least: bool) -> String {
    format!(
        "{}{} row{}",
        if at_least { "at least " } else { "" },
        group_digits(rows),
        if rows == 1 && !at_least { "" } else { "s" }
    )
}

fn describe_sample(s: Sample) -> String {
    let percent = if s.percent >= 1.0 {
        format!("{:.0}", s.percent)
    } else {
        format!("{:.2}", s.percent)
    };
    format!(
        "about {percent}% of its pages, about {} of {} rows",
        group_digits((s.estimate * s.percent / 100.0).round() as u64),
        group_digits(s.estimate.round() as u64)
    )
}

/// Column names in a message: `email` or (a, b).
fn columns_text(columns: &[String]) -> String {
    match columns {
        [one] => format!("`{}`", Ident::new(one.as_str())),
        many => format!(
            "({})",
            many.iter()
                .map(|c| Ident::new(c.as_str()).to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// `unique constraint `name`` or `a unique constraint`.
fn named(noun: &str, name: &str) -> String {
    if name.is_empty() {
        format!("the {noun}")
    } else {
        format!("{noun} `{}`", Ident::new(name))
    }
}

const FIX_DUPLICATES: &str =
    "remove or merge the duplicates first (or make the key wider), then add it";
const FIX_NULLS: &str =
    "fill those rows first (or, to keep the lock short: a CHECK (... IS NOT NULL) NOT VALID, fill, VALIDATE CONSTRAINT, then SET NOT NULL)";
const FIX_ROWS_EXIST: &str =
    "add the column with a default, or nullable, fill it, then SET NOT NULL";
const FIX_NOT_VALID: &str =
    "fix or delete those rows first; adding it NOT VALID holds new rows to it meanwhile, and VALIDATE CONSTRAINT after the cleanup checks the old";
const FIX_ENUM: &str = "map those values to labels in the USING clause, or update them first";

fn alter_table_probes(cx: &StmtCtx<'_>) -> Vec<Probe> {
    let Some((s, table)) = altered_table(cx).filter(|(s, _)| is_plain_table(s)) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for cmd in alter_table_cmds(s) {
        let probe = |check: Check, what: String, breaks: String, fix: &'static str| Probe {
            table: table.clone(),
            check,
            what,
            breaks,
            fix,
            also_reads: Vec::new(),
        };
        match cmd.subtype() {
            pb::AlterTableType::AtAddColumn => {
                let Some(col) = added_column(cmd).filter(|c| is_required_without_value(c)) else {
                    continue;
                };
                out.push(probe(
                    Check::AnyRow {
                        new_column: col.colname.clone(),
                    },
                    format!(
                        "adding column `{}` as NOT NULL without a default",
                        Ident::new(col.colname.as_str())
                    ),
                    "already there, each of which would be NULL in it".to_string(),
                    FIX_ROWS_EXIST,
                ));
            }
            pb::AlterTableType::AtSetNotNull => {
                let columns = vec![cmd.name.clone()];
                out.push(probe(
                    Check::Nulls {
                        columns: columns.clone(),
                    },
                    format!("setting {} NOT NULL", columns_text(&columns)),
                    format!("with NULL in {}", columns_text(&columns)),
                    FIX_NULLS,
                ));
            }
            pb::AlterTableType::AtAddConstraint => {
                if let Some(con) = added_constraint(cmd) {
                    out.extend(constraint_probes(cx, &table, con));
                }
            }
            pb::AlterTableType::AtValidateConstraint => {
                out.extend(validate_probes(cx, &table, &cmd.name));
            }
            pb::AlterTableType::AtAlterColumnType => {
                out.extend(retype_probe(cx, &table, cmd));
            }
            _ => {}
        }
    }
    out
}

/// `ADD CONSTRAINT`: a primary key, unique, check or foreign key, unless
/// NOT VALID or over an existing index (USING INDEX: its rows are unique).
fn constraint_probes(cx: &StmtCtx<'_>, table: &TableRef, con: &pb::Constraint) -> Vec<Probe> {
    let probe = |check: Check, what: String, breaks: String, fix: &'static str| Probe {
        table: table.clone(),
        check,
        what,
        breaks,
        fix,
        also_reads: Vec::new(),
    };
    match con.contype() {
        ConstrType::ConstrPrimary | ConstrType::ConstrUnique if !con.indexname.is_empty() => {
            Vec::new()
        }
        ConstrType::ConstrPrimary => {
            let columns = ast::strings(&con.keys);
            let what = named("primary key", &con.conname);
            vec![
                probe(
                    Check::Nulls {
                        columns: columns.clone(),
                    },
                    what.clone(),
                    format!("with NULL in {}", columns_text(&columns)),
                    FIX_NULLS,
                ),
                probe(
                    Check::Duplicates {
                        keys: columns.iter().cloned().map(Key::Column).collect(),
                        predicate: None,
                        nulls_not_distinct: false,
                    },
                    what,
                    format!("sharing their {} with another row", columns_text(&columns)),
                    FIX_DUPLICATES,
                ),
            ]
        }
        ConstrType::ConstrUnique => {
            let columns = ast::strings(&con.keys);
            vec![probe(
                Check::Duplicates {
                    keys: columns.iter().cloned().map(Key::Column).collect(),
                    predicate: None,
                    nulls_not_distinct: con.nulls_not_distinct,
                },
                named("unique constraint", &con.conname),
                format!("sharing their {} with another row", columns_text(&columns)),
                FIX_DUPLICATES,
            )]
        }
        ConstrType::ConstrCheck if !con.skip_validation => {
            let Some(raw) = con.raw_expr.as_deref() else {
                return Vec::new();
            };
            let text = expr::to_sql(raw);
            if text == "..." {
                return Vec::new();
            }
            vec![probe(
                Check::Fails { expr: text.clone() },
                named("check constraint", &con.conname),
                format!("failing CHECK ({text})"),
                FIX_NOT_VALID,
            )]
        }
        ConstrType::ConstrForeign if !con.skip_validation => {
            let Some(rv) = con.pktable.as_ref() else {
                return Vec::new();
            };
            let referenced = cx.table(rv).name;
            let columns = ast::strings(&con.fk_attrs);
            let mut ref_columns = ast::strings(&con.pk_attrs);
            if ref_columns.is_empty() {
                ref_columns = primary_key(cx, &referenced);
            }
            foreign_key_probe(
                table,
                named("foreign key", &con.conname),
                columns,
                referenced,
                ref_columns,
                con.fk_matchtype == "f",
            )
            .into_iter()
            .collect()
        }
        _ => Vec::new(),
    }
}

fn foreign_key_probe(
    table: &TableRef,
    what: String,
    columns: Vec<String>,
    referenced: QualifiedName,
    ref_columns: Vec<String>,
    match_full: bool,
) -> Option<Probe> {
    if columns.is_empty() || columns.len() != ref_columns.len() {
        return None;
    }
    Some(Probe {
        table: table.clone(),
        breaks: format!(
            "with a {} that `{referenced}` has no row for",
            columns_text(&columns)
        ),
        check: Check::Orphans {
            columns,
            referenced: referenced.clone(),
            ref_columns,
            match_full,
        },
        what,
        fix: FIX_NOT_VALID,
        also_reads: vec![referenced],
    })
}

/// The primary key columns of `table` as the migrations leave it before
/// this statement; empty when it has none.
fn primary_key(cx: &StmtCtx<'_>, table: &QualifiedName) -> Vec<String> {
    cx.catalog
        .table(table)
        .and_then(|t| {
            t.constraints.iter().find_map(|c| match &c.kind {
                ConstraintKind::PrimaryKey { columns } => {
                    Some(columns.iter().map(|c| c.as_str().to_string()).collect())
                }
                _ => None,
            })
        })
        .unwrap_or_default()
}

/// `VALIDATE CONSTRAINT` of a CHECK or foreign key added NOT VALID.
fn validate_probes(cx: &StmtCtx<'_>, table: &TableRef, name: &str) -> Vec<Probe> {
    let Some(con) = cx.catalog.table(&table.name).and_then(|t| {
        t.constraints
            .iter()
            .find(|c| c.name.as_str() == name && c.not_valid)
    }) else {
        return Vec::new();
    };
    let what = format!("validating constraint `{}`", con.name);
    match &con.kind {
        ConstraintKind::Check { expr: Some(e) } => {
            let text = expr::to_sql(&e.node());
            if text == "..." {
                return Vec::new();
            }
            vec![Probe {
                table: table.clone(),
                check: Check::Fails { expr: text.clone() },
                what,
                breaks: format!("failing CHECK ({text})"),
                fix: "fix or delete those rows first, then validate",
                also_reads: Vec::new(),
            }]
        }
        ConstraintKind::ForeignKey(fk) => {
            let mut ref_columns: Vec<String> = fk
                .ref_columns
                .iter()
                .map(|c| c.as_str().to_string())
                .collect();
            if ref_columns.is_empty() {
                ref_columns = primary_key(cx, &fk.ref_table);
            }
            let columns = fk.columns.iter().map(|c| c.as_str().to_string()).collect();
            foreign_key_probe(
                table,
                what,
                columns,
                fk.ref_table.clone(),
                ref_columns,
                false,
            )
            .map(|mut p| {
                p.fix = "fix or delete those rows first, then validate";
                p
            })
            .into_iter()
            .collect()
        }
        _ => Vec::new(),
    }
}

/// `ALTER COLUMN c TYPE some_enum [USING c::text::some_enum]`: every value
/// must be a label of the enum. Other USING expressions map values in ways
/// not modelled, and are not checked.
fn retype_probe(cx: &StmtCtx<'_>, table: &TableRef, cmd: &pb::AlterTableCmd) -> Option<Probe> {
    let Some(NodeEnum::ColumnDef(def)) = cmd.def.as_deref().and_then(|d| d.node.as_ref()) else {
        return None;
    };
    let ty = def.type_name.as_ref()?;
    if !ty.array_bounds.is_empty() {
        return None;
    }
    let enum_name = user_type(cx, &ty.names)?;
    let Some(TypeKind::Enum { labels }) = cx.catalog.types.get(&enum_name).map(|t| &t.kind) else {
        return None;
    };
    if let Some(using) = def.raw_default.as_deref() {
        if !is_cast_of_column(using, &cmd.name) {
            return None;
        }
    }
    let column = Ident::new(cmd.name.as_str());
    Some(Probe {
        table: table.clone(),
        check: Check::NotIn {
            column: cmd.name.clone(),
            labels: labels.clone(),
        },
        what: format!("changing the type of `{column}` to `{enum_name}`"),
        breaks: format!("holding a `{column}` value that is not a label of `{enum_name}`"),
        fix: FIX_ENUM,
        also_reads: Vec::new(),
    })
}

/// `c`, `c::text`, `c::text::e`, `(c)::e`: the column itself, cast.
fn is_cast_of_column(node: &pb::Node, column: &str) -> bool {
    match node.node.as_ref() {
        Some(NodeEnum::TypeCast(cast)) => cast
            .arg
            .as_deref()
            .is_some_and(|arg| is_cast_of_column(arg, column)),
        Some(NodeEnum::ColumnRef(c)) => {
            ast::strings(&c.fields).last().map(String::as_str) == Some(column)
        }
        _ => false,
    }
}

/// `CREATE UNIQUE INDEX`: its keys (columns or expressions) and predicate.
fn unique_index_probes(cx: &StmtCtx<'_>, s: &pb::IndexStmt) -> Vec<Probe> {
    let Some(rv) = s.relation.as_ref() else {
        return Vec::new();
    };
    let table = cx.table(rv);
    let mut keys = Vec::new();
    let mut shown = Vec::new();
    for param in &s.index_params {
        let Some(NodeEnum::IndexElem(elem)) = param.node.as_ref() else {
            return Vec::new();
        };
        if !elem.name.is_empty() {
            keys.push(Key::Column(elem.name.clone()));
            shown.push(elem.name.clone());
        } else if let Some(e) = elem.expr.as_deref() {
            let text = expr::to_sql(e);
            if text == "..." {
                return Vec::new();
            }
            shown.push(text.clone());
            keys.push(Key::Expression(text));
        } else {
            return Vec::new();
        }
    }
    let predicate = match s.where_clause.as_deref() {
        Some(w) => {
            let text = expr::to_sql(w);
            if text == "..." {
                return Vec::new();
            }
            Some(text)
        }
        None => None,
    };
    // IF NOT EXISTS of an index the table has already: nothing is built.
    if s.if_not_exists
        && cx
            .catalog
            .table(&table.name)
            .is_some_and(|t| t.indexes.iter().any(|i| i.name.as_str() == s.idxname))
    {
        return Vec::new();
    }
    let keys_text = match shown.as_slice() {
        [one] if keys.first().is_some_and(|k| matches!(k, Key::Column(_))) => {
            format!("`{}`", Ident::new(one.as_str()))
        }
        _ => format!("({})", shown.join(", ")),
    };
    vec![Probe {
        table: table.clone(),
        check: Check::Duplicates {
            keys,
            predicate,
            nulls_not_distinct: s.nulls_not_distinct,
        },
        what: named("unique index", &s.idxname),
        breaks: format!("sharing their {keys_text} with another row"),
        fix: FIX_DUPLICATES,
        also_reads: Vec::new(),
    }]
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use crate::rules::testing::files;
    use crate::source::live::data::{Answer, Check, DataSource, Question, Rows};

    const RULE: &str = "data-violates-constraint";

    /// Answers every question with `answer`, and keeps the questions.
    struct Fake {
        answer: Answer,
        asked: Mutex<Vec<Question>>,
    }

    impl Rows for Fake {
        fn ask(&self, question: &Question) -> Answer {
            self.asked.lock().unwrap().push(question.clone());
            self.answer.clone()
        }
    }

    fn run(later: &str, answer: Answer) -> (Vec<String>, Vec<Question>) {
        let fake = Arc::new(Fake {
            answer,
            asked: Mutex::new(Vec::new()),
        });
        let out = files(&[
            (
                "1.sql",
                "create table public.t (id bigint primary key, email text, n int);\n\
                 create table public.p (id bigint primary key);\n\
                 create type public.mood as enum ('sad', 'happy');",
            ),
            ("2.sql", later),
        ])
        .live(&[("public", "t", 10.0, 8192), ("public", "p", 10.0, 8192)])
        .data(DataSource(fake.clone()))
        .run(RULE);
        let asked = fake.asked.lock().unwrap().clone();
        (out, asked)
    }

    fn found(rows: u64) -> Answer {
        Answer::Found {
            rows,
            at_least: false,
            values: None,
            sample: None,
        }
    }

    #[test]
    fn each_statement_asks_its_question() {
        let cases: [(&str, fn(&Check) -> bool); 8] = [
            ("alter table public.t add constraint t_email unique (email);", |c| {
                matches!(c, Check::Duplicates { .. })
            }),
            ("create unique index t_lower on public.t (lower(email)) where n > 0;", |c| {
                matches!(c, Check::Duplicates { keys, predicate: Some(p), .. } if keys.len() == 1 && p == "n > 0")
            }),
            ("alter table public.t alter column email set not null;", |c| {
                matches!(c, Check::Nulls { columns } if columns == &["email"])
            }),
            ("alter table public.t add column code text not null;", |c| {
                matches!(c, Check::AnyRow { new_column } if new_column == "code")
            }),
            ("alter table public.t add constraint n_pos check (n > 0);", |c| {
                matches!(c, Check::Fails { expr } if expr == "n > 0")
            }),
            ("alter table public.t add constraint t_p foreign key (n) references public.p;", |c| {
                matches!(c, Check::Orphans { ref_columns, .. } if ref_columns == &["id"])
            }),
            ("alter table public.t alter column email type public.mood using email::public.mood;", |c| {
                matches!(c, Check::NotIn { labels, .. } if labels == &["sad", "happy"])
            }),
            ("alter table public.t add constraint n_pos check (n > 0) not valid;\nalter table public.t validate constraint n_pos;", |c| {
                matches!(c, Check::Fails { .. })
            }),
        ];
        for (sql, expected) in cases {
            let (out, asked) = run(sql, found(2));
            assert_eq!(asked.len(), 1, "{sql}: {asked:?}");
            assert!(expected(&asked[0].check), "{sql}: {asked:?}");
            assert_eq!(out.len(), 1, "{sql}: {out:?}");
            assert!(
                out[0].contains(" error ") && out[0].contains(" fails: 2 rows of `public.t`"),
                "{out:?}"
            );
        }
    }

    #[test]
    fn what_passes_asks_nothing() {
        for sql in [
            "alter table public.t add constraint n_pos check (n > 0) not valid;",
            "alter table public.t add constraint t_p foreign key (n) references public.p not valid;",
            "alter table public.t add column code text not null default 'x';",
            "alter table public.t add column code text;",
            "create table public.u (id int unique);\nalter table public.u add constraint u_id unique (id);",
            "alter table public.t alter column email type public.mood using case when email = 'x' then 'sad'::public.mood end;",
            "create index t_n on public.t (n);",
        ] {
            let (out, asked) = run(sql, found(2));
            assert!(asked.is_empty() && out.is_empty(), "{sql}: {asked:?} {out:?}");
        }
    }

    #[test]
    fn rows_changed_earlier_are_not_judged() {
        let (out, asked) = run(
            "update public.t set email = '' where email is null;\nalter table public.t alter column email set not null;",
            found(2),
        );
        assert!(asked.is_empty(), "{asked:?}");
        assert_eq!(out.len(), 1, "{out:?}");
        assert!(
            out[0].contains(" info ") && out[0].contains("earlier in this file"),
            "{out:?}"
        );
    }

    #[test]
    fn answers_that_prove_nothing_are_info_or_quiet() {
        let sql = "alter table public.t alter column email set not null;";
        let (out, _) = run(sql, Answer::Clean { sample: None });
        assert!(out.is_empty(), "{out:?}");
        let (out, _) = run(sql, Answer::NotApplicable);
        assert!(out.is_empty(), "{out:?}");
        let (out, _) = run(sql, Answer::NotChecked("timed out".into()));
        assert!(
            out[0].contains(" info ") && out[0].contains("was not checked"),
            "{out:?}"
        );
        let sample = crate::source::live::data::Sample {
            estimate: 5_000_000.0,
            percent: 20.0,
        };
        let (out, _) = run(
            sql,
            Answer::Clean {
                sample: Some(sample),
            },
        );
        assert!(
            out[0].contains(" info ")
                && out[0].contains("too large to scan (about 5,000,000 rows estimated"),
            "{out:?}"
        );
        let (out, _) = run(
            sql,
            Answer::Found {
                rows: 3,
                at_least: false,
                values: None,
                sample: Some(sample),
            },
        );
        assert!(
            out[0].contains(" error ")
                && out[0].contains("at least 3 rows")
                && out[0].contains("found in a sample of about 20%"),
            "{out:?}"
        );
    }

    #[test]
    fn without_the_database_nothing_is_asked() {
        let out = files(&[
            ("1.sql", "create table public.t (email text);"),
            (
                "2.sql",
                "alter table public.t alter column email set not null;",
            ),
        ])
        .run(RULE);
        assert!(out.is_empty(), "{out:?}");
    }
}
