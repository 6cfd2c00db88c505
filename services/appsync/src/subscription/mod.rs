//! Real-time subscriptions (<https://docs.aws.amazon.com/appsync/latest/devguide/aws-appsync-real-time-data.html>).
//! [`hub`] broadcasts each mutation's result; subscription fields of the executable schema
//! (`crate::schema`) turn it into streams filtered by `@aws_subscribe`, argument equality and
//! the enhanced filter ([`filter`]), re-projected onto each subscriber's selection set by
//! `Schema::execute_stream`; [`fanout`] runs one such stream per distinct (document,
//! variables, authorization) and sends its rendered events to every subscriber sharing them.
//!
//! Leaves out: nothing named by issue #6 (the WebSocket transport is `crate::realtime`).

pub mod fanout;
pub mod filter;
pub mod hub;

#[cfg(test)]
mod tests {
    use crate::executor::tests::{executor, SAMPLE};
    use crate::executor::RequestAuth;
    use crate::runtime::LoadedApi;
    use crate::transform::auth::AuthMode;
    use crate::transform::sdl::Document;
    use async_graphql::Request;
    use futures_util::StreamExt;
    use serde_json::json;
    use std::sync::Arc;
    use std::time::Duration;

    fn api() -> Arc<LoadedApi> {
        let (exec, _) = executor(SAMPLE);
        let path = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/gen1-cli-sandbox-apikey/schema.graphql");
        let document = Document::parse(&std::fs::read_to_string(path).unwrap()).unwrap();
        let hub = super::hub::Hub::default();
        let schema = crate::schema::build(&document, exec, AuthMode::ApiKey, hub.clone()).unwrap();
        Arc::new(LoadedApi { schema, document, transformed: None, type_count: 0, modes: (AuthMode::ApiKey, vec![]), hub })
    }

    #[tokio::test]
    async fn mutation_results_reach_matching_subscribers_projected() {
        let api = api();
        let key = RequestAuth::mode(AuthMode::ApiKey);
        let sub = "subscription { onCreateTodo(filter: {name: {eq: \"milk\"}}) { name description __typename } }";
        let mut stream = api.schema.execute_stream(Request::new(sub).data(key.clone()));
        // First poll registers the subscription.
        assert!(tokio::time::timeout(Duration::from_millis(20), stream.next()).await.is_err());
        let mut other = api.schema.execute_stream(Request::new("subscription { onUpdateTodo { name } }").data(key.clone()));
        assert!(tokio::time::timeout(Duration::from_millis(20), other.next()).await.is_err());
        for name in ["bread", "milk"] {
            let q = format!("mutation {{ created: createTodo(input: {{name: \"{name}\"}}) {{ id name }} }}");
            let out = crate::graphql::execute(&api, Request::new(q).data(key.clone())).await;
            assert_eq!(out["data"]["created"]["name"], name);
        }
        let got = tokio::time::timeout(Duration::from_secs(2), stream.next()).await.unwrap().unwrap();
        assert!(got.errors.is_empty(), "{:?}", got.errors);
        // Only the mutation's selection is published: description was not selected.
        assert_eq!(got.data.into_json().unwrap(), json!({"onCreateTodo": {"name": "milk", "description": null, "__typename": "Todo"}}));
        assert!(tokio::time::timeout(Duration::from_millis(50), stream.next()).await.is_err(), "bread was filtered out");
        assert!(tokio::time::timeout(Duration::from_millis(50), other.next()).await.is_err(), "onUpdateTodo is not @aws_subscribe'd to createTodo");
    }

    #[tokio::test]
    async fn subscription_auth_and_bad_filters() {
        let api = api();
        // onCreateTodo has no directive: default (API key) only.
        let iam = RequestAuth::mode(AuthMode::Iam);
        let mut s = api.schema.execute_stream(Request::new("subscription { onCreateTodo { id } }").data(iam));
        let r = tokio::time::timeout(Duration::from_secs(1), s.next()).await.unwrap().unwrap();
        assert_eq!(r.errors[0].message, "Not Authorized to access onCreateTodo on type Subscription");
    }

    /// Open `query` for `outbox` as the realtime layer does: join the group or create it.
    async fn open(api: &LoadedApi, query: &str, auth: &RequestAuth, outbox: &Arc<crate::realtime::outbox::Outbox>, id: &str) -> super::fanout::Membership {
        let key = super::fanout::GroupKey::new(query, None, None, auth);
        if let Some(m) = api.hub.groups.join(&key, outbox, id, []) {
            return m;
        }
        let mut stream = api.schema.execute_stream(Request::new(query).data(auth.clone())).boxed();
        assert!(tokio::time::timeout(Duration::from_millis(20), stream.next()).await.is_err(), "registered without error");
        api.hub.groups.join_or_create(key, outbox, id, [], stream, None)
    }

    async fn frames(o: &crate::realtime::outbox::Outbox, n: usize) -> Vec<serde_json::Value> {
        let mut got = Vec::new();
        while got.len() < n {
            tokio::time::timeout(Duration::from_secs(2), o.ready()).await.expect("a frame");
            got.extend(o.take().iter().map(|f| serde_json::from_str::<serde_json::Value>(f.as_str()).unwrap()));
        }
        got
    }

    #[tokio::test]
    async fn identical_subscriptions_share_one_rendering_and_keep_their_own_ids_selections_and_filters() {
        use crate::realtime::outbox::{Outbox, OUTBOX};
        let api = api();
        let key = RequestAuth::mode(AuthMode::ApiKey);
        let wide = "subscription { onCreateTodo { name description } }";
        let narrow = "subscription { onCreateTodo { name } }";
        let milk = "subscription { onCreateTodo(filter: {name: {eq: \"milk\"}}) { id name } }";
        let (a, b, c, d, slow) = (Arc::new(Outbox::default()), Arc::new(Outbox::default()), Arc::new(Outbox::default()), Arc::new(Outbox::default()), Arc::new(Outbox::default()));
        let ma = open(&api, wide, &key, &a, "a").await;
        let mb = open(&api, wide, &key, &b, "b\"quoted").await;
        let mc = open(&api, narrow, &key, &c, "c").await;
        let md = open(&api, milk, &key, &d, "d").await;
        let ms = open(&api, wide, &key, &slow, "s").await;
        assert_eq!(api.hub.groups.groups(), 3, "same document and auth share a group; another selection or filter does not");
        // A group's member whose connection is full is cut off, the others still get the event.
        for i in 0..OUTBOX {
            assert!(slow.push(format!("{i}")));
        }
        for name in ["bread", "milk"] {
            let q = format!("mutation {{ createTodo(input: {{name: \"{name}\", description: \"d\"}}) {{ id name description }} }}");
            let out = crate::graphql::execute(&api, Request::new(q).data(key.clone())).await;
            assert_eq!(out["data"]["createTodo"]["name"], name);
        }
        let (fa, fb, fc) = (frames(&a, 2).await, frames(&b, 2).await, frames(&c, 2).await);
        assert_eq!(fa[1], json!({"type": "data", "id": "a", "payload": {"data": {"onCreateTodo": {"name": "milk", "description": "d"}}}}));
        assert_eq!(fb[1]["id"], "b\"quoted", "ids are JSON-escaped per member");
        assert_eq!(fb[1]["payload"], fa[1]["payload"]);
        assert_eq!(fa[0]["payload"]["data"]["onCreateTodo"]["name"], "bread", "commit order");
        assert_eq!(fc[1]["payload"], json!({"data": {"onCreateTodo": {"name": "milk"}}}), "projected onto its own selection");
        let fd = frames(&d, 1).await;
        assert_eq!(fd[0]["payload"]["data"]["onCreateTodo"]["name"], "milk");
        assert!(tokio::time::timeout(Duration::from_millis(50), d.ready()).await.is_err(), "bread was filtered out");
        assert!(slow.overflowed(), "the full connection is marked for closing");
        // Leaving: the last member out stops the group.
        for (m, id) in [(&ma, "a"), (&mb, "b\"quoted"), (&ms, "s")] {
            m.leave(id);
        }
        assert_eq!(api.hub.groups.groups(), 2);
        mc.leave("c");
        md.leave("d");
        assert_eq!(api.hub.groups.groups(), 0);
    }

    #[tokio::test]
    async fn one_connections_subscriptions_in_a_group_share_its_member_and_each_get_every_event() {
        use crate::realtime::outbox::{Outbox, OUTBOX};
        let api = api();
        let key = RequestAuth::mode(AuthMode::ApiKey);
        let q = "subscription { onCreateTodo { name } }";
        let (conn, other) = (Arc::new(Outbox::default()), Arc::new(Outbox::default()));
        // As the realtime session joins: passing the connection's memberships so far.
        let mut mine: Vec<(String, super::fanout::Membership)> = Vec::new();
        for id in ["x", "y", "z"] {
            let gk = super::fanout::GroupKey::new(q, None, None, &key);
            let m = match api.hub.groups.join(&gk, &conn, id, mine.iter().map(|(_, m)| m)) {
                Some(m) => m,
                None => {
                    let mut stream = api.schema.execute_stream(Request::new(q).data(key.clone())).boxed();
                    assert!(tokio::time::timeout(Duration::from_millis(20), stream.next()).await.is_err());
                    api.hub.groups.join_or_create(gk, &conn, id, mine.iter().map(|(_, m)| m), stream, None)
                }
            };
            mine.push((id.to_string(), m));
        }
        let mo = open(&api, q, &key, &other, "o").await;
        assert_eq!(api.hub.groups.groups(), 1);
        let create = |name: &'static str| {
            let api = api.clone();
            let key = key.clone();
            async move {
                let q = format!("mutation {{ createTodo(input: {{name: \"{name}\"}}) {{ id name }} }}");
                crate::graphql::execute(&api, Request::new(q).data(key)).await
            }
        };
        create("one").await;
        create("two").await;
        let got = frames(&conn, 6).await;
        let seen: Vec<(&str, &str)> = got.iter().map(|f| (f["id"].as_str().unwrap(), f["payload"]["data"]["onCreateTodo"]["name"].as_str().unwrap())).collect();
        assert_eq!(seen, [("x", "one"), ("y", "one"), ("z", "one"), ("x", "two"), ("y", "two"), ("z", "two")], "each subscription once per event, in commit order");
        assert_eq!(frames(&other, 2).await.iter().map(|f| f["id"].clone()).collect::<Vec<_>>(), [json!("o"), json!("o")]);
        // Stopping one keeps the others; the group lives while any subscription does.
        mine[1].1.leave("y");
        create("three").await;
        let got = frames(&conn, 2).await;
        assert_eq!(got.iter().map(|f| f["id"].as_str().unwrap()).collect::<Vec<_>>(), ["x", "z"]);
        assert!(tokio::time::timeout(Duration::from_millis(50), conn.ready()).await.is_err(), "nothing for the stopped subscription");
        mine[0].1.leave("x");
        mine[2].1.leave("z");
        assert_eq!(api.hub.groups.groups(), 1, "the other connection still listens");
        // A connection's batch that does not fit in its outbox marks it overflowed (it is
        // closed with the error); the other connections still get the event.
        let full = Arc::new(Outbox::default());
        let gk = super::fanout::GroupKey::new(q, None, None, &key);
        let f1 = api.hub.groups.join(&gk, &full, "f1", []).unwrap();
        let f2 = api.hub.groups.join(&gk, &full, "f2", [&f1]).unwrap();
        for i in 0..OUTBOX - 1 {
            assert!(full.push(format!("{i}")));
        }
        frames(&other, 1).await;
        create("four").await;
        assert_eq!(frames(&other, 1).await[0]["payload"]["data"]["onCreateTodo"]["name"], "four");
        assert!(full.overflowed(), "the second frame of the batch did not fit");
        f1.leave("f1");
        f2.leave("f2");
        mo.leave("o");
        assert_eq!(api.hub.groups.groups(), 0);
    }

    #[test]
    fn render_gives_the_text_of_the_json_tree() {
        use async_graphql::{Name, Response, ServerError, Value as GqlValue};
        let object = |pairs: Vec<(&str, GqlValue)>| GqlValue::Object(pairs.into_iter().map(|(k, v)| (Name::new(k), v)).collect());
        let data = || {
            object(vec![(
                "onCreateTodo",
                object(vec![
                    ("zeta", GqlValue::String("quote \" and \\ and \u{1} and é".into())),
                    ("alpha", GqlValue::Number(12.into())),
                    ("float", GqlValue::from(1.5)),
                    ("status", GqlValue::Enum(Name::new("DONE"))),
                    ("tags", GqlValue::List(vec![GqlValue::Null, GqlValue::Boolean(true), object(vec![])])),
                    ("none", GqlValue::Null),
                ]),
            )])
        };
        let response = |data: GqlValue, errors: &[&str]| {
            let mut r = Response::new(data);
            r.errors = errors.iter().map(|m| ServerError::new(*m, None)).collect();
            r
        };
        // The construction render replaced, as the oracle.
        let oracle = |r: Response| {
            let mut p = serde_json::Map::new();
            p.insert("data".into(), r.data.into_json().unwrap());
            if !r.errors.is_empty() {
                p.insert("errors".into(), serde_json::Value::Array(r.errors.iter().map(|e| json!({"message": e.message})).collect()));
            }
            serde_json::Value::Object(p).to_string()
        };
        for (d, errors) in [(data(), &[][..]), (data(), &["first \"one\"", "second"][..]), (GqlValue::Null, &["Not Authorized"][..])] {
            assert_eq!(super::fanout::render(response(d.clone(), errors)), oracle(response(d, errors)));
        }
        assert_eq!(super::fanout::render(response(object(vec![("a", GqlValue::Number(1.into()))]), &[])), r#"{"data":{"a":1}}"#);
    }

    #[tokio::test]
    async fn group_keys_separate_callers_variables_and_documents() {
        use super::fanout::GroupKey;
        use crate::auth_rules::Identity;
        let user = |name: &str, groups: &[&str]| RequestAuth {
            mode: AuthMode::UserPools,
            identity: Some(Arc::new(Identity { sub: format!("{name}-sub"), username: name.into(), groups: groups.iter().map(|g| g.to_string()).collect(), claims: Default::default() })),
        };
        let q = "subscription { onCreateTodo { id } }";
        let k = |vars: Option<serde_json::Value>, auth: &RequestAuth| GroupKey::new(q, vars.as_ref(), None, auth);
        assert_eq!(k(None, &user("ann", &[])), k(None, &user("ann", &[])));
        assert_ne!(k(None, &user("ann", &[])), k(None, &user("bob", &[])));
        assert_ne!(k(None, &user("ann", &[])), k(None, &user("ann", &["admins"])));
        assert_ne!(k(None, &RequestAuth::mode(AuthMode::ApiKey)), k(None, &RequestAuth::mode(AuthMode::Iam)));
        assert_ne!(k(Some(json!({"a": 1})), &RequestAuth::mode(AuthMode::ApiKey)), k(Some(json!({"a": 2})), &RequestAuth::mode(AuthMode::ApiKey)));
        assert_ne!(GroupKey::new(q, None, None, &RequestAuth::mode(AuthMode::ApiKey)), GroupKey::new("subscription { onCreateTodo { name } }", None, None, &RequestAuth::mode(AuthMode::ApiKey)));
    }
}
