//! Tables, columns, constraints, indexes, views.

use pg_query::protobuf::{self as pb, AlterTableType as At, ConstrType};
use pg_query::NodeEnum;

use super::{expr, Replayer};
use crate::catalog::{
    types, Column, Constraint, ConstraintKind, FkAction, ForeignKey, Ident, Index, IndexElem,
    IndexKey, QualifiedName, RelKind, Sequence, SequenceChange, SequenceOptions, SequenceType,
    Table, View,
};
use crate::sql::ast;
use crate::sql::split::Statement;

impl Replayer {
    pub(super) fn create_table(&mut self, s: &pb::CreateStmt, stmt: &Statement) {
        let Some(rv) = &s.relation else { return };
        let name = self.name_for_create(rv);
        if self.catalog.tables.contains_key(&name) {
            // CREATE TABLE IF NOT EXISTS on an existing table changes nothing;
            // a plain duplicate fails in PostgreSQL and changes nothing either.
            return;
        }
        let kind = if s.partspec.is_some() {
            RelKind::Partitioned
        } else {
            RelKind::Table
        };
        let partition_of = s
            .partbound
            .as_ref()
            .and(s.inh_relations.first())
            .and_then(|n| match &n.node {
                Some(NodeEnum::RangeVar(rv)) => Some(self.table_ref(rv)),
                _ => None,
            });
        let mut table = Table::new(name.clone(), kind, self.stamp.origin(stmt));
        table.owner = self.creator();
        self.stmt_keys.clear();
        table.partition_of = partition_of;
        table.grants = self.default_relation_grants(&name.schema);
        apply_storage_options(&mut table, &s.options, false);
        // The names so far, so that each column is added in constant time
        // (a CREATE TABLE of 40,000 columns was quadratic).
        let mut names: std::collections::HashSet<String> = std::collections::HashSet::new();
        for elt in &s.table_elts {
            match &elt.node {
                Some(NodeEnum::ColumnDef(c)) => {
                    let again = !names.insert(c.colname.clone());
                    self.add_column(&mut table, c, stmt, again);
                }
                Some(NodeEnum::Constraint(c)) => self.add_constraint(&mut table, c, None, stmt),
                Some(NodeEnum::TableLikeClause(like)) => {
                    if let Some(src) = like.relation.as_ref().and_then(|rv| self.find_table(rv)) {
                        if let Some(src) = self.catalog.tables.get(&src) {
                            names.extend(src.columns.iter().map(|c| c.name.as_str().to_string()));
                            // LIKE copies no privileges.
                            table.columns.extend(src.columns.iter().map(|c| Column {
                                grants: Default::default(),
                                ..c.clone()
                            }));
                        }
                    }
                }
                _ => {}
            }
        }
        for c in &s.constraints {
            if let Some(NodeEnum::Constraint(c)) = &c.node {
                self.add_constraint(&mut table, c, None, stmt);
            }
        }
        merge_keys(&mut table, std::mem::take(&mut self.stmt_keys));
        // A self-reference without columns written before the primary key.
        let pk = primary_key(&table);
        for c in &mut table.constraints {
            if let ConstraintKind::ForeignKey(fk) = &mut c.kind {
                if fk.ref_columns.is_empty() && fk.ref_table == table.name {
                    fk.ref_columns.clone_from(&pk);
                }
            }
        }
        // Most tables keep the columns they are created with: no room to grow.
        table.columns.shrink_to_fit();
        table.constraints.shrink_to_fit();
        self.catalog.tables.insert(name, table.into());
    }

    /// CREATE FOREIGN TABLE: a table whose rows live on a foreign server.
    pub(super) fn create_foreign_table(
        &mut self,
        s: &pb::CreateForeignTableStmt,
        stmt: &Statement,
    ) {
        let Some(base) = &s.base_stmt else { return };
        let Some(rv) = &base.relation else { return };
        let name = self.name_for_create(rv);
        if self.catalog.tables.contains_key(&name) {
            return;
        }
        self.create_table(base, stmt);
        if let Some(t) = self.catalog.tables.get_mut(&name) {
            t.kind = RelKind::Foreign;
        }
    }

    /// Adds the column; `replace`: the table may already have one of that
    /// name, which it replaces.
    fn add_column(
        &mut self,
        table: &mut Table,
        c: &pb::ColumnDef,
        stmt: &Statement,
        replace: bool,
    ) {
        let Some(tn) = &c.type_name else { return };
        let written = ast::strings(&tn.names).last().cloned().unwrap_or_default();
        let name = Ident::new(c.colname.clone());
        let mut column = Column {
            name: name.clone(),
            ty: self.type_name(tn),
            not_null: c.is_not_null,
            default: column_default(&c.raw_default),
            identity: !c.identity.is_empty(),
            generated: false,
            grants: Default::default(),
            origin: self.stamp.origin_at(stmt, c.location),
            changed: None,
        };
        if types::is_serial(&written) {
            column.not_null = true;
            // ChooseRelationName: `table_col_seq`, or `..._seq1` when a
            // relation of the schema has that name (a renamed table's).
            let seq = QualifiedName::new(
                table.name.schema.clone(),
                self.choose_relation_name(
                    &table.name.schema,
                    table.name.name.as_str(),
                    Some(&c.colname),
                    "seq",
                ),
            );
            // What PostgreSQL gives a serial column.
            let literal = seq.to_string().replace('\'', "''");
            column.default = crate::sql::expr::parse(&format!("nextval('{literal}'::regclass)"))
                .map(|node| crate::catalog::Expr::new(&node));
            // `AS` the column's type: a serial's sequence stops at its limit.
            let options = SequenceOptions::new(&SequenceChange {
                data_type: SequenceType::of(&column.ty),
                ..SequenceChange::default()
            });
            self.catalog.sequences.insert(
                seq.clone(),
                Sequence {
                    name: seq,
                    owned_by: Some((table.name.clone(), name.clone())),
                    identity: false,
                    options,
                    grants: self.default_sequence_grants(&table.name.schema),
                    owner: self.creator(),
                    origin: self.stamp.origin(stmt),
                },
            );
        }
        if replace {
            table.columns.retain(|col| col.name != name);
        }
        table.columns.push(column);
        for con in &c.constraints {
            if let Some(NodeEnum::Constraint(con)) = &con.node {
                self.add_constraint(table, con, Some(&name), stmt);
            }
        }
    }

    /// Adds a column or table constraint. `column` is set for column constraints.
    fn add_constraint(
        &mut self,
        table: &mut Table,
        c: &pb::Constraint,
        column: Option<&Ident>,
        stmt: &Statement,
    ) {
        // `ADD CONSTRAINT ... PRIMARY KEY USING INDEX ix`: the columns are the index's.
        let using_index = (!c.indexname.is_empty()).then(|| Ident::new(c.indexname.clone()));
        let index_columns: Option<Vec<Ident>> = using_index.as_ref().and_then(|n| {
            let ix = table.indexes.iter().find(|ix| &ix.name == n)?;
            ix.elems
                .iter()
                .map(|e| match &e.key {
                    IndexKey::Column(c) => Some(c.clone()),
                    IndexKey::Expression(_) => None,
                })
                .collect()
        });
        let keys = |list: &[pb::Node]| -> Vec<Ident> {
            let named: Vec<Ident> = ast::strings(list).into_iter().map(Ident::new).collect();
            match (named.is_empty(), column, &index_columns) {
                (true, _, Some(cols)) => cols.clone(),
                (true, Some(col), None) => vec![col.clone()],
                _ => named,
            }
        };
        let origin = self.stamp.origin_at(stmt, c.location);
        let set_col = |table: &mut Table, f: &dyn Fn(&mut Column)| {
            if let Some(col) = column.and_then(|n| table.columns.iter_mut().find(|c| &c.name == n))
            {
                f(col);
            }
        };
        let kind = match ConstrType::try_from(c.contype) {
            Ok(ConstrType::ConstrNotnull) => {
                set_col(table, &|col| col.not_null = true);
                if let (None, Some(name)) = (column, ast::strings(&c.keys).first()) {
                    if let Some(col) = table
                        .columns
                        .iter_mut()
                        .find(|col| col.name.as_str() == name)
                    {
                        col.not_null = true;
                    }
                }
                return;
            }
            Ok(ConstrType::ConstrNull) => {
                set_col(table, &|col| col.not_null = false);
                return;
            }
            Ok(ConstrType::ConstrDefault) => {
                let default = column_default(&c.raw_expr);
                set_col(table, &|col| col.default = default.clone());
                return;
            }
            Ok(ConstrType::ConstrIdentity) => {
                set_col(table, &|col| {
                    col.identity = true;
                    col.not_null = true;
                });
                if let Some(col) = column {
                    self.add_identity_sequence(table, col, &c.options, stmt);
                }
                return;
            }
            Ok(ConstrType::ConstrGenerated) => {
                set_col(table, &|col| col.generated = true);
                return;
            }
            Ok(ConstrType::ConstrPrimary) => {
                let columns = keys(&c.keys);
                for col in table
                    .columns
                    .iter_mut()
                    .filter(|col| columns.contains(&col.name))
                {
                    col.not_null = true;
                }
                ConstraintKind::PrimaryKey { columns }
            }
            Ok(ConstrType::ConstrUnique) => ConstraintKind::Unique {
                columns: keys(&c.keys),
                nulls_not_distinct: c.nulls_not_distinct,
            },
            Ok(ConstrType::ConstrForeign) => {
                let Some(pk) = &c.pktable else { return };
                // A self-reference names the table being created.
                let (schema, relname) = ast::range_var_name(pk);
                let ref_table = if relname == table.name.name.as_str()
                    && schema
                        .as_deref()
                        .is_none_or(|s| s == table.name.schema.as_str())
                {
                    table.name.clone()
                } else {
                    self.table_ref(pk)
                };
                let on_delete = fk_action(&c.fk_del_action);
                let mut ref_columns: Vec<Ident> = ast::strings(&c.pk_attrs)
                    .into_iter()
                    .map(Ident::new)
                    .collect();
                // `REFERENCES t` without columns: t's primary key.
                if ref_columns.is_empty() {
                    let parent = if ref_table == table.name {
                        Some(&*table)
                    } else {
                        self.catalog.tables.get(&ref_table).map(|t| &**t)
                    };
                    ref_columns = parent.map(primary_key).unwrap_or_default();
                }
                ConstraintKind::ForeignKey(ForeignKey {
                    columns: keys(&c.fk_attrs),
                    ref_table,
                    ref_columns,
                    on_delete,
                    on_update: fk_action(&c.fk_upd_action),
                })
            }
            Ok(ConstrType::ConstrCheck) => ConstraintKind::Check {
                expr: expr(&c.raw_expr),
            },
            Ok(ConstrType::ConstrExclusion) => ConstraintKind::Exclusion,
            _ => return,
        };
        // A name the table has already: PostgreSQL refuses the constraint
        // ("already exists"), and the DO ... EXCEPTION WHEN duplicate_object
        // idiom swallows that.
        if !c.conname.is_empty()
            && table
                .constraints
                .iter()
                .any(|k| k.name.as_str() == c.conname)
        {
            return;
        }
        let name = match (c.conname.is_empty(), &using_index) {
            (false, _) => Ident::new(c.conname.clone()),
            // Without a name, the constraint takes the index's.
            (true, Some(ix)) => ix.clone(),
            (true, None) => {
                // ChooseConstraintName looks at the schema's constraints;
                // an index-backed one is named as its index, which must
                // also differ from the schema's relations.
                let schema = table.name.schema.clone();
                let backed = matches!(
                    kind,
                    ConstraintKind::PrimaryKey { .. }
                        | ConstraintKind::Unique { .. }
                        | ConstraintKind::Exclusion
                );
                let taken = |n: &str| {
                    self.constraint_name_taken(&schema, n)
                        || (backed && self.relation_name_taken(&schema, n))
                };
                // A CHECK's expression is read from the statement's tree, not
                // decoded again from the model.
                default_constraint_name(table, &kind, c.raw_expr.as_deref(), column, &taken)
            }
        };
        // PRIMARY KEY and UNIQUE are backed by a btree index of the constraint's name.
        let backing_columns = match &kind {
            ConstraintKind::PrimaryKey { columns } | ConstraintKind::Unique { columns, .. } => {
                Some(columns.clone())
            }
            _ => None,
        };
        if let Some(columns) = backing_columns {
            match using_index.and_then(|n| table.indexes.iter_mut().find(|ix| ix.name == n)) {
                // PostgreSQL renames the index to the constraint's name.
                Some(ix) => {
                    ix.constraint_backed = true;
                    ix.name = name.clone();
                }
                None => {
                    self.stmt_keys.push((name.clone(), !c.conname.is_empty()));
                    table.indexes.push(Index {
                        name: name.clone(),
                        method: Ident::new("btree"),
                        elems: columns
                            .into_iter()
                            .map(|c| IndexElem {
                                key: IndexKey::Column(c),
                                opclass: None,
                                descending: false,
                            })
                            .collect(),
                        include: ast::strings(&c.including)
                            .into_iter()
                            .map(Ident::new)
                            .collect(),
                        unique: true,
                        predicate: None,
                        is_valid: true,
                        concurrently: false,
                        constraint_backed: true,
                        origin,
                    })
                }
            }
        }
        self.named.insert(name.as_str().to_string());
        table.constraints.push(Constraint {
            name,
            kind,
            not_valid: c.skip_validation,
            origin,
        });
    }

    pub(super) fn alter_table(&mut self, s: &pb::AlterTableStmt, stmt: &Statement) {
        let Some(rv) = &s.relation else { return };
        // OWNER TO; ALTER SEQUENCE ... OWNER TO changes nothing else.
        if self.alter_relation_owner(s) {
            return;
        }
        if pb::ObjectType::try_from(s.objtype) == Ok(pb::ObjectType::ObjectIndex) {
            return self.alter_index(rv, &s.cmds);
        }
        if pb::ObjectType::try_from(s.objtype) == Ok(pb::ObjectType::ObjectView)
            || pb::ObjectType::try_from(s.objtype) == Ok(pb::ObjectType::ObjectMatview)
        {
            return self.alter_view(rv, &s.cmds);
        }
        let name = match self.find_table(rv) {
            Some(name) => name,
            // --assume-existing: the table predates the migrations. Keep what
            // they add to it (constraints, columns) on a stand-in that counts
            // as platform-given, so schema rules leave it alone.
            None if self.assume_existing => {
                let name = self.table_ref(rv);
                self.catalog.tables.insert(
                    name.clone(),
                    Table::new(
                        name.clone(),
                        RelKind::Table,
                        crate::catalog::Origin::Baseline,
                    )
                    .into(),
                );
                name
            }
            None => return,
        };
        let Some(mut table) = self.catalog.tables.remove(&name) else {
            return;
        };
        self.stmt_keys.clear();
        let mut cmds = ast::alter_table_cmds(s);
        // PostgreSQL runs the subcommands in passes, not in written order.
        cmds.sort_by_key(|cmd| pass(cmd));
        for cmd in cmds {
            self.alter_table_cmd(&mut table, cmd, stmt);
        }
        // Unlike CREATE TABLE, ALTER TABLE builds one index per key even when
        // two are equal (checked on PostgreSQL 15).
        self.stmt_keys.clear();
        self.catalog.tables.insert(name, table);
    }

    fn alter_table_cmd(&mut self, table: &mut Table, cmd: &pb::AlterTableCmd, stmt: &Statement) {
        let col_name = Ident::new(cmd.name.clone());
        let column = |table: &mut Table| -> Option<usize> {
            table.columns.iter().position(|c| c.name == col_name)
        };
        match At::try_from(cmd.subtype) {
            // The child becomes (or stops being) a partition of this table.
            Ok(At::AtAttachPartition | At::AtDetachPartition) => {
                let Some(NodeEnum::PartitionCmd(pc)) =
                    cmd.def.as_deref().and_then(|d| d.node.as_ref())
                else {
                    return;
                };
                let Some(child) = pc.name.as_ref().and_then(|rv| self.find_table(rv)) else {
                    return;
                };
                let attach = At::try_from(cmd.subtype) == Ok(At::AtAttachPartition);
                if let Some(c) = self.catalog.tables.get_mut(&child) {
                    c.partition_of = attach.then(|| table.name.clone());
                    // The model keeps a partition's columns on its parent
                    // (as PARTITION OF makes it); a detached table has its
                    // own again, the parent's.
                    if attach {
                        c.columns.clear();
                    } else if c.columns.is_empty() {
                        c.columns.clone_from(&table.columns);
                        // Its copy of the parent's primary key stays, under
                        // the partition's own name.
                        let has_key = c.constraints.iter().any(|k| {
                            matches!(k.kind, crate::catalog::ConstraintKind::PrimaryKey { .. })
                        });
                        let parent_key = table.constraints.iter().find(|k| {
                            matches!(k.kind, crate::catalog::ConstraintKind::PrimaryKey { .. })
                        });
                        if let (false, Some(key)) = (has_key, parent_key) {
                            let name = Ident::new(format!("{}_pkey", child.name.as_str()));
                            if let Some(ix) = table.indexes.iter().find(|ix| ix.name == key.name) {
                                let mut ix = ix.clone();
                                ix.name = name.clone();
                                c.indexes.push(ix);
                            }
                            let mut key = key.clone();
                            key.name = name;
                            c.constraints.push(key);
                        }
                    }
                }
            }
            Ok(At::AtAddColumn) => {
                if let Some(NodeEnum::ColumnDef(c)) =
                    cmd.def.as_deref().and_then(|d| d.node.as_ref())
                {
                    let exists = table
                        .columns
                        .iter()
                        .any(|col| col.name.as_str() == c.colname);
                    if !(exists && cmd.missing_ok) {
                        self.add_column(table, c, stmt, exists);
                    }
                }
            }
            Ok(At::AtDropColumn) => {
                table.columns.retain(|c| c.name != col_name);
                // A publication whose column list or row filter names the
                // column loses the table (they depend on the column).
                for p in self.catalog.publications.values_mut() {
                    p.tables.retain(|t| {
                        t.table != table.name
                            || !(t.columns.contains(&col_name)
                                || t.predicate.as_ref().is_some_and(|x| {
                                    crate::sql::expr::mentions_column(&x.node(), col_name.as_str())
                                }))
                    });
                }
                // A serial's sequence goes with its column.
                let owner = (table.name.clone(), col_name.clone());
                self.catalog
                    .sequences
                    .retain(|_, s| s.owned_by.as_ref() != Some(&owner));
                // PostgreSQL drops indexes and constraints that use the
                // column, in a key, an expression or a predicate.
                let uses = |x: &crate::catalog::Expr| {
                    crate::sql::expr::mentions_column(&x.node(), col_name.as_str())
                };
                table.indexes.retain(|ix| {
                    !ix.elems.iter().any(|e| match &e.key {
                        IndexKey::Column(c) => c == &col_name,
                        IndexKey::Expression(x) => uses(x),
                    }) && !ix.include.contains(&col_name)
                        && !ix.predicate.as_ref().is_some_and(uses)
                });
                table.constraints.retain(|c| {
                    !constraint_columns(&c.kind).contains(&&col_name)
                        && !matches!(&c.kind, ConstraintKind::Check { expr: Some(x) } if uses(x))
                });
            }
            Ok(At::AtColumnDefault) => {
                if let Some(i) = column(table) {
                    if let Some(col) = table.columns.get_mut(i) {
                        col.default = column_default(&cmd.def);
                    }
                }
            }
            Ok(At::AtSetNotNull) | Ok(At::AtDropNotNull) => {
                let set = At::try_from(cmd.subtype) == Ok(At::AtSetNotNull);
                if let Some(col) = column(table).and_then(|i| table.columns.get_mut(i)) {
                    col.not_null = set;
                }
            }
            Ok(At::AtAlterColumnType) => {
                if let Some(NodeEnum::ColumnDef(c)) =
                    cmd.def.as_deref().and_then(|d| d.node.as_ref())
                {
                    if let Some(tn) = &c.type_name {
                        let ty = self.type_name(tn);
                        // An identity column's sequence takes the new type
                        // (`ALTER SEQUENCE ... AS`, as transformAlterTableStmt
                        // adds).
                        let change = SequenceChange {
                            data_type: SequenceType::of(&ty),
                            ..SequenceChange::default()
                        };
                        if change.data_type.is_some() {
                            if let Some(seq) = self.identity_sequence(&table.name, &col_name) {
                                seq.options.alter(&change);
                            }
                        }
                        if let Some(col) = column(table).and_then(|i| table.columns.get_mut(i)) {
                            col.ty = ty;
                            if self.stamp.has_positions() {
                                col.changed = Some(stmt.span);
                            }
                        }
                    }
                }
            }
            Ok(At::AtAddIdentity) => {
                if let Some(col) = column(table).and_then(|i| table.columns.get_mut(i)) {
                    col.identity = true;
                    col.not_null = true;
                    let options = match cmd.def.as_deref().and_then(|d| d.node.as_ref()) {
                        Some(NodeEnum::Constraint(c)) => c.options.as_slice(),
                        _ => &[],
                    };
                    self.add_identity_sequence(table, &col_name, options, stmt);
                }
            }
            // SET GENERATED, SET INCREMENT BY, RESTART, ...: the identity
            // sequence's options.
            Ok(At::AtSetIdentity) => {
                if let Some(NodeEnum::List(list)) = cmd.def.as_deref().and_then(|d| d.node.as_ref())
                {
                    let change = self.sequence_change(&list.items);
                    if let Some(seq) = self.identity_sequence(&table.name, &col_name) {
                        seq.options.alter(&change);
                    }
                }
            }
            // DROP EXPRESSION: the stored values stay, as a plain column.
            Ok(At::AtDropExpression) => {
                if let Some(col) = column(table).and_then(|i| table.columns.get_mut(i)) {
                    col.generated = false;
                }
            }
            Ok(At::AtDropIdentity) => {
                if let Some(col) = column(table).and_then(|i| table.columns.get_mut(i)) {
                    col.identity = false;
                }
                // Its sequence goes with it.
                let owner = (table.name.clone(), col_name.clone());
                self.catalog
                    .sequences
                    .retain(|_, s| !(s.identity && s.owned_by.as_ref() == Some(&owner)));
            }
            Ok(At::AtAddConstraint) | Ok(At::AtAddIndexConstraint) => {
                if let Some(NodeEnum::Constraint(c)) =
                    cmd.def.as_deref().and_then(|d| d.node.as_ref())
                {
                    self.add_constraint(table, c, None, stmt);
                }
            }
            Ok(At::AtDropConstraint) => {
                table.constraints.retain(|c| c.name != col_name);
                table
                    .indexes
                    .retain(|ix| !(ix.constraint_backed && ix.name == col_name));
            }
            Ok(At::AtValidateConstraint) => {
                for c in table.constraints.iter_mut().filter(|c| c.name == col_name) {
                    c.not_valid = false;
                }
            }
            Ok(At::AtEnableRowSecurity) | Ok(At::AtDisableRowSecurity) => {
                table.rls_enabled = At::try_from(cmd.subtype) == Ok(At::AtEnableRowSecurity);
                table.rls_origin = Some(self.stamp.origin(stmt));
            }
            Ok(At::AtSetRelOptions) | Ok(At::AtResetRelOptions) => {
                if let Some(NodeEnum::List(list)) = cmd.def.as_deref().and_then(|d| d.node.as_ref())
                {
                    let reset = At::try_from(cmd.subtype) == Ok(At::AtResetRelOptions);
                    apply_storage_options(table, &list.items, reset);
                }
            }
            Ok(At::AtForceRowSecurity) => table.rls_forced = true,
            Ok(At::AtNoForceRowSecurity) => table.rls_forced = false,
            Ok(At::AtEnableTrig)
            | Ok(At::AtEnableAlwaysTrig)
            | Ok(At::AtEnableReplicaTrig)
            | Ok(At::AtDisableTrig) => {
                let enabled = At::try_from(cmd.subtype) != Ok(At::AtDisableTrig);
                for t in table.triggers.iter_mut().filter(|t| t.name == col_name) {
                    t.enabled = enabled;
                }
            }
            Ok(At::AtEnableTrigAll)
            | Ok(At::AtEnableTrigUser)
            | Ok(At::AtDisableTrigAll)
            | Ok(At::AtDisableTrigUser) => {
                let enabled = matches!(
                    At::try_from(cmd.subtype),
                    Ok(At::AtEnableTrigAll) | Ok(At::AtEnableTrigUser)
                );
                for t in &mut table.triggers {
                    t.enabled = enabled;
                }
            }
            _ => {}
        }
    }

    /// ALTER INDEX: `ATTACH PARTITION` is the one form that changes the
    /// model (an index created ON ONLY a partitioned table turns valid once
    /// every partition has one attached).
    fn alter_index(&mut self, rv: &pb::RangeVar, cmds: &[pb::Node]) {
        let Some(parent) = self.find_index(rv) else {
            return;
        };
        for cmd in cmds {
            let Some(NodeEnum::AlterTableCmd(cmd)) = &cmd.node else {
                continue;
            };
            if At::try_from(cmd.subtype) != Ok(At::AtAttachPartition) {
                continue;
            }
            let Some(NodeEnum::PartitionCmd(pc)) = cmd.def.as_deref().and_then(|d| d.node.as_ref())
            else {
                continue;
            };
            let Some((child_table, _)) = pc.name.as_ref().and_then(|n| self.find_index(n)) else {
                continue;
            };
            let Some(pending) = self.unattached.get_mut(&parent) else {
                continue;
            };
            pending.retain(|p| *p != child_table);
            if pending.is_empty() {
                self.unattached.remove(&parent);
                let (table, index) = &parent;
                if let Some(ix) = self
                    .catalog
                    .tables
                    .get_mut(table)
                    .and_then(|t| t.indexes.iter_mut().find(|ix| ix.name == *index))
                {
                    ix.is_valid = true;
                }
            }
        }
    }

    /// The table and name of the index a name refers to: in its schema, or
    /// the first schema on the search_path that has it.
    fn find_index(&self, rv: &pb::RangeVar) -> Option<(QualifiedName, Ident)> {
        let (schema, name) = ast::range_var_name(rv);
        let holder = crate::catalog::resolve::index(
            &self.catalog,
            &self.search_path,
            schema.as_deref(),
            &name,
        )?;
        Some((holder, Ident::new(name)))
    }

    fn alter_view(&mut self, rv: &pb::RangeVar, cmds: &[pb::Node]) {
        let Some(qn) = self.find_relation(rv) else {
            return;
        };
        let Some(view) = self.catalog.views.get_mut(&qn) else {
            return;
        };
        for cmd in cmds {
            let Some(NodeEnum::AlterTableCmd(cmd)) = &cmd.node else {
                continue;
            };
            let reset = At::try_from(cmd.subtype) == Ok(At::AtResetRelOptions);
            if At::try_from(cmd.subtype) == Ok(At::AtSetRelOptions) || reset {
                if let Some(NodeEnum::List(list)) = cmd.def.as_deref().and_then(|d| d.node.as_ref())
                {
                    apply_view_options(view, &list.items, reset);
                }
            }
        }
    }

    pub(super) fn create_index(&mut self, s: &pb::IndexStmt, stmt: &Statement) {
        let Some(rv) = &s.relation else { return };
        let Some(on) = self.find_relation(rv) else {
            return;
        };
        let elems: Vec<IndexElem> = s
            .index_params
            .iter()
            .filter_map(|p| match &p.node {
                Some(NodeEnum::IndexElem(e)) => Some(index_elem(e)),
                _ => None,
            })
            .collect();
        let name = if s.idxname.is_empty() {
            let cols: Vec<&str> = elems
                .iter()
                .map(|e| match &e.key {
                    IndexKey::Column(c) => c.as_str(),
                    IndexKey::Expression(_) => "expr",
                })
                .collect();
            // ChooseIndexName: `table_cols_idx`, `..._idx1`, ... among the
            // schema's relations.
            let addition = column_names_addition(cols.into_iter());
            self.choose_relation_name(&on.schema, on.name.as_str(), Some(&addition), "idx")
        } else {
            Ident::new(s.idxname.clone())
        };
        let index = Index {
            name: name.clone(),
            method: Ident::new(if s.access_method.is_empty() {
                "btree".to_string()
            } else {
                s.access_method.clone()
            }),
            elems,
            include: s
                .index_including_params
                .iter()
                .filter_map(|p| match &p.node {
                    Some(NodeEnum::IndexElem(e)) => Some(Ident::new(e.name.clone())),
                    _ => None,
                })
                .collect(),
            unique: s.unique,
            predicate: expr(&s.where_clause),
            is_valid: true,
            concurrently: s.concurrent,
            constraint_backed: false,
            origin: self.stamp.origin(stmt),
        };
        let indexes = if let Some(t) = self.catalog.tables.get_mut(&on) {
            &mut t.indexes
        } else if let Some(v) = self.catalog.views.get_mut(&on) {
            &mut v.indexes
        } else {
            return;
        };
        if indexes.iter().any(|ix| ix.name == name) {
            return; // IF NOT EXISTS, or a duplicate PostgreSQL would reject
        }
        self.named.insert(name.as_str().to_string());
        indexes.push(index);
        // ON ONLY a partitioned table that has partitions: invalid until an
        // index is attached for each of them.
        let partitioned = self
            .catalog
            .tables
            .get(&on)
            .is_some_and(|t| t.kind == RelKind::Partitioned);
        if partitioned && !rv.inh {
            let partitions: Vec<QualifiedName> = self
                .catalog
                .tables
                .values()
                .filter(|t| t.partition_of.as_ref() == Some(&on))
                .map(|t| t.name.clone())
                .collect();
            if !partitions.is_empty() {
                if let Some(ix) = self
                    .catalog
                    .tables
                    .get_mut(&on)
                    .and_then(|t| t.indexes.last_mut())
                {
                    ix.is_valid = false;
                }
                self.unattached.insert((on, name), partitions);
            }
        }
    }

    pub(super) fn create_view(&mut self, s: &pb::ViewStmt, stmt: &Statement) {
        let Some(rv) = &s.view else { return };
        let name = self.name_for_create(rv);
        let mut view = View {
            name: name.clone(),
            materialized: false,
            security_invoker: false,
            security_barrier: false,
            query: s.query.as_deref().map(crate::catalog::Expr::new),
            columns: self.view_columns(s.query.as_deref(), &s.aliases),
            indexes: Vec::new(),
            grants: self.default_relation_grants(&name.schema),
            // CREATE OR REPLACE keeps the owner.
            owner: match self.catalog.views.get(&name) {
                Some(old) => old.owner.clone(),
                None => self.creator(),
            },
            origin: self.stamp.origin(stmt),
        };
        apply_view_options(&mut view, &s.options, false);
        self.catalog.views.insert(name, view);
    }

    pub(super) fn create_table_as(&mut self, s: &pb::CreateTableAsStmt, stmt: &Statement) {
        let Some(rv) = s.into.as_ref().and_then(|i| i.rel.as_ref()) else {
            return;
        };
        let name = self.name_for_create(rv);
        if pb::ObjectType::try_from(s.objtype) == Ok(pb::ObjectType::ObjectMatview) {
            if self.catalog.views.contains_key(&name) {
                return;
            }
            let view = View {
                name: name.clone(),
                materialized: true,
                security_invoker: false,
                security_barrier: false,
                query: s.query.as_deref().map(crate::catalog::Expr::new),
                columns: self.view_columns(
                    s.query.as_deref(),
                    s.into.as_ref().map_or(&[][..], |i| &i.col_names[..]),
                ),
                indexes: Vec::new(),
                grants: self.default_relation_grants(&name.schema),
                owner: self.creator(),
                origin: self.stamp.origin(stmt),
            };
            self.catalog.views.insert(name, view);
        } else if !self.catalog.tables.contains_key(&name) {
            // CREATE TABLE AS: the columns of a plain query over one known
            // table are its columns; of any other query, unknown.
            let mut table = Table::new(name.clone(), RelKind::Table, self.stamp.origin(stmt));
            table.owner = self.creator();
            match self.query_columns(s, stmt) {
                Some(columns) => table.columns = columns,
                None => table.columns_unknown = true,
            }
            table.grants = self.default_relation_grants(&name.schema);
            apply_storage_options(
                &mut table,
                s.into.as_ref().map_or(&[][..], |i| &i.options[..]),
                false,
            );
            self.catalog.tables.insert(name, table.into());
        }
    }

    /// The output columns of a view's query as PostgreSQL names them now
    /// (`*` stands for the columns its relations have at this point), the
    /// statement's column list first; empty when one cannot be worked out.
    fn view_columns(&self, query: Option<&pb::Node>, aliases: &[pb::Node]) -> Vec<Ident> {
        let Some(query) = query else {
            return Vec::new();
        };
        let lookup = |schema: Option<&str>, name: &str| -> Option<Vec<String>> {
            let qn =
                crate::catalog::resolve::relation(&self.catalog, &self.search_path, schema, name)
                    .ok()?;
            let names = |cols: &mut dyn Iterator<Item = &Ident>| {
                cols.map(|c| c.as_str().to_string()).collect::<Vec<_>>()
            };
            if let Some(t) = self.catalog.tables.get(&qn) {
                // Columns the model may not have all of.
                let partial =
                    t.columns_unknown || t.partition_of.is_some() || t.origin.is_baseline();
                return (!partial).then(|| names(&mut t.columns.iter().map(|c| &c.name)));
            }
            let v = self.catalog.views.get(&qn)?;
            (!v.origin.is_baseline() && !v.columns.is_empty()).then(|| names(&mut v.columns.iter()))
        };
        let Some(mut columns) = crate::sql::select::output_columns(query, &lookup) else {
            return Vec::new();
        };
        for (c, alias) in columns.iter_mut().zip(ast::strings(aliases)) {
            *c = alias;
        }
        columns.into_iter().map(Ident::new).collect()
    }

    /// The columns `CREATE TABLE ... AS SELECT` makes when the query reads
    /// one known table and lists `*` or plain column names: each with the
    /// source column's type, nullable, without default (as PostgreSQL
    /// makes them), renamed by `AS` or the statement's column list. None
    /// for any other query.
    fn query_columns(&self, s: &pb::CreateTableAsStmt, stmt: &Statement) -> Option<Vec<Column>> {
        let NodeEnum::SelectStmt(q) = s.query.as_deref()?.node.as_ref()? else {
            return None;
        };
        let plain = q.op == pb::SetOperation::SetopNone as i32
            && q.with_clause.is_none()
            && q.group_clause.is_empty()
            && q.distinct_clause.is_empty()
            && q.values_lists.is_empty();
        let [from] = q.from_clause.as_slice() else {
            return None;
        };
        let Some(NodeEnum::RangeVar(rv)) = from.node.as_ref() else {
            return None;
        };
        if !plain {
            return None;
        }
        let source = self.catalog.table(&self.find_table(rv)?)?;
        if source.columns_unknown || source.partition_of.is_some() || source.origin.is_baseline() {
            return None;
        }
        let mut out: Vec<Column> = Vec::new();
        for target in &q.target_list {
            let Some(NodeEnum::ResTarget(rt)) = target.node.as_ref() else {
                return None;
            };
            let Some(NodeEnum::ColumnRef(c)) = rt.val.as_deref().and_then(|v| v.node.as_ref())
            else {
                return None;
            };
            let star = c
                .fields
                .last()
                .is_some_and(|f| matches!(f.node, Some(NodeEnum::AStar(_))));
            let picked: Vec<&Column> = if star {
                source.columns.iter().collect()
            } else {
                let name = ast::strings(&c.fields).pop()?;
                vec![source
                    .columns
                    .iter()
                    .find(|col| col.name.as_str() == name)?]
            };
            for col in picked {
                let name = if rt.name.is_empty() || star {
                    col.name.clone()
                } else {
                    Ident::new(rt.name.clone())
                };
                out.push(Column {
                    name,
                    ty: col.ty.clone(),
                    not_null: false,
                    default: None,
                    identity: false,
                    generated: false,
                    grants: Default::default(),
                    origin: self.stamp.origin(stmt),
                    changed: None,
                });
            }
        }
        let renamed = s
            .into
            .as_ref()
            .map(|i| ast::strings(&i.col_names))
            .unwrap_or_default();
        for (col, name) in out.iter_mut().zip(renamed) {
            col.name = Ident::new(name);
        }
        Some(out)
    }

    /// PostgreSQL's `ChooseRelationName`: `name1_name2_label` cut to 63
    /// bytes, then `label1`, `label2`, ... while a relation of `schema`
    /// (table, view, sequence or index) has that name.
    fn choose_relation_name(
        &self,
        schema: &Ident,
        name1: &str,
        name2: Option<&str>,
        label: &str,
    ) -> Ident {
        let mut name = make_object_name(name1, name2, label);
        let mut pass = 0;
        while self.relation_name_taken(schema, &name) && pass < 1000 {
            pass += 1;
            name = make_object_name(name1, name2, &format!("{label}{pass}"));
        }
        Ident::new(name)
    }

    /// Whether a relation of `schema` (table, view, sequence, index) is
    /// called `name`. Indexes are looked for only under a name some index
    /// or constraint once had (`Replayer::named`): most names never were.
    fn relation_name_taken(&self, schema: &Ident, name: &str) -> bool {
        let qn = QualifiedName::new(schema.clone(), Ident::new(name));
        self.catalog.tables.contains_key(&qn)
            || self.catalog.views.contains_key(&qn)
            || self.catalog.sequences.contains_key(&qn)
            || (self.named.contains(name)
                && self.catalog.tables.values().any(|t| {
                    t.name.schema == *schema && t.indexes.iter().any(|i| i.name.as_str() == name)
                }))
    }

    /// Whether a constraint of a table in `schema` is called `name`.
    fn constraint_name_taken(&self, schema: &Ident, name: &str) -> bool {
        self.named.contains(name)
            && self.catalog.tables.values().any(|t| {
                t.name.schema == *schema && t.constraints.iter().any(|c| c.name.as_str() == name)
            })
    }

    pub(super) fn create_sequence(&mut self, s: &pb::CreateSeqStmt, stmt: &Statement) {
        let Some(rv) = &s.sequence else { return };
        let name = self.name_for_create(rv);
        if self.catalog.sequences.contains_key(&name) {
            return;
        }
        let owned_by = self.sequence_owner(&s.options).flatten();
        let options = SequenceOptions::new(&self.sequence_change(&s.options));
        let grants = self.default_sequence_grants(&name.schema);
        self.catalog.sequences.insert(
            name.clone(),
            Sequence {
                name,
                owned_by,
                identity: false,
                options,
                grants,
                owner: self.creator(),
                origin: self.stamp.origin(stmt),
            },
        );
    }

    /// ALTER SEQUENCE: its options, and OWNED BY (pg_dump writes one for
    /// every serial column).
    pub(super) fn alter_sequence(&mut self, s: &pb::AlterSeqStmt) {
        let Some(qn) = s.sequence.as_ref().and_then(|rv| self.find_relation(rv)) else {
            return;
        };
        let owned_by = self.sequence_owner(&s.options);
        let change = self.sequence_change(&s.options);
        if let Some(seq) = self.catalog.sequences.get_mut(&qn) {
            if let Some(owned_by) = owned_by {
                seq.owned_by = owned_by;
            }
            seq.options.alter(&change);
        }
    }

    /// The options a CREATE or ALTER SEQUENCE, or an identity column's
    /// `(...)`, writes (`RESTART`, `OWNED BY` and `SEQUENCE NAME` aside).
    pub(super) fn sequence_change(&self, options: &[pb::Node]) -> SequenceChange {
        let mut change = SequenceChange::default();
        for d in ast::def_elems(options) {
            let arg = d.arg.as_deref().and_then(|a| a.node.as_ref());
            let number = || arg.and_then(integer);
            match d.defname.as_str() {
                "as" => {
                    if let Some(NodeEnum::TypeName(tn)) = arg {
                        change.data_type = SequenceType::of(&self.type_name(tn));
                    }
                }
                "increment" => change.increment = number(),
                "start" => change.start = number(),
                "minvalue" => change.min_value = Some(number()),
                "maxvalue" => change.max_value = Some(number()),
                "cache" => change.cache = number(),
                "cycle" => {
                    change.cycle = match arg {
                        Some(NodeEnum::Boolean(b)) => Some(b.boolval),
                        Some(NodeEnum::Integer(i)) => Some(i.ival != 0),
                        _ => Some(true),
                    }
                }
                _ => {}
            }
        }
        change
    }

    /// The sequence PostgreSQL makes for an identity column: named as a
    /// serial's (or `SEQUENCE NAME`), of the column's type.
    fn add_identity_sequence(
        &mut self,
        table: &Table,
        column: &Ident,
        options: &[pb::Node],
        stmt: &Statement,
    ) {
        let written = ast::def_elems(options)
            .find(|d| d.defname == "sequence_name")
            .and_then(|d| match d.arg.as_deref().and_then(|a| a.node.as_ref()) {
                Some(NodeEnum::List(l)) => ast::split_name(&l.items),
                _ => None,
            });
        let name = match written {
            Some((schema, name)) => QualifiedName::new(
                schema.map_or_else(|| table.name.schema.clone(), Ident::new),
                Ident::new(name),
            ),
            None => QualifiedName::new(
                table.name.schema.clone(),
                self.choose_relation_name(
                    &table.name.schema,
                    table.name.name.as_str(),
                    Some(column.as_str()),
                    "seq",
                ),
            ),
        };
        let ty = table
            .columns
            .iter()
            .find(|c| &c.name == column)
            .and_then(|c| SequenceType::of(&c.ty));
        let mut change = self.sequence_change(options);
        change.data_type = change.data_type.or(ty);
        self.catalog.sequences.insert(
            name.clone(),
            Sequence {
                name,
                owned_by: Some((table.name.clone(), column.clone())),
                identity: true,
                options: SequenceOptions::new(&change),
                grants: self.default_sequence_grants(&table.name.schema),
                owner: self.creator(),
                origin: self.stamp.origin(stmt),
            },
        );
    }

    /// The sequence of identity column `column` of `table`.
    fn identity_sequence(
        &mut self,
        table: &QualifiedName,
        column: &Ident,
    ) -> Option<&mut Sequence> {
        self.catalog.sequences.values_mut().find(|s| {
            s.identity
                && s.owned_by
                    .as_ref()
                    .is_some_and(|(t, c)| t == table && c == column)
        })
    }

    /// The `OWNED BY` option of CREATE or ALTER SEQUENCE: None without one,
    /// `Some(None)` for `OWNED BY NONE`.
    fn sequence_owner(&self, options: &[pb::Node]) -> Option<Option<(QualifiedName, Ident)>> {
        let d = ast::def_elems(options).find(|d| d.defname == "owned_by")?;
        let mut names = match d.arg.as_deref().and_then(|a| a.node.as_ref()) {
            Some(NodeEnum::List(l)) => ast::strings(&l.items),
            _ => return None,
        };
        if names.len() == 1 && names.first().is_some_and(|n| n == "none") {
            return Some(None);
        }
        let column = names.pop()?;
        let table = names.pop()?;
        let schema = names.pop();
        // A table the model does not know still owns it (PostgreSQL checked).
        let (Ok(table) | Err(table)) = crate::catalog::resolve::table(
            &self.catalog,
            &self.search_path,
            schema.as_deref(),
            &table,
        );
        Some(Some((table, Ident::new(column))))
    }
}

/// A whole number in a sequence option: an integer, or a float node for
/// one beyond 32 bits (`maxvalue 9223372036854775807`).
fn integer(node: &NodeEnum) -> Option<i64> {
    match node {
        NodeEnum::Integer(i) => Some(i64::from(i.ival)),
        NodeEnum::Float(f) => f.fval.parse().ok(),
        NodeEnum::String(s) => s.sval.parse().ok(),
        _ => None,
    }
}

fn apply_view_options(view: &mut View, options: &[pb::Node], reset: bool) {
    for d in ast::def_elems(options) {
        let on = !reset && ast::def_arg_text(d).is_none_or(|v| is_true(&v));
        match d.defname.as_str() {
            "security_invoker" => view.security_invoker = on,
            "security_barrier" => view.security_barrier = on,
            _ => {}
        }
    }
}

/// `WITH (...)` on a table, `ALTER TABLE ... SET (...)` or `RESET (...)`.
/// The TOAST table's options (`toast.name`) are not kept.
fn apply_storage_options(table: &mut Table, options: &[pb::Node], reset: bool) {
    for d in ast::def_elems(options).filter(|d| d.defnamespace.is_empty()) {
        let name = d.defname.to_ascii_lowercase();
        if reset {
            table.options.remove(&name);
        } else {
            // A boolean option written without a value is true.
            let value = ast::def_arg_text(d).unwrap_or_else(|| "true".to_string());
            table.options.insert(name, value);
        }
    }
}

/// PostgreSQL's spellings of a true boolean option.
pub(super) fn is_true(v: &str) -> bool {
    matches!(
        v.to_ascii_lowercase().as_str(),
        "true" | "on" | "1" | "yes" | "t" | "y"
    )
}

fn index_elem(e: &pb::IndexElem) -> IndexElem {
    let key = match &e.expr {
        Some(x) => IndexKey::Expression(crate::catalog::Expr::new(x)),
        None => IndexKey::Column(Ident::new(e.name.clone())),
    };
    let opclass = ast::split_name(&e.opclass)
        .map(|(s, n)| QualifiedName::new(s.unwrap_or_else(|| "pg_catalog".into()), n));
    IndexElem {
        key,
        opclass,
        descending: e.ordering == pb::SortByDir::SortbyDesc as i32,
    }
}

fn fk_action(code: &str) -> FkAction {
    match code {
        "r" => FkAction::Restrict,
        "c" => FkAction::Cascade,
        "n" => FkAction::SetNull,
        "d" => FkAction::SetDefault,
        _ => FkAction::NoAction,
    }
}

/// The columns a constraint is about.
pub(super) fn constraint_columns(kind: &ConstraintKind) -> Vec<&Ident> {
    match kind {
        ConstraintKind::PrimaryKey { columns } | ConstraintKind::Unique { columns, .. } => {
            columns.iter().collect()
        }
        ConstraintKind::ForeignKey(fk) => fk.columns.iter().collect(),
        _ => Vec::new(),
    }
}

/// PostgreSQL's generated constraint names (`<table>_<cols>_fkey`, ...).
/// A column default as PostgreSQL keeps it: `DEFAULT NULL` (cast or not)
/// is no default at all (no pg_attrdef entry).
fn column_default(node: &Option<Box<pb::Node>>) -> Option<crate::catalog::Expr> {
    let mut n = node.as_deref()?;
    while let Some(NodeEnum::TypeCast(c)) = &n.node {
        n = c.arg.as_deref()?;
    }
    if matches!(&n.node, Some(NodeEnum::AConst(c)) if c.isnull) {
        return None;
    }
    expr(node)
}

/// The primary key's columns (none without one).
fn primary_key(table: &Table) -> Vec<Ident> {
    table
        .constraints
        .iter()
        .find_map(|c| match &c.kind {
            ConstraintKind::PrimaryKey { columns } => Some(columns.clone()),
            _ => None,
        })
        .unwrap_or_default()
}

/// The pass PostgreSQL runs an ALTER TABLE subcommand in (tablecmds.c's
/// `AT_PASS_*`): drops, then type changes, then new columns, then column
/// attributes, then indexes (PRIMARY KEY, UNIQUE), then other constraints
/// and defaults, then the rest; in written order within a pass.
fn pass(cmd: &pb::AlterTableCmd) -> u8 {
    let index_constraint = || {
        matches!(
            cmd.def.as_deref().and_then(|d| d.node.as_ref()),
            Some(NodeEnum::Constraint(c)) if matches!(
                ConstrType::try_from(c.contype),
                Ok(ConstrType::ConstrPrimary | ConstrType::ConstrUnique | ConstrType::ConstrExclusion)
            )
        )
    };
    match At::try_from(cmd.subtype) {
        Ok(At::AtDropColumn | At::AtDropConstraint | At::AtDropNotNull | At::AtDropIdentity) => 0,
        Ok(At::AtColumnDefault) if cmd.def.is_none() => 0,
        Ok(At::AtAlterColumnType) => 1,
        Ok(At::AtAddColumn) => 4,
        Ok(At::AtSetNotNull | At::AtSetIdentity) => 5,
        Ok(At::AtAddIndexConstraint | At::AtAddIndex) => 6,
        Ok(At::AtAddConstraint) if index_constraint() => 6,
        Ok(At::AtAddConstraint | At::AtColumnDefault | At::AtAddIdentity) => 7,
        _ => 8,
    }
}

/// What makes two keys' indexes equal: columns, NULLS NOT DISTINCT, INCLUDE.
type KeySpec = (Vec<Ident>, bool, Vec<Ident>);

/// PostgreSQL merges the PRIMARY KEY and UNIQUE specifications of one
/// CREATE TABLE that would build equal indexes (`transformIndexConstraints`):
/// the primary key is kept first, then each other one unless an equal one is
/// kept already; a kept one without a written name takes the name of a named
/// one merged into it. `added`: the statement's keys, with whether their
/// name was written.
fn merge_keys(table: &mut Table, added: Vec<(Ident, bool)>) {
    if added.len() < 2 {
        return;
    }
    let spec = |table: &Table, name: &Ident| {
        let c = table.constraints.iter().rev().find(|c| &c.name == name)?;
        let (columns, nulls_not_distinct, pk) = match &c.kind {
            ConstraintKind::PrimaryKey { columns } => (columns.clone(), false, true),
            ConstraintKind::Unique {
                columns,
                nulls_not_distinct,
            } => (columns.clone(), *nulls_not_distinct, false),
            _ => return None,
        };
        let include = table
            .indexes
            .iter()
            .rev()
            .find(|ix| &ix.name == name)
            .map(|ix| ix.include.clone())
            .unwrap_or_default();
        Some(((columns, nulls_not_distinct, include), pk))
    };
    let mut order: Vec<(Ident, bool, bool)> = added
        .into_iter()
        .filter_map(|(name, named)| {
            let pk = spec(table, &name)?.1;
            Some((name, named, pk))
        })
        .collect();
    order.sort_by_key(|(_, _, pk)| !pk);
    let mut kept: Vec<(Ident, bool, KeySpec)> = Vec::new();
    for (name, named, _) in order {
        let Some((key, _)) = spec(table, &name) else {
            continue;
        };
        let Some(prior) = kept.iter_mut().find(|k| k.2 == key) else {
            kept.push((name, named, key));
            continue;
        };
        // Drop this one (the last constraint and index of that name: two
        // unnamed ones may share the name pgvet gave them).
        if let Some(i) = table.constraints.iter().rposition(|c| c.name == name) {
            table.constraints.remove(i);
        }
        if let Some(i) = table
            .indexes
            .iter()
            .rposition(|ix| ix.constraint_backed && ix.name == name)
        {
            table.indexes.remove(i);
        }
        if !prior.1 && named {
            for c in table.constraints.iter_mut().filter(|c| c.name == prior.0) {
                c.name = name.clone();
            }
            for ix in table.indexes.iter_mut().filter(|ix| ix.name == prior.0) {
                ix.name = name.clone();
            }
            prior.0 = name;
            prior.1 = true;
        }
    }
}

fn default_constraint_name(
    table: &Table,
    kind: &ConstraintKind,
    check: Option<&pb::Node>,
    column: Option<&Ident>,
    taken_elsewhere: &dyn Fn(&str) -> bool,
) -> Ident {
    let t = table.name.name.as_str();
    let cols = |c: &[Ident]| column_names_addition(c.iter().map(Ident::as_str));
    let (name2, label): (Option<String>, &str) = match kind {
        ConstraintKind::PrimaryKey { .. } => (None, "pkey"),
        ConstraintKind::Unique { columns, .. } => (Some(cols(columns)), "key"),
        ConstraintKind::ForeignKey(fk) => (Some(cols(&fk.columns)), "fkey"),
        // `t_col_check` when the expression uses exactly one column (as
        // PostgreSQL approximates "a column constraint"), else `t_check`.
        ConstraintKind::Check { .. } => {
            let mut used: Vec<String> = match check {
                Some(e) => crate::sql::expr::column_refs(e)
                    .into_iter()
                    .filter_map(|(parts, _)| parts.last().cloned())
                    .collect(),
                None => column.map(|c| c.as_str().to_string()).into_iter().collect(),
            };
            used.sort();
            used.dedup();
            let only = match used.as_slice() {
                [one] => Some(one.clone()),
                _ => None,
            };
            (only, "check")
        }
        ConstraintKind::Exclusion => (None, "excl"),
    };
    // Taken by another constraint of the table: `label1`, `label2`, ...
    // (ChooseConstraintName).
    let taken =
        |n: &str| table.constraints.iter().any(|c| c.name.as_str() == n) || taken_elsewhere(n);
    let mut name = make_object_name(t, name2.as_deref(), label);
    let mut pass = 0;
    while taken(&name) && pass < 1000 {
        pass += 1;
        name = make_object_name(t, name2.as_deref(), &format!("{label}{pass}"));
    }
    Ident::new(name)
}

/// PostgreSQL's `makeObjectName`: `name1_name2_label`, the longer of name1
/// and name2 cut a byte at a time until the whole fits in 63 bytes (never
/// in the middle of a character).
fn make_object_name(name1: &str, name2: Option<&str>, label: &str) -> String {
    const MAX: usize = 63;
    let overhead = label.len() + 1 + usize::from(name2.is_some());
    let avail = MAX.saturating_sub(overhead);
    let (mut n1, mut n2) = (name1.len(), name2.map_or(0, str::len));
    while n1 + n2 > avail {
        if n1 > n2 {
            n1 -= 1;
        } else {
            n2 -= 1;
        }
    }
    let clip = |s: &str, mut n: usize| {
        while !s.is_char_boundary(n) {
            n -= 1;
        }
        s.get(..n).unwrap_or(s).to_string()
    };
    let mut out = clip(name1, n1);
    if let Some(n) = name2 {
        out.push('_');
        out.push_str(&clip(n, n2));
    }
    out.push('_');
    out.push_str(label);
    out
}

/// PostgreSQL's `ChooseIndexNameAddition`: the column names joined by `_`,
/// stopping once 63 bytes are reached.
fn column_names_addition<'a>(names: impl Iterator<Item = &'a str>) -> String {
    let mut out = String::new();
    for name in names {
        if !out.is_empty() {
            out.push('_');
        }
        out.push_str(name);
        if out.len() >= 64 {
            break;
        }
    }
    out
}
