//! The typed DynamoDB `AttributeValue` and `Item`, plus AWS's item-size accounting.
//! See <https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_AttributeValue.html> and
//! <https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html>.
//! Sets are kept sorted and duplicate-free (DynamoDB does not preserve set order).

mod decode;
pub mod json;
pub mod key;
mod number;

pub use json::{item_from_json, item_to_json, value_from_json, ValueError};
pub use number::{Number, NumberError, MAX_DIGITS};

use std::collections::BTreeMap;

/// An item: attribute name → value.
pub type Item = BTreeMap<String, AttributeValue>;

/// One DynamoDB attribute value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttributeValue {
    /// String.
    S(String),
    /// Number.
    N(Number),
    /// Binary.
    B(Vec<u8>),
    /// Boolean.
    Bool(bool),
    /// Null (always `true` on the wire).
    Null,
    /// String set (sorted, unique, non-empty).
    Ss(Vec<String>),
    /// Number set (sorted, unique, non-empty).
    Ns(Vec<Number>),
    /// Binary set (sorted, unique, non-empty).
    Bs(Vec<Vec<u8>>),
    /// List.
    L(Vec<AttributeValue>),
    /// Map.
    M(Item),
}

impl AttributeValue {
    /// The DynamoDB type descriptor (`S`, `N`, `B`, `BOOL`, `NULL`, `SS`, `NS`, `BS`, `L`, `M`).
    pub fn type_name(&self) -> &'static str {
        match self {
            AttributeValue::S(_) => "S",
            AttributeValue::N(_) => "N",
            AttributeValue::B(_) => "B",
            AttributeValue::Bool(_) => "BOOL",
            AttributeValue::Null => "NULL",
            AttributeValue::Ss(_) => "SS",
            AttributeValue::Ns(_) => "NS",
            AttributeValue::Bs(_) => "BS",
            AttributeValue::L(_) => "L",
            AttributeValue::M(_) => "M",
        }
    }

    /// Size in bytes as DynamoDB accounts it (without the attribute name).
    pub fn size(&self) -> usize {
        match self {
            AttributeValue::S(s) => s.len(),
            AttributeValue::N(n) => n.size(),
            AttributeValue::B(b) => b.len(),
            AttributeValue::Bool(_) | AttributeValue::Null => 1,
            AttributeValue::Ss(v) => v.iter().map(String::len).sum(),
            AttributeValue::Ns(v) => v.iter().map(Number::size).sum(),
            AttributeValue::Bs(v) => v.iter().map(Vec::len).sum(),
            AttributeValue::L(v) => 3 + v.iter().map(|x| x.size() + 1).sum::<usize>(),
            AttributeValue::M(m) => 3 + m.iter().map(|(k, x)| k.len() + x.size() + 1).sum::<usize>(),
        }
    }

    /// Convenience constructor for a string.
    pub fn s(v: impl Into<String>) -> Self {
        AttributeValue::S(v.into())
    }

    /// Convenience constructor for a number from its text (`None` if not a valid number).
    pub fn n(v: &str) -> Option<Self> {
        Number::parse(v).ok().map(AttributeValue::N)
    }

    /// The string, if this is an S.
    pub fn as_s(&self) -> Option<&str> {
        match self {
            AttributeValue::S(s) => Some(s),
            _ => None,
        }
    }

    /// The number, if this is an N.
    pub fn as_n(&self) -> Option<&Number> {
        match self {
            AttributeValue::N(n) => Some(n),
            _ => None,
        }
    }
}

/// Size of a whole item (names + values).
pub fn item_size(item: &Item) -> usize {
    item.iter().map(|(k, v)| k.len() + v.size()).sum()
}

/// The maximum item size (400 KB).
pub const MAX_ITEM_SIZE: usize = 409_600;

/// Sort and dedupe a string set in place; returns whether duplicates were present.
pub fn normalize_set<T: Ord>(v: &mut Vec<T>) -> bool {
    v.sort();
    let before = v.len();
    v.dedup();
    v.len() != before
}
