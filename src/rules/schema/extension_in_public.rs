//! Extensions installed into a schema the API serves. Docs: rules/extension-in-public.yaml.

use crate::catalog::{extensions, QualifiedName};
use crate::rules::{SchemaCtx, SchemaRule};

pub struct ExtensionInPublic;

impl SchemaRule for ExtensionInPublic {
    fn check(&self, cx: &mut SchemaCtx<'_>) {
        let cat = cx.catalog;
        for ext in cat.extensions.values() {
            // The platform's own extensions are where the platform put them.
            // Extensions whose control file fixes their schema (or that create one of
            // their own): where they land is not the migration's choice.
            let fixed = extensions::find(ext.name.as_str()).is_some_and(|k| k.fixed_schema);
            if ext.origin.is_baseline() || fixed {
                continue;
            }
            if !cat.is_exposed(&ext.schema) {
                continue;
            }
            // Extensions are not schema objects, but findings name them by where they live.
            let object = QualifiedName::new(ext.schema.clone(), ext.name.clone());
            cx.report(
                &object,
                ext.origin.span(),
                format!(
                    "extension `{}` is installed in `{}`, a schema the API exposes",
                    ext.name, ext.schema
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{fires, quiet, quiet_with};

    const RULE: &str = "extension-in-public";

    #[test]
    fn extension_without_schema_lands_in_public() {
        let out = fires(RULE, "-- search\n\ncreate extension if not exists pg_trgm;");
        assert!(out.starts_with("test.sql:3:1 "), "{out}");
        assert!(
            out.contains("[public.pg_trgm] extension `pg_trgm` is installed in `public`"),
            "{out}"
        );
    }

    #[test]
    fn explicit_public_fires() {
        fires(RULE, "create extension citext with schema public;");
    }

    #[test]
    fn extensions_schema_is_quiet() {
        quiet(
            RULE,
            "create extension if not exists pg_trgm with schema extensions;",
        );
    }

    #[test]
    fn baseline_extension_created_again_is_a_no_op() {
        // pgcrypto is already installed in `extensions` on Supabase: IF NOT EXISTS changes nothing.
        quiet(RULE, "create extension if not exists pgcrypto;");
    }

    #[test]
    fn moved_to_extensions_is_quiet() {
        quiet(
            RULE,
            "create extension pg_trgm;\nalter extension pg_trgm set schema extensions;",
        );
    }

    #[test]
    fn extension_choosing_its_own_schema_is_quiet() {
        quiet(RULE, "create extension if not exists pg_cron;");
    }

    #[test]
    fn public_not_exposed_is_quiet() {
        quiet_with(RULE, "create extension pg_trgm;", "exposed_schemas: [api]");
    }
}
