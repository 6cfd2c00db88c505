//! The accept loop: one TCP port serving HTTP and HTTPS. The first byte of a connection decides
//! (0x16, a TLS handshake record, means TLS); then hyper-util's auto builder serves HTTP/1.1 or
//! HTTP/2 (ALPN over TLS, prior knowledge in clear text), with upgrades (WebSocket) on both.
//!
//! Nothing waits forever: the first byte and the TLS handshake have a deadline, so does the
//! HTTP/2-preface sniff, HTTP/1 headers (which also bounds idle keep-alive connections), and a
//! request body that stops flowing while a handler waits for it. An HTTP/2 request body a
//! handler answers without reading is drained, bounded (`listener/drain.rs`), so that clients
//! which fail on an early RST_STREAM (curl) get the response. Shutdown stops accepting,
//! lets in-flight requests finish for a bounded time, then returns.
//! Left out: PROXY protocol, connection limits, HTTP/3.

mod drain;

pub use drain::Limits as DrainLimits;

use crate::deadline::{IdleBody, PrefaceDeadline};
use axum::Router;
use http::{Request, Response, StatusCode, Version};
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use hyper_util::server::graceful::{GracefulShutdown, Watcher};
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tower::ServiceExt;

/// How the listener behaves. `Default` is what the binary uses.
#[derive(Clone)]
pub struct ServeOptions {
    /// Serve TLS on the same port when set (connections starting with 0x16).
    pub tls: Option<Arc<rustls::ServerConfig>>,
    /// Deadline for a new connection's first bytes (and for the TLS handshake).
    pub handshake_timeout: Duration,
    /// Deadline for reading HTTP/1 request headers; also how long an idle keep-alive
    /// connection stays open.
    pub idle_timeout: Duration,
    /// A request body that delivers nothing for this long while a handler reads it fails.
    pub body_idle_timeout: Duration,
    /// How long shutdown waits for in-flight requests.
    pub shutdown_grace: Duration,
    /// HTTP/2: how much of a request body a handler left unread is read and discarded, and for
    /// how long, before the stream is reset (see `listener/drain.rs`).
    pub unread_body_drain: drain::Limits,
}

impl Default for ServeOptions {
    fn default() -> Self {
        Self {
            tls: None,
            handshake_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
            body_idle_timeout: Duration::from_secs(30),
            shutdown_grace: Duration::from_secs(10),
            unread_body_drain: drain::Limits::default(),
        }
    }
}

impl std::fmt::Debug for ServeOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServeOptions")
            .field("tls", &self.tls.is_some())
            .field("handshake_timeout", &self.handshake_timeout)
            .field("idle_timeout", &self.idle_timeout)
            .field("body_idle_timeout", &self.body_idle_timeout)
            .field("shutdown_grace", &self.shutdown_grace)
            .field("unread_body_drain", &self.unread_body_drain)
            .finish()
    }
}

fn builder(opts: &ServeOptions) -> Builder<TokioExecutor> {
    let mut b = Builder::new(TokioExecutor::new());
    b.http1()
        .timer(TokioTimer::new())
        .header_read_timeout(opts.idle_timeout)
        .keep_alive(true)
        .max_buf_size(256 * 1024);
    b.http2()
        .timer(TokioTimer::new())
        .keep_alive_interval(Some(Duration::from_secs(30)))
        .keep_alive_timeout(Duration::from_secs(20))
        .max_concurrent_streams(256)
        .enable_connect_protocol();
    b
}

/// Serve `app` on `listener` until `shutdown` resolves, then give in-flight requests up to
/// `opts.shutdown_grace` to finish.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    opts: ServeOptions,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let opts = Arc::new(opts);
    let builder = Arc::new(builder(&opts));
    let acceptor = opts.tls.clone().map(tokio_rustls::TlsAcceptor::from);
    let graceful = GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        let (stream, _peer) = tokio::select! {
            biased;
            () = &mut shutdown => break,
            r = listener.accept() => match r {
                Ok(s) => s,
                Err(e) => {
                    // EMFILE and friends: back off instead of spinning.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let _ = stream.set_nodelay(true);
        let conn = Conn {
            app: app.clone(),
            opts: opts.clone(),
            builder: builder.clone(),
            acceptor: acceptor.clone(),
            watcher: graceful.watcher(),
        };
        tokio::spawn(conn.run(stream));
    }
    drop(listener);
    if tokio::time::timeout(opts.shutdown_grace, graceful.shutdown()).await.is_err() {
        tracing::warn!("shutdown: in-flight requests still running after {:?}; closing them", opts.shutdown_grace);
    }
    Ok(())
}

struct Conn {
    app: Router,
    opts: Arc<ServeOptions>,
    builder: Arc<Builder<TokioExecutor>>,
    acceptor: Option<tokio_rustls::TlsAcceptor>,
    watcher: Watcher,
}

impl Conn {
    async fn run(self, stream: TcpStream) {
        let mut first = [0u8; 1];
        let peeked = tokio::time::timeout(self.opts.handshake_timeout, stream.peek(&mut first)).await;
        if !matches!(peeked, Ok(Ok(1))) {
            return; // silent, closed or erroring before sending anything
        }
        if first[0] == 0x16 {
            let Some(acceptor) = self.acceptor.clone() else {
                return; // TLS disabled: nothing sensible to answer in clear text
            };
            match tokio::time::timeout(self.opts.handshake_timeout, acceptor.accept(stream)).await {
                Ok(Ok(tls)) => self.http(tls).await,
                Ok(Err(e)) => tracing::debug!(error = %e, "tls handshake failed"),
                Err(_) => tracing::debug!("tls handshake timed out"),
            }
        } else {
            self.http(stream).await;
        }
    }

    async fn http<IO>(self, io: IO)
    where
        IO: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
    {
        let io = TokioIo::new(PrefaceDeadline::new(io, self.opts.handshake_timeout));
        let app = self.app;
        let body_idle = self.opts.body_idle_timeout;
        let drain = self.opts.unread_body_drain;
        let svc = hyper::service::service_fn(move |req: Request<Incoming>| handle(app.clone(), body_idle, drain, req));
        let builder = self.builder;
        let conn = builder.serve_connection_with_upgrades(io, svc);
        if let Err(e) = self.watcher.watch(conn).await {
            tracing::debug!(error = %e, "connection ended with an error");
        }
    }
}

async fn handle(app: Router, body_idle: Duration, drain: drain::Limits, req: Request<Incoming>) -> Result<Response<axum::body::Body>, std::convert::Infallible> {
    // RFC 9112 §3.2: a server MUST answer 400 to an HTTP/1.1 request without Host.
    if req.version() == Version::HTTP_11 && !req.headers().contains_key(http::header::HOST) {
        let mut resp = Response::new(axum::body::Body::from("missing Host header\n"));
        *resp.status_mut() = StatusCode::BAD_REQUEST;
        resp.headers_mut().insert(http::header::CONNECTION, http::HeaderValue::from_static("close"));
        return Ok(resp);
    }
    // HTTP/2: a body the handler leaves unread is drained (bounded) rather than reset, see drain.rs.
    let req = if req.version() == Version::HTTP_2 {
        req.map(|b| axum::body::Body::new(IdleBody::new(drain::DrainOnDrop::new(b, drain), body_idle)))
    } else {
        req.map(|b| axum::body::Body::new(IdleBody::new(b, body_idle)))
    };
    app.oneshot(req).await
}
