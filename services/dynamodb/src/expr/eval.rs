//! Evaluation of parsed condition / filter expressions against an item, document-path lookup,
//! and projection. Comparisons across types are false (no error), as in DynamoDB; `<`-family
//! comparisons apply to N, S and B only.
//! See <https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.OperatorsAndFunctions.html>.

use super::ast::{CmpOp, Cond, Operand, Path, PathElem};
use crate::value::{AttributeValue, Item, Number};
use std::cmp::Ordering;
use std::collections::BTreeMap;

/// Look a document path up in an item.
pub fn resolve<'a>(item: &'a Item, path: &Path) -> Option<&'a AttributeValue> {
    let mut cur: Option<&AttributeValue> = None;
    for (i, e) in path.iter().enumerate() {
        cur = match (i, e, cur) {
            (0, PathElem::Attr(a), _) => item.get(a),
            (_, PathElem::Attr(a), Some(AttributeValue::M(m))) => m.get(a),
            (_, PathElem::Index(ix), Some(AttributeValue::L(l))) => l.get(*ix),
            _ => None,
        };
        cur?;
    }
    cur
}

/// Order of two scalar values of the same type (N, S, B); `None` otherwise.
pub fn compare(a: &AttributeValue, b: &AttributeValue) -> Option<Ordering> {
    match (a, b) {
        (AttributeValue::N(x), AttributeValue::N(y)) => Some(x.cmp(y)),
        (AttributeValue::S(x), AttributeValue::S(y)) => Some(x.as_bytes().cmp(y.as_bytes())),
        (AttributeValue::B(x), AttributeValue::B(y)) => Some(x.cmp(y)),
        _ => None,
    }
}

fn size_of(v: &AttributeValue) -> Option<usize> {
    Some(match v {
        AttributeValue::S(s) => s.chars().count(),
        AttributeValue::B(b) => b.len(),
        AttributeValue::Ss(x) => x.len(),
        AttributeValue::Ns(x) => x.len(),
        AttributeValue::Bs(x) => x.len(),
        AttributeValue::L(x) => x.len(),
        AttributeValue::M(x) => x.len(),
        _ => return None,
    })
}

fn operand<'a>(item: &'a Item, o: &'a Operand) -> Option<std::borrow::Cow<'a, AttributeValue>> {
    match o {
        Operand::Path(p) => resolve(item, p).map(std::borrow::Cow::Borrowed),
        Operand::Value(v) => Some(std::borrow::Cow::Borrowed(v)),
        Operand::Size(p) => {
            let n = size_of(resolve(item, p)?)?;
            Number::parse(&n.to_string()).ok().map(|n| std::borrow::Cow::Owned(AttributeValue::N(n)))
        }
    }
}

/// Evaluate a condition against an item (an absent item is the empty item).
pub fn eval(c: &Cond, item: &Item) -> bool {
    match c {
        Cond::And(a, b) => eval(a, item) && eval(b, item),
        Cond::Or(a, b) => eval(a, item) || eval(b, item),
        Cond::Not(a) => !eval(a, item),
        Cond::Exists(p) => resolve(item, p).is_some(),
        Cond::NotExists(p) => resolve(item, p).is_none(),
        Cond::Type(p, t) => match (resolve(item, p), operand(item, t)) {
            (Some(v), Some(t)) => t.as_s() == Some(v.type_name()),
            _ => false,
        },
        Cond::Cmp(op, a, b) => {
            let (Some(x), Some(y)) = (operand(item, a), operand(item, b)) else {
                // AWS quirk: a missing attribute is "not equal" to anything.
                return *op == CmpOp::Ne;
            };
            match op {
                CmpOp::Eq => *x == *y,
                CmpOp::Ne => *x != *y,
                CmpOp::Lt => compare(&x, &y) == Some(Ordering::Less),
                CmpOp::Le => matches!(compare(&x, &y), Some(Ordering::Less | Ordering::Equal)),
                CmpOp::Gt => compare(&x, &y) == Some(Ordering::Greater),
                CmpOp::Ge => matches!(compare(&x, &y), Some(Ordering::Greater | Ordering::Equal)),
            }
        }
        Cond::Between(a, lo, hi) => {
            let (Some(x), Some(l), Some(h)) = (operand(item, a), operand(item, lo), operand(item, hi)) else {
                return false;
            };
            matches!(compare(&x, &l), Some(Ordering::Greater | Ordering::Equal)) && matches!(compare(&x, &h), Some(Ordering::Less | Ordering::Equal))
        }
        Cond::In(a, list) => {
            let Some(x) = operand(item, a) else {
                return false;
            };
            list.iter().any(|o| operand(item, o).is_some_and(|y| *y == *x))
        }
        Cond::BeginsWith(a, b) => match (operand(item, a).as_deref(), operand(item, b).as_deref()) {
            (Some(AttributeValue::S(x)), Some(AttributeValue::S(p))) => x.starts_with(p.as_str()),
            (Some(AttributeValue::B(x)), Some(AttributeValue::B(p))) => x.starts_with(p),
            _ => false,
        },
        Cond::Contains(a, b) => match (operand(item, a).as_deref(), operand(item, b).as_deref()) {
            (Some(AttributeValue::S(x)), Some(AttributeValue::S(p))) => x.contains(p.as_str()),
            (Some(AttributeValue::B(x)), Some(AttributeValue::B(p))) => p.is_empty() || x.windows(p.len()).any(|w| w == p.as_slice()),
            (Some(AttributeValue::Ss(x)), Some(AttributeValue::S(p))) => x.contains(p),
            (Some(AttributeValue::Ns(x)), Some(AttributeValue::N(p))) => x.contains(p),
            (Some(AttributeValue::Bs(x)), Some(AttributeValue::B(p))) => x.contains(p),
            (Some(AttributeValue::L(x)), Some(p)) => x.contains(p),
            _ => false,
        },
    }
}

enum Node {
    Leaf(AttributeValue),
    Map(BTreeMap<String, Node>),
    List(BTreeMap<usize, Node>),
}

impl Node {
    fn into_value(self) -> AttributeValue {
        match self {
            Node::Leaf(v) => v,
            Node::Map(m) => AttributeValue::M(m.into_iter().map(|(k, n)| (k, n.into_value())).collect()),
            Node::List(l) => AttributeValue::L(l.into_values().map(Node::into_value).collect()),
        }
    }
}

fn insert(node: &mut Node, rest: &[PathElem], v: AttributeValue) {
    let Some((first, tail)) = rest.split_first() else {
        *node = Node::Leaf(v);
        return;
    };
    match first {
        PathElem::Attr(a) => {
            if !matches!(node, Node::Map(_)) {
                *node = Node::Map(BTreeMap::new());
            }
            if let Node::Map(m) = node {
                let child = m.entry(a.clone()).or_insert_with(|| Node::Map(BTreeMap::new()));
                insert(child, tail, v);
            }
        }
        PathElem::Index(i) => {
            if !matches!(node, Node::List(_)) {
                *node = Node::List(BTreeMap::new());
            }
            if let Node::List(l) = node {
                let child = l.entry(*i).or_insert_with(|| Node::Map(BTreeMap::new()));
                insert(child, tail, v);
            }
        }
    }
}

/// Keep only the given document paths of `item` (ProjectionExpression semantics: list
/// elements selected by index are returned compacted, in index order).
pub fn project(item: &Item, paths: &[Path]) -> Item {
    let mut root = Node::Map(BTreeMap::new());
    for p in paths {
        if let Some(v) = resolve(item, p) {
            insert(&mut root, p, v.clone());
        }
    }
    match root.into_value() {
        AttributeValue::M(m) => m,
        _ => Item::new(),
    }
}
