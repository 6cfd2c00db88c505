//! The outgoing queue of one real-time connection: frames waiting to be written to its
//! WebSocket, pushed by the connection itself (acks, errors, `ka`) and by the subscription
//! groups it belongs to (`data`). Bounded: a push past [`OUTBOX`] frames marks the connection
//! overflowed and wakes it, and it closes with an error instead of stalling the publishers
//! (issue #6: "a slow subscriber cannot stall others or the mutation").
//!
//! A plain mutex-guarded `VecDeque` plus a [`Notify`] rather than a channel: an idle
//! connection's queue holds no allocation at all (a tokio channel allocates its first block of
//! slots up front), and a publisher pushes without awaiting.
//!
//! Leaves out: nothing of AWS (this is internal plumbing).

use axum::extract::ws::Utf8Bytes;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use tokio::sync::Notify;

/// Outgoing frames buffered per connection before it is dropped as too slow.
pub const OUTBOX: usize = 1024;

/// One connection's queue of text frames.
#[derive(Debug, Default)]
pub struct Outbox {
    queue: Mutex<VecDeque<Utf8Bytes>>,
    ready: Notify,
    overflowed: AtomicBool,
    closed: AtomicBool,
}

impl Outbox {
    /// Queue a frame; `false` when the connection is closed or has overflowed (the frame is
    /// dropped and the connection is on its way out).
    pub fn push(&self, frame: impl Into<Utf8Bytes>) -> bool {
        if self.closed.load(Ordering::Relaxed) || self.overflowed.load(Ordering::Relaxed) {
            return false;
        }
        let mut q = self.queue.lock().unwrap_or_else(|p| p.into_inner());
        if q.len() >= OUTBOX {
            drop(q);
            self.overflowed.store(true, Ordering::Relaxed);
            self.ready.notify_one();
            return false;
        }
        let was_empty = q.is_empty();
        q.push_back(frame.into());
        drop(q);
        if was_empty {
            // The connection drains the whole queue per wake-up, so only the first frame of a
            // batch needs to wake it (a stored permit covers a drain racing this push).
            self.ready.notify_one();
        }
        true
    }

    /// Wait until frames are queued or the connection overflowed.
    pub async fn ready(&self) {
        self.ready.notified().await;
    }

    /// Whether a push found the queue full (the connection must close with an error).
    pub fn overflowed(&self) -> bool {
        self.overflowed.load(Ordering::Relaxed)
    }

    /// Mark the connection overflowed from outside (its subscription group fell behind).
    pub fn kill(&self) {
        self.overflowed.store(true, Ordering::Relaxed);
        self.ready.notify_one();
    }

    /// Take every queued frame, oldest first. A queue that grew during a burst gives its
    /// memory back here so an idle connection stays small.
    pub fn take(&self) -> VecDeque<Utf8Bytes> {
        let mut q = self.queue.lock().unwrap_or_else(|p| p.into_inner());
        std::mem::take(&mut *q)
    }

    /// No further frames are accepted (the connection ended).
    pub fn close(&self) {
        self.closed.store(true, Ordering::Relaxed);
        self.queue.lock().unwrap_or_else(|p| p.into_inner()).clear();
    }

    /// Frames waiting.
    pub fn len(&self) -> usize {
        self.queue.lock().unwrap_or_else(|p| p.into_inner()).len()
    }

    /// Whether no frame is waiting.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn bounded_push_overflows_instead_of_blocking() {
        let o = Outbox::default();
        for i in 0..OUTBOX {
            assert!(o.push(format!("{i}")));
        }
        assert!(!o.overflowed());
        assert!(!o.push("one too many"), "a full outbox refuses the frame");
        assert!(o.overflowed());
        assert!(!o.push("x"), "an overflowed connection takes nothing more");
        tokio::time::timeout(Duration::from_millis(100), o.ready()).await.expect("the connection is woken");
        let q = o.take();
        assert_eq!(q.len(), OUTBOX);
        assert_eq!(q[0].as_str(), "0");
    }

    #[tokio::test]
    async fn a_push_wakes_a_waiting_connection_once_per_batch() {
        let o = std::sync::Arc::new(Outbox::default());
        let waiter = {
            let o = o.clone();
            tokio::spawn(async move {
                o.ready().await;
                o.take().into_iter().map(|f| f.as_str().to_string()).collect::<Vec<_>>()
            })
        };
        tokio::time::sleep(Duration::from_millis(10)).await;
        assert!(o.push("a") && o.push("b"));
        let got = tokio::time::timeout(Duration::from_secs(1), waiter).await.unwrap().unwrap();
        assert!(!got.is_empty() && got[0] == "a");
        o.close();
        assert!(!o.push("c"));
        assert!(o.is_empty());
    }
}
