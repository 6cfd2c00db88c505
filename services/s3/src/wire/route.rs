//! Addressing and routing: bucket and key from the Host header (virtual-hosted) or the path
//! (path-style), the query string, and which S3 operation a request is.
//! <https://docs.aws.amazon.com/AmazonS3/latest/userguide/VirtualHosting.html>.

use http::{HeaderMap, Method};

/// Decoded query parameters in order (`+` is a space, as browsers' URLSearchParams send it).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Query(pub Vec<(String, String)>);

impl Query {
    /// Parse a raw query string.
    pub fn parse(raw: Option<&str>) -> Self {
        let Some(raw) = raw else { return Self::default() };
        let dec = |s: &str| percent_encoding::percent_decode_str(&s.replace('+', " ")).decode_utf8_lossy().into_owned();
        Self(
            raw.split('&')
                .filter(|p| !p.is_empty())
                .map(|p| match p.split_once('=') {
                    Some((k, v)) => (dec(k), dec(v)),
                    None => (dec(p), String::new()),
                })
                .collect(),
        )
    }

    /// Value of `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// Whether `name` is present (with or without a value).
    pub fn has(&self, name: &str) -> bool {
        self.0.iter().any(|(k, _)| k == name)
    }
}

/// Bucket and key a request addresses.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Address {
    /// Bucket, if any.
    pub bucket: Option<String>,
    /// Key, if any (may contain anything, including `../` and `//`).
    pub key: Option<String>,
    /// The bucket came from the Host header.
    pub virtual_host: bool,
}

/// The bucket named by a virtual host (`bucket.<base>`), for the given base hosts and AWS
/// style hosts (`bucket.s3.amazonaws.com`, `bucket.s3.<region>.amazonaws.com`).
pub fn bucket_from_host(host: &str, bases: &[String]) -> Option<String> {
    let host = host.trim().to_ascii_lowercase();
    if host.starts_with('[') {
        return None;
    }
    let host = match host.rsplit_once(':') {
        Some((h, p)) if !p.is_empty() && p.bytes().all(|c| c.is_ascii_digit()) => h.to_string(),
        _ => host,
    };
    if host.ends_with(".amazonaws.com") {
        let (b, _) = host.split_once(".s3.").or_else(|| host.split_once(".s3-"))?;
        return (!b.is_empty()).then(|| b.to_string());
    }
    if bases.contains(&host) {
        return None;
    }
    let mut best: Option<&str> = None;
    for base in bases {
        if let Some(prefix) = host.strip_suffix(base.as_str()).and_then(|p| p.strip_suffix('.')) {
            // prefer the longest base (`s3.localhost` over `localhost`)
            if !prefix.is_empty() && best.is_none_or(|b| b.len() > prefix.len()) {
                best = Some(prefix);
            }
        }
    }
    best.map(str::to_string)
}

/// Split the raw path into bucket and key (percent-decoded; the key is never normalised).
pub fn address(host: Option<&str>, raw_path: &str, bases: &[String]) -> Address {
    let dec = |s: &str| percent_encoding::percent_decode_str(s).decode_utf8_lossy().into_owned();
    let path = raw_path.strip_prefix('/').unwrap_or(raw_path);
    if let Some(bucket) = host.and_then(|h| bucket_from_host(h, bases)) {
        let key = (!path.is_empty()).then(|| dec(path));
        return Address { bucket: Some(bucket), key, virtual_host: true };
    }
    if path.is_empty() {
        return Address::default();
    }
    match path.split_once('/') {
        None => Address { bucket: Some(dec(path)), key: None, virtual_host: false },
        Some((b, rest)) => Address { bucket: Some(dec(b)), key: (!rest.is_empty()).then(|| dec(rest)), virtual_host: false },
    }
}

/// The operations amplocal routes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum Op {
    ListBuckets,
    CreateBucket,
    HeadBucket,
    DeleteBucket,
    GetBucketLocation,
    GetBucketVersioning,
    PutBucketVersioning,
    GetBucketCors,
    PutBucketCors,
    DeleteBucketCors,
    GetBucketPolicy,
    PutBucketPolicy,
    DeleteBucketPolicy,
    GetBucketLifecycleConfiguration,
    PutBucketLifecycleConfiguration,
    DeleteBucketLifecycle,
    GetBucketTagging,
    PutBucketTagging,
    DeleteBucketTagging,
    GetBucketAcl,
    PutBucketAcl,
    ListObjects,
    ListObjectsV2,
    ListObjectVersions,
    ListMultipartUploads,
    DeleteObjects,
    PutObject,
    CopyObject,
    GetObject,
    HeadObject,
    DeleteObject,
    GetObjectTagging,
    PutObjectTagging,
    DeleteObjectTagging,
    GetObjectAcl,
    PutObjectAcl,
    GetObjectAttributes,
    CreateMultipartUpload,
    UploadPart,
    UploadPartCopy,
    CompleteMultipartUpload,
    AbortMultipartUpload,
    ListParts,
    Preflight,
    PostObject,
    MethodNotAllowed,
    NotImplemented,
}

impl Op {
    /// The AWS operation name (for the request log).
    pub fn name(self) -> &'static str {
        match self {
            Op::Preflight => "OPTIONS",
            Op::NotImplemented => "NotImplemented",
            Op::MethodNotAllowed => "MethodNotAllowed",
            Op::DeleteBucketLifecycle => "DeleteBucketLifecycle",
            other => OP_NAMES.iter().find(|(o, _)| *o == other).map(|(_, n)| *n).unwrap_or("S3"),
        }
    }
}

const OP_NAMES: &[(Op, &str)] = &[
    (Op::ListBuckets, "ListBuckets"),
    (Op::CreateBucket, "CreateBucket"),
    (Op::HeadBucket, "HeadBucket"),
    (Op::DeleteBucket, "DeleteBucket"),
    (Op::GetBucketLocation, "GetBucketLocation"),
    (Op::GetBucketVersioning, "GetBucketVersioning"),
    (Op::PutBucketVersioning, "PutBucketVersioning"),
    (Op::GetBucketCors, "GetBucketCors"),
    (Op::PutBucketCors, "PutBucketCors"),
    (Op::DeleteBucketCors, "DeleteBucketCors"),
    (Op::GetBucketPolicy, "GetBucketPolicy"),
    (Op::PutBucketPolicy, "PutBucketPolicy"),
    (Op::DeleteBucketPolicy, "DeleteBucketPolicy"),
    (Op::GetBucketLifecycleConfiguration, "GetBucketLifecycleConfiguration"),
    (Op::PutBucketLifecycleConfiguration, "PutBucketLifecycleConfiguration"),
    (Op::GetBucketTagging, "GetBucketTagging"),
    (Op::PutBucketTagging, "PutBucketTagging"),
    (Op::DeleteBucketTagging, "DeleteBucketTagging"),
    (Op::GetBucketAcl, "GetBucketAcl"),
    (Op::PutBucketAcl, "PutBucketAcl"),
    (Op::ListObjects, "ListObjects"),
    (Op::ListObjectsV2, "ListObjectsV2"),
    (Op::ListObjectVersions, "ListObjectVersions"),
    (Op::ListMultipartUploads, "ListMultipartUploads"),
    (Op::DeleteObjects, "DeleteObjects"),
    (Op::PutObject, "PutObject"),
    (Op::CopyObject, "CopyObject"),
    (Op::GetObject, "GetObject"),
    (Op::HeadObject, "HeadObject"),
    (Op::DeleteObject, "DeleteObject"),
    (Op::GetObjectTagging, "GetObjectTagging"),
    (Op::PutObjectTagging, "PutObjectTagging"),
    (Op::DeleteObjectTagging, "DeleteObjectTagging"),
    (Op::GetObjectAcl, "GetObjectAcl"),
    (Op::PutObjectAcl, "PutObjectAcl"),
    (Op::GetObjectAttributes, "GetObjectAttributes"),
    (Op::CreateMultipartUpload, "CreateMultipartUpload"),
    (Op::UploadPart, "UploadPart"),
    (Op::UploadPartCopy, "UploadPartCopy"),
    (Op::CompleteMultipartUpload, "CompleteMultipartUpload"),
    (Op::AbortMultipartUpload, "AbortMultipartUpload"),
    (Op::ListParts, "ListParts"),
    (Op::PostObject, "PostObject"),
];

/// Decide the operation.
pub fn route(method: &Method, addr: &Address, q: &Query, headers: &HeaderMap) -> Op {
    if method == Method::OPTIONS {
        return Op::Preflight;
    }
    let copy = headers.contains_key("x-amz-copy-source");
    match (&addr.bucket, &addr.key) {
        (None, _) => match *method {
            Method::GET => Op::ListBuckets,
            Method::POST if q.has("delete") => Op::DeleteObjects,
            _ => Op::MethodNotAllowed,
        },
        (Some(_), None) => match *method {
            Method::PUT => {
                if q.has("cors") {
                    Op::PutBucketCors
                } else if q.has("versioning") {
                    Op::PutBucketVersioning
                } else if q.has("policy") {
                    Op::PutBucketPolicy
                } else if q.has("lifecycle") {
                    Op::PutBucketLifecycleConfiguration
                } else if q.has("tagging") {
                    Op::PutBucketTagging
                } else if q.has("acl") {
                    Op::PutBucketAcl
                } else if ["website", "logging", "notification", "replication", "encryption", "accelerate", "requestPayment", "object-lock", "publicAccessBlock", "ownershipControls", "inventory", "analytics", "metrics", "intelligent-tiering"]
                    .iter()
                    .any(|s| q.has(s))
                {
                    Op::NotImplemented
                } else {
                    Op::CreateBucket
                }
            }
            Method::GET => {
                if q.has("location") {
                    Op::GetBucketLocation
                } else if q.has("versioning") {
                    Op::GetBucketVersioning
                } else if q.has("cors") {
                    Op::GetBucketCors
                } else if q.has("policy") {
                    Op::GetBucketPolicy
                } else if q.has("lifecycle") {
                    Op::GetBucketLifecycleConfiguration
                } else if q.has("tagging") {
                    Op::GetBucketTagging
                } else if q.has("acl") {
                    Op::GetBucketAcl
                } else if q.has("uploads") {
                    Op::ListMultipartUploads
                } else if q.has("versions") {
                    Op::ListObjectVersions
                } else if q.get("list-type") == Some("2") {
                    Op::ListObjectsV2
                } else if q.0.iter().any(|(k, _)| !matches!(k.as_str(), "prefix" | "delimiter" | "marker" | "max-keys" | "encoding-type" | "x-id")) {
                    Op::NotImplemented
                } else {
                    Op::ListObjects
                }
            }
            Method::HEAD => Op::HeadBucket,
            Method::DELETE => {
                if q.has("cors") {
                    Op::DeleteBucketCors
                } else if q.has("policy") {
                    Op::DeleteBucketPolicy
                } else if q.has("lifecycle") {
                    Op::DeleteBucketLifecycle
                } else if q.has("tagging") {
                    Op::DeleteBucketTagging
                } else if q.0.iter().any(|(k, _)| k != "x-id") {
                    Op::NotImplemented
                } else {
                    Op::DeleteBucket
                }
            }
            Method::POST if q.has("delete") => Op::DeleteObjects,
            Method::POST => Op::PostObject,
            _ => Op::MethodNotAllowed,
        },
        (Some(_), Some(_)) => match *method {
            Method::PUT => {
                if q.has("partNumber") && q.has("uploadId") {
                    if copy {
                        Op::UploadPartCopy
                    } else {
                        Op::UploadPart
                    }
                } else if q.has("tagging") {
                    Op::PutObjectTagging
                } else if q.has("acl") {
                    Op::PutObjectAcl
                } else if q.has("retention") || q.has("legal-hold") {
                    Op::NotImplemented
                } else if copy {
                    Op::CopyObject
                } else {
                    Op::PutObject
                }
            }
            Method::GET => {
                if q.has("uploadId") {
                    Op::ListParts
                } else if q.has("tagging") {
                    Op::GetObjectTagging
                } else if q.has("acl") {
                    Op::GetObjectAcl
                } else if q.has("attributes") {
                    Op::GetObjectAttributes
                } else if q.has("torrent") || q.has("retention") || q.has("legal-hold") {
                    Op::NotImplemented
                } else {
                    Op::GetObject
                }
            }
            Method::HEAD => Op::HeadObject,
            Method::DELETE => {
                if q.has("uploadId") {
                    Op::AbortMultipartUpload
                } else if q.has("tagging") {
                    Op::DeleteObjectTagging
                } else {
                    Op::DeleteObject
                }
            }
            Method::POST => {
                if q.has("uploads") {
                    Op::CreateMultipartUpload
                } else if q.has("uploadId") {
                    Op::CompleteMultipartUpload
                } else {
                    Op::NotImplemented
                }
            }
            _ => Op::MethodNotAllowed,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bases() -> Vec<String> {
        vec!["s3.localhost".into(), "localhost".into()]
    }

    #[test]
    fn virtual_hosts() {
        assert_eq!(bucket_from_host("b1.s3.localhost:4566", &bases()).as_deref(), Some("b1"));
        assert_eq!(bucket_from_host("b1.localhost:4566", &bases()).as_deref(), Some("b1"));
        assert_eq!(bucket_from_host("my.dotted.b.s3.localhost", &bases()).as_deref(), Some("my.dotted.b"));
        assert_eq!(bucket_from_host("localhost:4566", &bases()), None);
        assert_eq!(bucket_from_host("s3.localhost:4566", &bases()), None);
        assert_eq!(bucket_from_host("127.0.0.1:4566", &bases()), None);
        assert_eq!(bucket_from_host("bkt.s3.us-west-2.amazonaws.com", &bases()).as_deref(), Some("bkt"));
    }

    #[test]
    fn paths_are_not_normalised() {
        let a = address(Some("127.0.0.1:1"), "/b/../x/%2F/%E2%9C%93//", &bases());
        assert_eq!(a.bucket.as_deref(), Some("b"));
        assert_eq!(a.key.as_deref(), Some("../x///✓//"));
        let a = address(Some("b.s3.localhost:1"), "/", &bases());
        assert_eq!((a.bucket.as_deref(), a.key), (Some("b"), None));
        assert_eq!(address(None, "/", &bases()), Address::default());
        assert_eq!(address(None, "/b/", &bases()).key, None);
    }

    #[test]
    fn routes() {
        let h = HeaderMap::new();
        let b = Address { bucket: Some("b".into()), key: None, virtual_host: false };
        let k = Address { bucket: Some("b".into()), key: Some("k".into()), virtual_host: false };
        let q = |s: &str| Query::parse(Some(s));
        assert_eq!(route(&Method::GET, &Address::default(), &q(""), &h), Op::ListBuckets);
        assert_eq!(route(&Method::GET, &b, &q("list-type=2&prefix=a+b"), &h), Op::ListObjectsV2);
        assert_eq!(q("prefix=a+b%2B").get("prefix"), Some("a b+"));
        assert_eq!(route(&Method::GET, &b, &q(""), &h), Op::ListObjects);
        assert_eq!(route(&Method::POST, &b, &q("delete="), &h), Op::DeleteObjects);
        assert_eq!(route(&Method::POST, &Address::default(), &q("delete"), &h), Op::DeleteObjects);
        assert_eq!(route(&Method::POST, &k, &q("uploads="), &h), Op::CreateMultipartUpload);
        assert_eq!(route(&Method::PUT, &k, &q("partNumber=1&uploadId=x"), &h), Op::UploadPart);
        assert_eq!(route(&Method::GET, &k, &q("x-id=GetObject"), &h), Op::GetObject);
        assert_eq!(route(&Method::PUT, &b, &q("website"), &h), Op::NotImplemented);
        let mut hc = HeaderMap::new();
        hc.insert("x-amz-copy-source", "a/b".parse().unwrap());
        assert_eq!(route(&Method::PUT, &k, &q("x-id=CopyObject"), &hc), Op::CopyObject);
        assert_eq!(route(&Method::OPTIONS, &k, &q(""), &h), Op::Preflight);
        assert_eq!(route(&Method::PATCH, &k, &q(""), &h), Op::MethodNotAllowed);
        assert_eq!(route(&Method::PATCH, &b, &q(""), &h), Op::MethodNotAllowed);
    }
}
