//! The SigV4 canonical request: canonical URI, canonical query string, canonical headers and
//! the signed-header list, built from the request exactly as it arrived.
//! See https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html
//!
//! AWS quirk: S3 signs the path as sent (no dot-segment normalization, no second encoding);
//! every other service normalizes the path and percent-encodes it once more, so a `%` in the
//! wire path becomes `%25` in the canonical URI.
//! Leaves out: SigV4a (ECDSA) canonical forms.

use http::HeaderMap;
use percent_encoding::{percent_decode_str, utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

/// RFC 3986 unreserved characters stay as they are; everything else is `%XX` (upper-case).
const QUERY_SET: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');
/// As [`QUERY_SET`] but keeps `/` (path segments).
const PATH_SET: &AsciiSet = &QUERY_SET.remove(b'/');

/// How the canonical URI is derived from the request path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PathMode {
    /// Remove `.`/`..` and empty segments (every service but S3).
    pub normalize: bool,
    /// Percent-encode the path (again) with the RFC 3986 rules (every service but S3).
    pub encode: bool,
}

impl PathMode {
    /// S3: the path exactly as sent.
    pub const S3: PathMode = PathMode { normalize: false, encode: false };
    /// Every other service: normalized and encoded once more.
    pub const DEFAULT: PathMode = PathMode { normalize: true, encode: true };
}

/// The borrowed view of a request the canonicalization needs.
#[derive(Debug, Clone, Copy)]
pub struct RequestParts<'a> {
    /// HTTP method (`GET`, `PUT`, …).
    pub method: &'a str,
    /// The path as it appeared on the wire (still percent-encoded).
    pub path: &'a str,
    /// The raw query string without `?` (empty when absent).
    pub query: &'a str,
    /// All request headers.
    pub headers: &'a HeaderMap,
    /// The URI authority, used as `host` when no Host header is present (HTTP/2).
    pub authority: Option<&'a str>,
}

/// RFC 3986 percent-encoding of a query name or value (space → `%20`, `/` → `%2F`).
pub fn uri_encode(s: &str) -> String {
    utf8_percent_encode(s, QUERY_SET).to_string()
}

/// RFC 3986 percent-encoding of a path, keeping `/`.
pub fn uri_encode_path(s: &str) -> String {
    utf8_percent_encode(s, PATH_SET).to_string()
}

/// Remove `.` / `..` and empty segments, keeping a leading and trailing slash (botocore's and
/// the CRT signer's `remove_dot_segments`).
pub fn normalize_path(path: &str) -> String {
    if path.is_empty() {
        return "/".into();
    }
    let mut out: Vec<&str> = Vec::new();
    for seg in path.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                out.pop();
            }
            s => out.push(s),
        }
    }
    let lead = if path.starts_with('/') { "/" } else { "" };
    let trail = if path.ends_with('/') && !out.is_empty() { "/" } else { "" };
    format!("{lead}{}{trail}", out.join("/"))
}

/// The canonical URI for `path` under `mode`.
pub fn canonical_uri(path: &str, mode: PathMode) -> String {
    if path == "/" {
        // Every mode leaves the root path as it is (the JSON services always post to it).
        return path.to_string();
    }
    let p = if mode.normalize { normalize_path(path) } else { path.to_string() };
    let p = if mode.encode { uri_encode_path(&p) } else { p };
    if p.is_empty() {
        "/".into()
    } else {
        p
    }
}

/// Decode one query component: `+` is a space (form encoding, e.g. `URLSearchParams`), `%XX`
/// is a byte; invalid UTF-8 is replaced.
fn decode_query_component(s: &str) -> String {
    let plus = s.replace('+', " ");
    percent_decode_str(&plus).decode_utf8_lossy().into_owned()
}

/// Split a raw query into decoded `(name, value)` pairs, in order.
pub fn query_pairs(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|kv| !kv.is_empty())
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            (decode_query_component(k), decode_query_component(v))
        })
        .collect()
}

/// The canonical query string: every pair (minus `exclude`, e.g. `X-Amz-Signature`) decoded,
/// re-encoded with RFC 3986 rules and sorted by name, then value.
pub fn canonical_query(query: &str, exclude: Option<&str>) -> String {
    let mut pairs: Vec<(String, String)> = query_pairs(query)
        .into_iter()
        .filter(|(k, _)| Some(k.as_str()) != exclude)
        .map(|(k, v)| (uri_encode(&k), uri_encode(&v)))
        .collect();
    pairs.sort();
    pairs.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("&")
}

/// Append `v` trimmed, with runs of whitespace collapsed into one space.
fn push_trimmed(out: &mut String, v: &str) {
    for (i, word) in v.split_whitespace().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        out.push_str(word);
    }
}

/// Append the value of a signed header as it enters the canonical request: all occurrences
/// joined by `,`, each trimmed. `host` falls back to the URI authority.
fn push_header_value(out: &mut String, req: &RequestParts<'_>, name: &str) {
    let mut any = false;
    for v in req.headers.get_all(name) {
        if any {
            out.push(',');
        }
        any = true;
        push_trimmed(out, &String::from_utf8_lossy(v.as_bytes()));
    }
    if !any && name == "host" {
        push_trimmed(out, req.authority.unwrap_or_default());
    }
}

fn push_canonical_headers(out: &mut String, req: &RequestParts<'_>, signed_headers: &[String]) {
    for name in signed_headers {
        out.push_str(name);
        out.push(':');
        push_header_value(out, req, name);
        out.push('\n');
    }
}

/// The canonical headers block (each `name:value\n`) for `signed_headers` (lower-case, in the
/// order given, which a valid request already sorts).
pub fn canonical_headers(req: &RequestParts<'_>, signed_headers: &[String]) -> String {
    let mut out = String::new();
    push_canonical_headers(&mut out, req, signed_headers);
    out
}

/// The full canonical request.
pub fn canonical_request(
    req: &RequestParts<'_>,
    canonical_uri: &str,
    canonical_query: &str,
    signed_headers: &[String],
    payload_hash: &str,
) -> String {
    let names: usize = signed_headers.iter().map(|n| 2 * n.len() + 2).sum();
    let mut out = String::with_capacity(req.method.len() + canonical_uri.len() + canonical_query.len() + names + 64 * signed_headers.len() + payload_hash.len() + 8);
    out.push_str(req.method);
    out.push('\n');
    out.push_str(canonical_uri);
    out.push('\n');
    out.push_str(canonical_query);
    out.push('\n');
    push_canonical_headers(&mut out, req, signed_headers);
    out.push('\n');
    for (i, name) in signed_headers.iter().enumerate() {
        if i > 0 {
            out.push(';');
        }
        out.push_str(name);
    }
    out.push('\n');
    out.push_str(payload_hash);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize_examples() {
        assert_eq!(normalize_path("/"), "/");
        assert_eq!(normalize_path(""), "/");
        assert_eq!(normalize_path("//example//"), "/example/");
        assert_eq!(normalize_path("/./"), "/");
        assert_eq!(normalize_path("/example/.."), "/");
        assert_eq!(normalize_path("/example1/example2/../.."), "/");
        assert_eq!(normalize_path("/a/./b/../c"), "/a/c");
    }

    #[test]
    fn encoding_rules() {
        assert_eq!(uri_encode("a b+c/~"), "a%20b%2Bc%2F~");
        assert_eq!(uri_encode_path("/a b/ሴ"), "/a%20b/%E1%88%B4");
        // non-S3 double-encodes an already-encoded wire path
        assert_eq!(canonical_uri("/test/%40connections/JBDvjfGEIAMCERw%3D", PathMode::DEFAULT), "/test/%2540connections/JBDvjfGEIAMCERw%253D");
        assert_eq!(canonical_uri("/b/a%20b//c", PathMode::S3), "/b/a%20b//c");
        assert_eq!(canonical_uri("", PathMode::S3), "/");
    }

    #[test]
    fn header_values_trimmed_joined_and_host_from_authority() {
        let mut h = HeaderMap::new();
        h.append("x-a", "  one   two  ".parse().unwrap());
        h.append("x-a", "three".parse().unwrap());
        h.insert("x-b", "".parse().unwrap());
        let req = RequestParts { method: "POST", path: "/", query: "", headers: &h, authority: Some(" example.com:1 ") };
        let names = ["host".to_string(), "x-a".to_string(), "x-b".to_string(), "x-missing".to_string()];
        assert_eq!(canonical_headers(&req, &names), "host:example.com:1\nx-a:one two,three\nx-b:\nx-missing:\n");
        assert_eq!(
            canonical_request(&req, "/", "a=1", &names, "UNSIGNED-PAYLOAD"),
            "POST\n/\na=1\nhost:example.com:1\nx-a:one two,three\nx-b:\nx-missing:\n\nhost;x-a;x-b;x-missing\nUNSIGNED-PAYLOAD"
        );
        assert_eq!(canonical_uri("/", PathMode::DEFAULT), "/");
        assert_eq!(canonical_uri("/", PathMode::S3), "/");
    }

    #[test]
    fn query_canonicalization() {
        assert_eq!(canonical_query("b=2&a=1&a=0", None), "a=0&a=1&b=2");
        assert_eq!(canonical_query("uploads", None), "uploads=");
        assert_eq!(canonical_query("prefix=a+b&x=%2b", None), "prefix=a%20b&x=%2B");
        assert_eq!(canonical_query("X-Amz-Signature=abc&k=v", Some("X-Amz-Signature")), "k=v");
        assert_eq!(canonical_query("", None), "");
    }
}
