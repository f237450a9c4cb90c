//! Row-level security policies.

use pg_query::protobuf as pb;

use super::{expr, role_name, Replayer};
use crate::catalog::{Ident, Policy, PolicyCommand, Span};
use crate::sql::split::Statement;

impl Replayer {
    pub(super) fn create_policy(&mut self, s: &pb::CreatePolicyStmt, stmt: &Statement) {
        let Some(rv) = &s.table else { return };
        let Some(name) = self.find_table(rv) else {
            return;
        };
        let roles = policy_roles(&s.roles);
        let policy = Policy {
            name: Ident::new(s.policy_name.clone()),
            command: match s.cmd_name.as_str() {
                "select" => PolicyCommand::Select,
                "insert" => PolicyCommand::Insert,
                "update" => PolicyCommand::Update,
                "delete" => PolicyCommand::Delete,
                _ => PolicyCommand::All,
            },
            permissive: s.permissive,
            roles,
            using: expr(&s.qual),
            with_check: expr(&s.with_check),
            origin: self.stamp.origin(stmt),
            using_base: self.stamp.has_positions().then(|| expr_base(stmt)),
            with_check_base: self.stamp.has_positions().then(|| expr_base(stmt)),
        };
        let Some(table) = self.catalog.tables.get_mut(&name) else {
            return;
        };
        if table.policies.iter().any(|p| p.name == policy.name) {
            return; // PostgreSQL rejects a duplicate policy name
        }
        table.policies.push(policy);
    }

    pub(super) fn alter_policy(&mut self, s: &pb::AlterPolicyStmt, stmt: &Statement) {
        let Some(rv) = &s.table else { return };
        let Some(name) = self.find_table(rv) else {
            return;
        };
        let Some(table) = self.catalog.tables.get_mut(&name) else {
            return;
        };
        let Some(policy) = table
            .policies
            .iter_mut()
            .find(|p| p.name.as_str() == s.policy_name)
        else {
            return;
        };
        if !s.roles.is_empty() {
            policy.roles = policy_roles(&s.roles);
        }
        if s.qual.is_some() {
            policy.using = expr(&s.qual);
            policy.using_base = self.stamp.has_positions().then(|| expr_base(stmt));
        }
        if s.with_check.is_some() {
            policy.with_check = expr(&s.with_check);
            policy.with_check_base = self.stamp.has_positions().then(|| expr_base(stmt));
        }
    }
}

/// See `Policy::using_base`.
fn expr_base(stmt: &Statement) -> Span {
    Span {
        file: stmt.span.file,
        start: stmt.base,
        end: stmt.span.end,
    }
}

/// Roles of a policy, and whether the statement wrote them. Without `TO`, the
/// parser supplies PUBLIC with location -1.
/// The roles of a TO clause; `public` without one (the same to PostgreSQL).
fn policy_roles(roles: &[pb::Node]) -> Vec<Ident> {
    let names: Vec<Ident> = roles.iter().filter_map(role_name).collect();
    if names.is_empty() {
        vec![Ident::new("public")]
    } else {
        names
    }
}
