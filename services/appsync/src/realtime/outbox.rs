//! The outgoing side of one real-time connection: its WebSocket's write half plus a bounded
//! queue of frames that could not be written yet. Frames come from the connection itself
//! (acks, errors, `ka`) and from the subscription groups it belongs to (`data`).
//!
//! Whoever pushes a frame writes it straight into the socket when nothing is queued before it
//! and the socket takes it without waiting (the usual case: a group's task writes each
//! member's frame in turn, with no wake-up of the member's connection task). Otherwise the
//! frame is queued and the connection task, woken once per batch, writes the queue in order.
//! Several frames pushed together (one event for several subscriptions of the connection) are
//! handed to the WebSocket together and go out in one write.
//! A push past [`OUTBOX`] queued frames marks the connection overflowed and wakes it, and it
//! closes with an error instead of stalling the publishers (issue #6: "a slow subscriber
//! cannot stall others or the mutation").
//!
//! One mutex guards the queue and the write half together, so a frame is either written or
//! queued behind the earlier ones: order is kept. It is held only for non-blocking polls of the
//! socket, never across an `.await`. An idle connection's queue holds no allocation.
//!
//! Leaves out: nothing of AWS (this is internal plumbing).

use axum::extract::ws::{Message, Utf8Bytes, WebSocket};
use futures_util::stream::SplitSink;
use futures_util::Sink;
use std::collections::VecDeque;
use std::iter::Peekable;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::task::{ready, Context, Poll, Waker};
use tokio::sync::Notify;

/// Outgoing frames buffered per connection before it is dropped as too slow.
pub const OUTBOX: usize = 1024;

/// The write half of a connection's WebSocket.
pub type Writer = SplitSink<WebSocket, Message>;

#[derive(Default)]
struct State {
    /// Frames not yet handed to the writer, oldest first.
    queue: VecDeque<Utf8Bytes>,
    writer: Option<Writer>,
    /// A frame was handed to the writer but the socket has not taken all of it yet.
    unflushed: bool,
}

/// One connection's outgoing frames.
#[derive(Default)]
pub struct Outbox {
    state: Mutex<State>,
    ready: Notify,
    overflowed: AtomicBool,
    closed: AtomicBool,
}

impl std::fmt::Debug for Outbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Outbox").field("queued", &self.len()).field("overflowed", &self.overflowed()).finish()
    }
}

/// What a direct write attempt did.
enum Direct {
    /// Every frame handed to the writer is in the socket (frames the writer could not take
    /// are left in the iterator, to be queued).
    Written,
    /// Frames are in the writer but part of them still waits for the socket.
    Unflushed,
    /// The socket failed.
    Failed,
}

/// Hand `frames` to the writer, in order, and flush them with one write, without waiting (a
/// no-op waker: nobody is woken by this attempt, so a caller that gets `Unflushed` or frames
/// left over must wake the connection task to finish the job). Stops taking frames when the
/// writer cannot take more now.
fn write_now(w: &mut Writer, frames: &mut Peekable<impl Iterator<Item = Utf8Bytes>>) -> Direct {
    let mut cx = Context::from_waker(Waker::noop());
    let mut handed = false;
    while frames.peek().is_some() {
        match Pin::new(&mut *w).poll_ready(&mut cx) {
            Poll::Pending => break,
            Poll::Ready(Err(_)) => return Direct::Failed,
            Poll::Ready(Ok(())) => {}
        }
        let Some(frame) = frames.next() else { break };
        if Pin::new(&mut *w).start_send(Message::Text(frame)).is_err() {
            return Direct::Failed;
        }
        handed = true;
    }
    if !handed {
        return Direct::Written;
    }
    match Pin::new(&mut *w).poll_flush(&mut cx) {
        Poll::Ready(Ok(())) => Direct::Written,
        Poll::Ready(Err(_)) => Direct::Failed,
        Poll::Pending => Direct::Unflushed,
    }
}

impl Outbox {
    /// An outbox writing into `writer`.
    pub fn new(writer: Writer) -> Self {
        Self { state: Mutex::new(State { writer: Some(writer), ..State::default() }), ..Self::default() }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Write or queue a frame; `false` when the connection is closed or has overflowed (the
    /// frame is dropped and the connection is on its way out).
    pub fn push(&self, frame: impl Into<Utf8Bytes>) -> bool {
        // push_all of one frame, without its iterator bookkeeping (~80 instructions per frame:
        // this is the path of nearly every data frame).
        if self.closed.load(Ordering::Relaxed) || self.overflowed.load(Ordering::Relaxed) {
            return false;
        }
        let frame: Utf8Bytes = frame.into();
        let mut s = self.lock();
        if s.queue.is_empty() && !s.unflushed {
            if let Some(w) = s.writer.as_mut() {
                let mut cx = Context::from_waker(Waker::noop());
                match Pin::new(&mut *w).poll_ready(&mut cx) {
                    Poll::Pending => {}
                    Poll::Ready(Ok(())) => {
                        let direct = match Pin::new(&mut *w).start_send(Message::Text(frame)) {
                            Err(_) => Direct::Failed,
                            Ok(()) => match Pin::new(&mut *w).poll_flush(&mut cx) {
                                Poll::Ready(Ok(())) => Direct::Written,
                                Poll::Ready(Err(_)) => Direct::Failed,
                                Poll::Pending => Direct::Unflushed,
                            },
                        };
                        return self.after_direct(s, direct);
                    }
                    Poll::Ready(Err(_)) => return self.after_direct(s, Direct::Failed),
                }
            }
        }
        if s.queue.len() >= OUTBOX {
            drop(s);
            self.overflowed.store(true, Ordering::Relaxed);
            self.ready.notify_one();
            return false;
        }
        let was_empty = s.queue.is_empty();
        s.queue.push_back(frame);
        drop(s);
        if was_empty {
            // The connection writes the whole queue per wake-up, so only the first frame of a
            // batch needs to wake it (a stored permit covers a drain racing this push).
            self.ready.notify_one();
        }
        true
    }

    /// Finish a push whose frame the writer took (or that found the socket broken).
    fn after_direct(&self, mut s: std::sync::MutexGuard<'_, State>, direct: Direct) -> bool {
        match direct {
            Direct::Written => true,
            Direct::Unflushed => {
                s.unflushed = true;
                drop(s);
                self.ready.notify_one();
                true
            }
            Direct::Failed => {
                drop(s);
                self.closed.store(true, Ordering::Relaxed);
                self.ready.notify_one();
                false
            }
        }
    }

    /// Write or queue frames, in order: the ones the socket takes at once go out in one write
    /// (one syscall for several subscriptions of this connection), the rest wait in the queue.
    /// `false` when the connection is closed or has overflowed (frames not yet taken are
    /// dropped and the connection is on its way out).
    pub fn push_all<F: Into<Utf8Bytes>>(&self, frames: impl IntoIterator<Item = F>) -> bool {
        if self.closed.load(Ordering::Relaxed) || self.overflowed.load(Ordering::Relaxed) {
            return false;
        }
        let mut frames = frames.into_iter().map(Into::into).peekable();
        let mut s = self.lock();
        let mut wake = false;
        if s.queue.is_empty() && !s.unflushed {
            if let Some(w) = s.writer.as_mut() {
                match write_now(w, &mut frames) {
                    Direct::Written => {}
                    Direct::Unflushed => {
                        s.unflushed = true;
                        wake = true;
                    }
                    Direct::Failed => {
                        drop(s);
                        self.closed.store(true, Ordering::Relaxed);
                        self.ready.notify_one();
                        return false;
                    }
                }
            }
        }
        // What the socket did not take waits behind the earlier frames.
        for frame in frames {
            if s.queue.len() >= OUTBOX {
                drop(s);
                self.overflowed.store(true, Ordering::Relaxed);
                self.ready.notify_one();
                return false;
            }
            // The connection writes the whole queue per wake-up, so only the first frame of a
            // batch needs to wake it (a stored permit covers a drain racing this push).
            wake |= s.queue.is_empty();
            s.queue.push_back(frame);
        }
        drop(s);
        if wake {
            self.ready.notify_one();
        }
        true
    }

    /// Write every queued frame and flush, waking the calling task when the socket can take
    /// more. Ready once nothing is left; an error when the socket failed.
    pub fn poll_drain(&self, cx: &mut Context<'_>) -> Poll<Result<(), axum::Error>> {
        let mut guard = self.lock();
        let State { queue, writer, unflushed } = &mut *guard;
        let Some(w) = writer.as_mut() else { return Poll::Ready(Ok(())) };
        while !queue.is_empty() {
            ready!(Pin::new(&mut *w).poll_ready(cx))?;
            if let Some(f) = queue.pop_front() {
                Pin::new(&mut *w).start_send(Message::Text(f))?;
                *unflushed = true;
            }
        }
        if queue.capacity() > 0 {
            // A burst's queue gives its memory back so an idle connection stays small.
            *queue = VecDeque::new();
        }
        if *unflushed {
            ready!(Pin::new(&mut *w).poll_flush(cx))?;
            *unflushed = false;
        }
        Poll::Ready(Ok(()))
    }

    /// Wait until frames are queued, a write is left unfinished, or the connection overflowed.
    pub async fn ready(&self) {
        self.ready.notified().await;
    }

    /// Whether a push found the queue full (the connection must close with an error).
    pub fn overflowed(&self) -> bool {
        self.overflowed.load(Ordering::Relaxed)
    }

    /// Whether the connection stopped taking frames (closed, or a write found the socket broken).
    pub fn is_closed(&self) -> bool {
        self.closed.load(Ordering::Relaxed)
    }

    /// Mark the connection overflowed from outside (its subscription group fell behind).
    pub fn kill(&self) {
        self.overflowed.store(true, Ordering::Relaxed);
        self.ready.notify_one();
    }

    /// Take every queued frame, oldest first (an outbox without a writer only queues).
    pub fn take(&self) -> VecDeque<Utf8Bytes> {
        std::mem::take(&mut self.lock().queue)
    }

    /// No further frames are accepted (the connection ended); gives back the write half, for
    /// the closing frames.
    pub fn close(&self) -> Option<Writer> {
        self.closed.store(true, Ordering::Relaxed);
        let mut s = self.lock();
        s.queue = VecDeque::new();
        s.writer.take()
    }

    /// Frames waiting.
    pub fn len(&self) -> usize {
        self.lock().queue.len()
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
        assert!(o.close().is_none());
        assert!(!o.push("c"));
        assert!(o.is_empty());
    }
}
