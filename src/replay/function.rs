//! Functions, procedures, aggregates, triggers.

use std::collections::{BTreeMap, BTreeSet};

use pg_query::protobuf::{self as pb, FunctionParameterMode as Mode};
use pg_query::NodeEnum;

use super::{expr, Replayer};
use crate::catalog::{
    ArgMode, DefaultObjectKind, Function, FunctionArg, FunctionKind, Ident, QualifiedName, Span,
    Trigger, TriggerEvent, TypeName, Volatility,
};
use crate::sql::ast;
use crate::sql::split::Statement;

impl Replayer {
    pub(super) fn create_function(&mut self, s: &pb::CreateFunctionStmt, stmt: &Statement) {
        let Some((schema, name)) = ast::split_name(&s.funcname) else {
            return;
        };
        let qn = crate::catalog::resolve::for_create(
            &self.catalog,
            &self.search_path,
            schema.as_deref(),
            &name,
        );
        let args = self.function_args(s);
        let mut f = Function {
            name: qn.clone(),
            kind: if s.is_procedure {
                FunctionKind::Procedure
            } else {
                FunctionKind::Function
            },
            args,
            returns: s.return_type.as_ref().map(|t| self.type_name(t)),
            returns_set: s.return_type.as_ref().is_some_and(|t| t.setof),
            language: Ident::new("sql"),
            volatility: Volatility::Volatile,
            security_definer: false,
            leakproof: false,
            config: BTreeMap::new(),
            search_path_span: None,
            body: None,
            body_span: None,
            body_start: None,
            execute_grantees: self.default_grantees(&qn.schema),
            extension_owned: false,
            owner: self.creator(),
            origin: self.stamp.origin(stmt),
            body_check: Default::default(),
            plpgsql: Default::default(),
        };
        for d in ast::def_elems(&s.options) {
            apply_function_option(&mut f, d, stmt, self.stamp.has_positions());
        }
        // No RETURNS: a function returns its one OUT parameter's type, or
        // a record of several.
        if f.returns.is_none() && f.kind == FunctionKind::Function {
            let out: Vec<&FunctionArg> = f
                .args
                .iter()
                .filter(|a| matches!(a.mode, ArgMode::Out | ArgMode::InOut | ArgMode::Table))
                .collect();
            f.returns = match out.as_slice() {
                [] => None,
                [one] => Some(one.ty.clone()),
                _ => Some(TypeName::builtin("record")),
            };
        }
        if s.sql_body.is_some() {
            f.body = Some("BEGIN ATOMIC".to_string());
        }
        let overloads = self.catalog.functions.entry(qn).or_default();
        let signature: Vec<TypeName> = f.signature().into_iter().cloned().collect();
        match overloads.iter_mut().find(|o| o.has_signature(&signature)) {
            // CREATE OR REPLACE keeps the owner and privileges of the old function.
            Some(old) => {
                f.execute_grantees = std::mem::take(&mut old.execute_grantees);
                f.owner = old.owner.take();
                *old = f;
            }
            None => overloads.push(f),
        }
    }

    /// The arguments a CREATE FUNCTION or PROCEDURE declares.
    pub(super) fn function_args(&self, s: &pb::CreateFunctionStmt) -> Vec<FunctionArg> {
        s.parameters
            .iter()
            .filter_map(|p| match &p.node {
                Some(NodeEnum::FunctionParameter(p)) => Some(self.function_arg(p)),
                _ => None,
            })
            .collect()
    }

    fn function_arg(&self, p: &pb::FunctionParameter) -> FunctionArg {
        let mode = match Mode::try_from(p.mode) {
            Ok(Mode::FuncParamOut) => ArgMode::Out,
            Ok(Mode::FuncParamInout) => ArgMode::InOut,
            Ok(Mode::FuncParamVariadic) => ArgMode::Variadic,
            Ok(Mode::FuncParamTable) => ArgMode::Table,
            _ => ArgMode::In,
        };
        FunctionArg {
            name: (!p.name.is_empty()).then(|| Ident::new(p.name.clone())),
            ty: p
                .arg_type
                .as_ref()
                .map_or_else(|| TypeName::builtin("unknown"), |t| self.type_name(t)),
            mode,
            has_default: p.defexpr.is_some(),
        }
    }

    /// EXECUTE goes to PUBLIC (unless a global default privilege revoked
    /// it), plus whatever default privileges grant in the schema.
    fn default_grantees(&self, schema: &Ident) -> BTreeSet<Ident> {
        let mut grantees = BTreeSet::new();
        if !self.catalog.public_execute_revoked {
            grantees.insert(Ident::new("public"));
        }
        for dp in self.default_privileges_for(DefaultObjectKind::Functions, schema) {
            if dp.privileges.contains("ALL") || dp.privileges.contains("EXECUTE") {
                grantees.insert(dp.grantee.clone());
            }
        }
        grantees
    }

    pub(super) fn alter_function(&mut self, s: &pb::AlterFunctionStmt, stmt: &Statement) {
        let Some(func) = &s.func else { return };
        let targets = self.matching_functions(func);
        for (name, idx) in targets {
            let Some(f) = self.catalog.function_mut(&name, idx) else {
                continue;
            };
            for d in ast::def_elems(&s.actions) {
                apply_function_option(f, d, stmt, self.stamp.has_positions());
            }
        }
    }

    /// Overloads an `ObjectWithArgs` names: all of them when no argument list was given.
    pub(super) fn matching_functions(
        &self,
        func: &pb::ObjectWithArgs,
    ) -> Vec<(QualifiedName, usize)> {
        let Some((schema, name)) = ast::split_name(&func.objname) else {
            return Vec::new();
        };
        let Ok(qn) = crate::catalog::resolve::function(
            &self.catalog,
            &self.search_path,
            schema.as_deref(),
            &name,
        ) else {
            return Vec::new();
        };
        let wanted: Vec<TypeName> = func
            .objargs
            .iter()
            .filter_map(|a| match &a.node {
                Some(NodeEnum::TypeName(t)) => Some(self.type_name(t)),
                _ => None,
            })
            .collect();
        let overloads = self
            .catalog
            .functions
            .get(&qn)
            .map(|v| v.as_slice())
            .unwrap_or_default();
        overloads
            .iter()
            .enumerate()
            .filter(|(_, f)| func.args_unspecified || f.has_signature(&wanted))
            .map(|(i, _)| (qn.clone(), i))
            .collect()
    }

    /// CREATE AGGREGATE (other DEFINE kinds are not modeled).
    pub(super) fn define(&mut self, s: &pb::DefineStmt, stmt: &Statement) {
        if pb::ObjectType::try_from(s.kind) != Ok(pb::ObjectType::ObjectAggregate) {
            return;
        }
        let Some((schema, name)) = ast::split_name(&s.defnames) else {
            return;
        };
        let qn = crate::catalog::resolve::for_create(
            &self.catalog,
            &self.search_path,
            schema.as_deref(),
            &name,
        );
        let mut f = Function::new(qn.clone(), FunctionKind::Aggregate, self.stamp.origin(stmt));
        f.language = Ident::new("internal");
        f.volatility = Volatility::Immutable;
        f.execute_grantees = self.default_grantees(&qn.schema);
        self.catalog.functions.entry(qn).or_default().push(f);
    }

    pub(super) fn create_trigger(&mut self, s: &pb::CreateTrigStmt, stmt: &Statement) {
        let Some(rv) = &s.relation else { return };
        let Some(table) = self.find_table(rv) else {
            return;
        };
        let Some(function) = self.function_ref(&s.funcname) else {
            return;
        };
        // Bits of pg_trigger.tgtype, as CREATE TRIGGER's parse tree carries them.
        const BEFORE: i32 = 1 << 1;
        const INSERT: i32 = 1 << 2;
        const DELETE: i32 = 1 << 3;
        const UPDATE: i32 = 1 << 4;
        const TRUNCATE: i32 = 1 << 5;
        const INSTEAD: i32 = 1 << 6;
        let events = [
            (INSERT, TriggerEvent::Insert),
            (UPDATE, TriggerEvent::Update),
            (DELETE, TriggerEvent::Delete),
            (TRUNCATE, TriggerEvent::Truncate),
        ]
        .into_iter()
        .filter(|(bit, _)| s.events & bit != 0)
        .map(|(_, e)| e)
        .collect();
        let trigger = Trigger {
            name: Ident::new(s.trigname.clone()),
            function,
            before: s.timing & BEFORE != 0,
            instead_of: s.timing & INSTEAD != 0,
            for_each_row: s.row,
            events,
            update_columns: ast::strings(&s.columns)
                .into_iter()
                .map(Ident::new)
                .collect(),
            args: ast::strings(&s.args),
            when: expr(&s.when_clause),
            enabled: true,
            origin: self.stamp.origin(stmt),
        };
        let Some(t) = self.catalog.tables.get_mut(&table) else {
            return;
        };
        t.triggers.retain(|old| old.name != trigger.name);
        t.triggers.push(trigger);
    }
}

/// `positions`: the statement's text is a user's file, so the body's place
/// in it is kept.
fn apply_function_option(f: &mut Function, d: &pb::DefElem, stmt: &Statement, positions: bool) {
    match d.defname.as_str() {
        "language" => {
            if let Some(l) = ast::def_arg_text(d) {
                f.language = Ident::new(l.to_ascii_lowercase());
            }
        }
        "security" => {
            f.security_definer = ast::def_arg_text(d).is_some_and(|v| super::table::is_true(&v))
        }
        "leakproof" => {
            f.leakproof = ast::def_arg_text(d).is_some_and(|v| super::table::is_true(&v))
        }
        "window" => f.kind = FunctionKind::Window,
        "volatility" => {
            f.volatility = match ast::def_arg_text(d).as_deref() {
                Some("immutable") => Volatility::Immutable,
                Some("stable") => Volatility::Stable,
                _ => Volatility::Volatile,
            }
        }
        "as" => {
            // `AS 'body'` or, for C functions, `AS 'file', 'symbol'`.
            if let Some(NodeEnum::List(list)) = d.arg.as_deref().and_then(|a| a.node.as_ref()) {
                if list.items.len() == 1 {
                    f.body = list.items.first().and_then(ast::const_text);
                    if positions {
                        f.body_span = u32::try_from(d.location).ok().map(|loc| Span {
                            file: stmt.span.file,
                            start: stmt.base.saturating_add(loc),
                            end: stmt.span.end,
                        });
                        f.body_start = dollar_body_start(d.location, stmt);
                    }
                }
            }
        }
        "set" => {
            if let Some(NodeEnum::VariableSetStmt(v)) =
                d.arg.as_deref().and_then(|a| a.node.as_ref())
            {
                apply_set(&mut f.config, v);
                if v.name == "search_path" {
                    f.search_path_span = f
                        .config
                        .contains_key("search_path")
                        .then(|| stmt.span_at(d.location));
                }
            }
        }
        _ => {}
    }
}

/// `SET name = value` / `RESET name` in a function definition or ALTER FUNCTION.
fn apply_set(config: &mut BTreeMap<String, String>, v: &pb::VariableSetStmt) {
    use pb::VariableSetKind as K;
    let name = v.name.to_ascii_lowercase();
    match K::try_from(v.kind) {
        Ok(K::VarSetValue) => {
            let values: Vec<String> = v.args.iter().filter_map(ast::const_text).collect();
            config.insert(name, values.join(", "));
        }
        Ok(K::VarSetCurrent) => {
            config.insert(name, "FROM CURRENT".to_string());
        }
        Ok(K::VarReset) | Ok(K::VarSetDefault) => {
            config.remove(&name);
        }
        Ok(K::VarResetAll) => config.clear(),
        _ => {}
    }
}

/// File offset just after the opening `$tag$` of a dollar-quoted body
/// literal, the first string after `AS` (at `as_location`); None for a
/// '...' literal, whose escapes shift offsets.
fn dollar_body_start(as_location: i32, stmt: &Statement) -> Option<u32> {
    let from = stmt.base.checked_add(u32::try_from(as_location).ok()?)?;
    let rest = stmt.text.get(from as usize..stmt.span.end as usize)?;
    let tokens = crate::sql::scan_tokens(rest).ok()?;
    let literal = tokens
        .iter()
        .find(|t| t.token == pb::Token::Sconst as i32)?;
    let start = from.checked_add(u32::try_from(literal.start).ok()?)?;
    let tag = rest
        .get(usize::try_from(literal.start).ok()?..)?
        .strip_prefix('$')?;
    let tag_len = tag.find('$')?.checked_add(2)?;
    start.checked_add(u32::try_from(tag_len).ok()?)
}
