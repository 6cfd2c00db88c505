//! Real-time delivery through real sockets: subscription groups write each event straight into
//! the subscribers' sockets (`services/appsync/src/realtime/outbox.rs`) from several group
//! tasks at once. Every subscription must still get every event it selects, once, in commit
//! order, with its own id and projection, also when one socket holds several identical
//! subscriptions (their frames for an event go out in one write).

use super::data_plane::realtime::{connect, recv, send, Ws};
use super::*;

async fn subscribe(ws: &mut Ws, host: &str, id: &str, query: &str) {
    let data = json!({"query": query}).to_string();
    send(ws, json!({"id": id, "type": "start", "payload": {"data": data, "extensions": {"authorization": {"host": host, "x-api-key": KEY}}}})).await;
    assert_eq!(recv(ws).await, json!({"id": id, "type": "start_ack"}));
}

#[tokio::test]
async fn every_subscriber_gets_every_event_once_in_commit_order() {
    let env = env_with_data().await;
    let host = env.endpoint.trim_start_matches("http://").to_string();
    let wide = "subscription { onCreateTodo { name priority } }";
    let narrow = "subscription { onCreateTodo { name } }";
    // Eight sockets, each with a subscription of the shared `wide` group and one of the
    // `narrow` group: two group tasks write into every socket.
    let mut sockets = Vec::new();
    for _ in 0..8 {
        let mut ws = connect(&env, json!({"host": host, "x-api-key": KEY}), false).await.unwrap();
        send(&mut ws, json!({"type": "connection_init"})).await;
        assert_eq!(recv(&mut ws).await["type"], "connection_ack");
        subscribe(&mut ws, &host, "w", wide).await;
        subscribe(&mut ws, &host, "n", narrow).await;
        sockets.push(ws);
    }
    const EVENTS: usize = 40;
    for i in 0..EVENTS {
        gql(&env, "mutation C($i: CreateTodoInput!) { createTodo(input: $i) { name priority } }", json!({"i": {"name": format!("t{i}"), "priority": i}})).await;
    }
    for ws in &mut sockets {
        let (mut wide_got, mut narrow_got) = (Vec::new(), Vec::new());
        while wide_got.len() + narrow_got.len() < 2 * EVENTS {
            let f = recv(ws).await;
            assert_eq!(f["type"], "data", "{f}");
            let todo = &f["payload"]["data"]["onCreateTodo"];
            match f["id"].as_str() {
                Some("w") => wide_got.push((todo["name"].as_str().unwrap().to_string(), todo["priority"].as_u64().unwrap() as usize)),
                Some("n") => {
                    assert_eq!(todo.as_object().unwrap().len(), 1, "projected onto its own selection: {f}");
                    narrow_got.push(todo["name"].as_str().unwrap().to_string());
                }
                _ => panic!("unexpected frame {f}"),
            }
        }
        let want: Vec<(String, usize)> = (0..EVENTS).map(|i| (format!("t{i}"), i)).collect();
        assert_eq!(wide_got, want, "every event once, in commit order");
        assert_eq!(narrow_got, want.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>());
        // Nothing more arrives.
        send(ws, json!({"id": "w", "type": "stop"})).await;
        assert_eq!(recv(ws).await, json!({"id": "w", "type": "complete"}));
    }
}

#[tokio::test]
async fn identical_subscriptions_on_one_socket_each_get_every_event_in_order() {
    let env = env_with_data().await;
    let host = env.endpoint.trim_start_matches("http://").to_string();
    let q = "subscription { onCreateTodo { name priority } }";
    // One socket with three identical subscriptions (one member of the group, whose frames
    // for an event go out in one write) next to a socket with one.
    let mut many = connect(&env, json!({"host": host, "x-api-key": KEY}), false).await.unwrap();
    let mut one = connect(&env, json!({"host": host, "x-api-key": KEY}), false).await.unwrap();
    for ws in [&mut many, &mut one] {
        send(ws, json!({"type": "connection_init"})).await;
        assert_eq!(recv(ws).await["type"], "connection_ack");
    }
    for id in ["a", "b", "c"] {
        subscribe(&mut many, &host, id, q).await;
    }
    subscribe(&mut one, &host, "solo", q).await;
    let create = |i: usize| gql(&env, "mutation C($i: CreateTodoInput!) { createTodo(input: $i) { name priority } }", json!({"i": {"name": format!("t{i}"), "priority": i}}));
    const EVENTS: usize = 20;
    for i in 0..EVENTS {
        create(i).await;
    }
    let mut got: std::collections::BTreeMap<String, Vec<u64>> = Default::default();
    for _ in 0..3 * EVENTS {
        let f = recv(&mut many).await;
        assert_eq!(f["type"], "data", "{f}");
        got.entry(f["id"].as_str().unwrap().to_string()).or_default().push(f["payload"]["data"]["onCreateTodo"]["priority"].as_u64().unwrap());
    }
    let want: Vec<u64> = (0..EVENTS as u64).collect();
    for id in ["a", "b", "c"] {
        assert_eq!(got[id], want, "{id}: every event once, in commit order");
    }
    for i in 0..EVENTS as u64 {
        assert_eq!(recv(&mut one).await["payload"]["data"]["onCreateTodo"]["priority"], i);
    }
    // Stopping one of the three: the other two keep receiving, the stopped one gets nothing.
    send(&mut many, json!({"id": "b", "type": "stop"})).await;
    assert_eq!(recv(&mut many).await, json!({"id": "b", "type": "complete"}));
    create(100).await;
    let mut ids: Vec<String> = Vec::new();
    for _ in 0..2 {
        let f = recv(&mut many).await;
        assert_eq!(f["payload"]["data"]["onCreateTodo"]["priority"], 100, "{f}");
        ids.push(f["id"].as_str().unwrap().to_string());
    }
    ids.sort();
    assert_eq!(ids, ["a", "c"]);
    assert_eq!(recv(&mut one).await["payload"]["data"]["onCreateTodo"]["priority"], 100);
    // Restarting the stopped id joins the shared member again.
    subscribe(&mut many, &host, "b", q).await;
    create(101).await;
    let mut ids: Vec<String> = Vec::new();
    for _ in 0..3 {
        ids.push(recv(&mut many).await["id"].as_str().unwrap().to_string());
    }
    ids.sort();
    assert_eq!(ids, ["a", "b", "c"]);
}

#[tokio::test]
async fn a_start_opening_a_new_group_is_acknowledged_without_a_fixed_wait() {
    let env = env_with_data().await;
    let host = env.endpoint.trim_start_matches("http://").to_string();
    let mut ws = connect(&env, json!({"host": host, "x-api-key": KEY}), false).await.unwrap();
    send(&mut ws, json!({"type": "connection_init"})).await;
    assert_eq!(recv(&mut ws).await["type"], "connection_ack");
    // Twenty distinct filters: twenty new groups, each acknowledged once it listens (a 30 ms
    // wait for subscribe-time errors per new group took >= 600 ms here).
    let t0 = std::time::Instant::now();
    for i in 0..20 {
        subscribe(&mut ws, &host, &format!("s{i}"), &format!("subscription {{ onCreateTodo(filter: {{priority: {{eq: {i}}}}}) {{ name priority }} }}")).await;
    }
    let took = t0.elapsed();
    assert!(took < Duration::from_millis(500), "20 new groups acknowledged in {took:?}");
    // They listen: the event for priority 7 reaches s7 only.
    gql(&env, "mutation C($i: CreateTodoInput!) { createTodo(input: $i) { name priority } }", json!({"i": {"name": "seven", "priority": 7}})).await;
    assert_eq!(recv(&mut ws).await, json!({"id": "s7", "type": "data", "payload": {"data": {"onCreateTodo": {"name": "seven", "priority": 7}}}}));
    // A subscribe-time error is still an error, not an ack.
    let data = json!({"query": "subscription { onCreateTodo(filter: {nope: {eq: 1}}) { name } }"}).to_string();
    send(&mut ws, json!({"id": "bad", "type": "start", "payload": {"data": data, "extensions": {"authorization": {"host": host, "x-api-key": KEY}}}})).await;
    let err = recv(&mut ws).await;
    assert_eq!((err["type"].as_str(), err["id"].as_str()), (Some("error"), Some("bad")), "{err}");
}
