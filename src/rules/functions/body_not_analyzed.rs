//! PL/pgSQL functions whose body PostgreSQL's parser rejects, so that no rule
//! could read it. Docs: rules/body-not-analyzed.yaml.

use crate::catalog::body;
use crate::catalog::BodyCheck;
use crate::rules::{SchemaCtx, SchemaRule};

pub struct BodyNotAnalyzed;

impl SchemaRule for BodyNotAnalyzed {
    fn check(&self, cx: &mut SchemaCtx<'_>) {
        use rayon::prelude::*;
        let cat = cx.catalog;
        // Each body is parsed once and the judgement kept on its function
        // (a checkpoint keeps it too): on every core first (at 6,000 tables
        // the parses took 10 to 20 ms on one core, the longest of the
        // schema rules), then reported in order.
        let functions: Vec<_> = cat.user_functions().collect();
        functions.par_iter().for_each(|f| {
            body::check(f);
        });
        for f in functions {
            // The same judgement feeds the report's `not_analyzed` list.
            let BodyCheck::Unparsed(reason) = body::check(f) else {
                continue;
            };
            cx.report(
                &f.name,
                f.origin.span(),
                format!(
                    "pgvet could not read the PL/pgSQL body of `{}` (its parser stops at: {reason}), so the rules that read function bodies skipped it; this is a limit of what pgvet reads, not a verdict on the body",
                    f.name.name
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{fires, quiet};

    const RULE: &str = "body-not-analyzed";

    #[test]
    fn syntax_error_is_reported_at_the_function() {
        let out = fires(
            RULE,
            "select 1;\ncreate function public.f() returns int\nlanguage plpgsql as $$\nbegin\n  retrun 1;\nend\n$$;",
        );
        assert_eq!(
            out,
            "test.sql:2:1 body-not-analyzed [public.f] pgvet could not read the PL/pgSQL body of `f` (its parser stops at: syntax error at or near \"retrun\"), so the rules that read function bodies skipped it; this is a limit of what pgvet reads, not a verdict on the body"
        );
    }

    #[test]
    fn assignment_to_an_undeclared_variable_is_reported() {
        let out = fires(
            RULE,
            "create function public.f() returns int language plpgsql as $$ begin total := 1; return total; end $$;",
        );
        assert!(out.contains("\"total\" is not a known variable"), "{out}");
    }

    #[test]
    fn arguments_and_out_parameters_are_known_variables() {
        quiet(
            RULE,
            "create function public.f(p_n int, out total int) language plpgsql as $$ begin total := p_n; end $$;
             create function public.g() returns table (n int) language plpgsql as $$ begin n := 1; return next; end $$;",
        );
    }

    #[test]
    fn types_of_any_schema_parse() {
        // libpg_query's stand-in catalog knows only public and pg_catalog;
        // PostgreSQL accepts these bodies.
        quiet(
            RULE,
            "create schema app;
             create type app.mood as enum ('a', 'b');
             create table app.t (id int, m app.mood);
             create function app.f(p app.mood) returns app.mood language plpgsql as $$
             declare
               v app.mood := 'a';
               \"W\" constant app.mood default 'b';
               r app.t%rowtype;
               c app.t.id%type;
               u auth.users;
               cur cursor for select m from app.t;
             begin
               select m into v from app.t where id = c;
               return coalesce(v, p, \"W\");
             end $$;",
        );
    }

    #[test]
    fn trigger_functions_parse() {
        // libpg_query's JSON for trigger functions needs pgffi's repair.
        quiet(
            RULE,
            "create function public.touch() returns trigger language plpgsql as $$
             begin new.updated_at := now(); return new; end $$;",
        );
    }

    #[test]
    fn other_languages_are_not_read() {
        quiet(
            RULE,
            "create function public.f() returns int language sql as $$ select 1 $$;",
        );
    }
}
