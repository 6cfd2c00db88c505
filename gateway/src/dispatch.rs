//! The gateway's one service behind the app's router: the internal health routes, else
//! classify → auth → the service's router, plus the request id header and the request log line.
//! One line per service, no logic beyond that.
//!
//! Per-request cost matters here (every AWS call passes through): the top level is a single
//! axum router level in front of [`Gateway`] (it used to be two, each with its own route lookup
//! and boxed service); the gateway's future is a plain state machine ([`DispatchFuture`]), not an
//! async fn boxed per request (that box was 1,488 bytes, over glibc's per-thread cache limit:
//! ~2,200 instructions in `malloc` alone); the request id is formatted once into a stack buffer
//! (the context gets the one owned copy) and the operation name is borrowed, not copied.

use crate::auth;
use crate::classify::{classify, ServiceId, X_AMZ_TARGET};
use crate::state::AppState;
use amplocal_core::{IdGen, OperationName};
use axum::extract::Request;
use axum::response::Response;
use axum::Router;
use http::header::HeaderName;
use http::request::Parts;
use http::HeaderValue;
use std::convert::Infallible;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
use tower::util::Oneshot;
use tower::ServiceExt;

static AMZ_REQUEST_ID: HeaderName = HeaderName::from_static(amplocal_core::protocol::AMZ_REQUEST_ID);
static AMZN_REQUEST_ID: HeaderName = HeaderName::from_static(amplocal_core::protocol::AMZN_REQUEST_ID);

/// Each service's router, built once.
#[derive(Debug, Clone)]
pub struct Routers {
    s3: Router,
    dynamodb: Router,
    cognito: Router,
    appsync: Router,
}

impl Routers {
    /// Build from the state's services.
    pub fn new(state: &AppState) -> Self {
        Self {
            s3: state.s3.router(),
            dynamodb: state.dynamodb.router(),
            cognito: state.cognito.router(),
            appsync: state.appsync.router(),
        }
    }

    fn get(&self, svc: ServiceId) -> Router {
        match svc {
            ServiceId::S3 => self.s3.clone(),
            ServiceId::DynamoDb => self.dynamodb.clone(),
            ServiceId::Cognito => self.cognito.clone(),
            ServiceId::AppSync => self.appsync.clone(),
        }
    }
}

/// Paths the internal router answers (`/_amplocal/health`, `/_localstack/health`); every
/// other path is an AWS request.
fn is_internal_route(path: &str) -> bool {
    path == "/_amplocal/health" || path == "/_localstack/health"
}

struct Shared {
    state: AppState,
    routers: Routers,
    internal: Router,
}

/// The gateway as a tower service: `internal` (the health routes, with their method handling)
/// for its own paths, classify → auth → the service's router ([`DispatchFuture`]) for everything
/// else. Cheap to clone.
#[derive(Clone)]
pub struct Gateway {
    shared: Arc<Shared>,
}

impl fmt::Debug for Gateway {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Gateway").finish_non_exhaustive()
    }
}

impl Gateway {
    /// Route to `state`'s services; `internal` answers the health paths.
    pub fn new(state: AppState, internal: Router) -> Self {
        let routers = Routers::new(&state);
        Self { shared: Arc::new(Shared { state, routers, internal }) }
    }
}

impl tower::Service<Request> for Gateway {
    type Response = Response;
    type Error = Infallible;
    type Future = DispatchFuture;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: Request) -> DispatchFuture {
        if is_internal_route(req.uri().path()) {
            return DispatchFuture { step: Step::Internal(self.shared.internal.clone().oneshot(req)) };
        }
        DispatchFuture { step: start(&self.shared, req) }
    }
}

/// The future of [`Gateway`]: classify → auth → the service's router, then the request id header
/// and the log line.
pub struct DispatchFuture {
    step: Step,
}

enum Step {
    /// The internal router's answer, as it is.
    Internal(Oneshot<Router, Request>),
    /// Reading a body whose hash is signed; the rest waits for it.
    Reading { read: auth::BodyReader, rest: Option<(Arc<Shared>, Parts, LogInfo)> },
    /// The service's router.
    Calling { call: Oneshot<Router, Request>, log: Option<LogInfo> },
    /// Answered without the service (an authentication failure), already logged.
    Answered(Option<Response>),
}

/// Classify and authenticate `req`; what remains to wait for.
fn start(shared: &Arc<Shared>, req: Request) -> Step {
    let started = Instant::now();
    let (parts, body) = req.into_parts();
    let svc = classify(&parts);
    let log = LogInfo {
        started,
        svc,
        request_id: RequestId::new(shared.state.core.ids.as_ref()),
        method: parts.method.clone(),
        target: parts.headers.get(&X_AMZ_TARGET).cloned(),
    };
    if !auth::buffers_body(svc, &parts) {
        return call_service(shared, parts, auth::RequestBody::Streamed(body), log);
    }
    match auth::body_reader(&parts, body) {
        Ok(read) => Step::Reading { read, rest: Some((shared.clone(), parts, log)) },
        Err(f) => {
            let resp = auth::render_unreadable(&shared.state, svc, &parts, &f, log.request_id.as_str());
            Step::Answered(Some(finish(log, resp)))
        }
    }
}

/// Authenticate (the body read or streaming) and hand the request to its service.
fn call_service(shared: &Shared, parts: Parts, body: auth::RequestBody, log: LogInfo) -> Step {
    match auth::decide(&shared.state, log.svc, &parts, body, log.request_id.as_str().to_owned()) {
        auth::Decision::Pass(ctx, body) => {
            let mut req = Request::from_parts(parts, body);
            req.extensions_mut().insert(ctx);
            Step::Calling { call: shared.routers.get(log.svc).oneshot(req), log: Some(log) }
        }
        auth::Decision::Fail(resp) => Step::Answered(Some(finish(log, resp))),
    }
}

impl Future for DispatchFuture {
    type Output = Result<Response, Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let step = &mut self.get_mut().step;
        loop {
            match step {
                Step::Internal(call) => return Pin::new(call).poll(cx),
                Step::Reading { read, rest } => {
                    let read = std::task::ready!(Pin::new(read).poll(cx));
                    // Always `Some` here: taken only on this transition.
                    let Some((shared, parts, log)) = rest.take() else { return Poll::Pending };
                    *step = match auth::read_result(read) {
                        Ok(bytes) => call_service(&shared, parts, auth::RequestBody::Buffered(bytes), log),
                        Err(f) => {
                            let resp = auth::render_unreadable(&shared.state, log.svc, &parts, &f, log.request_id.as_str());
                            Step::Answered(Some(finish(log, resp)))
                        }
                    };
                }
                Step::Calling { call, log } => {
                    let resp = match std::task::ready!(Pin::new(call).poll(cx)) {
                        Ok(r) => r,
                        Err(never) => match never {},
                    };
                    // `None` only if polled again after completion; then the answer is as is.
                    return Poll::Ready(Ok(match log.take() {
                        Some(log) => finish(log, resp),
                        None => resp,
                    }));
                }
                // Polled after completion: never resolves again.
                Step::Answered(resp) => return resp.take().map_or(Poll::Pending, |r| Poll::Ready(Ok(r))),
            }
        }
    }
}

/// A request id (lowercase hyphenated UUID, as `amplocal_core::ids::request_id` makes it),
/// formatted once on the stack.
struct RequestId([u8; 36]);

impl RequestId {
    fn new(ids: &dyn IdGen) -> Self {
        let mut buf = [0u8; 36];
        ids.uuid().hyphenated().encode_lower(&mut buf);
        Self(buf)
    }

    fn as_str(&self) -> &str {
        // Hex digits and hyphens: always UTF-8.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
}

/// A duration in milliseconds with two decimals (`{:.2}`), by integer arithmetic.
struct Millis(Duration);

impl fmt::Display for Millis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Hundredths of a millisecond, rounded half up, as digits on the stack.
        let mut h = (self.0.as_nanos() + 5_000) / 10_000;
        let mut buf = [b'0'; 42];
        let mut i = buf.len();
        while h > 0 || i > buf.len() - 4 {
            i -= 1;
            if i == buf.len() - 3 {
                buf[i] = b'.';
                continue;
            }
            buf[i] = b'0' + (h % 10) as u8;
            h /= 10;
        }
        f.write_str(std::str::from_utf8(&buf[i..]).unwrap_or_default())
    }
}

/// What the request log line needs besides the response, gathered before the request moves
/// into the service.
struct LogInfo {
    started: Instant,
    svc: ServiceId,
    request_id: RequestId,
    method: http::Method,
    /// `X-Amz-Target` (a reference-counted copy) for the operation name, used only when the
    /// service names none.
    target: Option<HeaderValue>,
}

/// Add the request id header (unless the service set it) and log the request line.
fn finish(log: LogInfo, mut resp: Response) -> Response {
    let header = if log.svc == ServiceId::S3 { &AMZ_REQUEST_ID } else { &AMZN_REQUEST_ID };
    if !resp.headers().contains_key(header) {
        if let Ok(v) = HeaderValue::from_bytes(&log.request_id.0) {
            resp.headers_mut().insert(header.clone(), v);
        }
    }
    let op = match resp.extensions().get::<OperationName>() {
        Some(o) => o.0,
        None => log
            .target
            .as_ref()
            .and_then(|v| v.to_str().ok())
            .and_then(|t| t.rsplit_once('.'))
            .map_or(log.method.as_str(), |(_, op)| op),
    };
    tracing::info!(
        service = log.svc.name(),
        operation = %op,
        status = resp.status().as_u16(),
        duration_ms = %Millis(log.started.elapsed()),
        request_id = %log.request_id.as_str(),
        "request"
    );
    resp
}

#[cfg(test)]
mod tests {
    use super::*;
    use amplocal_core::SeededIds;

    #[test]
    fn request_id_is_cores_request_id() {
        let (a, b) = (SeededIds::new(7), SeededIds::new(7));
        for _ in 0..50 {
            assert_eq!(RequestId::new(&a).as_str(), amplocal_core::ids::request_id(&b));
        }
    }

    #[test]
    fn millis_has_two_decimals_like_float_formatting() {
        for nanos in [0u64, 1, 4_999, 5_000, 9_999, 10_000, 123_456, 999_994_999, 1_000_000, 61_234_567_890, 7_890_000] {
            let d = Duration::from_nanos(nanos);
            let ours = Millis(d).to_string();
            let float = format!("{:.2}", d.as_secs_f64() * 1000.0);
            assert_eq!(ours, float, "{nanos} ns");
        }
    }

    /// The future is boxed once per request (by axum's router): above ~1 KiB glibc serves the
    /// box from a slower path (measured ~2,200 instructions more per request).
    #[test]
    fn the_future_stays_small() {
        assert!(std::mem::size_of::<DispatchFuture>() <= 768, "{}", std::mem::size_of::<DispatchFuture>());
    }

    #[test]
    fn internal_routes_are_exact_paths() {
        assert!(is_internal_route("/_amplocal/health"));
        assert!(is_internal_route("/_localstack/health"));
        assert!(!is_internal_route("/_amplocal/health/"));
        assert!(!is_internal_route("/_amplocal/cognito/codes"));
        assert!(!is_internal_route("/graphql"));
    }
}
