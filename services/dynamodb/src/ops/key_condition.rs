//! KeyConditionExpression / KeyConditions analysis: the partition key must be compared with
//! `=`, the sort key with one of `= < <= > >= BETWEEN begins_with`, one condition per key, AND
//! only — with AWS's messages. The result is an encoded key range for an SQLite range scan.
//! See <https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Query.KeyConditionExpressions.html>.

use crate::error::DynamoError;
use crate::expr::ast::{CmpOp, Cond, Operand};
use crate::expr::{eval, PathElem};
use crate::store::catalog::KeyAttr;
use crate::value::key;

/// Sort-key restriction of a Query.
#[derive(Debug, Clone)]
pub(super) enum SkCond {
    /// `sk <op> v`
    Cmp(CmpOp, Vec<u8>),
    /// `sk BETWEEN lo AND hi`
    Between(Vec<u8>, Vec<u8>),
    /// `begins_with(sk, p)`
    Prefix(Vec<u8>),
    /// Composite sort key: `[lo, hi)` (either bound optional).
    Range(Option<Vec<u8>>, Option<Vec<u8>>),
}

fn key_value(ka: &KeyAttr, o: &Operand) -> Result<Vec<u8>, DynamoError> {
    match o {
        Operand::Value(v) if v.type_name() == ka.ty => Ok(key::encode(v).unwrap_or_default()),
        Operand::Value(_) => Err(DynamoError::validation("One or more parameter values were invalid: Condition parameter type does not match schema type")),
        _ => Err(DynamoError::validation("Invalid KeyConditionExpression: Query key condition not supported")),
    }
}

fn flatten(c: &Cond, out: &mut Vec<Cond>) -> Result<(), DynamoError> {
    let op = |name: &str| DynamoError::validation(format!("Invalid operator used in KeyConditionExpression: {name}"));
    match c {
        Cond::And(a, b) => {
            flatten(a, out)?;
            flatten(b, out)
        }
        Cond::Or(..) => Err(op("OR")),
        Cond::Not(..) => Err(op("NOT")),
        Cond::In(..) => Err(op("IN")),
        Cond::Exists(..) => Err(op("attribute_exists")),
        Cond::NotExists(..) => Err(op("attribute_not_exists")),
        Cond::Type(..) => Err(op("attribute_type")),
        Cond::Contains(..) => Err(op("contains")),
        Cond::Cmp(CmpOp::Ne, ..) => Err(op("<>")),
        other => {
            out.push(other.clone());
            Ok(())
        }
    }
}

fn attr_of(o: &Operand) -> Result<Option<String>, DynamoError> {
    match o {
        Operand::Path(p) if p.len() == 1 => match &p[0] {
            PathElem::Attr(a) => Ok(Some(a.clone())),
            PathElem::Index(_) => Err(DynamoError::validation("KeyConditionExpressions cannot have conditions on nested attributes")),
        },
        Operand::Path(_) => Err(DynamoError::validation("KeyConditionExpressions cannot have conditions on nested attributes")),
        Operand::Size(_) => Err(DynamoError::validation("Invalid operator used in KeyConditionExpression: size")),
        Operand::Value(_) => Ok(None),
    }
}

fn flip(op: CmpOp) -> CmpOp {
    match op {
        CmpOp::Lt => CmpOp::Gt,
        CmpOp::Gt => CmpOp::Lt,
        CmpOp::Le => CmpOp::Ge,
        CmpOp::Ge => CmpOp::Le,
        o => o,
    }
}

/// Split a key condition into the partition key value and the sort-key restriction.
pub(super) fn analyze(c: &Cond, hash: &KeyAttr, range: Option<&KeyAttr>) -> Result<(Vec<u8>, Option<SkCond>), DynamoError> {
    let mut parts = Vec::new();
    flatten(c, &mut parts)?;
    let unsupported = || DynamoError::validation("Query key condition not supported");
    let mut pk = None;
    let mut sk = None;
    for p in parts {
        let (attr, cond) = match &p {
            Cond::Cmp(op, a, b) => match (attr_of(a)?, attr_of(b)?) {
                (Some(n), None) => (n, (Some(*op), vec![b.clone()])),
                (None, Some(n)) => (n, (Some(flip(*op)), vec![a.clone()])),
                _ => return Err(unsupported()),
            },
            Cond::Between(a, lo, hi) => (attr_of(a)?.ok_or_else(unsupported)?, (None, vec![lo.clone(), hi.clone()])),
            Cond::BeginsWith(a, pre) => (attr_of(a)?.ok_or_else(unsupported)?, (None, vec![pre.clone()])),
            _ => return Err(unsupported()),
        };
        if attr == hash.name {
            if pk.is_some() {
                return Err(DynamoError::validation("KeyConditionExpressions must only contain one condition per key"));
            }
            match cond {
                (Some(CmpOp::Eq), v) => pk = Some(key_value(hash, &v[0])?),
                _ => return Err(unsupported()),
            }
        } else if range.is_some_and(|r| r.name == attr) {
            let r = range.ok_or_else(unsupported)?;
            if sk.is_some() {
                return Err(DynamoError::validation("KeyConditionExpressions must only contain one condition per key"));
            }
            sk = Some(match (&p, cond) {
                (Cond::Between(..), (_, v)) => {
                    let (lo, hi) = (key_value(r, &v[0])?, key_value(r, &v[1])?);
                    if let (Operand::Value(a), Operand::Value(b)) = (&v[0], &v[1]) {
                        if eval::compare(a, b) == Some(std::cmp::Ordering::Greater) {
                            return Err(DynamoError::validation("Invalid KeyConditionExpression: The BETWEEN operator requires upper bound to be greater than or equal to lower bound"));
                        }
                    }
                    SkCond::Between(lo, hi)
                }
                (Cond::BeginsWith(..), (_, v)) => {
                    if r.ty == "N" {
                        return Err(DynamoError::validation("Invalid KeyConditionExpression: Incorrect operand type for operator or function; operator or function: begins_with, operand type: NUMBER"));
                    }
                    SkCond::Prefix(key_value(r, &v[0])?)
                }
                (_, (Some(op), v)) => SkCond::Cmp(op, key_value(r, &v[0])?),
                _ => return Err(unsupported()),
            });
        } else {
            return Err(unsupported());
        }
    }
    let pk = pk.ok_or_else(|| DynamoError::validation(format!("Query condition missed key schema element: {}", hash.name)))?;
    Ok((pk, sk))
}


/// One condition on one key attribute.
enum KeyCond {
    Cmp(CmpOp, Operand),
    Between(Operand, Operand),
    Begins(Operand),
}

fn classify(p: &Cond) -> Result<(String, KeyCond), DynamoError> {
    let unsupported = || DynamoError::validation("Query key condition not supported");
    Ok(match p {
        Cond::Cmp(op, a, b) => match (attr_of(a)?, attr_of(b)?) {
            (Some(n), None) => (n, KeyCond::Cmp(*op, b.clone())),
            (None, Some(n)) => (n, KeyCond::Cmp(flip(*op), a.clone())),
            _ => return Err(unsupported()),
        },
        Cond::Between(a, lo, hi) => (attr_of(a)?.ok_or_else(unsupported)?, KeyCond::Between(lo.clone(), hi.clone())),
        Cond::BeginsWith(a, pre) => (attr_of(a)?.ok_or_else(unsupported)?, KeyCond::Begins(pre.clone())),
        _ => return Err(unsupported()),
    })
}

fn concat(a: &[u8], b: &[u8]) -> Vec<u8> {
    let mut v = a.to_vec();
    v.extend_from_slice(b);
    v
}

/// Key condition on a multi-attribute (composite) GSI key: equality on every partition-key
/// attribute; sort-key attributes left to right, equalities first and at most one range
/// condition last.
pub(super) fn analyze_multi(c: &Cond, hashes: &[KeyAttr], ranges: &[KeyAttr]) -> Result<(Vec<u8>, Option<SkCond>), DynamoError> {
    let unsupported = || DynamoError::validation("Query key condition not supported");
    let mut parts = Vec::new();
    flatten(c, &mut parts)?;
    let mut conds: Vec<(String, KeyCond)> = Vec::new();
    for p in &parts {
        let (attr, kc) = classify(p)?;
        if conds.iter().any(|(a, _)| *a == attr) {
            return Err(DynamoError::validation("KeyConditionExpressions must only contain one condition per key"));
        }
        conds.push((attr, kc));
    }
    let mut take = |name: &str| conds.iter().position(|(a, _)| a == name).map(|i| conds.remove(i).1);
    let mut ipk = Vec::new();
    for h in hashes {
        match take(&h.name) {
            Some(KeyCond::Cmp(CmpOp::Eq, v)) => ipk.extend(key::component(&key_value(h, &v)?)),
            Some(_) => return Err(unsupported()),
            None => return Err(DynamoError::validation(format!("Query condition missed key schema element: {}", h.name))),
        }
    }
    let mut prefix = Vec::new();
    let mut bound: Option<SkCond> = None;
    let mut stopped = false;
    for r in ranges {
        let kc = take(&r.name);
        match kc {
            None => stopped = true,
            Some(_) if stopped => return Err(unsupported()),
            Some(KeyCond::Cmp(CmpOp::Eq, v)) => prefix.extend(key::component(&key_value(r, &v)?)),
            Some(other) => {
                let succ = |b: &[u8]| key::prefix_successor(b);
                let p = prefix.clone();
                let upper_all = if p.is_empty() { None } else { succ(&p) };
                bound = Some(match other {
                    KeyCond::Cmp(op, v) => {
                        let t = concat(&p, &key::component(&key_value(r, &v)?));
                        match op {
                            CmpOp::Lt => SkCond::Range(Some(p.clone()), Some(t)),
                            CmpOp::Le => SkCond::Range(Some(p.clone()), succ(&t)),
                            CmpOp::Gt => SkCond::Range(succ(&t), upper_all),
                            CmpOp::Ge => SkCond::Range(Some(t), upper_all),
                            _ => return Err(unsupported()),
                        }
                    }
                    KeyCond::Between(lo, hi) => {
                        if let (Operand::Value(a), Operand::Value(b)) = (&lo, &hi) {
                            if eval::compare(a, b) == Some(std::cmp::Ordering::Greater) {
                                return Err(DynamoError::validation("Invalid KeyConditionExpression: The BETWEEN operator requires upper bound to be greater than or equal to lower bound"));
                            }
                        }
                        let a = concat(&p, &key::component(&key_value(r, &lo)?));
                        let b = concat(&p, &key::component(&key_value(r, &hi)?));
                        SkCond::Range(Some(a), succ(&b))
                    }
                    KeyCond::Begins(v) => {
                        if r.ty == "N" {
                            return Err(DynamoError::validation("Invalid KeyConditionExpression: Incorrect operand type for operator or function; operator or function: begins_with, operand type: NUMBER"));
                        }
                        let pre = concat(&p, &key::escaped(&key_value(r, &v)?));
                        let hi = succ(&pre);
                        SkCond::Range(Some(pre), hi)
                    }
                });
                stopped = true;
            }
        }
    }
    if !conds.is_empty() {
        return Err(unsupported());
    }
    if bound.is_none() && !prefix.is_empty() {
        let hi = key::prefix_successor(&prefix);
        bound = Some(SkCond::Range(Some(prefix), hi));
    }
    Ok((ipk, bound))
}
