//! Reading the authentication a request carries: the SigV4 `Authorization` header, SigV4
//! presigned query parameters (`X-Amz-*`), and S3's legacy SigV2 forms (`AWS key:sig` header,
//! `AWSAccessKeyId`/`Signature`/`Expires` query).
//! See https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-query-string-auth.html and
//! https://docs.aws.amazon.com/AmazonS3/latest/userguide/RESTAuthentication.html
//! Leaves out: SigV4a (`AWS4-ECDSA-P256-SHA256`) and POST-policy form fields (S3 reads those).

use super::canonical::{query_pairs, RequestParts};
use super::signing::ALGORITHM;

/// Where a SigV4 signature was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthLocation {
    /// `Authorization: AWS4-HMAC-SHA256 …`.
    Header,
    /// Presigned URL (`X-Amz-Signature=…`).
    Query,
}

/// A parsed SigV4 authentication.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SigV4Auth {
    /// Header or presigned query.
    pub location: AuthLocation,
    /// The access key id.
    pub access_key: String,
    /// Scope date `YYYYMMDD`.
    pub date: String,
    /// Scope region.
    pub region: String,
    /// Scope service (`s3`, `dynamodb`, …).
    pub service: String,
    /// Lower-case signed header names, as listed.
    pub signed_headers: Vec<String>,
    /// The hex signature provided.
    pub signature: String,
    /// `X-Amz-Date` (`YYYYMMDDTHHMMSSZ`).
    pub amz_date: String,
    /// `X-Amz-Expires` of a presigned URL, unvalidated.
    pub expires: Option<String>,
    /// `X-Amz-Security-Token`, header or query.
    pub session_token: Option<String>,
}

impl SigV4Auth {
    /// The credential scope `date/region/service/aws4_request`.
    pub fn scope(&self) -> String {
        format!("{}/{}/{}/aws4_request", self.date, self.region, self.service)
    }
}

/// Any authentication a request may carry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RequestAuth {
    /// SigV4 header or presigned query.
    V4(SigV4Auth),
    /// S3 SigV2 presigned query (`AWSAccessKeyId`, `Signature`, `Expires`).
    V2Query {
        /// The access key id.
        access_key: String,
        /// Base64 HMAC-SHA1 signature.
        signature: String,
        /// Expiry, epoch seconds (unvalidated text).
        expires: String,
        /// `x-amz-security-token`, when sent.
        session_token: Option<String>,
    },
    /// S3 SigV2 header (`Authorization: AWS key:signature`).
    V2Header {
        /// The access key id.
        access_key: String,
        /// Base64 HMAC-SHA1 signature.
        signature: String,
        /// `x-amz-security-token`, when sent.
        session_token: Option<String>,
    },
}

impl RequestAuth {
    /// The access key id, whatever the form.
    pub fn access_key(&self) -> &str {
        match self {
            RequestAuth::V4(a) => &a.access_key,
            RequestAuth::V2Query { access_key, .. } | RequestAuth::V2Header { access_key, .. } => access_key,
        }
    }

    /// The session token, whatever the form.
    pub fn session_token(&self) -> Option<&str> {
        match self {
            RequestAuth::V4(a) => a.session_token.as_deref(),
            RequestAuth::V2Query { session_token, .. } | RequestAuth::V2Header { session_token, .. } => session_token.as_deref(),
        }
    }
}

/// Why the authentication could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    /// The `Authorization` header is not well formed (message says what is missing).
    #[error("{0}")]
    HeaderMalformed(String),
    /// Presigned query parameters are incomplete or malformed.
    #[error("{0}")]
    QueryMalformed(String),
    /// Header auth without `X-Amz-Date`.
    #[error("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.")]
    MissingDate,
    /// An algorithm other than `AWS4-HMAC-SHA256`.
    #[error("Unsupported signing algorithm: {0}")]
    UnsupportedAlgorithm(String),
}

/// The message S3 gives when presigned parameters are incomplete.
pub const QUERY_PARAMS_REQUIRED: &str = "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.";

fn header_str<'a>(req: &'a RequestParts<'_>, name: &str) -> Option<&'a str> {
    req.headers.get(name).and_then(|v| v.to_str().ok())
}

/// `AKID/20150830/us-east-1/service/aws4_request` → (key, date, region, service).
fn parse_credential(cred: &str) -> Option<(String, String, String, String)> {
    let mut it = cred.rsplitn(5, '/');
    let terminator = it.next()?;
    let service = it.next()?;
    let region = it.next()?;
    let date = it.next()?;
    let key = it.next()?;
    if terminator != "aws4_request" || key.is_empty() || date.len() != 8 || !date.bytes().all(|b| b.is_ascii_digit()) || region.is_empty() || service.is_empty() {
        return None;
    }
    Some((key.to_string(), date.to_string(), region.to_string(), service.to_string()))
}

/// Read the authentication of a request, if it carries any. `Ok(None)` means anonymous (also
/// for `Authorization` schemes that are not AWS's, e.g. a JWT for AppSync).
pub fn parse_request_auth(req: &RequestParts<'_>) -> Result<Option<RequestAuth>, ParseError> {
    let token_header = header_str(req, "x-amz-security-token").map(str::to_string);
    if let Some(auth) = header_str(req, "authorization") {
        let auth = auth.trim();
        if let Some(rest) = auth.strip_prefix(ALGORITHM) {
            if rest.starts_with(' ') {
                return parse_v4_header(req, rest, token_header).map(|a| Some(RequestAuth::V4(a)));
            }
        }
        if let Some(rest) = auth.strip_prefix("AWS ") {
            let (key, sig) = rest.trim().rsplit_once(':').ok_or_else(|| ParseError::HeaderMalformed(format!("Authorization header is invalid -- one and only one ' ' (space) required. Authorization={auth}")))?;
            return Ok(Some(RequestAuth::V2Header { access_key: key.to_string(), signature: sig.to_string(), session_token: token_header }));
        }
        if let Some(alg) = auth.split(' ').next().filter(|a| a.starts_with("AWS4-")) {
            return Err(ParseError::UnsupportedAlgorithm(alg.to_string()));
        }
    }
    if req.query.is_empty() {
        return Ok(None);
    }
    let pairs = query_pairs(req.query);
    let get = |name: &str| pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    if get("X-Amz-Algorithm").is_some() || get("X-Amz-Signature").is_some() || get("X-Amz-Credential").is_some() {
        return parse_v4_query(&get).map(|a| Some(RequestAuth::V4(a)));
    }
    if let (Some(access_key), Some(signature)) = (get("AWSAccessKeyId"), get("Signature")) {
        let expires = get("Expires").ok_or_else(|| ParseError::QueryMalformed("Query-string authentication requires the Signature, Expires and AWSAccessKeyId parameters".into()))?;
        let session_token = get("x-amz-security-token").or(token_header);
        return Ok(Some(RequestAuth::V2Query { access_key, signature, expires, session_token }));
    }
    Ok(None)
}

fn parse_v4_header(req: &RequestParts<'_>, rest: &str, token: Option<String>) -> Result<SigV4Auth, ParseError> {
    let (mut cred, mut signed, mut sig) = (None, None, None);
    for part in rest.split(',') {
        let part = part.trim();
        if let Some(v) = part.strip_prefix("Credential=") {
            cred = Some(v.trim());
        } else if let Some(v) = part.strip_prefix("SignedHeaders=") {
            signed = Some(v.trim());
        } else if let Some(v) = part.strip_prefix("Signature=") {
            sig = Some(v.trim());
        }
    }
    let full = || format!("{ALGORITHM}{rest}");
    let (Some(cred), Some(signed), Some(sig)) = (cred, signed, sig) else {
        let mut missing = String::new();
        for (name, v) in [("Credential", cred), ("Signature", sig), ("SignedHeaders", signed)] {
            if v.is_none() {
                missing.push_str(&format!("Authorization header requires '{name}' parameter. "));
            }
        }
        return Err(ParseError::HeaderMalformed(format!("{missing}Authorization={}", full())));
    };
    let (access_key, date, region, service) = parse_credential(cred)
        .ok_or_else(|| ParseError::HeaderMalformed(format!("Credential should be scoped to a valid region, not '{cred}'. Authorization={}", full())))?;
    let amz_date = header_str(req, "x-amz-date").map(str::to_string).ok_or(ParseError::MissingDate)?;
    if !amz_date.starts_with(&date) {
        return Err(ParseError::HeaderMalformed(format!(
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '{date}' != '{}', from '{amz_date}'.",
            amz_date.get(..8).unwrap_or(&amz_date)
        )));
    }
    Ok(SigV4Auth {
        location: AuthLocation::Header,
        access_key,
        date,
        region,
        service,
        signed_headers: signed.split(';').filter(|s| !s.is_empty()).map(str::to_ascii_lowercase).collect(),
        signature: sig.to_string(),
        amz_date,
        expires: None,
        session_token: token,
    })
}

fn parse_v4_query(get: &dyn Fn(&str) -> Option<String>) -> Result<SigV4Auth, ParseError> {
    let (Some(alg), Some(cred), Some(sig), Some(amz_date), Some(signed)) =
        (get("X-Amz-Algorithm"), get("X-Amz-Credential"), get("X-Amz-Signature"), get("X-Amz-Date"), get("X-Amz-SignedHeaders"))
    else {
        return Err(ParseError::QueryMalformed(QUERY_PARAMS_REQUIRED.into()));
    };
    if alg != ALGORITHM {
        return Err(ParseError::QueryMalformed("X-Amz-Algorithm only supports \"AWS4-HMAC-SHA256\"".into()));
    }
    let (access_key, date, region, service) = parse_credential(&cred)
        .ok_or_else(|| ParseError::QueryMalformed(format!("Error parsing the X-Amz-Credential parameter; the Credential is mal-formed; expecting \"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request\". {cred}")))?;
    if !amz_date.starts_with(&date) {
        return Err(ParseError::QueryMalformed(format!("Error parsing the X-Amz-Credential parameter; incorrect date format \"{date}\". This date in the credential must be in the format \"yyyyMMdd\".")));
    }
    Ok(SigV4Auth {
        location: AuthLocation::Query,
        access_key,
        date,
        region,
        service,
        signed_headers: signed.split(';').filter(|s| !s.is_empty()).map(str::to_ascii_lowercase).collect(),
        signature: sig,
        amz_date,
        expires: get("X-Amz-Expires"),
        session_token: get("X-Amz-Security-Token"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderMap;

    fn parts<'a>(headers: &'a HeaderMap, query: &'a str) -> RequestParts<'a> {
        RequestParts { method: "GET", path: "/", query, headers, authority: None }
    }

    #[test]
    fn header_form() {
        let mut h = HeaderMap::new();
        h.insert("authorization", "AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc".parse().unwrap());
        h.insert("x-amz-date", "20150830T123600Z".parse().unwrap());
        let Some(RequestAuth::V4(a)) = parse_request_auth(&parts(&h, "")).unwrap() else { panic!() };
        assert_eq!(a.access_key, "AKID");
        assert_eq!(a.scope(), "20150830/us-east-1/service/aws4_request");
        assert_eq!(a.signed_headers, vec!["host", "x-amz-date"]);
        assert_eq!(a.signature, "abc");
        assert_eq!(a.location, AuthLocation::Header);
    }

    #[test]
    fn header_errors() {
        let mut h = HeaderMap::new();
        h.insert("authorization", "AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1/service/aws4_request".parse().unwrap());
        h.insert("x-amz-date", "20150830T123600Z".parse().unwrap());
        let e = parse_request_auth(&parts(&h, "")).unwrap_err();
        assert!(e.to_string().contains("requires 'Signature' parameter"), "{e}");
        h.insert("authorization", "AWS4-HMAC-SHA256 Credential=AKID/2015/us-east-1/service/aws4_request, SignedHeaders=host, Signature=a".parse().unwrap());
        assert!(matches!(parse_request_auth(&parts(&h, "")), Err(ParseError::HeaderMalformed(_))));
        h.insert("authorization", "AWS4-HMAC-SHA256 Credential=AKID/20150831/us-east-1/service/aws4_request, SignedHeaders=host, Signature=a".parse().unwrap());
        assert!(matches!(parse_request_auth(&parts(&h, "")), Err(ParseError::HeaderMalformed(_))));
        h.remove("x-amz-date");
        assert_eq!(parse_request_auth(&parts(&h, "")), Err(ParseError::MissingDate));
        h.insert("authorization", "AWS4-ECDSA-P256-SHA256 Credential=x".parse().unwrap());
        assert!(matches!(parse_request_auth(&parts(&h, "")), Err(ParseError::UnsupportedAlgorithm(_))));
        h.insert("authorization", "eyJhbGciOi.jwt.token".parse().unwrap());
        assert_eq!(parse_request_auth(&parts(&h, "")), Ok(None));
    }

    #[test]
    fn query_forms() {
        let h = HeaderMap::new();
        let q = "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host&X-Amz-Signature=aeee";
        let Some(RequestAuth::V4(a)) = parse_request_auth(&parts(&h, q)).unwrap() else { panic!() };
        assert_eq!((a.access_key.as_str(), a.service.as_str(), a.expires.as_deref()), ("AKIAIOSFODNN7EXAMPLE", "s3", Some("86400")));
        assert_eq!(a.location, AuthLocation::Query);
        let e = parse_request_auth(&parts(&h, "X-Amz-Signature=x")).unwrap_err();
        assert_eq!(e, ParseError::QueryMalformed(QUERY_PARAMS_REQUIRED.into()));
        let v2 = parse_request_auth(&parts(&h, "AWSAccessKeyId=test&Signature=abc%3D&Expires=1700000000")).unwrap();
        assert_eq!(
            v2,
            Some(RequestAuth::V2Query { access_key: "test".into(), signature: "abc=".into(), expires: "1700000000".into(), session_token: None })
        );
        assert_eq!(parse_request_auth(&parts(&h, "list-type=2&prefix=a")).unwrap(), None);
    }
}
