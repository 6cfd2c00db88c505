//! Legacy (pre-expression) parameters translated into expression ASTs: `Expected` +
//! `ConditionalOperator`, `KeyConditions`, `QueryFilter` / `ScanFilter`, `AttributesToGet`,
//! `AttributeUpdates`. See <https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/LegacyConditionalParameters.html>.
//! Leaves out: ADD on lists via AttributeUpdates.

use crate::error::DynamoError;
use crate::expr::ast::{CmpOp, Cond, Operand, PathElem, SetOperand, SetValue, Update};
use crate::model::{AttributeValueUpdate, Condition};
use crate::value::AttributeValue;
use std::collections::BTreeMap;

fn invalid(msg: String) -> DynamoError {
    DynamoError::validation(format!("One or more parameter values were invalid: {msg}"))
}

fn path(name: &str) -> Operand {
    Operand::Path(vec![PathElem::Attr(name.to_string())])
}

/// One `ComparisonOperator` + `AttributeValueList` on attribute `name`.
pub(crate) fn comparison(name: &str, op: &str, list: &[AttributeValue]) -> Result<Cond, DynamoError> {
    let want = |n: usize| -> Result<(), DynamoError> {
        if list.len() == n {
            Ok(())
        } else {
            Err(invalid(format!("Invalid number of argument(s) for the {op} ComparisonOperator")))
        }
    };
    let v = |i: usize| Operand::Value(list[i].clone());
    let scalar = |i: usize| -> Result<(), DynamoError> {
        match &list[i] {
            AttributeValue::S(_) | AttributeValue::N(_) | AttributeValue::B(_) => Ok(()),
            other => Err(invalid(format!("ComparisonOperator {op} is not valid for {} AttributeValue type", other.type_name()))),
        }
    };
    let cmp = |o: CmpOp| -> Result<Cond, DynamoError> {
        want(1)?;
        if !matches!(o, CmpOp::Eq | CmpOp::Ne) {
            scalar(0)?;
        }
        Ok(Cond::Cmp(o, path(name), v(0)))
    };
    Ok(match op {
        "EQ" => cmp(CmpOp::Eq)?,
        "NE" => cmp(CmpOp::Ne)?,
        "LT" => cmp(CmpOp::Lt)?,
        "LE" => cmp(CmpOp::Le)?,
        "GT" => cmp(CmpOp::Gt)?,
        "GE" => cmp(CmpOp::Ge)?,
        "NOT_NULL" => {
            want(0)?;
            Cond::Exists(vec![PathElem::Attr(name.to_string())])
        }
        "NULL" => {
            want(0)?;
            Cond::NotExists(vec![PathElem::Attr(name.to_string())])
        }
        "CONTAINS" | "NOT_CONTAINS" => {
            want(1)?;
            scalar(0)?;
            let c = Cond::Contains(path(name), v(0));
            if op == "CONTAINS" {
                c
            } else {
                Cond::And(Box::new(Cond::Exists(vec![PathElem::Attr(name.to_string())])), Box::new(Cond::Not(Box::new(c))))
            }
        }
        "BEGINS_WITH" => {
            want(1)?;
            if !matches!(list[0], AttributeValue::S(_) | AttributeValue::B(_)) {
                return Err(invalid(format!("ComparisonOperator {op} is not valid for {} AttributeValue type", list[0].type_name())));
            }
            Cond::BeginsWith(path(name), v(0))
        }
        "IN" => {
            if list.is_empty() {
                return Err(invalid(format!("Invalid number of argument(s) for the {op} ComparisonOperator")));
            }
            Cond::In(path(name), list.iter().cloned().map(Operand::Value).collect())
        }
        "BETWEEN" => {
            want(2)?;
            scalar(0)?;
            scalar(1)?;
            Cond::Between(path(name), v(0), v(1))
        }
        other => {
            return Err(DynamoError::validation(format!(
                "1 validation error detected: Value '{other}' at 'comparisonOperator' failed to satisfy constraint: Member must satisfy enum value set: [IN, NULL, BETWEEN, LT, NOT_CONTAINS, EQ, GT, NOT_NULL, NE, LE, BEGINS_WITH, GE, CONTAINS]"
            )))
        }
    })
}

fn combine(conds: Vec<Cond>, op: &Option<String>) -> Result<Option<Cond>, DynamoError> {
    let or = match op.as_deref() {
        None | Some("AND") => false,
        Some("OR") => true,
        Some(other) => {
            return Err(DynamoError::validation(format!(
                "1 validation error detected: Value '{other}' at 'conditionalOperator' failed to satisfy constraint: Member must satisfy enum value set: [OR, AND]"
            )))
        }
    };
    Ok(conds.into_iter().reduce(|a, b| if or { Cond::Or(Box::new(a), Box::new(b)) } else { Cond::And(Box::new(a), Box::new(b)) }))
}

/// `Expected` → condition.
pub(crate) fn expected(map: &BTreeMap<String, Condition>, op: &Option<String>) -> Result<Option<Cond>, DynamoError> {
    let mut conds = Vec::new();
    for (name, c) in map {
        if let Some(cop) = &c.comparison_operator {
            if c.value.is_some() {
                return Err(invalid(format!("Value and ComparisonOperator cannot be used together for Attribute: {name}")));
            }
            conds.push(comparison(name, cop, c.attribute_value_list.as_deref().unwrap_or(&[]))?);
            continue;
        }
        match (c.exists, &c.value) {
            (Some(false), Some(_)) => return Err(invalid(format!("Value cannot be used when Exists is false for Attribute: {name}"))),
            (Some(false), None) => conds.push(Cond::NotExists(vec![PathElem::Attr(name.clone())])),
            (_, Some(v)) => conds.push(Cond::Cmp(CmpOp::Eq, path(name), Operand::Value(v.clone()))),
            (_, None) => return Err(invalid(format!("Value must be provided when Exists is true for Attribute: {name}"))),
        }
    }
    combine(conds, op)
}

/// `QueryFilter` / `ScanFilter` / `KeyConditions` → condition.
pub(crate) fn filter(map: &BTreeMap<String, Condition>, op: &Option<String>) -> Result<Option<Cond>, DynamoError> {
    let mut conds = Vec::new();
    for (name, c) in map {
        let cop = c.comparison_operator.as_deref().unwrap_or("");
        conds.push(comparison(name, cop, c.attribute_value_list.as_deref().unwrap_or(&[]))?);
    }
    combine(conds, op)
}

/// `AttributeUpdates` → update.
pub(crate) fn attribute_updates(map: &BTreeMap<String, AttributeValueUpdate>) -> Result<Update, DynamoError> {
    let mut u = Update::default();
    for (name, a) in map {
        let p = vec![PathElem::Attr(name.clone())];
        match (a.action.as_deref().unwrap_or("PUT"), &a.value) {
            ("PUT", Some(v)) => u.set.push((p, SetValue::Operand(SetOperand::Value(v.clone())))),
            ("PUT", None) => return Err(invalid(format!("Only DELETE action is allowed when no attribute value is specified: {name}"))),
            ("DELETE", None) => u.remove.push(p),
            ("DELETE", Some(v)) => match v {
                AttributeValue::Ss(_) | AttributeValue::Ns(_) | AttributeValue::Bs(_) => u.delete.push((p, v.clone())),
                _ => return Err(invalid("DELETE action with value is not supported for the type".to_string())),
            },
            ("ADD", Some(v)) => match v {
                AttributeValue::N(_) | AttributeValue::Ss(_) | AttributeValue::Ns(_) | AttributeValue::Bs(_) => u.add.push((p, v.clone())),
                _ => return Err(invalid("ADD action is not supported for the type".to_string())),
            },
            ("ADD", None) => return Err(invalid(format!("Only DELETE action is allowed when no attribute value is specified: {name}"))),
            (other, _) => {
                return Err(DynamoError::validation(format!(
                    "1 validation error detected: Value '{other}' at 'attributeUpdates.{name}.member.action' failed to satisfy constraint: Member must satisfy enum value set: [ADD, PUT, DELETE]"
                )))
            }
        }
    }
    Ok(u)
}
