//! S3's legacy Signature Version 2 (HMAC-SHA1), which botocore still uses for presigned URLs
//! by default (`AWSAccessKeyId`, `Signature`, `Expires`) and some old tools use in the
//! `Authorization: AWS key:sig` header.
//! See https://docs.aws.amazon.com/AmazonS3/latest/userguide/RESTAuthentication.html
//! Leaves out: SigV2 POST policies (the S3 service checks form uploads).

use super::canonical::{query_pairs, RequestParts};
use base64::Engine;
use hmac::{Hmac, Mac};
use sha1::Sha1;

/// Sub-resources that are part of the SigV2 canonicalized resource (botocore's list).
pub const SUBRESOURCES: &[&str] = &[
    "accelerate", "acl", "analytics", "cors", "defaultObjectAcl", "delete", "inventory", "lifecycle", "location", "logging",
    "metrics", "notification", "object-lock", "partNumber", "policy", "replication", "requestPayment", "response-cache-control",
    "response-content-disposition", "response-content-encoding", "response-content-language", "response-content-type",
    "response-expires", "restore", "select", "select-type", "storageClass", "tagging", "torrent", "uploadId", "uploads",
    "versionId", "versioning", "versions", "website",
];

/// The canonicalized resource: `resource_path` (the path-style `/bucket/key`, still encoded)
/// plus the sub-resources of the query, sorted, values decoded.
pub fn canonical_resource(resource_path: &str, query: &str) -> String {
    let mut subs: Vec<(String, String)> = query_pairs(query).into_iter().filter(|(k, _)| SUBRESOURCES.contains(&k.as_str())).collect();
    subs.sort_by(|a, b| a.0.cmp(&b.0));
    let mut out = resource_path.to_string();
    if !subs.is_empty() {
        out.push('?');
        let parts: Vec<String> = subs
            .iter()
            .map(|(k, v)| {
                let raw_has_value = query.split('&').any(|kv| kv.split_once('=').is_some_and(|(n, _)| n == k));
                if raw_has_value { format!("{k}={v}") } else { k.clone() }
            })
            .collect();
        out.push_str(&parts.join("&"));
    }
    out
}

/// The SigV2 string to sign. `date_or_expires` is the `Expires` query value for presigned
/// URLs, the `Date` header (empty when `x-amz-date` is sent) for header auth.
///
/// AWS quirk: botocore's presigner moves the `x-amz-*` headers it signed (notably
/// `x-amz-security-token`), `Content-Type` and `Content-MD5` into the query string, so for
/// query auth those parameters count as headers.
pub fn string_to_sign(req: &RequestParts<'_>, date_or_expires: &str, resource_path: &str) -> String {
    let query_auth = query_pairs(req.query).iter().any(|(k, _)| k == "AWSAccessKeyId");
    let from_query: Vec<(String, String)> = if query_auth { query_pairs(req.query) } else { Vec::new() };
    let header = |n: &str| {
        req.headers
            .get(n)
            .and_then(|v| v.to_str().ok())
            .map(|v| v.trim().to_string())
            .or_else(|| from_query.iter().find(|(k, _)| k.eq_ignore_ascii_case(n)).map(|(_, v)| v.trim().to_string()))
            .unwrap_or_default()
    };
    let mut amz: std::collections::BTreeMap<String, Vec<String>> = std::collections::BTreeMap::new();
    for name in req.headers.keys() {
        let n = name.as_str();
        if n.starts_with("x-amz-") {
            let vals = req.headers.get_all(name).iter().map(|v| String::from_utf8_lossy(v.as_bytes()).trim().to_string());
            amz.entry(n.to_string()).or_default().extend(vals);
        }
    }
    for (k, v) in &from_query {
        let k = k.to_ascii_lowercase();
        if k.starts_with("x-amz-") && !req.headers.contains_key(k.as_str()) {
            amz.entry(k).or_default().push(v.trim().to_string());
        }
    }
    let mut s = format!("{}\n{}\n{}\n{}\n", req.method, header("content-md5"), header("content-type"), date_or_expires);
    for (k, v) in amz {
        s.push_str(&format!("{k}:{}\n", v.join(",")));
    }
    s.push_str(&canonical_resource(resource_path, req.query));
    s
}

/// Base64 HMAC-SHA1 of `string_to_sign` under `secret`.
pub fn signature(secret: &str, string_to_sign: &str) -> String {
    // HMAC accepts keys of any length, so `new_from_slice` cannot fail.
    let Ok(mut mac) = Hmac::<Sha1>::new_from_slice(secret.as_bytes()) else { return String::new() };
    mac.update(string_to_sign.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// The result of a SigV2 check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct V2Verification {
    /// Whether one of the resource forms matched.
    pub matched: bool,
    /// The string to sign of the first form tried.
    pub string_to_sign: String,
}

/// Check `provided` for each candidate resource path (path-style, and `/bucket` + path for
/// virtual-hosted requests).
pub fn verify(req: &RequestParts<'_>, secret: &str, provided: &str, date_or_expires: &str, resource_paths: &[String]) -> V2Verification {
    let mut first = None;
    for rp in resource_paths {
        let sts = string_to_sign(req, date_or_expires, rp);
        if super::signing::signatures_equal(&signature(secret, &sts), provided) {
            return V2Verification { matched: true, string_to_sign: sts };
        }
        first.get_or_insert(sts);
    }
    V2Verification { matched: false, string_to_sign: first.unwrap_or_default() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderMap;

    /// The S3 developer guide's SigV2 examples (secret wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY).
    #[test]
    fn aws_doc_examples() {
        let secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
        // Object GET
        let h = HeaderMap::new();
        let req = RequestParts { method: "GET", path: "/photos/puppy.jpg", query: "", headers: &h, authority: None };
        let sts = string_to_sign(&req, "Tue, 27 Mar 2007 19:36:42 +0000", "/awsexamplebucket1/photos/puppy.jpg");
        assert_eq!(sts, "GET\n\n\nTue, 27 Mar 2007 19:36:42 +0000\n/awsexamplebucket1/photos/puppy.jpg");
        assert_eq!(signature(secret, &sts), "qgk2+6Sv9/oM7G3qLEjTH1a1l1g=");
        // Query string authentication
        let q = "AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Expires=1175139620&Signature=NpgCjnDzrM%2BWFzoENXmpNDUsSn8%3D";
        let req = RequestParts { method: "GET", path: "/photos/puppy.jpg", query: q, headers: &h, authority: None };
        let v = verify(&req, secret, "NpgCjnDzrM+WFzoENXmpNDUsSn8=", "1175139620", &["/photos/puppy.jpg".into(), "/johnsmith/photos/puppy.jpg".into()]);
        assert!(v.matched);
        assert!(!verify(&req, "wrong", "NpgCjnDzrM+WFzoENXmpNDUsSn8=", "1175139620", &["/johnsmith/photos/puppy.jpg".into()]).matched);
    }

    #[test]
    fn botocore_query_headers_count_as_headers() {
        let h = HeaderMap::new();
        let q = "AWSAccessKeyId=ASIA&Signature=x&Expires=100&x-amz-security-token=tok%2B1&content-type=text%2Fplain";
        let req = RequestParts { method: "PUT", path: "/b/k", query: q, headers: &h, authority: None };
        assert_eq!(string_to_sign(&req, "100", "/b/k"), "PUT\n\ntext/plain\n100\nx-amz-security-token:tok+1\n/b/k");
    }

    #[test]
    fn subresources_sorted_and_decoded() {
        assert_eq!(canonical_resource("/b/k", "versionId=a%2Fb&x-id=GetObject&acl"), "/b/k?acl&versionId=a/b");
        assert_eq!(canonical_resource("/b/", "uploads="), "/b/?uploads=");
    }
}
