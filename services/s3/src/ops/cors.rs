//! Bucket CORS: rules stored by PutBucketCors and evaluated for preflight (OPTIONS) and actual
//! requests. <https://docs.aws.amazon.com/AmazonS3/latest/userguide/cors.html>. With no rules,
//! amplocal answers with a permissive local default (any origin, the S3 methods, every
//! requested header, and the headers Amplify and browsers need exposed).

use serde::{Deserialize, Serialize};

/// One `<CORSRule>`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CorsRule {
    /// `<ID>`.
    pub id: Option<String>,
    /// `<AllowedOrigin>`s (may contain one `*`).
    pub allowed_origins: Vec<String>,
    /// `<AllowedMethod>`s.
    pub allowed_methods: Vec<String>,
    /// `<AllowedHeader>`s (may contain `*`).
    pub allowed_headers: Vec<String>,
    /// `<ExposeHeader>`s.
    pub expose_headers: Vec<String>,
    /// `<MaxAgeSeconds>`.
    pub max_age: Option<u64>,
}

/// Headers exposed by the permissive default.
pub const DEFAULT_EXPOSE: &str = "ETag, x-amz-version-id, x-amz-request-id, x-amz-id-2, x-amz-delete-marker, x-amz-checksum-crc32, x-amz-checksum-crc32c, x-amz-checksum-crc64nvme, x-amz-checksum-sha1, x-amz-checksum-sha256, x-amz-checksum-type, x-amz-mp-parts-count, x-amz-server-side-encryption, x-amz-meta-*, Content-Range, Content-Disposition, Content-Encoding, Content-Language, Content-Length, Content-Type, Expires, Last-Modified, Date, Accept-Ranges";

/// Methods allowed by the permissive default.
pub const DEFAULT_METHODS: &str = "GET, PUT, POST, DELETE, HEAD";

/// Match `value` against a pattern with at most one `*` wildcard (case-sensitive for origins).
pub fn wildcard_match(pattern: &str, value: &str, ignore_case: bool) -> bool {
    let (p, v) = if ignore_case { (pattern.to_ascii_lowercase(), value.to_ascii_lowercase()) } else { (pattern.to_string(), value.to_string()) };
    match p.split_once('*') {
        None => p == v,
        Some((a, b)) => v.len() >= a.len() + b.len() && v.starts_with(a) && v.ends_with(b),
    }
}

/// The response headers a matching rule grants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CorsGrant {
    /// `Access-Control-Allow-Origin` (`*` when the rule allows any origin).
    pub allow_origin: String,
    /// `Access-Control-Allow-Methods`.
    pub allow_methods: String,
    /// `Access-Control-Allow-Headers` (the requested headers).
    pub allow_headers: Option<String>,
    /// `Access-Control-Expose-Headers`.
    pub expose_headers: Option<String>,
    /// `Access-Control-Max-Age`.
    pub max_age: Option<u64>,
}

/// Find the first rule matching origin, method and requested headers.
pub fn evaluate(rules: &[CorsRule], origin: &str, method: &str, request_headers: &[String]) -> Option<CorsGrant> {
    rules.iter().find_map(|r| {
        if !r.allowed_origins.iter().any(|o| wildcard_match(o, origin, false)) {
            return None;
        }
        if !r.allowed_methods.iter().any(|m| m.eq_ignore_ascii_case(method)) {
            return None;
        }
        let headers_ok = request_headers.iter().all(|h| r.allowed_headers.iter().any(|p| wildcard_match(p, h, true)));
        if !headers_ok {
            return None;
        }
        let any = r.allowed_origins.iter().any(|o| o == "*");
        Some(CorsGrant {
            allow_origin: if any { "*".into() } else { origin.to_string() },
            allow_methods: r.allowed_methods.join(", "),
            allow_headers: (!request_headers.is_empty()).then(|| request_headers.join(", ")),
            expose_headers: (!r.expose_headers.is_empty()).then(|| r.expose_headers.join(", ")),
            max_age: r.max_age,
        })
    })
}

/// The permissive default grant.
pub fn default_grant(origin: &str, request_headers: &[String]) -> CorsGrant {
    CorsGrant {
        allow_origin: origin.to_string(),
        allow_methods: DEFAULT_METHODS.into(),
        allow_headers: (!request_headers.is_empty()).then(|| request_headers.join(", ")),
        expose_headers: Some(DEFAULT_EXPOSE.into()),
        max_age: Some(3000),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards() {
        assert!(wildcard_match("*", "http://x", false));
        assert!(wildcard_match("*suffix", "http://a.suffix", false));
        assert!(wildcard_match("start*end", "start-middle-end", false));
        assert!(!wildcard_match("start*end", "startend-no", false));
        assert!(wildcard_match("prefix*", "prefix.example", false));
        assert!(wildcard_match("x-amz-*", "X-Amz-Date", true));
    }

    #[test]
    fn rules() {
        let r = CorsRule {
            allowed_origins: vec!["http://app.test".into()],
            allowed_methods: vec!["GET".into(), "PUT".into()],
            allowed_headers: vec!["*".into()],
            expose_headers: vec!["ETag".into()],
            max_age: Some(10),
            ..Default::default()
        };
        let g = evaluate(std::slice::from_ref(&r), "http://app.test", "PUT", &["content-type".into()]).unwrap();
        assert_eq!(g.allow_origin, "http://app.test");
        assert_eq!(g.expose_headers.as_deref(), Some("ETag"));
        assert!(evaluate(std::slice::from_ref(&r), "http://other", "PUT", &[]).is_none());
        assert!(evaluate(&[r], "http://app.test", "DELETE", &[]).is_none());
    }
}
