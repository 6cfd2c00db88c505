//! Parsed expressions. Placeholders are already substituted: names resolved through
//! `ExpressionAttributeNames`, values through `ExpressionAttributeValues`.

use crate::value::AttributeValue;

/// One step of a document path.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum PathElem {
    /// Map key / top-level attribute.
    Attr(String),
    /// List index.
    Index(usize),
}

/// A document path `a.b[3].c`.
pub type Path = Vec<PathElem>;

/// Format a path as AWS does in overlap errors: `[a, b, [3]]`.
pub fn path_display(p: &Path) -> String {
    let parts: Vec<String> = p
        .iter()
        .map(|e| match e {
            PathElem::Attr(a) => a.clone(),
            PathElem::Index(i) => format!("[{i}]"),
        })
        .collect();
    format!("[{}]", parts.join(", "))
}

/// An operand of a comparison or function.
#[derive(Debug, Clone, PartialEq)]
pub enum Operand {
    /// A document path.
    Path(Path),
    /// A `:value`.
    Value(AttributeValue),
    /// `size(path)`.
    Size(Path),
}

/// Comparison operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    /// `=`
    Eq,
    /// `<>`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
}

/// A condition / filter / key-condition expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Cond {
    /// `a <op> b`
    Cmp(CmpOp, Operand, Operand),
    /// `a BETWEEN b AND c`
    Between(Operand, Operand, Operand),
    /// `a IN (b, c, …)`
    In(Operand, Vec<Operand>),
    /// `attribute_exists(p)`
    Exists(Path),
    /// `attribute_not_exists(p)`
    NotExists(Path),
    /// `attribute_type(p, :t)`
    Type(Path, Operand),
    /// `begins_with(a, b)`
    BeginsWith(Operand, Operand),
    /// `contains(a, b)`
    Contains(Operand, Operand),
    /// `a AND b`
    And(Box<Cond>, Box<Cond>),
    /// `a OR b`
    Or(Box<Cond>, Box<Cond>),
    /// `NOT a`
    Not(Box<Cond>),
}

/// Right-hand side building block of a SET action.
#[derive(Debug, Clone, PartialEq)]
pub enum SetOperand {
    /// Path.
    Path(Path),
    /// Value.
    Value(AttributeValue),
    /// `if_not_exists(path, operand)`
    IfNotExists(Path, Box<SetOperand>),
    /// `list_append(a, b)`
    ListAppend(Box<SetOperand>, Box<SetOperand>),
}

/// Right-hand side of a SET action.
#[derive(Debug, Clone, PartialEq)]
pub enum SetValue {
    /// Plain operand.
    Operand(SetOperand),
    /// `a + b`
    Plus(SetOperand, SetOperand),
    /// `a - b`
    Minus(SetOperand, SetOperand),
}

/// A parsed update expression.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Update {
    /// SET actions.
    pub set: Vec<(Path, SetValue)>,
    /// REMOVE actions.
    pub remove: Vec<Path>,
    /// ADD actions.
    pub add: Vec<(Path, AttributeValue)>,
    /// DELETE actions.
    pub delete: Vec<(Path, AttributeValue)>,
}

impl Update {
    /// Every path the update writes, in clause order.
    pub fn paths(&self) -> Vec<&Path> {
        let mut v: Vec<&Path> = self.set.iter().map(|(p, _)| p).collect();
        v.extend(self.remove.iter());
        v.extend(self.add.iter().map(|(p, _)| p));
        v.extend(self.delete.iter().map(|(p, _)| p));
        v
    }
}

impl Operand {
    fn top_name(&self) -> Option<&str> {
        match self {
            Operand::Path(p) | Operand::Size(p) => match p.first() {
                Some(PathElem::Attr(a)) => Some(a),
                _ => None,
            },
            Operand::Value(_) => None,
        }
    }
}

impl Cond {
    /// Top-level attribute names the condition reads.
    pub fn top_level_names(&self) -> Vec<&str> {
        match self {
            Cond::Cmp(_, a, b) | Cond::BeginsWith(a, b) | Cond::Contains(a, b) => a.top_name().into_iter().chain(b.top_name()).collect(),
            Cond::Between(a, b, c) => a.top_name().into_iter().chain(b.top_name()).chain(c.top_name()).collect(),
            Cond::In(a, l) => a.top_name().into_iter().chain(l.iter().filter_map(Operand::top_name)).collect(),
            Cond::Exists(p) | Cond::NotExists(p) | Cond::Type(p, _) => first_name(p).into_iter().collect(),
            Cond::And(a, b) | Cond::Or(a, b) => {
                let mut v = a.top_level_names();
                v.extend(b.top_level_names());
                v
            }
            Cond::Not(a) => a.top_level_names(),
        }
    }
}

fn first_name(p: &Path) -> Option<&str> {
    match p.first() {
        Some(PathElem::Attr(a)) => Some(a.as_str()),
        _ => None,
    }
}
