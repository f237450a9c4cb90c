//! The coverage account: what a run could not analyze, so that a quiet report
//! is never read as "checked and fine" (issue 9, part 3).
//!
//! Each gap is read from where the skipping happened, never re-derived from
//! findings: the PL/pgSQL parser's judgement kept on each function
//! (`catalog::body::check`, which `body-not-analyzed` reads too),
//! the DO blocks the replayer records and never runs, the extensions it
//! created without knowing their objects, and the psql meta-commands the
//! splitter leaves out. The report lists them (`Report::not_analyzed`); with
//! `--strict` (or rule `not-analyzed` turned on) each is also a finding.

use rayon::prelude::*;

use crate::catalog::{body, BodyCheck, Catalog, Function, QualifiedName, Span};
use crate::config::Config;
use crate::findings::gap::{Gap, GapKind};
use crate::findings::{Finding, Severity, SourceFile};
use crate::rules;
use crate::sql::psql::{self, SkipKind};

/// The rule whose findings `--strict` makes of the gaps.
pub const RULE: &str = "not-analyzed";

/// Languages whose bodies are read (PL/pgSQL, SQL) or are no code at all
/// (a C symbol, a built-in's name).
const READ_OR_NO_CODE: &[&str] = &["plpgsql", "sql", "c", "internal"];

/// The gaps in the finished model: function bodies, DO blocks, unknown
/// extensions. `files` names the migration files by `FileId` (empty for a
/// live database, which keeps no DO blocks).
pub fn of_catalog(cat: &Catalog, files: &[String]) -> Vec<Gap> {
    // Judging a body parses it (once: the judgement is kept); when
    // `body-not-analyzed` did not run, that happens here, so in parallel.
    let functions: Vec<&Function> = cat.user_functions().collect();
    let mut out: Vec<Gap> = functions
        .par_iter()
        .flat_map_iter(|f| function_gaps(f))
        .collect();
    for block in &cat.anonymous_blocks {
        let span = block.origin.span();
        let file = span
            .and_then(|s| files.get(s.file.0 as usize))
            .cloned()
            .unwrap_or_default();
        let reason = if block.language == "plpgsql" {
            "this `DO` block was not replayed in full: what it runs under conditions, in loops or from strings built at run time is not in pgvet's model and was not checked".to_string()
        } else {
            format!(
                "this `DO` block in `{}` was not replayed or read: what it does is not in pgvet's model",
                block.language
            )
        };
        out.push(Gap::new(GapKind::DoBlock, file, span, reason));
    }
    for drop in &cat.kept_by_drop_owned {
        let span = drop.origin.span();
        let file = span
            .and_then(|s| files.get(s.file.0 as usize))
            .cloned()
            .unwrap_or_default();
        let roles: Vec<String> = drop.roles.iter().map(|r| format!("`{r}`")).collect();
        let who = match roles.as_slice() {
            [one] => format!("{one} is"),
            _ => format!("one of {} is", roles.join(", ")),
        };
        // `table public.t` as table `public.t`.
        let mut shown: Vec<String> = drop
            .kept
            .iter()
            .take(3)
            .map(|k| match k.split_once(' ') {
                Some((kind, name)) if !name.contains(' ') => format!("{kind} `{name}`"),
                _ => k.clone(),
            })
            .collect();
        if drop.kept.len() > shown.len() {
            shown.push(format!("and {} more", drop.kept.len() - shown.len()));
        }
        out.push(Gap::new(
            GapKind::DropOwned,
            file,
            span,
            format!(
                "`DROP OWNED BY {}` was replayed in part: pgvet cannot tell whether {who} the role that runs the migrations, so the objects it would then own stayed in pgvet's model ({})",
                drop.roles.join(", "),
                shown.join(", "),
            ),
        ));
    }
    for ext in cat.extensions.values() {
        let (functions, types) = crate::catalog::extensions::objects(ext.name.as_str());
        // Only what the migrations create: a live database's extensions are
        // skipped as a whole, and the baseline's are modeled. PL/pgSQL brings
        // only its language, which pgvet reads.
        let modeled = !functions.is_empty() || !types.is_empty() || ext.name.as_str() == "plpgsql";
        if ext.origin.span().is_none() || modeled {
            continue;
        }
        let object = QualifiedName::new(ext.schema.clone(), ext.name.clone());
        out.push(Gap::new(
            GapKind::UnknownExtension,
            object.to_string(),
            ext.origin.span(),
            format!(
                "pgvet does not know the functions and types extension `{}` creates, so statements that use them are checked without them",
                ext.name
            ),
        ));
    }
    out
}

fn function_gaps(f: &Function) -> Vec<Gap> {
    let mut out = Vec::new();
    let object = f.name.to_string();
    match body::check(f) {
        BodyCheck::Unparsed(reason) => out.push(Gap::new(
            GapKind::PlpgsqlBodyUnparsed,
            object,
            f.origin.span(),
            format!(
                "the PL/pgSQL body of `{}` was not analyzed: {reason}",
                f.name
            ),
        )),
        BodyCheck::Parsed { dynamic_sql } => {
            for line in dynamic_sql {
                let at = line
                    .map(|l| format!(" (line {l} of the body)"))
                    .unwrap_or_default();
                out.push(Gap::new(
                    GapKind::DynamicSql,
                    object.clone(),
                    body::stmt_span(f, *line),
                    format!(
                        "`{}` runs SQL built at run time with EXECUTE{at}, which pgvet cannot read",
                        f.name
                    ),
                ));
            }
        }
        BodyCheck::NotPlpgsql => {
            let language = f.language.as_str();
            if f.body.is_some() && !READ_OR_NO_CODE.contains(&language) {
                out.push(Gap::new(
                    GapKind::BodyLanguageNotAnalyzed,
                    object,
                    f.origin.span(),
                    format!(
                        "the {language} body of `{}` was not analyzed: pgvet reads PL/pgSQL and SQL bodies only",
                        f.name
                    ),
                ));
            }
        }
    }
    out
}

/// The psql meta-commands the splitter skipped that hide SQL from pgvet: a
/// file included with `\i`, `\ir`, `\include` or `\include_relative`, and
/// the statements `\gexec` builds from a query's rows. The rest (`\set`,
/// `\echo`, `\connect`, ...) hide no SQL; `psql-meta-command` reports them all.
pub fn of_sources(sources: &[SourceFile]) -> Vec<Gap> {
    let mut out = Vec::new();
    for src in sources {
        let text: &str = &src.text;
        if !text.contains('\\') {
            continue;
        }
        for r in psql::skipped(text)
            .into_iter()
            .filter(|r| r.kind == SkipKind::MetaCommand)
        {
            let command = text.get(r.start..r.end).unwrap_or_default().trim_end();
            let name = command.split_whitespace().next().unwrap_or_default();
            let shown = shorten(command);
            let reason = match name {
                "\\i" | "\\ir" | "\\include" | "\\include_relative" => {
                    format!("psql meta-command `{shown}` includes a file that pgvet did not read")
                }
                "\\gexec" => format!(
                    "psql meta-command `{shown}` runs the rows of the query before it as SQL, which pgvet cannot see"
                ),
                _ => continue,
            };
            let span = Span {
                file: src.id,
                start: to_u32(r.start),
                end: to_u32(r.start + command.len()),
            };
            out.push(Gap::new(
                GapKind::PsqlMetaCommand,
                src.path.clone(),
                Some(span),
                reason,
            ));
        }
    }
    out
}

fn shorten(command: &str) -> String {
    const MAX: usize = 60;
    let mut shown: String = command.chars().take(MAX).collect();
    if shown.len() < command.len() {
        shown.push('…');
    }
    shown
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// One `not-analyzed` finding per gap: at error with `--strict` (config
/// `strict: true`); otherwise only when the rule runs (`rules:` or `select`
/// turned it on, or a suppression comment names it and its findings are
/// needed to judge that), at its configured severity.
pub fn findings(gaps: &[Gap], cfg: &Config, rule_runs: bool) -> Vec<Finding> {
    let Some(rule) = rules::find(RULE) else {
        return Vec::new();
    };
    let severity = if cfg.strict {
        Severity::Error
    } else if rule_runs {
        cfg.severity_for(rule).unwrap_or(rule.doc.severity)
    } else {
        return Vec::new();
    };
    gaps.iter()
        .map(|g| Finding {
            rule: rule.id(),
            severity,
            message: g.reason.clone(),
            object: g.object.clone(),
            location: None,
            help: rule.help().to_string(),
            span: g.span,
            related: Vec::new(),
            remedy: None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Platform;
    use crate::findings::gap::summary;

    /// Lints `sql` as `test.sql` on Supabase and returns its gaps as
    /// `line:col kind [object] reason`.
    fn gaps(sql: &str) -> Vec<String> {
        gaps_on(Platform::Supabase, sql)
    }

    fn gaps_on(platform: Platform, sql: &str) -> Vec<String> {
        let report = crate::lint_sources(
            vec![("test.sql".to_string(), sql.to_string())],
            &Config::default(),
            &crate::Settings::for_platform(platform),
        );
        assert!(report.errors.is_empty(), "{:?}", report.errors);
        report
            .not_analyzed
            .iter()
            .map(|g| {
                let at = g
                    .location
                    .as_ref()
                    .map_or("-".to_string(), |l| format!("{}:{}", l.line, l.column));
                format!("{at} {} [{}] {}", g.kind.as_str(), g.object, g.reason)
            })
            .collect()
    }

    #[test]
    fn unparsed_trigger_body_is_a_gap_at_the_function() {
        let out = gaps(
            "create table public.t (id bigint primary key, n int);\n\
             create function public.touch() returns trigger language plpgsql as $$\n\
             begin\n  new.n := 1;\n  retrun new;\nend\n$$;",
        );
        assert_eq!(
            out,
            ["2:1 plpgsql-body-unparsed [public.touch] the PL/pgSQL body of `public.touch` was not analyzed: syntax error at or near \"retrun\""]
        );
    }

    #[test]
    fn each_execute_is_a_gap_on_its_line() {
        let out = gaps(
            "create function public.purge(t text) returns void language plpgsql as $$\n\
             declare r record;\nbegin\n  execute format('truncate %I', t);\n  for r in execute 'select 1' loop end loop;\nend\n$$;",
        );
        assert_eq!(out.len(), 2, "{out:?}");
        assert!(
            out[0].starts_with("4:3 dynamic-sql [public.purge] `public.purge` runs SQL built at run time with EXECUTE (line 4 of the body)"),
            "{out:?}"
        );
        assert!(out[1].starts_with("5:3 dynamic-sql"), "{out:?}");
    }

    #[test]
    fn static_sql_in_a_body_is_no_gap() {
        assert!(gaps(
            "create table public.t (id bigint primary key);\n\
             create function public.f() returns bigint language plpgsql as $$ begin return (select count(*) from public.t); end $$;"
        )
        .is_empty());
    }

    #[test]
    fn do_blocks_of_any_language_are_gaps_named_by_file() {
        let out = gaps("select 1;\ndo $$ begin perform 1; end $$;\ndo language plv8 $$ plv8.elog(NOTICE, 1) $$;");
        assert_eq!(out.len(), 2, "{out:?}");
        assert!(
            out[0].starts_with("2:1 do-block [test.sql] this `DO` block was not replayed"),
            "{out:?}"
        );
        assert!(out[1].contains("`DO` block in `plv8`"), "{out:?}");
    }

    #[test]
    fn other_languages_are_gaps_but_sql_and_c_are_not() {
        let out = gaps(
            "create function public.a() returns int language plv8 as $$ return 1 $$;\n\
             create function public.b() returns int language sql as $$ select 1 $$;\n\
             create function public.c() returns int language c as 'lib', 'sym';",
        );
        assert_eq!(
            out,
            ["1:1 body-language-not-analyzed [public.a] the plv8 body of `public.a` was not analyzed: pgvet reads PL/pgSQL and SQL bodies only"]
        );
    }

    #[test]
    fn only_extensions_without_a_model_are_gaps() {
        let out = gaps(
            "create extension if not exists pg_hashids with schema extensions;\n\
             create extension if not exists citext with schema extensions;\n\
             create extension if not exists pgcrypto with schema extensions;\n\
             create extension if not exists fuzzystrmatch with schema extensions;",
        );
        assert_eq!(
            out,
            ["1:1 unknown-extension [extensions.pg_hashids] pgvet does not know the functions and types extension `pg_hashids` creates, so statements that use them are checked without them"]
        );
    }

    #[test]
    fn plpgsql_is_no_unknown_extension_on_plain_postgres() {
        let out = gaps_on(
            Platform::Postgres,
            "create extension if not exists plpgsql;\ncreate extension btree_gist;",
        );
        assert_eq!(out.len(), 1, "{out:?}");
        assert!(
            out[0].starts_with("2:1 unknown-extension [public.btree_gist]"),
            "{out:?}"
        );
    }

    #[test]
    fn includes_and_gexec_are_gaps_other_meta_commands_are_not() {
        let out = gaps(
            "\\set ON_ERROR_STOP on\n\\i seed.sql\nselect format('select %s', 1) \\gexec\n\\connect other\n",
        );
        assert_eq!(
            out,
            [
                "2:1 psql-meta-command [test.sql] psql meta-command `\\i seed.sql` includes a file that pgvet did not read",
                "3:31 psql-meta-command [test.sql] psql meta-command `\\gexec` runs the rows of the query before it as SQL, which pgvet cannot see"
            ]
        );
    }

    #[test]
    fn a_clean_file_has_no_gaps() {
        assert!(gaps("create table public.t (id bigint primary key);").is_empty());
    }

    #[test]
    fn strict_makes_errors_and_otherwise_the_rule_decides() {
        let gap = Gap::new(GapKind::DoBlock, "m.sql".into(), None, "x `y`".into());
        let mut cfg = Config::default();
        assert!(findings(std::slice::from_ref(&gap), &cfg, false).is_empty());
        let judged = findings(std::slice::from_ref(&gap), &cfg, true);
        assert_eq!(judged[0].severity, Severity::Error);
        cfg = Config::parse("rules:\n  not-analyzed: warning\n", "test").unwrap();
        assert_eq!(
            findings(std::slice::from_ref(&gap), &cfg, true)[0].severity,
            Severity::Warning
        );
        cfg.strict = true;
        let strict = findings(&[gap], &cfg, false);
        assert_eq!(strict[0].severity, Severity::Error);
        assert_eq!(strict[0].rule, RULE);
        assert_eq!(strict[0].message, "x `y`");
    }

    #[test]
    fn the_summary_counts_by_kind_and_names_statements_or_definitions() {
        let g = |kind| Gap::new(kind, String::new(), None, String::new());
        let gaps = [
            g(GapKind::DoBlock),
            g(GapKind::DynamicSql),
            g(GapKind::DoBlock),
        ];
        assert_eq!(
            summary(&gaps, false),
            "3 statements not analyzed (1 dynamic-sql, 2 do-block)"
        );
        assert_eq!(
            summary(&gaps[..1], true),
            "1 definition not analyzed (1 do-block)"
        );
    }
}
