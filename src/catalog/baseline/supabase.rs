//! A Supabase project before its first migration.

use super::{
    add_extension_objects, add_function, column, function, opaque_table, schema, table, Catalog,
};
use crate::catalog::{DefaultObjectKind, DefaultPrivilege, Extension, Ident, Origin, Publication};

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

/// Tables of a new project besides auth.users, auth.identities and
/// storage's buckets and objects, with whether RLS is on: (schema, name, rls).
const PLATFORM_TABLES: &[(&str, &str, bool)] = &[
    ("auth", "audit_log_entries", true),
    ("auth", "flow_state", true),
    ("auth", "instances", true),
    ("auth", "mfa_amr_claims", true),
    ("auth", "mfa_challenges", true),
    ("auth", "mfa_factors", true),
    ("auth", "one_time_tokens", true),
    ("auth", "refresh_tokens", true),
    ("auth", "saml_providers", true),
    ("auth", "saml_relay_states", true),
    ("auth", "schema_migrations", true),
    ("auth", "sessions", true),
    ("auth", "sso_domains", true),
    ("auth", "sso_providers", true),
    ("storage", "migrations", true),
    ("storage", "s3_multipart_uploads", true),
    ("storage", "s3_multipart_uploads_parts", true),
    ("realtime", "messages", true),
    ("realtime", "schema_migrations", false),
    ("realtime", "subscription", false),
    ("vault", "secrets", false),
    ("supabase_migrations", "schema_migrations", false),
    ("supabase_migrations", "seed_files", false),
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

    // The platform's other tables, which migrations read or reference now
    // and then (sessions, vault secrets, the history tables).
    for (schema_name, name, rls) in PLATFORM_TABLES {
        opaque_table(cat, schema_name, name, *rls);
    }
    let decrypted = crate::catalog::QualifiedName::new("vault", "decrypted_secrets");
    cat.views.insert(
        decrypted.clone(),
        crate::catalog::View {
            name: decrypted,
            materialized: false,
            security_invoker: false,
            security_barrier: false,
            query: None,
            columns: Vec::new(),
            indexes: Vec::new(),
            grants: Default::default(),
            owner: None,
            origin: Origin::Baseline,
        },
    );
    add_function(
        cat,
        function("vault", "create_secret", &["text", "text", "text"], "uuid"),
    );
    add_function(
        cat,
        function(
            "vault",
            "update_secret",
            &["uuid", "text", "text", "text"],
            "void",
        ),
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
                owner: None,
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
                role: None,
                schema: Some(Ident::new("public")),
                kind,
                grantee: Ident::new(grantee),
                privileges: ["ALL".to_string()].into_iter().collect(),
                origin: Origin::Baseline,
            });
        }
    }
    // Realtime's publication, of no table yet: projects add theirs with
    // `alter publication supabase_realtime add table ...`.
    let realtime = Ident::new("supabase_realtime");
    cat.publications.insert(
        realtime.clone(),
        Publication::new(realtime, Origin::Baseline),
    );
    cat.exposed_schemas.insert(Ident::new("public"));
}
