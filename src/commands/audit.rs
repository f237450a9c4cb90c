//! `pgvet audit`: the schema rules on a live database's catalog, read-only.

use anyhow::{Context, Result};

use super::{finish, load_config, AuditArgs, Outcome};

pub fn run(args: AuditArgs) -> Result<Outcome> {
    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    let cfg = load_config(&args.common, &cwd)?;
    // Exposed schemas as for lint: config, else supabase/config.toml, else public.
    let settings = crate::Settings::resolve(&cfg, &[], &cwd)?;
    let mut opts = args
        .connection
        .options(args.db.clone(), &cfg, settings.exposed_for_live())?;
    opts.schemas = (!args.schemas.is_empty()).then(|| args.schemas.clone());
    let report = crate::audit(&opts, &cfg)?;
    if let Some(catalog) = &report.catalog {
        for line in missing_schemas(&args.schemas, catalog) {
            eprintln!("{line}");
        }
    }
    finish(&report, &args.common)
}

/// A warning for each schema given to `--schemas` that the database does
/// not have: it audits nothing, and is most often a typo.
fn missing_schemas(given: &[String], catalog: &crate::catalog::Catalog) -> Vec<String> {
    use crate::catalog::{ident::did_you_mean, Ident};
    use crate::findings::printable;
    given
        .iter()
        .filter(|s| !s.starts_with("pg_") && !catalog.schemas.contains_key(&Ident::new(s.as_str())))
        .map(|s| {
            let hint = did_you_mean(s, catalog.schemas.keys().map(|k| k.as_str()));
            printable(&format!(
                "pgvet: warning: the database has no schema `{s}`{hint}; --schemas audits nothing there"
            ))
            .into_owned()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{Catalog, Ident, Origin, Platform, Schema};

    #[test]
    fn a_schema_the_database_lacks_is_named_with_the_closest() {
        let mut cat = Catalog::empty(Platform::Postgres);
        let billing = Schema {
            name: Ident::new("billing"),
            platform_managed: false,
            create_grantees: Default::default(),
            owner: None,
            origin: Origin::Live,
        };
        cat.schemas.insert(Ident::new("billing"), billing);
        let lines = missing_schemas(&["billing".into(), "biling".into(), "zzz".into()], &cat);
        assert_eq!(
            lines,
            [
                "pgvet: warning: the database has no schema `biling` (did you mean `billing`?); --schemas audits nothing there",
                "pgvet: warning: the database has no schema `zzz`; --schemas audits nothing there",
            ]
        );
    }
}
