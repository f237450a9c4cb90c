//! `pgvet fix`: the migration that fixes what the rules found.
//!
//! A rule that knows a safe mechanical change attaches a [`Remedy`] to its
//! finding (typed data: which table, which columns, never SQL text). This
//! module turns the remedies of a finished report into SQL built from the
//! catalog, quoting every name as PostgreSQL's `quote_ident` would. A remedy
//! that turns out unsafe for this schema (a search_path that would still be
//! unsafe, a PostgreSQL too old for `security_invoker`) is not written: it is
//! listed with the reason instead.

pub mod naming;
pub mod search_path;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use crate::catalog::{
    Catalog, Function, FunctionKind, Ident, Platform, Policy, QualifiedName, TypeName,
};
use crate::config::TransactionMode;
use crate::findings::remedy::{Applicability, Remedy};
use crate::findings::Finding;
use crate::rules::support::{rls, search_path as path_rule};
use crate::sql::expr;

/// The rules whose findings can carry a [`Remedy`] (their YAML says what
/// `pgvet fix` writes, `auto_fix:`), by id.
pub fn fixable_rules() -> impl Iterator<Item = &'static str> {
    let mut ids: Vec<&'static str> = crate::rules::all()
        .iter()
        .filter(|r| r.doc.auto_fix.is_some())
        .map(|r| r.id())
        .collect();
    ids.sort_unstable();
    ids.into_iter()
}

/// What `pgvet fix` writes for `rule`, if it fixes it.
pub fn describe(rule: &str) -> Option<&'static str> {
    crate::rules::find(rule)?.doc.auto_fix.as_deref()
}

/// Whether `rule`'s fix is safe or unsafe (its YAML says), if it has one.
pub fn applicability(rule: &str) -> Option<Applicability> {
    crate::rules::find(rule)?.doc.fix_applicability
}

/// Whether the fix of this finding is safe or unsafe: its rule's, unless
/// this instance is unsafe where the rule's usual case is not (see
/// [`Remedy::unsafe_here`]).
pub fn applicability_of(f: &Finding) -> Option<Applicability> {
    let remedy = f.remedy.as_ref()?;
    if remedy.unsafe_here() {
        return Some(Applicability::Unsafe);
    }
    applicability(f.rule)
}

#[derive(Debug, Clone)]
pub struct FixOptions {
    pub platform: Platform,
    pub postgres_version: u32,
    pub transaction: TransactionMode,
    /// The runner the migration is written for (None: a plain folder).
    pub runner: Option<crate::source::migrations::runner::Runner>,
    /// Fix only these rules (empty: all).
    pub rules: Vec<String>,
    /// Write the unsafe fixes too (`--unsafe-fixes`), each with a comment
    /// saying who loses what.
    pub unsafe_fixes: bool,
}

/// One statement of the fix and the findings it resolves.
#[derive(Debug, Clone)]
pub struct Change {
    /// `rule: object: message` of each finding it fixes.
    pub fixes: Vec<String>,
    /// (rule, object) of each finding it fixes.
    pub resolves: Vec<(&'static str, String)>,
    pub sql: String,
    /// Something the reviewer should know (commented above the SQL).
    pub note: Option<String>,
    /// Cannot run inside a transaction block (CONCURRENTLY).
    pub concurrent: bool,
    /// (rule, object) of the finding the change knowingly leaves in place
    /// of those it fixes: RLS enabled on a table without a policy is
    /// `rls-enabled-no-policy`; today's access kept by a policy,
    /// `rls-policy-always-true` (the policy to narrow).
    pub leaves: Vec<(&'static str, String)>,
}

/// A finding whose rule has a fix that is not safe for this schema.
#[derive(Debug, Clone)]
pub struct Skipped {
    pub rule: &'static str,
    pub object: String,
    pub message: String,
    pub reason: String,
}

#[derive(Debug, Clone, Default)]
pub struct Plan {
    pub changes: Vec<Change>,
    pub skipped: Vec<Skipped>,
    /// Findings whose fix is unsafe, not written without `--unsafe-fixes`;
    /// `reason` says what the fix would change.
    pub held: Vec<Skipped>,
    /// Findings of rules without an automatic fix, by rule.
    pub manual: BTreeMap<&'static str, usize>,
}

/// Works out the changes for `findings` (a finished report's, after
/// suppressions) against the schema they are about.
pub fn plan(findings: &[Finding], cat: &Catalog, opts: &FixOptions) -> Plan {
    let mut plan = Plan::default();
    // One change per remedy, in the order findings first ask for it.
    let mut groups: Vec<(&Remedy, Vec<&Finding>)> = Vec::new();
    for f in findings {
        if !opts.rules.is_empty() && !opts.rules.iter().any(|r| r == f.rule) {
            continue;
        }
        let Some(remedy) = &f.remedy else {
            *plan.manual.entry(f.rule).or_default() += 1;
            continue;
        };
        match groups.iter_mut().find(|(r, _)| *r == remedy) {
            Some((_, list)) => list.push(f),
            None => groups.push((remedy, vec![f])),
        }
    }
    let mut names = IndexNames::new(cat);
    for (remedy, found) in groups {
        let unsafe_fix = found
            .iter()
            .any(|f| applicability_of(f) != Some(Applicability::Safe));
        let access = unsafe_fix.then(|| access_change(remedy, cat));
        if let (Some(what), false) = (&access, opts.unsafe_fixes) {
            plan.held.extend(found.iter().map(|f| Skipped {
                rule: f.rule,
                object: f.object.clone(),
                message: f.message.clone(),
                reason: what.clone(),
            }));
            continue;
        }
        match build(remedy, cat, opts, &mut names) {
            Ok(mut built) => {
                if let Some(what) = access {
                    let note = format!("UNSAFE (written because of --unsafe-fixes): {what}");
                    built.note = Some(match built.note {
                        Some(more) => format!("{note}\n{more}"),
                        None => note,
                    });
                }
                plan.changes.push(Change {
                    fixes: found
                        .iter()
                        .map(|f| format!("{}: {}: {}", f.rule, f.object, f.message))
                        .collect(),
                    resolves: found.iter().map(|f| (f.rule, f.object.clone())).collect(),
                    sql: built.sql,
                    note: built.note,
                    concurrent: built.concurrent,
                    leaves: built
                        .leaves
                        .map(|rule| (rule, remedy_object(remedy)))
                        .into_iter()
                        .collect(),
                })
            }
            Err(reason) => plan.skipped.extend(found.iter().map(|f| Skipped {
                rule: f.rule,
                object: f.object.clone(),
                message: f.message.clone(),
                reason: reason.clone(),
            })),
        }
    }
    plan
}

/// What an unsafe fix changes for the roles that use the object: who
/// loses which access, in one or two sentences for a SQL comment.
fn access_change(remedy: &Remedy, cat: &Catalog) -> String {
    match remedy {
        Remedy::EnableRls { table } => {
            let t = cat.table(table);
            let roles = t.map(|t| rls_bound_roles(cat, &t.grants)).unwrap_or_default();
            let who = if roles.is_empty() {
                "roles without BYPASSRLS".to_string()
            } else {
                roles.join(", ")
            };
            match t.map(|t| t.policies.as_slice()).unwrap_or_default() {
                [] => format!("{who} lose all access to the rows of `{table}`: it has no policy, so none passes."),
                policies => {
                    let names: Vec<String> = policies.iter().map(|p| format!("`{}`", p.name)).collect();
                    format!(
                        "{who} then read and change only the rows of `{table}` that its policies let through ({}); today they reach every row.",
                        names.join(", ")
                    )
                }
            }
        }
        Remedy::KeepAccessWithRls { table, outside_api } => {
            let who = role_names(outside_api, "every role (PUBLIC)").join(", ");
            format!(
                "a policy keeps what {who} read and write in `{table}`, but not two things: PostgreSQL refuses their `COPY ... FROM` into it under row level security (INSERT still works), and their sessions with `row_security = off` (as pg_dump runs) get an error instead of its rows."
            )
        }
        Remedy::RevokeExecute { function, roles, .. } => {
            let who = role_names(roles, "every role without a grant of its own (PUBLIC)");
            let mut what = format!("{} can no longer call `{function}`.", who.join(", "));
            let callers = rls::policies_calling(cat, function);
            if !callers.is_empty() {
                let list: Vec<String> = callers
                    .iter()
                    .map(|(t, p)| format!("`{p}` on `{t}`"))
                    .collect();
                what.push_str(&format!(
                    " Policies call it ({}): a query of those roles that reaches them fails with `permission denied for function` instead of being filtered.",
                    list.join(", ")
                ));
            }
            what
        }
        Remedy::SecurityInvoker { view } => {
            let roles = cat
                .views
                .get(view)
                .map(|v| rls_bound_roles(cat, &v.grants))
                .unwrap_or_default();
            let who = if roles.is_empty() {
                "its readers".to_string()
            } else {
                roles.join(", ")
            };
            format!(
                "`{view}` then runs with the caller's rights: {who} see only the rows their own grants and the row level security of the tables it reads allow; today they see what its owner sees."
            )
        }
        Remedy::DefaultNow { table, column } => format!(
            "an INSERT into `{table}` that leaves `{column}` out gets the current time instead of failing on NOT NULL."
        ),
        Remedy::IndexForeignKey { table, .. }
        | Remedy::DropIndex { table, .. }
        | Remedy::WrapPolicyCalls { table, .. }
        | Remedy::ResetOption { table, .. } => {
            format!("it changes how `{table}` is stored or checked, not who can use it.")
        }
        Remedy::PinSearchPath { function, .. } => {
            format!("names in `{function}` resolve through the pinned search_path, not the caller's.")
        }
    }
}

/// Enabling row level security on `t`, which has no policy, without taking
/// anything away: one permissive policy for every command, `true` both
/// ways, to the roles that reach its rows today. Their privileges still say
/// which commands each may run; the policy makes today's access explicit,
/// where the team can narrow it.
fn keep_todays_access(cat: &Catalog, t: &crate::catalog::Table) -> Built {
    let roles = rls::bound_grantees(cat, t);
    let table = &t.name;
    let enable = format!("alter table {table} enable row level security;");
    if roles.is_empty() {
        return Built {
            sql: enable,
            note: Some(format!(
                "No role but `{table}`'s owner and the roles that bypass row level security holds a privilege on it, so no one loses access."
            )),
            concurrent: false,
            leaves: Some("rls-enabled-no-policy"),
        };
    }
    let to = role_names(&roles, "public").join(", ");
    // Policy names are the table's own; past 63 bytes PostgreSQL would cut it.
    let long = format!("{}_todays_access", table.name.as_str());
    let policy = Ident::new(if long.len() <= 63 {
        long.as_str()
    } else {
        "todays_access"
    });
    Built {
        sql: format!(
            "{enable}\ndrop policy if exists {policy} on {table};\ncreate policy {policy} on {table} as permissive for all to {to}\n  using (true) with check (true);"
        ),
        note: Some(format!(
            "The policy keeps today's access: {to} still read and write every row of `{table}` that their privileges allow. Narrow its USING and WITH CHECK to the rows each role should reach; pgvet reports it as rls-policy-always-true until then."
        )),
        concurrent: false,
        leaves: Some("rls-policy-always-true"),
    }
}

/// The roles holding a privilege in `grants` that row level security
/// applies to: not the platform's roles that bypass it, nor `postgres`,
/// which owns the tables.
fn rls_bound_roles(cat: &Catalog, grants: &crate::catalog::Grants) -> Vec<String> {
    let roles: Vec<Ident> = grants
        .holders()
        .filter(|r| !cat.bypasses_rls(r) && r.as_str() != "postgres")
        .cloned()
        .collect();
    role_names(&roles, "PUBLIC")
}

/// Role names as SQL writes them, with PUBLIC (the pseudo-role the model
/// spells `public`) written as `public_as`.
fn role_names(roles: &[Ident], public_as: &str) -> Vec<String> {
    roles
        .iter()
        .map(|r| {
            if r.as_str() == "public" {
                public_as.to_string()
            } else {
                r.to_string()
            }
        })
        .collect()
}

struct Built {
    sql: String,
    note: Option<String>,
    concurrent: bool,
    /// The rule whose finding on the same object the change knowingly
    /// leaves in place of the one it fixes (see [`Change::leaves`]).
    leaves: Option<&'static str>,
}

impl Built {
    fn plain(sql: String) -> Self {
        Built {
            sql,
            note: None,
            concurrent: false,
            leaves: None,
        }
    }
}

fn build(
    remedy: &Remedy,
    cat: &Catalog,
    opts: &FixOptions,
    names: &mut IndexNames,
) -> Result<Built, String> {
    match remedy {
        Remedy::IndexForeignKey { table, columns } => {
            let cols: Vec<&str> = columns.iter().map(Ident::as_str).collect();
            let base = format!("idx_{}_{}", table.name.as_str(), cols.join("_"));
            let name = Ident::new(names.claim(&table.schema, &base));
            let list: Vec<String> = columns.iter().map(ToString::to_string).collect();
            Ok(Built {
                sql: format!(
                    "create index concurrently if not exists {name} on {table} ({});",
                    list.join(", ")
                ),
                note: None,
                concurrent: true,
                leaves: None,
            })
        }
        Remedy::DropIndex { table, index } => Ok(Built {
            sql: format!(
                "drop index concurrently if exists {};",
                QualifiedName::new(table.schema.clone(), index.clone())
            ),
            note: None,
            concurrent: true,
            leaves: None,
        }),
        Remedy::PinSearchPath { function, args } => {
            let f = find_function(cat, function, args)?;
            let proposal = search_path::propose(cat, f, opts.platform);
            if f.security_definer {
                if let Some(problem) = path_rule::problem(cat, Some(&proposal.stored_value())) {
                    return Err(format!(
                        "the search_path its body needs ({}) would still be unsafe: {problem}; qualify the names in the body and set search_path = ''",
                        proposal.value()
                    ));
                }
            }
            let note = proposal.note.clone().or_else(|| {
                (!proposal.schemas.is_empty()).then(|| {
                    let list: Vec<String> =
                        proposal.schemas.iter().map(|s| format!("`{s}`")).collect();
                    format!(
                        "The body names objects of {} without a schema; qualify them to pin search_path = '' instead.",
                        list.join(", ")
                    )
                })
            });
            Ok(Built {
                sql: format!(
                    "alter {} {} set search_path = {};",
                    routine_keyword(f),
                    signature(function, args),
                    proposal.value()
                ),
                note,
                concurrent: false,
                leaves: None,
            })
        }
        Remedy::EnableRls { table } => {
            let t = cat
                .table(table)
                .ok_or_else(|| format!("`{table}` is not in the schema"))?;
            let mut built = Built::plain(format!("alter table {table} enable row level security;"));
            if t.policies.is_empty() {
                built.note = Some(format!(
                    "With row level security on and no policy, the API's roles can no longer read or write `{table}` (pgvet reports that as rls-enabled-no-policy). Add the policies it needs, for example:\n  create policy {} on {table} for select to authenticated\n    using (user_id = (select auth.uid()));",
                    Ident::new(format!("{}_select_own", table.name.as_str()))
                ));
                built.leaves = Some("rls-enabled-no-policy");
            }
            Ok(built)
        }
        Remedy::KeepAccessWithRls { table, .. } => {
            let t = cat
                .table(table)
                .ok_or_else(|| format!("`{table}` is not in the schema"))?;
            Ok(keep_todays_access(cat, t))
        }
        Remedy::WrapPolicyCalls { table, policy } => {
            let p = cat
                .table(table)
                .and_then(|t| t.policies.iter().find(|p| &p.name == policy))
                .ok_or_else(|| format!("policy `{policy}` on `{table}` is not in the schema"))?;
            alter_policy(cat, table, p).map(Built::plain)
        }
        Remedy::RevokeExecute {
            function,
            args,
            roles,
        } => {
            let f = find_function(cat, function, args)?;
            let who = role_names(roles, "public");
            Ok(Built::plain(format!(
                "revoke execute on {} {} from {};",
                routine_keyword(f),
                signature(function, args),
                who.join(", ")
            )))
        }
        Remedy::SecurityInvoker { view } => {
            if opts.postgres_version < 15 {
                return Err(format!(
                    "security_invoker needs PostgreSQL 15 or later (postgres_version is {})",
                    opts.postgres_version
                ));
            }
            Ok(Built::plain(format!(
                "alter view {view} set (security_invoker = true);"
            )))
        }
        Remedy::ResetOption { table, option } => Ok(Built::plain(format!(
            "alter table {table} reset ({});",
            Ident::new(option.clone())
        ))),
        Remedy::DefaultNow { table, column } => {
            let col = cat
                .table(table)
                .and_then(|t| t.columns.iter().find(|c| &c.name == column))
                .ok_or_else(|| format!("column `{column}` of `{table}` is not in the schema"))?;
            let now = if col.ty.is_builtin() && col.ty.name.name.as_str() == "date" {
                "current_date"
            } else {
                "now()"
            };
            Ok(Built::plain(format!(
                "alter table {table} alter column {column} set default {now};"
            )))
        }
    }
}

fn find_function<'c>(
    cat: &'c Catalog,
    name: &QualifiedName,
    args: &[TypeName],
) -> Result<&'c Function, String> {
    cat.functions
        .get(name)
        .and_then(|overloads| overloads.iter().find(|f| f.has_signature(args)))
        .ok_or_else(|| format!("function `{}` is not in the schema", signature(name, args)))
}

fn routine_keyword(f: &Function) -> &'static str {
    match f.kind {
        FunctionKind::Procedure => "procedure",
        _ => "function",
    }
}

/// `public.f(uuid, text)`: names a function among its overloads.
fn signature(name: &QualifiedName, args: &[TypeName]) -> String {
    let types: Vec<String> = args.iter().map(ToString::to_string).collect();
    format!("{name}({})", types.join(", "))
}

/// `ALTER POLICY` with each condition's per-row request calls wrapped.
fn alter_policy(cat: &Catalog, table: &QualifiedName, p: &Policy) -> Result<String, String> {
    let mut clauses = Vec::new();
    for (clause, cond, _) in rls::conditions(p) {
        let text = expr::to_sql(&cond);
        let wrapped = wrap_request_calls(cat, &text)?;
        if wrapped != text {
            clauses.push(format!("{} ({wrapped})", clause.to_lowercase()));
        }
    }
    if clauses.is_empty() {
        return Err("no call in the policy could be wrapped".to_string());
    }
    Ok(format!(
        "alter policy {} on {table} {};",
        p.name,
        clauses.join(" ")
    ))
}

/// Wraps each per-row request call of a deparsed condition in
/// `(select ...)`. The condition is parsed again so that call positions are
/// offsets into `text`; each call's text there must be what the deparser
/// writes for the call alone, or nothing is changed.
fn wrap_request_calls(cat: &Catalog, text: &str) -> Result<String, String> {
    const PREFIX: usize = "select ".len();
    let reparsed = expr::parse(text).ok_or("the condition does not parse again")?;
    let mut cuts: Vec<(usize, usize)> = Vec::new();
    for call in rls::bare_request_calls(cat, &reparsed) {
        let call_text = rls::call_text(call);
        let start = usize::try_from(call.location)
            .ok()
            .and_then(|l| l.checked_sub(PREFIX))
            .ok_or("a call has no position")?;
        let end = start + call_text.len();
        if text.get(start..end) != Some(call_text.as_str()) {
            return Err(format!("`{call_text}` is not where the parser says it is"));
        }
        cuts.push((start, end));
    }
    // A call inside another wrapped call is wrapped with it.
    cuts.sort_unstable();
    let mut outer: Vec<(usize, usize)> = Vec::new();
    for c in cuts {
        if outer.last().is_none_or(|o| c.0 >= o.1) {
            outer.push(c);
        }
    }
    let mut out = String::with_capacity(text.len() + outer.len() * 10);
    let mut at = 0;
    for (start, end) in outer {
        out.push_str(text.get(at..start).unwrap_or_default());
        out.push_str("(select ");
        out.push_str(text.get(start..end).unwrap_or_default());
        out.push(')');
        at = end;
    }
    out.push_str(text.get(at..).unwrap_or_default());
    Ok(out)
}

/// Relation names already used per schema, so new index names are unique.
struct IndexNames {
    taken: BTreeMap<Ident, BTreeSet<String>>,
}

impl IndexNames {
    fn new(cat: &Catalog) -> Self {
        let mut taken: BTreeMap<Ident, BTreeSet<String>> = BTreeMap::new();
        let mut add = |q: &QualifiedName, extra: &mut dyn Iterator<Item = &Ident>| {
            let set = taken.entry(q.schema.clone()).or_default();
            set.insert(q.name.as_str().to_string());
            set.extend(extra.map(|i| i.as_str().to_string()));
        };
        for t in cat.tables.values() {
            add(&t.name, &mut t.indexes.iter().map(|i| &i.name));
        }
        for v in cat.views.values() {
            add(&v.name, &mut v.indexes.iter().map(|i| &i.name));
        }
        for s in cat.sequences.keys().chain(cat.types.keys()) {
            add(s, &mut std::iter::empty());
        }
        IndexNames { taken }
    }

    fn claim(&mut self, schema: &Ident, base: &str) -> String {
        naming::unique_ident(base, self.taken.entry(schema.clone()).or_default())
    }
}

/// The text of the migration file(s) for `plan`: one file, or two when the
/// migration tool wraps every file in a transaction and some statements
/// cannot run in one (the second file must be run outside a transaction).
pub fn render(plan: &Plan, opts: &FixOptions, header: &str) -> Vec<String> {
    use crate::source::migrations::runner::Runner;
    let (concurrent, plain): (Vec<&Change>, Vec<&Change>) =
        plan.changes.iter().partition(|c| c.concurrent);
    let runner = opts.runner.unwrap_or(Runner::Plain);
    // Where CONCURRENTLY may share the file: the runner runs it outside
    // its transaction (Supabase CLI, Flyway), or there is no transaction.
    let run = runner.file_run(opts.platform, opts.transaction);
    let wrapped = run.mode == TransactionMode::PerFile && !run.runs_outside;
    let one_query = run.one_query;
    // Flyway runs a script with CONCURRENTLY outside a transaction, but
    // refuses one that mixes it with other statements (`mixed` is off).
    let own_file = wrapped || one_query || runner == Runner::Flyway;
    // Each group is one file; `true`: it must run outside a transaction.
    let mut groups: Vec<(Vec<&Change>, bool)> = Vec::new();
    if concurrent.is_empty() || !own_file {
        groups.push((plain.clone(), false));
        if !concurrent.is_empty() {
            groups.push((concurrent.clone(), false));
        }
        // Plain statements and CONCURRENTLY share one file here.
        if groups.len() == 2 {
            let second = groups.pop().map(|(c, _)| c).unwrap_or_default();
            if let Some((first, _)) = groups.first_mut() {
                first.extend(second);
            }
        }
    } else {
        if !plain.is_empty() {
            groups.push((plain.clone(), false));
        }
        if one_query {
            // A file sent as one query is one implicit transaction unless
            // it holds a single statement.
            groups.extend(concurrent.iter().map(|c| (vec![*c], true)));
        } else {
            groups.push((concurrent.clone(), true));
        }
    }
    groups
        .into_iter()
        .enumerate()
        .map(|(i, (changes, outside))| {
            let mut text = String::new();
            let directive = transaction_directive(runner, outside);
            text.push_str(&up_marker(runner, directive));
            let _ = writeln!(text, "{header}");
            // Only a file the runner would wrap needs pgvet told otherwise.
            if outside && wrapped && !directive {
                let _ = writeln!(
                    text,
                    "-- pgvet-ignore-file ban-concurrent-index-creation-in-transaction: CONCURRENTLY cannot run in a transaction block; run this file outside one ({})\n",
                    outside_hint(runner)
                );
            }
            let (first, rest): (Vec<&Change>, Vec<&Change>) =
                changes.iter().partition(|c| !c.concurrent);
            write_changes(&mut text, &first);
            if !rest.is_empty() {
                if runner == Runner::Supabase && run.runs_outside {
                    let _ = writeln!(text, "{SUPABASE_CONCURRENTLY}");
                } else if !outside {
                    let _ = writeln!(
                        text,
                        "-- CONCURRENTLY builds and drops take no long lock, but cannot run inside a\n-- transaction block: apply them outside one.\n"
                    );
                }
                write_changes(&mut text, &rest);
            }
            if i == 0 {
                write_skipped(&mut text, plan);
                write_held(&mut text, plan);
            }
            text.push_str(&down_marker(runner));
            text
        })
        .collect()
}

/// Which Supabase CLI runs CONCURRENTLY outside a migration file's
/// transaction (supabase/cli pull requests #5671, in v2.109.0, and #6276).
const SUPABASE_CONCURRENTLY: &str =
    "-- CONCURRENTLY builds and drops take no long lock, but cannot run inside a
-- transaction block. The Supabase CLI runs CREATE INDEX CONCURRENTLY outside
-- this file's transaction from v2.109.0 (older versions stop with `cannot be
-- executed within a pipeline`), and DROP INDEX CONCURRENTLY only in versions
-- released after v2.111.0 (supabase/cli#6276). With an older CLI, run these
-- statements by hand, outside a transaction.
";

/// Whether the runner can be told, in the file, to run it outside a
/// transaction (and is, when `outside`).
fn transaction_directive(runner: crate::source::migrations::runner::Runner, outside: bool) -> bool {
    use crate::source::migrations::runner::Runner;
    outside && matches!(runner, Runner::Goose | Runner::Dbmate)
}

/// The line(s) a runner needs before the statements it applies.
fn up_marker(runner: crate::source::migrations::runner::Runner, no_transaction: bool) -> String {
    use crate::source::migrations::runner::Runner;
    match runner {
        Runner::Goose if no_transaction => "-- +goose NO TRANSACTION\n-- +goose Up\n".to_string(),
        Runner::Goose => "-- +goose Up\n".to_string(),
        Runner::Dbmate if no_transaction => "-- migrate:up transaction:false\n".to_string(),
        Runner::Dbmate => "-- migrate:up\n".to_string(),
        Runner::NodePgMigrate => "-- Up Migration\n".to_string(),
        _ => String::new(),
    }
}

/// What a runner needs after them: dbmate refuses a file without a down
/// section (left empty: the fix has no automatic undo).
fn down_marker(runner: crate::source::migrations::runner::Runner) -> String {
    use crate::source::migrations::runner::Runner;
    match runner {
        Runner::Dbmate => "-- migrate:down\n".to_string(),
        Runner::NodePgMigrate => "-- Down Migration\n".to_string(),
        _ => String::new(),
    }
}

/// How to run a file outside the runner's transaction, when the file
/// cannot say so itself.
fn outside_hint(runner: crate::source::migrations::runner::Runner) -> &'static str {
    use crate::source::migrations::runner::Runner;
    match runner {
        Runner::Diesel => "diesel: `run_in_transaction = false` in the migration's metadata.toml",
        Runner::NodePgMigrate => {
            "node-pg-migrate runs SQL migrations in a transaction: use a JavaScript migration with pgm.noTransaction()"
        }
        Runner::Drizzle => "Drizzle runs every pending migration in one transaction: apply it by hand",
        _ => "Flyway: executeInTransaction=false, Rails: disable_ddl_transaction!",
    }
}

fn write_changes(out: &mut String, changes: &[&Change]) {
    for c in changes {
        for f in &c.fixes {
            for (i, line) in f.lines().enumerate() {
                let _ = writeln!(out, "-- {}{line}", if i == 0 { "" } else { "  " });
            }
        }
        if let Some(note) = &c.note {
            for line in note.lines() {
                let _ = writeln!(out, "-- {line}");
            }
        }
        let _ = writeln!(out, "{}\n", c.sql);
    }
}

fn write_skipped(out: &mut String, plan: &Plan) {
    let title = format!(
        "-- Not fixed here: {} finding(s) whose usual fix is not safe for this schema.",
        plan.skipped.len()
    );
    write_left_out(out, &title, &plan.skipped, "why");
}

/// The unsafe fixes left out, for the reviewer: what each would change.
fn write_held(out: &mut String, plan: &Plan) {
    let title = format!(
        "-- Not written: {} finding(s) whose fix changes what some callers can do;\n-- `pgvet fix --unsafe-fixes` writes them, each with this comment.",
        plan.held.len()
    );
    write_left_out(out, &title, &plan.held, "would change");
}

/// A commented list of findings the file does not fix, each with `label`
/// and its reason.
fn write_left_out(out: &mut String, title: &str, list: &[Skipped], label: &str) {
    if list.is_empty() {
        return;
    }
    let _ = writeln!(out, "{title}");
    for s in list {
        let _ = writeln!(out, "-- {}: {}: {}", s.rule, s.object, s.message);
        let _ = writeln!(out, "--   {label}: {}", s.reason);
    }
    out.push('\n');
}

#[cfg(test)]
mod tests;

/// The object a remedy is about, as findings name it.
fn remedy_object(remedy: &Remedy) -> String {
    match remedy {
        Remedy::IndexForeignKey { table, .. }
        | Remedy::DropIndex { table, .. }
        | Remedy::EnableRls { table }
        | Remedy::KeepAccessWithRls { table, .. }
        | Remedy::WrapPolicyCalls { table, .. }
        | Remedy::DefaultNow { table, .. }
        | Remedy::ResetOption { table, .. } => table.to_string(),
        Remedy::PinSearchPath { function, .. } | Remedy::RevokeExecute { function, .. } => {
            function.to_string()
        }
        Remedy::SecurityInvoker { view } => view.to_string(),
    }
}
