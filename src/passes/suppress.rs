//! Suppressions: `-- pgvet-ignore` comments in migration files and
//! `ignore: [{rule, object, reason}]` entries in pgvet.yaml.
//!
//! Comments are read with PostgreSQL's scanner, so `--` inside a string, a
//! quoted identifier or a dollar-quoted body is never taken for one.
//!
//! - `-- pgvet-ignore rule-id[, rule-id]: reason` covers one statement: the
//!   one it sits in (trailing on any of its lines, or on a line of its own
//!   inside it), else the one whose last line it trails (after the `;`), else
//!   the next statement below it.
//! - `-- pgvet-ignore-file rule-id[, rule-id]: reason` covers the whole file;
//!   it must come before the file's first statement.
//!
//! The keywords are read in any case (`-- PGVET-IGNORE`); rule ids are not.
//!
//! A covered finding is one of a named rule whose span starts inside the
//! statement (statement and schema rules alike). A suppression without a
//! reason still suppresses, and is reported as `suppression-without-reason`;
//! one that suppresses nothing, names no rule or an unknown rule, or covers no
//! statement is reported as `unused-suppression`. Both are computed here,
//! after every rule has run; their rule files only document them.

use std::collections::BTreeSet;

use pg_query::protobuf::Token;

use crate::catalog::{FileId, Span};
use crate::config::Config;
use crate::findings::{Finding, SourceFile};
use crate::rules::{self, Engine, Rule};
use crate::sql::split::{self, ParseError};

const UNUSED: &str = "unused-suppression";
const NO_REASON: &str = "suppression-without-reason";

/// A suppression comment as written, before placement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Directive {
    /// `pgvet-ignore-file` rather than `pgvet-ignore`.
    pub file_level: bool,
    /// Rule ids as written (aliases allowed), in order.
    pub ids: Vec<String>,
    pub reason: Reason,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reason {
    Given(String),
    /// Nothing after the rule ids.
    Missing,
    /// A `:` with nothing after it.
    Empty,
    /// Text after the rule ids without a `:` before it.
    NoColon(String),
}

impl Directive {
    fn keyword(&self) -> &'static str {
        if self.file_level {
            "pgvet-ignore-file"
        } else {
            "pgvet-ignore"
        }
    }
}

/// Reads the text of a `--` comment (without the `--`). None when it is not
/// a suppression: it must start, after blanks, with `pgvet-ignore` or
/// `pgvet-ignore-file` (in any case) followed by a blank, `:`, `,` or the end.
pub fn parse_comment(body: &str) -> Option<Directive> {
    let body = body.trim_start();
    let (file_level, rest) = if let Some(rest) = strip_keyword(body, "pgvet-ignore-file") {
        (true, rest)
    } else {
        (false, strip_keyword(body, "pgvet-ignore")?)
    };
    if !rest.is_empty() && !rest.starts_with(|c: char| c.is_whitespace() || c == ':' || c == ',') {
        return None;
    }
    let mut ids = Vec::new();
    let mut rest = rest.trim_start();
    loop {
        let len = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
            .unwrap_or(rest.len());
        let (id, after) = rest.split_at(len);
        if !id.is_empty() {
            ids.push(id.to_string());
        }
        rest = after.trim_start();
        match rest.strip_prefix(',') {
            Some(after_comma) => rest = after_comma.trim_start(),
            None => break,
        }
    }
    let reason = if let Some(text) = rest.strip_prefix(':') {
        match text.trim() {
            "" => Reason::Empty,
            text => Reason::Given(text.to_string()),
        }
    } else if rest.trim().is_empty() {
        Reason::Missing
    } else {
        Reason::NoColon(rest.trim().to_string())
    };
    Some(Directive {
        file_level,
        ids,
        reason,
    })
}

/// `text` after `keyword`, when it starts with it in any case.
fn strip_keyword<'a>(text: &'a str, keyword: &str) -> Option<&'a str> {
    let (head, rest) = text.split_at_checked(keyword.len())?;
    head.eq_ignore_ascii_case(keyword).then_some(rest)
}

/// Whether some `--` is followed by `pgvet-ignore` in any case: a cheap
/// test that lets most files skip the scan.
fn may_have_directive(text: &str) -> bool {
    text.match_indices("--").any(|(at, _)| {
        text.get(at + 2..)
            .is_some_and(|rest| strip_keyword(rest.trim_start(), "pgvet-ignore").is_some())
    })
}

/// What a placed suppression covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    /// A statement, first token to last (byte offsets in its file).
    Statement {
        start: u32,
        end: u32,
    },
    File,
    /// `pgvet-ignore-file` after the first statement.
    LateFileLevel,
    /// `pgvet-ignore` with no statement in or below it.
    NoStatement,
}

impl Target {
    fn covers(self, offset: u32) -> bool {
        match self {
            Target::Statement { start, end } => start <= offset && offset <= end,
            Target::File => true,
            Target::LateFileLevel | Target::NoStatement => false,
        }
    }
}

/// A rule id named by a suppression.
#[derive(Debug)]
struct Named {
    written: String,
    /// The rule's id (aliases resolved); None when pgvet does not know it.
    rule: Option<&'static str>,
    used: bool,
}

#[derive(Debug)]
struct Placed {
    file: FileId,
    /// The comment itself: where findings about the suppression point.
    comment: Span,
    directive: Directive,
    target: Target,
    names: Vec<Named>,
}

/// Every suppression comment of a lint run, placed on its statement or file.
#[derive(Debug, Default)]
pub struct Suppressions {
    placed: Vec<Placed>,
    /// Rules run only to tell whether their suppressions are used; their
    /// findings are dropped.
    judged_only: BTreeSet<&'static str>,
}

impl Suppressions {
    /// Finds the suppression comments of each file from its statement ranges
    /// (as [`split::split_file`] gives them; files that did not split have none).
    pub fn scan(
        sources: &[SourceFile],
        ranges: &[Result<Vec<(usize, usize)>, ParseError>],
    ) -> Suppressions {
        use rayon::prelude::*;
        // File by file on every core, in file order.
        let placed = sources
            .par_iter()
            .zip(ranges)
            .flat_map_iter(|(src, ranges)| {
                let mut placed = Vec::new();
                if let Ok(ranges) = ranges {
                    scan_file(src, ranges, &mut placed);
                }
                placed
            })
            .collect();
        Suppressions {
            placed,
            judged_only: BTreeSet::new(),
        }
    }

    /// When `unused-suppression` runs, also runs the rules that suppressions
    /// name but the config leaves out, so that whether a suppression is used
    /// does not depend on which rules are selected.
    pub fn prepare(&mut self, engine: &mut Engine, cfg: &Config) {
        if !enabled(cfg, UNUSED) {
            return;
        }
        for name in self.placed.iter().flat_map(|p| &p.names) {
            if let Some(rule) = name.rule.and_then(rules::find) {
                if engine.run_also(rule) {
                    self.judged_only.insert(rule.id());
                }
            }
        }
    }

    /// Drops the findings suppressions cover and those of rules run only to
    /// judge them, adds the suppression rules' own findings, then applies the
    /// config's object ignores.
    pub fn apply(mut self, findings: &mut Vec<Finding>, sources: &[SourceFile], cfg: &Config) {
        if !self.placed.is_empty() {
            let mut by_file: Vec<Vec<usize>> = vec![Vec::new(); sources.len()];
            for (i, p) in self.placed.iter().enumerate() {
                if let Some(list) = by_file.get_mut(p.file.0 as usize) {
                    list.push(i);
                }
            }
            findings.retain(|f| {
                let Some(span) = f.span else {
                    return true;
                };
                let Some(list) = by_file.get(span.file.0 as usize) else {
                    return true;
                };
                let mut suppressed = false;
                for &i in list {
                    let Some(p) = self.placed.get_mut(i) else {
                        continue;
                    };
                    if !p.target.covers(span.start) {
                        continue;
                    }
                    for name in &mut p.names {
                        if name.rule == Some(f.rule) {
                            name.used = true;
                            suppressed = true;
                        }
                    }
                }
                !suppressed
            });
        }
        findings.retain(|f| !self.judged_only.contains(f.rule));
        self.report(findings, sources, cfg);
        apply_config(findings, cfg);
    }

    fn report(&self, findings: &mut Vec<Finding>, sources: &[SourceFile], cfg: &Config) {
        let unused = emitter(cfg, UNUSED);
        let no_reason = emitter(cfg, NO_REASON);
        for p in &self.placed {
            let object = sources
                .get(p.file.0 as usize)
                .map_or_else(String::new, |s| s.path.clone());
            let d = &p.directive;
            let kw = d.keyword();
            let written = d.ids.join(", ");
            let mut out = |emit: &Option<Emitter>, message: String| {
                if let Some(e) = emit {
                    findings.push(e.finding(&object, p.comment, message));
                }
            };
            let reason_problem = match &d.reason {
                Reason::Given(_) => None,
                Reason::Missing | Reason::Empty => {
                    Some(format!("`{kw} {written}` gives no reason after a `:`"))
                }
                Reason::NoColon(text) => Some(format!(
                    "`{kw} {written}` has no `:` before its reason `{text}`"
                )),
            };
            if let Some(message) = reason_problem.filter(|_| !d.ids.is_empty()) {
                out(&no_reason, message);
            }
            if d.ids.is_empty() {
                out(
                    &unused,
                    format!("`{kw}` names no rule, so it suppresses nothing; write `-- {kw} rule-id: reason`"),
                );
                continue;
            }
            match p.target {
                Target::LateFileLevel => {
                    out(&unused, format!("`{kw} {written}` comes after the first statement and suppresses nothing; move it to the top of the file"));
                    continue;
                }
                Target::NoStatement => {
                    out(
                        &unused,
                        format!(
                            "`{kw} {written}` has no statement below it to suppress findings in"
                        ),
                    );
                    continue;
                }
                Target::Statement { .. } | Target::File => {}
            }
            let scope = if d.file_level {
                "this file"
            } else {
                "this statement"
            };
            for name in &p.names {
                let message = match name.rule {
                    None => format!(
                        "`{kw}` names unknown rule `{}`{}",
                        name.written,
                        crate::config::did_you_mean(&name.written)
                    ),
                    Some(rule) if [UNUSED, NO_REASON].contains(&rule) => format!(
                        "`{kw}` cannot suppress `{rule}`; turn it off in pgvet.yaml instead"
                    ),
                    Some(rule) if !name.used => {
                        format!("`{kw}` suppresses no `{rule}` finding in {scope}")
                    }
                    Some(_) => continue,
                };
                out(&unused, message);
            }
        }
    }
}

/// Drops findings that pgvet.yaml's `ignore:` entries name by rule and
/// object (lint and audit).
pub fn apply_config(findings: &mut Vec<Finding>, cfg: &Config) {
    if cfg.ignore_objects.is_empty() {
        return;
    }
    findings.retain(|f| {
        !cfg.ignore_objects
            .iter()
            .any(|i| i.rule == f.rule && i.object == f.object)
    });
}

fn enabled(cfg: &Config, id: &str) -> bool {
    rules::find(id).is_some_and(|r| cfg.severity_for(r).is_some())
}

/// Makes findings of one suppression rule, at its configured severity.
struct Emitter {
    rule: &'static Rule,
    severity: crate::findings::Severity,
}

fn emitter(cfg: &Config, id: &str) -> Option<Emitter> {
    let rule = rules::find(id)?;
    let severity = cfg.severity_for(rule)?;
    Some(Emitter { rule, severity })
}

impl Emitter {
    fn finding(&self, object: &str, span: Span, message: String) -> Finding {
        Finding {
            rule: self.rule.id(),
            severity: self.severity,
            message,
            object: object.to_string(),
            location: None,
            help: self.rule.help().to_string(),
            span: Some(span),
            related: Vec::new(),
            remedy: None,
        }
    }
}

fn scan_file(src: &SourceFile, ranges: &[(usize, usize)], out: &mut Vec<Placed>) {
    let text: &str = &src.text;
    // Scanning costs a pass over the file: skip the files without any.
    if !may_have_directive(text) {
        return;
    }
    // psql meta-commands and COPY data may hold quotes that never close.
    let scanned = crate::sql::psql::blank(text, &crate::sql::psql::skipped(text));
    let Ok(tokens) = crate::sql::scan_tokens(&scanned) else {
        return;
    };
    let statements: Vec<(u32, u32)> = ranges
        .iter()
        .filter_map(|&(start, end)| {
            let piece = text.get(start..end)?;
            let first = start + split::first_token(piece)?;
            let last = start + piece.trim_end().len();
            Some((to_u32(first), to_u32(last)))
        })
        .collect();
    for t in tokens {
        if Token::try_from(t.token) != Ok(Token::SqlComment) {
            continue;
        }
        let (Ok(start), Ok(end)) = (usize::try_from(t.start), usize::try_from(t.end)) else {
            continue;
        };
        let Some(body) = text.get(start..end).and_then(|c| c.strip_prefix("--")) else {
            continue;
        };
        let Some(directive) = parse_comment(body) else {
            continue;
        };
        let at = to_u32(start);
        let target = place(text, &statements, at, directive.file_level);
        let names = directive
            .ids
            .iter()
            .map(|id| Named {
                written: id.clone(),
                rule: rules::find(id).map(Rule::id),
                used: false,
            })
            .collect();
        out.push(Placed {
            file: src.id,
            comment: Span {
                file: src.id,
                start: at,
                end: to_u32(start + body.trim_end().len() + 2),
            },
            directive,
            target,
            names,
        });
    }
}

/// The statement or file a comment at `at` covers (see the module doc).
fn place(text: &str, statements: &[(u32, u32)], at: u32, file_level: bool) -> Target {
    if file_level {
        return match statements.first() {
            Some(&(first, _)) if first < at => Target::LateFileLevel,
            _ => Target::File,
        };
    }
    if let Some(&(start, end)) = statements.iter().find(|(s, e)| *s <= at && at <= *e) {
        return Target::Statement { start, end };
    }
    let on_last_line = statements.iter().rev().find(|(_, end)| *end <= at);
    if let Some(&(start, end)) = on_last_line {
        let between = text.get(end as usize..at as usize).unwrap_or("\n");
        if !between.contains(['\n', '\r']) {
            return Target::Statement { start, end };
        }
    }
    match statements.iter().find(|(start, _)| *start > at) {
        Some(&(start, end)) => Target::Statement { start, end },
        None => Target::NoStatement,
    }
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn given(ids: &[&str], reason: &str) -> Directive {
        Directive {
            file_level: false,
            ids: ids.iter().map(|s| (*s).to_string()).collect(),
            reason: Reason::Given(reason.to_string()),
        }
    }

    #[test]
    fn well_formed_comments_parse() {
        assert_eq!(
            parse_comment(" pgvet-ignore rls-disabled: reference data"),
            Some(given(&["rls-disabled"], "reference data"))
        );
        assert_eq!(
            parse_comment("pgvet-ignore rls-disabled , fk-missing-index:why: because"),
            Some(given(&["rls-disabled", "fk-missing-index"], "why: because"))
        );
        let file = parse_comment(" pgvet-ignore-file prefer-text-field: legacy").unwrap();
        assert!(file.file_level);
        assert_eq!(file.ids, ["prefer-text-field"]);
    }

    #[test]
    fn keywords_are_read_in_any_case() {
        assert_eq!(
            parse_comment(" PGVET-IGNORE rls-disabled: reference data"),
            Some(given(&["rls-disabled"], "reference data"))
        );
        let file = parse_comment(" Pgvet-Ignore-File prefer-text-field: legacy").unwrap();
        assert!(file.file_level);
        assert_eq!(parse_comment(" PGVET-IGNORED rls-disabled: x"), None);
        assert!(may_have_directive("select 1;\n--PgVet-Ignore x\n"));
        assert!(!may_have_directive("-- see pgvet-ignore\n"));
    }

    #[test]
    fn other_comments_are_not_suppressions() {
        assert_eq!(parse_comment(" pgvet-ignored rls-disabled: x"), None);
        assert_eq!(parse_comment(" see pgvet-ignore rls-disabled: x"), None);
        assert_eq!(parse_comment(" expect: rls-disabled"), None);
    }

    #[test]
    fn malformed_comments_parse_to_what_is_wrong() {
        let none = parse_comment(" pgvet-ignore").unwrap();
        assert!(none.ids.is_empty());
        assert_eq!(none.reason, Reason::Missing);
        let none = parse_comment(" pgvet-ignore: just a reason").unwrap();
        assert!(none.ids.is_empty());
        assert_eq!(none.reason, Reason::Given("just a reason".to_string()));
        assert_eq!(
            parse_comment(" pgvet-ignore rls-disabled reference data")
                .unwrap()
                .reason,
            Reason::NoColon("reference data".to_string())
        );
        assert_eq!(
            parse_comment(" pgvet-ignore rls-disabled:   ")
                .unwrap()
                .reason,
            Reason::Empty
        );
        assert_eq!(
            parse_comment(" pgvet-ignore rls-disabled").unwrap().reason,
            Reason::Missing
        );
    }

    #[test]
    fn placement_inside_trailing_and_below() {
        let sql = "create table a (id int);\n-- c1\nselect 1; -- c2\ncreate table b (\n  id int -- c3\n);\n-- c4\n";
        let at = |needle: &str| to_u32(sql.find(needle).unwrap());
        let b_end = at(");\n-- c4") + 1;
        let stmts = [
            (0u32, 23u32),
            (at("select"), at("; -- c2")),
            (at("create table b"), b_end),
        ];
        let (second, third) = (stmts[1], stmts[2]);
        assert_eq!(
            place(sql, &stmts, at("-- c1"), false),
            Target::Statement {
                start: second.0,
                end: second.1
            }
        );
        assert_eq!(
            place(sql, &stmts, at("-- c2"), false),
            Target::Statement {
                start: second.0,
                end: second.1
            }
        );
        assert_eq!(
            place(sql, &stmts, at("-- c3"), false),
            Target::Statement {
                start: third.0,
                end: third.1
            }
        );
        assert_eq!(place(sql, &stmts, at("-- c4"), false), Target::NoStatement);
        assert_eq!(place(sql, &stmts, at("-- c1"), true), Target::LateFileLevel);
        assert_eq!(place(sql, &stmts, 0, true), Target::File);
    }
}

/// Whole lint runs: what is suppressed, and what the two rules report.
#[cfg(test)]
mod run_tests {
    use crate::config::Config;

    const ORDERS: (&str, &str) = (
        "m/20240101000000_orders.sql",
        "create schema app;\ncreate table app.orders (\n  id bigint generated always as identity primary key,\n  legacy_code text check (length(legacy_code) <= 40),\n  note text check (length(note) <= 40)\n);\n",
    );

    /// `line rule [object]` of each finding of the second file, with every
    /// default rule running under `config`.
    fn lint(sql: &str, config: &str) -> Vec<String> {
        let cfg = Config::parse(config, "pgvet.yaml").unwrap();
        let files = vec![
            (ORDERS.0.to_string(), ORDERS.1.to_string()),
            ("m/20240201000000_change.sql".to_string(), sql.to_string()),
        ];
        let report = crate::lint_sources(files, &cfg, &crate::test_support::supabase());
        assert!(report.errors.is_empty(), "{:?}", report.errors);
        report
            .findings
            .iter()
            .map(|f| {
                let line = f.location.as_ref().map_or(0, |l| l.line);
                format!("{line} {} {}", f.rule, f.message)
            })
            .collect()
    }

    fn rules_of(found: &[String]) -> Vec<String> {
        found
            .iter()
            .map(|f| f.split(' ').take(2).collect::<Vec<_>>().join(" "))
            .collect()
    }

    const DROP: &str = "alter table app.orders drop column legacy_code;\n";

    #[test]
    fn unsuppressed_statement_fires() {
        assert_eq!(rules_of(&lint(DROP, "")), ["1 ban-drop-column"]);
    }

    #[test]
    fn comment_on_the_line_before_suppresses() {
        let sql = format!("-- pgvet-ignore ban-drop-column: unused since release 42\n{DROP}");
        assert_eq!(lint(&sql, ""), Vec::<String>::new());
    }

    #[test]
    fn trailing_comment_suppresses_its_own_statement_only() {
        let sql = format!(
            "{}  -- pgvet-ignore ban-drop-column: unused since release 42\nalter table app.orders drop column note;\n",
            DROP.trim_end()
        );
        assert_eq!(rules_of(&lint(&sql, "")), ["2 ban-drop-column"]);
    }

    #[test]
    fn comment_inside_a_multi_line_statement_suppresses_it() {
        let sql = "alter table app.orders\n  -- pgvet-ignore ban-drop-column: unused since release 42\n  drop column legacy_code;\n";
        assert_eq!(lint(sql, ""), Vec::<String>::new());
    }

    #[test]
    fn aliases_and_lists_are_accepted() {
        let sql = "-- pgvet-ignore prefer-timestamp-tz, ban-drop-column: legacy reporting tool\nalter table app.orders drop column legacy_code, add column seen timestamp;\n";
        let found = lint(sql, "");
        assert!(
            !found.iter().any(|f| f.contains("ban-drop-column")),
            "{found:?}"
        );
        assert!(
            !found.iter().any(|f| f.contains("prefer-timestamptz")),
            "{found:?}"
        );
    }

    #[test]
    fn comment_in_a_string_or_dollar_quote_is_not_a_suppression() {
        let sql = format!(
            "comment on table app.orders is 'x\n-- pgvet-ignore ban-drop-column: no\n';\n{DROP}"
        );
        assert_eq!(rules_of(&lint(&sql, "")), ["4 ban-drop-column"]);
        let sql =
            format!("do $$ begin perform 1;\n-- pgvet-ignore ban-drop-column: no\nend $$;\n{DROP}");
        assert_eq!(rules_of(&lint(&sql, "")), ["4 ban-drop-column"]);
    }

    #[test]
    fn file_level_suppression_covers_every_statement() {
        let sql = format!(
            "-- Contract step of the legacy_code removal.\n-- pgvet-ignore-file ban-drop-column: both unused since release 42\n\n{DROP}alter table app.orders drop column note;\n"
        );
        assert_eq!(lint(&sql, ""), Vec::<String>::new());
    }

    #[test]
    fn capitalized_suppressions_work_and_are_judged() {
        let sql = format!("-- PGVET-IGNORE ban-drop-column: unused since release 42\n{DROP}");
        assert_eq!(lint(&sql, ""), Vec::<String>::new());
        let sql = format!("-- Pgvet-Ignore-File ban-drop-column: unused since 42\n\n{DROP}");
        assert_eq!(lint(&sql, ""), Vec::<String>::new());
        let found = lint(&format!("-- PGVET-IGNORE ban-drop-column\n{DROP}"), "");
        assert_eq!(
            found,
            ["1 suppression-without-reason `pgvet-ignore ban-drop-column` gives no reason after a `:`"]
        );
        let found = lint(&format!("-- PGVET-IGNORE BAN-DROP-COLUMN: why\n{DROP}"), "");
        assert_eq!(
            found,
            [
                "1 unused-suppression `pgvet-ignore` names unknown rule `BAN-DROP-COLUMN` (did you mean `ban-drop-column`?)",
                "2 ban-drop-column dropping column `legacy_code` of `app.orders` breaks code that still reads or writes it and deletes its data",
            ]
        );
    }

    #[test]
    fn file_level_suppression_after_the_first_statement_is_unused() {
        let sql = format!("{DROP}-- pgvet-ignore-file ban-drop-column: too late\n");
        assert_eq!(
            lint(&sql, ""),
            [
                "1 ban-drop-column dropping column `legacy_code` of `app.orders` breaks code that still reads or writes it and deletes its data",
                "2 unused-suppression `pgvet-ignore-file ban-drop-column` comes after the first statement and suppresses nothing; move it to the top of the file",
            ]
        );
    }

    #[test]
    fn missing_or_empty_reason_still_suppresses_but_is_reported() {
        for comment in [
            "-- pgvet-ignore ban-drop-column",
            "-- pgvet-ignore ban-drop-column:",
            "-- pgvet-ignore ban-drop-column unused since release 42",
        ] {
            let found = lint(&format!("{comment}\n{DROP}"), "");
            assert_eq!(
                rules_of(&found),
                ["1 suppression-without-reason"],
                "{comment}"
            );
        }
        let found = lint(
            &format!("-- pgvet-ignore ban-drop-column unused since 42\n{DROP}"),
            "",
        );
        assert_eq!(
            found,
            ["1 suppression-without-reason `pgvet-ignore ban-drop-column` has no `:` before its reason `unused since 42`"]
        );
    }

    #[test]
    fn malformed_suppressions_are_unused() {
        let found = lint(&format!("-- pgvet-ignore\n{DROP}"), "");
        assert_eq!(
            found,
            [
                "1 unused-suppression `pgvet-ignore` names no rule, so it suppresses nothing; write `-- pgvet-ignore rule-id: reason`",
                "2 ban-drop-column dropping column `legacy_code` of `app.orders` breaks code that still reads or writes it and deletes its data",
            ]
        );
        let found = lint(
            &format!("-- pgvet-ignore ban-drop-colum: unused since release 42\n{DROP}"),
            "",
        );
        assert_eq!(
            rules_of(&found),
            ["1 unused-suppression", "2 ban-drop-column"]
        );
        assert!(
            found[0]
                .ends_with("names unknown rule `ban-drop-colum` (did you mean `ban-drop-column`?)"),
            "{found:?}"
        );
        let found = lint(
            &format!("{DROP}-- pgvet-ignore ban-drop-column: nothing below\n"),
            "",
        );
        assert_eq!(
            rules_of(&found),
            ["1 ban-drop-column", "2 unused-suppression"]
        );
    }

    #[test]
    fn unused_suppression_is_judged_even_when_the_rule_does_not_run() {
        let unused =
            "-- pgvet-ignore ban-drop-column: stale\nalter table app.orders add column n int;\n";
        let expected = [
            "1 unused-suppression `pgvet-ignore` suppresses no `ban-drop-column` finding in this statement",
        ];
        assert_eq!(lint(unused, "select: [unused-suppression]"), expected);
        assert_eq!(lint(unused, "rules: { ban-drop-column: off }"), expected);
        // Used, though the rule is off: quiet, and its finding stays hidden.
        let used = format!("-- pgvet-ignore ban-drop-column: unused since release 42\n{DROP}");
        assert_eq!(
            lint(&used, "select: [unused-suppression]"),
            Vec::<String>::new()
        );
        // Without unused-suppression nothing is judged.
        assert_eq!(
            lint(unused, "ignore: [unused-suppression]"),
            Vec::<String>::new()
        );
    }

    #[test]
    fn suppression_rules_cannot_be_suppressed_by_comments() {
        let found = lint("-- pgvet-ignore unused-suppression: no\nselect 1;\n", "");
        assert_eq!(
            found,
            ["1 unused-suppression `pgvet-ignore` cannot suppress `unused-suppression`; turn it off in pgvet.yaml instead"]
        );
    }

    #[test]
    fn config_ignores_by_object_hide_only_that_object() {
        let sql = "create table public.audit_log (id bigint generated always as identity primary key);\ncreate table public.notes (id bigint generated always as identity primary key);\n";
        let config = "ignore:\n  - rule: rls-disabled\n    object: public.audit_log\n    reason: written by a trigger only; the API roles have no grants on it\n";
        let before = lint(sql, "select: [rls-disabled]");
        assert_eq!(rules_of(&before), ["1 rls-disabled", "2 rls-disabled"]);
        let after = lint(sql, &format!("select: [rls-disabled]\n{config}"));
        assert_eq!(rules_of(&after), ["2 rls-disabled"]);
        assert!(after[0].contains("public.notes"), "{after:?}");
    }
}
