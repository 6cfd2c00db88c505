//! `$util.transform.toDynamoDBFilterExpression` / `toDynamoDBConditionExpression`
//! (<https://docs.aws.amazon.com/appsync/latest/devguide/transformation-helpers-in-utils-transform.html>):
//! an Amplify `Model*FilterInput` / `Model*ConditionInput` object becomes a DynamoDB expression
//! with `#field` names and `:<path>_<field>_<op>` values, byte for byte as AWS renders it
//! (AWS-recorded snapshots: each comparison parenthesised, top-level parts joined by ` AND `
//! unwrapped, `and`/`or` groups of two or more wrapped, `not` as `(NOT …)`, value names carry
//! the nesting `and_0_`, `or_1_`, `not_`). Malformed filters render `None` (the VTL `null`).
//!
//! Leaves out: nothing of the operator set; `toSubscriptionFilter` lives with subscriptions.

use serde_json::{Map, Value};

/// A rendered expression with its placeholder maps (values in DynamoDB JSON, numbers kept as
/// JSON numbers as AppSync does).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Expr {
    /// The expression text.
    pub expression: String,
    /// `#name` → attribute name.
    pub names: Map<String, Value>,
    /// `:value` → typed value.
    pub values: Map<String, Value>,
}

impl Expr {
    /// The `{expression, expressionNames, expressionValues}` JSON AppSync's templates see.
    pub fn to_json(&self) -> Value {
        serde_json::json!({ "expression": self.expression, "expressionNames": self.names, "expressionValues": self.values })
    }
}

/// `$util.dynamodb.toDynamoDB`: a JSON value in DynamoDB's typed form.
pub fn to_dynamodb(v: &Value) -> Value {
    match v {
        Value::Null => serde_json::json!({ "NULL": null }),
        Value::Bool(b) => serde_json::json!({ "BOOL": b }),
        Value::Number(n) => serde_json::json!({ "N": n }),
        Value::String(s) => serde_json::json!({ "S": s }),
        Value::Array(items) => serde_json::json!({ "L": items.iter().map(to_dynamodb).collect::<Vec<_>>() }),
        Value::Object(m) => {
            let mut out = Map::new();
            for (k, v) in m {
                out.insert(k.clone(), to_dynamodb(v));
            }
            serde_json::json!({ "M": out })
        }
    }
}

/// Render a filter (or condition) object. `None` when the filter cannot be rendered.
pub fn to_expression(filter: &Value) -> Option<Expr> {
    let Value::Object(map) = filter else { return None };
    let mut e = Expr::default();
    e.expression = render_map(map, "", &mut e.names, &mut e.values)?;
    Some(e)
}

fn render_map(map: &Map<String, Value>, prefix: &str, names: &mut Map<String, Value>, values: &mut Map<String, Value>) -> Option<String> {
    let mut parts = Vec::new();
    for (key, v) in map {
        match key.as_str() {
            "and" | "or" => {
                let Value::Array(members) = v else { return None };
                let mut rendered = Vec::new();
                for (i, m) in members.iter().enumerate() {
                    let Value::Object(mm) = m else { return None };
                    rendered.push(render_map(mm, &format!("{prefix}{key}_{i}_"), names, values)?);
                }
                let joiner = if key == "and" { " AND " } else { " OR " };
                parts.push(match rendered.len() {
                    0 => String::new(),
                    1 => rendered.remove(0),
                    _ => format!("({})", rendered.join(joiner)),
                });
            }
            "not" => {
                let Value::Object(inner) = v else { return None };
                let inner = render_map(inner, &format!("{prefix}not_"), names, values)?;
                parts.push(format!("(NOT {inner})"));
            }
            field => {
                let Value::Object(ops) = v else { return None };
                names.insert(format!("#{field}"), Value::String(field.to_string()));
                let mut comparisons = Vec::new();
                render_ops(ops, &format!("#{field}"), &format!("{prefix}{field}"), values, &mut comparisons)?;
                parts.push(match comparisons.len() {
                    0 => String::new(),
                    1 => format!("({})", comparisons[0]),
                    _ => format!("({})", comparisons.iter().map(|c| format!("({c})")).collect::<Vec<_>>().join(" AND ")),
                });
            }
        }
    }
    Some(parts.join(" AND "))
}

fn attribute_type_code(name: &str) -> Option<&'static str> {
    Some(match name {
        "binary" => "B",
        "binarySet" => "BS",
        "bool" => "BOOL",
        "list" => "L",
        "map" => "M",
        "number" => "N",
        "numberSet" => "NS",
        "string" => "S",
        "stringSet" => "SS",
        "_null" => "NULL",
        _ => return None,
    })
}

fn bind(values: &mut Map<String, Value>, name: &str, v: &Value) {
    values.insert(name.to_string(), to_dynamodb(v));
}

/// Render each operator of one field into `out` (unwrapped comparisons).
fn render_ops(ops: &Map<String, Value>, lhs: &str, value_base: &str, values: &mut Map<String, Value>, out: &mut Vec<String>) -> Option<()> {
    for (op, v) in ops {
        let name = format!(":{value_base}_{op}");
        let cmp = |sym: &str| format!("{lhs} {sym} {name}");
        let text = match op.as_str() {
            "eq" => cmp("="),
            "ne" => cmp("<>"),
            "lt" => cmp("<"),
            "le" => cmp("<="),
            "gt" => cmp(">"),
            "ge" => cmp(">="),
            "contains" => format!("contains({lhs},{name})"),
            "notContains" => format!("NOT contains({lhs},{name})"),
            "beginsWith" => format!("begins_with({lhs},{name})"),
            "between" => {
                let Value::Array(bounds) = v else { return None };
                if bounds.len() < 2 {
                    return None;
                }
                let (start, end) = (format!("{name}_start"), format!("{name}_end"));
                bind(values, &start, &bounds[0]);
                bind(values, &end, &bounds[1]);
                out.push(format!("{lhs} BETWEEN {start} AND {end}"));
                continue;
            }
            "in" => {
                let Value::Array(items) = v else { return None };
                if items.is_empty() {
                    out.push("null".into());
                    continue;
                }
                let mut placeholders = Vec::new();
                for (i, item) in items.iter().enumerate() {
                    let n = format!("{name}_{i}");
                    bind(values, &n, item);
                    placeholders.push(n);
                }
                out.push(format!("{lhs} IN ({})", placeholders.join(", ")));
                continue;
            }
            "attributeExists" => {
                let Value::Bool(b) = v else { return None };
                out.push(if *b { format!("attribute_exists({lhs})") } else { format!("attribute_not_exists({lhs})") });
                continue;
            }
            "attributeType" => {
                let code = v.as_str().and_then(attribute_type_code)?;
                bind(values, &name, &Value::String(code.into()));
                out.push(format!("attribute_type({lhs},{name})"));
                continue;
            }
            "size" => {
                let Value::Object(inner) = v else { return None };
                let size_lhs = if lhs.starts_with("size(") { lhs.to_string() } else { format!("size({lhs})") };
                render_ops(inner, &size_lhs, &format!("{value_base}_size"), values, out)?;
                continue;
            }
            _ => return None,
        };
        bind(values, &name, v);
        out.push(text);
    }
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn render(v: Value) -> (String, Value, Value) {
        let e = to_expression(&v).expect("renders");
        (e.expression, Value::Object(e.names), Value::Object(e.values))
    }

    #[test]
    fn comparisons_and_functions() {
        for (op, sym) in [("eq", "="), ("ne", "<>"), ("lt", "<"), ("le", "<="), ("gt", ">"), ("ge", ">=")] {
            let (e, n, v) = render(json!({"v": {op: "x"}}));
            assert_eq!(e, format!("(#v {sym} :v_{op})"));
            assert_eq!(n, json!({"#v": "v"}));
            assert_eq!(v, json!({format!(":v_{op}"): {"S": "x"}}));
        }
        assert_eq!(render(json!({"v": {"contains": "x"}})).0, "(contains(#v,:v_contains))");
        assert_eq!(render(json!({"v": {"notContains": "x"}})).0, "(NOT contains(#v,:v_notContains))");
        assert_eq!(render(json!({"v": {"beginsWith": "x"}})).0, "(begins_with(#v,:v_beginsWith))");
        let (e, _, v) = render(json!({"v": {"between": [1, 9, 20]}}));
        assert_eq!(e, "(#v BETWEEN :v_between_start AND :v_between_end)");
        assert_eq!(v, json!({":v_between_start": {"N": 1}, ":v_between_end": {"N": 9}}));
        let (e, _, v) = render(json!({"v": {"in": ["a", "b"]}}));
        assert_eq!(e, "(#v IN (:v_in_0, :v_in_1))");
        assert_eq!(v, json!({":v_in_0": {"S": "a"}, ":v_in_1": {"S": "b"}}));
        assert_eq!(render(json!({"v": {"in": []}})).0, "(null)");
        assert_eq!(render(json!({"v": {"attributeExists": true}})).0, "(attribute_exists(#v))");
        let (e, _, v) = render(json!({"v": {"attributeExists": false}}));
        assert_eq!((e.as_str(), v), ("(attribute_not_exists(#v))", json!({})));
        let (e, _, v) = render(json!({"v": {"attributeType": "stringSet"}}));
        assert_eq!(e, "(attribute_type(#v,:v_attributeType))");
        assert_eq!(v, json!({":v_attributeType": {"S": "SS"}}));
    }

    #[test]
    fn size_operator() {
        assert_eq!(render(json!({"v": {"size": {"gt": 2}}})).0, "(size(#v) > :v_size_gt)");
        assert_eq!(render(json!({"v": {"size": {"gt": 2, "lt": 5}}})).0, "((size(#v) > :v_size_gt) AND (size(#v) < :v_size_lt))");
        assert_eq!(render(json!({"v": {"size": {"size": {"gt": 1}}}})).0, "(size(#v) > :v_size_size_gt)");
        assert_eq!(render(json!({"v": {"size": {"between": [1, 3]}}})).0, "(size(#v) BETWEEN :v_size_between_start AND :v_size_between_end)");
        assert_eq!(render(json!({"v": {"size": {"attributeExists": true}}})).0, "(attribute_exists(size(#v)))");
    }

    #[test]
    fn grouping_and_value_paths() {
        assert_eq!(render(json!({"a": {"eq": 1}, "b": {"eq": 2}})).0, "(#a = :a_eq) AND (#b = :b_eq)");
        assert_eq!(render(json!({"and": [{"a": {"eq": 1}}]})).0, "(#a = :and_0_a_eq)");
        assert_eq!(render(json!({"and": [{"a": {"eq": 1}}, {"b": {"eq": 2}}]})).0, "((#a = :and_0_a_eq) AND (#b = :and_1_b_eq))");
        assert_eq!(render(json!({"or": [{"a": {"eq": 1}}, {"b": {"eq": 2}}]})).0, "((#a = :or_0_a_eq) OR (#b = :or_1_b_eq))");
        assert_eq!(
            render(json!({"or": [{"and": [{"a": {"eq": 1}}, {"b": {"eq": 2}}]}, {"c": {"eq": 3}}]})).0,
            "(((#a = :or_0_and_0_a_eq) AND (#b = :or_0_and_1_b_eq)) OR (#c = :or_1_c_eq))"
        );
        assert_eq!(render(json!({"not": {"a": {"eq": 1}}})).0, "(NOT (#a = :not_a_eq))");
        assert_eq!(render(json!({"not": {"not": {"a": {"eq": 1}}}})).0, "(NOT (NOT (#a = :not_not_a_eq)))");
        assert_eq!(
            render(json!({"and": [{"not": {"a": {"eq": 1}}}, {"b": {"eq": 2}}]})).0,
            "((NOT (#a = :and_0_not_a_eq)) AND (#b = :and_1_b_eq))"
        );
        assert_eq!(render(json!({"v": {"ge": 1, "le": 5}})).0, "((#v >= :v_ge) AND (#v <= :v_le))");
        assert_eq!(render(json!({"a": {"eq": 1}, "and": [{"b": {"eq": 2}}]})).0, "(#a = :a_eq) AND (#b = :and_0_b_eq)");
        assert_eq!(render(json!({"a.b": {"eq": 1}})).0, "(#a.b = :a.b_eq)");
    }

    #[test]
    fn empty_parts_leave_dangling_joiners() {
        assert_eq!(render(json!({})).0, "");
        assert_eq!(render(json!({"and": []})).0, "");
        let (e, n, _) = render(json!({"a": {"eq": 1}, "b": {}}));
        assert_eq!(e, "(#a = :a_eq) AND ");
        assert_eq!(n, json!({"#a": "a", "#b": "b"}));
        assert_eq!(render(json!({"and": [{"a": {"eq": 1}}, {}]})).0, "((#a = :and_0_a_eq) AND )");
        assert_eq!(render(json!({"not": {}})).0, "(NOT )");
    }

    #[test]
    fn operand_types() {
        assert_eq!(render(json!({"v": {"eq": true}})).2, json!({":v_eq": {"BOOL": true}}));
        assert_eq!(render(json!({"v": {"eq": 1.5}})).2, json!({":v_eq": {"N": 1.5}}));
        assert_eq!(render(json!({"v": {"eq": null}})).2, json!({":v_eq": {"NULL": null}}));
        assert_eq!(render(json!({"v": {"eq": [1, 2]}})).2, json!({":v_eq": {"L": [{"N": 1}, {"N": 2}]}}));
        assert_eq!(render(json!({"v": {"eq": {"a": 1}}})).2, json!({":v_eq": {"M": {"a": {"N": 1}}}}));
    }

    #[test]
    fn malformed_filters_render_none() {
        for bad in [
            json!(null),
            json!("x"),
            json!([]),
            json!({"v": "x"}),
            json!({"a": {"b": {"eq": 1}}}),
            json!({"and": [null]}),
            json!({"and": {"a": {"eq": 1}}}),
            json!({"and": null}),
            json!({"not": []}),
            json!({"v": {"between": [1]}}),
            json!({"v": {"between": 1}}),
            json!({"v": {"in": "a"}}),
            json!({"v": {"attributeExists": "yes"}}),
            json!({"v": {"attributeType": "S"}}),
            json!({"v": {"attributeType": "nope"}}),
            json!({"v": {"size": 3}}),
            json!({"v": {"like": "x"}}),
        ] {
            assert!(to_expression(&bad).is_none(), "{bad}");
        }
    }
}
