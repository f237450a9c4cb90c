//! Tables with autovacuum switched off. Docs: rules/autovacuum-disabled.yaml.

use crate::findings::remedy::Remedy;
use crate::rules::{SchemaCtx, SchemaRule};

pub struct AutovacuumDisabled;

impl SchemaRule for AutovacuumDisabled {
    fn check(&self, cx: &mut SchemaCtx<'_>) {
        for t in cx.catalog.user_tables() {
            let Some(value) = t.options.get("autovacuum_enabled") else {
                continue;
            };
            if !is_false(value) {
                continue;
            }
            cx.report_fixable(
                &t.name,
                t.origin.span(),
                format!(
                    "table `{}` has autovacuum_enabled = {value}: dead rows pile up and its statistics go stale until someone vacuums and analyzes it by hand",
                    t.name
                ),
                Remedy::ResetOption {
                    table: t.name.clone(),
                    option: "autovacuum_enabled".to_string(),
                },
            );
        }
    }
}

/// A value PostgreSQL reads as boolean false: `false`, `no`, `off`, `0`, or a
/// prefix of `false` or `no` (`off` needs at least `of`, to tell it from `on`).
fn is_false(value: &str) -> bool {
    let v = value.trim().to_ascii_lowercase();
    !v.is_empty()
        && ("false".starts_with(&v)
            || "no".starts_with(&v)
            || (v.len() >= 2 && "off".starts_with(&v))
            || v == "0")
}

#[cfg(test)]
mod tests {
    use super::is_false;
    use crate::rules::testing::{fires, quiet};

    const RULE: &str = "autovacuum-disabled";

    #[test]
    fn spellings_of_false() {
        for v in ["false", "FALSE", "f", "fal", "no", "n", "off", "of", "0"] {
            assert!(is_false(v), "{v}");
        }
        for v in ["true", "on", "o", "1", "yes", "", "maybe"] {
            assert!(!is_false(v), "{v}");
        }
    }

    #[test]
    fn create_table_with_autovacuum_off_fires() {
        let out = fires(
            RULE,
            "create table public.events (id bigint primary key) with (autovacuum_enabled = off);",
        );
        assert!(out.contains("[public.events]"), "{out}");
        assert!(out.contains("autovacuum_enabled = off"), "{out}");
    }

    #[test]
    fn alter_table_set_fires_and_reset_clears() {
        fires(
            RULE,
            "create table public.events (id bigint primary key);\nalter table public.events set (autovacuum_enabled = false, fillfactor = 70);",
        );
        quiet(
            RULE,
            "create table public.events (id bigint primary key);\nalter table public.events set (autovacuum_enabled = false);\nalter table public.events reset (autovacuum_enabled);",
        );
    }

    #[test]
    fn enabled_or_other_options_are_quiet() {
        quiet(
            RULE,
            "create table public.a (id bigint primary key) with (autovacuum_enabled = true);\ncreate table public.b (id bigint primary key) with (fillfactor = 70, autovacuum_vacuum_scale_factor = 0.01);",
        );
    }

    #[test]
    fn toast_option_is_not_the_table_option() {
        quiet(
            RULE,
            "create table public.a (id bigint primary key, doc text) with (toast.autovacuum_enabled = false);",
        );
    }
}
