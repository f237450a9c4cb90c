//! A function's body as the rules read it, whichever source built the
//! function: the CREATE FUNCTION statement is rebuilt from the model (name,
//! arguments, return type, body), parsed once by PostgreSQL's PL/pgSQL parser
//! (`sql::plpgsql`), and the result kept on the function.

use super::{ArgMode, BodyCheck, Function, FunctionKind, Span};
use crate::sql::plpgsql::{parse_body, Body, Stmt};

/// Whether the function is written in PL/pgSQL and has a body to read.
pub fn is_plpgsql(f: &Function) -> bool {
    f.language.as_str() == "plpgsql" && f.body.is_some()
}

/// The CREATE FUNCTION statement for `f` as PostgreSQL would accept it: the
/// name, the arguments (names matter: they are variables in the body), the
/// return type, LANGUAGE plpgsql and the body in a dollar quote whose tag does
/// not occur in it. Type modifiers are dropped (PostgreSQL ignores them on
/// arguments). None without a body.
pub fn create_statement(f: &Function) -> Option<String> {
    Some(create_statement_around(f, f.body.as_deref()?))
}

/// [`create_statement`] with `body` as the body.
fn create_statement_around(f: &Function, body: &str) -> String {
    let mut args = Vec::new();
    let mut table_cols = Vec::new();
    for a in &f.args {
        let ty = for_parser(&a.ty);
        let name = a.name.as_ref().map(|n| format!("{n} ")).unwrap_or_default();
        match a.mode {
            ArgMode::In => args.push(format!("{name}{ty}")),
            ArgMode::Out => args.push(format!("out {name}{ty}")),
            ArgMode::InOut => args.push(format!("inout {name}{ty}")),
            ArgMode::Variadic => args.push(format!("variadic {name}{ty}")),
            ArgMode::Table => table_cols.push(format!("{name}{ty}")),
        }
    }
    let has_out = f
        .args
        .iter()
        .any(|a| matches!(a.mode, ArgMode::Out | ArgMode::InOut));
    let setof = if f.returns_set { "setof " } else { "" };
    let returns = if !table_cols.is_empty() {
        format!(" returns table ({})", table_cols.join(", "))
    } else {
        match &f.returns {
            Some(ty) => format!(" returns {setof}{}", for_parser(ty)),
            // OUT parameters make the result type; a procedure has none.
            None if has_out || f.kind == FunctionKind::Procedure => String::new(),
            None => " returns void".to_string(),
        }
    };
    let what = if f.kind == FunctionKind::Procedure {
        "procedure"
    } else {
        "function"
    };
    let tag = dollar_tag(body);
    format!(
        "create {what} {}({}){returns} language plpgsql as {tag}{body}{tag}",
        f.name,
        args.join(", ")
    )
}

/// A type as written for libpg_query's PL/pgSQL parser, whose stand-in
/// catalog resolves only `public` and `pg_catalog` (`sql::plpgsql::
/// parse_body`): a type of another schema is named in `public`. Modifiers
/// are dropped (PostgreSQL ignores them on arguments).
fn for_parser(ty: &super::TypeName) -> super::TypeName {
    let mut ty = ty.clone();
    ty.mods.clear();
    if !ty.is_builtin() && !matches!(ty.name.schema.as_str(), "public" | "pg_catalog") {
        ty.name.schema = super::Ident::new("public");
    }
    ty
}

/// `$$`, or `$pgvet$`, `$pgvet1$`, ... : the first tag not in `body`.
fn dollar_tag(body: &str) -> String {
    if !body.contains("$$") {
        return "$$".to_string();
    }
    (0..)
        .map(|i| {
            if i == 0 {
                "$pgvet$".to_string()
            } else {
                format!("$pgvet{i}$")
            }
        })
        .find(|t| !body.contains(t.as_str()))
        .unwrap_or_else(|| "$pgvet$".to_string())
}

/// Parses `f`'s body, once: later calls return what the first one parsed
/// (kept in `f.plpgsql`). None when `f` is not a PL/pgSQL function with a
/// body; `Err` carries PostgreSQL's reason when the body does not parse.
pub fn parse(f: &Function) -> Option<Result<&Body, &str>> {
    let parsed = f.plpgsql.get_or_init(|| {
        if !is_plpgsql(f) {
            return None;
        }
        let body = f.body.as_deref()?;
        Some(parse_body(body, |body| create_statement_around(f, body)))
    });
    parsed.as_ref().map(|r| r.as_ref().map_err(String::as_str))
}

/// What PostgreSQL's PL/pgSQL parser makes of `f`'s body: parsed on the
/// first call and kept in `f.body_check`, so that `body-not-analyzed` and the
/// coverage account (`crate::passes::coverage`) read one judgement.
pub fn check(f: &Function) -> &BodyCheck {
    f.body_check.get_or_init(|| match parse(f) {
        None => BodyCheck::NotPlpgsql,
        Some(Err(reason)) => BodyCheck::Unparsed(reason.to_string()),
        Some(Ok(body)) => BodyCheck::Parsed {
            dynamic_sql: body
                .statements()
                .iter()
                .filter(|s| s.dynamic_query().is_some())
                .map(Stmt::line)
                .collect(),
        },
    })
}

/// The file span of line `line` (1-based, counted in the body) of `f`'s
/// body, without its indentation: where a finding about a statement on that
/// line points. None when the body's position in the file is unknown (a
/// quoted '...' body, a live database); use the function's span then.
pub fn line_span(f: &Function, line: usize) -> Option<Span> {
    let body = f.body.as_deref()?;
    let start = f.body_start?;
    let file = f.origin.span()?.file;
    let mut offset = 0usize;
    for (i, text) in body.split_inclusive('\n').enumerate() {
        if i + 1 == line {
            let content = text.trim_end_matches(['\n', '\r']);
            let indent = content.len() - content.trim_start().len();
            let from = start.checked_add(u32::try_from(offset + indent).ok()?)?;
            let to = start.checked_add(u32::try_from(offset + content.len()).ok()?)?;
            return Some(Span {
                file,
                start: from,
                end: to.max(from),
            });
        }
        offset += text.len();
    }
    None
}

/// Where to report something about `stmt` of `f`: its line in the body, or
/// the function's own span.
pub fn stmt_span(f: &Function, line: Option<usize>) -> Option<Span> {
    line.and_then(|l| line_span(f, l))
        .or_else(|| f.origin.span())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{baseline, FileId, Platform, QualifiedName};
    use crate::replay::Replayer;
    use crate::sql::plpgsql::*;
    use crate::sql::split::parse_file;

    fn function(sql: &str, name: &str) -> Function {
        let (stmts, errors) = parse_file(FileId(0), sql);
        assert!(errors.is_empty(), "{errors:?}");
        let mut r = Replayer::new(baseline::catalog(Platform::Supabase));
        r.start_file();
        for s in &stmts {
            r.apply(s);
        }
        r.catalog.functions[&QualifiedName::new("public", name)][0].clone()
    }

    #[test]
    fn a_cached_model_keeps_the_judgement_of_a_body_and_a_rename_clears_it() {
        let mut f = function(
            "create function public.f() returns int language plpgsql as $$ begin retrun 1; end $$;",
            "f",
        );
        let judged = check(&f).clone();
        assert!(matches!(judged, BodyCheck::Unparsed(_)), "{judged:?}");
        // The binary form (a cache file's model) keeps it...
        let bytes = postcard::to_stdvec(&f).unwrap();
        let back: Function = postcard::from_bytes(&bytes).unwrap();
        assert_eq!(back.body_check.get(), Some(&judged));
        // ... and keeps nothing for a function not judged yet.
        let fresh = function(
            "create function public.g() returns int language sql as 'select 1';",
            "g",
        );
        let back: Function = postcard::from_bytes(&postcard::to_stdvec(&fresh).unwrap()).unwrap();
        assert_eq!(back.body_check.get(), None);
        // The human-readable form leaves it out.
        let json = serde_json::to_value(&f).unwrap();
        assert_eq!(json["body_check"], serde_json::Value::Null);
        // A rename: judged again, as part of a statement with the new name.
        f.rename(QualifiedName::new("public", "f2"));
        assert_eq!(f.body_check.get(), None);
        assert_eq!(check(&f), &judged);
    }

    const COUNTER: &str = "create function public.count_assets()
returns trigger
language plpgsql
as $$
begin
  if tg_op = 'INSERT' then
    update public.collections set asset_count = asset_count + 1 where id = new.collection_id;
  elsif tg_op = 'DELETE' then
    update public.collections set asset_count = asset_count - 1 where id = old.collection_id;
  end if;
  new.updated_at := now();
  return null;
end
$$;";

    #[test]
    fn trigger_function_body_parses_through_the_wrapper() {
        // libpg_query writes invalid JSON for trigger functions; pgffi repairs it.
        let f = function(COUNTER, "count_assets");
        assert!(f.returns_trigger());
        let body = parse(&f).unwrap().unwrap();
        let kinds: Vec<&str> = body.statements().iter().map(|s| s.kind).collect();
        assert_eq!(
            kinds,
            ["block", "if", "execsql", "execsql", "assign", "return"]
        );
        assert!(body.new_varno().is_some() && body.old_varno().is_some());
    }

    #[test]
    fn a_body_is_parsed_once_per_function() {
        let f = function(COUNTER, "count_assets");
        assert!(f.plpgsql.get().is_none(), "parsed before it was asked for");
        let first = parse(&f).unwrap().unwrap();
        let again = parse(&f).unwrap().unwrap();
        assert!(std::ptr::eq(first, again), "the body was parsed twice");
        // What the memo holds is what a fresh parse gives.
        let fresh = parse_statement(&create_statement(&f).unwrap()).unwrap();
        assert_eq!(*first, fresh);
    }

    #[test]
    fn if_chain_has_arms_and_no_else() {
        let f = function(COUNTER, "count_assets");
        let body = parse(&f).unwrap().unwrap();
        let chain = body.statements().iter().find_map(|s| s.if_chain()).unwrap();
        let conds: Vec<&str> = chain.arms.iter().map(|a| a.cond).collect();
        assert_eq!(conds, ["tg_op = 'INSERT'", "tg_op = 'DELETE'"]);
        assert!(chain.else_body.is_none());
        let update = update(chain.arms[1].body[0].query().unwrap()).unwrap();
        assert_eq!(update.table, (Some("public".into()), "collections".into()));
        assert_eq!(update.sets[0].0, "asset_count");
        let (l, r) = equality(update.where_clause.as_ref().unwrap()).unwrap();
        assert_eq!(column_ref(l).unwrap(), ["id"]);
        assert_eq!(row_field(r), Some(("old", "collection_id".to_string())));
    }

    #[test]
    fn assignment_to_new_field_is_found() {
        let f = function(COUNTER, "count_assets");
        let body = parse(&f).unwrap().unwrap();
        let stmts = body.statements();
        assert!(stmts.iter().any(|s| body.writes_new_field(s, "updated_at")));
        assert!(!stmts
            .iter()
            .any(|s| body.writes_new_field(s, "asset_count")));
    }

    #[test]
    fn lines_map_back_to_the_file() {
        let f = function(COUNTER, "count_assets");
        let body = parse(&f).unwrap().unwrap();
        let assign = body
            .statements()
            .into_iter()
            .find(|s| s.kind == "assign")
            .unwrap();
        // `new.updated_at := now();` is on line 11 of the file; the body's
        // line 1 is the rest of line 4, after `$$`.
        assert_eq!(assign.line(), Some(8));
        let span = line_span(&f, 8).unwrap();
        let text = &COUNTER[span.start as usize..span.end as usize];
        assert_eq!(text, "new.updated_at := now();");
    }

    #[test]
    fn arguments_are_variables_of_the_body() {
        let f = function(
            "create type public.mood as enum ('ok');
             create function public.f(p_mood public.mood, inout n numeric(10, 2), out msg text)
             language plpgsql as $fn$ begin n := n + 1; msg := p_mood::text || '$$'; end $fn$;",
            "f",
        );
        let sql = create_statement(&f).unwrap();
        assert!(sql.contains("$pgvet$"), "{sql}");
        assert!(parse(&f).unwrap().is_ok(), "{sql}: {:?}", parse(&f));
    }

    #[test]
    fn returns_table_columns_are_variables_too() {
        let f = function(
            "create function public.g() returns table (id int, label text)
             language plpgsql as 'begin id := 1; label := ''x''; return next; end';",
            "g",
        );
        assert!(parse(&f).unwrap().is_ok(), "{:?}", create_statement(&f));
        // A quoted body has no file position: findings use the function's span.
        assert!(line_span(&f, 1).is_none());
    }

    #[test]
    fn unparseable_body_gives_postgres_reason() {
        let f = function(
            "create function public.h() returns int language plpgsql as $$ begin retrun 1; end $$;",
            "h",
        );
        let err = parse(&f).unwrap().unwrap_err();
        assert!(err.contains("syntax error"), "{err}");
    }

    #[test]
    fn variables_defaults_and_assignments() {
        let f = function(
            "create function public.v(p_where text) returns void language plpgsql as $$
             declare v_sql text := 'select 1'; n int;
             begin
               v_sql := v_sql || p_where;
               select count(*) into n from public.t;
               execute v_sql;
             end $$;",
            "v",
        );
        let body = parse(&f).unwrap().unwrap();
        let v = body.variable("v_sql").unwrap();
        assert_eq!((v.type_name, v.default), ("text", Some("'select 1'")));
        assert_eq!(body.assigned_values(v.dno), ["v_sql || p_where"]);
        assert!(!body.is_read_into(v.dno));
        let n = body.variable("n").unwrap();
        assert!(body.is_read_into(n.dno));
        assert_eq!(body.variable("p_where").map(|p| p.type_name), Some("text"));
        let exec = body
            .statements()
            .into_iter()
            .find(|s| s.kind == "dynexecute")
            .unwrap();
        assert_eq!(exec.dynamic_query(), Some("v_sql"));
        assert!(!exec.has_using());
    }

    #[test]
    fn assignment_text_keeps_only_the_value() {
        assert_eq!(assignment_value("new.updated_at := now()"), "now()");
        assert_eq!(assignment_value("x = a = b"), "a = b");
    }

    #[test]
    fn sql_functions_are_not_parsed() {
        let f = function(
            "create function public.k() returns int language sql as $$ select 1 $$;",
            "k",
        );
        assert!(parse(&f).is_none());
    }
}
