//! `ALTER SYSTEM` in a migration. Docs: rules/ban-alter-system-options.yaml.

use pg_query::protobuf::VariableSetKind;
use pg_query::NodeEnum;

use crate::catalog::QualifiedName;
use crate::rules::support::changes::setting_change;
use crate::rules::{StatementRule, StmtCtx};

pub struct BanAlterSystemOptions;

impl StatementRule for BanAlterSystemOptions {
    fn check(&self, cx: &mut StmtCtx<'_>) {
        let NodeEnum::AlterSystemStmt(s) = &cx.stmt.node else {
            return;
        };
        let Some(set) = s.setstmt.as_ref() else { return };
        let setting = if set.kind() == VariableSetKind::VarResetAll {
            "all"
        } else {
            set.name.as_str()
        };
        let message = format!(
            "{} with ALTER SYSTEM changes the whole server, every database and session on it, once the configuration is reloaded",
            setting_change(set)
        );
        cx.report(
            &QualifiedName::new("pg_settings", setting),
            Some(cx.stmt.span),
            message,
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::case;

    const RULE: &str = "ban-alter-system-options";

    #[test]
    fn set_and_reset_fire() {
        let out = case("alter system set work_mem = '64MB';").fires(RULE);
        assert_eq!(
            out,
            "test.sql:1:1 ban-alter-system-options warning [pg_settings.work_mem] setting `work_mem` with ALTER SYSTEM changes the whole server, every database and session on it, once the configuration is reloaded"
        );
        case("alter system reset all;").fires(RULE);
    }

    #[test]
    fn session_settings_are_not_this_rule() {
        case("set work_mem = '64MB';").quiet(RULE);
    }

    #[test]
    fn off_by_default() {
        assert_eq!(
            crate::rules::find(RULE).map(|r| r.doc.default_enabled),
            Some(false)
        );
    }
}
