//! Shared rendering of subscription events
//! (<https://docs.aws.amazon.com/appsync/latest/devguide/aws-appsync-real-time-data.html>).
//!
//! What a subscriber receives for a published mutation result is a function of the
//! subscription document, its variables and the caller's authorization only: the
//! `@aws_subscribe` match, argument equality, the enhanced filter (including the owner/group
//! runtime filters derived from the caller) and the projection onto the selection set with
//! field-level `@auth` redaction. Subscribers that agree on all of that form one [`Group`]:
//! one executable stream (`Schema::execute_stream`) renders each event once, and the group
//! sends the same rendered payload to every member, adding only the member's subscription
//! `id` to the frame. Subscribers that differ in any of those inputs are in different groups,
//! so per-subscriber filtering, auth and projection are exactly what they were.
//!
//! Order: a group processes the hub's events in publish (commit) order and queues each
//! member's frames in that order. A member whose connection's outbox is full is not waited for:
//! the push fails and that connection closes with an error (see `realtime::outbox`).
//!
//! Leaves out: nothing of AWS.

use crate::executor::RequestAuth;
use crate::realtime::outbox::Outbox;
use futures_util::stream::BoxStream;
use futures_util::StreamExt;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Everything a rendered event depends on besides the event itself.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct GroupKey(String);

impl GroupKey {
    /// The key of a subscription: its document text, variables, operation name and the
    /// caller's authorization (mode and, for token callers, every identity field and claim).
    pub fn new(query: &str, variables: Option<&Value>, operation: Option<&str>, auth: &RequestAuth) -> Self {
        let mut k = String::with_capacity(query.len() + 64);
        k.push_str(query);
        k.push('\0');
        if let Some(v) = variables {
            k.push_str(&v.to_string());
        }
        k.push('\0');
        k.push_str(operation.unwrap_or_default());
        k.push('\0');
        k.push_str(&format!("{:?}", auth.mode));
        if let Some(id) = &auth.identity {
            k.push('\0');
            k.push_str(&serde_json::to_string(&(&id.sub, &id.username, &id.groups, &id.claims)).unwrap_or_default());
        }
        Self(k)
    }
}

/// One connection's subscriptions in a group: where their frames go and their `id`s as JSON
/// string literals (one event's frames for a connection go out in one write).
#[derive(Debug)]
struct Member {
    outbox: Arc<Outbox>,
    ids: Ids,
}

/// The `id`s of one connection's subscriptions in a group (almost always one).
#[derive(Debug)]
enum Ids {
    One(Box<str>),
    Many(Vec<Box<str>>),
}

impl Ids {
    fn add(&mut self, id_json: Box<str>) {
        match self {
            Ids::One(first) => *self = Ids::Many(vec![std::mem::take(first), id_json]),
            Ids::Many(v) => v.push(id_json),
        }
    }

    /// Remove one id; whether none is left.
    fn remove(&mut self, id_json: &str) -> bool {
        match self {
            Ids::One(id) => **id == *id_json,
            Ids::Many(v) => {
                if let Some(i) = v.iter().position(|x| **x == *id_json) {
                    v.remove(i);
                }
                match v.len() {
                    0 => true,
                    1 => {
                        *self = Ids::One(v.pop().unwrap_or_default());
                        false
                    }
                    _ => false,
                }
            }
        }
    }

    fn len(&self) -> usize {
        match self {
            Ids::One(_) => 1,
            Ids::Many(v) => v.len(),
        }
    }
}

/// Subscribers sharing one rendering stream.
#[derive(Debug)]
pub struct Group {
    key: GroupKey,
    members: Mutex<Slots>,
    task: Mutex<Option<tokio::task::AbortHandle>>,
}

/// Members by token (slot index), with a free list so leaving is O(1).
#[derive(Debug, Default)]
struct Slots {
    slots: Vec<Option<Member>>,
    free: Vec<usize>,
    /// Subscriptions (ids) in the group.
    len: usize,
}

impl Group {
    /// Add subscription `id_json` of `outbox`'s connection; `hint` is the slot of a
    /// subscription the connection already has in this group, if any, to share its member.
    fn add(&self, outbox: &Arc<Outbox>, id_json: Box<str>, hint: Option<usize>) -> usize {
        let mut s = self.members.lock().unwrap_or_else(|p| p.into_inner());
        s.len += 1;
        if let Some(i) = hint {
            if let Some(Some(m)) = s.slots.get_mut(i) {
                if Arc::ptr_eq(&m.outbox, outbox) {
                    m.ids.add(id_json);
                    return i;
                }
            }
        }
        let m = Member { outbox: outbox.clone(), ids: Ids::One(id_json) };
        match s.free.pop() {
            Some(i) => {
                s.slots[i] = Some(m);
                i
            }
            None => {
                s.slots.push(Some(m));
                s.slots.len() - 1
            }
        }
    }

    /// Remove subscription `id_json` from the member at `token`; whether the group is now empty.
    fn remove(&self, token: usize, id_json: &str) -> bool {
        let mut s = self.members.lock().unwrap_or_else(|p| p.into_inner());
        let Slots { slots, free, len } = &mut *s;
        if let Some(slot) = slots.get_mut(token) {
            if let Some(m) = slot.as_mut() {
                let before = m.ids.len();
                let last = m.ids.remove(id_json);
                if last {
                    *slot = None;
                    free.push(token);
                    *len -= 1;
                } else if m.ids.len() < before {
                    *len -= 1;
                }
            }
        }
        if *len == 0 {
            *slots = Vec::new();
            *free = Vec::new();
        }
        *len == 0
    }

    /// Members currently in the group.
    pub fn len(&self) -> usize {
        self.members.lock().unwrap_or_else(|p| p.into_inner()).len
    }

    /// Whether the group has no member.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Send one rendered payload (`{"data":…}`) as a `data` frame to every member (written
    /// into its socket here when it takes it, else queued for its connection).
    fn fan_out(&self, payload: &str) {
        let s = self.members.lock().unwrap_or_else(|p| p.into_inner());
        // A full outbox marks its connection overflowed; the others are unaffected.
        for m in s.slots.iter().flatten() {
            match &m.ids {
                Ids::One(id) => m.outbox.push(data_frame(id, payload)),
                // One write for the connection's subscriptions of this group.
                Ids::Many(ids) => m.outbox.push_all(ids.iter().map(|id| data_frame(id, payload))),
            };
        }
    }

    /// The stream ended under the group (its hub receiver lagged): every member's connection
    /// is closed with the too-slow error, as an overflowing connection would be.
    fn end(&self) {
        let s = self.members.lock().unwrap_or_else(|p| p.into_inner());
        for m in s.slots.iter().flatten() {
            m.outbox.kill();
        }
    }
}

/// A subscriber's place in a group, to leave it (the key lives once, in the group). The
/// subscriptions of one connection in one group share a member (and a token).
#[derive(Debug, Clone)]
pub struct Membership {
    registry: Arc<Registry>,
    group: Arc<Group>,
    token: usize,
}

/// A `data` frame: `{"type":"data","id":<id_json>,"payload":<payload>}`, exactly sized (its
/// bytes are then handed over without another allocation).
fn data_frame(id_json: &str, payload: &str) -> String {
    const HEAD: &str = "{\"type\":\"data\",\"id\":";
    const MID: &str = ",\"payload\":";
    let mut frame = String::with_capacity(HEAD.len() + id_json.len() + MID.len() + payload.len() + 1);
    frame.push_str(HEAD);
    frame.push_str(id_json);
    frame.push_str(MID);
    frame.push_str(payload);
    frame.push('}');
    frame
}

/// The groups of one API (lives in its [`super::hub::Hub`]).
#[derive(Debug, Default)]
pub struct Registry {
    groups: Mutex<HashMap<GroupKey, Arc<Group>>>,
}

/// The `payload` of a `data` frame for one execution result, as JSON text:
/// `{"data":…}` plus `"errors":[{"message":…}]` when there are any.
///
/// Serialized straight from the result's value (the text `into_json()` then `to_string()`
/// gave, without building a `serde_json::Value` tree first).
pub fn render(r: async_graphql::Response) -> String {
    #[derive(serde::Serialize)]
    struct Message<'a> {
        message: &'a str,
    }
    #[derive(serde::Serialize)]
    struct Payload<'a> {
        data: &'a async_graphql::Value,
        #[serde(skip_serializing_if = "Vec::is_empty")]
        errors: Vec<Message<'a>>,
    }
    let errors = r.errors.iter().map(|e| Message { message: &e.message }).collect();
    // Serializing a value tree of strings, numbers and maps into a String cannot fail.
    serde_json::to_string(&Payload { data: &r.data, errors }).unwrap_or_default()
}

impl Membership {
    /// Leave the group as subscription `id`; the last subscription out stops its stream.
    pub fn leave(&self, id: &str) {
        self.registry.leave(self, id);
    }
}

/// The group of `mine` (a connection's memberships) that is `group`, if any: its token.
fn hint<'a>(group: &Arc<Group>, mine: impl IntoIterator<Item = &'a Membership>) -> Option<usize> {
    mine.into_iter().find(|m| Arc::ptr_eq(&m.group, group)).map(|m| m.token)
}

impl Registry {
    /// Whether a group renders `key`.
    pub fn has(&self, key: &GroupKey) -> bool {
        self.groups.lock().unwrap_or_else(|p| p.into_inner()).contains_key(key)
    }

    /// Join the existing group for `key`, if there is one, as subscription `id` of `outbox`'s
    /// connection, whose other memberships are `mine`.
    pub fn join<'a>(self: &Arc<Self>, key: &GroupKey, outbox: &Arc<Outbox>, id: &str, mine: impl IntoIterator<Item = &'a Membership>) -> Option<Membership> {
        let map = self.groups.lock().unwrap_or_else(|p| p.into_inner());
        let group = map.get(key)?.clone();
        let token = group.add(outbox, id_json(id), hint(&group, mine));
        Some(Membership { registry: self.clone(), group, token })
    }

    /// Join the group for `key`, creating it around `stream` (a registered subscription whose
    /// first result, if it already produced one, is `first`) when there is none yet. Must be
    /// called inside a tokio runtime.
    pub fn join_or_create<'a>(
        self: &Arc<Self>,
        key: GroupKey,
        outbox: &Arc<Outbox>,
        id: &str,
        mine: impl IntoIterator<Item = &'a Membership>,
        stream: BoxStream<'static, async_graphql::Response>,
        first: Option<async_graphql::Response>,
    ) -> Membership {
        let mut map = self.groups.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(group) = map.get(&key).cloned() {
            let token = group.add(outbox, id_json(id), hint(&group, mine));
            return Membership { registry: self.clone(), group, token };
        }
        let group = Arc::new(Group { key: key.clone(), members: Mutex::default(), task: Mutex::default() });
        let token = group.add(outbox, id_json(id), None);
        let handle = tokio::spawn(run(Arc::downgrade(self), group.clone(), stream, first));
        *group.task.lock().unwrap_or_else(|p| p.into_inner()) = Some(handle.abort_handle());
        map.insert(key, group.clone());
        Membership { registry: self.clone(), group, token }
    }

    fn leave(&self, m: &Membership, id: &str) {
        let mut map = self.groups.lock().unwrap_or_else(|p| p.into_inner());
        if m.group.remove(m.token, &id_json(id)) {
            if map.get(&m.group.key).is_some_and(|g| Arc::ptr_eq(g, &m.group)) {
                map.remove(&m.group.key);
            }
            if let Some(t) = m.group.task.lock().unwrap_or_else(|p| p.into_inner()).take() {
                t.abort();
            }
        }
    }

    /// Live groups (rendering streams) of the API.
    pub fn groups(&self) -> usize {
        self.groups.lock().unwrap_or_else(|p| p.into_inner()).len()
    }
}

/// A subscription id as a JSON string literal.
fn id_json(id: &str) -> Box<str> {
    Value::String(id.to_string()).to_string().into_boxed_str()
}

/// A group's rendering loop: each result of the shared stream is rendered once and fanned out.
async fn run(
    registry: std::sync::Weak<Registry>,
    group: Arc<Group>,
    mut stream: BoxStream<'static, async_graphql::Response>,
    first: Option<async_graphql::Response>,
) {
    if let Some(r) = first {
        group.fan_out(&render(r));
    }
    while let Some(r) = stream.next().await {
        group.fan_out(&render(r));
    }
    // Lagged or closed: no member may silently stop receiving.
    if let Some(reg) = registry.upgrade() {
        let mut map = reg.groups.lock().unwrap_or_else(|p| p.into_inner());
        if map.get(&group.key).is_some_and(|g| Arc::ptr_eq(g, &group)) {
            map.remove(&group.key);
        }
    }
    group.end();
}
