//! Turning a write request's condition / update parameters (expression or legacy form) into
//! ASTs, with AWS's rules: no mixing of expression and non-expression parameters, every
//! placeholder defined and used. And the check itself, with `ReturnValuesOnConditionCheckFailure`.

use super::legacy;
use crate::error::DynamoError;
use crate::expr::{eval, Cond, ExprCtx, ExprKind, Path, Update};
use crate::model::{AttributeValueUpdate, Condition, Names, Values};
use crate::value::Item;
use std::collections::BTreeMap;

/// The condition / update / projection parts of one request.
#[derive(Debug, Default, Clone)]
pub(crate) struct Parsed {
    pub cond: Option<Cond>,
    pub update: Option<Update>,
    pub projection: Option<Vec<Path>>,
}

/// Raw parameters of one write (or read) request.
#[derive(Default)]
pub(crate) struct Params<'a> {
    pub condition_expression: Option<&'a String>,
    pub update_expression: Option<&'a String>,
    pub projection_expression: Option<&'a String>,
    pub names: Option<&'a Names>,
    pub values: Option<&'a Values>,
    pub expected: Option<&'a BTreeMap<String, Condition>>,
    pub conditional_operator: Option<&'a String>,
    pub attribute_updates: Option<&'a BTreeMap<String, AttributeValueUpdate>>,
    pub attributes_to_get: Option<&'a Vec<String>>,
}

fn mixing(non: &[&str], expr: &[&str]) -> DynamoError {
    DynamoError::validation(format!(
        "Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {{{}}} Expression parameters: {{{}}}",
        non.join(", "),
        expr.join(", ")
    ))
}

/// Parse and validate.
pub(crate) fn parse(p: Params<'_>) -> Result<Parsed, DynamoError> {
    let mut expr_params = Vec::new();
    if p.update_expression.is_some() {
        expr_params.push("UpdateExpression");
    }
    if p.condition_expression.is_some() {
        expr_params.push("ConditionExpression");
    }
    if p.projection_expression.is_some() {
        expr_params.push("ProjectionExpression");
    }
    let mut non = Vec::new();
    if p.attribute_updates.is_some() {
        non.push("AttributeUpdates");
    }
    if p.attributes_to_get.is_some() {
        non.push("AttributesToGet");
    }
    if p.expected.is_some() {
        non.push("Expected");
    }
    if !non.is_empty() && !expr_params.is_empty() {
        return Err(mixing(&non, &expr_params));
    }
    if p.conditional_operator.is_some() && p.expected.is_none() {
        return Err(DynamoError::validation("ConditionalOperator can only be used when Expected or QueryFilter are present"));
    }
    let mut ctx = ExprCtx::new(p.names, p.values, !expr_params.is_empty())?;
    let mut out = Parsed::default();
    if let Some(u) = p.update_expression {
        out.update = Some(ctx.update(u)?);
    }
    if let Some(c) = p.condition_expression {
        out.cond = Some(ctx.condition(ExprKind::Condition, c)?);
    }
    if let Some(pe) = p.projection_expression {
        out.projection = Some(ctx.projection(pe)?);
    }
    ctx.finish()?;
    if let Some(e) = p.expected {
        out.cond = legacy::expected(e, &p.conditional_operator.cloned())?;
    }
    if let Some(a) = p.attribute_updates {
        out.update = Some(legacy::attribute_updates(a)?);
    }
    if let Some(a) = p.attributes_to_get {
        out.projection = Some(attributes_to_get(a)?);
    }
    Ok(out)
}

/// `AttributesToGet` as projection paths.
pub(crate) fn attributes_to_get(a: &[String]) -> Result<Vec<Path>, DynamoError> {
    if a.is_empty() {
        return Err(DynamoError::validation(
            "1 validation error detected: Value '[]' at 'attributesToGet' failed to satisfy constraint: Member must have length greater than or equal to 1",
        ));
    }
    let mut seen = Vec::new();
    for n in a {
        if seen.contains(&n) {
            return Err(DynamoError::validation(format!("One or more parameter values were invalid: Duplicate value in attribute name: {n}")));
        }
        seen.push(n);
    }
    Ok(a.iter().map(|n| vec![crate::expr::PathElem::Attr(n.clone())]).collect())
}

/// Check `cond` against the current item; on failure return the conditional error, carrying
/// the item when `ReturnValuesOnConditionCheckFailure = ALL_OLD`.
pub(crate) fn check(cond: &Option<Cond>, old: Option<&Item>, return_on_failure: &Option<String>) -> Result<(), DynamoError> {
    let Some(c) = cond else { return Ok(()) };
    let empty = Item::new();
    if eval::eval(c, old.unwrap_or(&empty)) {
        return Ok(());
    }
    let item = if return_on_failure.as_deref() == Some("ALL_OLD") { old.cloned() } else { None };
    Err(DynamoError::conditional_failed(item))
}
