//! What exists before the first migration, per platform. Project-written
//! models, not dumps: only what rules and name resolution need.

mod postgres;
mod supabase;

use super::{
    ArgMode, Catalog, Column, Constraint, ConstraintKind, Function, FunctionArg, FunctionKind,
    Ident, Origin, Platform, QualifiedName, RelKind, Schema, Table, TypeName, Volatility,
};

/// The catalog a migration history starts from.
pub fn catalog(platform: Platform) -> Catalog {
    let mut cat = Catalog::empty(platform);
    postgres::add(&mut cat);
    if platform == Platform::Supabase {
        supabase::add(&mut cat);
    }
    cat
}

/// Schemas PostgreSQL resolves unqualified names through, after pg_catalog,
/// when a migration has not set its own search_path.
pub fn default_search_path(platform: Platform) -> Vec<Ident> {
    match platform {
        // The Supabase CLI's role search_path is "$user", public, extensions.
        Platform::Supabase => vec![Ident::new("public"), Ident::new("extensions")],
        Platform::Postgres => vec![Ident::new("public")],
    }
}

/// Schemas a platform manages for itself; migrations should leave them alone.
pub fn platform_schemas(platform: Platform) -> &'static [&'static str] {
    match platform {
        Platform::Supabase => supabase::MANAGED_SCHEMAS,
        Platform::Postgres => &[],
    }
}

/// Adds an extension's known objects into `schema` (at CREATE EXTENSION or in a baseline).
pub fn add_extension_objects(cat: &mut Catalog, extension: &str, schema: &Ident, origin: Origin) {
    let (functions, types) = super::extensions::objects(extension);
    for f in functions {
        let mut func = function(schema.as_str(), f, &[], "void");
        func.extension_owned = true;
        func.origin = origin;
        func.language = Ident::new("c");
        cat.functions
            .entry(func.name.clone())
            .or_default()
            .push(func);
    }
    for t in types {
        let name = QualifiedName::new(schema.clone(), Ident::new(*t));
        cat.types.insert(
            name.clone(),
            super::TypeDef {
                name,
                kind: super::TypeKind::Opaque,
                owner: None,
                origin,
            },
        );
    }
}

fn schema(cat: &mut Catalog, name: &str, platform_managed: bool, create_grantees: &[&str]) {
    cat.schemas.insert(
        Ident::new(name),
        Schema {
            name: Ident::new(name),
            platform_managed,
            create_grantees: create_grantees.iter().map(|g| Ident::new(*g)).collect(),
            owner: None,
            origin: Origin::Baseline,
        },
    );
}

fn column(name: &str, ty: &str, not_null: bool) -> Column {
    Column {
        name: Ident::new(name),
        ty: if let Some(internal) = super::types::builtin(ty) {
            TypeName::builtin(internal)
        } else {
            TypeName {
                name: QualifiedName::new("pg_catalog", ty),
                mods: Vec::new(),
                array_dims: 0,
                unqualified: true,
            }
        },
        not_null,
        default: None,
        identity: false,
        generated: false,
        grants: Default::default(),
        changed: None,
        origin: Origin::Baseline,
    }
}

fn table(cat: &mut Catalog, schema: &str, name: &str, columns: Vec<Column>, pk: &str, rls: bool) {
    let qn = QualifiedName::new(schema, name);
    let constraints = vec![Constraint {
        name: Ident::new(format!("{name}_pkey")),
        kind: ConstraintKind::PrimaryKey {
            columns: vec![Ident::new(pk)],
        },
        not_valid: false,
        origin: Origin::Baseline,
    }];
    let indexes = vec![super::Index {
        name: Ident::new(format!("{name}_pkey")),
        method: Ident::new("btree"),
        elems: vec![super::IndexElem {
            key: super::IndexKey::Column(Ident::new(pk)),
            opclass: None,
            descending: false,
        }],
        include: Vec::new(),
        unique: true,
        predicate: None,
        is_valid: true,
        concurrently: false,
        constraint_backed: true,
        origin: Origin::Baseline,
    }];
    let mut t = Table::new(qn.clone(), RelKind::Table, Origin::Baseline);
    t.columns = columns;
    t.constraints = constraints;
    t.indexes = indexes;
    t.rls_enabled = rls;
    cat.tables.insert(qn, t.into());
}

/// The table a migration runner keeps its history in (`schema.name`),
/// made by the runner before the first migration: present, columns not
/// listed, in a schema of its own made too when it has one.
pub fn add_history_table(cat: &mut Catalog, qualified: &str) {
    let Some((schema_name, name)) = qualified.split_once('.') else {
        return;
    };
    if !cat.schemas.contains_key(&Ident::new(schema_name)) {
        schema(cat, schema_name, true, &[]);
    }
    if cat.table(&QualifiedName::new(schema_name, name)).is_none() {
        opaque_table(cat, schema_name, name, false);
    }
}

/// A platform table whose columns the model does not list (column rules
/// trust any column of it).
fn opaque_table(cat: &mut Catalog, schema: &str, name: &str, rls: bool) {
    let qn = QualifiedName::new(schema, name);
    let mut t = Table::new(qn.clone(), RelKind::Table, Origin::Baseline);
    t.columns_unknown = true;
    t.rls_enabled = rls;
    cat.tables.insert(qn, t.into());
}

fn function(schema: &str, name: &str, args: &[&str], returns: &str) -> Function {
    let mut f = Function::new(
        QualifiedName::new(schema, name),
        FunctionKind::Function,
        Origin::Baseline,
    );
    f.args = args
        .iter()
        .map(|a| FunctionArg {
            name: None,
            ty: TypeName::builtin(a),
            mode: ArgMode::In,
            has_default: false,
        })
        .collect();
    f.returns = Some(TypeName::builtin(returns));
    f.volatility = Volatility::Stable;
    f
}

fn add_function(cat: &mut Catalog, f: Function) {
    cat.functions.entry(f.name.clone()).or_default().push(f);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn supabase_has_auth_and_storage() {
        let cat = catalog(Platform::Supabase);
        assert!(cat.table(&QualifiedName::new("auth", "users")).is_some());
        assert!(cat.function_exists(&QualifiedName::new("auth", "uid")));
        assert!(cat.function_exists(&QualifiedName::new("storage", "foldername")));
        assert!(cat.roles.contains(&Ident::new("anon")));
        assert!(cat.is_platform_schema(&Ident::new("auth")));
        assert!(!cat.is_platform_schema(&Ident::new("public")));
    }

    #[test]
    fn plain_postgres_has_no_supabase_objects() {
        let cat = catalog(Platform::Postgres);
        assert!(cat.table(&QualifiedName::new("auth", "users")).is_none());
        assert!(cat.schemas.contains_key(&Ident::new("public")));
    }
}
