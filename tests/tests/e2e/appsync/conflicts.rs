//! DataStore conflict resolution with AUTOMERGE (the default of `--graphql-conflict-handler`,
//! as the DataStore fixture's `SyncConfig`): a stale update is merged into the stored item
//! (server scalars kept, lists concatenated, new fields taken) and written as the next
//! version; a stale delete is still `ConflictUnhandled`. OPTIMISTIC_CONCURRENCY is covered by
//! `data_plane::datastore_versions_tombstones_and_sync`.

use super::field_auth::env_with_schema;
use super::*;

const PLAYERS: &str = r#"
type Player @model @auth(rules: [{ allow: public }]) {
  id: ID!
  name: String
  jersey: Int
  tags: [String]
  nickname: String
}
"#;

#[tokio::test]
async fn automerge_merges_stale_updates() {
    let (env, _dir, _, _) = env_with_schema(PLAYERS, |s| s.appsync.graphql_conflict_detection = true).await;
    let fields = "id name jersey tags nickname _version";
    let c = gql(&env, &format!("mutation {{ createPlayer(input: {{name: \"Nadia\", jersey: 5, tags: [\"a\"]}}) {{ {fields} }} }}"), json!({})).await;
    let id = c["data"]["createPlayer"]["id"].as_str().unwrap().to_string();
    let upd = format!("mutation U($i: UpdatePlayerInput!) {{ updatePlayer(input: $i) {{ {fields} }} }}");
    let u = gql(&env, &upd, json!({"i": {"id": id, "jersey": 6, "_version": 1}})).await;
    assert_eq!(u["data"]["updatePlayer"]["_version"], 2, "{u}");

    // A client still at version 1: its scalar loses, its list is appended, its new field is kept.
    let stale = gql(&env, &upd, json!({"i": {"id": id, "jersey": 55, "tags": ["b"], "nickname": "N", "_version": 1}})).await;
    assert!(stale.get("errors").is_none(), "{stale}");
    assert_eq!(stale["data"]["updatePlayer"], json!({"id": id, "name": "Nadia", "jersey": 6, "tags": ["a", "b"], "nickname": "N", "_version": 3}));
    let stored = env.dynamodb().get_item().table_name("Player-profiles-NONE").key("id", aws_sdk_dynamodb::types::AttributeValue::S(id.clone())).send().await.unwrap();
    let item = stored.item().unwrap();
    assert_eq!((item["jersey"].as_n().unwrap().as_str(), item["_version"].as_n().unwrap().as_str()), ("6", "3"));
    // A current client writes normally.
    let u = gql(&env, &upd, json!({"i": {"id": id, "jersey": 7, "_version": 3}})).await;
    assert_eq!((u["data"]["updatePlayer"]["jersey"].as_i64(), u["data"]["updatePlayer"]["_version"].as_i64()), (Some(7), Some(4)));
    // A failing client condition is not a version conflict: it stays a DynamoDB error.
    let cond = format!("mutation U($i: UpdatePlayerInput!, $c: ModelPlayerConditionInput) {{ updatePlayer(input: $i, condition: $c) {{ {fields} }} }}");
    let u = gql(&env, &cond, json!({"i": {"id": id, "jersey": 8, "_version": 4}, "c": {"name": {"eq": "other"}}})).await;
    assert_eq!(u["errors"][0]["errorType"], "DynamoDB:ConditionalCheckFailedException", "{u}");
    // Stale deletes are never merged.
    let d = gql(&env, "mutation D($i: DeletePlayerInput!) { deletePlayer(input: $i) { id } }", json!({"i": {"id": id, "_version": 1}})).await;
    assert_eq!(d["errors"][0]["errorType"], "ConflictUnhandled", "{d}");
    let d = gql(&env, "mutation D($i: DeletePlayerInput!) { deletePlayer(input: $i) { _deleted _version } }", json!({"i": {"id": id, "_version": 4}})).await;
    assert_eq!(d["data"]["deletePlayer"], json!({"_deleted": true, "_version": 5}));
    // Updating the tombstone with a stale version is a conflict, not a resurrection.
    let u = gql(&env, &upd, json!({"i": {"id": id, "jersey": 9, "_version": 2}})).await;
    assert_eq!(u["errors"][0]["errorType"], "ConflictUnhandled", "{u}");
}
