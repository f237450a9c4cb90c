//! Text as the protocol addresses it: positions in UTF-16 code units per
//! line, edits by range, files by `file://` URI.

use std::path::{Path, PathBuf};

use lsp_types::{Position, Range, Uri};

/// Byte offsets of the starts of lines; LF, CRLF and a lone CR each end a
/// line, as LSP counts them (and as pgvet's line index does).
pub struct Lines<'t> {
    text: &'t str,
    starts: Vec<usize>,
}

impl<'t> Lines<'t> {
    pub fn new(text: &'t str) -> Self {
        let starts = crate::sql::line_index::LineIndex::new(text).into_starts();
        Lines { text, starts }
    }

    /// The position of a byte offset (clamped to the text, and moved back
    /// to a character boundary).
    pub fn position(&self, offset: usize) -> Position {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self
            .starts
            .partition_point(|&s| s <= offset)
            .saturating_sub(1);
        let start = self.starts.get(line).copied().unwrap_or(0);
        let character = self
            .text
            .get(start..offset)
            .map_or(0, |s| s.encode_utf16().count());
        Position::new(to_u32(line), to_u32(character))
    }

    pub fn range(&self, start: usize, end: usize) -> Range {
        Range::new(self.position(start), self.position(end.max(start)))
    }

    /// The byte offset of a position; a character past the end of its line
    /// means the line's end, a line past the last the end of the text.
    pub fn offset(&self, pos: Position) -> usize {
        let Some(&start) = self.starts.get(pos.line as usize) else {
            return self.text.len();
        };
        let end = self.line_end(pos.line as usize);
        let mut units = 0u32;
        for (i, c) in self.text.get(start..end).unwrap_or_default().char_indices() {
            if units >= pos.character {
                return start + i;
            }
            units += u32::try_from(c.len_utf16()).unwrap_or(1);
        }
        end
    }

    /// The byte offset where a 0-based line's text ends (before its line end).
    pub fn line_end(&self, line: usize) -> usize {
        let next = self
            .starts
            .get(line + 1)
            .copied()
            .unwrap_or(self.text.len());
        let bytes = self.text.as_bytes();
        let start = self.starts.get(line).copied().unwrap_or(next);
        let mut end = next;
        while end > start && matches!(bytes.get(end - 1), Some(b'\n' | b'\r')) {
            end -= 1;
        }
        end
    }

    pub fn line_start(&self, line: usize) -> usize {
        self.starts.get(line).copied().unwrap_or(self.text.len())
    }

    /// The byte offset of a 1-based line and a 1-based column counted in
    /// characters (how pgvet's locations count).
    pub fn offset_of_column(&self, line: u32, column: u32) -> usize {
        let l = line.saturating_sub(1) as usize;
        let start = self.line_start(l);
        let end = self.line_end(l);
        let skip = column.saturating_sub(1) as usize;
        self.text
            .get(start..end)
            .unwrap_or_default()
            .char_indices()
            .nth(skip)
            .map_or(end, |(i, _)| start + i)
    }
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Replaces `range` of `text` with `new` (an incremental change).
pub fn apply_change(text: &mut String, range: Range, new: &str) {
    let lines = Lines::new(text);
    let start = lines.offset(range.start);
    let end = lines.offset(range.end).max(start);
    text.replace_range(start..end, new);
}

/// The local path of a `file:` URI (percent escapes decoded).
pub fn uri_to_path(uri: &Uri) -> Option<PathBuf> {
    let rest = uri.as_str().strip_prefix("file://")?;
    // An authority (`localhost`) before the path is allowed; another host is not local.
    let path = match rest.find('/') {
        Some(0) => rest,
        Some(i)
            if rest
                .get(..i)
                .is_some_and(|h| h.eq_ignore_ascii_case("localhost")) =>
        {
            rest.get(i..)?
        }
        _ => return None,
    };
    let path = path.split(['?', '#']).next().unwrap_or(path);
    let mut bytes = Vec::with_capacity(path.len());
    let raw = path.as_bytes();
    let mut i = 0;
    while let Some(&b) = raw.get(i) {
        let hex = |j: usize| raw.get(j).and_then(|h| (*h as char).to_digit(16));
        match (b, hex(i + 1), hex(i + 2)) {
            (b'%', Some(hi), Some(lo)) => {
                bytes.push(u8::try_from(hi * 16 + lo).unwrap_or(b'?'));
                i += 3;
            }
            _ => {
                bytes.push(b);
                i += 1;
            }
        }
    }
    let text = String::from_utf8(bytes).ok()?;
    Some(PathBuf::from(text))
}

/// The `file://` URI of an absolute path, percent-encoding all but the
/// characters a path segment keeps as they are.
pub fn path_to_uri(path: &Path) -> Option<Uri> {
    let mut out = String::from("file://");
    let text = path.to_str()?;
    if !text.starts_with('/') {
        out.push('/');
    }
    for b in text.bytes() {
        let keep = b.is_ascii_alphanumeric() || b"/-._~!$&'()*+,;=:@".contains(&b);
        if keep {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_utf16_units() {
        let text = "a😀b\r\nxé\ry";
        let lines = Lines::new(text);
        assert_eq!(lines.position(text.find('b').unwrap()), Position::new(0, 3));
        assert_eq!(
            lines.position(text.find('é').unwrap() + 2),
            Position::new(1, 2)
        );
        assert_eq!(lines.position(text.len()), Position::new(2, 1));
        assert_eq!(lines.offset(Position::new(0, 3)), text.find('b').unwrap());
        assert_eq!(lines.offset(Position::new(1, 99)), 11);
        assert_eq!(lines.offset(Position::new(7, 0)), text.len());
        assert_eq!(lines.offset_of_column(2, 2), text.find('é').unwrap());
    }

    #[test]
    fn incremental_changes_replace_ranges() {
        let mut text = "select 1;\nselect 2;\n".to_string();
        apply_change(
            &mut text,
            Range::new(Position::new(1, 7), Position::new(1, 8)),
            "42",
        );
        assert_eq!(text, "select 1;\nselect 42;\n");
        apply_change(
            &mut text,
            Range::new(Position::new(2, 0), Position::new(2, 0)),
            "x",
        );
        assert_eq!(text, "select 1;\nselect 42;\nx");
    }

    #[test]
    fn file_uris_round_trip() {
        let path = Path::new("/tmp/a b/100%/é.sql");
        let uri = path_to_uri(path).unwrap();
        assert_eq!(uri.as_str(), "file:///tmp/a%20b/100%25/%C3%A9.sql");
        assert_eq!(uri_to_path(&uri).unwrap(), path);
        let local: Uri = "file://localhost/x/y.sql".parse().unwrap();
        assert_eq!(uri_to_path(&local).unwrap(), Path::new("/x/y.sql"));
        let remote: Uri = "file://server/x.sql".parse().unwrap();
        assert_eq!(uri_to_path(&remote), None);
    }
}
