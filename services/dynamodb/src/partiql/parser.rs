//! Tokenizer and recursive-descent parser for DynamoDB's PartiQL statements. Parameters (`?`)
//! are substituted while parsing. Errors use DynamoDB's "Statement wasn't well formed" wording.

use crate::error::DynamoError;
use crate::expr::PathElem;
use crate::value::{AttributeValue, Item};

/// A parsed expression (conditions and values).
#[derive(Debug, Clone, PartialEq)]
pub enum PExpr {
    /// Document path.
    Path(Vec<PathElem>),
    /// Literal or parameter value.
    Lit(AttributeValue),
    /// Function call.
    Call(String, Vec<PExpr>),
    /// Binary operator (`=`, `<>`, `<`, …, `AND`, `OR`, `+`, `-`).
    Bin(String, Box<PExpr>, Box<PExpr>),
    /// `NOT`.
    Not(Box<PExpr>),
    /// `a BETWEEN b AND c`.
    Between(Box<PExpr>, Box<PExpr>, Box<PExpr>),
    /// `a IN [b, c]`.
    In(Box<PExpr>, Vec<PExpr>),
    /// `a IS MISSING` (false) / `a IS NOT MISSING` (true).
    Missing(Box<PExpr>, bool),
}

/// `"table"` or `"table"."index"`.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    /// Table.
    pub table: String,
    /// Index.
    pub index: Option<String>,
}

/// One SET / REMOVE of an UPDATE.
#[derive(Debug, Clone, PartialEq)]
pub enum Assign {
    /// `SET path = value`.
    Set(Vec<PathElem>, PExpr),
    /// `REMOVE path`.
    Remove(Vec<PathElem>),
}

/// A statement.
#[derive(Debug, Clone, PartialEq)]
pub enum Statement {
    /// SELECT.
    Select {
        /// Projection (`None` = `*`).
        projection: Option<Vec<Vec<PathElem>>>,
        /// Source.
        target: Target,
        /// WHERE.
        filter: Option<PExpr>,
    },
    /// INSERT INTO … VALUE {…}.
    Insert {
        /// Table.
        target: Target,
        /// The item.
        item: Item,
    },
    /// UPDATE … SET/REMOVE … WHERE ….
    Update {
        /// Table.
        target: Target,
        /// Assignments.
        assigns: Vec<Assign>,
        /// WHERE.
        filter: PExpr,
    },
    /// DELETE FROM … WHERE ….
    Delete {
        /// Table.
        target: Target,
        /// WHERE.
        filter: PExpr,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub(super) enum T {
    Ident(String),
    Quoted(String),
    Str(String),
    Num(String),
    Param,
    P(&'static str),
    Eof,
}

pub(super) fn bad(msg: &str) -> DynamoError {
    DynamoError::validation(format!("Statement wasn't well formed, can't be processed: {msg}"))
}

fn lex(src: &str) -> Result<Vec<T>, DynamoError> {
    let c: Vec<char> = src.chars().collect();
    let mut i = 0;
    let mut out = Vec::new();
    while i < c.len() {
        let ch = c[i];
        if ch.is_whitespace() {
            i += 1;
            continue;
        }
        if ch == '\'' || ch == '"' {
            let mut s = String::new();
            i += 1;
            loop {
                match c.get(i) {
                    None => return Err(bad("unterminated quoted text")),
                    Some(&q) if q == ch => {
                        if c.get(i + 1) == Some(&ch) {
                            s.push(ch);
                            i += 2;
                        } else {
                            i += 1;
                            break;
                        }
                    }
                    Some(&x) => {
                        s.push(x);
                        i += 1;
                    }
                }
            }
            out.push(if ch == '\'' { T::Str(s) } else { T::Quoted(s) });
            continue;
        }
        if ch.is_ascii_digit() || (ch == '.' && c.get(i + 1).is_some_and(char::is_ascii_digit) && !matches!(out.last(), Some(T::Ident(_) | T::Quoted(_) | T::P("]")))) {
            let st = i;
            while i < c.len() && (c[i].is_ascii_alphanumeric() || c[i] == '.' || ((c[i] == '-' || c[i] == '+') && matches!(c[i - 1], 'e' | 'E'))) {
                i += 1;
            }
            out.push(T::Num(c[st..i].iter().collect()));
            continue;
        }
        if ch.is_alphabetic() || ch == '_' {
            let st = i;
            while i < c.len() && (c[i].is_alphanumeric() || c[i] == '_') {
                i += 1;
            }
            out.push(T::Ident(c[st..i].iter().collect()));
            continue;
        }
        let two: String = c[i..(i + 2).min(c.len())].iter().collect();
        let p2 = ["<=", ">=", "<>", "!=", "<<", ">>"].into_iter().find(|p| *p == two);
        if let Some(p) = p2 {
            out.push(T::P(if p == "!=" { "<>" } else { p }));
            i += 2;
            continue;
        }
        let p1 = ["*", ",", ".", "[", "]", "(", ")", "{", "}", ":", "=", "<", ">", "+", "-"].into_iter().find(|p| p.starts_with(ch));
        match (ch, p1) {
            ('?', _) => out.push(T::Param),
            (_, Some(p)) => out.push(T::P(p)),
            _ => return Err(bad(&format!("Unexpected character: {ch}"))),
        }
        i += 1;
    }
    out.push(T::Eof);
    Ok(out)
}

pub(super) struct P<'a> {
    pub(super) t: Vec<T>,
    pub(super) i: usize,
    pub(super) depth: usize,
    pub(super) params: &'a [AttributeValue],
    pub(super) used: usize,
}

/// Parse a statement, substituting `params` for `?` in order.
pub fn parse(src: &str, params: &[AttributeValue]) -> Result<Statement, DynamoError> {
    if src.len() > 8192 {
        return Err(DynamoError::validation("1 validation error detected: Value at 'statement' failed to satisfy constraint: Member must have length less than or equal to 8192"));
    }
    let mut p = P { t: lex(src)?, i: 0, depth: 0, params, used: 0 };
    let st = p.statement()?;
    if p.peek() != &T::Eof {
        return Err(bad(&format!("Unexpected token: {:?}", p.peek())));
    }
    if p.used != params.len() {
        return Err(DynamoError::validation("Number of parameters in request and statement don't match."));
    }
    Ok(st)
}

impl P<'_> {
    pub(super) fn peek(&self) -> &T {
        &self.t[self.i.min(self.t.len() - 1)]
    }
    pub(super) fn next(&mut self) -> T {
        let t = self.peek().clone();
        self.i += 1;
        t
    }
    fn kw(&self, k: &str) -> bool {
        matches!(self.peek(), T::Ident(w) if w.eq_ignore_ascii_case(k))
    }
    fn eat_kw(&mut self, k: &str) -> Result<(), DynamoError> {
        if self.kw(k) {
            self.i += 1;
            Ok(())
        } else {
            Err(bad(&format!("Expected {k}")))
        }
    }
    pub(super) fn is(&self, p: &str) -> bool {
        matches!(self.peek(), T::P(q) if *q == p)
    }
    pub(super) fn eat(&mut self, p: &str) -> Result<(), DynamoError> {
        if self.is(p) {
            self.i += 1;
            Ok(())
        } else {
            Err(bad(&format!("Expected {p}")))
        }
    }

    fn statement(&mut self) -> Result<Statement, DynamoError> {
        if self.kw("SELECT") {
            self.i += 1;
            let projection = if self.is("*") {
                self.i += 1;
                None
            } else {
                let mut v = vec![self.path()?];
                while self.is(",") {
                    self.i += 1;
                    v.push(self.path()?);
                }
                Some(v)
            };
            self.eat_kw("FROM")?;
            let target = self.target()?;
            let filter = if self.kw("WHERE") {
                self.i += 1;
                Some(self.or()?)
            } else {
                None
            };
            return Ok(Statement::Select { projection, target, filter });
        }
        if self.kw("INSERT") {
            self.i += 1;
            self.eat_kw("INTO")?;
            let target = self.target()?;
            self.eat_kw("VALUE")?;
            return match self.value()? {
                AttributeValue::M(item) => Ok(Statement::Insert { target, item }),
                _ => Err(bad("INSERT VALUE must be a tuple")),
            };
        }
        if self.kw("UPDATE") {
            self.i += 1;
            let target = self.target()?;
            let mut assigns = Vec::new();
            loop {
                if self.kw("SET") {
                    self.i += 1;
                    loop {
                        let p = self.path()?;
                        self.eat("=")?;
                        let v = self.additive()?;
                        assigns.push(Assign::Set(p, v));
                        if self.is(",") {
                            self.i += 1;
                        } else {
                            break;
                        }
                    }
                } else if self.kw("REMOVE") {
                    self.i += 1;
                    loop {
                        assigns.push(Assign::Remove(self.path()?));
                        if self.is(",") {
                            self.i += 1;
                        } else {
                            break;
                        }
                    }
                } else {
                    break;
                }
            }
            if assigns.is_empty() {
                return Err(bad("Expected SET or REMOVE"));
            }
            self.eat_kw("WHERE")?;
            let filter = self.or()?;
            return Ok(Statement::Update { target, assigns, filter });
        }
        if self.kw("DELETE") {
            self.i += 1;
            self.eat_kw("FROM")?;
            let target = self.target()?;
            self.eat_kw("WHERE")?;
            let filter = self.or()?;
            return Ok(Statement::Delete { target, filter });
        }
        Err(bad("Expected SELECT, INSERT, UPDATE or DELETE"))
    }

    fn name(&mut self) -> Result<String, DynamoError> {
        match self.next() {
            T::Ident(s) | T::Quoted(s) => Ok(s),
            other => Err(bad(&format!("Unexpected token: {other:?}"))),
        }
    }

    fn target(&mut self) -> Result<Target, DynamoError> {
        let table = self.name()?;
        let index = if self.is(".") {
            self.i += 1;
            Some(self.name()?)
        } else {
            None
        };
        Ok(Target { table, index })
    }

    fn path(&mut self) -> Result<Vec<PathElem>, DynamoError> {
        let mut p = vec![PathElem::Attr(self.name()?)];
        loop {
            if self.is(".") {
                self.i += 1;
                p.push(PathElem::Attr(self.name()?));
            } else if self.is("[") {
                self.i += 1;
                match self.next() {
                    T::Num(n) => p.push(PathElem::Index(n.parse().map_err(|_| bad("Invalid list index"))?)),
                    T::Str(s) => p.push(PathElem::Attr(s)),
                    _ => return Err(bad("Invalid path")),
                }
                self.eat("]")?;
            } else {
                return Ok(p);
            }
        }
    }

    fn or(&mut self) -> Result<PExpr, DynamoError> {
        let mut l = self.and()?;
        while self.kw("OR") {
            self.i += 1;
            l = PExpr::Bin("OR".into(), Box::new(l), Box::new(self.and()?));
        }
        Ok(l)
    }

    fn and(&mut self) -> Result<PExpr, DynamoError> {
        let mut l = self.not()?;
        while self.kw("AND") {
            self.i += 1;
            l = PExpr::Bin("AND".into(), Box::new(l), Box::new(self.not()?));
        }
        Ok(l)
    }

    fn not(&mut self) -> Result<PExpr, DynamoError> {
        self.depth += 1;
        if self.depth > 100 {
            return Err(bad("Expression nesting is too deep"));
        }
        let r = if self.kw("NOT") {
            self.i += 1;
            self.not().map(|e| PExpr::Not(Box::new(e)))
        } else {
            self.predicate()
        };
        self.depth -= 1;
        r
    }

    fn predicate(&mut self) -> Result<PExpr, DynamoError> {
        if self.is("(") {
            self.i += 1;
            let e = self.or()?;
            self.eat(")")?;
            return Ok(e);
        }
        let l = self.additive()?;
        for op in ["=", "<>", "<=", ">=", "<", ">"] {
            if self.is(op) {
                self.i += 1;
                let r = self.additive()?;
                return Ok(PExpr::Bin(op.into(), Box::new(l), Box::new(r)));
            }
        }
        if self.kw("BETWEEN") {
            self.i += 1;
            let lo = self.additive()?;
            self.eat_kw("AND")?;
            let hi = self.additive()?;
            return Ok(PExpr::Between(Box::new(l), Box::new(lo), Box::new(hi)));
        }
        if self.kw("IN") {
            self.i += 1;
            let close = if self.is("[") { "]" } else { ")" };
            self.i += 1;
            let mut list = vec![self.additive()?];
            while self.is(",") {
                self.i += 1;
                list.push(self.additive()?);
            }
            self.eat(close)?;
            return Ok(PExpr::In(Box::new(l), list));
        }
        if self.kw("IS") {
            self.i += 1;
            let negated = self.kw("NOT");
            if negated {
                self.i += 1;
            }
            self.eat_kw("MISSING")?;
            return Ok(PExpr::Missing(Box::new(l), negated));
        }
        match l {
            PExpr::Call(..) => Ok(l),
            _ => Err(bad("Expected a condition")),
        }
    }

    fn additive(&mut self) -> Result<PExpr, DynamoError> {
        let mut l = self.operand()?;
        while self.is("+") || self.is("-") {
            let op = if self.is("+") { "+" } else { "-" };
            self.i += 1;
            l = PExpr::Bin(op.into(), Box::new(l), Box::new(self.operand()?));
        }
        Ok(l)
    }

    fn operand(&mut self) -> Result<PExpr, DynamoError> {
        self.depth += 1;
        if self.depth > 100 {
            return Err(bad("Expression nesting is too deep"));
        }
        let r = self.operand_inner();
        self.depth -= 1;
        r
    }

    fn operand_inner(&mut self) -> Result<PExpr, DynamoError> {
        if let (T::Ident(f), T::P("(")) = (self.peek().clone(), self.t.get(self.i + 1).cloned().unwrap_or(T::Eof)) {
            if !["TRUE", "FALSE", "NULL"].contains(&f.to_ascii_uppercase().as_str()) {
                self.i += 2;
                let mut args = vec![self.additive()?];
                while self.is(",") {
                    self.i += 1;
                    args.push(self.additive()?);
                }
                self.eat(")")?;
                return Ok(PExpr::Call(f.to_ascii_lowercase(), args));
            }
        }
        match self.peek() {
            T::Ident(w) if ["TRUE", "FALSE", "NULL"].contains(&w.to_ascii_uppercase().as_str()) => Ok(PExpr::Lit(self.value()?)),
            T::Ident(_) | T::Quoted(_) => Ok(PExpr::Path(self.path()?)),
            _ => Ok(PExpr::Lit(self.value()?)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements() {
        let s = parse(r#"SELECT a, "b".c[1] FROM "Music"."idx" WHERE Artist = ? AND year BETWEEN 1990 AND 2000 OR title IS NOT MISSING"#, &[AttributeValue::s("x")]).unwrap();
        assert!(matches!(s, Statement::Select { projection: Some(ref p), ref target, filter: Some(_) } if p.len() == 2 && target.index.as_deref() == Some("idx")));
        let s = parse("INSERT INTO Music VALUE {'Artist': 'A', 'n': 1.50, 'tags': <<'x', 'y'>>, 'l': [1, true, null], 'm': {'k': -2}}", &[]).unwrap();
        match s {
            Statement::Insert { item, .. } => {
                assert_eq!(item["n"], AttributeValue::n("1.5").unwrap());
                assert_eq!(item["tags"], AttributeValue::Ss(vec!["x".into(), "y".into()]));
            }
            other => panic!("{other:?}"),
        }
        assert!(parse("UPDATE Music SET a = a + 1, b = 'x' REMOVE c WHERE Artist = 'A'", &[]).is_ok());
        assert!(parse("DELETE FROM Music WHERE Artist = ?", &[AttributeValue::s("A")]).is_ok());
        assert!(parse("DELETE FROM Music WHERE Artist = ?", &[]).is_err());
        assert!(parse("SELEKT * FROM x", &[]).is_err());
        let deep = format!("SELECT * FROM t WHERE {}a = 1{}", "(".repeat(4000), ")".repeat(4000));
        assert!(parse(&deep, &[]).is_err());
        let deep = format!("SELECT * FROM t WHERE {}a){}", "size(".repeat(1500), ")".repeat(1500));
        assert!(parse(&deep, &[]).is_err());
        let deep = format!("INSERT INTO t VALUE {}", "[".repeat(5000));
        assert!(parse(&deep, &[]).is_err());
    }
}
