//! DynamoDB expressions: lexer, parser, validation and evaluation of condition, filter,
//! key-condition, projection and update expressions.
//! See <https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.html>.
//! [`ExprCtx`] holds one request's `ExpressionAttributeNames` / `ExpressionAttributeValues`,
//! tracks which placeholders were used, and reports unused ones at the end ([`ExprCtx::finish`]).

pub mod ast;
pub mod eval;
mod lexer;
mod parser;
mod reserved;
mod update_parser;
pub mod update;

pub use ast::{Cond, Path, PathElem, Update};
pub use reserved::is_reserved;

use crate::error::DynamoError;
use crate::model::{Names, Values};
use crate::value::AttributeValue;
use ast::path_display;
use std::collections::BTreeSet;

/// Which request parameter an expression came from (names the error prefix).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExprKind {
    /// `ConditionExpression`.
    Condition,
    /// `FilterExpression`.
    Filter,
    /// `KeyConditionExpression`.
    KeyCondition,
    /// `ProjectionExpression`.
    Projection,
    /// `UpdateExpression`.
    Update,
}

impl ExprKind {
    /// The parameter name.
    pub fn name(self) -> &'static str {
        match self {
            ExprKind::Condition => "ConditionExpression",
            ExprKind::Filter => "FilterExpression",
            ExprKind::KeyCondition => "KeyConditionExpression",
            ExprKind::Projection => "ProjectionExpression",
            ExprKind::Update => "UpdateExpression",
        }
    }
}

/// Placeholder maps of one request plus usage tracking.
#[derive(Debug, Default)]
pub struct ExprCtx {
    names: Option<Names>,
    values: Option<Values>,
    used_names: BTreeSet<String>,
    used_values: BTreeSet<String>,
}

impl ExprCtx {
    /// Validate the maps (non-empty, well-formed keys) and build the context. `any_expression`
    /// says whether the request carries at least one expression.
    pub fn new(names: Option<&Names>, values: Option<&Values>, any_expression: bool) -> Result<Self, DynamoError> {
        if let Some(n) = names {
            if !any_expression {
                return Err(DynamoError::validation("ExpressionAttributeNames can only be specified when using expressions"));
            }
            if n.is_empty() {
                return Err(DynamoError::validation("ExpressionAttributeNames must not be empty"));
            }
            for k in n.keys() {
                if !valid_placeholder(k, '#') {
                    return Err(DynamoError::validation(format!("ExpressionAttributeNames contains invalid key: Syntax error; key: \"{k}\"")));
                }
            }
        }
        if let Some(v) = values {
            if !any_expression {
                return Err(DynamoError::validation("ExpressionAttributeValues can only be specified when using expressions"));
            }
            if v.is_empty() {
                return Err(DynamoError::validation("ExpressionAttributeValues must not be empty"));
            }
            for k in v.keys() {
                if !valid_placeholder(k, ':') {
                    return Err(DynamoError::validation(format!("ExpressionAttributeValues contains invalid key: Syntax error; key: \"{k}\"")));
                }
            }
        }
        Ok(Self { names: names.cloned(), values: values.cloned(), used_names: BTreeSet::new(), used_values: BTreeSet::new() })
    }

    fn resolve_name(&mut self, n: &str) -> Option<String> {
        let r = self.names.as_ref()?.get(n).cloned();
        if r.is_some() {
            self.used_names.insert(n.to_string());
        }
        r
    }

    fn resolve_value(&mut self, v: &str) -> Option<AttributeValue> {
        let r = self.values.as_ref()?.get(v).cloned();
        if r.is_some() {
            self.used_values.insert(v.to_string());
        }
        r
    }

    /// Parse a condition / filter / key-condition expression.
    pub fn condition(&mut self, kind: ExprKind, src: &str) -> Result<Cond, DynamoError> {
        parser::Parser::new(src, kind, self)?.parse_condition()
    }

    /// Parse a projection expression.
    pub fn projection(&mut self, src: &str) -> Result<Vec<Path>, DynamoError> {
        parser::Parser::new(src, ExprKind::Projection, self)?.parse_projection()
    }

    /// Parse an update expression.
    pub fn update(&mut self, src: &str) -> Result<Update, DynamoError> {
        parser::Parser::new(src, ExprKind::Update, self)?.parse_update()
    }

    /// Report placeholders that were supplied but never used.
    pub fn finish(self) -> Result<(), DynamoError> {
        if let Some(n) = &self.names {
            let unused: Vec<&String> = n.keys().filter(|k| !self.used_names.contains(*k)).collect();
            if !unused.is_empty() {
                return Err(DynamoError::validation(format!(
                    "Value provided in ExpressionAttributeNames unused in expressions: keys: {{{}}}",
                    unused.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
                )));
            }
        }
        if let Some(v) = &self.values {
            let unused: Vec<&String> = v.keys().filter(|k| !self.used_values.contains(*k)).collect();
            if !unused.is_empty() {
                return Err(DynamoError::validation(format!(
                    "Value provided in ExpressionAttributeValues unused in expressions: keys: {{{}}}",
                    unused.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
                )));
            }
        }
        Ok(())
    }
}

fn valid_placeholder(k: &str, sigil: char) -> bool {
    let mut cs = k.chars();
    cs.next() == Some(sigil) && k.len() > 1 && cs.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// AWS's overlap / conflict check over the document paths of one expression.
pub(crate) fn check_overlaps(kind: ExprKind, paths: &[&Path]) -> Result<(), DynamoError> {
    for (i, a) in paths.iter().enumerate() {
        for b in &paths[i + 1..] {
            let n = a.len().min(b.len());
            let mut diverge = None;
            for k in 0..n {
                if a[k] != b[k] {
                    diverge = Some(k);
                    break;
                }
            }
            match diverge {
                None => {
                    return Err(DynamoError::validation(format!(
                        "Invalid {}: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: {}, path two: {}",
                        kind.name(),
                        path_display(a),
                        path_display(b)
                    )))
                }
                Some(k) => {
                    let kinds_differ = matches!((&a[k], &b[k]), (PathElem::Attr(_), PathElem::Index(_)) | (PathElem::Index(_), PathElem::Attr(_)));
                    if kinds_differ {
                        return Err(DynamoError::validation(format!(
                            "Invalid {}: Two document paths conflict with each other; must remove or rewrite one of these paths; path one: {}, path two: {}",
                            kind.name(),
                            path_display(a),
                            path_display(b)
                        )));
                    }
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
