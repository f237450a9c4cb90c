//! Direct calls into the libpg_query that the `pg_query` crate links in.
//!
//! The crate's safe wrappers drop the error's cursor position, which pgvet needs
//! to point at the line and column PostgreSQL complained about, so split and
//! parse go through the C functions here. The struct layouts mirror
//! `libpg_query/pg_query.h` of pg_query 18.

use std::ffi::{c_char, c_int, CStr, CString};

use prost::Message;

#[repr(C)]
pub(super) struct PgQueryError {
    message: *mut c_char,
    funcname: *mut c_char,
    filename: *mut c_char,
    lineno: c_int,
    cursorpos: c_int,
    context: *mut c_char,
}

#[repr(C)]
struct PgQueryProtobuf {
    len: usize,
    data: *mut c_char,
}

#[repr(C)]
struct PgQueryProtobufParseResult {
    parse_tree: PgQueryProtobuf,
    stderr_buffer: *mut c_char,
    error: *mut PgQueryError,
}

#[repr(C)]
struct PgQuerySplitStmt {
    stmt_location: c_int,
    stmt_len: c_int,
}

#[repr(C)]
struct PgQuerySplitResult {
    stmts: *mut *mut PgQuerySplitStmt,
    n_stmts: c_int,
    stderr_buffer: *mut c_char,
    error: *mut PgQueryError,
}

#[repr(C)]
struct PgQueryPlpgsqlParseResult {
    plpgsql_funcs: *mut c_char,
    error: *mut PgQueryError,
}

#[repr(C)]
struct PgQueryScanToken {
    start: c_int,
    end: c_int,
    // C enums: int-sized.
    token: c_int,
    keyword_kind: c_int,
}

#[repr(C)]
struct PgQueryScanTokensResult {
    tokens: *mut PgQueryScanToken,
    n_tokens: c_int,
    error: *mut PgQueryError,
}

extern "C" {
    fn pg_query_scan_tokens(input: *const c_char) -> PgQueryScanTokensResult;
    fn pg_query_free_scan_tokens_result(result: PgQueryScanTokensResult);
    fn pg_query_parse_protobuf_opts(
        input: *const c_char,
        opts: c_int,
    ) -> PgQueryProtobufParseResult;
    fn pg_query_free_protobuf_parse_result(result: PgQueryProtobufParseResult);
    fn pg_query_split_with_scanner(input: *const c_char) -> PgQuerySplitResult;
    fn pg_query_free_split_result(result: PgQuerySplitResult);
    fn pg_query_parse_plpgsql(input: *const c_char) -> PgQueryPlpgsqlParseResult;
    fn pg_query_free_plpgsql_parse_result(result: PgQueryPlpgsqlParseResult);
}

/// An error reported by PostgreSQL's scanner or parser.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PgError {
    pub message: String,
    /// Byte offset into the input where PostgreSQL placed its cursor, if it did.
    pub offset: Option<usize>,
}

impl PgError {
    fn plain(message: impl Into<String>) -> Self {
        PgError {
            message: message.into(),
            offset: None,
        }
    }
}

/// Reads a libpg_query error. `input` is the text that was passed in, used to
/// turn PostgreSQL's 1-based character cursor into a byte offset.
///
/// # Safety
/// `err` must be null or point to a valid `PgQueryError`.
pub(super) unsafe fn read_error(err: *const PgQueryError, input: &str) -> Option<PgError> {
    if err.is_null() {
        return None;
    }
    let err = &*err;
    let message = if err.message.is_null() {
        "unknown error".to_string()
    } else {
        explain(&CStr::from_ptr(err.message).to_string_lossy())
    };
    let offset = usize::try_from(err.cursorpos)
        .ok()
        .filter(|&pos| pos > 0)
        .map(|pos| char_pos_to_byte(input, pos - 1));
    Some(PgError { message, offset })
}

/// PostgreSQL's message, made fit for one line of a report: the text quoted
/// after `at or near` is cut to its first line and 40 characters (for an
/// unterminated quote it is the rest of the file), and the parser's stack
/// limits say that the statement is nested too deeply.
fn explain(message: &str) -> String {
    const NEAR: &str = " at or near \"";
    let message = match message.split_once(NEAR) {
        Some((head, near)) => {
            let near = near.strip_suffix('"').unwrap_or(near);
            let first_line = near.lines().next().unwrap_or_default();
            let short: String = first_line.chars().take(40).collect();
            let cut = if short.len() < near.len() { "…" } else { "" };
            format!("{head}{NEAR}{short}{cut}\"")
        }
        None => message.to_string(),
    };
    // Bison's stack holds 10,000 nested grammar symbols.
    if message.starts_with("memory exhausted") {
        format!("statement is nested too deeply for PostgreSQL's parser ({message})")
    } else if message.contains("nested too deeply to serialize") {
        format!("statement is nested too deeply for pgvet to read its parse tree ({message})")
    } else {
        message
    }
}

/// PostgreSQL counts its error cursor in characters, not bytes.
fn char_pos_to_byte(input: &str, chars: usize) -> usize {
    input
        .char_indices()
        .nth(chars)
        .map_or(input.len(), |(i, _)| i)
}

pub(super) fn c_string(input: &str) -> Result<CString, PgError> {
    CString::new(input).map_err(|e| PgError {
        message: "the text contains a NUL byte".to_string(),
        offset: Some(e.nul_position()),
    })
}

/// Splits SQL text into statements with PostgreSQL's scanner. Returns the
/// byte ranges of the statements, without their terminating semicolons.
pub fn split(sql: &str) -> Result<Vec<(usize, usize)>, PgError> {
    let input = c_string(sql)?;
    // SAFETY: `input` is a valid NUL-terminated string that outlives the call;
    // the result is freed exactly once below, after it has been read.
    unsafe {
        let result = pg_query_split_with_scanner(input.as_ptr());
        let out = if let Some(err) = read_error(result.error, sql) {
            Err(err)
        } else {
            let n = usize::try_from(result.n_stmts).unwrap_or(0);
            let mut ranges = Vec::with_capacity(n);
            for i in 0..n {
                let stmt = *result.stmts.add(i);
                if stmt.is_null() {
                    continue;
                }
                let start = usize::try_from((*stmt).stmt_location)
                    .unwrap_or(0)
                    .min(sql.len());
                let len = usize::try_from((*stmt).stmt_len).unwrap_or(0);
                ranges.push((start, (start + len).min(sql.len())));
            }
            Ok(ranges)
        };
        pg_query_free_split_result(result);
        out
    }
}

/// Stack of the threads that parse and lint: PostgreSQL's parser (which checks
/// its own depth against the stack it finds, at most 2 MB as PostgreSQL's
/// default `max_stack_depth`), prost's decoder and pgvet's walks over a tree
/// all recurse once per nesting level. libpg_query serializes trees up to
/// 10,000 levels deep and prost decodes them without a limit (its default
/// stops at 100, which rejected a view with 20 nested scalar subqueries), so
/// the stack must hold 10,000 levels of decoding and of every walk: measured
/// on chains of `+`, `||`, `->`, function calls, parentheses, CASE and
/// subqueries up to the parser's limits (tests/hostile.rs), a release build
/// needs less than 64 MiB; a debug build (the tests) uses about 30 KiB a
/// level, hence 512 MiB there. The memory is only reserved, not used.
const PARSER_STACK: usize = if cfg!(debug_assertions) {
    512 << 20
} else {
    64 << 20
};

/// Runs `work` on a thread pool whose threads have [`PARSER_STACK`]; rayon's
/// parallel iterators inside it use that pool too. Runs `work` on the calling
/// thread if the pool cannot be started.
pub fn on_parser_stack<R: Send>(work: impl FnOnce() -> R + Send) -> R {
    static POOL: std::sync::OnceLock<Option<rayon::ThreadPool>> = std::sync::OnceLock::new();
    let pool = POOL.get_or_init(|| {
        rayon::ThreadPoolBuilder::new()
            .stack_size(PARSER_STACK)
            .thread_name(|i| format!("pgvet-parse-{i}"))
            .build()
            .ok()
    });
    match pool {
        Some(pool) => pool.install(work),
        None => work(),
    }
}

/// PostgreSQL's scanner over `sql`: each token with its byte offsets,
/// comments included. pg_query's own `scan_tokens` makes a slice from the
/// token pointer even when it is null (no token: found by fuzzing), which
/// is undefined behaviour; this reads the C result itself.
pub fn scan_tokens(sql: &str) -> Result<Vec<pg_query::protobuf::ScanToken>, PgError> {
    let input = c_string(sql)?;
    // SAFETY: the input outlives the call; the token array holds n_tokens
    // elements when it is not null, and is copied before the result is freed.
    unsafe {
        let result = pg_query_scan_tokens(input.as_ptr());
        let out = if let Some(err) = read_error(result.error, sql) {
            Err(err)
        } else if result.tokens.is_null() || result.n_tokens <= 0 {
            Ok(Vec::new())
        } else {
            let n = usize::try_from(result.n_tokens).unwrap_or(0);
            Ok(std::slice::from_raw_parts(result.tokens, n)
                .iter()
                .map(|t| pg_query::protobuf::ScanToken {
                    start: t.start,
                    end: t.end,
                    token: t.token,
                    keyword_kind: t.keyword_kind,
                })
                .collect())
        };
        pg_query_free_scan_tokens_result(result);
        out
    }
}

/// Parses SQL text into pg_query's tree, reading PostgreSQL's C tree
/// directly (`super::tree`), which falls back to [`parse_protobuf`].
pub fn parse(sql: &str) -> Result<pg_query::protobuf::ParseResult, PgError> {
    super::tree::parse(sql)
}

/// Parses SQL text into pg_query's tree through libpg_query's protobuf
/// encoding and prost's decoder: the way pg_query itself does it.
pub fn parse_protobuf(sql: &str) -> Result<pg_query::protobuf::ParseResult, PgError> {
    let input = c_string(sql)?;
    // SAFETY: as in `split`; the protobuf buffer is copied by `decode` before
    // the result is freed.
    unsafe {
        let result = pg_query_parse_protobuf_opts(input.as_ptr(), 0);
        let out = if let Some(err) = read_error(result.error, sql) {
            Err(err)
        } else if result.parse_tree.data.is_null() {
            Ok(pg_query::protobuf::ParseResult::default())
        } else {
            let data = std::slice::from_raw_parts(
                result.parse_tree.data as *const u8,
                result.parse_tree.len,
            );
            // No depth limit here (prost's `no-recursion-limit`): libpg_query
            // serializes at most 10,000 levels, which PARSER_STACK holds.
            pg_query::protobuf::ParseResult::decode(data)
                .map_err(|e| PgError::plain(format!("could not decode the parse tree: {e}")))
        };
        pg_query_free_protobuf_parse_result(result);
        out
    }
}

/// Parses a CREATE FUNCTION statement's PL/pgSQL body into libpg_query's JSON.
///
/// libpg_query 18 writes the datums of trigger functions as `{}}` (one brace
/// too many), which makes the JSON invalid for every trigger function; the
/// `pg_query` crate then fails with "Error parsing JSON". This repairs that
/// one defect before decoding, and pins the behaviour in a test below.
pub fn parse_plpgsql(create_function_sql: &str) -> Result<serde_json::Value, PgError> {
    let input = c_string(create_function_sql)?;
    // SAFETY: as in `split`; the JSON is copied into a Rust string before the
    // result is freed.
    let raw = unsafe {
        let result = pg_query_parse_plpgsql(input.as_ptr());
        let out = if let Some(err) = read_error(result.error, create_function_sql) {
            Err(err)
        } else if result.plpgsql_funcs.is_null() {
            Err(PgError::plain("libpg_query returned no PL/pgSQL tree"))
        } else {
            Ok(CStr::from_ptr(result.plpgsql_funcs)
                .to_string_lossy()
                .into_owned())
        };
        pg_query_free_plpgsql_parse_result(result);
        out
    }?;
    match serde_json::from_str(&raw) {
        Ok(value) => Ok(value),
        Err(first) => serde_json::from_str(&repair_plpgsql_json(&raw)).map_err(|_| {
            PgError::plain(format!(
                "libpg_query returned invalid PL/pgSQL JSON: {first}"
            ))
        }),
    }
}

/// Removes the stray `}` libpg_query writes after an empty datum object (`{}}`).
fn repair_plpgsql_json(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut in_string = false;
    let mut escaped = false;
    let bytes: Vec<char> = raw.chars().collect();
    let mut i = 0;
    while let Some(&c) = bytes.get(i) {
        if in_string {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
            i += 1;
            continue;
        }
        if c == '"' {
            in_string = true;
        }
        // `{}}` followed by `,` or `]` : the last brace closes nothing.
        if c == '{' && bytes.get(i + 1) == Some(&'}') && bytes.get(i + 2) == Some(&'}') {
            let next = bytes.get(i + 3);
            if matches!(next, Some(',') | Some(']')) {
                out.push_str("{}");
                i += 3;
                continue;
            }
        }
        out.push(c);
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_error_carries_byte_offset() {
        let err = parse("select 1 frm t").unwrap_err();
        assert!(err.message.contains("syntax error"), "{}", err.message);
        assert_eq!(err.offset, Some(13));
    }

    #[test]
    fn parse_error_offset_counts_multibyte_characters() {
        // 'é' is two bytes: PostgreSQL's cursor counts it as one character.
        let err = parse("select 'é' frm t").unwrap_err();
        assert_eq!(err.offset, Some("select 'é' frm ".len()));
    }

    #[test]
    fn split_reports_unterminated_dollar_quote() {
        let err = split("select 1; create function f() returns int as $$ select 1").unwrap_err();
        assert!(err.message.contains("unterminated"), "{}", err.message);
    }

    #[test]
    fn split_gives_statement_ranges() {
        let sql = "select 1; select 'a;b';\nselect 3";
        let parts: Vec<&str> = split(sql)
            .unwrap()
            .into_iter()
            .map(|(s, e)| &sql[s..e])
            .collect();
        assert_eq!(parts, vec!["select 1", " select 'a;b'", "\nselect 3"]);
    }

    #[test]
    fn nul_byte_is_an_error_not_a_panic() {
        assert!(parse("select 1\0").is_err());
    }

    const TRIGGER_FN: &str = "create function public.touch() returns trigger language plpgsql as $$
        begin new.updated_at := now(); return new; end $$";

    #[test]
    fn pg_query_crate_still_fails_on_trigger_functions() {
        // Pins the upstream defect this module works around: when this starts
        // passing, the repair can go.
        let err = pg_query::parse_plpgsql(TRIGGER_FN).unwrap_err();
        assert!(err.to_string().contains("JSON"), "{err}");
    }

    #[test]
    fn trigger_function_body_parses_after_repair() {
        let json = parse_plpgsql(TRIGGER_FN).unwrap();
        let text = json.to_string();
        assert!(text.contains("PLpgSQL_function"), "{text}");
        assert!(text.contains("PLpgSQL_stmt_assign"), "{text}");
    }

    #[test]
    fn plain_function_body_parses() {
        let json = parse_plpgsql(
            "create function f(n int) returns int language plpgsql as $$ begin return n + 1; end $$",
        )
        .unwrap();
        assert!(json.to_string().contains("PLpgSQL_stmt_return"));
    }
}
