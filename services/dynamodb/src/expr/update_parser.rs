//! Parsing of update expressions (SET / REMOVE / ADD / DELETE with `if_not_exists`,
//! `list_append`, `+`/`-`; each clause at most once) and projection expressions, on top of the
//! shared [`Parser`]. See <https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.UpdateExpressions.html>.

use super::ast::{Path, SetOperand, SetValue, Update};
use super::lexer::Tok;
use super::parser::{is_function, type_word, Parser};
use crate::error::DynamoError;
use crate::value::AttributeValue;

type R<T> = Result<T, DynamoError>;

impl Parser<'_, '_> {
    // ---------- projection ----------

    pub(in crate::expr) fn parse_projection(mut self) -> R<Vec<Path>> {
        let mut v = vec![self.path()?];
        while self.is_punct(",") {
            self.bump();
            v.push(self.path()?);
        }
        self.expect_eof()?;
        super::check_overlaps(self.kind, &v.iter().collect::<Vec<_>>())?;
        Ok(v)
    }

    // ---------- update ----------

    pub(in crate::expr) fn parse_update(mut self) -> R<Update> {
        let mut u = Update::default();
        let mut seen: Vec<String> = Vec::new();
        if matches!(self.peek(), Tok::Eof) {
            return Err(self.syntax());
        }
        while !matches!(self.peek(), Tok::Eof) {
            let kw = match self.peek() {
                Tok::Ident(w) => w.to_ascii_uppercase(),
                _ => return Err(self.syntax()),
            };
            if !["SET", "REMOVE", "ADD", "DELETE"].contains(&kw.as_str()) {
                return Err(self.syntax());
            }
            if seen.contains(&kw) {
                return Err(self.err(&format!("The \"{kw}\" section can only be used once in an update expression;")));
            }
            seen.push(kw.clone());
            self.bump();
            loop {
                match kw.as_str() {
                    "SET" => {
                        let p = self.path()?;
                        self.expect("=")?;
                        let v = self.set_value()?;
                        u.set.push((p, v));
                    }
                    "REMOVE" => u.remove.push(self.path()?),
                    _ => {
                        let p = self.path()?;
                        let v = match self.peek().clone() {
                            Tok::Value(v) => {
                                self.bump();
                                self.value(&v)?
                            }
                            _ => return Err(self.syntax()),
                        };
                        let ok = if kw == "ADD" {
                            matches!(v, AttributeValue::N(_) | AttributeValue::Ss(_) | AttributeValue::Ns(_) | AttributeValue::Bs(_))
                        } else {
                            matches!(v, AttributeValue::Ss(_) | AttributeValue::Ns(_) | AttributeValue::Bs(_))
                        };
                        if !ok {
                            return Err(self.err(&format!("Incorrect operand type for operator or function; operator: {kw}, operand type: {}", type_word(&v))));
                        }
                        if kw == "ADD" {
                            u.add.push((p, v));
                        } else {
                            u.delete.push((p, v));
                        }
                    }
                }
                if self.is_punct(",") {
                    self.bump();
                } else {
                    break;
                }
            }
        }
        super::check_overlaps(self.kind, &u.paths())?;
        Ok(u)
    }

    fn set_value(&mut self) -> R<SetValue> {
        let a = self.set_operand()?;
        if self.is_punct("+") || self.is_punct("-") {
            let plus = self.is_punct("+");
            self.bump();
            let b = self.set_operand()?;
            for o in [&a, &b] {
                if let SetOperand::Value(v) = o {
                    if !matches!(v, AttributeValue::N(_)) {
                        return Err(self.err(&format!(
                            "Incorrect operand type for operator or function; operator: {}, operand type: {}",
                            if plus { "+" } else { "-" },
                            type_word(v)
                        )));
                    }
                }
            }
            return Ok(if plus { SetValue::Plus(a, b) } else { SetValue::Minus(a, b) });
        }
        Ok(SetValue::Operand(a))
    }

    fn set_operand(&mut self) -> R<SetOperand> {
        match self.peek().clone() {
            Tok::Value(v) => {
                self.bump();
                Ok(SetOperand::Value(self.value(&v)?))
            }
            Tok::Ident(f) if matches!(self.peek_at(1), Tok::Punct("(")) => {
                self.bump();
                self.bump();
                match f.as_str() {
                    "if_not_exists" => {
                        let p = self.path()?;
                        self.expect(",")?;
                        let v = self.set_operand()?;
                        self.expect(")")?;
                        Ok(SetOperand::IfNotExists(p, Box::new(v)))
                    }
                    "list_append" => {
                        let a = self.set_operand()?;
                        self.expect(",")?;
                        let b = self.set_operand()?;
                        self.expect(")")?;
                        for o in [&a, &b] {
                            if let SetOperand::Value(v) = o {
                                if !matches!(v, AttributeValue::L(_)) {
                                    return Err(self.err(&format!(
                                        "Incorrect operand type for operator or function; operator or function: list_append, operand type: {}",
                                        type_word(v)
                                    )));
                                }
                            }
                        }
                        Ok(SetOperand::ListAppend(Box::new(a), Box::new(b)))
                    }
                    other if is_function(other) => Err(self.err(&format!("The function is not allowed in an update expression; function: {other}"))),
                    other => Err(self.err(&format!("Invalid function name; function: {other}"))),
                }
            }
            Tok::Ident(_) | Tok::Name(_) => Ok(SetOperand::Path(self.path()?)),
            _ => Err(self.syntax()),
        }
    }
}
