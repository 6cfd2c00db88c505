//! Deciding who signed a request: credential lookup in the [`CredentialStore`] under the
//! lenient/strict modes, temporary-credential session tokens and expiry, the time checks, the
//! payload-hash rules and the signature itself (SigV4 header/presigned, S3's SigV2). The
//! gateway calls this for every signed request; services call it for signatures embedded
//! elsewhere (e.g. AppSync's realtime `header=` handshake). Rendering errors is the caller's.
//! See ARCHITECTURE.md "credentials" and https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv.html
//! Leaves out: IAM policy evaluation (any known key may do anything).

use super::canonical::RequestParts;
use super::parse::{AuthLocation, RequestAuth, SigV4Auth, QUERY_PARAMS_REQUIRED};
use super::signing::sha256_hex;
use super::verify::{candidate_uris, check_header_time, check_presigned_time, is_signed_streaming, s3_payload_hash, verify_v4, TimeError};
use super::{parse_request_auth, sigv2, ParseError};
use crate::credentials::account_for_key;
use crate::{Caller, ChunkSigning, CredentialMode, CredentialStore};
use std::time::{Duration, SystemTime};

/// Why a signed request is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthError {
    /// The `Authorization` header is malformed.
    HeaderMalformed(String),
    /// Presigned query parameters are malformed.
    QueryMalformed(String),
    /// Header auth without a date.
    MissingDate,
    /// An access key amplocal does not know (strict mode).
    UnknownKey(String),
    /// The session token does not belong to the temporary key.
    InvalidToken,
    /// The temporary key has expired.
    ExpiredToken,
    /// The signature does not match.
    SignatureMismatch {
        /// The access key.
        access_key: String,
        /// The signature the client sent.
        provided: String,
        /// What amplocal signed (SigV4); empty for SigV2.
        canonical_request: String,
        /// The string to sign amplocal computed.
        string_to_sign: String,
    },
    /// Clock skew or presigned expiry.
    Time(TimeError),
    /// S3 header auth without `x-amz-content-sha256`.
    MissingContentSha256,
}

impl From<ParseError> for AuthError {
    fn from(e: ParseError) -> Self {
        match e {
            ParseError::HeaderMalformed(m) => AuthError::HeaderMalformed(m),
            ParseError::UnsupportedAlgorithm(_) => AuthError::HeaderMalformed(e.to_string()),
            ParseError::QueryMalformed(m) => AuthError::QueryMalformed(m),
            ParseError::MissingDate => AuthError::MissingDate,
        }
    }
}

/// What the canonical request's payload hash is.
#[derive(Debug, Clone, Copy)]
pub enum Payload<'a> {
    /// S3: the `x-amz-content-sha256` header (the S3 service checks the body against it), or
    /// the presigned rules; SigV2 is accepted.
    S3 {
        /// The bucket named by a virtual-hosted `Host` (SigV2's resource is `/bucket/key`).
        host_bucket: Option<&'a str>,
    },
    /// Every other service: the SHA-256 of these body bytes.
    Body(&'a [u8]),
}

/// A request whose signer is established.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authorized {
    /// The credential's account (or the key's, for unknown keys in lenient mode).
    pub account_id: String,
    /// The scope's region (the default region for SigV2).
    pub region: String,
    /// The signer; `verified` is false for unknown keys accepted in lenient mode.
    pub caller: Caller,
}

/// Parse and authorize in one step: `Ok(None)` when the request carries no AWS
/// authentication (anonymous), SigV2 only when `payload` is S3.
pub fn authorize_request(creds: &CredentialStore, req: &RequestParts<'_>, payload: Payload<'_>, now: SystemTime) -> Result<Option<Authorized>, AuthError> {
    let parsed = parse_request_auth(req)?;
    let parsed = parsed.filter(|a| matches!(payload, Payload::S3 { .. }) || matches!(a, RequestAuth::V4(_)));
    parsed.map(|a| authorize(creds, req, &a, payload, now)).transpose()
}

/// Authorize a parsed authentication. Unknown keys: accepted unchecked in lenient mode,
/// `UnknownKey` in strict mode. Known keys: expiry, session token, time window and signature.
pub fn authorize(creds: &CredentialStore, req: &RequestParts<'_>, auth: &RequestAuth, payload: Payload<'_>, now: SystemTime) -> Result<Authorized, AuthError> {
    let region = match auth {
        RequestAuth::V4(a) => a.region.clone(),
        _ => crate::DEFAULT_REGION.to_string(),
    };
    let access_key = auth.access_key().to_string();
    let session_token = auth.session_token().map(str::to_string);
    let Some(cred) = creds.get(&access_key) else {
        if creds.mode() == CredentialMode::Strict {
            return Err(AuthError::UnknownKey(access_key));
        }
        let account_id = account_for_key(&access_key);
        return Ok(Authorized { account_id, region, caller: Caller { access_key, session_token, verified: false, chunk_signing: None, identity: None } });
    };
    if cred.is_expired(now) {
        return Err(AuthError::ExpiredToken);
    }
    if let Some(expected) = &cred.session_token {
        if session_token.as_deref() != Some(expected.as_str()) {
            return Err(AuthError::InvalidToken);
        }
    }
    let host_bucket = match payload {
        Payload::S3 { host_bucket } => host_bucket,
        Payload::Body(_) => None,
    };
    let chunk_signing = match auth {
        RequestAuth::V4(a) => verify_sigv4(req, a, &cred.secret, payload, now)?,
        RequestAuth::V2Query { signature, expires, .. } => {
            let exp: u64 = expires.trim().parse().map_err(|_| AuthError::QueryMalformed(format!("Invalid date (should be seconds since epoch): {expires}")))?;
            let expired_at = SystemTime::UNIX_EPOCH + Duration::from_secs(exp);
            if now > expired_at {
                return Err(AuthError::Time(TimeError::Expired { expired_at, now, expires_secs: 0 }));
            }
            verify_sigv2(req, &access_key, &cred.secret, signature, expires, host_bucket)?;
            None
        }
        RequestAuth::V2Header { signature, .. } => {
            let date = if req.headers.contains_key("x-amz-date") {
                String::new()
            } else {
                req.headers.get(http::header::DATE).and_then(|v| v.to_str().ok()).unwrap_or("").to_string()
            };
            verify_sigv2(req, &access_key, &cred.secret, signature, &date, host_bucket)?;
            None
        }
    };
    Ok(Authorized { account_id: cred.account_id.clone(), region, caller: Caller { access_key, session_token, verified: true, chunk_signing, identity: cred.identity.clone() } })
}

/// Time checks, payload hash and signature of a SigV4 request from a known key; returns the
/// chunk-signing context for S3 signed aws-chunked bodies.
fn verify_sigv4(req: &RequestParts<'_>, a: &SigV4Auth, secret: &str, payload: Payload<'_>, now: SystemTime) -> Result<Option<ChunkSigning>, AuthError> {
    let is_s3 = matches!(payload, Payload::S3 { .. });
    match a.location {
        AuthLocation::Header => check_header_time(a, now).map_err(AuthError::Time)?,
        AuthLocation::Query => {
            if is_s3 && a.expires.is_none() {
                return Err(AuthError::QueryMalformed(QUERY_PARAMS_REQUIRED.into()));
            }
            check_presigned_time(a, now).map_err(AuthError::Time)?
        }
    };
    let payload_hash = match payload {
        Payload::S3 { .. } => s3_payload_hash(req, a).ok_or(AuthError::MissingContentSha256)?,
        Payload::Body(b) => sha256_hex(b),
    };
    let v = verify_v4(req, a, secret, &payload_hash, &candidate_uris(req.path, is_s3));
    if !v.matched {
        return Err(AuthError::SignatureMismatch {
            access_key: a.access_key.clone(),
            provided: a.signature.clone(),
            canonical_request: v.canonical_request,
            string_to_sign: v.string_to_sign,
        });
    }
    let streaming = is_s3 && a.location == AuthLocation::Header && is_signed_streaming(&payload_hash);
    Ok(streaming.then(|| ChunkSigning { signing_key: v.signing_key, seed_signature: v.expected_signature, amz_date: a.amz_date.clone(), scope: a.scope() }))
}

fn verify_sigv2(req: &RequestParts<'_>, access_key: &str, secret: &str, signature: &str, date_or_expires: &str, host_bucket: Option<&str>) -> Result<(), AuthError> {
    let mut resources = vec![req.path.to_string()];
    if let Some(bucket) = host_bucket {
        resources.push(format!("/{bucket}{}", req.path));
    }
    let v = sigv2::verify(req, secret, signature, date_or_expires, &resources);
    if v.matched {
        return Ok(());
    }
    Err(AuthError::SignatureMismatch {
        access_key: access_key.to_string(),
        provided: signature.to_string(),
        canonical_request: String::new(),
        string_to_sign: v.string_to_sign,
    })
}

/// The bucket of a virtual-hosted S3 `Host` (`bucket.s3.localhost`, `bucket.localhost`,
/// `bucket.s3.<region>.amazonaws.com`, LocalStack's `*.localhost.localstack.cloud`), port
/// ignored; `None` for IPs, `localhost` and `s3.localhost`.
pub fn virtual_host_bucket(host: &str) -> Option<String> {
    let host = host.rsplit_once(':').filter(|(_, p)| p.bytes().all(|c| c.is_ascii_digit())).map_or(host, |(h, _)| h).to_ascii_lowercase();
    if host.parse::<std::net::IpAddr>().is_ok() || host.starts_with('[') {
        return None;
    }
    for suffix in [".s3.localhost.localstack.cloud", ".localhost.localstack.cloud", ".s3.localhost", ".localhost", ".s3.amazonaws.com"] {
        if let Some(b) = host.strip_suffix(suffix) {
            return (!b.is_empty() && b != "s3").then(|| b.to_string());
        }
    }
    let idx = host.find(".s3.").or_else(|| host.find(".s3-"))?;
    (host.ends_with(".amazonaws.com") && idx > 0).then(|| host[..idx].to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Credential;
    use http::HeaderMap;

    /// The S3 API reference's "GET object with Range" example request.
    fn example() -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("host", "examplebucket.s3.amazonaws.com".parse().unwrap());
        h.insert("range", "bytes=0-9".parse().unwrap());
        h.insert("x-amz-content-sha256", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855".parse().unwrap());
        h.insert("x-amz-date", "20130524T000000Z".parse().unwrap());
        h.insert("authorization", "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41".parse().unwrap());
        h
    }

    #[test]
    fn modes_temporary_credentials_and_time() {
        let h = example();
        let req = RequestParts { method: "GET", path: "/test.txt", query: "", headers: &h, authority: None };
        let s3 = Payload::S3 { host_bucket: Some("examplebucket") };
        let t = super::super::signing::parse_amz_date("20130524T000000Z").unwrap();
        let secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
        let key = "AKIAIOSFODNN7EXAMPLE";

        let lenient = CredentialStore::new(CredentialMode::Lenient);
        let a = authorize_request(&lenient, &req, s3, t).unwrap().unwrap();
        assert!(!a.caller.verified, "unknown key in lenient mode: accepted unchecked");
        let strict = CredentialStore::new(CredentialMode::Strict);
        assert_eq!(authorize_request(&strict, &req, s3, t), Err(AuthError::UnknownKey(key.into())));

        strict.insert_static(key, secret);
        let a = authorize_request(&strict, &req, s3, t).unwrap().unwrap();
        assert!(a.caller.verified && a.caller.chunk_signing.is_none());
        assert_eq!((a.region.as_str(), a.account_id.as_str()), ("us-east-1", crate::DEFAULT_ACCOUNT));
        assert!(matches!(authorize_request(&strict, &req, s3, t + Duration::from_secs(901)), Err(AuthError::Time(TimeError::Skewed { .. }))));
        strict.insert_static(key, "other");
        assert!(matches!(authorize_request(&strict, &req, s3, t), Err(AuthError::SignatureMismatch { .. })));

        // Temporary credentials: the request carries no token, so it is refused; expired ones first.
        strict.insert(key, Credential::temporary(secret, "tok", "123456789012", t + Duration::from_secs(60)));
        assert_eq!(authorize_request(&strict, &req, s3, t), Err(AuthError::InvalidToken));
        let mut with_token = example();
        with_token.insert("x-amz-security-token", "tok".parse().unwrap());
        let req_tok = RequestParts { headers: &with_token, ..req };
        let a = authorize_request(&strict, &req_tok, s3, t).unwrap().unwrap();
        assert_eq!((a.account_id.as_str(), a.caller.session_token.as_deref()), ("123456789012", Some("tok")));
        assert_eq!(authorize_request(&strict, &req_tok, s3, t + Duration::from_secs(60)), Err(AuthError::ExpiredToken));

        // Anonymous, and SigV2 only for S3.
        let empty = HeaderMap::new();
        let anon = RequestParts { method: "GET", path: "/", query: "", headers: &empty, authority: None };
        assert_eq!(authorize_request(&strict, &anon, s3, t), Ok(None));
        let v2 = RequestParts { query: "AWSAccessKeyId=x&Signature=y&Expires=1", ..anon };
        assert_eq!(authorize_request(&strict, &v2, Payload::Body(b""), t), Ok(None));
        assert_eq!(authorize_request(&strict, &v2, s3, t), Err(AuthError::UnknownKey("x".into())));
    }

    #[test]
    fn host_bucket_forms() {
        assert_eq!(virtual_host_bucket("bucket.s3.localhost:4566").as_deref(), Some("bucket"));
        assert_eq!(virtual_host_bucket("my.dotted.bucket.localhost").as_deref(), Some("my.dotted.bucket"));
        assert_eq!(virtual_host_bucket("b.s3.us-west-2.amazonaws.com").as_deref(), Some("b"));
        assert_eq!(virtual_host_bucket("b.s3.localhost.localstack.cloud:4566").as_deref(), Some("b"));
        assert_eq!(virtual_host_bucket("localhost:4566"), None);
        assert_eq!(virtual_host_bucket("s3.localhost"), None);
        assert_eq!(virtual_host_bucket("127.0.0.1:4566"), None);
        assert_eq!(virtual_host_bucket("[::1]:4566"), None);
    }
}
