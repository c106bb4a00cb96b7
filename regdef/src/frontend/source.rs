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
    pub fn new(name: &str, text: &str) -> SourceFile {
        let line_starts = std::iter::once(0)
            .chain(
                text.bytes()
                    .enumerate()
                    .filter(|&(_, b)| b == b'\n')
                    .map(|(i, _)| (i + 1) as u32),
            )
            .collect();
        SourceFile {
            name: name.to_owned(),
            text: text.to_owned(),
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

    pub fn location(&self, span: Span) -> SourceLocation {
        let (line, column) = self.line_col(span.start);
        SourceLocation {
            file: self.name.clone(),
            line,
            column,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
