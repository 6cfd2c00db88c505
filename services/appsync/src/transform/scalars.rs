//! The AWS AppSync scalars (<https://docs.aws.amazon.com/appsync/latest/devguide/scalars.html>)
//! and the scalar-dependent inputs the Amplify model transformer always emits
//! (`ModelStringInput`, `ModelSubscriptionIntInput`, `ModelAttributeTypes`, …) or emits on demand
//! (`Model<Scalar>KeyConditionInput`, `Model<Enum>Input`).
//!
//! Leaves out: scalar *validation* (see `crate::schema::scalars`).

use super::sdl::{Field, Kind, TypeDef};

/// The AWS scalars AppSync defines implicitly.
pub const AWS_SCALARS: &[&str] =
    &["AWSDate", "AWSTime", "AWSDateTime", "AWSTimestamp", "AWSEmail", "AWSJSON", "AWSURL", "AWSPhone", "AWSIPAddress"];

/// GraphQL built-in scalars.
pub const BUILTIN_SCALARS: &[&str] = &["ID", "String", "Int", "Float", "Boolean"];

/// Whether `name` is a built-in or AWS scalar.
pub fn is_scalar(name: &str) -> bool {
    BUILTIN_SCALARS.contains(&name) || AWS_SCALARS.contains(&name)
}

/// The built-in scalar an AWS scalar filters and sorts like (Amplify's `DEFAULT_SCALARS`).
pub fn base_scalar(name: &str) -> &str {
    match name {
        "ID" => "ID",
        "Int" | "AWSTimestamp" => "Int",
        "Float" => "Float",
        "Boolean" => "Boolean",
        _ => "String",
    }
}

/// DynamoDB attribute type of a key attribute of scalar type `name` (enums are strings).
pub fn attribute_type(name: &str) -> &'static str {
    match base_scalar(name) {
        "Int" | "Float" => "N",
        _ => "S",
    }
}

/// Operators of the filter/condition input of each base scalar, in the transformer's order.
fn filter_ops(base: &str) -> Vec<(&'static str, String)> {
    let t = base.to_string();
    let list = format!("[{base}]");
    match base {
        "String" | "ID" => vec![
            ("ne", t.clone()),
            ("eq", t.clone()),
            ("le", t.clone()),
            ("lt", t.clone()),
            ("ge", t.clone()),
            ("gt", t.clone()),
            ("contains", t.clone()),
            ("notContains", t.clone()),
            ("between", list),
            ("beginsWith", t),
            ("attributeExists", "Boolean".into()),
            ("attributeType", "ModelAttributeTypes".into()),
            ("size", "ModelSizeInput".into()),
        ],
        "Int" | "Float" => vec![
            ("ne", t.clone()),
            ("eq", t.clone()),
            ("le", t.clone()),
            ("lt", t.clone()),
            ("ge", t.clone()),
            ("gt", t),
            ("between", list),
            ("attributeExists", "Boolean".into()),
            ("attributeType", "ModelAttributeTypes".into()),
        ],
        _ => vec![
            ("ne", t.clone()),
            ("eq", t),
            ("attributeExists", "Boolean".into()),
            ("attributeType", "ModelAttributeTypes".into()),
        ],
    }
}

fn subscription_ops(base: &str) -> Vec<(&'static str, String)> {
    let t = base.to_string();
    let list = format!("[{base}]");
    match base {
        "String" | "ID" => vec![
            ("ne", t.clone()),
            ("eq", t.clone()),
            ("le", t.clone()),
            ("lt", t.clone()),
            ("ge", t.clone()),
            ("gt", t.clone()),
            ("contains", t.clone()),
            ("notContains", t.clone()),
            ("between", list.clone()),
            ("beginsWith", t),
            ("in", list.clone()),
            ("notIn", list),
        ],
        "Int" | "Float" => vec![
            ("ne", t.clone()),
            ("eq", t.clone()),
            ("le", t.clone()),
            ("lt", t.clone()),
            ("ge", t.clone()),
            ("gt", t),
            ("between", list.clone()),
            ("in", list.clone()),
            ("notIn", list),
        ],
        _ => vec![("ne", t.clone()), ("eq", t)],
    }
}

fn input(name: &str, ops: Vec<(&'static str, String)>) -> TypeDef {
    let mut td = TypeDef::new(Kind::Input, name);
    td.fields = ops.into_iter().map(|(n, t)| Field::new(n, &t)).collect();
    td
}

/// The inputs and enums every API with at least one `@model` gets.
pub fn common_model_inputs() -> Vec<TypeDef> {
    let mut out = Vec::new();
    let mut ai = TypeDef::new(Kind::Input, "AmplifyAIConversationTurnErrorInput");
    ai.fields = vec![Field::new("errorType", "String!"), Field::new("message", "String!")];
    out.push(ai);
    for base in ["String", "Int", "Float", "Boolean", "ID"] {
        out.push(input(&format!("Model{base}Input"), filter_ops(base)));
    }
    for base in ["String", "Int", "Float", "Boolean", "ID"] {
        out.push(input(&format!("ModelSubscription{base}Input"), subscription_ops(base)));
    }
    let mut attr = TypeDef::new(Kind::Enum, "ModelAttributeTypes");
    attr.values = ["binary", "binarySet", "bool", "list", "map", "number", "numberSet", "string", "stringSet", "_null"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    out.push(attr);
    out.push(input(
        "ModelSizeInput",
        ["ne", "eq", "le", "lt", "ge", "gt"].iter().map(|o| (*o, "Int".to_string())).chain([("between", "[Int]".to_string())]).collect(),
    ));
    let mut dir = TypeDef::new(Kind::Enum, "ModelSortDirection");
    dir.values = vec!["ASC".into(), "DESC".into()];
    out.push(dir);
    out
}

/// Name of the filter input for a field of scalar or enum type `base` (`list` for list fields).
pub fn filter_input_name(base: &str, is_enum: bool, list: bool) -> String {
    if is_enum {
        if list {
            format!("Model{base}ListInput")
        } else {
            format!("Model{base}Input")
        }
    } else {
        format!("Model{}Input", base_scalar(base))
    }
}

/// Name of the subscription filter input for a field of scalar or enum type `base`.
pub fn subscription_input_name(base: &str, is_enum: bool) -> String {
    if is_enum {
        "ModelSubscriptionStringInput".to_string()
    } else {
        format!("ModelSubscription{}Input", base_scalar(base))
    }
}

/// `Model<Enum>Input` / `Model<Enum>ListInput`.
pub fn enum_filter_input(enum_name: &str, list: bool) -> TypeDef {
    if list {
        input(
            &format!("Model{enum_name}ListInput"),
            vec![
                ("eq", format!("[{enum_name}]")),
                ("ne", format!("[{enum_name}]")),
                ("contains", enum_name.to_string()),
                ("notContains", enum_name.to_string()),
            ],
        )
    } else {
        input(&format!("Model{enum_name}Input"), vec![("eq", enum_name.to_string()), ("ne", enum_name.to_string())])
    }
}

/// Name of the key-condition input for a sort key of scalar type `ty`.
pub fn key_condition_input_name(ty: &str) -> String {
    format!("Model{}KeyConditionInput", base_scalar(ty))
}

/// `Model<Scalar>KeyConditionInput` for base scalar `base`.
pub fn key_condition_input(base: &str) -> TypeDef {
    let t = base.to_string();
    let mut ops = vec![
        ("eq", t.clone()),
        ("le", t.clone()),
        ("lt", t.clone()),
        ("ge", t.clone()),
        ("gt", t.clone()),
        ("between", format!("[{base}]")),
    ];
    if base == "String" || base == "ID" {
        ops.push(("beginsWith", t));
    }
    input(&format!("Model{base}KeyConditionInput"), ops)
}
