//! Extensions that PostgreSQL 17 (or Supabase's PostgreSQL 17 images) no longer ship. Docs: rules/deprecated-extension.yaml.

use crate::catalog::{Platform, QualifiedName};
use crate::rules::{SchemaCtx, SchemaRule};

pub struct DeprecatedExtension;

/// (extension, where it is gone, what to do instead).
const GONE: &[(&str, Option<Platform>, &str)] = &[
    // Removed from PostgreSQL's own contrib in 17.
    ("adminpack", None, "PostgreSQL 17 removed it"),
    // Supabase's PostgreSQL 17 images leave these out.
    (
        "plv8",
        Some(Platform::Supabase),
        "Supabase's PostgreSQL 17 images do not ship it",
    ),
    (
        "timescaledb",
        Some(Platform::Supabase),
        "Supabase's PostgreSQL 17 images do not ship it",
    ),
];

impl SchemaRule for DeprecatedExtension {
    fn check(&self, cx: &mut SchemaCtx<'_>) {
        let cat = cx.catalog;
        for ext in cat.extensions.values() {
            let Some((_, _, why)) = GONE.iter().find(|(name, platform, _)| {
                *name == ext.name.as_str() && platform.is_none_or(|p| p == cat.platform)
            }) else {
                continue;
            };
            let object = QualifiedName::new(ext.schema.clone(), ext.name.clone());
            cx.report(
                &object,
                ext.origin.span(),
                format!(
                    "extension `{}` blocks an upgrade to PostgreSQL 17: {why}",
                    ext.name
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{case, fires, quiet};

    const RULE: &str = "deprecated-extension";

    #[test]
    fn plv8_on_supabase_fires_at_the_create() {
        let out = fires(RULE, "\ncreate extension plv8 with schema extensions;");
        assert!(out.starts_with("test.sql:2:1 "), "{out}");
        assert!(out.contains("[extensions.plv8]"), "{out}");
    }

    #[test]
    fn plv8_on_plain_postgres_is_quiet_but_adminpack_is_not() {
        case("create extension plv8;").postgres().quiet(RULE);
        case("create extension adminpack;").postgres().fires(RULE);
    }

    #[test]
    fn other_extensions_are_quiet() {
        quiet(
            RULE,
            "create extension if not exists pg_trgm with schema extensions;",
        );
    }
}
