//! Source text, byte spans and their translation to line and column.

use crate::ir::SourceLocation;

/// A half-open byte range `start..end` in the source text.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct Span {
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub const fn new(start: u32, end: u32) -> Span {
        Span { start, end }
    }

    /// The smallest span covering both.
    pub fn to(self, other: Span) -> Span {
        Span {
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }

    pub const fn len(self) -> u32 {
        self.end.saturating_sub(self.start)
    }
}

/// One source file with a line index, so that byte offsets become `line:column`.
#[derive(Debug)]
pub(crate) struct SourceFile {
    pub name: String,
    pub text: String,
    /// Byte offset of the first character of every line.
    line_starts: Vec<u32>,
}

impl SourceFile {
    #[cfg(test)]
    pub fn new(name: &str, text: &str) -> SourceFile {
        SourceFile::from_string(name, text.to_owned())
    }

    /// [`SourceFile::new`] for text the caller owns: no copy of it.
    pub fn from_string(name: &str, text: String) -> SourceFile {
        let bytes = text.as_bytes();
        // About one line per 40 bytes of source.
        let mut line_starts = Vec::with_capacity(bytes.len() / 32 + 1);
        line_starts.push(0);
        let mut at = 0;
        while let Some(nl) = find_byte(bytes, at, b'\n') {
            line_starts.push((nl + 1) as u32);
            at = nl + 1;
        }
        SourceFile {
            name: name.to_owned(),
            text,
            line_starts,
        }
    }

    /// 1-based line and column (counted in characters) of a byte offset.
    pub fn line_col(&self, offset: u32) -> (u32, u32) {
        let offset = offset.min(self.text.len() as u32);
        let line = self.line_starts.partition_point(|&s| s <= offset) - 1;
        let start = self.line_starts[line] as usize;
        // Spans always start on a char boundary (the lexer only cuts there); the
        // fallback keeps a bad offset from panicking all the same.
        let column = self
            .text
            .get(start..offset as usize)
            .map_or(offset as usize - start, |s| s.chars().count());
        (line as u32 + 1, column as u32 + 1)
    }

    /// 0-based line of a byte offset (offsets past the end are on the last line).
    pub fn line_index(&self, offset: usize) -> usize {
        self.line_starts
            .partition_point(|&s| s as usize <= offset)
            .saturating_sub(1)
    }

    /// Byte range of a 0-based line, without its line break.
    pub fn line_bounds(&self, line: usize) -> (usize, usize) {
        let start = self
            .line_starts
            .get(line)
            .map_or(self.text.len(), |&s| s as usize);
        let end = self
            .line_starts
            .get(line + 1)
            .map_or(self.text.len(), |&next| next as usize - 1);
        (start, end.max(start))
    }

    /// Number of lines (a final line break starts an empty last line).
    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }

    pub fn location(&self, span: Span) -> SourceLocation {
        let (line, column) = self.line_col(span.start);
        SourceLocation {
            file: self.name.clone(),
            line,
            column,
        }
    }
}

/// The index of the first `needle` in `bytes[from..]`, eight bytes at a time.
#[inline]
pub(crate) fn find_byte(bytes: &[u8], from: usize, needle: u8) -> Option<usize> {
    // Inlined, the second comparison of `find_either` folds into the first.
    find_either(bytes, from, needle, needle)
}

/// The index of the first `a` or `b` in `bytes[from..]`, eight bytes at a time.
#[inline]
pub(crate) fn find_either(bytes: &[u8], from: usize, a: u8, b: u8) -> Option<usize> {
    let pa = LO * u64::from(a);
    let pb = LO * u64::from(b);
    let mut i = from;
    while let Some(chunk) = bytes.get(i..i + 8) {
        let mut word = [0; 8];
        word.copy_from_slice(chunk);
        let w = u64::from_le_bytes(word);
        let found = zero_bytes(w ^ pa) | zero_bytes(w ^ pb);
        if found != 0 {
            return Some(i + (found.trailing_zeros() / 8) as usize);
        }
        i += 8;
    }
    bytes
        .get(i..)?
        .iter()
        .position(|&c| c == a || c == b)
        .map(|p| i + p)
}

const LO: u64 = 0x0101_0101_0101_0101;
const HI: u64 = 0x8080_8080_8080_8080;

/// The high bit of the lowest zero byte of `x` is set (and possibly of bytes above
/// it, never below: borrows only run upwards); zero when `x` has no zero byte.
fn zero_bytes(x: u64) -> u64 {
    x.wrapping_sub(LO) & !x & HI
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn find_byte_finds_the_first_match_from_an_offset() {
        let text = b"abc\ndefghijklmnop\nqrstuvwxyz0123456789\n\x80\n";
        for from in 0..text.len() + 2 {
            let expect = text
                .get(from..)
                .and_then(|t| t.iter().position(|&b| b == b'\n'))
                .map(|p| from + p);
            assert_eq!(find_byte(text, from, b'\n'), expect, "from {from}");
        }
        assert_eq!(find_byte(&[0xff; 20], 0, b'\n'), None);
        assert_eq!(find_byte(b"\x0b\x0a", 0, b'\n'), Some(1));
        for from in 0..text.len() + 2 {
            let expect = text
                .get(from..)
                .and_then(|t| t.iter().position(|&b| b == b'\n' || b == b'x'))
                .map(|p| from + p);
            assert_eq!(find_either(text, from, b'x', b'\n'), expect, "from {from}");
        }
    }

    #[test]
    fn line_and_column_are_one_based_and_count_characters() {
        let f = SourceFile::new("t.rdl", "ab\n\u{e9}cd\n\nx");
        assert_eq!(f.line_col(0), (1, 1));
        assert_eq!(f.line_col(1), (1, 2));
        assert_eq!(f.line_col(3), (2, 1));
        // 'c' follows a two-byte character.
        assert_eq!(f.line_col(5), (2, 2));
        assert_eq!(f.line_col(8), (3, 1));
        assert_eq!(f.line_col(9), (4, 1));
        assert_eq!(f.line_col(999), (4, 2));
    }
}
