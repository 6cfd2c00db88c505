//! Real-time subscriptions (<https://docs.aws.amazon.com/appsync/latest/devguide/aws-appsync-real-time-data.html>).
//! [`hub`] broadcasts each mutation's result; subscription fields of the executable schema
//! (`crate::schema`) turn it into streams filtered by `@aws_subscribe`, argument equality and
//! the enhanced filter ([`filter`]), re-projected onto each subscriber's selection set by
//! `Schema::execute_stream`.
//!
//! Leaves out (next step): the `graphql-ws` WebSocket at `/graphql/realtime`, owner/group
//! runtime filters for subscriptions.

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
}
