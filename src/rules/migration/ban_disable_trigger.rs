//! `ENABLE` / `DISABLE` `TRIGGER` or `RULE` on an existing table. Docs: rules/ban-disable-trigger.yaml.

use pg_query::protobuf::{self as pb, AlterTableType as At};
use pg_query::NodeEnum;

use crate::catalog::{Ident, QualifiedName};
use crate::rules::support::changes::{
    earlier_in_file, new_in_this_file, relation_dropped_later_in_file, relation_new_in_this_file,
    table_from_migrations, trigger,
};
use crate::rules::support::drops::altered_table;
use crate::rules::support::migration::{alter_table_cmds, made_again_later, names_table};
use crate::rules::{StatementRule, StmtCtx};

pub struct BanDisableTrigger;

impl StatementRule for BanDisableTrigger {
    fn check(&self, cx: &mut StmtCtx<'_>) {
        let Some((s, table)) = altered_table(cx, true) else {
            return;
        };
        // Made in this file, the table has no client that relies on its
        // triggers; dropped later in it, it takes them along.
        if relation_new_in_this_file(cx, &table.name)
            || relation_dropped_later_in_file(cx, &table.name)
        {
            return;
        }
        let name = &table.name;
        for cmd in alter_table_cmds(s) {
            let subtype = cmd.subtype();
            let Some(undoes) = undone_by(subtype) else {
                continue;
            };
            let target = Ident::new(cmd.name.as_str());
            let is_rule = matches!(
                subtype,
                At::AtDisableRule | At::AtEnableRule | At::AtEnableAlwaysRule | At::AtEnableReplicaRule
            );
            let known = trigger(cx, name, &target).filter(|_| !is_rule && !cmd.name.is_empty());
            if known.is_some_and(|t| new_in_this_file(cx, &t.origin)) {
                continue;
            }
            let plain_enable = undoes == At::AtDisableTrig
                || undoes == At::AtDisableTrigAll
                || undoes == At::AtDisableTrigUser
                || undoes == At::AtDisableRule;
            if plain_enable {
                // Enabling what this file disabled puts things back as they were.
                if disabled_earlier(cx, name, undoes, &target) {
                    continue;
                }
                // Already enabled: nothing changes.
                let all_on = table_from_migrations(cx, name)
                    .is_some_and(|t| t.triggers.iter().all(|tr| tr.enabled));
                let no_change = match subtype {
                    At::AtEnableTrig => known.is_some_and(|t| t.enabled),
                    At::AtEnableTrigAll | At::AtEnableTrigUser => all_on,
                    _ => false,
                };
                if no_change {
                    continue;
                }
            } else if undoes != subtype {
                // A DISABLE. Of a trigger already off, it changes nothing.
                if known.is_some_and(|t| !t.enabled) {
                    continue;
                }
                // A backfill that turns triggers off and on again in one
                // transaction: other sessions' writes wait for the lock and
                // never run without them.
                if enabled_again(cx, name, undoes, &target) {
                    continue;
                }
            }
            let message = message(subtype, &target, name);
            cx.report(name, Some(cx.stmt.span), message);
        }
    }
}

/// For a DISABLE, the plain ENABLE that undoes it; for an ENABLE, the
/// DISABLE it undoes (ALWAYS and REPLICA undo nothing: `Some(itself)`).
/// None for other subcommands.
fn undone_by(subtype: At) -> Option<At> {
    Some(match subtype {
        At::AtDisableTrig => At::AtEnableTrig,
        At::AtEnableTrig => At::AtDisableTrig,
        At::AtDisableTrigAll => At::AtEnableTrigAll,
        At::AtEnableTrigAll => At::AtDisableTrigAll,
        At::AtDisableTrigUser => At::AtEnableTrigUser,
        At::AtEnableTrigUser => At::AtDisableTrigUser,
        At::AtDisableRule => At::AtEnableRule,
        At::AtEnableRule => At::AtDisableRule,
        At::AtEnableAlwaysTrig
        | At::AtEnableReplicaTrig
        | At::AtEnableAlwaysRule
        | At::AtEnableReplicaRule => subtype,
        _ => return None,
    })
}

/// Whether `s` has subcommand `subtype` on `target` (named ones only).
fn has_cmd(s: &pb::AlterTableStmt, subtype: At, target: &Ident) -> bool {
    alter_table_cmds(s).any(|c| {
        c.subtype() == subtype
            && (c.name.is_empty() || Ident::new(c.name.as_str()) == *target)
    })
}

fn disabled_earlier(cx: &StmtCtx<'_>, table: &QualifiedName, disable: At, target: &Ident) -> bool {
    earlier_in_file(cx, "disable").iter().any(|e| {
        matches!(&e.node, NodeEnum::AlterTableStmt(s)
            if s.relation.as_ref().is_some_and(|rv| names_table(rv, table))
                && has_cmd(s, disable, target))
    })
}

fn enabled_again(cx: &StmtCtx<'_>, table: &QualifiedName, enable: At, target: &Ident) -> bool {
    made_again_later(cx, "enable", |n| {
        matches!(n, NodeEnum::AlterTableStmt(s)
            if s.relation.as_ref().is_some_and(|rv| names_table(rv, table))
                && has_cmd(s, enable, target))
    })
}

fn message(subtype: At, target: &Ident, table: &QualifiedName) -> String {
    match subtype {
        At::AtDisableTrig => format!(
            "disabling trigger `{target}` on `{table}` stops the work it does when rows are written, until it is enabled again"
        ),
        At::AtDisableTrigAll => format!(
            "disabling all triggers on `{table}`, its foreign key checks included, stops their work and lets in rows that break references"
        ),
        At::AtDisableTrigUser => format!(
            "disabling the triggers of `{table}` stops the work they do when rows are written, until they are enabled again"
        ),
        At::AtEnableTrig => format!(
            "enabling trigger `{target}` on `{table}` adds its work to writes that clients have been making without it"
        ),
        At::AtEnableTrigAll | At::AtEnableTrigUser => format!(
            "enabling the triggers of `{table}` adds their work to writes that clients have been making without them"
        ),
        At::AtEnableAlwaysTrig => format!(
            "making trigger `{target}` on `{table}` fire always also runs it for replication and sessions that replicate"
        ),
        At::AtEnableReplicaTrig => format!(
            "making trigger `{target}` on `{table}` fire on replicas only stops it running for ordinary writes"
        ),
        At::AtDisableRule => format!(
            "disabling rule `{target}` on `{table}` stops it rewriting the queries on the table"
        ),
        At::AtEnableRule => format!(
            "enabling rule `{target}` on `{table}` starts rewriting queries that clients have been running without it"
        ),
        At::AtEnableAlwaysRule => format!(
            "making rule `{target}` on `{table}` apply always also rewrites the queries of sessions that replicate"
        ),
        _ => format!(
            "making rule `{target}` on `{table}` apply on replicas only stops it rewriting ordinary queries"
        ),
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{case, files};

    const RULE: &str = "ban-disable-trigger";
    const CREATE: &str = "create table public.t (id bigint primary key, updated_at timestamptz);\n\
        create function public.touch() returns trigger language plpgsql set search_path = '' as $$ begin new.updated_at := now(); return new; end $$;\n\
        create trigger t_touch before update on public.t for each row execute function public.touch();";

    #[test]
    fn disabling_a_trigger_from_an_earlier_file_fires() {
        let out = files(&[
            ("1.sql", CREATE),
            ("2.sql", "alter table public.t disable trigger t_touch;"),
        ])
        .fires(RULE);
        assert_eq!(
            out,
            "2.sql:1:1 ban-disable-trigger warning [public.t] disabling trigger `t_touch` on `public.t` stops the work it does when rows are written, until it is enabled again"
        );
        let out = files(&[
            ("1.sql", CREATE),
            ("2.sql", "alter table public.t disable trigger all;"),
        ])
        .fires(RULE);
        assert!(out.contains("foreign key checks included"), "{out}");
    }

    #[test]
    fn off_and_on_again_in_one_transaction_is_quiet() {
        let backfill = "alter table public.t disable trigger user;\n\
                        update public.t set updated_at = now() where updated_at is null;\n\
                        alter table public.t enable trigger user;";
        files(&[("1.sql", CREATE), ("2.sql", backfill)]).quiet(RULE);
        // Outside a transaction, writes in between run without the triggers;
        // the ENABLE only puts back what the file changed.
        let out = files(&[("1.sql", CREATE), ("2.sql", backfill)])
            .postgres()
            .fires(RULE);
        assert_eq!(out.lines().count(), 1, "{out}");
        assert!(out.contains("disabling the triggers"), "{out}");
    }

    #[test]
    fn enabling_what_is_enabled_is_quiet() {
        files(&[
            ("1.sql", CREATE),
            (
                "2.sql",
                "alter table public.t enable trigger t_touch;\nalter table public.t enable trigger all;",
            ),
        ])
        .quiet(RULE);
        // ALWAYS and REPLICA change when it fires.
        files(&[
            ("1.sql", CREATE),
            ("2.sql", "alter table public.t enable always trigger t_touch;"),
        ])
        .fires(RULE);
    }

    #[test]
    fn enabling_a_disabled_trigger_fires() {
        let out = files(&[
            ("1.sql", CREATE),
            ("2.sql", "alter table public.t disable trigger t_touch;"),
            ("3.sql", "alter table public.t enable trigger t_touch;"),
        ])
        .fires(RULE);
        assert!(out.contains("3.sql:1:1") && out.contains("enabling trigger"), "{out}");
    }

    #[test]
    fn a_table_or_trigger_made_in_the_same_file_is_quiet() {
        case(&format!("{CREATE}\nalter table public.t disable trigger t_touch;")).quiet(RULE);
    }

    #[test]
    fn rules_fire() {
        let out = files(&[
            ("1.sql", CREATE),
            ("2.sql", "alter table public.t disable rule t_no_delete;"),
        ])
        .fires(RULE);
        assert!(out.contains("disabling rule `t_no_delete`"), "{out}");
    }

    #[test]
    fn row_level_security_is_not_this_rule() {
        files(&[
            ("1.sql", CREATE),
            (
                "2.sql",
                "alter table public.t enable row level security;\nalter table public.t force row level security;",
            ),
        ])
        .quiet(RULE);
    }

    #[test]
    fn teardown_before_the_table_is_dropped_is_quiet() {
        // What `supabase db diff` writes before a DROP TABLE: the drop is
        // ban-drop-table's to report.
        files(&[
            ("1.sql", CREATE),
            (
                "2.sql",
                "alter table public.t disable trigger t_touch;\ndrop table public.t;",
            ),
        ])
        .quiet(RULE);
    }

    #[test]
    fn off_by_default() {
        assert_eq!(
            crate::rules::find(RULE).map(|r| r.doc.default_enabled),
            Some(false)
        );
    }
}
