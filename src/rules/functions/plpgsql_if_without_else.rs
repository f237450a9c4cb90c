//! IF/ELSIF chains in trigger functions that dispatch on TG_OP or a state
//! value and have no ELSE. Docs: rules/plpgsql-if-without-else.yaml.

use pg_query::protobuf::{self as pb, Node};
use pg_query::NodeEnum;

use crate::catalog::body;
use crate::sql::plpgsql::{self, Arm};
use crate::rules::{SchemaCtx, SchemaRule};
use crate::sql::ast;

pub struct PlpgsqlIfWithoutElse;

impl SchemaRule for PlpgsqlIfWithoutElse {
    fn check(&self, cx: &mut SchemaCtx<'_>) {
        let cat = cx.catalog;
        for f in cat.user_functions().filter(|f| f.returns_trigger()) {
            let Some(Ok(body)) = body::parse(f) else {
                continue;
            };
            for stmt in body.statements() {
                let Some(chain) = stmt.if_chain() else {
                    continue;
                };
                // A lone `IF x THEN ... END IF` is a guard, not a dispatch.
                if chain.arms.len() < 2 || chain.else_body.is_some() {
                    continue;
                }
                let Some((subject, values)) = dispatch(&chain.arms) else {
                    continue;
                };
                cx.report(
                    &f.name,
                    body::stmt_span(f, stmt.line()),
                    format!(
                        "the IF/ELSIF chain in `{}` tests `{subject}` for {} but has no ELSE, so any other value falls through silently",
                        f.name.name,
                        values.join(", ")
                    ),
                );
            }
        }
    }
}

/// The value every arm compares with constants, and the constants in order,
/// when the chain is such a dispatch.
fn dispatch(arms: &[Arm<'_>]) -> Option<(String, Vec<String>)> {
    let mut subject: Option<Vec<String>> = None;
    let mut values = Vec::new();
    for arm in arms {
        let cond = plpgsql::sql_expr(arm.cond)?;
        let (s, vs) = tested(&cond)?;
        match &subject {
            Some(prev) if *prev != s => return None,
            Some(_) => {}
            None => subject = Some(s),
        }
        values.extend(vs);
    }
    Some((display(&subject?), values))
}

/// `x = 'a'`, `x IN ('a', 'b')`, or an OR of those on one `x`: (x, constants).
fn tested(node: &Node) -> Option<(Vec<String>, Vec<String>)> {
    match node.node.as_ref()? {
        NodeEnum::AExpr(e) => {
            let lhs = e.lexpr.as_deref()?;
            let rhs = e.rexpr.as_deref()?;
            match e.kind() {
                pb::AExprKind::AexprOp if ast::strings(&e.name) == ["="] => {
                    match (plpgsql::column_ref(lhs), plpgsql::column_ref(rhs)) {
                        (Some(s), None) => Some((s, vec![constant(rhs)?])),
                        (None, Some(s)) => Some((s, vec![constant(lhs)?])),
                        _ => None,
                    }
                }
                pb::AExprKind::AexprIn if ast::strings(&e.name) == ["="] => {
                    let s = plpgsql::column_ref(lhs)?;
                    let Some(NodeEnum::List(list)) = rhs.node.as_ref() else {
                        return None;
                    };
                    let vs = list
                        .items
                        .iter()
                        .map(constant)
                        .collect::<Option<Vec<_>>>()?;
                    Some((s, vs))
                }
                _ => None,
            }
        }
        NodeEnum::BoolExpr(b) if b.boolop() == pb::BoolExprType::OrExpr => {
            let mut subject: Option<Vec<String>> = None;
            let mut values = Vec::new();
            for arg in &b.args {
                let (s, vs) = tested(arg)?;
                if subject.as_ref().is_some_and(|prev| *prev != s) {
                    return None;
                }
                subject = Some(s);
                values.extend(vs);
            }
            Some((subject?, values))
        }
        _ => None,
    }
}

/// A literal (possibly cast), as SQL: `'main'`, `3`.
fn constant(node: &Node) -> Option<String> {
    match node.node.as_ref()? {
        NodeEnum::TypeCast(t) => constant(t.arg.as_deref()?),
        NodeEnum::AConst(c) => match c.val.as_ref()? {
            pb::a_const::Val::Sval(s) => Some(format!("'{}'", s.sval.replace('\'', "''"))),
            _ => ast::const_text(node),
        },
        _ => None,
    }
}

/// `tg_op` as `TG_OP`, `new.status` as `NEW.status`, as trigger code writes them.
fn display(parts: &[String]) -> String {
    parts
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let special = (i == 0 && parts.len() > 1 && matches!(p.as_str(), "new" | "old"))
                || (parts.len() == 1 && p.starts_with("tg_"));
            if special {
                p.to_ascii_uppercase()
            } else {
                p.clone()
            }
        })
        .collect::<Vec<_>>()
        .join(".")
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{fires, quiet};

    const RULE: &str = "plpgsql-if-without-else";

    #[test]
    fn tg_op_dispatch_without_else_fires_at_the_if() {
        let out = fires(
            RULE,
            "create function public.count_items() returns trigger language plpgsql as $$
begin
  if tg_op = 'INSERT' then
    return new;
  elsif tg_op = 'DELETE' then
    return old;
  end if;
  return null;
end $$;",
        );
        assert_eq!(
            out,
            "test.sql:3:3 plpgsql-if-without-else [public.count_items] the IF/ELSIF chain in `count_items` tests `TG_OP` for 'INSERT', 'DELETE' but has no ELSE, so any other value falls through silently"
        );
    }

    #[test]
    fn state_column_dispatch_fires() {
        let out = fires(
            RULE,
            "create function public.bump() returns trigger language plpgsql as $$
             begin
               if new.chat_type = 'main' then null;
               elsif new.chat_type in ('helper', 'coach') or new.chat_type = 'tutor'::text then null;
               end if;
               return new;
             end $$;",
        );
        assert!(
            out.contains("tests `NEW.chat_type` for 'main', 'helper', 'coach', 'tutor'"),
            "{out}"
        );
    }

    #[test]
    fn nested_chain_is_found() {
        fires(
            RULE,
            "create function public.f() returns trigger language plpgsql as $$
             begin
               if new.n > 0 then
                 if new.kind = 'a' then null; elsif new.kind = 'b' then null; end if;
               end if;
               return new;
             end $$;",
        );
    }

    #[test]
    fn single_if_guard_is_quiet() {
        quiet(
            RULE,
            "create function public.f() returns trigger language plpgsql as $$
             begin
               if new.status = 'done' then new.done_at := now(); end if;
               return new;
             end $$;",
        );
    }

    #[test]
    fn chain_with_else_is_quiet() {
        quiet(
            RULE,
            "create function public.f() returns trigger language plpgsql as $$
             begin
               if tg_op = 'INSERT' then return new;
               elsif tg_op = 'DELETE' then return old;
               else raise exception 'unexpected %', tg_op;
               end if;
             end $$;",
        );
    }

    #[test]
    fn chain_of_unrelated_conditions_is_quiet() {
        // Not a dispatch on one value: each arm tests something else.
        quiet(
            RULE,
            "create function public.f() returns trigger language plpgsql as $$
             begin
               if new.a is null then new.a := 0;
               elsif new.b = 'x' then new.b := 'y';
               end if;
               return new;
             end $$;",
        );
    }

    #[test]
    fn arms_on_different_values_are_quiet() {
        quiet(
            RULE,
            "create function public.f() returns trigger language plpgsql as $$
             begin
               if new.kind = 'a' then null; elsif old.kind = 'b' then null; end if;
               return new;
             end $$;",
        );
    }

    #[test]
    fn ordinary_functions_are_not_checked() {
        quiet(
            RULE,
            "create function public.f(p_kind text) returns int language plpgsql as $$
             begin
               if p_kind = 'a' then return 1; elsif p_kind = 'b' then return 2; end if;
               return 0;
             end $$;",
        );
    }
}
