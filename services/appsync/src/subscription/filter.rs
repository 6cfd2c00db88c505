//! Subscription filtering: `$util.transform.toSubscriptionFilter` (an Amplify
//! `ModelSubscription*FilterInput` to AppSync's `{filterGroup: [{filters: [...]}]}`, multiplied
//! out into disjunctive normal form exactly as the AWS-recorded snapshots show: `or` members
//! and each operator on a field are alternatives, `and` members merge into every group, `not`
//! is read as a field name, operators pass through unvalidated) and the evaluation of those
//! groups against a published payload
//! (<https://docs.aws.amazon.com/appsync/latest/devguide/aws-appsync-real-time-enhanced-filtering.html>).
//!
//! Leaves out: the optional ignored-fields / rules arguments of `toSubscriptionFilter`, the
//! AWS limits (5 levels, 5 `in` values) — filters beyond them are evaluated anyway.

use serde_json::{Map, Value};

/// One `{fieldName, operator, value}` filter.
#[derive(Debug, Clone, PartialEq)]
pub struct Filter {
    /// Dotted path into the payload.
    pub field: String,
    /// Operator as written (`eq`, `ne`, `le`/`lte`, `between`, `in`, `containsAny`, …).
    pub operator: String,
    /// Operand.
    pub value: Value,
}

/// Groups are ORed; the filters of a group are ANDed. Empty means "deliver everything".
pub type FilterGroups = Vec<Vec<Filter>>;

/// `toSubscriptionFilter(filter)`; `None` when the filter is not an object.
pub fn to_subscription_filter(filter: &Value) -> Option<FilterGroups> {
    let Value::Object(map) = filter else { return None };
    let groups = dnf(map)?;
    Some(groups.into_iter().filter(|g| !g.is_empty()).collect())
}

/// Every group of `a` ANDed with every group of `b`.
pub fn product(a: &FilterGroups, b: &FilterGroups) -> FilterGroups {
    let mut out = Vec::new();
    for x in a {
        for y in b {
            let mut g = x.clone();
            g.extend(y.iter().cloned());
            out.push(g);
        }
    }
    out
}

fn dnf(map: &Map<String, Value>) -> Option<FilterGroups> {
    let mut groups: FilterGroups = vec![Vec::new()];
    for (key, v) in map {
        match key.as_str() {
            "and" => {
                for member in v.as_array()? {
                    groups = product(&groups, &dnf(member.as_object()?)?);
                }
            }
            "or" => {
                let mut alternatives = Vec::new();
                for member in v.as_array()? {
                    alternatives.extend(dnf(member.as_object()?)?);
                }
                groups = product(&groups, &alternatives);
            }
            field => {
                let ops = v.as_object()?;
                let alternatives: FilterGroups =
                    ops.iter().map(|(op, value)| vec![Filter { field: field.to_string(), operator: op.clone(), value: value.clone() }]).collect();
                groups = product(&groups, &alternatives);
            }
        }
    }
    Some(groups)
}

/// The value at a dotted path.
fn lookup<'a>(payload: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(payload, |v, seg| v.get(seg))
}

fn cmp(a: &Value, b: &Value) -> Option<std::cmp::Ordering> {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64()?.partial_cmp(&y.as_f64()?),
        (Value::String(x), Value::String(y)) => Some(x.cmp(y)),
        _ => None,
    }
}

fn contains(field: &Value, v: &Value) -> bool {
    match (field, v) {
        (Value::String(s), Value::String(sub)) => s.contains(sub.as_str()),
        (Value::Array(items), v) => items.contains(v),
        _ => false,
    }
}

/// Whether one filter holds for `payload`.
pub fn filter_matches(f: &Filter, payload: &Value) -> bool {
    let field = lookup(payload, &f.field).unwrap_or(&Value::Null);
    let ord = || cmp(field, &f.value);
    use std::cmp::Ordering::*;
    match f.operator.as_str() {
        "eq" => field == &f.value,
        "ne" => field != &f.value,
        "lt" => ord() == Some(Less),
        "le" | "lte" => matches!(ord(), Some(Less | Equal)),
        "gt" => ord() == Some(Greater),
        "ge" | "gte" => matches!(ord(), Some(Greater | Equal)),
        "contains" => contains(field, &f.value),
        "notContains" => !contains(field, &f.value),
        "beginsWith" => matches!((field, &f.value), (Value::String(s), Value::String(p)) if s.starts_with(p.as_str())),
        "in" => f.value.as_array().is_some_and(|vs| vs.contains(field)),
        "notIn" => f.value.as_array().is_some_and(|vs| !vs.contains(field)),
        "between" => match f.value.as_array().map(Vec::as_slice) {
            Some([lo, hi, ..]) => matches!(cmp(field, lo), Some(Greater | Equal)) && matches!(cmp(field, hi), Some(Less | Equal)),
            _ => false,
        },
        "containsAny" => f.value.as_array().is_some_and(|vs| vs.iter().any(|v| contains(field, v))),
        "attributeExists" => field.is_null() != (f.value == Value::Bool(true)),
        _ => false,
    }
}

/// Whether `payload` passes `groups` (no groups: everything passes).
pub fn groups_match(groups: &FilterGroups, payload: &Value) -> bool {
    groups.is_empty() || groups.iter().any(|g| g.iter().all(|f| filter_matches(f, payload)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn groups(v: Value) -> Vec<Vec<(String, String, Value)>> {
        to_subscription_filter(&v).unwrap().into_iter().map(|g| g.into_iter().map(|f| (f.field, f.operator, f.value)).collect()).collect()
    }

    fn f(field: &str, op: &str, v: Value) -> (String, String, Value) {
        (field.into(), op.into(), v)
    }

    #[test]
    fn dnf_matches_the_aws_snapshots() {
        assert_eq!(groups(json!({"z": {"eq": 0}, "and": [{"a": {"eq": 1}}]})), vec![vec![f("z", "eq", json!(0)), f("a", "eq", json!(1))]]);
        assert_eq!(groups(json!({"or": [{"a": {"eq": 1}}, {"b": {"eq": 2}}]})), vec![vec![f("a", "eq", json!(1))], vec![f("b", "eq", json!(2))]]);
        assert_eq!(
            groups(json!({"and": [{"a": {"eq": 1}}, {"or": [{"b": {"eq": 2}}, {"c": {"eq": 3}}]}]})),
            vec![vec![f("a", "eq", json!(1)), f("b", "eq", json!(2))], vec![f("a", "eq", json!(1)), f("c", "eq", json!(3))]]
        );
        assert_eq!(groups(json!({"a": {"eq": 1, "ne": 2}})), vec![vec![f("a", "eq", json!(1))], vec![f("a", "ne", json!(2))]]);
        assert_eq!(groups(json!({"not": {"a": {"eq": 1}}})), vec![vec![f("not", "a", json!({"eq": 1}))]]);
        assert_eq!(groups(json!({"a": {"bogus": 1}})), vec![vec![f("a", "bogus", json!(1))]]);
        let four = groups(json!({
            "or": [{"percentageUp": {"lte": 50}}, {"percentageUp": {"gte": 20}}],
            "title": {"ne": "Book1"}, "downvotes": {"gt": 2000},
            "and": [{"or": [{"author": {"eq": "Admin"}}, {"isPublished": {"eq": false}}]}]
        }));
        assert_eq!(four.len(), 4);
        assert_eq!(four[1], vec![f("percentageUp", "lte", json!(50)), f("title", "ne", json!("Book1")), f("downvotes", "gt", json!(2000)), f("isPublished", "eq", json!(false))]);
        for empty in [json!({}), json!({"and": []}), json!({"a": {}})] {
            assert!(groups(empty).is_empty());
        }
        for unreadable in [json!(null), json!("{}"), json!([])] {
            assert!(to_subscription_filter(&unreadable).is_none());
        }
    }

    #[test]
    fn evaluation() {
        let p = json!({"name": "milk", "priority": 3, "tags": ["a", "b"], "loc": {"country": "NZ"}});
        let ok = |v: Value| groups_match(&to_subscription_filter(&v).unwrap(), &p);
        assert!(ok(json!({})));
        assert!(ok(json!({"name": {"eq": "milk"}, "priority": {"between": [1, 3]}})));
        assert!(!ok(json!({"name": {"eq": "milk"}, "priority": {"gt": 3}})));
        assert!(ok(json!({"or": [{"name": {"eq": "x"}}, {"priority": {"ge": 3}}]})));
        assert!(ok(json!({"name": {"beginsWith": "mi"}, "tags": {"contains": "a"}, "loc.country": {"in": ["NZ", "AU"]}})));
        assert!(ok(json!({"tags": {"containsAny": ["z", "b"]}, "name": {"notContains": "x"}, "priority": {"notIn": [1]}})));
        assert!(!ok(json!({"missing": {"eq": "x"}})));
        assert!(ok(json!({"missing": {"ne": "x"}})));
        assert!(!ok(json!({"name": {"bogus": 1}})));
    }
}
