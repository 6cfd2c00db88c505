//! The in-process publish side of subscriptions: each `@aws_subscribe` mutation's result (as
//! the mutation's own selection set returned it, per
//! <https://docs.aws.amazon.com/appsync/latest/devguide/aws-appsync-real-time-data.html>) is
//! broadcast to the API's subscribers in commit order. Bounded: a subscriber that falls more
//! than the capacity behind gets an error and its stream ends (it never stalls the mutation).
//!
//! The hub also holds the API's subscription groups ([`super::fanout`]): subscribers whose
//! rendered events are identical share one rendering stream.
//!
//! Leaves out: the WebSocket transport.

use serde_json::Value;
use std::sync::Arc;
use tokio::sync::broadcast;

/// Events buffered per subscriber before it is cut off.
pub const CAPACITY: usize = 1024;

/// One published mutation result.
#[derive(Debug, Clone, PartialEq)]
pub struct Published {
    /// The mutation field (`createTodo`).
    pub mutation: String,
    /// Its result as selected by the mutation.
    pub payload: Value,
}

/// The broadcast channel of one API.
#[derive(Debug, Clone)]
pub struct Hub {
    tx: broadcast::Sender<Arc<Published>>,
    /// The API's subscription groups.
    pub groups: Arc<super::fanout::Registry>,
}

impl Default for Hub {
    fn default() -> Self {
        Self { tx: broadcast::channel(CAPACITY).0, groups: Arc::default() }
    }
}

impl Hub {
    /// Publish a mutation result (no-op without subscribers).
    ///
    /// The subscription groups' tasks it wakes start on an idle worker thread at once, instead
    /// of after the publishing request has written its own response: see [`kick`].
    pub fn publish(&self, mutation: &str, payload: Value) {
        if self.tx.send(Arc::new(Published { mutation: mutation.to_string(), payload })).is_ok() {
            kick();
        }
    }

    /// Whether anyone listens: the mutation path skips copying its result when nobody does.
    pub fn has_subscribers(&self) -> bool {
        self.tx.receiver_count() > 0
    }

    /// A new subscriber, seeing events published from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Published>> {
        self.tx.subscribe()
    }
}

/// Let a parked worker thread take the tasks just woken on this one.
///
/// A task woken from a tokio worker goes into that worker's LIFO slot, which no other worker
/// may steal: the group task that renders and writes the subscription frames would wait until
/// the publishing request's task has built, logged and written its HTTP response (measured:
/// 25-75 us from publish to the group's first poll, all of it before the first frame). A task
/// spawned after the wake takes the slot and moves the woken task into the worker's stealable
/// queue, and tokio then unparks an idle worker, which starts the group while this one finishes
/// the response (publish to first poll: 16-30 us). The spawned task itself does nothing. Outside
/// a runtime (nothing to hand over) this is a no-op.
fn kick() {
    if let Ok(rt) = tokio::runtime::Handle::try_current() {
        drop(rt.spawn(async {}));
    }
}

/// The mutation fields a request executed, by (field name, response key), filled by the root
/// resolvers so the HTTP layer can publish what each returned.
#[derive(Debug, Default)]
pub struct MutationLog(pub std::sync::Mutex<Vec<(String, String)>>);

/// Set by a subscription field once it has passed its subscribe-time checks and listens to the
/// hub, so the realtime layer can acknowledge the `start` without waiting for a possible error.
#[derive(Debug, Clone, Default)]
pub struct Registered(Arc<std::sync::atomic::AtomicBool>);

impl Registered {
    /// Record that the subscription listens.
    pub fn set(&self) {
        self.0.store(true, std::sync::atomic::Ordering::Release);
    }

    /// Whether the subscription listens.
    pub fn is_set(&self) -> bool {
        self.0.load(std::sync::atomic::Ordering::Acquire)
    }
}
