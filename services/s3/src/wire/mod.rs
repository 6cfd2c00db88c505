//! HTTP ↔ S3 operations: addressing and routing ([`route`]), bodies ([`body`]), XML ([`xml`]),
//! and one module per resource group turning requests into `ops` inputs and outputs into S3's
//! headers and XML. Errors render as S3's `<Error>` document (no body on HEAD); CORS headers are
//! added here from the bucket's rules or the permissive local default.

pub mod body;
pub mod bucket;
pub mod form;
pub mod headers;
pub mod list;
pub mod multipart;
pub mod object;
pub mod post;
pub mod route;
pub mod xml;

use crate::error::{S3Error, S3Result};
use crate::ops::cors::{self, CorsGrant, CorsRule};
use crate::ops::bucket::SubResource;
use crate::S3Service;
use amplocal_core::protocol::rest_xml;
use amplocal_core::{OperationName, RequestContext, DEFAULT_ACCOUNT, DEFAULT_REGION};
use axum::body::Body;
use axum::extract::Request;
use axum::response::Response;
use http::{HeaderMap, HeaderValue, Method, StatusCode};
use route::{Address, Op, Query};

/// One decoded request.
#[derive(Debug)]
pub struct Req {
    /// The gateway's context.
    pub ctx: RequestContext,
    /// Method.
    pub method: Method,
    /// Bucket / key.
    pub addr: Address,
    /// Query.
    pub q: Query,
    /// Headers.
    pub headers: HeaderMap,
    /// Body (not yet read); in a mutex only so that `&Req` is `Send` across awaits.
    pub body: std::sync::Mutex<Option<Body>>,
}

impl Req {
    /// The bucket (NoSuchBucket-free: routing guarantees one for bucket operations).
    pub fn bucket(&self) -> String {
        self.addr.bucket.clone().unwrap_or_default()
    }

    /// The key.
    pub fn key(&self) -> String {
        self.addr.key.clone().unwrap_or_default()
    }

    /// A header as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Take the body, leaving an empty one.
    pub fn take_body(&mut self) -> Body {
        self.body.get_mut().map(|b| b.take()).unwrap_or_else(|p| p.into_inner().take()).unwrap_or_else(Body::empty)
    }
}

/// A response with `status` and no body.
pub fn empty(status: u16) -> Response {
    let mut r = Response::new(Body::empty());
    *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    r
}

/// An XML 200 response.
pub fn xml_ok(body: String) -> Response {
    let mut r = Response::new(Body::from(body));
    r.headers_mut().insert(http::header::CONTENT_TYPE, HeaderValue::from_static("application/xml"));
    r
}

/// Set a header when the value is valid.
pub fn set(resp: &mut Response, name: &'static str, value: &str) {
    if let Ok(v) = HeaderValue::from_str(value) {
        resp.headers_mut().insert(name, v);
    }
}

/// Render an S3 error.
pub fn render_error(err: &S3Error, request_id: &str, head: bool) -> Response {
    if let S3Error::NotModified { etag, last_modified } = err {
        let mut r = empty(304);
        set(&mut r, "etag", etag);
        set(&mut r, "last-modified", last_modified);
        rest_xml::add_request_headers(&mut r, request_id);
        return r;
    }
    let fields = err.fields();
    let fields: Vec<(&str, String)> = fields.into_iter().collect();
    let mut r = rest_xml::error_response(err, request_id, &fields, head);
    if let S3Error::InvalidRange { size, .. } = err {
        set(&mut r, "content-range", &format!("bytes */{size}"));
    }
    if let S3Error::DeleteMarker { version, .. } = err {
        set(&mut r, "x-amz-delete-marker", "true");
        set(&mut r, "x-amz-version-id", version);
    }
    r
}

/// Entry point from the router.
pub async fn handle(svc: S3Service, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let ctx = parts.extensions.get::<RequestContext>().cloned().unwrap_or_else(|| svc.core().internal_request(DEFAULT_ACCOUNT, DEFAULT_REGION));
    let host = parts.headers.get(http::header::HOST).and_then(|v| v.to_str().ok()).or(parts.uri.host()).map(str::to_string);
    let addr = route::address(host.as_deref(), parts.uri.path(), svc.hosts());
    let q = Query::parse(parts.uri.query());
    let op = route::route(&parts.method, &addr, &q, &parts.headers);
    let head = parts.method == Method::HEAD;
    let origin = parts.headers.get(http::header::ORIGIN).and_then(|v| v.to_str().ok()).map(str::to_string);
    let request_id = ctx.request_id.clone();
    let method = parts.method.clone();
    let bucket = addr.bucket.clone();
    let mut r = Req { ctx, method: parts.method, addr, q, headers: parts.headers, body: std::sync::Mutex::new(Some(body)) };
    let result = match crate::access::check(&svc, op, &mut r).await {
        Ok(()) => dispatch(&svc, op, r).await,
        Err(e) => Err(e),
    };
    let mut resp = match result {
        Ok(r) => r,
        Err(e) => render_error(&e, &request_id, head),
    };
    rest_xml::add_request_headers(&mut resp, &request_id);
    if let (Some(origin), true) = (origin, op != Op::Preflight) {
        if let Ok(Some(g)) = grant(&svc, bucket, &origin, method.as_str(), &[]).await {
            apply_grant(&mut resp, &g, false);
        }
    }
    resp.extensions_mut().insert(OperationName(op.name()));
    resp
}

/// The CORS grant for a request: the bucket's rules when it has any, else the local default.
async fn grant(svc: &S3Service, bucket: Option<String>, origin: &str, method: &str, req_headers: &[String]) -> S3Result<Option<CorsGrant>> {
    let rules = match bucket {
        Some(b) => crate::ops::bucket::find_sub(svc, b, SubResource::Cors).await.unwrap_or(None),
        None => None,
    };
    match rules {
        Some(json) => {
            let rules: Vec<CorsRule> = serde_json::from_str(&json).unwrap_or_default();
            Ok(cors::evaluate(&rules, origin, method, req_headers))
        }
        None => Ok(Some(cors::default_grant(origin, req_headers))),
    }
}

fn apply_grant(resp: &mut Response, g: &CorsGrant, preflight: bool) {
    set(resp, "access-control-allow-origin", &g.allow_origin);
    if g.allow_origin != "*" {
        set(resp, "access-control-allow-credentials", "true");
        set(resp, "vary", "Origin, Access-Control-Request-Headers, Access-Control-Request-Method");
    }
    set(resp, "access-control-allow-methods", &g.allow_methods);
    if let Some(e) = &g.expose_headers {
        set(resp, "access-control-expose-headers", e);
    }
    if preflight {
        if let Some(h) = &g.allow_headers {
            set(resp, "access-control-allow-headers", h);
        }
        if let Some(m) = g.max_age {
            set(resp, "access-control-max-age", &m.to_string());
        }
    }
}

/// OPTIONS preflight.
async fn preflight(svc: &S3Service, r: &Req) -> S3Result<Response> {
    let origin = r.header("origin").ok_or_else(|| S3Error::InvalidRequest("Insufficient information. Origin request header needed.".into()))?;
    let method = r
        .header("access-control-request-method")
        .ok_or_else(|| S3Error::InvalidRequest("Invalid Access-Control-Request-Method: null".into()))?;
    let req_headers: Vec<String> = r
        .header("access-control-request-headers")
        .map(|h| h.split(',').map(|s| s.trim().to_ascii_lowercase()).filter(|s| !s.is_empty()).collect())
        .unwrap_or_default();
    match grant(svc, r.addr.bucket.clone(), origin, method, &req_headers).await? {
        Some(g) => {
            let mut resp = empty(200);
            apply_grant(&mut resp, &g, true);
            Ok(resp)
        }
        None => Err(S3Error::CorsForbidden),
    }
}

async fn dispatch(svc: &S3Service, op: Op, r: Req) -> S3Result<Response> {
    match op {
        Op::Preflight => preflight(svc, &r).await,
        Op::MethodNotAllowed => {
            let resource = match (&r.addr.bucket, &r.addr.key) {
                (_, Some(_)) => "OBJECT",
                (Some(_), None) => "BUCKET",
                (None, None) => "SERVICE",
            };
            Err(S3Error::MethodNotAllowed { method: r.method.to_string(), resource })
        }
        Op::PostObject => post::post_object(svc, r).await,
        Op::NotImplemented => Err(S3Error::NotImplemented("A header you provided implies functionality that is not implemented".into())),
        Op::ListBuckets
        | Op::CreateBucket
        | Op::HeadBucket
        | Op::DeleteBucket
        | Op::GetBucketLocation
        | Op::GetBucketVersioning
        | Op::PutBucketVersioning
        | Op::GetBucketCors
        | Op::PutBucketCors
        | Op::DeleteBucketCors
        | Op::GetBucketPolicy
        | Op::PutBucketPolicy
        | Op::DeleteBucketPolicy
        | Op::GetBucketLifecycleConfiguration
        | Op::PutBucketLifecycleConfiguration
        | Op::DeleteBucketLifecycle
        | Op::GetBucketTagging
        | Op::PutBucketTagging
        | Op::DeleteBucketTagging
        | Op::GetBucketAcl
        | Op::PutBucketAcl => bucket::handle(svc, op, r).await,
        Op::ListObjects | Op::ListObjectsV2 | Op::ListObjectVersions | Op::ListMultipartUploads => list::handle(svc, op, r).await,
        Op::CreateMultipartUpload | Op::UploadPart | Op::UploadPartCopy | Op::CompleteMultipartUpload | Op::AbortMultipartUpload | Op::ListParts => {
            multipart::handle(svc, op, r).await
        }
        Op::DeleteObjects
        | Op::PutObject
        | Op::CopyObject
        | Op::GetObject
        | Op::HeadObject
        | Op::DeleteObject
        | Op::GetObjectTagging
        | Op::PutObjectTagging
        | Op::DeleteObjectTagging
        | Op::GetObjectAcl
        | Op::PutObjectAcl
        | Op::GetObjectAttributes => object::handle(svc, op, r).await,
    }
}
