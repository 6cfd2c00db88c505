//! Recursive-descent parser for condition/filter/key-condition, projection and update
//! expressions, resolving `#name` / `:value` placeholders through [`ExprCtx`] and reporting
//! AWS's validation messages (syntax errors with token and context, reserved words, undefined
//! placeholders, unknown functions, IN with more than 100 operands, nesting depth).
//! Precedence (low → high): OR, AND, NOT, then comparisons / BETWEEN / IN / functions / parens.

use super::ast::{CmpOp, Cond, Operand, Path, PathElem};
use super::lexer::{lex, Tok, Token};
use super::reserved::is_reserved;
use super::{ExprCtx, ExprKind};
use crate::error::DynamoError;
use crate::value::AttributeValue;

const MAX_DEPTH: usize = 32;

pub(super) struct Parser<'a, 'c> {
    src: &'a str,
    toks: Vec<Token>,
    pos: usize,
    pub(super) kind: ExprKind,
    ctx: &'c mut ExprCtx,
    /// Token positions of the `(` and `)` of the last parenthesized group parsed.
    paren_span: Option<(usize, usize)>,
    /// Current nesting depth (bounded, so deep input cannot exhaust the stack).
    depth: usize,
}

/// Maximum nesting of parentheses / NOT in one expression.
const MAX_NESTING: usize = 100;

type R<T> = Result<T, DynamoError>;

impl<'a, 'c> Parser<'a, 'c> {
    pub(super) fn new(src: &'a str, kind: ExprKind, ctx: &'c mut ExprCtx) -> R<Self> {
        if src.trim().is_empty() {
            return Err(Self::err_kind(kind, "The expression can not be empty;"));
        }
        if src.len() > 4096 {
            return Err(Self::err_kind(kind, &format!("Expression size has exceeded the maximum allowed size; expression size: {}", src.len())));
        }
        Ok(Self { src, toks: lex(src), pos: 0, kind, ctx, paren_span: None, depth: 0 })
    }

    fn err_kind(kind: ExprKind, msg: &str) -> DynamoError {
        DynamoError::validation(format!("Invalid {}: {msg}", kind.name()))
    }

    pub(super) fn err(&self, msg: &str) -> DynamoError {
        Self::err_kind(self.kind, msg)
    }

    pub(super) fn peek(&self) -> &Tok {
        &self.toks[self.pos.min(self.toks.len() - 1)].tok
    }

    pub(super) fn peek_at(&self, n: usize) -> &Tok {
        &self.toks[(self.pos + n).min(self.toks.len() - 1)].tok
    }

    pub(super) fn bump(&mut self) -> Tok {
        let t = self.peek().clone();
        if self.pos < self.toks.len() - 1 {
            self.pos += 1;
        }
        t
    }

    pub(super) fn is_punct(&self, p: &str) -> bool {
        matches!(self.peek(), Tok::Punct(q) if *q == p)
    }

    fn is_kw(&self, kw: &str) -> bool {
        matches!(self.peek(), Tok::Ident(w) if w.eq_ignore_ascii_case(kw))
    }

    /// `Syntax error; token: "<tok>", near: "<prev tok next>"`.
    pub(super) fn syntax(&self) -> DynamoError {
        let i = self.pos.min(self.toks.len() - 1);
        let t = &self.toks[i];
        let tok = t.tok.display(self.src, t);
        let start = if i > 0 { self.toks[i - 1].start } else { t.start };
        let end = if i + 1 < self.toks.len() { self.toks[i + 1].end } else { t.end };
        let end = end.max(t.end);
        self.err(&format!("Syntax error; token: \"{tok}\", near: \"{}\"", &self.src[start..end]))
    }

    pub(super) fn expect(&mut self, p: &str) -> R<()> {
        if self.is_punct(p) {
            self.bump();
            Ok(())
        } else {
            Err(self.syntax())
        }
    }

    pub(super) fn expect_eof(&self) -> R<()> {
        if matches!(self.peek(), Tok::Eof) {
            Ok(())
        } else {
            Err(self.syntax())
        }
    }

    // ---------- paths and values ----------

    fn name_elem(&mut self) -> R<String> {
        match self.peek().clone() {
            Tok::Ident(w) => {
                if is_reserved(&w) {
                    return Err(self.err(&format!("Attribute name is a reserved keyword; reserved keyword: {w}")));
                }
                self.bump();
                Ok(w)
            }
            Tok::Name(n) => {
                self.bump();
                self.ctx.resolve_name(&n).ok_or_else(|| self.err(&format!("An expression attribute name used in the document path is not defined; attribute name: {n}")))
            }
            _ => Err(self.syntax()),
        }
    }

    pub(super) fn path(&mut self) -> R<Path> {
        let mut p = vec![PathElem::Attr(self.name_elem()?)];
        loop {
            if self.is_punct(".") {
                self.bump();
                p.push(PathElem::Attr(self.name_elem()?));
            } else if self.is_punct("[") {
                self.bump();
                match self.peek().clone() {
                    Tok::Int(n) => {
                        self.bump();
                        let i = n.parse::<usize>().map_err(|_| self.err(&format!("List index is not within the allowable range; index: [{n}]")))?;
                        p.push(PathElem::Index(i));
                    }
                    _ => return Err(self.syntax()),
                }
                self.expect("]")?;
            } else {
                break;
            }
        }
        if p.len() > MAX_DEPTH {
            return Err(self.err(&format!("The document path has too many nesting levels; nesting levels: {}", p.len())));
        }
        Ok(p)
    }

    pub(super) fn value(&mut self, v: &str) -> R<AttributeValue> {
        self.ctx.resolve_value(v).ok_or_else(|| self.err(&format!("An expression attribute value used in expression is not defined; attribute value: {v}")))
    }

    // ---------- condition expressions ----------

    pub(super) fn parse_condition(mut self) -> R<Cond> {
        let c = self.or()?;
        self.expect_eof()?;
        Ok(c)
    }

    fn or(&mut self) -> R<Cond> {
        let mut l = self.and()?;
        while self.is_kw("OR") {
            self.bump();
            let r = self.and()?;
            l = Cond::Or(Box::new(l), Box::new(r));
        }
        Ok(l)
    }

    fn and(&mut self) -> R<Cond> {
        let mut l = self.not()?;
        while self.is_kw("AND") {
            self.bump();
            let r = self.not()?;
            l = Cond::And(Box::new(l), Box::new(r));
        }
        Ok(l)
    }

    fn not(&mut self) -> R<Cond> {
        if self.is_kw("NOT") {
            self.bump();
            self.depth += 1;
            if self.depth > MAX_NESTING {
                return Err(self.err(&format!("The expression has too many levels of nesting; maximum allowed: {MAX_NESTING}")));
            }
            let c = self.not()?;
            self.depth -= 1;
            return Ok(Cond::Not(Box::new(c)));
        }
        self.primary()
    }

    fn primary(&mut self) -> R<Cond> {
        if self.is_punct("(") {
            self.depth += 1;
            if self.depth > MAX_NESTING {
                return Err(self.err(&format!("The expression has too many levels of nesting; maximum allowed: {MAX_NESTING}")));
            }
            let open = self.pos;
            self.bump();
            self.paren_span = None;
            let c = self.or()?;
            let close = self.pos;
            self.expect(")")?;
            self.depth -= 1;
            if self.paren_span == Some((open + 1, close - 1)) {
                // `((x))`: AWS rejects parentheses that group nothing new.
                return Err(self.err("The expression has redundant parentheses;"));
            }
            self.paren_span = Some((open, close));
            return Ok(c);
        }
        if let (Tok::Ident(f), Tok::Punct("(")) = (self.peek().clone(), self.peek_at(1).clone()) {
            if f != "size" {
                return self.function(&f);
            }
        }
        let left = self.operand()?;
        self.after_operand(left)
    }

    fn after_operand(&mut self, left: Operand) -> R<Cond> {
        let op = match self.peek() {
            Tok::Punct("=") => Some(CmpOp::Eq),
            Tok::Punct("<>") => Some(CmpOp::Ne),
            Tok::Punct("<") => Some(CmpOp::Lt),
            Tok::Punct("<=") => Some(CmpOp::Le),
            Tok::Punct(">") => Some(CmpOp::Gt),
            Tok::Punct(">=") => Some(CmpOp::Ge),
            _ => None,
        };
        if let Some(op) = op {
            self.bump();
            let right = self.operand()?;
            return Ok(Cond::Cmp(op, left, right));
        }
        if self.is_kw("BETWEEN") {
            self.bump();
            let lo = self.operand()?;
            if !self.is_kw("AND") {
                return Err(self.syntax());
            }
            self.bump();
            let hi = self.operand()?;
            if let (Operand::Value(a), Operand::Value(b)) = (&lo, &hi) {
                check_between_bounds(a, b).map_err(|m| self.err(&m))?;
            }
            return Ok(Cond::Between(left, lo, hi));
        }
        if self.is_kw("IN") {
            self.bump();
            self.expect("(")?;
            let mut list = vec![self.operand()?];
            while self.is_punct(",") {
                self.bump();
                list.push(self.operand()?);
            }
            self.expect(")")?;
            if list.len() > 100 {
                return Err(self.err(&format!("The IN operator is provided with too many operands; number of operands: {}", list.len())));
            }
            return Ok(Cond::In(left, list));
        }
        if let Operand::Size(_) = left {
            if matches!(self.peek(), Tok::Eof) || self.is_kw("AND") || self.is_kw("OR") || self.is_punct(")") {
                return Err(self.err("The function is not allowed to be used this way in an expression; function: size"));
            }
        }
        Err(self.syntax())
    }

    fn operand(&mut self) -> R<Operand> {
        match self.peek().clone() {
            Tok::Value(v) => {
                self.bump();
                Ok(Operand::Value(self.value(&v)?))
            }
            Tok::Ident(f) if matches!(self.peek_at(1), Tok::Punct("(")) => {
                if f == "size" {
                    self.bump();
                    self.bump();
                    let p = self.path()?;
                    self.expect(")")?;
                    Ok(Operand::Size(p))
                } else if is_function(&f) {
                    Err(self.err(&format!("The function is not allowed to be used this way in an expression; function: {f}")))
                } else {
                    Err(self.err(&format!("Invalid function name; function: {f}")))
                }
            }
            Tok::Ident(_) | Tok::Name(_) => Ok(Operand::Path(self.path()?)),
            _ => Err(self.syntax()),
        }
    }

    fn function(&mut self, f: &str) -> R<Cond> {
        if !is_function(f) {
            return Err(self.err(&format!("Invalid function name; function: {f}")));
        }
        self.bump();
        self.bump();
        let mut args = vec![self.operand()?];
        while self.is_punct(",") {
            self.bump();
            args.push(self.operand()?);
        }
        self.expect(")")?;
        let arity = |n: usize, me: &Self| -> R<()> {
            if args.len() == n {
                Ok(())
            } else {
                Err(me.err(&format!("Incorrect number of operands for operator or function; operator or function: {f}, number of operands: {}", args.len())))
            }
        };
        let path_arg = |o: &Operand, me: &Self| -> R<Path> {
            match o {
                Operand::Path(p) => Ok(p.clone()),
                other => Err(me.err(&format!(
                    "Operator or function requires a document path; operator or function: {f}{}",
                    if let Operand::Value(_) = other { "" } else { "" }
                ))),
            }
        };
        match f {
            "attribute_exists" => {
                arity(1, self)?;
                Ok(Cond::Exists(path_arg(&args[0], self)?))
            }
            "attribute_not_exists" => {
                arity(1, self)?;
                Ok(Cond::NotExists(path_arg(&args[0], self)?))
            }
            "attribute_type" => {
                arity(2, self)?;
                let p = path_arg(&args[0], self)?;
                if let Operand::Value(v) = &args[1] {
                    match v {
                        AttributeValue::S(t) if ["S", "SS", "N", "NS", "B", "BS", "BOOL", "NULL", "L", "M"].contains(&t.as_str()) => {}
                        AttributeValue::S(t) => {
                            return Err(self.err(&format!("Invalid attribute type name found; type: {t}, valid types: {{ B,NULL,SS,BOOL,L,BS,N,NS,S,M }}")))
                        }
                        other => {
                            return Err(self.err(&format!(
                                "Incorrect operand type for operator or function; operator or function: attribute_type, operand type: {}",
                                type_word(other)
                            )))
                        }
                    }
                }
                Ok(Cond::Type(p, args[1].clone()))
            }
            "begins_with" => {
                arity(2, self)?;
                for a in &args {
                    if let Operand::Value(v) = a {
                        if !matches!(v, AttributeValue::S(_) | AttributeValue::B(_)) {
                            return Err(self.err(&format!(
                                "Incorrect operand type for operator or function; operator or function: begins_with, operand type: {}",
                                type_word(v)
                            )));
                        }
                    }
                }
                Ok(Cond::BeginsWith(args[0].clone(), args[1].clone()))
            }
            "contains" => {
                arity(2, self)?;
                Ok(Cond::Contains(args[0].clone(), args[1].clone()))
            }
            _ => Err(self.err(&format!("Invalid function name; function: {f}"))),
        }
    }
}

pub(super) fn is_function(f: &str) -> bool {
    ["attribute_exists", "attribute_not_exists", "attribute_type", "begins_with", "contains", "size"].contains(&f)
}

/// AWS's word for a value's type in operand-type errors.
pub fn type_word(v: &AttributeValue) -> &'static str {
    match v {
        AttributeValue::S(_) => "STRING",
        AttributeValue::N(_) => "NUMBER",
        AttributeValue::B(_) => "BINARY",
        AttributeValue::Bool(_) => "BOOLEAN",
        AttributeValue::Null => "NULL",
        AttributeValue::Ss(_) => "SS",
        AttributeValue::Ns(_) => "NS",
        AttributeValue::Bs(_) => "BS",
        AttributeValue::L(_) => "LIST",
        AttributeValue::M(_) => "MAP",
    }
}

fn check_between_bounds(lo: &AttributeValue, hi: &AttributeValue) -> Result<(), String> {
    if lo.type_name() != hi.type_name() {
        return Err(format!("The BETWEEN operator requires same data type for lower and upper bounds; lower bound operand: AttributeValue: {{{}}}, upper bound operand: AttributeValue: {{{}}}", short(lo), short(hi)));
    }
    if super::eval::compare(lo, hi) == Some(std::cmp::Ordering::Greater) {
        return Err(format!("The BETWEEN operator requires upper bound to be greater than or equal to lower bound; lower bound operand: AttributeValue: {{{}}}, upper bound operand: AttributeValue: {{{}}}", short(lo), short(hi)));
    }
    Ok(())
}

fn short(v: &AttributeValue) -> String {
    match v {
        AttributeValue::S(s) => format!("S:{s}"),
        AttributeValue::N(n) => format!("N:{n}"),
        other => format!("{}:…", other.type_name()),
    }
}
