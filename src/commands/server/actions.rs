//! Code actions for a pgvet diagnostic: a `-- pgvet-ignore` line above
//! its statement, and the migration `pgvet fix` writes for the finding.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use lsp_types::{
    CodeAction, CodeActionKind, CodeActionOrCommand, CodeActionParams, CreateFile,
    CreateFileOptions, Diagnostic, DocumentChangeOperation, DocumentChanges, NumberOrString, OneOf,
    OptionalVersionedTextDocumentIdentifier, Position, Range, ResourceOp, TextDocumentEdit,
    TextEdit, Uri, WorkspaceEdit,
};
use serde_json::Value;

use super::project::{Project, SourceLines, INPUT_ERROR};
use super::text::{path_to_uri, Lines};
use super::Server;
use crate::findings::remedy::Applicability;
use crate::findings::Finding;
use crate::source::migrations::runner::Runner;

impl Server {
    pub(super) fn code_actions(&self, p: &CodeActionParams) -> Value {
        let uri = &p.text_document.uri;
        let Some((project, path, text)) = self.document(uri) else {
            return Value::Array(Vec::new());
        };
        let mut actions: Vec<CodeActionOrCommand> = Vec::new();
        for d in &p.context.diagnostics {
            let Some(NumberOrString::String(rule)) = &d.code else {
                continue;
            };
            if d.source.as_deref() != Some("pgvet") || rule == INPUT_ERROR {
                continue;
            }
            if let Some(finding) = finding_for(project, &path, rule, d.range) {
                actions.extend(fix_action(project, finding, d));
                actions.extend(wrap_action(uri, &text, finding, d));
            }
            actions.extend(ignore_action(uri, &text, rule, d));
        }
        serde_json::to_value(actions).unwrap_or(Value::Array(Vec::new()))
    }
}

/// The finding of the last lint a diagnostic shows.
fn finding_for<'p>(
    project: &'p Project,
    path: &Path,
    rule: &str,
    range: Range,
) -> Option<&'p Finding> {
    let report = project.report.as_ref()?;
    let lines = SourceLines::new(report);
    report.findings.iter().find(|f| {
        f.rule == rule
            && lines
                .finding_range(f)
                .is_some_and(|(file, r)| file == path && r == range)
    })
}

/// `-- pgvet-ignore rule: ` on a line of its own above the statement the
/// diagnostic starts in (the reason is for the user to write).
fn ignore_action(uri: &Uri, text: &str, rule: &str, d: &Diagnostic) -> Option<CodeActionOrCommand> {
    let lines = Lines::new(text);
    let offset = lines.offset(d.range.start);
    let ranges = crate::sql::split::split_file(crate::catalog::FileId(0), text).ok()?;
    let (start, end) = ranges
        .into_iter()
        .find(|(s, e)| *s <= offset && offset < (*e).max(s + 1))
        .unwrap_or((offset, offset));
    let first = first_token(text, start, end.max(start));
    let at = lines.position(first);
    let line_start = lines.line_start(at.line as usize);
    let before = text.get(line_start..first).unwrap_or_default();
    let comment = format!("-- pgvet-ignore {rule}: ");
    let edit = if before.trim().is_empty() {
        TextEdit {
            range: Range::new(Position::new(at.line, 0), Position::new(at.line, 0)),
            new_text: format!("{before}{comment}\n"),
        }
    } else {
        // Another statement ends on this line: the statement moves to its own.
        TextEdit {
            range: Range::new(at, at),
            new_text: format!("\n{comment}\n"),
        }
    };
    Some(edit_in_file(
        format!("Ignore {rule} for this statement (pgvet-ignore, with a reason)"),
        uri,
        edit,
        d,
    ))
}

/// A quick fix for diagnostic `d` that makes one edit in the file at `uri`.
// `WorkspaceEdit::changes` is keyed by `Uri`, which clippy sees as mutable.
#[allow(clippy::mutable_key_type)]
fn edit_in_file(title: String, uri: &Uri, edit: TextEdit, d: &Diagnostic) -> CodeActionOrCommand {
    let mut changes = HashMap::new();
    changes.insert(uri.clone(), vec![edit]);
    CodeActionOrCommand::CodeAction(CodeAction {
        title,
        kind: Some(CodeActionKind::QUICKFIX),
        diagnostics: Some(vec![d.clone()]),
        edit: Some(WorkspaceEdit {
            changes: Some(changes),
            ..WorkspaceEdit::default()
        }),
        ..CodeAction::default()
    })
}

/// The first byte of a statement that is not blank or a comment.
fn first_token(text: &str, start: usize, end: usize) -> usize {
    let mut at = start;
    loop {
        let rest = text.get(at..end).unwrap_or_default();
        let trimmed = rest.trim_start();
        at += rest.len() - trimmed.len();
        if trimmed.starts_with("--") {
            at += trimmed.find('\n').unwrap_or(trimmed.len());
        } else if trimmed.starts_with("/*") {
            at += trimmed.find("*/").map_or(trimmed.len(), |i| i + 2);
        } else {
            return at.min(end);
        }
    }
}

/// The migration `pgvet fix` would write for this finding, as a new file
/// named in the runner's scheme.
fn fix_action(project: &Project, f: &Finding, d: &Diagnostic) -> Option<CodeActionOrCommand> {
    f.remedy.as_ref()?;
    let report = project.report.as_ref()?;
    let catalog = report.catalog.as_ref()?;
    if !report.errors.is_empty() {
        // The schema is incomplete until every file parses.
        return None;
    }
    let runner = report
        .summary
        .runner
        .and_then(Runner::from_name)
        .unwrap_or(Runner::Plain);
    if matches!(runner, Runner::Sqitch | Runner::Drizzle) {
        // Their plan or journal must list the file too: not done here yet.
        return None;
    }
    let applicability = crate::fix::applicability_of(f);
    let unsafe_fix = applicability != Some(Applicability::Safe);
    let opts = crate::fix::FixOptions {
        platform: catalog.platform,
        postgres_version: project.cfg.postgres_version(),
        transaction: project
            .cfg
            .transaction
            .or(runner.default_transaction())
            .unwrap_or(project.settings.transaction),
        runner: Some(runner),
        rules: Vec::new(),
        unsafe_fixes: unsafe_fix,
    };
    let plan = crate::fix::plan(std::slice::from_ref(f), catalog, &opts);
    let first_sql = plan.changes.first()?.sql.clone();
    let header = format!(
        "-- Written by `pgvet fix` (pgvet {}, from the editor).\n-- Review every statement before you apply it.\n",
        env!("CARGO_PKG_VERSION")
    );
    let files = crate::fix::render(&plan, &opts, &header);
    let dir = fix_directory(&project.paths, runner)?;
    let existing: Vec<String> = std::fs::read_dir(&dir)
        .ok()?
        .filter_map(|e| e.ok().and_then(|e| e.file_name().into_string().ok()))
        .collect();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let names =
        crate::fix::naming::next_in_dir(runner, &dir, &existing, "pgvet_fixes", files.len(), now)
            .ok()?;
    let mut operations = Vec::new();
    for (name, text) in names.iter().zip(&files) {
        let uri = path_to_uri(&dir.join(name))?;
        operations.push(DocumentChangeOperation::Op(ResourceOp::Create(
            CreateFile {
                uri: uri.clone(),
                options: Some(CreateFileOptions {
                    overwrite: Some(false),
                    ignore_if_exists: Some(false),
                }),
                annotation_id: None,
            },
        )));
        operations.push(DocumentChangeOperation::Edit(TextDocumentEdit {
            text_document: OptionalVersionedTextDocumentIdentifier { uri, version: None },
            edits: vec![OneOf::Left(TextEdit {
                range: Range::default(),
                new_text: text.clone(),
            })],
        }));
    }
    let shown: Vec<&str> = names.iter().map(String::as_str).collect();
    let title = format!(
        "{}Fix in a new migration {}: {}",
        if unsafe_fix { "Unsafe: " } else { "" },
        shown.join(" and "),
        first_sql.lines().next().unwrap_or_default()
    );
    Some(CodeActionOrCommand::CodeAction(CodeAction {
        title,
        kind: Some(CodeActionKind::QUICKFIX),
        diagnostics: Some(vec![d.clone()]),
        edit: Some(WorkspaceEdit {
            document_changes: Some(DocumentChanges::Operations(operations)),
            ..WorkspaceEdit::default()
        }),
        is_preferred: Some(!unsafe_fix),
        ..CodeAction::default()
    }))
}

/// rls-initplan in the statement itself: `auth.uid()` becomes
/// `(select auth.uid())` where the diagnostic is. Right for a migration not
/// yet applied; for one that is, the new migration above is the fix.
fn wrap_action(uri: &Uri, text: &str, f: &Finding, d: &Diagnostic) -> Option<CodeActionOrCommand> {
    use crate::findings::remedy::Remedy;
    if !matches!(f.remedy, Some(Remedy::WrapPolicyCalls { .. })) {
        return None;
    }
    let lines = Lines::new(text);
    let (start, end) = (lines.offset(d.range.start), lines.offset(d.range.end));
    let call = text.get(start..end)?;
    // Only a whole call, as the buffer has it now.
    let compact: String = call.chars().filter(|c| !c.is_whitespace()).collect();
    let name_end = compact.find('(')?;
    let named = compact.get(..name_end).is_some_and(|n| {
        !n.is_empty() && n.chars().all(|c| c.is_alphanumeric() || "._\"".contains(c))
    });
    if !named || !compact.ends_with(')') {
        return None;
    }
    let edit = TextEdit {
        range: d.range,
        new_text: format!("(select {call})"),
    };
    Some(edit_in_file(
        format!("Wrap `{call}` in (select ...) here (a migration not yet applied)"),
        uri,
        edit,
        d,
    ))
}

/// Where a new migration goes, as `pgvet fix` decides: the directory
/// linted, or the one holding the last file (for a folder per migration,
/// the folder above it).
fn fix_directory(paths: &[PathBuf], runner: Runner) -> Option<PathBuf> {
    let last = paths.last()?;
    if last.is_dir() {
        return Some(last.clone());
    }
    let parent = last.parent()?;
    if matches!(runner, Runner::Prisma | Runner::Diesel) {
        return parent.parent().map(Path::to_path_buf);
    }
    Some(parent.to_path_buf())
}
