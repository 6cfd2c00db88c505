//! Request headers → typed fields (object metadata, digests, framing, conditions, ranges,
//! copy source, tagging) and typed fields → response headers, plus S3's timestamp formats.

use super::body::Framing;
use super::{set, Req};
use crate::checksum::ChecksumAlg;
use crate::error::{S3Error, S3Result};
use crate::ops::integrity::Declared;
use crate::ops::object::{ReadConditions, WriteConditions};
use crate::store::objects::{ObjectMeta, ObjectRow, StoredChecksum};
use axum::response::Response;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// ISO 8601 with milliseconds (`2009-10-12T17:50:30.000Z`), as S3 XML uses.
pub fn iso8601(ms: i64) -> String {
    let t = time::OffsetDateTime::UNIX_EPOCH + time::Duration::milliseconds(ms);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.millisecond()
    )
}

/// Parse an HTTP date header.
pub fn http_time(v: Option<&str>) -> Option<SystemTime> {
    v.and_then(|s| httpdate::parse_http_date(s.trim()).ok())
}

/// The storage classes `x-amz-storage-class` may name (stored and echoed; all behave as STANDARD).
pub const STORAGE_CLASSES: &[&str] =
    &["STANDARD", "REDUCED_REDUNDANCY", "STANDARD_IA", "ONEZONE_IA", "INTELLIGENT_TIERING", "GLACIER", "DEEP_ARCHIVE", "OUTPOSTS", "GLACIER_IR", "SNOW", "EXPRESS_ONEZONE", "FSX_OPENZFS"];

/// Object metadata from PutObject / CreateMultipartUpload / CopyObject(REPLACE) headers; an
/// unknown storage class is `InvalidStorageClass`.
pub fn object_meta(r: &Req) -> S3Result<ObjectMeta> {
    let storage_class = match r.header("x-amz-storage-class").map(str::trim) {
        Some(c) if !STORAGE_CLASSES.contains(&c) => return Err(S3Error::InvalidStorageClass),
        other => other.filter(|c| *c != "STANDARD").map(str::to_string),
    };
    let h = |n: &str| r.header(n).map(str::to_string);
    let encoding = h("content-encoding").and_then(|e| {
        let rest: Vec<&str> = e.split(',').map(str::trim).filter(|p| !p.eq_ignore_ascii_case("aws-chunked") && !p.is_empty()).collect();
        (!rest.is_empty()).then(|| rest.join(", "))
    });
    let mut user: Vec<(String, String)> = Vec::new();
    for (name, value) in r.headers.iter() {
        if let Some(k) = name.as_str().strip_prefix("x-amz-meta-") {
            let v = String::from_utf8_lossy(value.as_bytes()).into_owned();
            user.push((k.to_string(), v));
        }
    }
    Ok(ObjectMeta {
        content_type: Some(h("content-type").unwrap_or_else(|| "binary/octet-stream".into())),
        cache_control: h("cache-control"),
        content_disposition: h("content-disposition"),
        content_encoding: encoding,
        content_language: h("content-language"),
        expires: h("expires"),
        website_redirect: h("x-amz-website-redirect-location"),
        storage_class,
        user,
    })
}

/// Tags from `x-amz-tagging` (URL query form).
pub fn tagging_header(r: &Req) -> Vec<(String, String)> {
    r.header("x-amz-tagging").map(|t| super::route::Query::parse(Some(t)).0).unwrap_or_default()
}

/// Body framing from `Content-Encoding` / `x-amz-content-sha256`.
pub fn framing(r: &Req) -> S3Result<Framing> {
    let sha = r.header("x-amz-content-sha256").unwrap_or("");
    let chunked = sha.starts_with("STREAMING-") || r.header("content-encoding").is_some_and(|e| e.split(',').any(|p| p.trim().eq_ignore_ascii_case("aws-chunked")));
    if sha.starts_with("STREAMING-AWS4-ECDSA") {
        return Err(S3Error::NotImplemented("SigV4a streaming payloads are not supported".into()));
    }
    let signed = sha.starts_with("STREAMING-AWS4-HMAC-SHA256-PAYLOAD");
    let signing = if signed { r.ctx.caller.as_ref().and_then(|c| c.chunk_signing.clone()) } else { None };
    let decoded_length = match r.header("x-amz-decoded-content-length") {
        Some(v) => Some(v.trim().parse::<u64>().map_err(|_| S3Error::InvalidArgument("x-amz-decoded-content-length is invalid".into()))?),
        None => None,
    };
    Ok(Framing { chunked, signing, decoded_length: if chunked { decoded_length } else { None } })
}

/// Declared digests and the algorithms to compute (including trailer ones).
pub fn declared(r: &Req) -> S3Result<(Declared, Vec<ChecksumAlg>)> {
    let mut d = Declared { content_md5: r.header("content-md5").map(str::to_string), ..Default::default() };
    let sha = r.header("x-amz-content-sha256").unwrap_or("");
    if sha.len() == 64 && sha.bytes().all(|b| b.is_ascii_hexdigit()) {
        d.sha256_hex = Some(sha.to_ascii_lowercase());
    }
    for alg in ChecksumAlg::ALL {
        // presigned URLs carry them as query parameters ("hoisted" headers)
        if let Some(v) = r.header(alg.header()).or(r.q.get(alg.header())) {
            d.checksums.push((alg, v.trim().to_string()));
        }
    }
    if let Some(a) = r.header("x-amz-sdk-checksum-algorithm").or(r.header("x-amz-checksum-algorithm")).or(r.q.get("x-amz-sdk-checksum-algorithm")) {
        d.algorithm = Some(ChecksumAlg::parse(a).ok_or_else(|| S3Error::InvalidRequest("Checksum algorithm provided is unsupported. Please try again with any of the valid types: [CRC32, CRC32C, CRC64NVME, SHA1, SHA256]".into()))?);
    }
    let mut algs = d.algorithms();
    if let Some(t) = r.header("x-amz-trailer") {
        algs.extend(t.split(',').filter_map(ChecksumAlg::from_header));
    }
    if algs.is_empty() {
        algs.push(ChecksumAlg::Crc64Nvme);
    }
    Ok((d, algs))
}

/// Write conditions.
/// `If-None-Match` on a write takes only `*`; S3 answers any other value with NotImplemented.
pub fn write_conditions(r: &Req) -> S3Result<WriteConditions> {
    let if_none_match = r.header("if-none-match").map(str::to_string);
    if if_none_match.as_deref().is_some_and(|v| v.trim() != "*") {
        return Err(S3Error::NotImplemented("A header you provided implies functionality that is not implemented".into()));
    }
    Ok(WriteConditions { if_match: r.header("if-match").map(str::to_string), if_none_match })
}

/// Read conditions from `prefix` (`""` or `x-amz-copy-source-`).
pub fn read_conditions(r: &Req, prefix: &str) -> ReadConditions {
    let h = |n: &str| r.header(&format!("{prefix}{n}")).map(str::to_string);
    ReadConditions {
        if_match: h("if-match"),
        if_none_match: h("if-none-match"),
        if_modified_since: http_time(h("if-modified-since").as_deref()),
        if_unmodified_since: http_time(h("if-unmodified-since").as_deref()),
    }
}

/// Parse `bytes=a-b`, `bytes=a-`, `bytes=-n`; None when absent or not a single byte range
/// (S3 then serves the whole object).
pub fn parse_range(v: &str) -> Option<crate::ops::object::RangeSpec> {
    use crate::ops::object::RangeSpec;
    let spec = v.trim().strip_prefix("bytes=")?;
    if spec.contains(',') {
        return None;
    }
    let (a, b) = spec.split_once('-')?;
    let (a, b) = (a.trim(), b.trim());
    if a.is_empty() {
        return b.parse().ok().map(RangeSpec::Suffix);
    }
    let a: u64 = a.parse().ok()?;
    if b.is_empty() {
        return Some(RangeSpec::FromTo(a, None));
    }
    let b: u64 = b.parse().ok()?;
    (b >= a).then_some(RangeSpec::FromTo(a, Some(b)))
}

/// `x-amz-copy-source` → (bucket, key, version).
pub fn copy_source(v: &str) -> S3Result<(String, String, Option<String>)> {
    let (path, version) = match v.split_once("?versionId=") {
        Some((p, ver)) => (p, Some(ver.to_string())),
        None => (v, None),
    };
    let path = percent_encoding::percent_decode_str(path).decode_utf8_lossy().into_owned();
    let path = path.strip_prefix('/').unwrap_or(&path);
    match path.split_once('/') {
        Some((b, k)) if !b.is_empty() && !k.is_empty() => Ok((b.to_string(), k.to_string(), version)),
        _ => Err(S3Error::InvalidArgument("Invalid copy source object key".into())),
    }
}

/// Add the checksum headers of a stored checksum.
pub fn checksum_headers(resp: &mut Response, c: &StoredChecksum) {
    set(resp, c.alg.header(), &c.value);
    set(resp, "x-amz-checksum-type", &c.kind);
}

/// Headers of an object version (GET/HEAD).
pub fn object_headers(resp: &mut Response, row: &ObjectRow, versioned: bool) {
    set(resp, "etag", &row.etag);
    set(resp, "last-modified", &crate::ops::object::http_date(row.mtime_ms));
    set(resp, "accept-ranges", "bytes");
    let m = &row.meta;
    set(resp, "content-type", m.content_type.as_deref().unwrap_or("binary/octet-stream"));
    for (name, v) in [
        ("cache-control", &m.cache_control),
        ("content-disposition", &m.content_disposition),
        ("content-encoding", &m.content_encoding),
        ("content-language", &m.content_language),
        ("expires", &m.expires),
        ("x-amz-website-redirect-location", &m.website_redirect),
        ("x-amz-storage-class", &m.storage_class),
    ] {
        if let Some(v) = v {
            set(resp, name, v);
        }
    }
    for (k, v) in &m.user {
        if let (Ok(n), Ok(v)) = (http::HeaderName::from_bytes(format!("x-amz-meta-{k}").as_bytes()), http::HeaderValue::from_bytes(v.as_bytes())) {
            resp.headers_mut().insert(n, v);
        }
    }
    if versioned {
        set(resp, "x-amz-version-id", &row.version_id);
    }
    if !row.tags.is_empty() {
        set(resp, "x-amz-tagging-count", &row.tags.len().to_string());
    }
    set(resp, "x-amz-server-side-encryption", "AES256");
}

/// `response-*` query overrides on GET.
pub fn response_overrides(resp: &mut Response, r: &Req) {
    for (q, h) in [
        ("response-content-type", "content-type"),
        ("response-content-language", "content-language"),
        ("response-expires", "expires"),
        ("response-cache-control", "cache-control"),
        ("response-content-disposition", "content-disposition"),
        ("response-content-encoding", "content-encoding"),
    ] {
        if let Some(v) = r.q.get(q) {
            set(resp, h, v);
        }
    }
}

/// Seconds → SystemTime (tests and helpers).
pub fn epoch_secs(s: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::object::RangeSpec;

    #[test]
    fn ranges() {
        assert_eq!(parse_range("bytes=0-9"), Some(RangeSpec::FromTo(0, Some(9))));
        assert_eq!(parse_range("bytes=5-"), Some(RangeSpec::FromTo(5, None)));
        assert_eq!(parse_range("bytes=-3"), Some(RangeSpec::Suffix(3)));
        assert_eq!(parse_range("bytes=9-2"), None);
        assert_eq!(parse_range("bytes=0-1,4-5"), None);
        assert_eq!(parse_range("items=0-1"), None);
    }

    #[test]
    fn copy_sources() {
        assert_eq!(copy_source("/b/k%20x").unwrap(), ("b".into(), "k x".into(), None));
        assert_eq!(copy_source("b/dir/k?versionId=v1").unwrap(), ("b".into(), "dir/k".into(), Some("v1".into())));
        assert!(copy_source("b").is_err());
    }

    #[test]
    fn timestamps() {
        assert_eq!(iso8601(1_255_369_830_000), "2009-10-12T17:50:30.000Z");
        assert_eq!(epoch_secs(0), UNIX_EPOCH);
    }
}
