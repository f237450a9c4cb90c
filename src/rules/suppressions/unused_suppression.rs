//! A `-- pgvet-ignore` comment that suppresses nothing. Docs:
//! rules/unused-suppression.yaml.
//!
//! Whether a suppression is used is known only once every rule has run, so
//! the findings come from `crate::passes::suppress` (called by `lint_sources` after
//! the schema rules); this entry gives the rule its id, docs and severity.

use crate::rules::{StatementRule, StmtCtx};

pub struct UnusedSuppression;

impl StatementRule for UnusedSuppression {
    fn check(&self, _cx: &mut StmtCtx<'_>) {}
}
