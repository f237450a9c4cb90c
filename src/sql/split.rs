//! SQL text -> statements with spans, using PostgreSQL's own scanner and parser.

use std::sync::{Arc, OnceLock};

use pg_query::protobuf::{self as pb, Token};
use pg_query::NodeEnum;

use super::{pgffi, psql};
use super::{FileId, Span};

/// One parsed top-level statement.
#[derive(Debug, Clone)]
pub struct Statement {
    /// The statement: first token to last token, without the `;`.
    pub span: Span,
    /// File offset that node `location`s are relative to.
    pub base: u32,
    pub node: NodeEnum,
    /// The whole file the statement came from.
    pub text: Arc<str>,
    /// The statement's tokens (file offsets, comments left out), scanned
    /// once on first use: rules narrow many spans in one statement, and
    /// rescanning the rest of the statement for each made replay quadratic
    /// in a statement's length.
    pub(crate) tokens: Arc<OnceLock<Option<Vec<Tok>>>>,
}

/// A token of a statement: kind, keyword kind and file offsets.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Tok {
    pub(crate) kind: Token,
    pub(crate) keyword: pg_query::protobuf::KeywordKind,
    pub(crate) start: u32,
    pub(crate) end: u32,
}

impl Statement {
    /// A statement with its token cache empty.
    pub fn new(span: Span, base: u32, node: NodeEnum, text: Arc<str>) -> Statement {
        Statement {
            span,
            base,
            node,
            text,
            tokens: Arc::new(OnceLock::new()),
        }
    }

    /// The statement's non-comment tokens; None when it does not scan.
    pub(crate) fn tokens(&self) -> Option<&[Tok]> {
        self.tokens
            .get_or_init(|| {
                let text = self
                    .text
                    .get(self.span.start as usize..self.span.end as usize)?;
                let scanned = crate::sql::scan_tokens(text).ok()?;
                Some(
                    scanned
                        .into_iter()
                        .filter_map(|t| {
                            let kind = Token::try_from(t.token).ok()?;
                            let keyword =
                                pg_query::protobuf::KeywordKind::try_from(t.keyword_kind).ok()?;
                            let start = u32::try_from(t.start).ok()?;
                            let end = u32::try_from(t.end).ok()?;
                            (!matches!(kind, Token::SqlComment | Token::CComment)).then_some(Tok {
                                kind,
                                keyword,
                                start: self.span.start.saturating_add(start),
                                end: self.span.start.saturating_add(end),
                            })
                        })
                        .collect(),
                )
            })
            .as_deref()
    }

    /// The tokens from the one that starts at file offset `start` on.
    fn tokens_from(&self, start: u32) -> Option<&[Tok]> {
        let all = self.tokens()?;
        let first = all.partition_point(|t| t.start < start);
        all.get(first..)
    }
}

impl Statement {
    /// The clause that starts at a node `location` (relative to the parsed
    /// text; -1 = unknown): up to the next `,` or `)` that closes it, or the
    /// end of the statement. Falls back to the whole statement.
    pub fn span_at(&self, location: i32) -> Span {
        self.narrowed(location, clause_end)
    }

    /// The (possibly qualified) name that starts at a node `location`:
    /// `public.users` in `references public.users (id)`.
    pub fn name_at(&self, location: i32) -> Span {
        self.narrowed(location, name_end)
    }

    /// Whether the clause at `location` (see [`Self::span_at`]) contains
    /// these words in a row, compared case-insensitively, comments skipped:
    /// `&["on", "delete"]`.
    pub fn clause_has_words(&self, location: i32, words: &[&str]) -> bool {
        let span = self.span_at(location);
        let Some(tokens) = self.tokens_from(span.start) else {
            return false;
        };
        let texts: Vec<&str> = tokens
            .iter()
            .take_while(|t| t.end <= span.end)
            .filter_map(|t| self.text.get(t.start as usize..t.end as usize))
            .collect();
        !words.is_empty()
            && texts
                .windows(words.len())
                .any(|w| w.iter().zip(words).all(|(a, b)| a.eq_ignore_ascii_case(b)))
    }

    fn narrowed(&self, location: i32, end_of: fn(&[Tok]) -> Option<u32>) -> Span {
        let Ok(loc) = u32::try_from(location) else {
            return self.span;
        };
        let start = self.base.saturating_add(loc);
        if start >= self.span.end {
            return self.span;
        }
        let end = self
            .tokens_from(start)
            .and_then(end_of)
            .unwrap_or(self.span.end);
        Span {
            file: self.span.file,
            start,
            end,
        }
    }
}

/// End offset of the clause the tokens start: up to the `,` or `)` that
/// closes it at its own depth, or the end of the statement.
fn clause_end(tokens: &[Tok]) -> Option<u32> {
    let mut depth = 0usize;
    let mut last = None;
    for t in tokens {
        match t.kind {
            Token::Ascii40 => depth += 1,
            Token::Ascii41 if depth == 0 => break,
            Token::Ascii41 => depth -= 1,
            Token::Ascii44 | Token::Ascii59 if depth == 0 => break,
            _ => {}
        }
        last = Some(t.end);
    }
    last
}

/// End offset of the (possibly qualified) name the tokens start with.
fn name_end(tokens: &[Tok]) -> Option<u32> {
    let mut last = None;
    let mut want_part = true;
    for t in tokens {
        match (want_part, t.kind) {
            (false, Token::Ascii46) => want_part = true,
            (true, k)
                if !matches!(
                    k,
                    Token::Ascii40
                        | Token::Ascii41
                        | Token::Ascii44
                        | Token::Ascii46
                        | Token::Ascii59
                ) =>
            {
                last = Some(t.end);
                want_part = false;
            }
            _ => break,
        }
    }
    last
}

/// A statement PostgreSQL rejected.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct ParseError {
    pub file: FileId,
    pub offset: u32,
    pub message: String,
}

/// Statement ranges of a file (byte offsets, trivia included), or the error
/// that stopped PostgreSQL's scanner when it gave no position.
///
/// psql meta-commands and COPY data (see [`psql`]) are left out of every
/// range. An unterminated quote or comment does not hide the statements
/// before it: they are returned, and the last range runs from the statement
/// that holds the unterminated token to the end of the file, so that parsing
/// it reports PostgreSQL's error at that token.
pub fn split_file(file: FileId, text: &str) -> Result<Vec<(usize, usize)>, ParseError> {
    let skipped = psql::skipped(text);
    let scanned = psql::blank(text, &skipped);
    let (ranges, unterminated) = match pgffi::split(&scanned) {
        Ok(ranges) => (
            with_atomic_bodies(&scanned, with_gaps(&scanned, ranges)),
            false,
        ),
        Err(e) => match e.offset.and_then(|at| before_unterminated(&scanned, at)) {
            Some(ranges) => (ranges, true),
            None => {
                return Err(ParseError {
                    file,
                    offset: to_u32(e.offset.unwrap_or(0)),
                    message: e.message,
                })
            }
        },
    };
    Ok(without_skipped(ranges, &skipped)
        .into_iter()
        .filter(|&(s, e)| {
            // The unterminated tail may hold only the comment: keep it, to be reported.
            (unterminated && e == text.len() && e > s)
                || text.get(s..e).and_then(first_token).is_some()
        })
        .collect())
}

/// Ranges of `text` when the scanner stopped at an unterminated token at
/// `at`: the statements before it, and one range from the start of the
/// statement holding it to the end of the text.
fn before_unterminated(text: &str, at: usize) -> Option<Vec<(usize, usize)>> {
    let prefix = text.get(..at)?;
    let mut ranges = with_gaps(prefix, pgffi::split(prefix).ok()?);
    // The scanner stops a statement at its `;`; without one between the last
    // range and the token, the token belongs to that statement.
    let open = ranges
        .last()
        .filter(|&&(_, end)| !prefix.get(end..).unwrap_or_default().contains(';'))
        .copied();
    match open {
        Some((start, _)) => {
            ranges.pop();
            ranges.push((start, text.len()));
        }
        None => ranges.push((at, text.len())),
    }
    Some(ranges)
}

/// Cuts the skipped regions out of the ranges. A region between statements
/// only trims the range after it; one inside a statement splits it, as psql
/// sends the query buffer at `\g` and keeps it for other commands.
fn without_skipped(ranges: Vec<(usize, usize)>, skipped: &[psql::Skipped]) -> Vec<(usize, usize)> {
    if skipped.is_empty() {
        return ranges;
    }
    let mut out = Vec::with_capacity(ranges.len());
    let mut next = 0;
    for (mut start, end) in ranges {
        // Regions are sorted and disjoint, as are ranges.
        while skipped.get(next).is_some_and(|r| r.end <= start) {
            next += 1;
        }
        let mut k = next;
        while let Some(r) = skipped.get(k).filter(|r| r.start < end) {
            if r.start > start {
                out.push((start, r.start));
            }
            start = start.max(r.end);
            k += 1;
        }
        if start < end {
            out.push((start, end));
        }
    }
    out
}

/// Consecutive runs of `pieces` to parse together: at most 128 statements
/// and about 2 MiB of SQL, so that parse trees of a huge file (a 50 MB dump
/// of multi-row INSERTs) do not all sit in memory at once. Two runs are alive
/// at a time (one replayed while the next is parsed); with 512 statements
/// their trees were 40% of the heap at 2,000 tables, and 128 was no slower.
pub fn chunks<T>(pieces: &[T], len: impl Fn(&T) -> usize) -> impl Iterator<Item = &[T]> {
    const MAX_STATEMENTS: usize = 128;
    const MAX_BYTES: usize = 2 << 20;
    let mut rest = pieces;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let mut bytes = 0;
        let mut n = 0;
        for piece in rest.iter().take(MAX_STATEMENTS) {
            bytes += len(piece);
            n += 1;
            if bytes >= MAX_BYTES {
                break;
            }
        }
        let (chunk, tail) = rest.split_at_checked(n)?;
        rest = tail;
        Some(chunk)
    })
}

/// Parses one range from [`split_file`].
pub fn parse_range(
    file: FileId,
    text: &Arc<str>,
    (start, end): (usize, usize),
) -> Result<Vec<Statement>, ParseError> {
    let piece = text.get(start..end).unwrap_or_default();
    let first = first_token(piece).unwrap_or(0);
    let shortened = few_rows(piece, first);
    match pgffi::parse(shortened.as_deref().unwrap_or(piece)) {
        Ok(result) => Ok(result
            .stmts
            .into_iter()
            .filter_map(|raw| raw.stmt.and_then(|n| n.node))
            .map(|node| {
                Statement::new(
                    Span {
                        file,
                        start: to_u32(start + first),
                        end: to_u32(trim_end(text, start + first, end)),
                    },
                    to_u32(start),
                    node,
                    Arc::clone(text),
                )
            })
            .collect()),
        Err(e) => Err(ParseError {
            file,
            offset: to_u32(start + e.offset.unwrap_or(first)),
            message: e.message,
        }),
    }
}

/// [`parse_range`] for a lint, on a parsing thread: a DDL statement's
/// tokens are scanned too, since the replay and the rules place names and
/// clauses of DDL in them, and the one thread that replays is better spared
/// the scan. Data statements (INSERT, COPY, ...) are rarely looked into; an
/// audit, which places nothing in a text, has no use for tokens.
pub fn parse_range_scanned(
    file: FileId,
    text: &Arc<str>,
    range: (usize, usize),
) -> Result<Vec<Statement>, ParseError> {
    let stmts = parse_range(file, text, range)?;
    for stmt in &stmts {
        if !matches!(
            stmt.node,
            NodeEnum::InsertStmt(_)
                | NodeEnum::UpdateStmt(_)
                | NodeEnum::DeleteStmt(_)
                | NodeEnum::SelectStmt(_)
                | NodeEnum::CopyStmt(_)
                | NodeEnum::VariableSetStmt(_)
                | NodeEnum::TransactionStmt(_)
        ) {
            stmt.tokens();
        }
    }
    Ok(stmts)
}

/// Rows of a multi-row `INSERT ... VALUES` kept for analysis when the
/// statement is large. Parse trees take about 1.3 KB a value: a 7 MB INSERT of
/// 200,000 rows took 780 MB. The rows after these are data of the same shape;
/// no rule needs all of them.
const KEPT_ROWS: usize = 1_000;

/// Statements shorter than this are parsed as written.
const LARGE_STATEMENT: usize = 256 << 10;

/// For a large `INSERT INTO t [(cols)] VALUES (...), (...), ...`, the same
/// text with the rows after the first [`KEPT_ROWS`] blanked out (replaced by
/// spaces, so that every offset stays where it was); None for anything else.
fn few_rows(piece: &str, first: usize) -> Option<String> {
    let head = piece.get(first..first + 6)?;
    if piece.len() < LARGE_STATEMENT || !head.eq_ignore_ascii_case("insert") {
        return None;
    }
    let tokens = crate::sql::scan_tokens(piece).ok()?;
    let mut depth = 0usize;
    let mut values_seen = false;
    let mut rows = 0usize;
    // Where the comma after the last kept row starts, and where the last row ends.
    let mut cut: Option<usize> = None;
    let mut last_row_end = None;
    for t in &tokens {
        let kind = Token::try_from(t.token).ok()?;
        match kind {
            Token::SqlComment | Token::CComment => continue,
            Token::Ascii40 => depth += 1,
            Token::Ascii41 => {
                depth = depth.checked_sub(1)?;
                if depth == 0 && values_seen {
                    rows += 1;
                    last_row_end = Some(usize::try_from(t.end).ok()?);
                }
            }
            Token::Values if depth == 0 => values_seen = true,
            Token::Ascii44 if depth == 0 && values_seen => {
                cut = cut.or_else(|| {
                    (rows == KEPT_ROWS)
                        .then_some(t.start)
                        .and_then(|at| usize::try_from(at).ok())
                });
            }
            // ON CONFLICT, RETURNING, `;`: the rows are over.
            _ if depth == 0 && values_seen => break,
            _ => {}
        }
    }
    let (from, to) = (cut?, last_row_end?);
    if to <= from {
        return None;
    }
    let mut out = String::with_capacity(piece.len());
    out.push_str(piece.get(..from)?);
    // Line breaks are kept so that line numbers after the rows stay right.
    for c in piece.get(from..to)?.chars() {
        match c {
            '\n' | '\r' => out.push(c),
            c => out.extend(std::iter::repeat_n(' ', c.len_utf8())),
        }
    }
    out.push_str(piece.get(to..)?);
    Some(out)
}

/// Splits and parses a whole file. Statements that do not parse become errors;
/// the others are still returned.
pub fn parse_file(file: FileId, text: &str) -> (Vec<Statement>, Vec<ParseError>) {
    let text: Arc<str> = text.into();
    let text = &text;
    let ranges = match split_file(file, text) {
        Ok(ranges) => ranges,
        Err(e) => return (Vec::new(), vec![e]),
    };
    let mut statements = Vec::with_capacity(ranges.len());
    let mut errors = Vec::new();
    for range in ranges {
        match parse_range(file, text, range) {
            Ok(mut stmts) => statements.append(&mut stmts),
            Err(e) => errors.push(e),
        }
    }
    (statements, errors)
}

/// The scanner split silently drops text it cannot tokenize into a statement
/// (`select 1; asdf; select 2` yields two statements). Any such gap that holds
/// more than whitespace and comments is returned as a statement of its own,
/// so that the parser reports it instead of pgvet skipping it.
fn with_gaps(text: &str, ranges: Vec<(usize, usize)>) -> Vec<(usize, usize)> {
    let mut out = Vec::with_capacity(ranges.len());
    let mut pos = 0;
    for (start, end) in ranges {
        if start > pos {
            push_gap(text, pos, start, &mut out);
        }
        out.push((start, end));
        pos = end;
    }
    if pos < text.len() {
        push_gap(text, pos, text.len(), &mut out);
    }
    out
}

fn push_gap(text: &str, from: usize, to: usize, out: &mut Vec<(usize, usize)>) {
    let Some(gap) = text.get(from..to) else {
        return;
    };
    if first_token(gap).is_none() {
        return;
    }
    // Split at the `;` tokens PostgreSQL's scanner sees: a `;` in a comment or
    // a string (`-- down: drop table t; then ...`) ends nothing.
    let semicolons: Vec<usize> = match crate::sql::scan_tokens(gap) {
        Ok(tokens) => tokens
            .iter()
            .filter(|t| t.token == Token::Ascii59 as i32)
            .filter_map(|t| usize::try_from(t.start).ok())
            .collect(),
        // What the scanner cannot read is reported by the parser.
        Err(_) => Vec::new(),
    };
    let mut start = 0;
    for end in semicolons.into_iter().chain(std::iter::once(gap.len())) {
        if let Some(piece) = gap.get(start..end) {
            if first_token(piece).is_some() {
                out.push((from + start, from + end));
            }
        }
        start = end + 1;
    }
}

/// SQL-standard bodies (`CREATE FUNCTION ... BEGIN ATOMIC ...; ...; END`,
/// PostgreSQL 14+) hold `;` that do not end the statement; the scanner split
/// cuts them there. Joins such pieces back, as psql does: in a statement
/// that starts with CREATE [OR REPLACE] FUNCTION or PROCEDURE, outside
/// parentheses, BEGIN opens a block, CASE inside one opens another, END
/// closes one, and `;` ends the statement only with no block open
/// (psql's `begin_depth` in psqlscan.l).
fn with_atomic_bodies(text: &str, ranges: Vec<(usize, usize)>) -> Vec<(usize, usize)> {
    let mentions_atomic = |r: &(usize, usize)| {
        text.get(r.0..r.1).is_some_and(|s| {
            s.as_bytes()
                .windows(6)
                .any(|w| w.eq_ignore_ascii_case(b"atomic"))
        })
    };
    if !ranges.iter().any(mentions_atomic) {
        return ranges;
    }
    let mut out: Vec<(usize, usize)> = Vec::with_capacity(ranges.len());
    let mut body = BodyDepth::default();
    for range in ranges {
        let open = body.depth > 0;
        if !open {
            body = BodyDepth::default();
        }
        if open || mentions_atomic(&range) {
            body.feed(text.get(range.0..range.1).unwrap_or_default());
        }
        match out.last_mut() {
            Some(last) if open => last.1 = range.1,
            _ => out.push(range),
        }
    }
    out
}

/// psql's tracking of BEGIN ... END in a CREATE FUNCTION/PROCEDURE statement.
#[derive(Default)]
struct BodyDepth {
    /// The first words of the statement, lowercased, up to four.
    words: Vec<String>,
    depth: usize,
    parens: usize,
}

impl BodyDepth {
    fn feed(&mut self, piece: &str) {
        let Ok(tokens) = crate::sql::scan_tokens(piece) else {
            return;
        };
        for t in &tokens {
            let Ok(kind) = Token::try_from(t.token) else {
                continue;
            };
            match kind {
                Token::Ascii40 => self.parens += 1,
                Token::Ascii41 => self.parens = self.parens.saturating_sub(1),
                Token::SqlComment | Token::CComment => {}
                _ => {
                    let keyword = t.keyword_kind != pb::KeywordKind::NoKeyword as i32;
                    if !(keyword || kind == Token::Ident) {
                        continue;
                    }
                    let word = piece
                        .get(
                            usize::try_from(t.start).unwrap_or(0)
                                ..usize::try_from(t.end).unwrap_or(0),
                        )
                        .unwrap_or_default()
                        .to_ascii_lowercase();
                    if self.words.len() < 4 {
                        self.words.push(word.clone());
                    }
                    if !self.creates_routine() || self.parens > 0 {
                        continue;
                    }
                    match word.as_str() {
                        "begin" => self.depth += 1,
                        "case" if self.depth > 0 => self.depth += 1,
                        "end" => self.depth = self.depth.saturating_sub(1),
                        _ => {}
                    }
                }
            }
        }
    }

    fn creates_routine(&self) -> bool {
        let w: Vec<&str> = self.words.iter().map(String::as_str).collect();
        matches!(
            w.as_slice(),
            ["create", "function" | "procedure", ..]
                | ["create", "or", "replace", "function" | "procedure", ..]
        )
    }
}

/// Byte offset of the first token after whitespace and comments, if any.
pub fn first_token(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        if c.is_ascii_whitespace() {
            i += 1;
        } else if c == b'-' && b.get(i + 1) == Some(&b'-') {
            while b.get(i).is_some_and(|&c| c != b'\n' && c != b'\r') {
                i += 1;
            }
        } else if c == b'/' && b.get(i + 1) == Some(&b'*') {
            // Block comments nest in PostgreSQL.
            let mut depth = 0usize;
            while i < b.len() {
                if b.get(i) == Some(&b'/') && b.get(i + 1) == Some(&b'*') {
                    depth += 1;
                    i += 2;
                } else if b.get(i) == Some(&b'*') && b.get(i + 1) == Some(&b'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
        } else if c == b';' {
            i += 1;
        } else {
            return Some(i);
        }
    }
    None
}

/// End of the statement without trailing whitespace.
fn trim_end(text: &str, start: usize, end: usize) -> usize {
    let trimmed = text.get(start..end).map_or(0, |s| s.trim_end().len());
    start + trimmed
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    const F: FileId = FileId(0);

    fn text_of(sql: &str, span: Span) -> &str {
        &sql[span.start as usize..span.end as usize]
    }

    #[test]
    fn clause_and_name_spans_stop_where_the_clause_ends() {
        let sql = "create table t (\n  a int references public.p (id) on delete cascade, -- note\n  b text check (b <> ',' and length(b) > 0)\n);";
        let (stmts, errors) = parse_file(F, sql);
        assert!(errors.is_empty());
        let stmt = &stmts[0];
        let at = |needle: &str| i32::try_from(sql.find(needle).unwrap()).unwrap();
        assert_eq!(
            text_of(sql, stmt.span_at(at("references"))),
            "references public.p (id) on delete cascade"
        );
        assert_eq!(text_of(sql, stmt.name_at(at("public.p"))), "public.p");
        assert_eq!(
            text_of(sql, stmt.span_at(at("check"))),
            "check (b <> ',' and length(b) > 0)"
        );
        assert!(stmt.clause_has_words(at("references"), &["on", "delete"]));
        assert!(!stmt.clause_has_words(at("check"), &["on", "delete"]));
        // Unknown location: the whole statement.
        assert_eq!(stmt.span_at(-1), stmt.span);
    }

    #[test]
    fn statements_keep_their_spans() {
        let sql = "-- header\ncreate table a (id int);\n\n  select 1;";
        let (stmts, errors) = parse_file(F, sql);
        assert!(errors.is_empty());
        let texts: Vec<&str> = stmts
            .iter()
            .map(|s| &sql[s.span.start as usize..s.span.end as usize])
            .collect();
        assert_eq!(texts, vec!["create table a (id int)", "select 1"]);
    }

    #[test]
    fn garbage_between_statements_is_reported_not_skipped() {
        let sql = "select 1; asdf; select 2;";
        let (stmts, errors) = parse_file(F, sql);
        assert_eq!(stmts.len(), 2);
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(errors[0].offset, 10);
    }

    #[test]
    fn a_bad_statement_does_not_hide_the_others() {
        let sql = "create table a (id int);\ncreate tabel b (id int);\ncreate table c (id int);";
        let (stmts, errors) = parse_file(F, sql);
        assert_eq!(stmts.len(), 2);
        assert_eq!(errors.len(), 1);
        assert!(errors[0].message.contains("syntax error"));
        assert_eq!(
            &sql[errors[0].offset as usize..errors[0].offset as usize + 5],
            "tabel"
        );
    }

    #[test]
    fn comment_only_file_has_no_statements() {
        let (stmts, errors) = parse_file(F, "-- nothing\n/* here /* nested */ */\n");
        assert!(stmts.is_empty() && errors.is_empty());
    }

    #[test]
    fn a_semicolon_in_a_trailing_comment_ends_nothing() {
        for sql in [
            "create table t (id int);\n-- rollback: drop table t; then redeploy\n",
            "create table t (id int);\n/* down: drop table t; drop type x; */\n",
            "create table t (id int); -- a; b\n-- c; d",
            "-- only a note; nothing else\n",
            "/* one; two */ -- three; four\n",
        ] {
            let (stmts, errors) = parse_file(F, sql);
            assert!(errors.is_empty(), "{sql:?}: {errors:?}");
            assert_eq!(
                stmts.len(),
                usize::from(sql.starts_with("create")),
                "{sql:?}"
            );
        }
        // Garbage after the last statement is still split at real semicolons.
        let (stmts, errors) = parse_file(F, "select 1; asdf -- x; y\n; qwer;");
        assert_eq!((stmts.len(), errors.len()), (1, 2), "{errors:?}");
    }

    #[test]
    fn sql_standard_bodies_are_one_statement() {
        let sql = "create function f(x int) returns int language sql\nbegin atomic\n  select x + 1;\nend;\n\
                   create or replace procedure p() language sql\nBEGIN ATOMIC\n  insert into t values (1);\n  \
                   select case when true then 1 else 2 end;\n  select 3;\nEND;\n\
                   select 4;\ncreate function g() returns int language sql return 5;\nselect 6;";
        let (stmts, errors) = parse_file(F, sql);
        assert!(errors.is_empty(), "{errors:?}");
        let kinds: Vec<String> = stmts
            .iter()
            .map(|s| {
                format!("{:?}", s.node)
                    .split('(')
                    .next()
                    .unwrap_or_default()
                    .to_string()
            })
            .collect();
        assert_eq!(
            kinds,
            [
                "CreateFunctionStmt",
                "CreateFunctionStmt",
                "SelectStmt",
                "CreateFunctionStmt",
                "SelectStmt"
            ]
        );
        // The statement's span covers the whole body.
        let first = &stmts[0];
        assert_eq!(
            &sql[first.span.start as usize..first.span.end as usize],
            "create function f(x int) returns int language sql\nbegin atomic\n  select x + 1;\nend"
        );
        // BEGIN in parentheses or outside a routine opens nothing.
        let (stmts, errors) = parse_file(F, "begin;\nselect 1;\ncommit;");
        assert_eq!((stmts.len(), errors.len()), (3, 0));
    }

    fn statement_texts<'s>(sql: &'s str, stmts: &[Statement]) -> Vec<&'s str> {
        stmts.iter().map(|s| text_of(sql, s.span)).collect()
    }

    #[test]
    fn psql_meta_commands_and_copy_data_are_not_statements() {
        let sql = "\\set ON_ERROR_STOP on\ncreate table t (id int, note text);\n\\i seed.sql\n\
                   copy t (id, note) from stdin;\n1\tit's; $$ /*\n\\.\nselect 1 \\gset\nselect 2;\n";
        let (stmts, errors) = parse_file(F, sql);
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(
            statement_texts(sql, &stmts),
            [
                "create table t (id int, note text)",
                "copy t (id, note) from stdin",
                "select 1",
                "select 2"
            ]
        );
    }

    #[test]
    fn statements_before_an_unterminated_dollar_quote_are_kept() {
        let sql = "create table a (id int);\ncreate function f() returns int as $$\nselect 1;\n";
        let (stmts, errors) = parse_file(F, sql);
        assert_eq!(statement_texts(sql, &stmts), ["create table a (id int)"]);
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(errors[0].offset as usize, sql.find("$$").unwrap());
        assert!(errors[0]
            .message
            .starts_with("unterminated dollar-quoted string"));
    }

    #[test]
    fn an_unterminated_string_and_a_nul_byte_keep_the_statements_before_them() {
        let sql = "select 1;\nselect 'it''s\n";
        let (stmts, errors) = parse_file(F, sql);
        assert_eq!(statement_texts(sql, &stmts), ["select 1"]);
        assert_eq!(errors[0].offset as usize, sql.find('\'').unwrap());
        assert!(errors[0].message.starts_with("unterminated quoted string"));
        let sql = "select 1;\nselect 2\0;";
        let (stmts, errors) = parse_file(F, sql);
        assert_eq!(statement_texts(sql, &stmts), ["select 1"]);
        assert_eq!(errors[0].offset as usize, sql.find('\0').unwrap());
    }

    #[test]
    fn an_unterminated_comment_after_complete_statements_is_reported_where_it_opens() {
        let sql = "select 1;\n\n/* open\n comment\nselect 2;\n";
        let (stmts, errors) = parse_file(F, sql);
        assert_eq!(statement_texts(sql, &stmts), ["select 1"]);
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(errors[0].offset as usize, sql.find("/*").unwrap());
        assert_eq!(
            errors[0].message,
            "unterminated /* comment at or near \"/* open…\""
        );
    }

    #[test]
    fn deep_nesting_is_an_error() {
        // Deep trees need more than a test thread's 2 MiB, as `lint_sources` knows.
        let parse = |sql: String| pgffi::on_parser_stack(move || parse_file(F, &sql).1);
        let errors = parse(format!(
            "select {}1{};",
            "(".repeat(10_000),
            ")".repeat(10_000)
        ));
        assert_eq!(errors.len(), 1);
        assert!(
            errors[0]
                .message
                .starts_with("statement is nested too deeply for PostgreSQL's parser"),
            "{errors:?}"
        );
        // Within the parser's limits but deeper than the 10,000 levels
        // libpg_query serializes.
        let errors = parse(format!("select {}1;", "1 + ".repeat(6_000)));
        assert!(
            errors[0]
                .message
                .starts_with("statement is nested too deeply for pgvet"),
            "{errors:?}"
        );
    }

    #[test]
    fn chunks_stop_at_a_count_or_a_size() {
        let small = vec![1usize; 300];
        let sizes: Vec<usize> = chunks(&small, |&n| n).map(<[usize]>::len).collect();
        assert_eq!(sizes, [128, 128, 44]);
        let big = vec![1usize << 20; 5];
        let sizes: Vec<usize> = chunks(&big, |&n| n).map(<[usize]>::len).collect();
        assert_eq!(sizes, [2, 2, 1]);
        assert_eq!(chunks(&[] as &[usize], |&n| n).count(), 0);
    }

    #[test]
    fn a_large_insert_keeps_its_first_rows_and_every_offset() {
        let rows: Vec<String> = (0..20_000).map(|i| format!("({i}, 'naïve {i}')")).collect();
        let sql = format!(
            "insert into t (id, name) values\n{}\non conflict (id) do nothing;\ncreate table after (id int);\n",
            rows.join(",\n")
        );
        assert!(sql.len() > LARGE_STATEMENT);
        let (stmts, errors) = pgffi::on_parser_stack(|| parse_file(F, &sql));
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(stmts.len(), 2);
        let NodeEnum::InsertStmt(insert) = &stmts[0].node else {
            panic!("{:?}", stmts[0].node)
        };
        let select = insert.select_stmt.as_ref().and_then(|s| s.node.as_ref());
        let Some(NodeEnum::SelectStmt(select)) = select else {
            panic!("no VALUES")
        };
        assert_eq!(select.values_lists.len(), KEPT_ROWS);
        assert!(
            insert.on_conflict_clause.is_some(),
            "the clause after the rows is kept"
        );
        // The span is the statement as written; the next one is where it is.
        assert_eq!(stmts[0].span.end as usize, sql.find(";\ncreate").unwrap());
        assert_eq!(
            stmts[1].span.start as usize,
            sql.find("create table").unwrap()
        );
    }

    #[test]
    fn small_inserts_and_other_statements_are_parsed_as_written() {
        assert_eq!(few_rows("insert into t values (1), (2)", 0), None);
        let big = format!("select {}", vec!["1"; 100_000].join(", "));
        assert_eq!(few_rows(&big, 0), None);
    }
}
