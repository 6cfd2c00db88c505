//! CORS for browsers (Amplify JS calls Cognito, AppSync and DynamoDB cross-origin) on every
//! NON-S3 service and on the internal `/_amplocal/*`, `/_localstack/*` routes. S3 applies its
//! own per-bucket CORS rules, so S3 requests pass through untouched.
//!
//! Which service a request is for is decided as in `classify`, with one addition for
//! preflights, which carry neither `X-Amz-Target` nor a signature: an `OPTIONS` whose
//! `Access-Control-Request-Headers` lists `x-amz-target` is a JSON-protocol (DynamoDB or
//! Cognito) call. So a preflight is ours when it lists `x-amz-target`, or its host/path
//! classify as non-S3 (`/graphql`, `/v1/apis`, `/{pool}/.well-known/*`, service hosts), or it
//! targets an internal route; every other preflight goes to S3.
//!
//! Preflight answer: 200, the origin echoed (when allowed), the requested headers echoed,
//! methods, max-age 2 h. Real responses get the origin and `Access-Control-Expose-Headers`
//! (`x-amzn-requestid`, `x-amzn-errortype`, `x-amzn-errormessage`, `date`, ...). A disallowed
//! origin gets a 403 preflight and undecorated responses.

use crate::classify::{classify, ServiceId};
use axum::extract::Request;
use axum::response::Response;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use http::header::{
    ACCESS_CONTROL_ALLOW_CREDENTIALS, ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS, ACCESS_CONTROL_ALLOW_ORIGIN,
    ACCESS_CONTROL_EXPOSE_HEADERS, ACCESS_CONTROL_MAX_AGE, ACCESS_CONTROL_REQUEST_HEADERS, ACCESS_CONTROL_REQUEST_METHOD, ORIGIN, VARY,
};
use http::{HeaderMap, HeaderValue, Method, StatusCode};
use std::sync::Arc;

const ALLOW_METHODS: &str = "GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS";
const DEFAULT_ALLOW_HEADERS: &str =
    "content-type, authorization, x-amz-target, x-amz-date, x-amz-security-token, x-amz-user-agent, x-amz-content-sha256, amz-sdk-invocation-id, amz-sdk-request, x-api-key, cache-control";
const EXPOSE: &str = "x-amzn-requestid, x-amzn-errortype, x-amzn-errormessage, x-amz-request-id, x-amz-id-2, date, etag";

/// Which origins may call the non-S3 services.
#[derive(Debug, Clone, Default)]
pub struct CorsConfig {
    /// `None` means any origin; otherwise exact `scheme://host[:port]` matches.
    origins: Option<Arc<[String]>>,
}

impl CorsConfig {
    /// Any origin (the default).
    pub fn any() -> Self {
        Self { origins: None }
    }

    /// From a comma-separated list; empty or containing `*` means any origin.
    pub fn from_list(list: &str) -> Self {
        let items: Vec<String> =
            list.split(',').map(|s| s.trim().trim_end_matches('/').to_ascii_lowercase()).filter(|s| !s.is_empty()).collect();
        if items.is_empty() || items.iter().any(|s| s == "*") {
            return Self::any();
        }
        Self { origins: Some(items.into()) }
    }

    /// Whether `origin` may call.
    pub fn allows(&self, origin: &HeaderValue) -> bool {
        match &self.origins {
            None => true,
            Some(list) => origin.to_str().is_ok_and(|o| list.iter().any(|a| a.eq_ignore_ascii_case(o))),
        }
    }
}

fn is_internal(path: &str) -> bool {
    path.starts_with("/_amplocal/") || path.starts_with("/_localstack/")
}

fn lists_target(headers: &HeaderMap) -> bool {
    headers
        .get_all(ACCESS_CONTROL_REQUEST_HEADERS)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|h| h.trim().eq_ignore_ascii_case("x-amz-target"))
}

/// Whether a request with an `Origin` is handled by this layer rather than S3.
pub fn is_ours(parts: &http::request::Parts) -> bool {
    is_internal(parts.uri.path()) || lists_target(&parts.headers) || classify(parts) != ServiceId::S3
}

fn is_preflight(parts: &http::request::Parts) -> bool {
    parts.method == Method::OPTIONS && parts.headers.contains_key(ACCESS_CONTROL_REQUEST_METHOD)
}

fn decorate(headers: &mut HeaderMap, origin: HeaderValue) {
    headers.insert(ACCESS_CONTROL_ALLOW_ORIGIN, origin);
    headers.insert(ACCESS_CONTROL_ALLOW_CREDENTIALS, HeaderValue::from_static("true"));
    headers.append(VARY, HeaderValue::from_static("Origin"));
}

/// The tower layer applying [`Cors`] (no boxing: a request without `Origin` costs one header
/// lookup).
#[derive(Debug, Clone)]
pub struct CorsLayer(pub CorsConfig);

impl<S> tower::Layer<S> for CorsLayer {
    type Service = Cors<S>;
    fn layer(&self, inner: S) -> Cors<S> {
        Cors { inner, cfg: self.0.clone() }
    }
}

/// Answers preflights and decorates responses for non-S3 requests carrying `Origin`.
#[derive(Debug, Clone)]
pub struct Cors<S> {
    inner: S,
    cfg: CorsConfig,
}

fn preflight(parts: &http::request::Parts, origin: HeaderValue, allowed: bool) -> Response {
    let mut resp = Response::new(axum::body::Body::empty());
    if !allowed {
        *resp.status_mut() = StatusCode::FORBIDDEN;
        return resp;
    }
    let h = resp.headers_mut();
    decorate(h, origin);
    h.insert(ACCESS_CONTROL_ALLOW_METHODS, HeaderValue::from_static(ALLOW_METHODS));
    let requested = parts.headers.get(ACCESS_CONTROL_REQUEST_HEADERS).cloned();
    h.insert(ACCESS_CONTROL_ALLOW_HEADERS, requested.unwrap_or(HeaderValue::from_static(DEFAULT_ALLOW_HEADERS)));
    h.insert(ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("7200"));
    h.insert(ACCESS_CONTROL_EXPOSE_HEADERS, HeaderValue::from_static(EXPOSE));
    resp
}

impl<S> tower::Service<Request> for Cors<S>
where
    S: tower::Service<Request, Response = Response>,
    S::Future: Unpin,
{
    type Response = Response;
    type Error = S::Error;
    type Future = CorsFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request) -> Self::Future {
        let Some(origin) = req.headers().get(ORIGIN).cloned() else {
            return CorsFuture::Pass(self.inner.call(req));
        };
        let (parts, body) = req.into_parts();
        if !is_ours(&parts) {
            return CorsFuture::Pass(self.inner.call(Request::from_parts(parts, body)));
        }
        let allowed = self.cfg.allows(&origin);
        if is_preflight(&parts) {
            return CorsFuture::Ready(Some(preflight(&parts, origin, allowed)));
        }
        let fut = self.inner.call(Request::from_parts(parts, body));
        if allowed {
            CorsFuture::Decorate(fut, Some(origin))
        } else {
            CorsFuture::Pass(fut)
        }
    }
}

/// The future of [`Cors`].
pub enum CorsFuture<F> {
    /// Not a CORS request for us.
    Pass(F),
    /// A preflight answered here.
    Ready(Option<Response>),
    /// An allowed cross-origin request: add the headers to the response.
    Decorate(F, Option<HeaderValue>),
}

impl<F, E> Future for CorsFuture<F>
where
    F: Future<Output = Result<Response, E>> + Unpin,
{
    type Output = Result<Response, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.get_mut() {
            CorsFuture::Pass(f) => Pin::new(f).poll(cx),
            CorsFuture::Ready(r) => match r.take() {
                Some(resp) => Poll::Ready(Ok(resp)),
                None => Poll::Pending, // polled after completion: never resolves again
            },
            CorsFuture::Decorate(f, origin) => match Pin::new(f).poll(cx) {
                Poll::Ready(Ok(mut resp)) => {
                    if let Some(origin) = origin.take() {
                        let h = resp.headers_mut();
                        decorate(h, origin);
                        h.insert(ACCESS_CONTROL_EXPOSE_HEADERS, HeaderValue::from_static(EXPOSE));
                    }
                    Poll::Ready(Ok(resp))
                }
                other => other,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(method: &str, uri: &str, headers: &[(&str, &str)]) -> http::request::Parts {
        let mut b = http::Request::builder().method(method).uri(uri);
        for (k, v) in headers {
            b = b.header(*k, *v);
        }
        b.body(()).unwrap().into_parts().0
    }

    #[test]
    fn preflight_routing_rule() {
        let ddb = parts("OPTIONS", "/", &[("access-control-request-headers", "content-type,x-amz-target,x-amz-user-agent")]);
        assert!(is_ours(&ddb));
        let gql = parts("OPTIONS", "/graphql", &[("access-control-request-headers", "content-type,x-api-key")]);
        assert!(is_ours(&gql));
        let s3 = parts("OPTIONS", "/mybucket/key.txt", &[("access-control-request-headers", "authorization,x-amz-date,x-amz-content-sha256")]);
        assert!(!is_ours(&s3));
        let health = parts("OPTIONS", "/_amplocal/health", &[]);
        assert!(is_ours(&health));
    }

    #[test]
    fn origin_list() {
        let any = CorsConfig::from_list("");
        assert!(any.allows(&HeaderValue::from_static("https://evil.example")));
        let some = CorsConfig::from_list("http://localhost:3000, https://app.example/");
        assert!(some.allows(&HeaderValue::from_static("http://localhost:3000")));
        assert!(some.allows(&HeaderValue::from_static("https://APP.example")));
        assert!(!some.allows(&HeaderValue::from_static("http://localhost:3001")));
        assert!(CorsConfig::from_list("http://a, *").allows(&HeaderValue::from_static("http://b")));
    }
}
