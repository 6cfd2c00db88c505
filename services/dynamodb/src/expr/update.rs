//! Applying a parsed update expression (SET / REMOVE / ADD / DELETE, `if_not_exists`,
//! `list_append`, `+` / `-`) to an item. All operands are read from the item as it was before
//! the update, as DynamoDB does.
//! See <https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.UpdateExpressions.html>.

use super::ast::{Path, PathElem, SetOperand, SetValue, Update};
use super::eval::resolve;
use crate::error::DynamoError;
use crate::value::{normalize_set, AttributeValue, Item};

fn incorrect_type() -> DynamoError {
    DynamoError::validation("An operand in the update expression has an incorrect data type")
}

fn invalid_path() -> DynamoError {
    DynamoError::validation("The document path provided in the update expression is invalid for update")
}

fn operand(old: &Item, o: &SetOperand) -> Result<AttributeValue, DynamoError> {
    match o {
        SetOperand::Value(v) => Ok(v.clone()),
        SetOperand::Path(p) => resolve(old, p)
            .cloned()
            .ok_or_else(|| DynamoError::validation("The provided expression refers to an attribute that does not exist in the item")),
        SetOperand::IfNotExists(p, dflt) => match resolve(old, p) {
            Some(v) => Ok(v.clone()),
            None => operand(old, dflt),
        },
        SetOperand::ListAppend(a, b) => match (operand(old, a)?, operand(old, b)?) {
            (AttributeValue::L(mut x), AttributeValue::L(y)) => {
                x.extend(y);
                Ok(AttributeValue::L(x))
            }
            _ => Err(incorrect_type()),
        },
    }
}

fn set_value(old: &Item, v: &SetValue) -> Result<AttributeValue, DynamoError> {
    let arith = |a: &SetOperand, b: &SetOperand, plus: bool| -> Result<AttributeValue, DynamoError> {
        match (operand(old, a)?, operand(old, b)?) {
            (AttributeValue::N(x), AttributeValue::N(y)) => {
                let r = if plus { x.add(&y) } else { x.sub(&y) };
                r.map(AttributeValue::N).map_err(|e| DynamoError::validation(e.message("")))
            }
            _ => Err(incorrect_type()),
        }
    };
    match v {
        SetValue::Operand(o) => operand(old, o),
        SetValue::Plus(a, b) => arith(a, b, true),
        SetValue::Minus(a, b) => arith(a, b, false),
    }
}

/// The container that holds the last element of `path` (None when an intermediate is missing
/// or of the wrong type).
fn parent_mut<'a>(item: &'a mut Item, path: &Path) -> Option<&'a mut AttributeValue> {
    let (first, rest) = path.split_first()?;
    let PathElem::Attr(a) = first else { return None };
    let mut cur = item.get_mut(a)?;
    let len = rest.len();
    for e in rest.iter().take(len.saturating_sub(1)) {
        cur = match (e, cur) {
            (PathElem::Attr(a), AttributeValue::M(m)) => m.get_mut(a)?,
            (PathElem::Index(i), AttributeValue::L(l)) => l.get_mut(*i)?,
            _ => return None,
        };
    }
    Some(cur)
}

fn put(item: &mut Item, path: &Path, v: AttributeValue) -> Result<(), DynamoError> {
    if path.len() == 1 {
        if let PathElem::Attr(a) = &path[0] {
            item.insert(a.clone(), v);
            return Ok(());
        }
        return Err(invalid_path());
    }
    let parent = parent_mut(item, path).ok_or_else(invalid_path)?;
    match (path.last(), parent) {
        (Some(PathElem::Attr(a)), AttributeValue::M(m)) => {
            m.insert(a.clone(), v);
            Ok(())
        }
        (Some(PathElem::Index(i)), AttributeValue::L(l)) => {
            if *i < l.len() {
                l[*i] = v;
            } else {
                l.push(v);
            }
            Ok(())
        }
        _ => Err(invalid_path()),
    }
}

fn remove(item: &mut Item, path: &Path) {
    if path.len() == 1 {
        if let PathElem::Attr(a) = &path[0] {
            item.remove(a);
        }
        return;
    }
    match (path.last(), parent_mut(item, path)) {
        (Some(PathElem::Attr(a)), Some(AttributeValue::M(m))) => {
            m.remove(a);
        }
        (Some(PathElem::Index(i)), Some(AttributeValue::L(l))) if *i < l.len() => {
            l.remove(*i);
        }
        _ => {}
    }
}

fn add_to(existing: Option<&AttributeValue>, v: &AttributeValue) -> Result<AttributeValue, DynamoError> {
    Ok(match (existing, v) {
        (None, v) => v.clone(),
        (Some(AttributeValue::N(a)), AttributeValue::N(b)) => AttributeValue::N(a.add(b).map_err(|e| DynamoError::validation(e.message("")))?),
        (Some(AttributeValue::Ss(a)), AttributeValue::Ss(b)) => {
            let mut s = a.clone();
            s.extend(b.iter().cloned());
            normalize_set(&mut s);
            AttributeValue::Ss(s)
        }
        (Some(AttributeValue::Ns(a)), AttributeValue::Ns(b)) => {
            let mut s = a.clone();
            s.extend(b.iter().cloned());
            normalize_set(&mut s);
            AttributeValue::Ns(s)
        }
        (Some(AttributeValue::Bs(a)), AttributeValue::Bs(b)) => {
            let mut s = a.clone();
            s.extend(b.iter().cloned());
            normalize_set(&mut s);
            AttributeValue::Bs(s)
        }
        _ => return Err(incorrect_type()),
    })
}

fn delete_from(existing: Option<&AttributeValue>, v: &AttributeValue) -> Result<Option<AttributeValue>, DynamoError> {
    Ok(match (existing, v) {
        (None, _) => None,
        (Some(AttributeValue::Ss(a)), AttributeValue::Ss(b)) => {
            let s: Vec<String> = a.iter().filter(|x| !b.contains(x)).cloned().collect();
            (!s.is_empty()).then_some(AttributeValue::Ss(s))
        }
        (Some(AttributeValue::Ns(a)), AttributeValue::Ns(b)) => {
            let s: Vec<_> = a.iter().filter(|x| !b.contains(x)).cloned().collect();
            (!s.is_empty()).then_some(AttributeValue::Ns(s))
        }
        (Some(AttributeValue::Bs(a)), AttributeValue::Bs(b)) => {
            let s: Vec<_> = a.iter().filter(|x| !b.contains(x)).cloned().collect();
            (!s.is_empty()).then_some(AttributeValue::Bs(s))
        }
        _ => return Err(incorrect_type()),
    })
}

/// Apply `u` to `old` (the empty item when absent), returning the new item.
pub fn apply(u: &Update, old: &Item) -> Result<Item, DynamoError> {
    let mut new = old.clone();
    let mut sets = Vec::with_capacity(u.set.len());
    for (p, v) in &u.set {
        sets.push((p, set_value(old, v)?));
    }
    for (p, v) in sets {
        put(&mut new, p, v)?;
    }
    for (p, v) in &u.add {
        let merged = add_to(resolve(old, p), v)?;
        put(&mut new, p, merged)?;
    }
    for (p, v) in &u.delete {
        match delete_from(resolve(old, p), v)? {
            Some(nv) => put(&mut new, p, nv)?,
            None => remove(&mut new, p),
        }
    }
    // Remove higher list indexes first so earlier removals do not shift later ones.
    let mut removes: Vec<&Path> = u.remove.iter().collect();
    removes.sort_by(|a, b| b.cmp(a));
    for p in removes {
        remove(&mut new, p);
    }
    Ok(new)
}
