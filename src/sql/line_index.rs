//! Byte offset -> line and column. LF, CRLF and a lone CR each end a line.

#[derive(Debug, Clone)]
pub struct LineIndex {
    /// Byte offset where each line starts.
    starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        let bytes = text.as_bytes();
        let mut starts = vec![0];
        let mut i = 0;
        while let Some(&b) = bytes.get(i) {
            match b {
                b'\n' => starts.push(i + 1),
                b'\r' if bytes.get(i + 1) == Some(&b'\n') => {
                    starts.push(i + 2);
                    i += 1;
                }
                b'\r' => starts.push(i + 1),
                _ => {}
            }
            i += 1;
        }
        LineIndex { starts }
    }

    /// The byte offsets where lines start (the first is 0).
    pub fn into_starts(self) -> Vec<usize> {
        self.starts
    }

    /// 1-based line and column (counted in characters) of a byte offset.
    pub fn position(&self, text: &str, offset: usize) -> (u32, u32) {
        let offset = offset.min(text.len());
        let line = self
            .starts
            .partition_point(|&s| s <= offset)
            .saturating_sub(1);
        let start = self.starts.get(line).copied().unwrap_or(0);
        let column = text
            .get(start..offset)
            .map_or(offset - start, |s| s.chars().count());
        (to_u32(line + 1), to_u32(column + 1))
    }

    /// Byte range of a 1-based line, without its terminator.
    pub fn line_range(&self, text: &str, line: u32) -> Option<(usize, usize)> {
        let idx = usize::try_from(line).ok()?.checked_sub(1)?;
        let start = *self.starts.get(idx)?;
        let mut end = self.starts.get(idx + 1).copied().unwrap_or(text.len());
        let bytes = text.as_bytes();
        while end > start && matches!(bytes.get(end - 1), Some(b'\n' | b'\r')) {
            end -= 1;
        }
        Some((start, end))
    }
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lf_crlf_and_cr_all_end_lines() {
        let text = "a\nb\r\nc\rd";
        let idx = LineIndex::new(text);
        assert_eq!(idx.position(text, 0), (1, 1));
        assert_eq!(idx.position(text, 2), (2, 1));
        assert_eq!(idx.position(text, 5), (3, 1));
        assert_eq!(idx.position(text, 7), (4, 1));
        assert_eq!(idx.line_range(text, 2), Some((2, 3)));
    }

    #[test]
    fn columns_count_characters() {
        let text = "é = x";
        let idx = LineIndex::new(text);
        assert_eq!(idx.position(text, "é = ".len()), (1, 5));
    }
}
