//! A Supabase project before its first migration.

use super::{add_extension_objects, add_function, column, function, schema, table, Catalog};
use crate::catalog::{DefaultObjectKind, DefaultPrivilege, Extension, Ident, Origin};

/// Schemas Supabase creates and manages (some only once their extension is enabled).
pub(super) const MANAGED_SCHEMAS: &[&str] = &[
    "auth",
    "storage",
    "realtime",
    "extensions",
    "graphql",
    "graphql_public",
    "vault",
    "pgsodium",
    "pgsodium_masks",
    "supabase_functions",
    "supabase_migrations",
    "net",
    "cron",
    "pgbouncer",
];

/// Extensions a new project has installed, and the schema each lives in.
const EXTENSIONS: &[(&str, &str)] = &[
    ("plpgsql", "pg_catalog"),
    ("pgcrypto", "extensions"),
    ("uuid-ossp", "extensions"),
    ("pg_stat_statements", "extensions"),
    ("pg_graphql", "graphql"),
    ("supabase_vault", "vault"),
];

pub(super) fn add(cat: &mut Catalog) {
    for name in MANAGED_SCHEMAS {
        if matches!(*name, "net" | "cron") {
            continue; // created by pg_net / pg_cron when enabled
        }
        schema(cat, name, true, &[]);
    }
    // Supabase grants the API roles USAGE on public, not CREATE: as on
    // PostgreSQL 15, only the owner (pg_database_owner) creates there.
    schema(cat, "public", false, &["pg_database_owner"]);

    for role in [
        "anon",
        "authenticated",
        "service_role",
        "authenticator",
        "supabase_admin",
        "supabase_auth_admin",
        "supabase_storage_admin",
        "dashboard_user",
    ] {
        cat.roles.insert(Ident::new(role));
    }

    table(
        cat,
        "auth",
        "users",
        vec![
            column("id", "uuid", true),
            column("instance_id", "uuid", false),
            column("aud", "varchar", false),
            column("role", "varchar", false),
            column("email", "varchar", false),
            column("phone", "text", false),
            column("encrypted_password", "varchar", false),
            column("email_confirmed_at", "timestamptz", false),
            column("last_sign_in_at", "timestamptz", false),
            column("raw_app_meta_data", "jsonb", false),
            column("raw_user_meta_data", "jsonb", false),
            column("is_anonymous", "bool", true),
            column("created_at", "timestamptz", false),
            column("updated_at", "timestamptz", false),
            column("deleted_at", "timestamptz", false),
        ],
        "id",
        true,
    );
    table(
        cat,
        "auth",
        "identities",
        vec![
            column("id", "uuid", true),
            column("user_id", "uuid", true),
            column("provider", "text", true),
            column("identity_data", "jsonb", true),
            column("created_at", "timestamptz", false),
        ],
        "id",
        true,
    );
    table(
        cat,
        "storage",
        "buckets",
        vec![
            column("id", "text", true),
            column("name", "text", true),
            column("owner", "uuid", false),
            column("public", "bool", false),
            column("file_size_limit", "int8", false),
            column("allowed_mime_types", "text", false),
            column("created_at", "timestamptz", false),
            column("updated_at", "timestamptz", false),
        ],
        "id",
        true,
    );
    table(
        cat,
        "storage",
        "objects",
        vec![
            column("id", "uuid", true),
            column("bucket_id", "text", false),
            column("name", "text", false),
            column("owner", "uuid", false),
            column("owner_id", "text", false),
            column("metadata", "jsonb", false),
            column("path_tokens", "text", false),
            column("version", "text", false),
            column("created_at", "timestamptz", false),
            column("updated_at", "timestamptz", false),
            column("last_accessed_at", "timestamptz", false),
        ],
        "id",
        true,
    );

    add_function(cat, function("auth", "uid", &[], "uuid"));
    add_function(cat, function("auth", "jwt", &[], "jsonb"));
    add_function(cat, function("auth", "role", &[], "text"));
    add_function(cat, function("auth", "email", &[], "text"));
    add_function(cat, function("storage", "foldername", &["text"], "text"));
    add_function(cat, function("storage", "filename", &["text"], "text"));
    add_function(cat, function("storage", "extension", &["text"], "text"));

    for (ext, ext_schema) in EXTENSIONS {
        let schema = Ident::new(*ext_schema);
        cat.extensions.insert(
            Ident::new(*ext),
            Extension {
                name: Ident::new(*ext),
                schema: schema.clone(),
                origin: Origin::Baseline,
            },
        );
        add_extension_objects(cat, ext, &schema, Origin::Baseline);
    }

    // Supabase's default privileges: the API roles get everything new in public.
    for kind in [
        DefaultObjectKind::Tables,
        DefaultObjectKind::Sequences,
        DefaultObjectKind::Functions,
    ] {
        for grantee in ["anon", "authenticated", "service_role"] {
            cat.default_privileges.push(DefaultPrivilege {
                schema: Some(Ident::new("public")),
                kind,
                grantee: Ident::new(grantee),
                privileges: ["ALL".to_string()].into_iter().collect(),
                origin: Origin::Baseline,
            });
        }
    }
    cat.exposed_schemas.insert(Ident::new("public"));
}
