//! One finding where two rules say the same thing at one place: a rule's
//! YAML lists under `covers:` the rules whose finding its own makes
//! redundant (adding-foreign-key-constraint covers what
//! constraint-missing-not-valid says of the same foreign key). Runs after
//! the suppressions, so a finding suppressed by a comment covers nothing.

use std::collections::HashSet;

use crate::catalog::Span;
use crate::findings::Finding;

/// Drops each finding that a finding of a covering rule, at the same span
/// and about the same object, makes redundant.
pub fn drop_covered(findings: &mut Vec<Finding>) {
    let mut covered: HashSet<(&'static str, Option<Span>, String)> = HashSet::new();
    for f in findings.iter() {
        let Some(rule) = crate::rules::find(f.rule) else {
            continue;
        };
        for c in &rule.doc.covers {
            if let Some(other) = crate::rules::find(c) {
                covered.insert((other.id(), f.span, f.object.clone()));
            }
        }
    }
    if covered.is_empty() {
        return;
    }
    findings.retain(|f| !covered.contains(&(f.rule, f.span, f.object.clone())));
}

#[cfg(test)]
mod tests {
    use crate::config::Config;

    const FK: &str = "create table public.p (id bigint primary key);\n\
                      create table public.t (id bigint primary key, p_id bigint, n int);\n";
    const ALTER: &str = "alter table public.t add constraint t_p_fkey foreign key (p_id) references public.p (id);\n\
                         alter table public.t add constraint t_n_check check (n > 0);\n";

    fn rules_fired(cfg: &Config) -> Vec<(&'static str, u32)> {
        let report = crate::lint_sources(
            vec![
                ("1_a.sql".to_string(), FK.to_string()),
                ("2_b.sql".to_string(), ALTER.to_string()),
            ],
            cfg,
            &crate::test_support::supabase(),
        );
        let mut out: Vec<(&'static str, u32)> = report
            .findings
            .iter()
            .filter(|f| {
                matches!(
                    f.rule,
                    "adding-foreign-key-constraint" | "constraint-missing-not-valid"
                )
            })
            .map(|f| (f.rule, f.location.as_ref().map_or(0, |l| l.line)))
            .collect();
        out.sort_unstable();
        out
    }

    #[test]
    fn a_foreign_key_added_without_not_valid_is_one_finding() {
        assert_eq!(
            rules_fired(&Config::default()),
            vec![
                ("adding-foreign-key-constraint", 1),
                ("constraint-missing-not-valid", 2),
            ]
        );
        // Without the covering rule, the other one still says it.
        let cfg = Config {
            ignore: vec!["adding-foreign-key-constraint".to_string()],
            ..Config::default()
        };
        assert_eq!(
            rules_fired(&cfg),
            vec![
                ("constraint-missing-not-valid", 1),
                ("constraint-missing-not-valid", 2),
            ]
        );
    }
}
