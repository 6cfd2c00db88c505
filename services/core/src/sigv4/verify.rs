//! Verifying a SigV4 signature against a known secret, the payload-hash rules, and the time
//! checks (15-minute clock skew for header auth, `X-Amz-Expires` for presigned URLs).
//! See https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv.html and
//! https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-query-string-auth.html
//! The caller decides which secret applies and renders failures in its protocol.

use super::canonical::{canonical_query, canonical_request, canonical_uri, uri_encode_path, PathMode, RequestParts};
use super::parse::{AuthLocation, SigV4Auth};
use super::signing::{format_amz_date, parse_amz_date, signature, signatures_equal, signing_key_bytes, string_to_sign};
use percent_encoding::percent_decode_str;
use std::time::{Duration, SystemTime};

/// `x-amz-content-sha256` value for an unsigned body.
pub const UNSIGNED_PAYLOAD: &str = "UNSIGNED-PAYLOAD";
/// aws-chunked body whose chunks are signed.
pub const STREAMING_SIGNED: &str = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD";
/// aws-chunked body whose chunks and trailer are signed.
pub const STREAMING_SIGNED_TRAILER: &str = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER";
/// aws-chunked body, unsigned chunks, checksum trailer.
pub const STREAMING_UNSIGNED_TRAILER: &str = "STREAMING-UNSIGNED-PAYLOAD-TRAILER";
/// How far a request's `X-Amz-Date` may be from the server clock.
pub const MAX_SKEW: Duration = Duration::from_secs(15 * 60);
/// The longest presigned URL lifetime (7 days).
pub const MAX_PRESIGN_EXPIRES: u64 = 604_800;

/// True when the payload hash announces signed aws-chunked framing (the S3 service must
/// verify each chunk with [`crate::ChunkSigning`]).
pub fn is_signed_streaming(payload_hash: &str) -> bool {
    payload_hash == STREAMING_SIGNED || payload_hash == STREAMING_SIGNED_TRAILER
}

/// The result of checking one signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verification {
    /// Whether the provided signature matched one of the canonical forms tried.
    pub matched: bool,
    /// The canonical request of the matching form (or the first form tried).
    pub canonical_request: String,
    /// Its string to sign.
    pub string_to_sign: String,
    /// The signature amplocal calculated for it.
    pub expected_signature: String,
    /// The derived signing key (used for aws-chunked bodies).
    pub signing_key: Vec<u8>,
}

/// The canonical URIs to try for `path`: S3 tries the path as sent, then the path decoded and
/// encoded once (clients that leave `$`, `:` or `!` unencoded); other services normalize and
/// encode again.
pub fn candidate_uris(path: &str, s3: bool) -> Vec<String> {
    if !s3 {
        return vec![canonical_uri(path, PathMode::DEFAULT)];
    }
    let raw = canonical_uri(path, PathMode::S3);
    let reencoded = uri_encode_path(&percent_decode_str(path).decode_utf8_lossy());
    let reencoded = if reencoded.is_empty() { "/".to_string() } else { reencoded };
    if reencoded == raw {
        vec![raw]
    } else {
        vec![raw, reencoded]
    }
}

/// Check `auth` against `secret` for every URI in `uris` (at least one), with `payload_hash`
/// as the canonical request's last line.
pub fn verify_v4(req: &RequestParts<'_>, auth: &SigV4Auth, secret: &str, payload_hash: &str, uris: &[String]) -> Verification {
    let key = signing_key_bytes(secret, &auth.date, &auth.region, &auth.service);
    let scope = auth.scope();
    let exclude = (auth.location == AuthLocation::Query).then_some("X-Amz-Signature");
    let query = if req.query.is_empty() { String::new() } else { canonical_query(req.query, exclude) };
    // Hex digits compare case-insensitively; ours are lower-case.
    let provided = if auth.signature.bytes().any(|b| b.is_ascii_uppercase()) { auth.signature.to_ascii_lowercase() } else { auth.signature.clone() };
    let mut first: Option<Verification> = None;
    for uri in uris {
        let cr = canonical_request(req, uri, &query, &auth.signed_headers, payload_hash);
        let sts = string_to_sign(&auth.amz_date, &scope, &cr);
        let expected = signature(&key, &sts);
        let matched = signatures_equal(&expected, &provided);
        let v = Verification { matched, canonical_request: cr, string_to_sign: sts, expected_signature: expected, signing_key: key.to_vec() };
        if matched {
            return v;
        }
        first.get_or_insert(v);
    }
    first.unwrap_or(Verification {
        matched: false,
        canonical_request: String::new(),
        string_to_sign: String::new(),
        expected_signature: String::new(),
        signing_key: key.to_vec(),
    })
}

/// The payload hash S3 signs: the `x-amz-content-sha256` header for header auth (`None` when
/// missing, which S3 rejects), `X-Amz-Content-Sha256` from the query or `UNSIGNED-PAYLOAD`
/// for presigned URLs.
pub fn s3_payload_hash(req: &RequestParts<'_>, auth: &SigV4Auth) -> Option<String> {
    match auth.location {
        AuthLocation::Header => req.headers.get("x-amz-content-sha256").and_then(|v| v.to_str().ok()).map(str::to_string),
        AuthLocation::Query => Some(
            super::canonical::query_pairs(req.query)
                .into_iter()
                .find(|(k, _)| k == "X-Amz-Content-Sha256")
                .map(|(_, v)| v)
                .unwrap_or_else(|| UNSIGNED_PAYLOAD.to_string()),
        ),
    }
}

/// Why a request's time is not acceptable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TimeError {
    /// `X-Amz-Date` is not `YYYYMMDDTHHMMSSZ`.
    BadDate(String),
    /// Header auth more than 15 minutes away from the server clock.
    Skewed {
        /// The request's time.
        request: SystemTime,
        /// The server's time.
        now: SystemTime,
    },
    /// `X-Amz-Expires` is not a number in 1..=604800 (the S3 message).
    ExpiresOutOfRange(String),
    /// The presigned URL's lifetime has passed.
    Expired {
        /// When it expired.
        expired_at: SystemTime,
        /// The server's time.
        now: SystemTime,
        /// The `X-Amz-Expires` value.
        expires_secs: u64,
    },
    /// A presigned URL dated more than 15 minutes in the future.
    NotYetValid,
}

impl TimeError {
    /// The message the JSON services use (`InvalidSignatureException` "Signature expired: …").
    pub fn json_message(&self) -> String {
        let fmt = |t: SystemTime| format_amz_date(t);
        match self {
            TimeError::BadDate(d) => format!("Date must be in ISO-8601 'basic format'. Got '{d}'. See http://en.wikipedia.org/wiki/ISO_8601"),
            TimeError::Skewed { request, now } if request < now => format!(
                "Signature expired: {} is now earlier than {} ({} - 15 min.)",
                fmt(*request),
                fmt(*now - MAX_SKEW),
                fmt(*now)
            ),
            TimeError::Skewed { request, now } => format!(
                "Signature not yet current: {} is still later than {} ({} + 15 min.)",
                fmt(*request),
                fmt(*now + MAX_SKEW),
                fmt(*now)
            ),
            TimeError::ExpiresOutOfRange(m) => m.clone(),
            TimeError::Expired { expired_at, now, .. } => format!("Signature expired: {} is now earlier than {}", fmt(*expired_at), fmt(*now)),
            TimeError::NotYetValid => "Request is not yet valid".into(),
        }
    }
}

/// Header auth: the request time must be within 15 minutes of `now`.
pub fn check_header_time(auth: &SigV4Auth, now: SystemTime) -> Result<SystemTime, TimeError> {
    let t = parse_amz_date(&auth.amz_date).ok_or_else(|| TimeError::BadDate(auth.amz_date.clone()))?;
    let off = if t > now { t.duration_since(now) } else { now.duration_since(t) }.unwrap_or_default();
    if off > MAX_SKEW {
        return Err(TimeError::Skewed { request: t, now });
    }
    Ok(t)
}

/// Presigned: `X-Amz-Expires` must be 1..=604800 and `X-Amz-Date + X-Amz-Expires` not past.
/// Without `X-Amz-Expires` (non-S3 presigning) the 15-minute window applies.
pub fn check_presigned_time(auth: &SigV4Auth, now: SystemTime) -> Result<SystemTime, TimeError> {
    let t = parse_amz_date(&auth.amz_date).ok_or_else(|| TimeError::BadDate(auth.amz_date.clone()))?;
    let Some(exp) = auth.expires.as_deref() else {
        return check_header_time(auth, now);
    };
    let secs: i64 = exp.trim().parse().map_err(|_| TimeError::ExpiresOutOfRange("X-Amz-Expires should be a number".into()))?;
    if secs < 0 {
        return Err(TimeError::ExpiresOutOfRange("X-Amz-Expires must be non-negative".into()));
    }
    if secs == 0 {
        return Err(TimeError::ExpiresOutOfRange("X-Amz-Expires must be greater than 0".into()));
    }
    let secs = secs.unsigned_abs();
    if secs > MAX_PRESIGN_EXPIRES {
        return Err(TimeError::ExpiresOutOfRange(format!("X-Amz-Expires must be less than a week (in seconds) that is {MAX_PRESIGN_EXPIRES}")));
    }
    if t > now + MAX_SKEW {
        return Err(TimeError::NotYetValid);
    }
    let expired_at = t + Duration::from_secs(secs);
    if now > expired_at {
        return Err(TimeError::Expired { expired_at, now, expires_secs: secs });
    }
    Ok(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn auth(location: AuthLocation, amz_date: &str, expires: Option<&str>) -> SigV4Auth {
        SigV4Auth {
            location,
            access_key: "k".into(),
            date: amz_date[..8].into(),
            region: "us-east-1".into(),
            service: "s3".into(),
            signed_headers: vec!["host".into()],
            signature: "x".into(),
            amz_date: amz_date.into(),
            expires: expires.map(str::to_string),
            session_token: None,
        }
    }

    #[test]
    fn skew_window() {
        let a = auth(AuthLocation::Header, "20150830T123600Z", None);
        let t = parse_amz_date("20150830T123600Z").unwrap();
        assert!(check_header_time(&a, t + Duration::from_secs(900)).is_ok());
        let e = check_header_time(&a, t + Duration::from_secs(901)).unwrap_err();
        assert_eq!(
            e.json_message(),
            "Signature expired: 20150830T123600Z is now earlier than 20150830T123601Z (20150830T125101Z - 15 min.)"
        );
        let e = check_header_time(&a, t - Duration::from_secs(3600)).unwrap_err();
        assert!(e.json_message().starts_with("Signature not yet current: 20150830T123600Z is still later than 20150830T115100Z"), "{}", e.json_message());
        let bad = auth(AuthLocation::Header, "2015-08-30T12:36:00Z", None);
        assert!(matches!(check_header_time(&bad, t), Err(TimeError::BadDate(_))));
    }

    #[test]
    fn presigned_window() {
        let t = parse_amz_date("20130524T000000Z").unwrap();
        let a = auth(AuthLocation::Query, "20130524T000000Z", Some("86400"));
        assert!(check_presigned_time(&a, t + Duration::from_secs(86400)).is_ok());
        assert!(matches!(check_presigned_time(&a, t + Duration::from_secs(86401)), Err(TimeError::Expired { expires_secs: 86400, .. })));
        assert!(matches!(check_presigned_time(&a, t - Duration::from_secs(3600)), Err(TimeError::NotYetValid)));
        for (v, msg) in [
            ("604801", "X-Amz-Expires must be less than a week (in seconds) that is 604800"),
            ("-1", "X-Amz-Expires must be non-negative"),
            ("abc", "X-Amz-Expires should be a number"),
        ] {
            let a = auth(AuthLocation::Query, "20130524T000000Z", Some(v));
            assert_eq!(check_presigned_time(&a, t), Err(TimeError::ExpiresOutOfRange(msg.into())));
        }
        assert!(check_presigned_time(&auth(AuthLocation::Query, "20130524T000000Z", Some("604800")), t + Duration::from_secs(604_800)).is_ok());
    }

    #[test]
    fn s3_uri_candidates() {
        assert_eq!(candidate_uris("/b/test%24file.text", true), vec!["/b/test%24file.text"]);
        assert_eq!(candidate_uris("/b/test$file.text", true), vec!["/b/test$file.text".to_string(), "/b/test%24file.text".to_string()]);
        assert_eq!(candidate_uris("/a%3Ab", false), vec!["/a%253Ab"]);
    }
}
