//! Statements PostgreSQL rejects because what they create exists already
//! (`replay::Rejection`). Docs: rules/object-already-exists.yaml.

use crate::rules::{StatementRule, StmtCtx};

pub struct ObjectAlreadyExists;

impl StatementRule for ObjectAlreadyExists {
    fn check(&self, cx: &mut StmtCtx<'_>) {
        let Some(rejection) = cx.rejected else {
            return;
        };
        let span = if rejection.location >= 0 {
            cx.stmt.name_at(rejection.location)
        } else {
            cx.stmt.span
        };
        let made_here = rejection
            .existing
            .is_some_and(|s| s.file == cx.stmt.span.file);
        let made = if made_here {
            "an earlier statement of this file made it"
        } else {
            "an earlier migration made it"
        };
        let object = &rejection.object;
        cx.report(
            &object,
            Some(span),
            format!(
                "{} exists already ({made}), so PostgreSQL rejects this statement and the migration stops here: {}",
                rejection.what, rejection.message
            ),
        );
    }

    fn sees_rejected(&self) -> bool {
        true
    }
}
