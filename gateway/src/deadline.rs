//! Deadlines hyper does not provide itself: one for the HTTP/2-preface sniff at the start of a
//! connection ([`PrefaceDeadline`]) and one for a request body that stops flowing while a handler
//! waits for it ([`IdleBody`]), e.g. a client announcing a 10 GiB `Content-Length` and going silent.

use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::{Instant, Sleep};

const H2_PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

/// Wraps a connection's IO: while the bytes read so far could still be the start of the HTTP/2
/// preface (hyper-util waits for all 24 bytes to choose HTTP/1 or HTTP/2), reads fail once the
/// deadline passes. After the first byte that rules the preface out, or the full preface, the
/// wrapper is transparent and hyper's own timeouts apply.
pub struct PrefaceDeadline<IO> {
    io: IO,
    matched: usize,
    armed: bool,
    sleep: Pin<Box<Sleep>>,
}

impl<IO> PrefaceDeadline<IO> {
    /// Arm a deadline of `timeout` from now.
    pub fn new(io: IO, timeout: Duration) -> Self {
        Self { io, matched: 0, armed: true, sleep: Box::pin(tokio::time::sleep(timeout)) }
    }

    fn observe(&mut self, bytes: &[u8]) {
        for &b in bytes {
            if H2_PREFACE.get(self.matched) != Some(&b) {
                self.armed = false;
                return;
            }
            self.matched += 1;
            if self.matched == H2_PREFACE.len() {
                self.armed = false;
                return;
            }
        }
    }
}

impl<IO: AsyncRead + Unpin> AsyncRead for PrefaceDeadline<IO> {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        match Pin::new(&mut this.io).poll_read(cx, buf) {
            Poll::Ready(Ok(())) => {
                if this.armed {
                    if let Some(new) = buf.filled().get(before..) {
                        this.observe(new);
                    }
                }
                Poll::Ready(Ok(()))
            }
            Poll::Pending if this.armed => match this.sleep.as_mut().poll(cx) {
                Poll::Ready(()) => Poll::Ready(Err(io::Error::new(io::ErrorKind::TimedOut, "no request within the deadline"))),
                Poll::Pending => Poll::Pending,
            },
            other => other,
        }
    }
}

impl<IO: AsyncWrite + Unpin> AsyncWrite for PrefaceDeadline<IO> {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().io).poll_write(cx, buf)
    }
    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_flush(cx)
    }
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_shutdown(cx)
    }
    fn poll_write_vectored(self: Pin<&mut Self>, cx: &mut Context<'_>, bufs: &[io::IoSlice<'_>]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().io).poll_write_vectored(cx, bufs)
    }
    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }
}

use std::future::Future;

/// The error a stalled body ends with.
#[derive(Debug, thiserror::Error)]
#[error("request body sent nothing for {0:?}")]
pub struct BodyIdle(pub Duration);

/// A request body that fails with [`BodyIdle`] when no data arrives for `timeout` while someone
/// is waiting for it. Allocates its timer only the first time the body is actually waited on.
pub struct IdleBody<B> {
    inner: B,
    timeout: Duration,
    sleep: Option<Pin<Box<Sleep>>>,
}

impl<B> IdleBody<B> {
    /// Wrap `inner`.
    pub fn new(inner: B, timeout: Duration) -> Self {
        Self { inner, timeout, sleep: None }
    }
}

impl<B> Body for IdleBody<B>
where
    B: Body<Data = Bytes> + Unpin,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    type Data = Bytes;
    type Error = Box<dyn std::error::Error + Send + Sync>;

    fn poll_frame(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let this = self.get_mut();
        match Pin::new(&mut this.inner).poll_frame(cx) {
            Poll::Ready(r) => {
                if let Some(s) = this.sleep.as_mut() {
                    s.as_mut().reset(Instant::now() + this.timeout);
                }
                Poll::Ready(r.map(|f| f.map_err(Into::into)))
            }
            Poll::Pending => {
                let timeout = this.timeout;
                let sleep = this.sleep.get_or_insert_with(|| Box::pin(tokio::time::sleep(timeout)));
                match sleep.as_mut().poll(cx) {
                    Poll::Ready(()) => Poll::Ready(Some(Err(Box::new(BodyIdle(timeout))))),
                    Poll::Pending => Poll::Pending,
                }
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn preface_tracking_disarms_on_first_mismatch_or_full_preface() {
        let mut p = PrefaceDeadline { io: (), matched: 0, armed: true, sleep: Box::pin(tokio::time::sleep_until(Instant::now())) };
        p.observe(b"PR");
        assert!(p.armed);
        p.observe(b"I * HTTP/2.0\r\n\r\nSM\r\n\r\n");
        assert!(!p.armed);
        let mut q = PrefaceDeadline { io: (), matched: 0, armed: true, sleep: Box::pin(tokio::time::sleep_until(Instant::now())) };
        q.observe(b"POST / HTTP/1.1");
        assert!(!q.armed);
    }
}
