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
