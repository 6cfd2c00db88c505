//! One `graphql-ws` connection (<https://docs.aws.amazon.com/appsync/latest/devguide/real-time-websocket-client.html>):
//! `connection_init` → `connection_ack {connectionTimeoutMs}` + `ka`; `start` (authorized per
//! subscription with its own `extensions.authorization`) → `start_ack` or `error`; `data`;
//! `stop` → `complete`; `ka` every [`KA_INTERVAL`].
//!
//! A connection is a single task: it reads client messages, finishes the writes its
//! [`Outbox`] could not do at once and ticks the keep-alive. Its subscriptions are memberships
//! of the API's subscription groups (`crate::subscription::fanout`), which render each event
//! once per distinct (document, variables, authorization) and write the frames into the
//! connections' outboxes (straight into the socket when it takes them). A connection whose
//! outbox overflows (the client reads too slowly) is sent an error and closed; nobody waits
//! for it.
//!
//! amplocal's choice (AWS documents no slow-consumer behaviour): the closing message is
//! `{"type":"error","payload":{"errors":[{"errorType":"LimitExceededError",…,"errorCode":429}]}}`.
//!
//! Leaves out: the 100-subscriptions per connection quota, payload size limits.

use super::outbox::{Outbox, Writer};
use super::outbox::OUTBOX;
use super::{header_map, signed_ctx};
use crate::executor::RequestAuth;
use crate::graphql::dedupe_errors;
use crate::store::ApiRow;
use crate::subscription::fanout::{GroupKey, Membership};
use crate::subscription::hub::Registered;
use crate::AppSyncService;
use amplocal_core::RequestContext;
use axum::extract::ws::{Message, WebSocket};
use futures_util::stream::SplitStream;
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Map, Value};
use std::collections::HashMap;
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;

/// `connectionTimeoutMs` sent in `connection_ack`.
pub const CONNECTION_TIMEOUT_MS: u64 = 300_000;
/// Keep-alive period.
pub const KA_INTERVAL: Duration = Duration::from_secs(60);
/// How long a closing slow connection gets to take its error frame.
const CLOSE_GRACE: Duration = Duration::from_secs(1);
/// How long a `start` whose subscription field has neither failed nor started listening after
/// its first poll waits for a subscribe-time error before acknowledging.
const SUBSCRIBE_WAIT: Duration = Duration::from_millis(30);

const KA: &str = r#"{"type":"ka"}"#;

/// Per-connection state besides the socket.
struct Conn {
    ctx: RequestContext,
    row: Arc<ApiRow>,
    endpoint: String,
    outbox: Arc<Outbox>,
    subs: HashMap<String, Membership>,
}

/// What a connection needs from its upgrade request.
pub(super) struct Pending {
    pub(super) ctx: RequestContext,
    pub(super) row: Arc<ApiRow>,
    pub(super) endpoint: String,
}

/// Say goodbye on the write half: the too-slow error then a close frame, or just the close.
async fn close(mut writer: Writer, too_slow: bool) {
    if too_slow {
        let error = json!({"type": "error", "payload": {"errors": [{
            "errorType": "LimitExceededError",
            "message": format!("The connection fell more than {OUTBOX} messages behind and was closed."),
            "errorCode": 429
        }]}});
        let _ = tokio::time::timeout(CLOSE_GRACE, async {
            writer.send(Message::Text(error.to_string().into())).await?;
            writer.send(Message::Close(None)).await
        })
        .await;
    } else {
        let _ = tokio::time::timeout(CLOSE_GRACE, writer.close()).await;
    }
}

/// Wait until the outbox overflowed (woken by every push; the caller re-checks the queue).
async fn overflow(o: &Outbox) {
    while !o.overflowed() {
        o.ready().await;
    }
}

impl AppSyncService {
    /// The connection's task for an upgraded `socket`. Built by a plain function so that the
    /// task keeps only what it uses: an async fn's arguments stay in its future for its whole
    /// life, and the socket and request context passed by value would have cost every idle
    /// connection ~0.7 KB twice over.
    pub(super) fn start_session(self, pending: Box<Pending>, socket: WebSocket) -> impl std::future::Future<Output = ()> + Send + 'static {
        // The write half lives in the outbox, where the subscription groups write into it.
        let (writer, reader) = socket.split();
        let Pending { ctx, row, endpoint } = *pending;
        let conn = Box::new(Conn { ctx, row, endpoint, outbox: Arc::new(Outbox::new(writer)), subs: HashMap::new() });
        self.session(conn, reader)
    }

    async fn session(self, mut conn: Box<Conn>, mut reader: SplitStream<WebSocket>) {
        let outbox = conn.outbox.clone();
        let mut ka = tokio::time::interval_at(tokio::time::Instant::now() + KA_INTERVAL, KA_INTERVAL);
        let too_slow = loop {
            tokio::select! {
                biased;
                () = outbox.ready() => {
                    if outbox.overflowed() {
                        break true;
                    }
                    if outbox.is_closed() {
                        // A direct write found the socket broken.
                        break false;
                    }
                    // A client that stops reading must not keep this task (and its
                    // subscriptions) alive forever: an overflow during the write ends it too.
                    let written = tokio::select! {
                        r = std::future::poll_fn(|cx| outbox.poll_drain(cx)) => r.is_ok(),
                        () = overflow(&outbox) => false,
                    };
                    if !written {
                        break outbox.overflowed();
                    }
                }
                msg = reader.next() => {
                    let text = match msg {
                        Some(Ok(Message::Text(t))) => t,
                        Some(Ok(Message::Close(_))) | Some(Err(_)) | None => break false,
                        Some(Ok(_)) => continue,
                    };
                    // Boxed: the (large) message-handling future is allocated only while a
                    // message is handled, not carried by every idle connection's task.
                    if !Box::pin(self.on_message(&mut conn, text.as_str())).await {
                        break outbox.overflowed();
                    }
                }
                _ = ka.tick() => {
                    if !outbox.push(KA) {
                        break outbox.overflowed();
                    }
                }
            }
        };
        for (id, m) in &conn.subs {
            m.leave(id);
        }
        if let Some(writer) = outbox.close() {
            // Boxed like the message handling: only a closing connection carries it.
            Box::pin(close(writer, too_slow)).await;
        }
    }

    /// Handle one client message; `false` ends the connection.
    async fn on_message(&self, conn: &mut Conn, text: &str) -> bool {
        let outbox = conn.outbox.clone();
        let send = |v: Value| outbox.push(v.to_string());
        let Ok(Value::Object(msg)) = serde_json::from_str::<Value>(text) else {
            return send(json!({"type": "error", "payload": {"errors": [{"errorType": "MessageParsingException", "message": "Unable to parse the message."}]}}));
        };
        let id = msg.get("id").and_then(Value::as_str).unwrap_or_default().to_string();
        match msg.get("type").and_then(Value::as_str).unwrap_or_default() {
            "connection_init" => send(json!({"type": "connection_ack", "payload": {"connectionTimeoutMs": CONNECTION_TIMEOUT_MS}})) && outbox.push(KA),
            "stop" => {
                if let Some(m) = conn.subs.remove(&id) {
                    m.leave(&id);
                }
                send(json!({"type": "complete", "id": id}))
            }
            "start" => self.start(conn, id, msg.get("payload").unwrap_or(&Value::Null)).await,
            "connection_terminate" => false,
            other => send(json!({"type": "error", "id": id, "payload": {"errors": [{"errorType": "UnsupportedOperation", "message": format!("Unknown message type {other}"), "errorCode": 400}]}})),
        }
    }

    /// `start`: authorize, then join the subscription group of (document, variables, auth),
    /// creating it — and learning about subscribe-time errors — when it is the first.
    async fn start(&self, conn: &mut Conn, id: String, payload: &Value) -> bool {
        let outbox = conn.outbox.clone();
        let send = |v: Value| outbox.push(v.to_string());
        let error = |errors: Value| json!({"type": "error", "id": id, "payload": {"errors": errors}});
        let data_raw = payload.get("data").and_then(Value::as_str).unwrap_or_default();
        let data: Option<Map<String, Value>> = serde_json::from_str::<Value>(data_raw).ok().and_then(|v| match v {
            Value::Object(o) => Some(o),
            _ => None,
        });
        let Some(query) = data.as_ref().and_then(|d| d.get("query")).and_then(Value::as_str) else {
            return send(error(json!([{"errorType": "BadRequestException", "message": "Invalid subscription request.", "errorCode": 400}])));
        };
        let empty = Map::new();
        let headers = payload.get("extensions").and_then(|e| e.get("authorization")).and_then(Value::as_object).unwrap_or(&empty);
        let start_paths = [conn.endpoint.clone(), "/graphql".to_string()];
        let signed = match signed_ctx(&conn.ctx, &self.inner.core.credentials, headers, &start_paths, data_raw.as_bytes()) {
            Ok(c) => c,
            Err(f) => return send(error(json!([{"errorType": f.error_type, "message": f.message, "errorCode": f.status}]))),
        };
        let auth: RequestAuth = match self.authorize(&signed, &conn.row, &header_map(headers)).await {
            Ok(a) => a,
            Err(f) => return send(error(json!([{"errorType": f.error_type, "message": f.message, "errorCode": f.status}]))),
        };
        let loaded = match self.inner.runtime.get(&conn.row).await {
            Ok(Some(l)) => l,
            _ => return send(error(json!([{"errorType": "BadRequestException", "message": "The API has no schema.", "errorCode": 400}]))),
        };
        let variables = data.as_ref().and_then(|d| d.get("variables")).filter(|v| v.is_object());
        let key = GroupKey::new(query, variables, None, &auth);
        if let Some(old) = conn.subs.remove(&id) {
            old.leave(&id);
        }
        let registry = &loaded.hub.groups;
        // Someone already renders this exact subscription: its subscribe-time checks passed
        // with the same inputs, so acknowledge and share its stream (acknowledged first, so
        // no `data` can precede the `start_ack`).
        let acked = registry.has(&key);
        if acked {
            if !send(json!({"type": "start_ack", "id": id})) {
                return false;
            }
            if let Some(m) = registry.join(&key, &outbox, &id, conn.subs.values()) {
                conn.subs.insert(id, m);
                return true;
            }
        }
        let registered = Registered::default();
        let mut request = async_graphql::Request::new(query).data(auth).data(registered.clone());
        if let Some(vars) = variables {
            request = request.variables(async_graphql::Variables::from_json(vars.clone()));
        }
        let mut stream = loaded.schema.execute_stream(request).boxed();
        // Validation and the subscription field's checks run on the first poll: it ends with a
        // subscribe-time error, or with the field listening (`registered`) and no event yet.
        // Only a field still busy (none is today: the checks do not wait) gets SUBSCRIBE_WAIT.
        let first = match std::future::poll_fn(|cx| Poll::Ready(stream.poll_next_unpin(cx))).await {
            Poll::Ready(r) => Ok(r),
            Poll::Pending if registered.is_set() => Err(()),
            Poll::Pending => tokio::time::timeout(SUBSCRIBE_WAIT, stream.next()).await.map_err(|_| ()),
        };
        let pending = match first {
            Ok(Some(r)) if r.data == async_graphql::Value::Null && !r.errors.is_empty() => {
                let errors: Vec<Value> = dedupe_errors(r.errors)
                    .iter()
                    .map(|e| {
                        let t = e.extensions.as_ref().and_then(|x| x.get("errorType")).and_then(|v| v.clone().into_json().ok()).unwrap_or(json!("ValidationError"));
                        json!({"errorType": t, "message": e.message, "errorCode": 400})
                    })
                    .collect();
                return send(error(Value::Array(errors)));
            }
            Ok(Some(r)) => Some(r),
            Ok(None) => return send(json!({"type": "complete", "id": id})),
            Err(_) => None,
        };
        if !acked && !send(json!({"type": "start_ack", "id": id})) {
            return false;
        }
        let m = registry.join_or_create(key, &outbox, &id, conn.subs.values(), stream, pending);
        conn.subs.insert(id, m);
        true
    }
}

