//! Tokenizer shared by condition, filter, key-condition, projection and update expressions.
//! See <https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.html>.

/// Token kinds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tok {
    /// Bare identifier (attribute name, keyword or function name).
    Ident(String),
    /// `#name` placeholder.
    Name(String),
    /// `:value` placeholder.
    Value(String),
    /// Unsigned integer literal (list index).
    Int(String),
    /// Punctuation / operator: `( ) [ ] , . = <> < <= > >= + -`.
    Punct(&'static str),
    /// A character that starts no token.
    Bad(char),
    /// End of input.
    Eof,
}

/// A token with its byte span in the source.
#[derive(Debug, Clone)]
pub struct Token {
    /// Kind.
    pub tok: Tok,
    /// Start offset.
    pub start: usize,
    /// End offset.
    pub end: usize,
}

fn is_ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Split `src` into tokens (always ends with `Eof`).
pub fn lex(src: &str) -> Vec<Token> {
    let mut out = Vec::new();
    let chars: Vec<(usize, char)> = src.char_indices().collect();
    let mut i = 0;
    let end_of = |j: usize| chars.get(j).map(|c| c.0).unwrap_or(src.len());
    while i < chars.len() {
        let (start, c) = chars[i];
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        let take_word = |mut j: usize| {
            while j < chars.len() && is_ident_char(chars[j].1) {
                j += 1;
            }
            j
        };
        let (tok, next) = if c == '#' || c == ':' {
            let j = take_word(i + 1);
            let word = src[end_of(i + 1)..end_of(j)].to_string();
            if word.is_empty() {
                (Tok::Bad(c), i + 1)
            } else if c == '#' {
                (Tok::Name(format!("#{word}")), j)
            } else {
                (Tok::Value(format!(":{word}")), j)
            }
        } else if c.is_ascii_digit() {
            let mut j = i;
            while j < chars.len() && chars[j].1.is_ascii_digit() {
                j += 1;
            }
            if j < chars.len() && is_ident_char(chars[j].1) {
                let j = take_word(j);
                (Tok::Ident(src[start..end_of(j)].to_string()), j)
            } else {
                (Tok::Int(src[start..end_of(j)].to_string()), j)
            }
        } else if c.is_ascii_alphabetic() || c == '_' {
            let j = take_word(i);
            (Tok::Ident(src[start..end_of(j)].to_string()), j)
        } else {
            let next_c = chars.get(i + 1).map(|x| x.1);
            match (c, next_c) {
                ('<', Some('>')) => (Tok::Punct("<>"), i + 2),
                ('<', Some('=')) => (Tok::Punct("<="), i + 2),
                ('>', Some('=')) => (Tok::Punct(">="), i + 2),
                ('<', _) => (Tok::Punct("<"), i + 1),
                ('>', _) => (Tok::Punct(">"), i + 1),
                ('=', _) => (Tok::Punct("="), i + 1),
                ('(', _) => (Tok::Punct("("), i + 1),
                (')', _) => (Tok::Punct(")"), i + 1),
                ('[', _) => (Tok::Punct("["), i + 1),
                (']', _) => (Tok::Punct("]"), i + 1),
                (',', _) => (Tok::Punct(","), i + 1),
                ('.', _) => (Tok::Punct("."), i + 1),
                ('+', _) => (Tok::Punct("+"), i + 1),
                ('-', _) => (Tok::Punct("-"), i + 1),
                _ => (Tok::Bad(c), i + 1),
            }
        };
        out.push(Token { tok, start, end: end_of(next) });
        i = next;
    }
    out.push(Token { tok: Tok::Eof, start: src.len(), end: src.len() });
    out
}

impl Tok {
    /// The token as AWS prints it in syntax errors.
    pub fn display(&self, src: &str, t: &Token) -> String {
        match self {
            Tok::Eof => "<EOF>".into(),
            _ => src[t.start..t.end].to_string(),
        }
    }
}
