//! Token-level edits of multi-file SQL, for the `lint_mutated` fuzz target
//! and `tests/proptest_lint.rs` (which includes this file with `#[path]`).
//!
//! An input is a list of migration files. The edits keep most of the SQL
//! intact, so the result still parses often enough to reach replay and the
//! rules: swap identifiers, drop or insert tokens, duplicate, drop, swap and
//! splice statements, reorder, rename, split and merge files. Every choice
//! comes from a seeded [`Rng`], so a fuzzer seed or a proptest case replays
//! exactly. Nothing here may panic on any input: a panic would be reported as
//! a pgvet crash.

use std::collections::BTreeSet;

/// A migration file: display name and SQL text.
pub type File = (String, String);

/// SplitMix64: small, seedable and good enough to pick edits.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n`; 0 when `n` is 0.
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next_u64() % n as u64) as usize
        }
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        items.get(self.below(items.len()))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Word,
    QuotedIdent,
    Literal,
    Number,
    Space,
    Comment,
    /// `$tag$` opening a dollar-quoted body; the body's tokens follow one
    /// level deeper, then the closing tag.
    DollarOpen,
    DollarClose,
    Semicolon,
    Punct,
}

#[derive(Debug, Clone)]
pub struct Token {
    pub kind: Kind,
    pub text: String,
    /// 0 at top level, 1 inside a dollar-quoted body, and so on.
    pub depth: u8,
}

/// Dollar-quoted bodies nested deeper than this stay one literal token.
const MAX_DEPTH: u8 = 3;

/// Splits SQL into tokens whose texts, concatenated, give it back unchanged.
/// A rough lexer: enough to find identifiers, literals and statement ends.
pub fn tokens(sql: &str) -> Vec<Token> {
    let mut out = Vec::new();
    lex(sql, 0, &mut out);
    out
}

fn lex(sql: &str, depth: u8, out: &mut Vec<Token>) {
    let mut rest = sql;
    while let Some(c) = rest.chars().next() {
        if c == '$' {
            if let Some(tag_len) = dollar_tag_len(rest) {
                let (tag, after_tag) = rest.split_at(tag_len);
                if let Some(body_len) = after_tag.find(tag) {
                    let (body, after_body) = after_tag.split_at(body_len);
                    if depth < MAX_DEPTH {
                        out.push(token(Kind::DollarOpen, tag, depth));
                        lex(body, depth + 1, out);
                        out.push(token(Kind::DollarClose, tag, depth));
                    } else {
                        let whole = &rest[..tag_len + body_len + tag_len];
                        out.push(token(Kind::Literal, whole, depth));
                    }
                    rest = &after_body[tag_len..];
                    continue;
                }
            }
        }
        let len = token_len(rest, c).max(c.len_utf8());
        let (text, after) = rest.split_at(len);
        out.push(token(kind_of(c, text), text, depth));
        rest = after;
    }
}

fn token(kind: Kind, text: &str, depth: u8) -> Token {
    Token {
        kind,
        text: text.to_string(),
        depth,
    }
}

/// Length of a `$tag$` at the start of `s` (the tag may be empty).
fn dollar_tag_len(s: &str) -> Option<usize> {
    let inner = s.get(1..)?;
    let end = inner.find(|c: char| !(c.is_alphanumeric() || c == '_'))?;
    let tag = &inner[..end];
    let starts_ok = tag.chars().next().is_none_or(|c| !c.is_ascii_digit());
    (starts_ok && inner[end..].starts_with('$')).then_some(end + 2)
}

/// Byte length of the token starting with `c` at the start of `s`.
fn token_len(s: &str, c: char) -> usize {
    let run = |pred: &dyn Fn(char) -> bool| s.find(|c: char| !pred(c)).unwrap_or(s.len());
    if c.is_whitespace() {
        run(&|c| c.is_whitespace())
    } else if s.starts_with("--") {
        s.find(['\n', '\r']).unwrap_or(s.len())
    } else if s.starts_with("/*") {
        s.get(2..)
            .and_then(|t| t.find("*/"))
            .map_or(s.len(), |i| i + 4)
    } else if c == '\'' || c == '"' {
        quoted_len(s, c)
    } else if c.is_ascii_digit() {
        run(&|c| c.is_ascii_digit() || c == '.')
    } else if c.is_alphabetic() || c == '_' {
        run(&|c| c.is_alphanumeric() || c == '_' || c == '$')
    } else if s.starts_with("::") {
        2
    } else {
        c.len_utf8()
    }
}

/// A quoted literal or identifier, a doubled quote inside it included; to
/// the end of the text when it is not closed.
fn quoted_len(s: &str, quote: char) -> usize {
    let mut chars = s.char_indices().skip(1).peekable();
    while let Some((i, c)) = chars.next() {
        if c == quote {
            if chars.peek().is_some_and(|&(_, n)| n == quote) {
                chars.next();
            } else {
                return i + c.len_utf8();
            }
        }
    }
    s.len()
}

fn kind_of(c: char, text: &str) -> Kind {
    if c.is_whitespace() {
        Kind::Space
    } else if text.starts_with("--") || text.starts_with("/*") {
        Kind::Comment
    } else if c == '"' {
        Kind::QuotedIdent
    } else if c == '\'' {
        Kind::Literal
    } else if c.is_ascii_digit() {
        Kind::Number
    } else if c.is_alphabetic() || c == '_' {
        Kind::Word
    } else if c == ';' {
        Kind::Semicolon
    } else {
        Kind::Punct
    }
}

fn join(tokens: &[Token]) -> String {
    tokens.iter().map(|t| t.text.as_str()).collect()
}

/// Token ranges of the top-level statements, each with its `;`.
pub fn statements(tokens: &[Token]) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, t) in tokens.iter().enumerate() {
        if t.kind == Kind::Semicolon && t.depth == 0 {
            out.push(start..i + 1);
            start = i + 1;
        }
    }
    if tokens
        .get(start..)
        .is_some_and(|rest| rest.iter().any(|t| !matches!(t.kind, Kind::Space)))
    {
        out.push(start..tokens.len());
    }
    out
}

/// The statements' tokens and the blank tail after the last one.
fn split_statements(toks: &[Token]) -> (Vec<Vec<Token>>, Vec<Token>) {
    let ranges = statements(toks);
    let end = ranges.last().map_or(0, |r| r.end);
    let stmts = ranges
        .into_iter()
        .filter_map(|r| toks.get(r).map(<[Token]>::to_vec))
        .collect();
    (
        stmts,
        toks.get(end..).map(<[Token]>::to_vec).unwrap_or_default(),
    )
}

/// What edits draw from: identifiers, statements and file names of the seeds,
/// plus a few odd ones.
pub struct Pool {
    pub idents: Vec<String>,
    pub statements: Vec<String>,
    pub names: Vec<String>,
    pub seeds: Vec<Vec<File>>,
}

/// Identifiers that stress name handling: case, quotes, unicode, schemas
/// pgvet knows about, keywords.
const ODD_IDENTS: &[&str] = &[
    "\"Users\"",
    "\"users\"",
    "\"a\"\"b\"",
    "\"ünïcødé\"",
    "\"\"",
    "auth",
    "public",
    "storage",
    "extensions",
    "pg_catalog",
    "uid",
    "users",
    "select",
    "null",
    "U&\"\\0041\"",
];

/// Snippets inserted as tokens: keywords that change a statement's meaning,
/// statement boundaries, and openers left unterminated.
const SNIPPETS: &[&str] = &[
    "(",
    ")",
    ",",
    ";",
    "not",
    "null",
    "cascade",
    "concurrently",
    "if exists",
    "if not exists",
    "only",
    "unique",
    "primary key",
    "references auth.users",
    "security definer",
    "set search_path = ''",
    "using (true)",
    "to anon",
    "begin;",
    "commit;",
    "rollback;",
    "$$",
    "$x$",
    "'",
    "\"",
    "--",
    "/*",
    "\\i other.sql\n",
    "E'\\\\'",
    "::regclass",
    "::int",
    "[",
    "]",
    "-1",
    "99999999999999999999",
    "\u{feff}",
    "\r",
    "\r\n",
];

const ODD_NAMES: &[&str] = &[
    "0001_init.sql",
    "20240101000000_a.sql",
    "V2__add.sql",
    "no_timestamp.sql",
    "nested/dir/20240101000000_b.sql",
    "",
    "ü.sql",
];

impl Pool {
    pub fn new(seeds: Vec<Vec<File>>) -> Pool {
        let mut idents = BTreeSet::new();
        let mut statements = BTreeSet::new();
        let mut names = BTreeSet::new();
        for (name, text) in seeds.iter().flatten() {
            names.insert(name.clone());
            let toks = tokens(text);
            for t in &toks {
                if matches!(t.kind, Kind::Word | Kind::QuotedIdent) {
                    idents.insert(t.text.clone());
                }
            }
            for range in statements_of(&toks) {
                statements.insert(range);
            }
        }
        idents.extend(ODD_IDENTS.iter().map(|s| s.to_string()));
        names.extend(ODD_NAMES.iter().map(|s| s.to_string()));
        Pool {
            idents: idents.into_iter().collect(),
            statements: statements.into_iter().collect(),
            names: names.into_iter().collect(),
            seeds,
        }
    }
}

fn statements_of(toks: &[Token]) -> Vec<String> {
    statements(toks)
        .into_iter()
        .filter_map(|r| toks.get(r).map(join))
        .collect()
}

/// Writes files in the format [`parse`] reads: each after a `-- file:` line.
pub fn serialize(files: &[File]) -> String {
    let mut out = String::new();
    for (name, text) in files {
        out.push_str("-- file: ");
        out.push_str(name);
        out.push('\n');
        out.push_str(text);
        if !text.ends_with('\n') {
            out.push('\n');
        }
    }
    out
}

/// Reads `-- file: <name>` separated files, as the rules' examples are
/// written; text before the first such line is one file of its own.
pub fn parse(text: &str) -> Vec<File> {
    pgvet::rules::example_sources("0001_fuzz.sql", text)
}

/// Applies `n` random edits.
pub fn mutate_n(files: &mut Vec<File>, pool: &Pool, rng: &mut Rng, n: usize) {
    for _ in 0..n {
        mutate(files, pool, rng);
    }
}

/// Applies one random edit.
pub fn mutate(files: &mut Vec<File>, pool: &Pool, rng: &mut Rng) {
    if files.is_empty() {
        if let Some(seed) = pool.seeds.get(rng.below(pool.seeds.len())) {
            files.clone_from(seed);
        }
        return;
    }
    match rng.below(14) {
        0..=8 => {
            let f = rng.below(files.len());
            if let Some((_, text)) = files.get_mut(f) {
                let mut toks = tokens(text);
                edit_tokens(&mut toks, pool, rng);
                *text = join(&toks);
            }
        }
        9 => {
            // Files in another order: objects used before they exist.
            let (a, b) = (rng.below(files.len()), rng.below(files.len()));
            files.swap(a, b);
        }
        10 => {
            let f = rng.below(files.len());
            if let (Some(file), Some(name)) = (files.get_mut(f), rng.pick(&pool.names)) {
                file.0.clone_from(name);
            }
        }
        11 => split_file(files, rng),
        12 => {
            // Two adjacent files become one.
            let f = rng.below(files.len());
            if f + 1 < files.len() {
                let (_, next) = files.remove(f + 1);
                if let Some((_, text)) = files.get_mut(f) {
                    text.push_str(&next);
                }
            }
        }
        _ => {
            // A file from another seed joins the run.
            let seed = pool.seeds.get(rng.below(pool.seeds.len()));
            if let Some(file) = seed.and_then(|s| rng.pick(s)) {
                let at = rng.below(files.len() + 1);
                files.insert(at.min(files.len()), file.clone());
            }
        }
    }
}

/// Splits a file at a statement boundary into two files.
fn split_file(files: &mut Vec<File>, rng: &mut Rng) {
    let f = rng.below(files.len());
    let Some((name, text)) = files.get(f) else {
        return;
    };
    let toks = tokens(text);
    let stmts = statements(&toks);
    let Some(at) = rng.pick(&stmts).map(|r| r.end) else {
        return;
    };
    let (head, tail) = toks.split_at(at.min(toks.len()));
    let second = (format!("{name}.split.sql"), join(tail));
    let first = join(head);
    if let Some(file) = files.get_mut(f) {
        file.1 = first;
    }
    files.insert(f + 1, second);
}

/// Indexes of the tokens an edit may touch (not blanks).
fn solid(toks: &[Token]) -> Vec<usize> {
    (0..toks.len())
        .filter(|&i| toks.get(i).is_some_and(|t| t.kind != Kind::Space))
        .collect()
}

fn edit_tokens(toks: &mut Vec<Token>, pool: &Pool, rng: &mut Rng) {
    match rng.below(9) {
        0 => {
            // One identifier replaced by another.
            let idents: Vec<usize> = (0..toks.len())
                .filter(|&i| {
                    toks.get(i)
                        .is_some_and(|t| matches!(t.kind, Kind::Word | Kind::QuotedIdent))
                })
                .collect();
            if let (Some(&i), Some(new)) = (rng.pick(&idents), rng.pick(&pool.idents)) {
                if let Some(t) = toks.get_mut(i) {
                    t.text.clone_from(new);
                }
            }
        }
        1 => {
            // Every use of one identifier renamed: the schema stays
            // consistent, with other names.
            let words: Vec<String> = toks
                .iter()
                .filter(|t| matches!(t.kind, Kind::Word | Kind::QuotedIdent))
                .map(|t| t.text.clone())
                .collect();
            if let (Some(old), Some(new)) = (rng.pick(&words), rng.pick(&pool.idents)) {
                for t in toks.iter_mut().filter(|t| &t.text == old) {
                    t.text.clone_from(new);
                }
            }
        }
        2 => {
            // One to three tokens dropped.
            let solid = solid(toks);
            if let Some(&i) = rng.pick(&solid) {
                let n = 1 + rng.below(3);
                let end = (i + n).min(toks.len());
                toks.drain(i..end);
            }
        }
        3 => {
            // A snippet inserted between two tokens.
            if let Some(snippet) = rng.pick(SNIPPETS) {
                let at = rng.below(toks.len() + 1).min(toks.len());
                let depth = toks.get(at).map_or(0, |t| t.depth);
                toks.insert(at, token(Kind::Punct, &format!(" {snippet} "), depth));
            }
        }
        4..=7 => {
            let (mut stmts, tail) = split_statements(toks);
            let n = stmts.len();
            let (a, b) = (rng.below(n), rng.below(n));
            match rng.below(4) {
                0 => {
                    // A statement duplicated somewhere else in the file.
                    if let Some(copy) = stmts.get(a).cloned() {
                        stmts.insert(b.min(n), copy);
                    }
                }
                1 => {
                    if a < n {
                        stmts.remove(a);
                    }
                }
                2 => {
                    if a < n && b < n {
                        stmts.swap(a, b);
                    }
                }
                _ => {
                    // A statement from another seed spliced in.
                    if let Some(sql) = rng.pick(&pool.statements) {
                        let mut new = vec![token(Kind::Space, "\n", 0)];
                        new.extend(tokens(sql));
                        stmts.insert(b.min(n), new);
                    }
                }
            }
            *toks = stmts.into_iter().flatten().chain(tail).collect();
        }
        _ => {
            // One token repeated or replaced by a neighbour's text.
            let solid = solid(toks);
            if let (Some(&i), Some(&j)) = (rng.pick(&solid), rng.pick(&solid)) {
                if let Some(t) = toks.get(j).cloned() {
                    if rng.below(2) == 0 {
                        toks.insert(i, token(Kind::Space, " ", t.depth));
                        toks.insert(i, t);
                    } else if let Some(slot) = toks.get_mut(i) {
                        *slot = t;
                    }
                }
            }
        }
    }
}

/// Combines two inputs: the first files of one, the last of the other, or
/// one file of the other inserted.
pub fn crossover(a: &[File], b: &[File], rng: &mut Rng) -> Vec<File> {
    if rng.below(2) == 0 {
        let head = rng.below(a.len() + 1);
        let tail = rng.below(b.len() + 1);
        a.iter()
            .take(head)
            .chain(b.iter().skip(tail))
            .cloned()
            .collect()
    } else {
        let mut out = a.to_vec();
        if let Some(file) = rng.pick(b) {
            let at = rng.below(out.len() + 1).min(out.len());
            out.insert(at, file.clone());
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_give_the_text_back() {
        let sql =
            "create function f() returns int language plpgsql as $b$ begin return 1; end $b$;\n\
                   select 'it''s', \"A\"\"b\", 1.5 -- c\n/* d */;$$ open";
        let toks = tokens(sql);
        assert_eq!(join(&toks), sql);
        assert_eq!(statements(&toks).len(), 3);
        assert!(toks
            .iter()
            .any(|t| t.depth == 1 && t.kind == Kind::Semicolon));
    }
}
