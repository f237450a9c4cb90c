//! PL/pgSQL function bodies as PostgreSQL's own PL/pgSQL parser (libpg_query)
//! sees them, for rules that read what a function does.
//!
//! [`parse_statement`] hands a CREATE FUNCTION statement to
//! [`pgffi::parse_plpgsql`]; the parser returns JSON and the helpers here walk
//! it (statements, IF chains, assignments, datums) and parse the SQL embedded
//! in it with pg_query. `catalog::body` rebuilds that statement from a
//! catalog `Function` (either source), parses it once and keeps the result.

use pg_query::protobuf::{self as pb, Node};
use pg_query::NodeEnum;
use serde_json::{Map, Value};

use super::{ast, pgffi};

/// Nesting deeper than this in the parser's JSON is not walked.
const MAX_DEPTH: usize = 64;

/// A scalar variable of the body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Var<'a> {
    pub dno: u64,
    /// The type as the parser recorded it (`text`, `int4`, ...).
    pub type_name: &'a str,
    /// The `DECLARE ... := value` expression.
    pub default: Option<&'a str>,
}

/// The value side of an assignment's text: the parser keeps the whole
/// `target := value` (or `target = value`).
pub fn assignment_value(text: &str) -> &str {
    match text.find(":=") {
        Some(i) => text.get(i + 2..).unwrap_or(text),
        None => text
            .find('=')
            .and_then(|i| text.get(i + 1..))
            .unwrap_or(text),
    }
    .trim()
}

/// A parsed PL/pgSQL function: the `PLpgSQL_function` object of the JSON.
#[derive(Debug, Clone, PartialEq)]
pub struct Body {
    root: Value,
}

/// Parses the body of a `DO` block (PL/pgSQL), as the body of a function
/// without arguments that returns nothing.
pub fn parse_do_body(body: &str) -> Result<Body, String> {
    parse_body(body, |body| {
        let tag = (0..)
            .map(|i| format!("$pgvet_do{i}$"))
            .find(|t| !body.contains(t.as_str()))
            .unwrap_or_default();
        format!("create function pgvet_do() returns void language plpgsql as {tag}{body}{tag}")
    })
}

/// Parses the CREATE FUNCTION statement `statement` builds around `body`.
///
/// libpg_query's PL/pgSQL parser looks declared types up in a stand-in
/// catalog that knows only the `public` and `pg_catalog` schemas, so
/// `DECLARE v app.mood;` fails there although PostgreSQL accepts it. The
/// types' names do not change which statements the body runs: when that is
/// the failure, the body is parsed again with those schema qualifiers
/// blanked out (same length, so every line and column holds).
pub fn parse_body(body: &str, statement: impl Fn(&str) -> String) -> Result<Body, String> {
    match parse_statement(&statement(body)) {
        Err(e) if e.contains("LookupExplicitNamespace") => {
            let Some(plain) = without_type_schemas(body) else {
                return Err(e);
            };
            parse_statement(&statement(&plain)).map_err(|_| e)
        }
        other => other,
    }
}

/// `body` with the schema qualifier of each type in its DECLARE sections
/// replaced by spaces (`v app.mood;` reads `v     mood;`), except `public`
/// and `pg_catalog`, which the parser knows. Only the type part of a
/// declaration is touched: not its default, not a cursor's query. None
/// when there is nothing to blank or the body does not scan.
fn without_type_schemas(body: &str) -> Option<String> {
    use pg_query::protobuf::{KeywordKind, Token};
    let tokens = crate::sql::scan_tokens(body).ok()?;
    let toks: Vec<(Token, bool, usize, usize)> = tokens
        .iter()
        .filter_map(|t| {
            let kind = Token::try_from(t.token).ok()?;
            let name = KeywordKind::try_from(t.keyword_kind)
                .is_ok_and(|keyword| super::is_name_token(kind, keyword));
            let start = usize::try_from(t.start).ok()?;
            let end = usize::try_from(t.end).ok()?;
            (!matches!(kind, Token::SqlComment | Token::CComment))
                .then_some((kind, name, start, end))
        })
        .collect();
    let mut out = body.as_bytes().to_vec();
    let mut changed = false;
    let mut in_declare = false;
    // Position in the current declaration; None past its type part.
    let mut at: Option<usize> = None;
    for (i, &(kind, name, start, _)) in toks.iter().enumerate() {
        match kind {
            Token::Declare => {
                in_declare = true;
                at = Some(0);
                continue;
            }
            Token::BeginP => {
                in_declare = false;
                continue;
            }
            Token::Ascii59 => {
                at = Some(0);
                continue;
            }
            Token::ColonEquals | Token::Ascii61 | Token::Default | Token::For => {
                at = None;
                continue;
            }
            _ => {}
        }
        if !in_declare {
            continue;
        }
        let Some(n) = at else { continue };
        at = Some(n + 1);
        // `name [CONSTANT] schema.type`: a qualified name after the variable's.
        let dot = toks.get(i + 1).is_some_and(|t| t.0 == Token::Ascii46);
        let type_name = toks.get(i + 2).is_some_and(|t| t.1);
        let after = toks.get(i + 3).map(|t| t.0);
        if n == 0 || !name || !dot || !type_name {
            continue;
        }
        if matches!(
            after,
            Some(Token::Ascii37 | Token::Ascii46 | Token::Ascii40)
        ) {
            continue; // `t.col%type`, a three-part name, a call
        }
        let Some(&(_, _, _, dot_end)) = toks.get(i + 1) else {
            continue;
        };
        let schema = body
            .get(start..dot_end.saturating_sub(1))
            .unwrap_or_default();
        let folded = match schema.strip_prefix('"').and_then(|q| q.strip_suffix('"')) {
            Some(quoted) => quoted.to_string(),
            None => schema.to_ascii_lowercase(),
        };
        if folded == "public" || folded == "pg_catalog" {
            continue;
        }
        for b in out.get_mut(start..dot_end).into_iter().flatten() {
            *b = b' ';
        }
        changed = true;
    }
    if !changed {
        return None;
    }
    String::from_utf8(out).ok()
}

/// What a PL/pgSQL DO block runs whatever the data is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DoPlan {
    /// The SQL it runs, in order, with whether the text is the block's own
    /// (`true`: found in the body as written) or a string computed from
    /// constants (`EXECUTE format(...)`), and the role whose existence it
    /// runs under, if any.
    pub statements: Vec<(String, bool, Option<RoleGuard>)>,
    /// Loops over a catalog query that only run EXECUTE, each with the
    /// number of `statements` before it.
    pub loops: Vec<(usize, CatalogLoop)>,
    /// Whether that is all the block does.
    pub whole: bool,
}

/// `FOR v IN SELECT col FROM <catalog view> WHERE a = '..' AND ... LOOP
/// EXECUTE ...; END LOOP`: the multi-tenant and clean-up idiom (drop every
/// policy of a table, alter the same table in every schema). The replay
/// answers the query from the model and runs the EXECUTEs once per row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogLoop {
    /// The loop variable (`s`, or the record `pol`).
    pub var: String,
    pub query: CatalogQuery,
    /// The string expressions the body EXECUTEs, in order.
    pub executes: Vec<String>,
}

/// `SELECT column FROM relation WHERE c1 = 'v1' AND ...` on a catalog view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogQuery {
    /// As written, without `pg_catalog.`: `pg_policies`, `pg_tables`,
    /// `information_schema.tables`, `information_schema.schemata`.
    pub relation: String,
    pub column: String,
    pub filters: Vec<(String, String)>,
}

/// The catalog query a `FOR ... IN` loop reads, when it has that shape.
fn catalog_query(sql: &str) -> Option<CatalogQuery> {
    let NodeEnum::SelectStmt(select) = sql_statement(sql)? else {
        return None;
    };
    let plain = select.with_clause.is_none()
        && select.having_clause.is_none()
        && select.limit_count.is_none()
        && select.values_lists.is_empty()
        && select.op() == pb::SetOperation::SetopNone;
    if !plain {
        return None;
    }
    let [target] = select.target_list.as_slice() else {
        return None;
    };
    let Some(NodeEnum::ResTarget(rt)) = &target.node else {
        return None;
    };
    let column = column_ref(rt.val.as_deref()?)?.last()?.clone();
    let [from] = select.from_clause.as_slice() else {
        return None;
    };
    let Some(NodeEnum::RangeVar(rv)) = &from.node else {
        return None;
    };
    let relation = match (rv.schemaname.as_str(), rv.relname.as_str()) {
        ("" | "pg_catalog", name @ ("pg_policies" | "pg_tables")) => name.to_string(),
        ("information_schema", name @ ("tables" | "schemata")) => {
            format!("information_schema.{name}")
        }
        _ => return None,
    };
    let mut filters = Vec::new();
    if let Some(w) = select.where_clause.as_deref() {
        let conjuncts: Vec<&Node> = match &w.node {
            Some(NodeEnum::BoolExpr(b)) if b.boolop == pb::BoolExprType::AndExpr as i32 => {
                b.args.iter().collect()
            }
            _ => vec![w],
        };
        for c in conjuncts {
            let (left, right) = equality(c)?;
            let (col, value) = match (column_ref(left), column_ref(right)) {
                (Some(col), None) => (col, super::expr::constant_text(right)?),
                (None, Some(col)) => (col, super::expr::constant_text(left)?),
                _ => return None,
            };
            filters.push((col.last()?.clone(), value));
        }
    }
    // Unfiltered, the query also returns PostgreSQL's own tables and
    // schemas, which the model does not hold.
    if filters.is_empty() {
        return None;
    }
    Some(CatalogQuery {
        relation,
        column,
        filters,
    })
}

/// A `FOR v IN <catalog query> LOOP` whose body only runs EXECUTE of a
/// string (and messages).
fn catalog_loop(body: &Body, s: &Stmt<'_>) -> Option<CatalogLoop> {
    let query = catalog_query(s.expr("query")?)?;
    let targets = s.loop_targets();
    let [dno] = targets.as_slice() else {
        return None;
    };
    let var = match body.datum(*dno) {
        Datum::Var(name) | Datum::Rec(name) => name.to_string(),
        _ => return None,
    };
    let mut executes = Vec::new();
    for inner in stmt_list(s.node.get("body")) {
        match inner.kind {
            "dynexecute" if !inner.has_using() => executes.push(inner.query()?.to_string()),
            "raise" | "null" => {}
            _ => return None,
        }
    }
    Some(CatalogLoop {
        var,
        query,
        executes,
    })
}

/// `IF [NOT] EXISTS (SELECT ... FROM pg_roles WHERE rolname = 'x')`: the
/// guarded statements run only when role `x` exists (`exists`) or does not.
/// Unlike an object the guarded statements create, the role is not made by
/// them, so the replay asks the model whether it exists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleGuard {
    pub role: String,
    pub exists: bool,
}

/// The statements a DO block runs whatever the data is: its plain SQL
/// statements, those inside BEGIN ... EXCEPTION (the idempotent-migration
/// idiom: the handler runs only when the object exists already), those
/// under `IF [NOT] EXISTS (<catalog query>)` without ELSE (a guard that only
/// asks whether the object exists, so the object exists afterwards either
/// way), and EXECUTE of a constant string or of format() with constant
/// arguments. Anything else (loops, other conditions, strings built from
/// variables) makes the plan partial. None when the body does not parse.
pub fn do_block_plan(body: &str) -> Option<DoPlan> {
    let parsed = parse_do_body(body).ok()?;
    let block = parsed.block()?;
    let mut plan = DoPlan {
        statements: Vec::new(),
        loops: Vec::new(),
        whole: true,
    };
    let mut queue: Vec<(Stmt<'_>, Option<RoleGuard>)> = block
        .block_body()
        .into_iter()
        .rev()
        .map(|s| (s, None))
        .collect();
    while let Some((s, guard)) = queue.pop() {
        match s.kind {
            "block" => queue.extend(s.block_body().into_iter().rev().map(|b| (b, guard.clone()))),
            "execsql" => match s.query() {
                Some(sql) => plan.statements.push((sql.to_string(), true, guard)),
                None => plan.whole = false,
            },
            "dynexecute" if !s.has_using() => {
                let text = s
                    .query()
                    .and_then(super::expr::parse)
                    .and_then(|e| super::expr::constant_text(&e));
                match text {
                    Some(sql) => plan.statements.push((sql, false, guard)),
                    None => plan.whole = false,
                }
            }
            "if" => match s.if_chain() {
                Some(chain) if chain.else_body.is_none() && chain.arms.len() == 1 => {
                    let Some(arm) = chain.arms.into_iter().next() else {
                        plan.whole = false;
                        continue;
                    };
                    let inner = match (role_guard(arm.cond), &guard) {
                        // One role condition at a time.
                        (Some(_), Some(_)) => {
                            plan.whole = false;
                            continue;
                        }
                        (Some(role), None) => Some(role),
                        (None, _) if is_existence_guard(arm.cond) => guard.clone(),
                        (None, _) => {
                            plan.whole = false;
                            continue;
                        }
                    };
                    queue.extend(arm.body.into_iter().rev().map(|b| (b, inner.clone())));
                }
                _ => plan.whole = false,
            },
            "fors" if guard.is_none() => match catalog_loop(&parsed, &s) {
                Some(l) => plan.loops.push((plan.statements.len(), l)),
                None => plan.whole = false,
            },
            // Messages and no-ops change nothing.
            "raise" | "null" | "return" => {}
            _ => plan.whole = false,
        }
    }
    Some(plan)
}

/// `[NOT] EXISTS (SELECT ... FROM pg_roles WHERE rolname = 'x')` (also
/// `pg_user` / `usename`, `pg_authid`), alone.
fn role_guard(cond: &str) -> Option<RoleGuard> {
    let (negated, node) = exists_condition(cond)?;
    let Some(NodeEnum::SubLink(link)) = &node.node else {
        return None;
    };
    let Some(NodeEnum::SelectStmt(select)) =
        link.subselect.as_deref().and_then(|n| n.node.as_ref())
    else {
        return None;
    };
    let [from] = select.from_clause.as_slice() else {
        return None;
    };
    let Some(NodeEnum::RangeVar(rv)) = &from.node else {
        return None;
    };
    let catalog = rv.schemaname.is_empty() || rv.schemaname == "pg_catalog";
    if !catalog || !matches!(rv.relname.as_str(), "pg_roles" | "pg_user" | "pg_authid") {
        return None;
    }
    // WHERE rolname = 'x' (or usename), nothing else.
    let Some(NodeEnum::AExpr(eq)) = select.where_clause.as_deref().and_then(|w| w.node.as_ref())
    else {
        return None;
    };
    if eq.kind != pb::AExprKind::AexprOp as i32
        || super::ast::strings(&eq.name).last().map(String::as_str) != Some("=")
    {
        return None;
    }
    let column = |n: &pb::Node| match &n.node {
        Some(NodeEnum::ColumnRef(c)) => super::ast::strings(&c.fields).last().cloned(),
        _ => None,
    };
    let (left, right) = (eq.lexpr.as_deref()?, eq.rexpr.as_deref()?);
    let role = match (column(left), column(right)) {
        (Some(c), None) if matches!(c.as_str(), "rolname" | "usename") => {
            super::ast::const_text(right)?
        }
        (None, Some(c)) if matches!(c.as_str(), "rolname" | "usename") => {
            super::ast::const_text(left)?
        }
        _ => return None,
    };
    Some(RoleGuard {
        role,
        exists: !negated,
    })
}

/// A condition that is `[NOT] EXISTS (<subquery>)` and nothing else: whether
/// it is negated, and the EXISTS sublink.
fn exists_condition(cond: &str) -> Option<(bool, Node)> {
    let mut node = *super::expr::parse(cond)?;
    let mut negated = false;
    if let Some(NodeEnum::BoolExpr(b)) = &mut node.node {
        if b.boolop == pb::BoolExprType::NotExpr as i32 && b.args.len() == 1 {
            let inner = b.args.pop()?;
            node = inner;
            negated = true;
        }
    }
    match &node.node {
        Some(NodeEnum::SubLink(link))
            if link.sub_link_type == pb::SubLinkType::ExistsSublink as i32 =>
        {
            Some((negated, node))
        }
        _ => None,
    }
}

/// `[NOT] EXISTS (SELECT ... FROM <a catalog>)`, alone: a condition that
/// only asks whether an object exists. Running the guarded statements
/// either way gives the model PostgreSQL ends with: the object, created
/// unless it was there.
fn is_existence_guard(cond: &str) -> bool {
    let Some((_, node)) = exists_condition(cond) else {
        return false;
    };
    let relations = super::expr::relations(&node);
    !relations.is_empty()
        && relations.iter().all(|(schema, name, _)| {
            matches!(schema.as_deref(), Some("pg_catalog" | "information_schema"))
                || (schema.is_none()
                    && (name.starts_with("pg_") || name.starts_with("information_schema")))
        })
}

/// Parses a whole CREATE FUNCTION ... LANGUAGE plpgsql statement.
pub fn parse_statement(sql: &str) -> Result<Body, String> {
    let json = pgffi::parse_plpgsql(sql).map_err(|e| e.message)?;
    let root = json
        .as_array()
        .and_then(|funcs| funcs.first())
        .and_then(|f| f.get("PLpgSQL_function"))
        .cloned()
        .ok_or_else(|| "libpg_query returned no PL/pgSQL function".to_string())?;
    Ok(Body { root })
}

/// The one key of a `{"PLpgSQL_x": {...}}` wrapper and its object.
fn wrapped(v: &Value) -> Option<(&str, &Map<String, Value>)> {
    let obj = v.as_object()?;
    if obj.len() != 1 {
        return None;
    }
    let (k, inner) = obj.iter().next()?;
    Some((k.as_str(), inner.as_object()?))
}

/// A field that libpg_query leaves out when it is 0.
fn number(obj: &Map<String, Value>, key: &str) -> u64 {
    obj.get(key).and_then(Value::as_u64).unwrap_or(0)
}

/// The SQL text of a `{"PLpgSQL_expr": {"query": ...}}` field.
fn expr_text<'a>(obj: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    obj.get(key)?.get("PLpgSQL_expr")?.get("query")?.as_str()
}

/// A variable, record or record field of the function (`datums`, by number).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Datum<'a> {
    /// A scalar variable (arguments, DECLAREd variables, `TG_OP`, ...).
    Var(&'a str),
    /// A record or row variable (`NEW`, `OLD`, `r record`).
    Rec(&'a str),
    /// A field of a record: (record's datum number, field name).
    RecField(u64, &'a str),
    Other,
}

/// One PL/pgSQL statement (`PLpgSQL_stmt_<kind>`).
#[derive(Debug, Clone, Copy)]
pub struct Stmt<'a> {
    /// The statement type without the `PLpgSQL_stmt_` prefix: `if`, `assign`,
    /// `execsql`, `dynexecute`, `return`, `perform`, `fors`, `block`, ...
    pub kind: &'a str,
    node: &'a Map<String, Value>,
}

impl<'a> Stmt<'a> {
    /// The statement's line, 1-based, counted from the start of the body.
    pub fn line(&self) -> Option<usize> {
        self.node
            .get("lineno")
            .and_then(Value::as_u64)
            .and_then(|l| usize::try_from(l).ok())
    }

    /// The SQL text of an expression field (`cond`, `expr`, `query`, `sqlstmt`).
    pub fn expr(&self, key: &str) -> Option<&'a str> {
        expr_text(self.node, key)
    }

    /// The SQL statement an `execsql` runs, or the string expression an
    /// `EXECUTE` (`dynexecute`) evaluates.
    pub fn query(&self) -> Option<&'a str> {
        match self.kind {
            "execsql" => self.expr("sqlstmt"),
            "dynexecute" | "dynfors" | "return_query" => {
                self.expr("query").or_else(|| self.expr("dynquery"))
            }
            _ => self.expr("query"),
        }
    }

    /// The string expression a dynamic statement runs: `EXECUTE`, `FOR ...
    /// IN EXECUTE`, `RETURN QUERY EXECUTE`, `OPEN ... FOR EXECUTE`.
    pub fn dynamic_query(&self) -> Option<&'a str> {
        match self.kind {
            "dynexecute" | "dynfors" => self.expr("query"),
            "return_query" | "open" => self.expr("dynquery"),
            _ => None,
        }
    }

    /// The datums a loop assigns to on each iteration (`FOR v IN ...`).
    pub fn loop_targets(&self) -> Vec<u64> {
        let Some(var) = self.node.get("var") else {
            return Vec::new();
        };
        target_datums(var)
    }

    /// Whether an `EXECUTE` passes parameters with `USING`.
    pub fn has_using(&self) -> bool {
        self.node
            .get("params")
            .and_then(Value::as_array)
            .is_some_and(|p| !p.is_empty())
    }

    /// The datum an assignment (`x := ...`, `NEW.f := ...`) writes.
    pub fn assigned(&self) -> Option<u64> {
        (self.kind == "assign").then(|| number(self.node, "varno"))
    }

    /// The datums an `INTO` clause writes (`SELECT ... INTO a, b`).
    pub fn into_targets(&self) -> Vec<u64> {
        let Some(target) = self.node.get("target") else {
            return Vec::new();
        };
        let into = self.node.get("into").and_then(Value::as_bool);
        if into != Some(true) {
            return Vec::new();
        }
        target_datums(target)
    }

    /// The IF/ELSIF/ELSE chain of an `if` statement.
    pub fn if_chain(&self) -> Option<IfChain<'a>> {
        if self.kind != "if" {
            return None;
        }
        let mut arms = vec![Arm {
            cond: self.expr("cond").unwrap_or_default(),
            line: self.line(),
            body: stmt_list(self.node.get("then_body")),
        }];
        for elsif in self
            .node
            .get("elsif_list")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(("PLpgSQL_if_elsif", e)) = wrapped(elsif) {
                arms.push(Arm {
                    cond: expr_text(e, "cond").unwrap_or_default(),
                    line: e
                        .get("lineno")
                        .and_then(Value::as_u64)
                        .and_then(|l| usize::try_from(l).ok()),
                    body: stmt_list(e.get("stmts")),
                });
            }
        }
        // libpg_query omits empty lists: an ELSE with no statement reads as no
        // ELSE, which behaves the same.
        let else_body = self
            .node
            .get("else_body")
            .map(|v| stmt_list(Some(v)))
            .filter(|b| !b.is_empty());
        Some(IfChain { arms, else_body })
    }

    /// The statements of a `block` (BEGIN ... END) that run when nothing
    /// fails: its body without its exception handlers.
    pub fn block_body(&self) -> Vec<Stmt<'a>> {
        if self.kind == "block" {
            stmt_list(self.node.get("body"))
        } else {
            Vec::new()
        }
    }

    /// The statements directly inside this one (branches, loop bodies,
    /// exception handlers), in order.
    pub fn children(&self) -> Vec<Stmt<'a>> {
        let mut out = Vec::new();
        for v in self.node.values() {
            collect_stmts(v, 0, false, &mut out);
        }
        out
    }
}

/// One `IF` or `ELSIF` arm.
#[derive(Debug, Clone)]
pub struct Arm<'a> {
    pub cond: &'a str,
    pub line: Option<usize>,
    pub body: Vec<Stmt<'a>>,
}

#[derive(Debug, Clone)]
pub struct IfChain<'a> {
    pub arms: Vec<Arm<'a>>,
    pub else_body: Option<Vec<Stmt<'a>>>,
}

fn stmt_list(v: Option<&Value>) -> Vec<Stmt<'_>> {
    v.and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(as_stmt)
        .collect()
}

fn as_stmt(v: &Value) -> Option<Stmt<'_>> {
    let (key, node) = wrapped(v)?;
    let kind = key.strip_prefix("PLpgSQL_stmt_")?;
    Some(Stmt { kind, node })
}

/// Statements found under `v`: with `deep`, every statement at any depth
/// (pre-order); without, only the first statement on each path.
fn collect_stmts<'a>(v: &'a Value, depth: usize, deep: bool, out: &mut Vec<Stmt<'a>>) {
    if depth > MAX_DEPTH {
        return;
    }
    match v {
        Value::Array(items) => {
            for item in items {
                collect_stmts(item, depth + 1, deep, out);
            }
        }
        Value::Object(obj) => {
            if let Some(stmt) = as_stmt(v) {
                out.push(stmt);
                if !deep {
                    return;
                }
                for child in stmt.node.values() {
                    collect_stmts(child, depth + 1, deep, out);
                }
                return;
            }
            // Expressions hold SQL text, not statements.
            if obj.contains_key("PLpgSQL_expr") {
                return;
            }
            for child in obj.values() {
                collect_stmts(child, depth + 1, deep, out);
            }
        }
        _ => {}
    }
}

impl Body {
    /// The SQL text of every expression and statement in the body (IF
    /// conditions, assignments, embedded statements, EXECUTE strings,
    /// DECLARE defaults), in no particular order.
    pub fn sql_texts(&self) -> Vec<&str> {
        fn walk<'a>(v: &'a Value, depth: usize, out: &mut Vec<&'a str>) {
            if depth > MAX_DEPTH {
                return;
            }
            match v {
                Value::Array(items) => items.iter().for_each(|i| walk(i, depth + 1, out)),
                Value::Object(obj) => {
                    if let Some(q) = obj
                        .get("PLpgSQL_expr")
                        .and_then(|e| e.get("query"))
                        .and_then(Value::as_str)
                    {
                        out.push(q);
                        return;
                    }
                    obj.values().for_each(|c| walk(c, depth + 1, out));
                }
                _ => {}
            }
        }
        let mut out = Vec::new();
        walk(&self.root, 0, &mut out);
        out
    }

    /// The function's outer block.
    pub fn block(&self) -> Option<Stmt<'_>> {
        self.root.get("action").and_then(as_stmt)
    }

    /// Every statement of the body at any depth, in source order (pre-order).
    pub fn statements(&self) -> Vec<Stmt<'_>> {
        let mut out = Vec::new();
        if let Some(action) = self.root.get("action") {
            collect_stmts(action, 0, true, &mut out);
        }
        out
    }

    /// Datum number `dno` (variables, records and fields, as numbered by the parser).
    pub fn datum(&self, dno: u64) -> Datum<'_> {
        let Some(d) = self
            .root
            .get("datums")
            .and_then(Value::as_array)
            .and_then(|ds| ds.get(usize::try_from(dno).ok()?))
        else {
            return Datum::Other;
        };
        fn name(o: &Map<String, Value>) -> &str {
            o.get("refname").and_then(Value::as_str).unwrap_or("")
        }
        match wrapped(d) {
            Some(("PLpgSQL_var", o)) => Datum::Var(name(o)),
            Some(("PLpgSQL_rec" | "PLpgSQL_row", o)) => Datum::Rec(name(o)),
            Some(("PLpgSQL_recfield", o)) => Datum::RecField(
                number(o, "recparentno"),
                o.get("fieldname").and_then(Value::as_str).unwrap_or(""),
            ),
            _ => Datum::Other,
        }
    }

    /// The variable `name` (an argument or a DECLAREd variable; the last
    /// one declared when blocks shadow each other).
    pub fn variable(&self, name: &str) -> Option<Var<'_>> {
        let datums = self.root.get("datums").and_then(Value::as_array)?;
        datums
            .iter()
            .enumerate()
            .rev()
            .find_map(|(i, d)| match wrapped(d) {
                Some(("PLpgSQL_var", o))
                    if o.get("refname").and_then(Value::as_str) == Some(name) =>
                {
                    Some(Var {
                        dno: u64::try_from(i).ok()?,
                        type_name: o
                            .get("datatype")
                            .and_then(|t| t.get("PLpgSQL_type"))
                            .and_then(|t| t.get("typname"))
                            .and_then(Value::as_str)
                            .unwrap_or(""),
                        default: expr_text(o, "default_val"),
                    })
                }
                _ => None,
            })
    }

    /// The values assigned to datum `dno` with `:=` anywhere in the body.
    pub fn assigned_values(&self, dno: u64) -> Vec<&str> {
        self.statements()
            .into_iter()
            .filter(|s| s.assigned() == Some(dno))
            .filter_map(|s| s.expr("expr").map(assignment_value))
            .collect()
    }

    /// Whether datum `dno` is written other than by `:=`: by `INTO` or as a loop variable.
    pub fn is_read_into(&self, dno: u64) -> bool {
        self.statements()
            .iter()
            .any(|s| s.into_targets().contains(&dno) || s.loop_targets().contains(&dno))
    }

    /// The datum number of `NEW` in a trigger function.
    pub fn new_varno(&self) -> Option<u64> {
        self.record_named("new")
    }

    /// The datum number of `OLD` in a trigger function.
    pub fn old_varno(&self) -> Option<u64> {
        self.record_named("old")
    }

    fn record_named(&self, name: &str) -> Option<u64> {
        let datums = self.root.get("datums").and_then(Value::as_array)?;
        datums
            .iter()
            .enumerate()
            .find_map(|(i, d)| match wrapped(d) {
                Some(("PLpgSQL_rec", o))
                    if o.get("refname").and_then(Value::as_str) == Some(name) =>
                {
                    u64::try_from(i).ok()
                }
                _ => None,
            })
    }

    /// Whether `stmt` writes field `field` of `NEW` (`NEW.field := ...`,
    /// `SELECT ... INTO NEW.field`) or the whole of `NEW` (`NEW := ...`).
    pub fn writes_new_field(&self, stmt: &Stmt<'_>, field: &str) -> bool {
        let Some(new) = self.new_varno() else {
            return false;
        };
        stmt.assigned()
            .into_iter()
            .chain(stmt.into_targets())
            .any(|dno| {
                dno == new
                    || matches!(self.datum(dno), Datum::RecField(parent, f) if parent == new && f == field)
            })
    }
}

/// Parses one SQL statement embedded in the body (`UPDATE ...` of an
/// `execsql`); None if it does not parse.
pub fn sql_statement(text: &str) -> Option<NodeEnum> {
    let parsed = pgffi::parse(text).ok()?;
    parsed.stmts.into_iter().next()?.stmt?.node
}

/// Parses one expression of the body (an IF condition, an EXECUTE string).
pub fn sql_expr(text: &str) -> Option<Box<Node>> {
    super::expr::parse(text)
}

/// An `UPDATE` statement embedded in a body.
#[derive(Debug, Clone)]
pub struct Update {
    /// The table as written: (schema, name).
    pub table: (Option<String>, String),
    /// The alias (`UPDATE t AS p`), if any.
    pub alias: Option<String>,
    /// `SET column = value`, in order (`SET (a, b) = ...` gives one entry per column, no value).
    pub sets: Vec<(String, Option<Node>)>,
    pub where_clause: Option<Node>,
}

/// The `UPDATE` that an embedded SQL statement is, if it is one.
pub fn update(text: &str) -> Option<Update> {
    let NodeEnum::UpdateStmt(u) = sql_statement(text)? else {
        return None;
    };
    let rv = u.relation.as_ref()?;
    let table = ast::range_var_name(rv);
    let alias = rv
        .alias
        .as_ref()
        .map(|a| a.aliasname.clone())
        .filter(|a| !a.is_empty());
    let sets = u
        .target_list
        .iter()
        .filter_map(|t| match &t.node {
            Some(NodeEnum::ResTarget(rt)) => Some((
                rt.name.clone(),
                rt.val
                    .as_deref()
                    .filter(|v| !matches!(v.node, Some(NodeEnum::MultiAssignRef(_))))
                    .cloned(),
            )),
            _ => None,
        })
        .collect();
    Some(Update {
        table,
        alias,
        sets,
        where_clause: u.where_clause.as_deref().cloned(),
    })
}

/// A column reference's name parts (`[new, collection_id]`), if `node` is one.
pub fn column_ref(node: &Node) -> Option<Vec<String>> {
    match &node.node {
        Some(NodeEnum::ColumnRef(c)) => {
            let parts = ast::strings(&c.fields);
            (parts.len() == c.fields.len()).then_some(parts)
        }
        _ => None,
    }
}

/// `NEW.col` / `OLD.col` as ("new" | "old", col).
pub fn row_field(node: &Node) -> Option<(&'static str, String)> {
    match column_ref(node)?.as_slice() {
        [rec, col] if rec == "new" => Some(("new", col.clone())),
        [rec, col] if rec == "old" => Some(("old", col.clone())),
        _ => None,
    }
}

/// Every `NEW.col` / `OLD.col` under `node`.
pub fn row_fields(node: &Node) -> Vec<(&'static str, String)> {
    node.node
        .as_ref()
        .map(|n| {
            ast::descendants(n)
                .into_iter()
                .filter_map(|d| match d {
                    pg_query::NodeRef::ColumnRef(c) => {
                        let parts = ast::strings(&c.fields);
                        match parts.as_slice() {
                            [rec, col] if rec == "new" => Some(("new", col.clone())),
                            [rec, col] if rec == "old" => Some(("old", col.clone())),
                            _ => None,
                        }
                    }
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The operands of `a = b` (an `A_Expr` with operator `=`).
pub fn equality(node: &Node) -> Option<(&Node, &Node)> {
    match &node.node {
        Some(NodeEnum::AExpr(e))
            if e.kind() == pb::AExprKind::AexprOp && ast::strings(&e.name) == ["="] =>
        {
            Some((e.lexpr.as_deref()?, e.rexpr.as_deref()?))
        }
        _ => None,
    }
}

/// The datums a target writes: each field of a row (`a, b`), or the one
/// variable or record.
fn target_datums(target: &Value) -> Vec<u64> {
    match wrapped(target) {
        Some(("PLpgSQL_row", row)) => row
            .get("fields")
            .and_then(Value::as_array)
            .map(|fields| {
                fields
                    .iter()
                    .filter_map(|f| f.get("varno").map(|v| v.as_u64().unwrap_or(0)))
                    .collect()
            })
            .unwrap_or_default(),
        Some((_, datum)) => vec![number(datum, "dno")],
        None => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_schemas_are_blanked_in_declarations_only() {
        let body = "declare\n  v app.mood := app.f();\n  w constant \"App\".t;\n  r app.t%rowtype;\n  p public.t;\n  c cursor for select * from app.t;\nbegin\n  insert into app.t values (1);\nend";
        let plain = without_type_schemas(body).expect("something to blank");
        assert_eq!(plain.len(), body.len());
        assert_eq!(
            plain,
            "declare\n  v     mood := app.f();\n  w constant       t;\n  r app.t%rowtype;\n  p public.t;\n  c cursor for select * from app.t;\nbegin\n  insert into app.t values (1);\nend"
        );
        assert_eq!(without_type_schemas("declare v int; begin null; end"), None);
    }

    #[test]
    fn do_blocks_with_types_of_any_schema_parse() {
        let body = "declare m app.mood; begin\n  create table app.t (id int);\nend";
        let parsed = parse_do_body(body).expect("parses");
        let stmt = parsed
            .statements()
            .into_iter()
            .find(|s| s.kind == "execsql");
        assert_eq!(
            stmt.and_then(|s| s.query()),
            Some("create table app.t (id int)")
        );
        assert_eq!(stmt.and_then(|s| s.line()), Some(2));
        // A real error is still one.
        assert!(parse_do_body("declare m app.mood; begin retrun; end").is_err());
    }
}
