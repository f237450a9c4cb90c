//! Everything that reads SQL text: the statement splitter and scanner (over
//! libpg_query's C functions), psql input, the line index, parse-tree helpers,
//! and the expression and PL/pgSQL readers. The lowest layer: it names no
//! other module of pgvet.

pub mod ast;
pub mod expr;
pub mod line_index;
pub mod pgffi;
pub mod plpgsql;
pub mod psql;
pub mod select;
pub mod split;
mod tree;

pub use ast::{descendants, split_name, strings};

use pg_query::protobuf::{KeywordKind, Token};

/// Whether a byte can continue an identifier (PostgreSQL's `ident_cont`;
/// bytes of non-ASCII characters count as letters): letters, digits, `_`,
/// `$` and non-ASCII bytes.
pub fn is_ident_cont(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'$' || b >= 0x80
}

/// Whether a scanner token can be a name: an identifier, or a keyword
/// PostgreSQL also accepts as one (unreserved, column-name and
/// type/function-name keywords).
pub fn is_name_token(kind: Token, keyword: KeywordKind) -> bool {
    kind == Token::Ident
        || matches!(
            keyword,
            KeywordKind::UnreservedKeyword
                | KeywordKind::ColNameKeyword
                | KeywordKind::TypeFuncNameKeyword
        )
}

/// Index of a source file in the lint run.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub struct FileId(pub u32);

/// A byte range in one source file.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub struct Span {
    pub file: FileId,
    pub start: u32,
    pub end: u32,
}

/// PostgreSQL's scanner over `text`: its tokens, comments included
/// (through [`pgffi::scan_tokens`], which is safe where pg_query's is not).
pub fn scan_tokens(text: &str) -> Result<Vec<pg_query::protobuf::ScanToken>, pgffi::PgError> {
    pgffi::scan_tokens(text)
}

/// The PostgreSQL version whose grammar the parser carries (`18.6`):
/// libpg_query stamps every parse result with its `PG_VERSION_NUM`, which
/// the pg_query crate keeps private, so it is read from a parse of the
/// empty string.
pub fn grammar_version() -> Option<String> {
    let num = pg_query::parse("", pg_query::ParserOptions::default())
        .ok()?
        .protobuf
        .version;
    (num >= 100_000).then(|| format!("{}.{}", num / 10_000, num % 10_000))
}

#[cfg(test)]
mod scan_tests {
    #[test]
    fn text_without_tokens_scans_to_nothing() {
        for text in ["", " ", "\n\t\r\x0c\x0b  "] {
            assert_eq!(super::scan_tokens(text).unwrap(), Vec::new(), "{text:?}");
        }
        let tokens = super::scan_tokens("select 1; -- note\n").unwrap();
        assert_eq!(tokens.len(), 4, "{tokens:?}");
        assert_eq!(tokens[3].start, 10);
    }
}
