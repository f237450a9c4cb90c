//! What pgvet knows of the extensions projects install: the functions, types
//! and operator classes each one creates, and where they go. One table, read
//! by the replay (objects to create at CREATE EXTENSION), the platform
//! baseline, and the rules (`missing-extension`, `undefined-object`,
//! `extension-in-public`) and the coverage account.
//!
//! The lists hold the names projects call, not every object: an extension
//! that is created is trusted to have the rest (see `missing-extension`).

/// One known extension.
#[derive(Debug, Clone, Copy)]
pub struct Known {
    /// The name in CREATE EXTENSION (`uuid-ossp`, `vector`).
    pub name: &'static str,
    pub functions: &'static [&'static str],
    pub types: &'static [&'static str],
    pub opclasses: &'static [&'static str],
    /// Functions whose name starts with this are the extension's (`st_` for PostGIS).
    pub function_prefix: Option<&'static str>,
    /// A schema the extension creates and puts its objects in, whatever
    /// schema it is installed in (pg_net: `net`, pg_cron: `cron`); its
    /// functions are only found qualified with it.
    pub objects_schema: Option<&'static str>,
    /// The schema its control file fixes (`schema = ...`): `WITH SCHEMA`
    /// cannot move it.
    pub pinned_schema: Option<&'static str>,
    /// Where it lands is not the migration's choice (a pinned schema, a
    /// schema of its own, or one the platform installs it in).
    pub fixed_schema: bool,
}

const fn ext(name: &'static str) -> Known {
    Known {
        name,
        functions: &[],
        types: &[],
        opclasses: &[],
        function_prefix: None,
        objects_schema: None,
        pinned_schema: None,
        fixed_schema: false,
    }
}

pub const KNOWN: &[Known] = &[
    Known {
        functions: &[
            "gen_random_bytes",
            "crypt",
            "gen_salt",
            "digest",
            "hmac",
            "encrypt",
            "decrypt",
            "pgp_sym_encrypt",
            "pgp_sym_decrypt",
            "pgp_pub_encrypt",
            "pgp_pub_decrypt",
            "armor",
            "dearmor",
        ],
        ..ext("pgcrypto")
    },
    Known {
        functions: &[
            "uuid_generate_v1",
            "uuid_generate_v1mc",
            "uuid_generate_v3",
            "uuid_generate_v4",
            "uuid_generate_v5",
            "uuid_nil",
            "uuid_ns_dns",
            "uuid_ns_url",
            "uuid_ns_oid",
            "uuid_ns_x500",
        ],
        ..ext("uuid-ossp")
    },
    Known {
        functions: &["citext_eq", "citext_larger"],
        types: &["citext"],
        ..ext("citext")
    },
    Known {
        functions: &[
            "similarity",
            "word_similarity",
            "strict_word_similarity",
            "show_trgm",
            "show_limit",
            "set_limit",
        ],
        opclasses: &["gin_trgm_ops", "gist_trgm_ops"],
        ..ext("pg_trgm")
    },
    Known {
        functions: &[
            "cosine_distance",
            "l2_distance",
            "l1_distance",
            "inner_product",
            "vector_dims",
            "vector_norm",
            "l2_normalize",
        ],
        types: &["vector", "halfvec", "sparsevec"],
        opclasses: &[
            "vector_cosine_ops",
            "vector_l2_ops",
            "vector_ip_ops",
            "vector_l1_ops",
            "halfvec_cosine_ops",
            "halfvec_l2_ops",
            "halfvec_ip_ops",
        ],
        ..ext("vector")
    },
    Known {
        functions: &["st_distance", "st_makepoint", "st_setsrid", "st_dwithin"],
        types: &["geometry", "geography"],
        function_prefix: Some("st_"),
        ..ext("postgis")
    },
    Known {
        functions: &[
            "hstore",
            "akeys",
            "avals",
            "skeys",
            "svals",
            "hstore_to_json",
            "hstore_to_jsonb",
        ],
        types: &["hstore"],
        opclasses: &["gist_hstore_ops", "gin_hstore_ops"],
        ..ext("hstore")
    },
    Known {
        functions: &[
            "subltree",
            "subpath",
            "nlevel",
            "lca",
            "text2ltree",
            "ltree2text",
        ],
        types: &["ltree", "lquery", "ltxtquery"],
        opclasses: &["gist_ltree_ops"],
        ..ext("ltree")
    },
    Known {
        functions: &["unaccent"],
        ..ext("unaccent")
    },
    Known {
        functions: &["moddatetime"],
        ..ext("moddatetime")
    },
    Known {
        functions: &[
            "levenshtein",
            "levenshtein_less_equal",
            "soundex",
            "metaphone",
            "dmetaphone",
        ],
        ..ext("fuzzystrmatch")
    },
    Known {
        functions: &["http_get", "http_post", "http_delete"],
        objects_schema: Some("net"),
        fixed_schema: true,
        ..ext("pg_net")
    },
    Known {
        functions: &[
            "schedule",
            "unschedule",
            "schedule_in_database",
            "alter_job",
        ],
        objects_schema: Some("cron"),
        fixed_schema: true,
        ..ext("pg_cron")
    },
    Known {
        pinned_schema: Some("pg_catalog"),
        fixed_schema: true,
        ..ext("plpgsql")
    },
    Known {
        pinned_schema: Some("pg_catalog"),
        ..ext("adminpack")
    },
    Known {
        pinned_schema: Some("pgmq"),
        fixed_schema: true,
        ..ext("pgmq")
    },
    Known {
        fixed_schema: true,
        ..ext("pgsodium")
    },
    Known {
        fixed_schema: true,
        ..ext("supabase_vault")
    },
    Known {
        fixed_schema: true,
        ..ext("pg_graphql")
    },
    Known {
        fixed_schema: true,
        ..ext("pg_tle")
    },
    Known {
        fixed_schema: true,
        ..ext("postgis_topology")
    },
    Known {
        fixed_schema: true,
        ..ext("postgis_tiger_geocoder")
    },
];

/// The extension named `name`, if pgvet knows it.
pub fn find(name: &str) -> Option<&'static Known> {
    KNOWN.iter().find(|k| k.name == name)
}

/// The functions and types pgvet models for extension `name` (none for
/// an unknown one).
pub fn objects(name: &str) -> (&'static [&'static str], &'static [&'static str]) {
    find(name).map_or((&[], &[]), |k| (k.functions, k.types))
}

/// The extension that provides function `name` called as `schema.name`
/// (or unqualified). An extension with a schema of its own provides its
/// functions only under that schema, and that schema holds nothing else.
pub fn function_provider(schema: Option<&str>, name: &str) -> Option<&'static str> {
    if let Some(own) = KNOWN
        .iter()
        .find(|k| k.objects_schema.is_some() && k.objects_schema == schema)
    {
        return own.functions.contains(&name).then_some(own.name);
    }
    KNOWN
        .iter()
        .filter(|k| k.objects_schema.is_none())
        .find(|k| {
            k.function_prefix
                .is_some_and(|p| name.len() > p.len() && name.starts_with(p))
        })
        .or_else(|| {
            KNOWN
                .iter()
                .filter(|k| k.objects_schema.is_none())
                .find(|k| k.functions.contains(&name))
        })
        .map(|k| k.name)
}

/// The extension that provides type `name`.
pub fn type_provider(name: &str) -> Option<&'static str> {
    KNOWN
        .iter()
        .find(|k| k.types.contains(&name))
        .map(|k| k.name)
}

/// The extension that provides operator class `name`.
pub fn opclass_provider(name: &str) -> Option<&'static str> {
    KNOWN
        .iter()
        .find(|k| k.opclasses.contains(&name))
        .map(|k| k.name)
}

/// Every function and type name of every known extension.
pub fn all_object_names() -> impl Iterator<Item = &'static str> {
    KNOWN
        .iter()
        .flat_map(|k| k.functions.iter().chain(k.types.iter()).copied())
}

/// Function name prefixes that mark an extension's functions (`st_`).
pub fn function_prefixes() -> impl Iterator<Item = &'static str> {
    KNOWN.iter().filter_map(|k| k.function_prefix)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique() {
        let mut names: Vec<&str> = KNOWN.iter().map(|k| k.name).collect();
        names.sort_unstable();
        let before = names.len();
        names.dedup();
        assert_eq!(before, names.len());
    }

    #[test]
    fn providers() {
        assert_eq!(function_provider(None, "similarity"), Some("pg_trgm"));
        assert_eq!(
            function_provider(Some("extensions"), "gen_salt"),
            Some("pgcrypto")
        );
        assert_eq!(function_provider(None, "st_area"), Some("postgis"));
        assert_eq!(function_provider(None, "st_"), None);
        // pg_net's functions only under `net`, and `net` holds nothing else.
        assert_eq!(function_provider(Some("net"), "http_post"), Some("pg_net"));
        assert_eq!(function_provider(None, "http_post"), None);
        assert_eq!(function_provider(Some("net"), "similarity"), None);
        assert_eq!(function_provider(Some("cron"), "schedule"), Some("pg_cron"));
        assert_eq!(type_provider("halfvec"), Some("vector"));
        assert_eq!(opclass_provider("gin_trgm_ops"), Some("pg_trgm"));
        assert_eq!(objects("nothing"), (&[][..], &[][..]));
    }
}
