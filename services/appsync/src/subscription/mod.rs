//! Real-time subscriptions (<https://docs.aws.amazon.com/appsync/latest/devguide/aws-appsync-real-time-data.html>).
//! So far: the enhanced-filter semantics ([`filter`]) every publish is checked against.
//!
//! Leaves out (next step): the mutation → subscription publish hub, the `graphql-ws`
//! WebSocket at `/graphql/realtime`, per-subscription auth, re-projection onto each
//! subscriber's selection set.

pub mod filter;
