//! The requests against what the fixture templates render for the same arguments.

use super::*;
use crate::resolver::DataRequest;
use crate::transform::auth::{AuthMode, AuthSettings};
use crate::transform::{transform, TransformConfig};
use serde_json::json;

fn models(input: &str) -> Vec<ModelDef> {
    let cfg = TransformConfig {
        auth: AuthSettings { default_mode: AuthMode::ApiKey, additional: vec![], sandbox: true },
        versioned: false,
        api_id: "api".into(),
        env: "NONE".into(),
    };
    transform(input, &cfg).unwrap().models
}

fn todo() -> ModelDef {
    models("type Todo @model { id: ID! name: String! description: String }").remove(0)
}

fn task() -> ModelDef {
    models("type Task @model { projectId: ID! @primaryKey(sortKeyFields: [\"createdAt\"]) createdAt: AWSDateTime! title: String priority: Int @index(name: \"byP\", queryField: \"q\") }").remove(0)
}

fn obj(v: Value) -> Map<String, Value> {
    v.as_object().cloned().unwrap()
}

#[test]
fn create_puts_merged_item_with_not_exists_guard_after_client_condition() {
    let req = create(&todo(), "Todo-api-NONE", &obj(json!({"name": "a"})), Some(&json!({"name": {"eq": "a"}})), "2026-01-01T00:00:00.000Z", "uuid-1").unwrap();
    let DataRequest::PutItem { table, key, item, condition } = req else { panic!("not a put") };
    assert_eq!(table, "Todo-api-NONE");
    assert_eq!(Value::Object(key), json!({"id": {"S": "uuid-1"}}));
    assert_eq!(item["__typename"], json!({"S": "Todo"}));
    assert_eq!(item["createdAt"], json!({"S": "2026-01-01T00:00:00.000Z"}));
    assert_eq!(item["updatedAt"], item["createdAt"]);
    let c = condition.unwrap();
    assert_eq!(c.expression, "((#name = :and_0_name_eq) AND (attribute_not_exists(#id)))");
    assert_eq!(Value::Object(c.values), json!({":and_0_name_eq": {"S": "a"}}));
}

#[test]
fn client_id_wins_over_auto_id() {
    let req = create(&todo(), "t", &obj(json!({"id": "mine", "name": "a"})), None, "now", "auto").unwrap();
    let DataRequest::PutItem { key, condition, .. } = req else { panic!() };
    assert_eq!(Value::Object(key), json!({"id": {"S": "mine"}}));
    assert_eq!(condition.unwrap().expression, "(attribute_not_exists(#id))");
}

#[test]
fn custom_key_guard_uses_key_condition_names() {
    let req = create(&task(), "t", &obj(json!({"projectId": "p", "title": "x"})), None, "2026", "auto").unwrap();
    let DataRequest::PutItem { key, condition, .. } = req else { panic!() };
    assert_eq!(Value::Object(key), json!({"projectId": {"S": "p"}, "createdAt": {"S": "2026"}}));
    let c = condition.unwrap();
    // One `and` member holding two fields: the member is not wrapped, its fields join bare.
    assert_eq!(c.expression, "(attribute_not_exists(#keyCondition1)) AND (attribute_not_exists(#keyCondition2))");
    assert_eq!(c.names["#keyCondition1"], json!("projectId"));
    assert_eq!(c.names["#keyCondition2"], json!("createdAt"));
}

#[test]
fn update_sets_and_removes_with_exists_guard_first() {
    let req = update(&todo(), "t", &obj(json!({"id": "1", "name": "b", "description": null})), Some(&json!({"name": {"eq": "a"}})), "now").unwrap();
    let DataRequest::UpdateItem { key, update, condition, .. } = req else { panic!() };
    assert_eq!(Value::Object(key), json!({"id": {"S": "1"}}));
    assert_eq!(update.expression, "SET #updatedAt = :updatedAt, #name = :name REMOVE #description");
    assert_eq!(Value::Object(update.values), json!({":updatedAt": {"S": "now"}, ":name": {"S": "b"}}));
    assert_eq!(condition.unwrap().expression, "((attribute_exists(#id)) AND (#name = :and_1_name_eq))");
}

#[test]
fn delete_guards_on_existence_and_needs_the_key() {
    let DataRequest::DeleteItem { condition, .. } = delete(&todo(), "t", &obj(json!({"id": "1"})), None).unwrap() else { panic!() };
    assert_eq!(condition.unwrap().expression, "(attribute_exists(#id))");
    let err = delete(&task(), "t", &obj(json!({"projectId": "p"})), None).unwrap_err();
    assert_eq!(err.error_type, "MappingTemplate");
}

#[test]
fn list_defaults_to_scan_with_limit_100_and_rejects_bad_filters() {
    let DataRequest::Scan { limit, filter, next_token, .. } = list(&todo(), "t", &obj(json!({}))).unwrap() else { panic!() };
    assert_eq!((limit, filter, next_token), (100, None, None));
    let DataRequest::Scan { limit, filter, .. } = list(&todo(), "t", &obj(json!({"limit": 5, "filter": {"name": {"beginsWith": "a"}}}))).unwrap() else { panic!() };
    assert_eq!(limit, 5);
    assert_eq!(filter.unwrap().expression, "(begins_with(#name,:name_beginsWith))");
    let err = list(&todo(), "t", &obj(json!({"filter": {"name": {"like": "a"}}}))).unwrap_err();
    assert_eq!((err.error_type, err.message.as_str()), ("Unrecognized Filter", "Unable to process the filter expression"));
}

#[test]
fn list_with_partition_key_queries_with_sort_condition_and_direction() {
    let args = obj(json!({"projectId": "p", "createdAt": {"beginsWith": "2026"}, "sortDirection": "DESC"}));
    let DataRequest::Query { key_condition, forward, index, .. } = list(&task(), "t", &args).unwrap() else { panic!() };
    assert_eq!(key_condition.expression, "#projectId = :projectId AND begins_with(#createdAt, :createdAt)");
    assert!(!forward);
    assert_eq!(index, None);
}

#[test]
fn index_query_rejects_sort_direction_without_sort_key() {
    let err = index_query("t", Some("byPost"), ("postId", &json!("p")), None, &obj(json!({"sortDirection": "ASC"})), true).unwrap_err();
    assert_eq!(err.error_type, "InvalidArgumentsError");
    let DataRequest::Query { key_condition, index, .. } = index_query("t", Some("gsi-Post.comments"), ("postCommentsId", &json!("p")), None, &obj(json!({"sortDirection": "ASC"})), false).unwrap() else { panic!() };
    assert_eq!(index.as_deref(), Some("gsi-Post.comments"));
    assert_eq!(key_condition.expression, "#postCommentsId = :postCommentsId");
    let DataRequest::Query { key_condition, .. } = index_query("t", Some("byP"), ("projectId", &json!("p")), Some("priority"), &obj(json!({"priority": {"between": [1, 3]}})), true).unwrap() else { panic!() };
    assert_eq!(key_condition.expression, "#projectId = :projectId AND #priority BETWEEN :priority0 AND :priority1");
    assert_eq!(key_condition.values[":priority0"], json!({"N": 1}));
}

#[test]
fn get_is_a_query_on_the_key() {
    let DataRequest::Query { key_condition, .. } = get(&task(), "t", &obj(json!({"projectId": "p", "createdAt": "c"}))).unwrap() else { panic!() };
    assert_eq!(key_condition.expression, "#keyCount1 = :valueCount1 AND #keyCount2 = :valueCount2");
}

#[test]
fn key_guard_matches_the_rendered_guard() {
    let keys = |k: &[&str]| k.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    for k in [keys(&["id"]), keys(&["projectId"]), keys(&["id", "createdAt"]), keys(&["a", "b", "c"])] {
        for exists in [true, false] {
            for client_first in [true, false] {
                assert_eq!(key_guard(&k, exists), guarded_slow(&k, exists, None, client_first).unwrap(), "{k:?} {exists}");
                assert_eq!(key_guard(&k, exists), guarded_slow(&k, exists, Some(&Value::Null), client_first).unwrap(), "{k:?} {exists}");
            }
        }
    }
}

#[test]
fn create_item_is_the_typed_merge() {
    let m = models("type Todo @model { id: ID! name: String! done: Boolean @default(value: \"false\") n: Int }").remove(0);
    let input = obj(json!({"name": "a", "n": 3, "done": true, "createdAt": "mine", "extra": null}));
    let DataRequest::PutItem { key, item, .. } = create(&m, "t", &input, None, "now", "auto").unwrap() else { panic!() };
    // The old construction: merge plain values, then type each.
    let mut merged = Map::new();
    merged.insert("id".into(), json!("auto"));
    merged.insert("createdAt".into(), json!("now"));
    merged.insert("updatedAt".into(), json!("now"));
    for (f, v) in &m.defaults {
        merged.insert(f.clone(), serde_json::to_value(v).unwrap());
    }
    for (k, v) in &input {
        merged.insert(k.clone(), v.clone());
    }
    merged.insert("__typename".into(), json!("Todo"));
    let expected: Map<String, Value> = merged.iter().map(|(k, v)| (k.clone(), to_dynamodb(v))).collect();
    assert_eq!(serde_json::to_string(&item).unwrap(), serde_json::to_string(&expected).unwrap());
    assert_eq!(Value::Object(key), json!({"id": {"S": "auto"}}));
    let null_id = create(&m, "t", &obj(json!({"id": null, "name": "a"})), None, "now", "auto");
    assert_eq!(null_id.unwrap_err().message, "missing key field id");
}
