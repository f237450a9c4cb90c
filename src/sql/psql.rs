//! Text in a migration file that psql consumes itself and PostgreSQL never
//! parses: meta-commands (`\set x 1`, `\i other.sql`, `\connect db`) and the
//! data lines of `COPY ... FROM stdin` up to their `\.` line.
//!
//! Files written for `psql -f` (and `pg_dump` output) hold both. PostgreSQL's
//! scanner cannot read them (a backslash is not SQL; data lines may hold
//! quotes that never close), so [`blank`] turns them into spaces before the
//! file is split, keeping every byte offset, and the splitter leaves them out
//! of the statements. [`skipped`] finds them with a small scanner that knows
//! just enough SQL to tell a backslash in a string, quoted identifier, dollar
//! quote or comment from one that starts a meta-command, as psql does.

use std::borrow::Cow;

use super::is_ident_cont;

/// What a skipped region holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SkipKind {
    /// A psql meta-command: from its backslash to the end of its line.
    MetaCommand,
    /// The data of `COPY ... FROM stdin` (or `\copy ... from stdin`): whole
    /// lines, the closing `\.` line included.
    CopyData,
}

/// A region of a file that is not SQL, as byte offsets (end exclusive,
/// without the line terminator).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Skipped {
    pub kind: SkipKind,
    pub start: usize,
    pub end: usize,
}

/// The file's meta-commands and COPY data blocks, in file order.
pub fn skipped(text: &str) -> Vec<Skipped> {
    // Meta-commands start with a backslash; COPY data follows a statement
    // naming stdin (its `\.` may be missing). Most files have neither.
    if !text.contains('\\') && !contains_ascii_ci(text, "stdin") {
        return Vec::new();
    }
    Scanner::new(text).run()
}

/// `text` with every skipped region replaced by spaces (line terminators
/// kept), so offsets, lines and columns stay those of the file.
pub fn blank<'t>(text: &'t str, regions: &[Skipped]) -> Cow<'t, str> {
    if regions.is_empty() {
        return Cow::Borrowed(text);
    }
    let mut bytes = text.as_bytes().to_vec();
    for r in regions {
        for b in bytes.iter_mut().take(r.end).skip(r.start) {
            if *b != b'\n' && *b != b'\r' {
                *b = b' ';
            }
        }
    }
    // Regions start at an ASCII backslash or a line start and end at a line
    // end or the end of the text, so whole characters were replaced and the
    // bytes are still UTF-8; the fallback only guards that reasoning.
    match String::from_utf8(bytes) {
        Ok(s) => Cow::Owned(s),
        Err(_) => Cow::Borrowed(text),
    }
}

fn contains_ascii_ci(text: &str, word: &str) -> bool {
    text.as_bytes()
        .windows(word.len())
        .any(|w| w.eq_ignore_ascii_case(word.as_bytes()))
}

fn is_ident_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_' || b >= 0x80
}

/// Words of the statement being scanned, as far as COPY detection needs them.
#[derive(Default)]
struct CopyWatch {
    words: usize,
    is_copy: bool,
    last_was_from: bool,
    from_stdin: bool,
}

impl CopyWatch {
    fn word(&mut self, w: &[u8]) {
        if self.words == 0 {
            self.is_copy = w.eq_ignore_ascii_case(b"copy");
        } else if self.last_was_from && w.eq_ignore_ascii_case(b"stdin") {
            self.from_stdin = true;
        }
        self.last_was_from = w.eq_ignore_ascii_case(b"from");
        self.words += 1;
    }

    /// Any other token between words: `from (` is not `from stdin`.
    fn other(&mut self) {
        self.last_was_from = false;
    }

    fn reads_stdin(&self) -> bool {
        self.is_copy && self.from_stdin
    }
}

struct Scanner<'t> {
    b: &'t [u8],
    i: usize,
    out: Vec<Skipped>,
    stmt: CopyWatch,
    /// A `COPY ... FROM stdin;` ended on this line: its data starts on the next.
    copy_pending: bool,
    /// psql variable references `:'name'` and `:"name"` outside quotes.
    variables: Vec<Variable>,
    /// Whether to look for variable references at all.
    track_variables: bool,
}

/// A psql variable reference in SQL text: `:'name'` (interpolated as a
/// string literal) or `:"name"` (as a quoted identifier).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Variable {
    start: usize,
    end: usize,
    quote: u8,
    name: String,
}

/// `text` with psql's variable references `:'name'` and `:"name"` replaced
/// by what PostgreSQL can parse, in the same number of bytes: `'name' ` (a
/// string literal) and ` "name"` (a quoted identifier). psql replaces only
/// variables that are set: those `\set` earlier in the file, or any when
/// the runner sets variables from outside (`any_set`: sqitch's `--set`).
/// The value is unknown to pgvet; the name stands in for it.
pub fn interpolate(text: &str, any_set: bool) -> Cow<'_, str> {
    if !text.contains(":'") && !text.contains(":\"") {
        return Cow::Borrowed(text);
    }
    let mut scanner = Scanner::new(text);
    scanner.track_variables = true;
    let (regions, variables) = scanner.run_keep();
    let set: Vec<(usize, String)> = regions
        .iter()
        .filter(|r| r.kind == SkipKind::MetaCommand)
        .filter_map(|r| {
            let command = text.get(r.start..r.end)?;
            let mut words = command.split_whitespace();
            (words.next()? == "\\set").then(|| (r.start, words.next().unwrap_or("").to_string()))
        })
        .collect();
    let mut bytes = text.as_bytes().to_vec();
    let mut changed = false;
    for v in variables {
        let is_set = any_set
            || set
                .iter()
                .any(|(at, name)| *at < v.start && *name == v.name);
        if !is_set {
            continue;
        }
        let q = char::from(v.quote);
        let stand_in = if v.quote == b'\'' {
            format!("{q}{}{q} ", v.name)
        } else {
            format!(" {q}{}{q}", v.name)
        };
        if let Some(slot) = bytes.get_mut(v.start..v.end) {
            if slot.len() == stand_in.len() {
                slot.copy_from_slice(stand_in.as_bytes());
                changed = true;
            }
        }
    }
    match (changed, String::from_utf8(bytes)) {
        (true, Ok(s)) => Cow::Owned(s),
        _ => Cow::Borrowed(text),
    }
}

impl<'t> Scanner<'t> {
    fn new(text: &'t str) -> Self {
        Scanner {
            b: text.as_bytes(),
            i: 0,
            out: Vec::new(),
            stmt: CopyWatch::default(),
            copy_pending: false,
            variables: Vec::new(),
            track_variables: false,
        }
    }

    /// The skipped regions and the variable references found.
    fn run_keep(mut self) -> (Vec<Skipped>, Vec<Variable>) {
        self.walk();
        (self.out, self.variables)
    }

    fn at(&self, i: usize) -> Option<u8> {
        self.b.get(i).copied()
    }

    fn run(self) -> Vec<Skipped> {
        self.run_keep().0
    }

    fn walk(&mut self) {
        while let Some(c) = self.at(self.i) {
            match c {
                b'\n' | b'\r' => {
                    self.i += 1;
                    if c == b'\r' && self.at(self.i) == Some(b'\n') {
                        self.i += 1;
                    }
                    if self.copy_pending {
                        self.copy_pending = false;
                        self.copy_data();
                    }
                }
                b'\\' => {
                    self.stmt.other();
                    self.meta_command();
                }
                b'-' if self.at(self.i + 1) == Some(b'-') => self.skip_line(),
                b'/' if self.at(self.i + 1) == Some(b'*') => self.block_comment(),
                b'\'' => {
                    self.stmt.other();
                    let escapes = self.i > 0
                        && matches!(self.at(self.i - 1), Some(b'e' | b'E'))
                        && !(self.i > 1 && self.at(self.i - 2).is_some_and(is_ident_cont));
                    self.quoted(b'\'', escapes);
                }
                b'"' => {
                    self.stmt.other();
                    self.quoted(b'"', false);
                }
                b'$' => {
                    self.stmt.other();
                    if !self.dollar_quote() {
                        self.i += 1;
                    }
                }
                b';' => {
                    self.copy_pending = self.stmt.reads_stdin();
                    self.stmt = CopyWatch::default();
                    self.i += 1;
                }
                c if is_ident_start(c) => {
                    let start = self.i;
                    while self.at(self.i).is_some_and(is_ident_cont) {
                        self.i += 1;
                    }
                    let end = self.i;
                    // `E'...'`: the quote right after the word is scanned next.
                    if let Some(w) = self.b.get(start..end) {
                        self.stmt.word(w);
                    }
                }
                c if c.is_ascii_whitespace() => self.i += 1,
                b':' if self.track_variables && self.variable() => {}
                _ => {
                    self.stmt.other();
                    self.i += 1;
                }
            }
        }
    }

    /// `:'name'` or `:"name"` at the cursor (not `::`): recorded and
    /// passed; false, cursor unmoved, for anything else.
    fn variable(&mut self) -> bool {
        if self.i > 0 && self.at(self.i - 1) == Some(b':') {
            return false;
        }
        let Some(quote) = self.at(self.i + 1).filter(|q| *q == b'\'' || *q == b'"') else {
            return false;
        };
        let start = self.i;
        let mut j = self.i + 2;
        if !self.at(j).is_some_and(is_ident_start) {
            return false;
        }
        while self.at(j).is_some_and(|c| is_ident_cont(c) && c != b'$') {
            j += 1;
        }
        if self.at(j) != Some(quote) {
            return false;
        }
        let name =
            String::from_utf8_lossy(self.b.get(start + 2..j).unwrap_or_default()).into_owned();
        self.variables.push(Variable {
            start,
            end: j + 1,
            quote,
            name,
        });
        self.stmt.other();
        self.i = j + 1;
        true
    }

    /// End of the current line (before its terminator).
    fn line_end(&self, from: usize) -> usize {
        let mut j = from;
        while self.at(j).is_some_and(|c| c != b'\n' && c != b'\r') {
            j += 1;
        }
        j
    }

    fn skip_line(&mut self) {
        self.i = self.line_end(self.i);
    }

    /// A meta-command runs from its backslash to the end of the line. psql
    /// also reads the data of `\copy ... from stdin` from the script.
    fn meta_command(&mut self) {
        let start = self.i;
        let end = self.line_end(start);
        self.out.push(Skipped {
            kind: SkipKind::MetaCommand,
            start,
            end,
        });
        self.i = end;
        let command = self.b.get(start..end).unwrap_or_default();
        if is_copy_from_stdin(command) {
            self.copy_pending = true;
        }
    }

    /// Data lines up to and including a line that is `\.` (trailing blanks
    /// allowed), or to the end of the file. Starts at a line start.
    fn copy_data(&mut self) {
        let start = self.i;
        let mut end = start;
        let mut line = start;
        while line < self.b.len() {
            let line_end = self.line_end(line);
            end = line_end;
            let content = self.b.get(line..line_end).unwrap_or_default();
            let mut next = line_end;
            if self.at(next) == Some(b'\r') {
                next += 1;
            }
            if self.at(next) == Some(b'\n') {
                next += 1;
            }
            if content.trim_ascii_end() == b"\\." {
                break;
            }
            line = next;
        }
        if end > start {
            self.out.push(Skipped {
                kind: SkipKind::CopyData,
                start,
                end,
            });
        }
        self.i = end;
    }

    /// Block comments nest in PostgreSQL. An unterminated one runs to the end.
    fn block_comment(&mut self) {
        let mut depth = 0usize;
        while self.i < self.b.len() {
            if self.at(self.i) == Some(b'/') && self.at(self.i + 1) == Some(b'*') {
                depth += 1;
                self.i += 2;
            } else if self.at(self.i) == Some(b'*') && self.at(self.i + 1) == Some(b'/') {
                depth = depth.saturating_sub(1);
                self.i += 2;
                if depth == 0 {
                    return;
                }
            } else {
                self.i += 1;
            }
        }
    }

    /// A string or quoted identifier; a doubled quote stands for one. With
    /// `escapes` (an `E'...'` string), a backslash escapes the next byte.
    fn quoted(&mut self, quote: u8, escapes: bool) {
        self.i += 1;
        while let Some(c) = self.at(self.i) {
            if escapes && c == b'\\' {
                self.i += 2;
            } else if c == quote {
                self.i += 1;
                if self.at(self.i) != Some(quote) {
                    return;
                }
                self.i += 1;
            } else {
                self.i += 1;
            }
        }
    }

    /// `$tag$ ... $tag$`; false when the `$` starts no dollar quote (`$1`,
    /// or a `$` inside an identifier such as `a$b`).
    fn dollar_quote(&mut self) -> bool {
        if self.i > 0 && self.at(self.i - 1).is_some_and(is_ident_cont) {
            return false;
        }
        let mut j = self.i + 1;
        if self.at(j).is_some_and(is_ident_start) {
            while self.at(j).is_some_and(|c| is_ident_cont(c) && c != b'$') {
                j += 1;
            }
        }
        if self.at(j) != Some(b'$') {
            return false;
        }
        let Some(tag) = self.b.get(self.i..=j) else {
            return false;
        };
        let body = j + 1;
        let close = self
            .b
            .get(body..)
            .and_then(|rest| rest.windows(tag.len()).position(|w| w == tag));
        self.i = close.map_or(self.b.len(), |p| body + p + tag.len());
        true
    }
}

/// `\copy ... from stdin` (psql reads its data from the script; `pstdin`
/// would be psql's own standard input).
fn is_copy_from_stdin(command: &[u8]) -> bool {
    let text = String::from_utf8_lossy(command).to_ascii_lowercase();
    let mut words = text.split(|c: char| c.is_whitespace() || c == '(' || c == ')');
    if words.next() != Some("\\copy") {
        return false;
    }
    let words: Vec<&str> = words.filter(|w| !w.is_empty()).collect();
    words.windows(2).any(|w| w == ["from", "stdin"])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn regions(text: &str) -> Vec<(SkipKind, &str)> {
        skipped(text)
            .into_iter()
            .map(|r| (r.kind, &text[r.start..r.end]))
            .collect()
    }

    use SkipKind::{CopyData, MetaCommand};

    #[test]
    fn meta_commands_on_their_own_lines() {
        let text = "\\set ON_ERROR_STOP on\nselect 1;\n  \\i other.sql\r\n\\connect db\ncreate table t (id int);\n";
        assert_eq!(
            regions(text),
            [
                (MetaCommand, "\\set ON_ERROR_STOP on"),
                (MetaCommand, "\\i other.sql"),
                (MetaCommand, "\\connect db"),
            ]
        );
    }

    #[test]
    fn backslashes_in_strings_comments_and_bodies_are_not_commands() {
        let text = "select '\\n', e'it\\'s \\i', \"a\\b\";\n-- \\i x\n/* \\i /* y */ \\i */\n\
                    create function f() returns text as $fn$\n\\i not a command\n$fn$ language sql;\n\
                    select $1, a$b;\n";
        assert_eq!(regions(text), []);
    }

    #[test]
    fn copy_from_stdin_data_runs_to_the_end_marker() {
        let text = "COPY public.t (id, note) FROM stdin;\n1\tit's\n2\t$$ /* ;\n\\.\nselect 1;\n";
        assert_eq!(regions(text), [(CopyData, "1\tit's\n2\t$$ /* ;\n\\.")]);
    }

    #[test]
    fn copy_with_options_and_crlf() {
        let text = "copy t from STDIN with (format csv);\r\na,b\r\n\\.\r\nselect 1;\r\n";
        assert_eq!(regions(text), [(CopyData, "a,b\r\n\\.")]);
    }

    #[test]
    fn copy_to_stdout_and_from_a_file_have_no_data() {
        let text = "copy t to stdout;\nselect 1;\ncopy t from '/tmp/stdin';\nselect 2;\n";
        assert_eq!(regions(text), []);
    }

    #[test]
    fn copy_data_without_end_marker_runs_to_the_end_of_the_file() {
        let text = "copy t from stdin;\n1\n2\n";
        assert_eq!(regions(text), [(CopyData, "1\n2")]);
    }

    #[test]
    fn variables_set_in_the_file_are_interpolated_in_place() {
        let text = "\\set body `cat x.html`\ninsert into t values (:'body', :'other', 'a:''b''', 1::int);\nselect * from :\"body\".t;\n-- :'body'\n";
        let out = interpolate(text, false);
        assert_eq!(out.len(), text.len());
        assert_eq!(
            out,
            "\\set body `cat x.html`\ninsert into t values ('body' , :'other', 'a:''b''', 1::int);\nselect * from  \"body\".t;\n-- :'body'\n"
        );
        // Not set before the use: left as psql leaves it.
        let late = "select :'x';\n\\set x 1\n";
        assert_eq!(interpolate(late, false), late);
        // sqitch sets variables from outside the file.
        assert_eq!(interpolate("select :'x';", true), "select 'x' ;");
    }

    #[test]
    fn psql_copy_from_stdin_reads_data_too() {
        let text = "\\copy t from stdin\n1\n\\.\nselect 1;\n";
        assert_eq!(
            regions(text),
            [(MetaCommand, "\\copy t from stdin"), (CopyData, "1\n\\.")]
        );
    }

    #[test]
    fn blank_keeps_offsets_and_line_ends() {
        let text = "\\set x 'é'\r\nselect 1;\n";
        let r = skipped(text);
        let blanked = blank(text, &r);
        assert_eq!(blanked.len(), text.len());
        assert_eq!(&blanked[..], "           \r\nselect 1;\n");
    }

    #[test]
    fn unterminated_quotes_do_not_loop() {
        for text in [
            "select 'abc",
            "select \"abc",
            "select $$abc",
            "/* abc",
            "select e'\\",
        ] {
            assert_eq!(regions(text), [], "{text}");
        }
    }
}
