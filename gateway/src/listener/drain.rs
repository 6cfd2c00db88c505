//! HTTP/2 request bodies a handler answers without reading to the end (an auth failure, a 413,
//! any early error) are drained in the background, bounded, instead of being reset.
//!
//! RFC 9113 §8.1 lets a server answer before the request is complete and then send
//! RST_STREAM(NO_ERROR), which h2 does as soon as the request body is dropped. Clients do not all
//! cope: curl 7.88 (nghttp2) fails the transfer with error 92 ("Stream error in the HTTP/2
//! framing layer") whenever the reset reaches it before it has handed over the last of its
//! upload, although the response was complete. Reading (and discarding) the rest of the body lets
//! the client finish its upload and the stream end with both END_STREAM flags, as over HTTP/1.1
//! where hyper drains or closes. The drain never buffers (each chunk is released to flow
//! control and dropped) and stops after [`Limits`] (64 MiB or 5 s by default); then the body is
//! dropped and h2 resets the stream with NO_ERROR as before.
//! Left out: HTTP/1.1 (hyper drains or closes the connection itself).

use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};
use http_body_util::BodyExt;
use hyper::body::Incoming;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

/// How much of an unread request body is drained after the handler let go of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// At most this many body bytes are read and discarded.
    pub bytes: usize,
    /// The drain gives up after this long (a client that stops sending, or a slow one).
    pub time: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self { bytes: 64 * 1024 * 1024, time: Duration::from_secs(5) }
    }
}

/// An HTTP/2 request body that, when dropped before its end, drains the rest in a task.
#[derive(Debug)]
pub struct DrainOnDrop {
    inner: Option<Incoming>,
    limits: Limits,
}

impl DrainOnDrop {
    /// Wrap an HTTP/2 request body.
    pub fn new(inner: Incoming, limits: Limits) -> Self {
        Self { inner: Some(inner), limits }
    }
}

impl Body for DrainOnDrop {
    type Data = Bytes;
    type Error = hyper::Error;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, hyper::Error>>> {
        match self.inner.as_mut() {
            Some(b) => Pin::new(b).poll_frame(cx),
            None => Poll::Ready(None),
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.as_ref().is_none_or(Body::is_end_stream)
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.as_ref().map_or_else(|| SizeHint::with_exact(0), Body::size_hint)
    }
}

impl Drop for DrainOnDrop {
    fn drop(&mut self) {
        let Some(body) = self.inner.take() else { return };
        if body.is_end_stream() {
            return; // read to the end (or no body at all): the usual case costs nothing
        }
        // Dropped on a runtime thread in the server; outside one (never expected) the body is
        // simply dropped, i.e. the stream is reset with NO_ERROR as without this wrapper.
        if let Ok(rt) = tokio::runtime::Handle::try_current() {
            rt.spawn(drain(body, self.limits));
        }
    }
}

/// Read and discard `body` until its end, an error, or `limits`. Returns whether the end was
/// reached.
pub async fn drain(mut body: Incoming, limits: Limits) -> bool {
    let deadline = tokio::time::Instant::now() + limits.time;
    let mut left = limits.bytes;
    loop {
        match tokio::time::timeout_at(deadline, body.frame()).await {
            Ok(Some(Ok(frame))) => {
                let n = frame.data_ref().map_or(0, Bytes::len);
                if n > left {
                    return false;
                }
                left -= n;
            }
            Ok(None) => return true,
            Ok(Some(Err(_))) | Err(_) => return false,
        }
    }
}
