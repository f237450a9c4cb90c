//! SECURITY DEFINER functions that EXECUTE SQL spliced together from
//! unquoted values. Docs: rules/security-definer-dynamic-sql.yaml.

use std::collections::BTreeSet;

use pg_query::protobuf::{self as pb, Node};
use pg_query::NodeEnum;

use crate::catalog::{ArgMode, Function};
use crate::sql::expr;
use crate::catalog::body;
use crate::sql::plpgsql::{self, Body};
use crate::rules::{SchemaCtx, SchemaRule};
use crate::sql::ast;

pub struct SecurityDefinerDynamicSql;

/// Variables are followed through this many assignments.
const MAX_DEPTH: usize = 16;

impl SchemaRule for SecurityDefinerDynamicSql {
    fn check(&self, cx: &mut SchemaCtx<'_>) {
        let cat = cx.catalog;
        for f in cat.user_functions().filter(|f| f.security_definer) {
            let Some(Ok(body)) = body::parse(f) else {
                continue;
            };
            for stmt in body.statements() {
                let Some(query) = stmt.dynamic_query() else {
                    continue;
                };
                let scope = Scope { f, body };
                let parts = match plpgsql::sql_expr(query) {
                    Some(e) => scope.unquoted(&e, &mut BTreeSet::new(), 0),
                    None => vec![query.trim().to_string()],
                };
                if parts.is_empty() {
                    continue;
                }
                let parts: Vec<String> =
                    dedup(parts).into_iter().map(|p| format!("`{p}`")).collect();
                cx.report(
                    &f.name,
                    body::stmt_span(f, stmt.line()),
                    format!(
                        "the SECURITY DEFINER function `{}` executes SQL that splices in {} without quote_ident, quote_literal or format's %I/%L",
                        f.name.name,
                        parts.join(", ")
                    ),
                );
            }
        }
    }
}

fn dedup(parts: Vec<String>) -> Vec<String> {
    let mut seen = BTreeSet::new();
    parts
        .into_iter()
        .filter(|p| seen.insert(p.clone()))
        .collect()
}

struct Scope<'a> {
    f: &'a Function,
    body: &'a Body,
}

impl Scope<'_> {
    /// The pieces of a string expression that reach the SQL text unquoted,
    /// as SQL. `visiting` guards against variables built from themselves.
    fn unquoted(&self, node: &Node, visiting: &mut BTreeSet<u64>, depth: usize) -> Vec<String> {
        if depth > MAX_DEPTH {
            return vec![expr::to_sql(node)];
        }
        let Some(n) = node.node.as_ref() else {
            return Vec::new();
        };
        match n {
            NodeEnum::AConst(_) => Vec::new(),
            NodeEnum::TypeCast(t) => {
                let safe = t
                    .type_name
                    .as_ref()
                    .and_then(|tn| ast::strings(&tn.names).pop())
                    .is_some_and(|name| is_safe_type(&name));
                match t.arg.as_deref() {
                    Some(arg) if !safe => self.unquoted(arg, visiting, depth + 1),
                    _ => Vec::new(),
                }
            }
            NodeEnum::AExpr(e)
                if e.kind() == pb::AExprKind::AexprOp && ast::strings(&e.name) == ["||"] =>
            {
                let mut out = Vec::new();
                for side in [e.lexpr.as_deref(), e.rexpr.as_deref()]
                    .into_iter()
                    .flatten()
                {
                    out.extend(self.unquoted(side, visiting, depth + 1));
                }
                out
            }
            NodeEnum::CoalesceExpr(c) => c
                .args
                .iter()
                .flat_map(|a| self.unquoted(a, visiting, depth + 1))
                .collect(),
            NodeEnum::FuncCall(call) => self.call(node, call, visiting, depth),
            NodeEnum::ColumnRef(_) => match plpgsql::column_ref(node).as_deref() {
                Some([name]) => self.variable(name, visiting, depth),
                _ => vec![expr::to_sql(node)],
            },
            NodeEnum::ParamRef(p) => {
                let arg = usize::try_from(p.number)
                    .ok()
                    .and_then(|n| n.checked_sub(1))
                    .and_then(|i| self.input_args().get(i).copied());
                if arg.is_some_and(|a| is_safe_type(a.ty.name.name.as_str())) {
                    Vec::new()
                } else {
                    vec![format!("${}", p.number)]
                }
            }
            // Anything else that reads a value (CASE, subscripts, operators
            // on text): reported whole unless it reads nothing.
            other => {
                let reads = ast::descendants(other).into_iter().any(|d| {
                    matches!(
                        d,
                        pg_query::NodeRef::ColumnRef(_) | pg_query::NodeRef::ParamRef(_)
                    )
                });
                if reads {
                    vec![expr::to_sql(node)]
                } else {
                    Vec::new()
                }
            }
        }
    }

    fn call(
        &self,
        node: &Node,
        call: &pb::FuncCall,
        visiting: &mut BTreeSet<u64>,
        depth: usize,
    ) -> Vec<String> {
        let name = expr::call_name(call).map(|(_, n)| n).unwrap_or_default();
        match name.as_str() {
            "quote_ident" | "quote_literal" | "quote_nullable" => Vec::new(),
            "concat" | "concat_ws" => call
                .args
                .iter()
                .flat_map(|a| self.unquoted(a, visiting, depth + 1))
                .collect(),
            "format" => {
                let Some((fmt, args)) = call.args.split_first() else {
                    return Vec::new();
                };
                let Some(fmt_text) = constant_text(fmt) else {
                    return vec![expr::to_sql(node)];
                };
                let specs = format_specs(&fmt_text);
                args.iter()
                    .enumerate()
                    .filter(|(i, _)| specs.iter().any(|(idx, ty)| idx == i && *ty == 's'))
                    .flat_map(|(_, a)| self.unquoted(a, visiting, depth + 1))
                    .collect()
            }
            _ => {
                let reads = call.args.iter().any(|a| {
                    a.node.as_ref().is_some_and(|n| {
                        ast::descendants(n).into_iter().any(|d| {
                            matches!(
                                d,
                                pg_query::NodeRef::ColumnRef(_) | pg_query::NodeRef::ParamRef(_)
                            )
                        })
                    })
                });
                if reads {
                    vec![expr::to_sql(node)]
                } else {
                    Vec::new()
                }
            }
        }
    }

    /// A variable is harmless when its type cannot carry SQL, or when every
    /// value the body gives it is. Arguments and values read from tables
    /// come from outside.
    fn variable(&self, name: &str, visiting: &mut BTreeSet<u64>, depth: usize) -> Vec<String> {
        let Some(var) = self.body.variable(name) else {
            return vec![name.to_string()];
        };
        if is_safe_type(var.type_name) || visiting.contains(&var.dno) {
            return Vec::new();
        }
        let is_arg = self
            .f
            .args
            .iter()
            .any(|a| a.name.as_ref().is_some_and(|n| n.as_str() == name));
        if is_arg || self.body.is_read_into(var.dno) {
            return vec![name.to_string()];
        }
        visiting.insert(var.dno);
        let mut out = Vec::new();
        for value in var
            .default
            .into_iter()
            .chain(self.body.assigned_values(var.dno))
        {
            match plpgsql::sql_expr(value) {
                Some(e) => out.extend(self.unquoted(&e, visiting, depth + 1)),
                None => out.push(name.to_string()),
            }
        }
        visiting.remove(&var.dno);
        out
    }

    fn input_args(&self) -> Vec<&crate::catalog::FunctionArg> {
        self.f
            .args
            .iter()
            .filter(|a| matches!(a.mode, ArgMode::In | ArgMode::InOut | ArgMode::Variadic))
            .collect()
    }
}

/// A string constant, also under a cast.
fn constant_text(node: &Node) -> Option<String> {
    match node.node.as_ref()? {
        NodeEnum::AConst(_) | NodeEnum::TypeCast(_) => ast::const_text(node),
        _ => None,
    }
}

/// Types whose text form cannot close a quote or add a clause; `reg*`
/// types print as quoted names.
fn is_safe_type(name: &str) -> bool {
    let name = name.rsplit('.').next().unwrap_or(name).to_ascii_lowercase();
    matches!(
        name.as_str(),
        "int2"
            | "int4"
            | "int8"
            | "smallint"
            | "integer"
            | "int"
            | "bigint"
            | "numeric"
            | "decimal"
            | "float4"
            | "float8"
            | "real"
            | "double precision"
            | "bool"
            | "boolean"
            | "uuid"
            | "oid"
            | "date"
            | "time"
            | "timetz"
            | "timestamp"
            | "timestamptz"
            | "interval"
            | "regclass"
            | "regproc"
            | "regprocedure"
            | "regtype"
            | "regnamespace"
            | "regrole"
    )
}

/// The conversions of a `format()` string: (argument index, `s` | `I` | `L`),
/// following PostgreSQL's rules for `%n$` positions and `*` widths.
fn format_specs(fmt: &str) -> Vec<(usize, char)> {
    let chars: Vec<char> = fmt.chars().collect();
    let mut out = Vec::new();
    let mut next = 0usize;
    let mut i = 0usize;
    let digits = |i: &mut usize| -> Option<usize> {
        let start = *i;
        while chars.get(*i).is_some_and(char::is_ascii_digit) {
            *i += 1;
        }
        chars
            .get(start..*i)
            .filter(|d| !d.is_empty())
            .and_then(|d| d.iter().collect::<String>().parse().ok())
    };
    while let Some(&c) = chars.get(i) {
        i += 1;
        if c != '%' {
            continue;
        }
        if chars.get(i) == Some(&'%') {
            i += 1;
            continue;
        }
        let start = i;
        let mut position = digits(&mut i);
        if position.is_some() && chars.get(i) == Some(&'$') {
            i += 1;
        } else {
            position = None;
            i = start;
        }
        while chars.get(i) == Some(&'-') {
            i += 1;
        }
        if chars.get(i) == Some(&'*') {
            i += 1;
            let width_pos = digits(&mut i);
            if width_pos.is_some() && chars.get(i) == Some(&'$') {
                i += 1;
            } else {
                next += 1;
            }
        } else {
            digits(&mut i);
        }
        let Some(&ty) = chars.get(i) else { break };
        i += 1;
        let idx = position.and_then(|p| p.checked_sub(1)).unwrap_or(next);
        next = idx + 1;
        out.push((idx, ty));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::format_specs;
    use crate::rules::testing::{fires, quiet};

    const RULE: &str = "security-definer-dynamic-sql";

    fn definer(decl: &str, body: &str) -> String {
        format!(
            "create function public.f(p_table text, p_id int, p_where text) returns bigint
language plpgsql security definer set search_path = '' as $$
declare
  n bigint;
{decl}
begin
{body}
  return n;
end $$;"
        )
    }

    #[test]
    fn concatenated_argument_fires_at_the_execute() {
        let out = fires(
            RULE,
            &definer(
                "",
                "  execute 'select count(*) from public.' || p_table into n;",
            ),
        );
        assert_eq!(
            out,
            "test.sql:7:3 security-definer-dynamic-sql [public.f] the SECURITY DEFINER function `f` executes SQL that splices in `p_table` without quote_ident, quote_literal or format's %I/%L"
        );
    }

    #[test]
    fn format_with_i_and_l_is_quiet() {
        quiet(
            RULE,
            &definer("", "  execute format('select count(*) from public.%I where note = %L', p_table, p_where) into n;"),
        );
    }

    #[test]
    fn format_with_s_fires() {
        let out = fires(
            RULE,
            &definer("", "  execute format('select count(*) from public.%I where %s', p_table, p_where) into n;"),
        );
        assert!(out.contains("splices in `p_where`"), "{out}");
        fires(
            RULE,
            &definer("", "  execute format('select count(*) from public.%2$s where %1$I', p_where, p_table) into n;"),
        );
    }

    #[test]
    fn constant_with_using_is_quiet() {
        quiet(
            RULE,
            &definer(
                "",
                "  execute 'select count(*) from public.items where id = $1' using p_id into n;",
            ),
        );
    }

    #[test]
    fn quoting_functions_and_safe_types_are_quiet() {
        quiet(
            RULE,
            &definer(
                "",
                "  execute 'select count(*) from ' || quote_ident(p_table) || ' where id = ' || p_id || ' and x = ' || quote_literal(p_where) into n;
  execute 'select count(*) from ' || p_table::regclass into n;",
            ),
        );
    }

    #[test]
    fn concat_function_fires() {
        let out = fires(
            RULE,
            &definer(
                "",
                "  execute concat('delete from public.items where ', p_where);",
            ),
        );
        assert!(out.contains("`p_where`"), "{out}");
    }

    #[test]
    fn variable_built_from_an_argument_fires() {
        let out = fires(
            RULE,
            &definer(
                "  v_sql text := 'select count(*) from public.items';",
                "  v_sql := v_sql || ' where ' || p_where;\n  execute v_sql into n;",
            ),
        );
        assert!(
            out.contains("`p_where`") && out.contains("test.sql:8:"),
            "{out}"
        );
    }

    #[test]
    fn variable_built_from_quoted_parts_is_quiet() {
        quiet(
            RULE,
            &definer(
                "  v_sql text := 'select count(*) from public.items';",
                "  v_sql := v_sql || ' where owner = ' || quote_literal(p_where);\n  execute v_sql into n;",
            ),
        );
    }

    #[test]
    fn value_read_from_a_table_fires() {
        fires(
            RULE,
            &definer(
                "  v_name text;",
                "  select name into v_name from public.settings limit 1;\n  execute 'drop table ' || v_name;",
            ),
        );
    }

    #[test]
    fn dynamic_for_and_return_query_are_checked() {
        fires(
            RULE,
            "create function public.g(p_where text) returns setof int
             language plpgsql security definer set search_path = '' as $$
             begin return query execute 'select id from public.items where ' || p_where; end $$;",
        );
    }

    #[test]
    fn invoker_functions_are_not_checked() {
        quiet(
            RULE,
            "create function public.f(p_table text) returns void language plpgsql set search_path = '' as $$
             begin execute 'truncate ' || p_table; end $$;",
        );
    }

    #[test]
    fn format_positions_and_widths() {
        assert_eq!(format_specs("%s %I %% %L"), [(0, 's'), (1, 'I'), (2, 'L')]);
        assert_eq!(format_specs("%2$s %1$I %s"), [(1, 's'), (0, 'I'), (1, 's')]);
        assert_eq!(format_specs("%-10s|%*s"), [(0, 's'), (2, 's')]);
    }
}
