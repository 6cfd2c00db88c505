//! Parser / evaluator / update tests against AWS's documented semantics and messages.

use super::ast::{Cond, PathElem};
use super::{eval, update, ExprCtx, ExprKind};
use crate::model::{Names, Values};
use crate::value::{AttributeValue as V, Item};

fn n(s: &str) -> V {
    V::n(s).unwrap()
}

fn ctx(names: &[(&str, &str)], values: &[(&str, V)]) -> ExprCtx {
    let names: Option<Names> = (!names.is_empty()).then(|| names.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect());
    let values: Option<Values> = (!values.is_empty()).then(|| values.iter().map(|(a, b)| (a.to_string(), b.clone())).collect());
    ExprCtx::new(names.as_ref(), values.as_ref(), true).unwrap()
}

fn cond(src: &str, values: &[(&str, V)]) -> Result<Cond, String> {
    let mut c = ctx(&[], values);
    let r = c.condition(ExprKind::Condition, src).map_err(|e| e.to_string())?;
    c.finish().map_err(|e| e.to_string())?;
    Ok(r)
}

fn item(pairs: &[(&str, V)]) -> Item {
    pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect()
}

#[test]
fn precedence_and_or_not() {
    // a OR b AND c  ==  a OR (b AND c)
    let c = cond("x = :a OR x = :b AND y = :b", &[(":a", n("1")), (":b", n("2"))]).unwrap();
    assert!(matches!(c, Cond::Or(..)));
    let it = item(&[("x", n("1")), ("y", n("3"))]);
    assert!(eval::eval(&c, &it));
    let c = cond("NOT x = :a AND y = :b", &[(":a", n("1")), (":b", n("3"))]).unwrap();
    assert!(!eval::eval(&c, &it));
    let c = cond("NOT (x = :a AND y = :b)", &[(":a", n("1")), (":b", n("3"))]).unwrap();
    assert!(!eval::eval(&c, &it));
}

#[test]
fn functions_and_comparisons() {
    let it = item(&[
        ("s", V::s("hello")),
        ("n", n("5")),
        ("l", V::L(vec![V::s("a"), n("1")])),
        ("ss", V::Ss(vec!["x".into(), "y".into()])),
        ("m", V::M(item(&[("deep", V::L(vec![n("0"), V::M(item(&[("c", V::s("z"))]))]))]))),
    ]);
    let vals = [(":p", V::s("he")), (":lo", n("1")), (":hi", n("9")), (":t", V::s("S")), (":x", V::s("x")), (":two", n("2")), (":z", V::s("z"))];
    let ok = |src: &str, want: bool| {
        let used: Vec<(&str, V)> = vals.iter().filter(|(k, _)| src.split(|c: char| !(c.is_alphanumeric() || c == ':' || c == '_')).any(|w| w == *k)).cloned().collect();
        let c = cond(src, &used).unwrap_or_else(|e| panic!("{src}: {e}"));
        assert_eq!(eval::eval(&c, &it), want, "{src}");
    };
    ok("begins_with(s, :p)", true);
    ok("n BETWEEN :lo AND :hi", true);
    ok("attribute_type(s, :t)", true);
    ok("contains(ss, :x)", true);
    ok("size(l) = :two", true);
    ok("size(l) > :two", false);
    ok("m.deep[1].c = :z", true);
    ok("attribute_exists(m.deep[0])", true);
    ok("attribute_not_exists(m.deep[5])", true);
    ok("n IN (:lo, :hi)", false);
    ok("s < :p", false);
    ok("s > :p", true);
    ok("n = :p", false);
    ok("absent_attr <> :p", true);
}

#[test]
fn validation_messages() {
    let e = cond("a = :v", &[]).unwrap_err();
    assert_eq!(e, "Invalid ConditionExpression: An expression attribute value used in expression is not defined; attribute value: :v");
    let e = cond("name = :v", &[(":v", n("1"))]).unwrap_err();
    assert_eq!(e, "Invalid ConditionExpression: Attribute name is a reserved keyword; reserved keyword: name");
    let e = cond("a = :v", &[(":v", n("1")), (":w", n("2"))]).unwrap_err();
    assert_eq!(e, "Value provided in ExpressionAttributeValues unused in expressions: keys: {:w}");
    let e = cond("a = = :v", &[(":v", n("1"))]).unwrap_err();
    assert_eq!(e, "Invalid ConditionExpression: Syntax error; token: \"=\", near: \"= = :v\"");
    let e = cond("a =", &[]).unwrap_err();
    assert_eq!(e, "Invalid ConditionExpression: Syntax error; token: \"<EOF>\", near: \"=\"");
    let e = cond("", &[]).unwrap_err();
    assert_eq!(e, "Invalid ConditionExpression: The expression can not be empty;");
    let e = cond("foo(a)", &[]).unwrap_err();
    assert_eq!(e, "Invalid ConditionExpression: Invalid function name; function: foo");
    let e = cond("a BETWEEN :b AND :a", &[(":a", n("1")), (":b", n("2"))]).unwrap_err();
    assert!(e.contains("BETWEEN"), "{e}");
    let many: Vec<String> = (0..101).map(|i| format!(":v{i}")).collect();
    let vals: Vec<(String, V)> = many.iter().map(|k| (k.clone(), n("1"))).collect();
    let vals_ref: Vec<(&str, V)> = vals.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
    let e = cond(&format!("a IN ({})", many.join(",")), &vals_ref).unwrap_err();
    assert!(e.contains("too many operands"), "{e}");
    let mut c = ctx(&[("#a", "a")], &[]);
    assert!(c.condition(ExprKind::Condition, "attribute_exists(#b)").unwrap_err().to_string().contains("attribute name: #b"));
    let e = cond("((a = :v))", &[(":v", n("1"))]).unwrap_err();
    assert_eq!(e, "Invalid ConditionExpression: The expression has redundant parentheses;");
    assert!(cond("(a = :v) AND ((a = :v) OR (a = :v))", &[(":v", n("1"))]).is_ok());
    // deep nesting is bounded and fast (no exponential re-parsing, no stack exhaustion)
    let deep = format!("{}a = :v{}", "(".repeat(2000), ")".repeat(2000));
    let t = std::time::Instant::now();
    assert!(cond(&deep, &[(":v", n("1"))]).unwrap_err().contains("nesting"));
    let nots = format!("{}a = :v", "NOT ".repeat(1000));
    assert!(cond(&nots, &[(":v", n("1"))]).is_err());
    let mixed = format!("{}a = :v{}", "(a = :v AND ".repeat(40), ")".repeat(40));
    assert!(cond(&mixed, &[(":v", n("1"))]).is_ok());
    assert!(t.elapsed() < std::time::Duration::from_secs(1));
}

fn upd(src: &str, names: &[(&str, &str)], values: &[(&str, V)], old: &Item) -> Result<Item, String> {
    let mut c = ctx(names, values);
    let u = c.update(src).map_err(|e| e.to_string())?;
    c.finish().map_err(|e| e.to_string())?;
    update::apply(&u, old).map_err(|e| e.to_string())
}

#[test]
fn update_actions() {
    let old = item(&[("n", n("1")), ("l", V::L(vec![n("0"), n("1"), n("2")])), ("ss", V::Ss(vec!["a".into(), "b".into()])), ("m", V::M(Item::new()))]);
    let new = upd(
        "SET n = n + :one, l = list_append(l, :l), m.k = if_not_exists(m.k, :one), c = :one ADD ss :s, cnt :one",
        &[],
        &[(":one", n("1")), (":l", V::L(vec![n("3")])), (":s", V::Ss(vec!["c".into()]))],
        &old,
    )
    .unwrap();
    assert_eq!(new["n"], n("2"));
    assert_eq!(new["l"], V::L(vec![n("0"), n("1"), n("2"), n("3")]));
    assert_eq!(new["m"], V::M(item(&[("k", n("1"))])));
    assert_eq!(new["cnt"], n("1"));
    assert_eq!(new["ss"], V::Ss(vec!["a".into(), "b".into(), "c".into()]));
    let new = upd("DELETE ss :a", &[], &[(":a", V::Ss(vec!["a".into(), "b".into()]))], &old).unwrap();
    assert!(!new.contains_key("ss"), "an emptied set is removed");
    let e = upd("SET l = :v REMOVE l[0]", &[], &[(":v", n("1"))], &old).unwrap_err();
    assert!(e.contains("overlap"), "{e}");
    let e = upd("SET a = :v SET b = :v", &[], &[(":v", n("1"))], &old).unwrap_err();
    assert_eq!(e, "Invalid UpdateExpression: The \"SET\" section can only be used once in an update expression;");
    let e = upd("SET m = :v, m.k = :v", &[], &[(":v", n("1"))], &old).unwrap_err();
    assert_eq!(e, "Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [m], path two: [m, k]");
    let e = upd("SET x.y = :v", &[], &[(":v", n("1"))], &old).unwrap_err();
    assert_eq!(e, "The document path provided in the update expression is invalid for update");
    let e = upd("SET n = absent_attr + :v", &[], &[(":v", n("1"))], &old).unwrap_err();
    assert_eq!(e, "The provided expression refers to an attribute that does not exist in the item");
    let e = upd("ADD n :v", &[], &[(":v", V::s("x"))], &old).unwrap_err();
    assert_eq!(e, "Invalid UpdateExpression: Incorrect operand type for operator or function; operator: ADD, operand type: STRING");
    let e = upd("SET l = l + :v", &[], &[(":v", n("1"))], &old).unwrap_err();
    assert_eq!(e, "An operand in the update expression has an incorrect data type");
    let new = upd("REMOVE l[0], l[2]", &[], &[], &old).unwrap();
    assert_eq!(new["l"], V::L(vec![n("1")]));
    let new = upd("SET #s = :v", &[("#s", "status")], &[(":v", V::s("ok"))], &old).unwrap();
    assert_eq!(new["status"], V::s("ok"));
}

#[test]
fn projection_compacts_lists() {
    let it = item(&[("a", V::L(vec![n("0"), n("1"), n("2"), n("3")])), ("b", V::M(item(&[("c", n("1")), ("d", n("2"))]))), ("e", n("9"))]);
    let mut c = ctx(&[], &[]);
    let p = c.projection("a[1], a[3], b.c").unwrap();
    let out = eval::project(&it, &p);
    assert_eq!(out["a"], V::L(vec![n("1"), n("3")]));
    assert_eq!(out["b"], V::M(item(&[("c", n("1"))])));
    assert!(!out.contains_key("e"));
    assert_eq!(p[0], vec![PathElem::Attr("a".into()), PathElem::Index(1)]);
}
