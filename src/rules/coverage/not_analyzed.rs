//! Something pgvet could not analyze, as an error under `--strict`. Docs:
//! rules/not-analyzed.yaml.
//!
//! The gaps are gathered where the skipping happens (`crate::passes::coverage`) and
//! listed in every report; `lint_sources` and `audit` turn them into this
//! rule's findings with `--strict` (config `strict: true`) or when the rule is
//! turned on. This entry gives the rule its id, docs and severity.

use crate::rules::{SchemaCtx, SchemaRule};

pub struct NotAnalyzed;

impl SchemaRule for NotAnalyzed {
    fn check(&self, _cx: &mut SchemaCtx<'_>) {}
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{case, fires_with, quiet};

    const RULE: &str = "not-analyzed";

    #[test]
    fn strict_reports_each_gap_as_an_error() {
        let out = case(
            "do $$ begin perform 1; end $$;\n\
             create function public.f(t text) returns void language plpgsql as $$\nbegin\n  execute t;\nend\n$$;",
        )
        .config("strict: true\n")
        .fires(RULE);
        assert_eq!(
            out,
            "test.sql:1:1 not-analyzed error [test.sql] this `DO` block was not replayed in full: what it runs under conditions, in loops or from strings built at run time is not in pgvet's model and was not checked\n\
             test.sql:4:3 not-analyzed error [public.f] `public.f` runs SQL built at run time with EXECUTE (line 3 of the body), which pgvet cannot read"
        );
    }

    #[test]
    fn quiet_without_gaps() {
        quiet(RULE, "create table public.t (id bigint primary key);");
    }

    #[test]
    fn off_by_default_but_the_gap_is_still_listed() {
        let report = crate::lint_sources(
            vec![(
                "t.sql".to_string(),
                "do $$ begin perform 1; end $$;".to_string(),
            )],
            &crate::config::Config::default(),
            &crate::test_support::supabase(),
        );
        assert!(report.findings.iter().all(|f| f.rule != RULE));
        assert_eq!(report.not_analyzed.len(), 1);
    }

    #[test]
    fn a_configured_level_applies_without_strict() {
        let out = fires_with(
            RULE,
            "do $$ begin perform 1; end $$;",
            "rules:\n  not-analyzed: warning\n",
        );
        assert!(
            out.contains("not-analyzed [test.sql] this `DO` block"),
            "{out}"
        );
    }

    #[test]
    fn a_suppression_comment_hides_it_and_counts_as_used() {
        let sql = "-- pgvet-ignore not-analyzed: seeds the settings row once, reviewed\ndo $$ begin perform 1; end $$;";
        case(sql).config("strict: true\n").quiet(RULE);
        // Without --strict the comment is still judged used, not reported.
        case(sql).quiet("unused-suppression");
    }
}
