//! The pieces of [`super::Report::fingerprints`]: a fixed hash and the SQL
//! normalization that makes a fingerprint survive reformatting.

use std::collections::HashMap;

/// FNV-1a, 64 bits (www.isthe.com/chongo/tech/comp/fnv): tiny, fixed, and
/// unlike std's `DefaultHasher` the same in every build and on every platform.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Key(u64);

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

impl Key {
    pub(crate) fn new() -> Self {
        Key(FNV_OFFSET)
    }

    /// Adds one field. Fields end with 0xFF, a byte UTF-8 never contains, so
    /// ("ab", "c") and ("a", "bc") hash differently.
    pub(crate) fn field(&mut self, text: &str) {
        for &b in text.as_bytes().iter().chain(&[0xff]) {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(FNV_PRIME);
        }
    }

    pub(crate) fn hex(self) -> String {
        format!("{:016x}", self.0)
    }
}

/// The key's fingerprint, or, when an earlier key of this run hashed the
/// same, the fingerprint of the key plus its occurrence number (2, 3, ...).
pub(crate) fn numbered(key: Key, seen: &mut HashMap<u64, u32>) -> String {
    let count = seen.entry(key.0).or_insert(0);
    *count += 1;
    if *count == 1 {
        return key.hex();
    }
    let mut key = key;
    key.field(&count.to_string());
    key.hex()
}

/// SQL text with comments dropped, each whitespace run (comments included)
/// made one space between two words and dropped next to punctuation (so
/// `p(id)` and `p ( id )` agree), no leading or trailing space, and ASCII
/// letters lowercased except inside `'...'` strings and `"..."` identifiers,
/// where case matters. `E'...'` strings honour backslash escapes.
/// Dollar-quoted bodies are function code and are normalized like the rest.
pub(crate) fn normalize_sql(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut space = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '-' if chars.peek() == Some(&'-') => {
                while chars.next_if(|&n| n != '\n' && n != '\r').is_some() {}
                space = true;
            }
            '/' if chars.peek() == Some(&'*') => {
                chars.next();
                // Block comments nest in PostgreSQL.
                let mut depth = 1u32;
                let mut prev = '\0';
                while depth > 0 {
                    let Some(n) = chars.next() else { break };
                    match (prev, n) {
                        ('/', '*') => {
                            depth += 1;
                            prev = '\0';
                        }
                        ('*', '/') => {
                            depth -= 1;
                            prev = '\0';
                        }
                        _ => prev = n,
                    }
                }
                space = true;
            }
            c if c.is_whitespace() => space = true,
            '\'' | '"' => {
                let escapes = c == '\'' && ends_with_escape_prefix(&out);
                separate(&mut out, &mut space, c);
                out.push(c);
                while let Some(n) = chars.next() {
                    out.push(n);
                    if escapes && n == '\\' {
                        if let Some(escaped) = chars.next() {
                            out.push(escaped);
                        }
                    } else if n == c {
                        break;
                    }
                }
            }
            c => {
                separate(&mut out, &mut space, c);
                out.push(c.to_ascii_lowercase());
            }
        }
    }
    out
}

/// Writes the pending whitespace as one space when it separates two words.
fn separate(out: &mut String, space: &mut bool, next: char) {
    if std::mem::take(space) && out.chars().next_back().is_some_and(is_word) && is_word(next) {
        out.push(' ');
    }
}

/// Characters of names, keywords, numbers and quoted tokens: whitespace
/// between two of them matters, elsewhere it does not.
fn is_word(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | '$' | '\'' | '"') || !c.is_ascii()
}

/// Whether a quote written now opens an `E'...'` string: the output ends
/// with a lone `e` (already lowercased), not the end of a longer word.
fn ends_with_escape_prefix(out: &str) -> bool {
    let mut rev = out.chars().rev();
    rev.next() == Some('e') && !rev.next().is_some_and(|c| c.is_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv1a_matches_the_published_test_vectors() {
        // Reference values of FNV-1a 64 for "" and "a" (no separator byte).
        let raw = |s: &str| {
            let mut h = FNV_OFFSET;
            for &b in s.as_bytes() {
                h ^= u64::from(b);
                h = h.wrapping_mul(FNV_PRIME);
            }
            h
        };
        assert_eq!(raw(""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(raw("a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(raw("foobar"), 0x8594_4171_f739_67e8);
    }

    #[test]
    fn fingerprint_is_fixed_across_builds() {
        // Pinned: a change here changes every user's baseline and alerts.
        let mut key = Key::new();
        key.field("fk-missing-index");
        key.field("public.t");
        key.field("references p (id)");
        assert_eq!(key.hex(), "5efac542a6436782"); // computed independently
    }

    #[test]
    fn field_boundaries_matter() {
        let hash = |a: &str, b: &str| {
            let mut k = Key::new();
            k.field(a);
            k.field(b);
            k.hex()
        };
        assert_ne!(hash("ab", "c"), hash("a", "bc"));
    }

    #[test]
    fn repeated_keys_are_numbered() {
        let mut seen = HashMap::new();
        let mut key = Key::new();
        key.field("x");
        let first = numbered(key, &mut seen);
        let second = numbered(key, &mut seen);
        let third = numbered(key, &mut seen);
        assert_eq!(first, key.hex());
        assert_ne!(first, second);
        assert_ne!(second, third);
        assert_ne!(first, third);
    }

    #[test]
    fn comments_whitespace_and_case_do_not_count() {
        let a = "CREATE  TABLE t (\n  id int -- the key\n)";
        let b = "create table t ( /* key: */ id INT\r\n)";
        assert_eq!(normalize_sql(a), "create table t(id int)");
        assert_eq!(normalize_sql(a), normalize_sql(b));
    }

    #[test]
    fn spaces_around_punctuation_do_not_count() {
        assert_eq!(
            normalize_sql("references p ( id ) , x = 'a' 'b'"),
            normalize_sql("REFERENCES p(id),x='a' 'b'")
        );
        assert_eq!(normalize_sql("a b"), "a b");
    }

    #[test]
    fn nested_block_comments_end_at_their_own_close() {
        assert_eq!(normalize_sql("a /* x /* y */ z */ b"), "a b");
        assert_eq!(normalize_sql("a/* x */b"), "a b");
    }

    #[test]
    fn quoted_text_keeps_case_spaces_and_dashes() {
        assert_eq!(
            normalize_sql("select 'A  -- b', \"MyCol\"  FROM t"),
            "select 'A  -- b',\"MyCol\" from t"
        );
    }

    #[test]
    fn escape_strings_honour_backslashes() {
        assert_eq!(
            normalize_sql(r"select E'It\'s  X' AS x"),
            r"select e'It\'s  X' as x"
        );
        // In a standard string a backslash is an ordinary character.
        assert_eq!(normalize_sql(r"select 'a\' AS x"), r"select 'a\' as x");
    }

    #[test]
    fn unterminated_input_does_not_panic() {
        for text in ["'abc", "\"abc", "/* abc", "-- abc", "E'\\", "/*/"] {
            let _ = normalize_sql(text);
        }
    }
}
