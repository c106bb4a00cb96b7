//! Tokens of SystemRDL 2.0.
//!
//! The lexer never stops at a bad character: it reports it, skips it and goes on,
//! so the parser sees every statement it can.

use super::diagnostics::{codes, Reporter};
use super::source::{find_byte, find_either, Span};
use super::MAX_IDENTIFIER_LEN;

/// Widest Verilog-style literal (`N'h...`) accepted; its value must still fit in 64
/// bits.
const MAX_LITERAL_WIDTH: u32 = 1024;

/// Reserved words. SystemRDL reserves every one of them; an escaped identifier
/// (`\type`) is the way to use one as a name.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Kw {
    // Components.
    Addrmap,
    Regfile,
    Reg,
    Field,
    Mem,
    Signal,
    // Declarations and modifiers.
    Enum,
    Property,
    Struct,
    Constraint,
    Default,
    Encode,
    External,
    Internal,
    Alias,
    Abstract,
    Type,
    Component,
    ComponentWidth,
    All,
    Ref,
    Number,
    Boolean,
    String,
    Bit,
    Longint,
    Unsigned,
    AccessType,
    AddressingType,
    OnReadType,
    OnWriteType,
    True,
    False,
    // Access types.
    Na,
    Rw,
    Wr,
    R,
    W,
    Rw1,
    W1,
    // onread / onwrite types.
    Rclr,
    Rset,
    Ruser,
    Woset,
    Woclr,
    Wot,
    Wzs,
    Wzc,
    Wzt,
    Wclr,
    Wset,
    Wuser,
    // Addressing types.
    Compact,
    Regalign,
    Fullalign,
    // Precedence.
    Hw,
    Sw,
    // Interrupt modifiers.
    Posedge,
    Negedge,
    Bothedge,
    Level,
    Nonsticky,
    // Reserved by the standard and not otherwise used.
    Inside,
    This,
    Alternate,
    Byte,
    Int,
    PrecedenceType,
    Real,
    Shortint,
    Shortreal,
    Signed,
    With,
    Within,
}

const KEYWORDS: &[(&str, Kw)] = &[
    ("addrmap", Kw::Addrmap),
    ("regfile", Kw::Regfile),
    ("reg", Kw::Reg),
    ("field", Kw::Field),
    ("mem", Kw::Mem),
    ("signal", Kw::Signal),
    ("enum", Kw::Enum),
    ("property", Kw::Property),
    ("struct", Kw::Struct),
    ("constraint", Kw::Constraint),
    ("default", Kw::Default),
    ("encode", Kw::Encode),
    ("external", Kw::External),
    ("internal", Kw::Internal),
    ("alias", Kw::Alias),
    ("abstract", Kw::Abstract),
    ("type", Kw::Type),
    ("component", Kw::Component),
    ("componentwidth", Kw::ComponentWidth),
    ("all", Kw::All),
    ("ref", Kw::Ref),
    ("number", Kw::Number),
    ("boolean", Kw::Boolean),
    ("string", Kw::String),
    ("bit", Kw::Bit),
    ("longint", Kw::Longint),
    ("unsigned", Kw::Unsigned),
    ("accesstype", Kw::AccessType),
    ("addressingtype", Kw::AddressingType),
    ("onreadtype", Kw::OnReadType),
    ("onwritetype", Kw::OnWriteType),
    ("true", Kw::True),
    ("false", Kw::False),
    ("na", Kw::Na),
    ("rw", Kw::Rw),
    ("wr", Kw::Wr),
    ("r", Kw::R),
    ("w", Kw::W),
    ("rw1", Kw::Rw1),
    ("w1", Kw::W1),
    ("rclr", Kw::Rclr),
    ("rset", Kw::Rset),
    ("ruser", Kw::Ruser),
    ("woset", Kw::Woset),
    ("woclr", Kw::Woclr),
    ("wot", Kw::Wot),
    ("wzs", Kw::Wzs),
    ("wzc", Kw::Wzc),
    ("wzt", Kw::Wzt),
    ("wclr", Kw::Wclr),
    ("wset", Kw::Wset),
    ("wuser", Kw::Wuser),
    ("compact", Kw::Compact),
    ("regalign", Kw::Regalign),
    ("fullalign", Kw::Fullalign),
    ("hw", Kw::Hw),
    ("sw", Kw::Sw),
    ("posedge", Kw::Posedge),
    ("negedge", Kw::Negedge),
    ("bothedge", Kw::Bothedge),
    ("level", Kw::Level),
    ("nonsticky", Kw::Nonsticky),
    ("inside", Kw::Inside),
    ("this", Kw::This),
    ("alternate", Kw::Alternate),
    ("byte", Kw::Byte),
    ("int", Kw::Int),
    ("precedencetype", Kw::PrecedenceType),
    ("real", Kw::Real),
    ("shortint", Kw::Shortint),
    ("shortreal", Kw::Shortreal),
    ("signed", Kw::Signed),
    ("with", Kw::With),
    ("within", Kw::Within),
];

impl Kw {
    /// The keyword spelt `s`. Every identifier the lexer sees is looked up: a
    /// dispatch on the first letter, then on the spelling, beats hashing the word.
    pub fn from_str(s: &str) -> Option<Kw> {
        Some(match *s.as_bytes().first()? {
            b'a' => match s {
                "addrmap" => Kw::Addrmap,
                "alias" => Kw::Alias,
                "abstract" => Kw::Abstract,
                "all" => Kw::All,
                "accesstype" => Kw::AccessType,
                "addressingtype" => Kw::AddressingType,
                "alternate" => Kw::Alternate,
                _ => return None,
            },
            b'b' => match s {
                "boolean" => Kw::Boolean,
                "bit" => Kw::Bit,
                "bothedge" => Kw::Bothedge,
                "byte" => Kw::Byte,
                _ => return None,
            },
            b'c' => match s {
                "constraint" => Kw::Constraint,
                "component" => Kw::Component,
                "componentwidth" => Kw::ComponentWidth,
                "compact" => Kw::Compact,
                _ => return None,
            },
            b'd' => match s {
                "default" => Kw::Default,
                _ => return None,
            },
            b'e' => match s {
                "enum" => Kw::Enum,
                "encode" => Kw::Encode,
                "external" => Kw::External,
                _ => return None,
            },
            b'f' => match s {
                "field" => Kw::Field,
                "false" => Kw::False,
                "fullalign" => Kw::Fullalign,
                _ => return None,
            },
            b'h' => match s {
                "hw" => Kw::Hw,
                _ => return None,
            },
            b'i' => match s {
                "internal" => Kw::Internal,
                "inside" => Kw::Inside,
                "int" => Kw::Int,
                _ => return None,
            },
            b'l' => match s {
                "longint" => Kw::Longint,
                "level" => Kw::Level,
                _ => return None,
            },
            b'm' => match s {
                "mem" => Kw::Mem,
                _ => return None,
            },
            b'n' => match s {
                "number" => Kw::Number,
                "na" => Kw::Na,
                "negedge" => Kw::Negedge,
                "nonsticky" => Kw::Nonsticky,
                _ => return None,
            },
            b'o' => match s {
                "onreadtype" => Kw::OnReadType,
                "onwritetype" => Kw::OnWriteType,
                _ => return None,
            },
            b'p' => match s {
                "property" => Kw::Property,
                "posedge" => Kw::Posedge,
                "precedencetype" => Kw::PrecedenceType,
                _ => return None,
            },
            b'r' => match s {
                "regfile" => Kw::Regfile,
                "reg" => Kw::Reg,
                "ref" => Kw::Ref,
                "rw" => Kw::Rw,
                "r" => Kw::R,
                "rw1" => Kw::Rw1,
                "rclr" => Kw::Rclr,
                "rset" => Kw::Rset,
                "ruser" => Kw::Ruser,
                "regalign" => Kw::Regalign,
                "real" => Kw::Real,
                _ => return None,
            },
            b's' => match s {
                "signal" => Kw::Signal,
                "struct" => Kw::Struct,
                "string" => Kw::String,
                "sw" => Kw::Sw,
                "shortint" => Kw::Shortint,
                "shortreal" => Kw::Shortreal,
                "signed" => Kw::Signed,
                _ => return None,
            },
            b't' => match s {
                "type" => Kw::Type,
                "true" => Kw::True,
                "this" => Kw::This,
                _ => return None,
            },
            b'u' => match s {
                "unsigned" => Kw::Unsigned,
                _ => return None,
            },
            b'w' => match s {
                "wr" => Kw::Wr,
                "w" => Kw::W,
                "w1" => Kw::W1,
                "woset" => Kw::Woset,
                "woclr" => Kw::Woclr,
                "wot" => Kw::Wot,
                "wzs" => Kw::Wzs,
                "wzc" => Kw::Wzc,
                "wzt" => Kw::Wzt,
                "wclr" => Kw::Wclr,
                "wset" => Kw::Wset,
                "wuser" => Kw::Wuser,
                "with" => Kw::With,
                "within" => Kw::Within,
                _ => return None,
            },
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        KEYWORDS
            .iter()
            .find(|&&(_, k)| k == self)
            .map_or("?", |(s, _)| s)
    }
}

/// Punctuation and operators.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Punct {
    LBrace,
    RBrace,
    LParen,
    RParen,
    LBracket,
    RBracket,
    Semi,
    Comma,
    Dot,
    Colon,
    ColonColon,
    Apostrophe,
    Hash,
    Question,
    Arrow,
    Assign,
    At,
    PlusAssign,
    PercentAssign,
    Plus,
    Minus,
    Star,
    StarStar,
    Slash,
    Percent,
    Bang,
    Tilde,
    Amp,
    AmpAmp,
    TildeAmp,
    Pipe,
    PipePipe,
    TildePipe,
    Caret,
    TildeCaret,
    Shl,
    Shr,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

/// Longest spellings first, so that `+=` wins over `+`.
const PUNCTS: &[(&str, Punct)] = &[
    ("::", Punct::ColonColon),
    ("->", Punct::Arrow),
    ("+=", Punct::PlusAssign),
    ("%=", Punct::PercentAssign),
    ("**", Punct::StarStar),
    ("&&", Punct::AmpAmp),
    ("||", Punct::PipePipe),
    ("~&", Punct::TildeAmp),
    ("~|", Punct::TildePipe),
    ("~^", Punct::TildeCaret),
    ("^~", Punct::TildeCaret),
    ("<<", Punct::Shl),
    (">>", Punct::Shr),
    ("==", Punct::Eq),
    ("!=", Punct::Ne),
    ("<=", Punct::Le),
    (">=", Punct::Ge),
    ("{", Punct::LBrace),
    ("}", Punct::RBrace),
    ("(", Punct::LParen),
    (")", Punct::RParen),
    ("[", Punct::LBracket),
    ("]", Punct::RBracket),
    (";", Punct::Semi),
    (",", Punct::Comma),
    (".", Punct::Dot),
    (":", Punct::Colon),
    ("'", Punct::Apostrophe),
    ("#", Punct::Hash),
    ("?", Punct::Question),
    ("=", Punct::Assign),
    ("@", Punct::At),
    ("+", Punct::Plus),
    ("-", Punct::Minus),
    ("*", Punct::Star),
    ("/", Punct::Slash),
    ("%", Punct::Percent),
    ("!", Punct::Bang),
    ("~", Punct::Tilde),
    ("&", Punct::Amp),
    ("|", Punct::Pipe),
    ("^", Punct::Caret),
    ("<", Punct::Lt),
    (">", Punct::Gt),
];

impl Punct {
    pub fn as_str(self) -> &'static str {
        PUNCTS
            .iter()
            .find(|&&(_, p)| p == self)
            .map_or("?", |(s, _)| s)
    }
}

/// What a token is.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Tok {
    /// An identifier; for an escaped identifier (`\reg`) the name without the `\`.
    Ident(String),
    Kw(Kw),
    /// An integer literal. `width` is the Verilog size (`4'hF`), if any.
    Number {
        value: u64,
        width: Option<u32>,
    },
    /// A string literal with its escapes resolved.
    Str(String),
    Punct(Punct),
    Eof,
}

impl Tok {
    /// How the token is named in "expected X, found Y".
    pub fn describe(&self) -> String {
        match self {
            Tok::Ident(name) => format!("identifier `{name}`"),
            Tok::Kw(kw) => format!("keyword `{}`", kw.as_str()),
            Tok::Number { .. } => "a number".to_owned(),
            Tok::Str(_) => "a string".to_owned(),
            Tok::Punct(p) => format!("`{}`", p.as_str()),
            Tok::Eof => "end of file".to_owned(),
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Token {
    pub tok: Tok,
    pub span: Span,
}

/// Splits `text` into tokens, ending with [`Tok::Eof`]. Problems are reported and
/// the offending characters skipped.
pub(crate) fn lex(text: &str, rep: &mut Reporter) -> Vec<Token> {
    lex_range(text, 0, text.len(), rep)
}

/// [`lex`] of `text[start..end]` (one file of several compiled together), with
/// spans in `text`. `start` and `end` lie on character boundaries.
pub(crate) fn lex_range(text: &str, start: usize, end: usize, rep: &mut Reporter) -> Vec<Token> {
    let text = text.get(..end).unwrap_or(text);
    let mut lexer = Lexer {
        text,
        bytes: text.as_bytes(),
        pos: start.min(text.len()),
        // About one token per six bytes of (commented) source.
        tokens: Vec::with_capacity((end - start.min(end)) / 4 + 16),
    };
    lexer.run(rep);
    lexer.tokens
}

struct Lexer<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
    tokens: Vec<Token>,
}

impl<'a> Lexer<'a> {
    fn peek(&self, ahead: usize) -> u8 {
        self.bytes.get(self.pos + ahead).copied().unwrap_or(0)
    }

    fn span_from(&self, start: usize) -> Span {
        Span::new(start as u32, self.pos as u32)
    }

    fn push(&mut self, tok: Tok, start: usize) {
        let span = self.span_from(start);
        self.tokens.push(Token { tok, span });
    }

    fn run(&mut self, rep: &mut Reporter) {
        while self.pos < self.bytes.len() {
            let start = self.pos;
            let c = self.bytes[self.pos];
            match c {
                b' ' | b'\t' | b'\r' | b'\n' | 0x0c => {
                    self.pos += 1;
                    while let Some(b' ' | b'\t' | b'\r' | b'\n' | 0x0c) = self.bytes.get(self.pos) {
                        self.pos += 1;
                    }
                }
                b'/' if self.peek(1) == b'/' => self.skip_line(),
                b'/' if self.peek(1) == b'*' => self.block_comment(rep),
                b'"' => self.string(rep),
                b'\\' => self.escaped_ident(rep),
                b'a'..=b'z' | b'A'..=b'Z' | b'_' => {
                    let word = self.name(start, rep);
                    let tok =
                        Kw::from_str(word).map_or_else(|| Tok::Ident(word.to_owned()), Tok::Kw);
                    self.push(tok, start);
                }
                b'0'..=b'9' => self.number(rep),
                b'\'' if is_base_char(self.peek(1)) => self.number(rep),
                // The preprocessor took every directive, macro use and Perl tag;
                // what is left is a stray character.
                b'`' => {
                    self.pos += 1;
                    rep.error(
                        codes::LEX,
                        self.span_from(start),
                        "stray ` (not followed by a directive or macro name)",
                    )
                    .hint("a macro use is `NAME, a directive `define, `ifdef, `include ...");
                }
                b'<' if self.peek(1) == b'%' => {
                    self.pos += 2;
                    rep.error(
                        codes::LEX,
                        self.span_from(start),
                        "`<%` without a closing `%>`",
                    )
                    .hint("embedded Perl is written `<% code %>` or `<%=expression%>`");
                }
                _ => self.punct_or_junk(rep),
            }
        }
        let end = self.bytes.len() as u32;
        self.tokens.push(Token {
            tok: Tok::Eof,
            span: Span::new(end, end),
        });
    }

    fn word(&mut self) -> &'a str {
        let start = self.pos;
        while matches!(self.peek(0), b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'_') {
            self.pos += 1;
        }
        &self.text[start..self.pos]
    }

    /// An identifier's characters, refused past [`MAX_IDENTIFIER_LEN`] (and cut to it,
    /// so that what follows still parses): every back end aligns and joins names,
    /// and a name of 64 Ki characters overflowed the format widths that align them.
    fn name(&mut self, start: usize, rep: &mut Reporter) -> &'a str {
        let word = self.word();
        if word.len() <= MAX_IDENTIFIER_LEN {
            return word;
        }
        rep.error(
            codes::LIMIT,
            self.span_from(start),
            format!(
                "identifier is {} characters long; the limit is {MAX_IDENTIFIER_LEN}",
                word.len()
            ),
        )
        .hint("shorten the name");
        // Identifiers are ASCII, so any byte index is a character boundary.
        &word[..MAX_IDENTIFIER_LEN]
    }

    /// Up to (not past) the end of the line.
    fn skip_line(&mut self) {
        self.pos = find_byte(self.bytes, self.pos, b'\n').unwrap_or(self.bytes.len());
    }

    fn block_comment(&mut self, rep: &mut Reporter) {
        let start = self.pos;
        self.pos += 2;
        loop {
            if self.pos >= self.bytes.len() {
                rep.error(
                    codes::LEX,
                    Span::new(start as u32, start as u32 + 2),
                    "unterminated block comment",
                )
                .hint("close it with `*/`");
                return;
            }
            match find_byte(self.bytes, self.pos, b'*') {
                Some(star) if self.bytes.get(star + 1) == Some(&b'/') => {
                    self.pos = star + 2;
                    return;
                }
                Some(star) => self.pos = star + 1,
                None => self.pos = self.bytes.len(),
            }
        }
    }

    fn string(&mut self, rep: &mut Reporter) {
        let start = self.pos;
        self.pos += 1;
        let mut value = String::new();
        let mut chunk = self.pos;
        loop {
            match self.bytes.get(self.pos) {
                None => {
                    rep.error(
                        codes::LEX,
                        Span::new(start as u32, start as u32 + 1),
                        "unterminated string",
                    )
                    .hint("close it with `\"`");
                    value.push_str(&self.text[chunk..self.pos]);
                    break;
                }
                Some(b'"') => {
                    value.push_str(&self.text[chunk..self.pos]);
                    self.pos += 1;
                    break;
                }
                Some(b'\\') => {
                    value.push_str(&self.text[chunk..self.pos]);
                    match self.peek(1) {
                        c @ (b'"' | b'\\') => {
                            value.push(c as char);
                            self.pos += 2;
                        }
                        _ => {
                            // SystemRDL strings escape only `"` and `\`; systemrdl-compiler
                            // refuses anything else too.
                            let esc = Span::new(self.pos as u32, self.pos as u32 + 1);
                            rep.error(codes::LEX, esc, "unknown escape in string")
                                .hint("a string may only escape `\\\"` and `\\\\`; write a newline as a real line break");
                            self.pos += 1;
                        }
                    }
                    chunk = self.pos;
                }
                // Up to the next quote or backslash in one go.
                Some(_) => {
                    self.pos = find_either(self.bytes, self.pos + 1, b'"', b'\\')
                        .unwrap_or(self.bytes.len());
                }
            }
        }
        self.push(Tok::Str(value), start);
    }

    fn escaped_ident(&mut self, rep: &mut Reporter) {
        let start = self.pos;
        self.pos += 1;
        if matches!(self.peek(0), b'a'..=b'z' | b'A'..=b'Z' | b'_') {
            let name = self.name(start, rep).to_owned();
            self.push(Tok::Ident(name), start);
        } else {
            rep.error(
                codes::LEX,
                self.span_from(start),
                "`\\` must start an escaped identifier",
            )
            .hint("write `\\name` to use a keyword as a name");
        }
    }

    /// `17`, `0x1F`, `32'h1F`, `'hF`, with `_` separators.
    fn number(&mut self, rep: &mut Reporter) {
        let start = self.pos;
        let mut width_digits = "";
        if self.peek(0) != b'\'' {
            if self.peek(0) == b'0' && matches!(self.peek(1), b'x' | b'X') {
                self.pos += 2;
                let digits = self.digits(|c| c.is_ascii_hexdigit());
                return self.finish_number(rep, start, digits, 16, None);
            }
            width_digits = self.digits(|c| c.is_ascii_digit());
            if !(self.peek(0) == b'\'' && is_base_char(self.peek(1))) {
                return self.finish_number(rep, start, width_digits, 10, None);
            }
        }
        // Verilog style: [width] ' base digits
        let base_char = self.peek(1).to_ascii_lowercase();
        self.pos += 2;
        let (radix, digits) = match base_char {
            b'b' => (2, self.digits(|c| matches!(c, b'0' | b'1'))),
            b'd' => (10, self.digits(|c| c.is_ascii_digit())),
            _ => (16, self.digits(|c| c.is_ascii_hexdigit())),
        };
        let width = if width_digits.is_empty() {
            None
        } else {
            match width_digits.replace('_', "").parse::<u32>() {
                Ok(w) if (1..=64).contains(&w) => Some(w),
                // Wider literals (`128'h0`) are fine while their value fits in 64
                // bits (checked below): values are u64, and the arithmetic of a
                // wider literal is the same as at 64 bits for such a value.
                Ok(w) if (65..=MAX_LITERAL_WIDTH).contains(&w) => Some(64),
                Ok(0) => {
                    rep.error(
                        codes::NUMBER,
                        self.span_from(start),
                        "a Verilog-style number must have a width of at least 1",
                    );
                    None
                }
                _ => {
                    rep.error(
                        codes::NUMBER,
                        self.span_from(start),
                        format!("numbers wider than {MAX_LITERAL_WIDTH} bits are not supported"),
                    );
                    None
                }
            }
        };
        self.finish_number(rep, start, digits, radix, width);
    }

    fn digits(&mut self, accept: impl Fn(u8) -> bool) -> &'a str {
        let start = self.pos;
        while accept(self.peek(0)) || (self.pos > start && self.peek(0) == b'_') {
            self.pos += 1;
        }
        &self.text[start..self.pos]
    }

    fn finish_number(
        &mut self,
        rep: &mut Reporter,
        start: usize,
        digits: &str,
        radix: u32,
        width: Option<u32>,
    ) {
        let clean = if digits.contains('_') {
            std::borrow::Cow::Owned(digits.replace('_', ""))
        } else {
            std::borrow::Cow::Borrowed(digits)
        };
        // A letter or digit glued to the number (`12ab`, `4'b102`) is a typo, not a
        // second token.
        let glued = matches!(self.peek(0), b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'_');
        if glued {
            while matches!(self.peek(0), b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'_') {
                self.pos += 1;
            }
        }
        let span = self.span_from(start);
        let value = if clean.is_empty() || glued {
            rep.error(codes::NUMBER, span, "malformed number")
                .hint("numbers look like `17`, `0x1F`, `32'h1F`, `4'b1010` or `'d10`");
            0
        } else {
            match u64::from_str_radix(&clean, radix) {
                Ok(v) => v,
                Err(_) => {
                    rep.error(codes::NUMBER, span, "number does not fit in 64 bits");
                    0
                }
            }
        };
        if let Some(w) = width {
            if w < 64 && value >> w != 0 {
                rep.error(
                    codes::NUMBER,
                    span,
                    format!("value {value:#x} does not fit in the literal's width of {w} bits"),
                )
                .hint(format!(
                    "widen the literal (`{}'h{value:X}`) or drop the width",
                    64 - value.leading_zeros()
                ));
            }
        }
        self.push(Tok::Number { value, width }, start);
    }

    fn punct_or_junk(&mut self, rep: &mut Reporter) {
        let start = self.pos;
        if let Some((len, p)) = punct_at(&self.bytes[self.pos..]) {
            self.pos += len;
            self.push(Tok::Punct(p), start);
            return;
        }
        // Skip one whole character, never part of a UTF-8 sequence.
        let ch = self.text[self.pos..].chars().next().unwrap_or('\u{fffd}');
        self.pos += ch.len_utf8().max(1);
        rep.error(
            codes::LEX,
            self.span_from(start),
            format!("unexpected character `{}`", ch.escape_debug()),
        );
    }
}

/// The punctuation `rest` starts with and its length: the longest spelling of
/// [`PUNCTS`], so that `+=` wins over `+`.
fn punct_at(rest: &[u8]) -> Option<(usize, Punct)> {
    use Punct::*;
    let first = *rest.first()?;
    let second = rest.get(1).copied().unwrap_or(0);
    let two = |p: Punct| Some((2, p));
    let one = |p: Punct| Some((1, p));
    match (first, second) {
        (b':', b':') => two(ColonColon),
        (b'-', b'>') => two(Arrow),
        (b'+', b'=') => two(PlusAssign),
        (b'%', b'=') => two(PercentAssign),
        (b'*', b'*') => two(StarStar),
        (b'&', b'&') => two(AmpAmp),
        (b'|', b'|') => two(PipePipe),
        (b'~', b'&') => two(TildeAmp),
        (b'~', b'|') => two(TildePipe),
        (b'~', b'^') | (b'^', b'~') => two(TildeCaret),
        (b'<', b'<') => two(Shl),
        (b'>', b'>') => two(Shr),
        (b'=', b'=') => two(Eq),
        (b'!', b'=') => two(Ne),
        (b'<', b'=') => two(Le),
        (b'>', b'=') => two(Ge),
        (b'{', _) => one(LBrace),
        (b'}', _) => one(RBrace),
        (b'(', _) => one(LParen),
        (b')', _) => one(RParen),
        (b'[', _) => one(LBracket),
        (b']', _) => one(RBracket),
        (b';', _) => one(Semi),
        (b',', _) => one(Comma),
        (b'.', _) => one(Dot),
        (b':', _) => one(Colon),
        (b'\'', _) => one(Apostrophe),
        (b'#', _) => one(Hash),
        (b'?', _) => one(Question),
        (b'=', _) => one(Assign),
        (b'@', _) => one(At),
        (b'+', _) => one(Plus),
        (b'-', _) => one(Minus),
        (b'*', _) => one(Star),
        (b'/', _) => one(Slash),
        (b'%', _) => one(Percent),
        (b'!', _) => one(Bang),
        (b'~', _) => one(Tilde),
        (b'&', _) => one(Amp),
        (b'|', _) => one(Pipe),
        (b'^', _) => one(Caret),
        (b'<', _) => one(Lt),
        (b'>', _) => one(Gt),
        _ => None,
    }
}

fn is_base_char(c: u8) -> bool {
    matches!(c, b'b' | b'B' | b'd' | b'D' | b'h' | b'H')
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::frontend::source::SourceFile;

    fn lex_ok(text: &str) -> Vec<Tok> {
        let mut rep = Reporter::new(Arc::new(SourceFile::new("t.rdl", text)));
        let toks = lex(text, &mut rep);
        let diags = rep.finish();
        assert!(diags.is_empty(), "{diags}");
        toks.into_iter().map(|t| t.tok).collect()
    }

    fn lex_err(text: &str) -> String {
        let mut rep = Reporter::new(Arc::new(SourceFile::new("t.rdl", text)));
        lex(text, &mut rep);
        rep.finish()
            .iter()
            .map(|d| d.message.clone())
            .collect::<Vec<_>>()
            .join("\n")
    }

    fn num(value: u64, width: Option<u32>) -> Tok {
        Tok::Number { value, width }
    }

    #[test]
    fn numbers_in_every_notation() {
        assert_eq!(
            lex_ok("17 0x1F 0X1f 32'h1F 'hF 4'b1010 'd10 1_000 8'hF_F 'B1"),
            vec![
                num(17, None),
                num(0x1F, None),
                num(0x1F, None),
                num(0x1F, Some(32)),
                num(0xF, None),
                num(0b1010, Some(4)),
                num(10, None),
                num(1000, None),
                num(0xFF, Some(8)),
                num(1, None),
                Tok::Eof
            ]
        );
        assert_eq!(
            lex_ok("0xFFFFFFFFFFFFFFFF"),
            vec![num(u64::MAX, None), Tok::Eof]
        );
    }

    #[test]
    fn bad_numbers_are_reported() {
        assert!(lex_err("4'h1F").contains("does not fit in the literal's width of 4 bits"));
        assert!(lex_err("0x10000000000000000").contains("does not fit in 64 bits"));
        assert!(lex_err("4'b102").contains("malformed number"));
        assert!(lex_err("0x").contains("malformed number"));
        assert!(lex_err("0'h0").contains("width of at least 1"));
        assert!(lex_err("1025'h0").contains("wider than 1024 bits"));
        assert!(lex_err("65'h1_0000_0000_0000_0000").contains("does not fit in 64 bits"));
    }

    #[test]
    fn strings_resolve_the_two_escapes() {
        assert_eq!(
            lex_ok(r#""a \"b\" \\ c""#),
            vec![Tok::Str(r#"a "b" \ c"#.to_owned()), Tok::Eof]
        );
        assert!(lex_err(r#""a\nb""#).contains("unknown escape"));
        assert!(lex_err("\"abc").contains("unterminated string"));
    }

    #[test]
    fn keywords_idents_escapes_and_comments() {
        assert_eq!(
            lex_ok("reg \\reg foo_1 // c\n /* x */ sw"),
            vec![
                Tok::Kw(Kw::Reg),
                Tok::Ident("reg".to_owned()),
                Tok::Ident("foo_1".to_owned()),
                Tok::Kw(Kw::Sw),
                Tok::Eof
            ]
        );
        assert!(lex_err("/* open").contains("unterminated block comment"));
    }

    #[test]
    fn keyword_lookup_agrees_with_the_table() {
        for &(spelling, kw) in KEYWORDS {
            assert_eq!(Kw::from_str(spelling), Some(kw), "{spelling}");
            assert_eq!(kw.as_str(), spelling);
        }
        for word in ["", "Reg", "regs", "re", "addrmap_", "x"] {
            assert_eq!(Kw::from_str(word), None, "{word}");
        }
    }

    #[test]
    fn punctuation_lookup_agrees_with_the_table() {
        // Longest match over the table, the reference the fast lookup must equal.
        let by_table = |rest: &[u8]| {
            PUNCTS
                .iter()
                .filter(|(s, _)| rest.starts_with(s.as_bytes()))
                .max_by_key(|(s, _)| s.len())
                .map(|&(s, p)| (s.len(), p))
        };
        let chars: Vec<u8> = (0x20..0x7f).chain([0, b'\n', 0xc3]).collect();
        for &a in &chars {
            assert_eq!(punct_at(&[a]), by_table(&[a]), "{:?}", a as char);
            for &b in &chars {
                assert_eq!(
                    punct_at(&[a, b]),
                    by_table(&[a, b]),
                    "{:?}{:?}",
                    a as char,
                    b as char
                );
            }
        }
        assert_eq!(punct_at(b""), None);
    }

    #[test]
    fn longest_punctuation_wins() {
        use Punct::*;
        let toks = lex_ok("+= + -> :: : '{ ~^ ^~ ** %= <= <<");
        let expect = [
            PlusAssign,
            Plus,
            Arrow,
            ColonColon,
            Colon,
            Apostrophe,
            LBrace,
            TildeCaret,
            TildeCaret,
            StarStar,
            PercentAssign,
            Le,
            Shl,
        ];
        let got: Vec<_> = toks
            .iter()
            .filter_map(|t| match t {
                Tok::Punct(p) => Some(*p),
                _ => None,
            })
            .collect();
        assert_eq!(got, expect);
    }

    #[test]
    fn junk_is_skipped_and_reported_once_per_character() {
        let mut rep = Reporter::new(Arc::new(SourceFile::new("t.rdl", "a $ \u{e9} b")));
        let toks = lex("a $ \u{e9} b", &mut rep);
        assert_eq!(toks.len(), 3);
        assert_eq!(rep.finish().len(), 2);
    }
}
