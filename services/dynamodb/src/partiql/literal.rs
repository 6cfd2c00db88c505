//! PartiQL literals and parameters: strings, numbers, booleans, NULL, `{…}` tuples, `[…]` lists
//! and `<<…>>` sets (bounded nesting), becoming DynamoDB attribute values.

use super::parser::{bad, P, T};
use crate::error::DynamoError;
use crate::value::{normalize_set, AttributeValue, Item, Number};

impl P<'_> {
    pub(super) fn value(&mut self) -> Result<AttributeValue, DynamoError> {
        self.depth += 1;
        if self.depth > 100 {
            return Err(bad("Value nesting is too deep"));
        }
        let r = self.value_inner();
        self.depth -= 1;
        r
    }

    fn value_inner(&mut self) -> Result<AttributeValue, DynamoError> {
        match self.next() {
            T::Param => {
                let v = self.params.get(self.used).cloned().ok_or_else(|| DynamoError::validation("Number of parameters in request and statement don't match."))?;
                self.used += 1;
                Ok(v)
            }
            T::Str(s) => Ok(AttributeValue::S(s)),
            T::Num(n) => Number::parse(&n).map(AttributeValue::N).map_err(|e| DynamoError::validation(e.message(&n))),
            T::P("-") => match self.next() {
                T::Num(n) => Number::parse(&format!("-{n}")).map(AttributeValue::N).map_err(|e| DynamoError::validation(e.message(&n))),
                _ => Err(bad("Expected a number")),
            },
            T::Ident(w) if w.eq_ignore_ascii_case("TRUE") => Ok(AttributeValue::Bool(true)),
            T::Ident(w) if w.eq_ignore_ascii_case("FALSE") => Ok(AttributeValue::Bool(false)),
            T::Ident(w) if w.eq_ignore_ascii_case("NULL") => Ok(AttributeValue::Null),
            T::P("{") => {
                let mut m = Item::new();
                if !self.is("}") {
                    loop {
                        let k = match self.next() {
                            T::Str(s) | T::Quoted(s) => s,
                            _ => return Err(bad("Expected a string key")),
                        };
                        self.eat(":")?;
                        m.insert(k, self.value()?);
                        if self.is(",") {
                            self.i += 1;
                        } else {
                            break;
                        }
                    }
                }
                self.eat("}")?;
                Ok(AttributeValue::M(m))
            }
            T::P("[") => {
                let mut l = Vec::new();
                if !self.is("]") {
                    loop {
                        l.push(self.value()?);
                        if self.is(",") {
                            self.i += 1;
                        } else {
                            break;
                        }
                    }
                }
                self.eat("]")?;
                Ok(AttributeValue::L(l))
            }
            T::P("<<") => {
                let mut l = Vec::new();
                loop {
                    l.push(self.value()?);
                    if self.is(",") {
                        self.i += 1;
                    } else {
                        break;
                    }
                }
                self.eat(">>")?;
                set_of(l)
            }
            other => Err(bad(&format!("Unexpected token: {other:?}"))),
        }
    }
}

fn set_of(l: Vec<AttributeValue>) -> Result<AttributeValue, DynamoError> {
    let dup = || DynamoError::validation("One or more parameter values were invalid: Input collection contains duplicates");
    match l.first() {
        Some(AttributeValue::S(_)) => {
            let mut v: Vec<String> = l.into_iter().filter_map(|x| if let AttributeValue::S(s) = x { Some(s) } else { None }).collect();
            if normalize_set(&mut v) {
                return Err(dup());
            }
            Ok(AttributeValue::Ss(v))
        }
        Some(AttributeValue::N(_)) => {
            let mut v: Vec<Number> = l.into_iter().filter_map(|x| if let AttributeValue::N(s) = x { Some(s) } else { None }).collect();
            if normalize_set(&mut v) {
                return Err(dup());
            }
            Ok(AttributeValue::Ns(v))
        }
        Some(AttributeValue::B(_)) => {
            let mut v: Vec<Vec<u8>> = l.into_iter().filter_map(|x| if let AttributeValue::B(s) = x { Some(s) } else { None }).collect();
            if normalize_set(&mut v) {
                return Err(dup());
            }
            Ok(AttributeValue::Bs(v))
        }
        _ => Err(bad("Sets hold strings, numbers or binaries")),
    }
}

