//! PartiQL for DynamoDB: a parser for the statement subset DynamoDB supports (SELECT, INSERT,
//! UPDATE, DELETE with `?` parameters and Ion-style literals) and a translator into ordinary
//! DynamoDB expressions, so execution reuses Query/Scan/PutItem/UpdateItem/DeleteItem and their
//! validation. See <https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ql-reference.html>.
//! Leaves out: `RETURNING`, `EXISTS(...)` conditions in transactions, functions beyond
//! begins_with / contains / size / attribute_type / attribute_exists / attribute_not_exists.

mod literal;
mod parser;

pub use parser::{parse, Assign, PExpr, Statement, Target};

use crate::expr::PathElem;
use crate::model::{Names, Values};
use crate::value::AttributeValue;

/// Builds expression text with `#pN` / `:vN` placeholders from PartiQL expressions.
#[derive(Debug, Default)]
pub struct ExprBuilder {
    /// Placeholder → attribute name.
    pub names: Names,
    /// Placeholder → value.
    pub values: Values,
}

impl ExprBuilder {
    /// Placeholder for a name.
    pub fn name(&mut self, n: &str) -> String {
        if let Some((k, _)) = self.names.iter().find(|(_, v)| v.as_str() == n) {
            return k.clone();
        }
        let k = format!("#p{}", self.names.len());
        self.names.insert(k.clone(), n.to_string());
        k
    }

    /// Placeholder for a value.
    pub fn value(&mut self, v: &AttributeValue) -> String {
        let k = format!(":v{}", self.values.len());
        self.values.insert(k.clone(), v.clone());
        k
    }

    /// Expression text of a document path.
    pub fn path(&mut self, p: &[PathElem]) -> String {
        let mut s = String::new();
        for (i, e) in p.iter().enumerate() {
            match e {
                PathElem::Attr(a) => {
                    if i > 0 {
                        s.push('.');
                    }
                    let ph = self.name(a);
                    s.push_str(&ph);
                }
                PathElem::Index(ix) => s.push_str(&format!("[{ix}]")),
            }
        }
        s
    }

    /// Expression text of a condition / operand.
    pub fn expr(&mut self, e: &PExpr) -> String {
        match e {
            PExpr::Path(p) => self.path(p),
            PExpr::Lit(v) => self.value(v),
            PExpr::Call(f, args) => {
                let a: Vec<String> = args.iter().map(|x| self.expr(x)).collect();
                format!("{f}({})", a.join(", "))
            }
            PExpr::Bin(op, a, b) => {
                let (a, b) = (self.expr(a), self.expr(b));
                format!("({a} {op} {b})")
            }
            PExpr::Not(a) => format!("(NOT {})", self.expr(a)),
            PExpr::Between(a, lo, hi) => {
                let (a, lo, hi) = (self.expr(a), self.expr(lo), self.expr(hi));
                format!("({a} BETWEEN {lo} AND {hi})")
            }
            PExpr::In(a, list) => {
                let a = self.expr(a);
                let l: Vec<String> = list.iter().map(|x| self.expr(x)).collect();
                format!("({a} IN ({}))", l.join(", "))
            }
            PExpr::Missing(a, negated) => {
                let a = self.expr(a);
                if *negated {
                    format!("attribute_exists({a})")
                } else {
                    format!("attribute_not_exists({a})")
                }
            }
        }
    }
}

/// Top-level AND conjuncts of a WHERE clause.
pub fn conjuncts(e: &PExpr) -> Vec<&PExpr> {
    match e {
        PExpr::Bin(op, a, b) if op == "AND" => {
            let mut v = conjuncts(a);
            v.extend(conjuncts(b));
            v
        }
        other => vec![other],
    }
}

/// `attr = literal` (either side) on a top-level attribute.
pub fn equality(e: &PExpr) -> Option<(&str, &AttributeValue)> {
    if let PExpr::Bin(op, a, b) = e {
        if op == "=" {
            match (a.as_ref(), b.as_ref()) {
                (PExpr::Path(p), PExpr::Lit(v)) | (PExpr::Lit(v), PExpr::Path(p)) if p.len() == 1 => {
                    if let PathElem::Attr(n) = &p[0] {
                        return Some((n.as_str(), v));
                    }
                }
                _ => {}
            }
        }
    }
    None
}
