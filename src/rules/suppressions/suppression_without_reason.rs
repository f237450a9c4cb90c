//! A `-- pgvet-ignore` comment without a reason. Docs:
//! rules/suppression-without-reason.yaml.
//!
//! Suppression comments are read outside statements, so the findings come
//! from `crate::passes::suppress` (called by `lint_sources` after every rule has
//! run); this entry gives the rule its id, docs and severity.

use crate::rules::{StatementRule, StmtCtx};

pub struct SuppressionWithoutReason;

impl StatementRule for SuppressionWithoutReason {
    fn check(&self, _cx: &mut StmtCtx<'_>) {}
}
