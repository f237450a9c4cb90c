//! Text that came from migrations or the file system (names, paths,
//! messages quoting them), made safe to print on a terminal or in a CI log.

use std::borrow::Cow;

/// `text` with every character that could move the cursor, end a line,
/// drive the terminal or reorder what a reviewer sees written as a visible
/// escape: `\n`, `\r`, `\t`, and `\u{1b}` for the other control characters
/// (C0, DEL, C1), the bidirectional overrides and isolates, and the Unicode
/// line and paragraph separators. A quoted identifier may hold any of them;
/// printed raw, a newline followed by `::error ...` would be read by GitHub
/// Actions as a workflow command, and ESC as a terminal command.
pub fn printable(text: &str) -> Cow<'_, str> {
    if !text.chars().any(needs_escape) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if needs_escape(c) => out.push_str(&format!("\\u{{{:x}}}", u32::from(c))),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061c}'
                | '\u{200e}'
                | '\u{200f}'
                | '\u{202a}'..='\u{202e}'
                | '\u{2066}'..='\u{2069}'
                | '\u{2028}'
                | '\u{2029}'
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_is_borrowed() {
        assert!(matches!(
            printable("public.\"Orders\" 001_a.sql"),
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn line_breaks_and_terminal_commands_become_visible() {
        assert_eq!(
            printable("evil\n::error file=x::forged\x1b[31m\x07\r\t"),
            "evil\\n::error file=x::forged\\u{1b}[31m\\u{7}\\r\\t"
        );
    }

    #[test]
    fn bidi_overrides_and_separators_are_escaped_other_unicode_kept() {
        assert_eq!(
            printable("a\u{202e}b\u{2066}c\u{2028}d\u{85}é中"),
            "a\\u{202e}b\\u{2066}c\\u{2028}d\\u{85}é中"
        );
    }
}
