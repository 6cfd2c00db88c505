//! POST Object (browser form uploads): the policy document and its signature (SigV4
//! `x-amz-signature` or SigV2 `signature`), expiration, conditions (`eq`, `starts-with`,
//! `content-length-range`, exact matches) and the rule that every form field is covered by a
//! condition. <https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-HTTPPOSTConstructPolicy.html>.
//! Leaves out ACL grants (`acl` is accepted and ignored) and SSE fields.

use crate::error::{S3Error, S3Result};
use crate::S3Service;
use amplocal_core::sigv4::signing::{signature, signatures_equal, signing_key};
use amplocal_core::sigv4::sigv2;
use amplocal_core::CredentialMode;
use base64::Engine as _;
use serde_json::Value;
use std::time::SystemTime;

/// The form fields before the file, in order, names as sent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PostForm {
    /// (name, value).
    pub fields: Vec<(String, String)>,
}

impl PostForm {
    /// A field by case-insensitive name.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.fields.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

fn denied(why: impl Into<String>) -> S3Error {
    S3Error::AccessDenied(format!("Invalid according to Policy: {}", why.into()))
}

fn invalid(why: impl Into<String>) -> S3Error {
    S3Error::InvalidPolicyDocument(format!("Invalid Policy: {}", why.into()))
}

/// Check the signature and the policy. Returns the `content-length-range` to apply to the
/// file once its size is known. A form without a policy is an anonymous upload (allowed
/// unless credentials are strict).
pub fn authorize(svc: &S3Service, now: SystemTime, bucket: &str, form: &PostForm) -> S3Result<Option<(u64, u64)>> {
    let strict = svc.core().credentials.mode() == CredentialMode::Strict;
    let Some(policy_b64) = form.get("policy") else {
        if strict {
            return Err(S3Error::AccessDenied("Anonymous POST uploads are not allowed in strict mode".into()));
        }
        return Ok(None);
    };
    verify_signature(svc, strict, form, policy_b64)?;
    let raw = base64::engine::general_purpose::STANDARD.decode(policy_b64.trim()).map_err(|_| invalid("Policy is not base64"))?;
    let doc: Value = serde_json::from_slice(&raw).map_err(|_| invalid("Policy is not valid JSON"))?;
    let expiration = doc.get("expiration").and_then(Value::as_str).ok_or_else(|| invalid("Policy missing expiration."))?;
    let exp = time::OffsetDateTime::parse(expiration, &time::format_description::well_known::Rfc3339).map_err(|_| invalid(format!("Invalid 'expiration' value: '{expiration}'")))?;
    let now_dt = time::OffsetDateTime::from(now);
    if exp < now_dt {
        return Err(denied("Policy expired."));
    }
    let conditions = doc.get("conditions").and_then(Value::as_array).ok_or_else(|| invalid("Policy missing conditions."))?;
    let value_of = |field: &str| -> String {
        if field.eq_ignore_ascii_case("bucket") {
            bucket.to_string()
        } else {
            form.get(field).unwrap_or("").to_string()
        }
    };
    let mut covered: Vec<String> = Vec::new();
    let mut range = None;
    for c in conditions {
        match c {
            Value::Object(map) => {
                for (k, v) in map {
                    let want = v.as_str().ok_or_else(|| invalid(format!("Invalid condition value for {k}")))?;
                    if value_of(k) != want {
                        return Err(denied(format!("Policy Condition failed: [\"eq\", \"${k}\", \"{want}\"]")));
                    }
                    covered.push(k.to_ascii_lowercase());
                }
            }
            Value::Array(items) => {
                let op = items.first().and_then(Value::as_str).unwrap_or("").to_ascii_lowercase();
                if op == "content-length-range" {
                    let n = |i: usize| items.get(i).and_then(|v| v.as_u64().or_else(|| v.as_str().and_then(|s| s.parse().ok())));
                    let (Some(min), Some(max)) = (n(1), n(2)) else { return Err(invalid("Invalid content-length-range")) };
                    range = Some((min, max));
                    continue;
                }
                let field = items.get(1).and_then(Value::as_str).and_then(|f| f.strip_prefix('$')).ok_or_else(|| invalid("Invalid condition"))?;
                let want = items.get(2).and_then(Value::as_str).ok_or_else(|| invalid("Invalid condition"))?;
                let have = value_of(field);
                let ok = match op.as_str() {
                    "eq" => have == want,
                    "starts-with" => have.starts_with(want),
                    other => return Err(invalid(format!("Invalid condition operator: {other}"))),
                };
                if !ok {
                    return Err(denied(format!("Policy Condition failed: [\"{op}\", \"${field}\", \"{want}\"]")));
                }
                covered.push(field.to_ascii_lowercase());
            }
            _ => return Err(invalid("Invalid condition")),
        }
    }
    for (name, _) in &form.fields {
        let n = name.to_ascii_lowercase();
        let exempt = ["policy", "x-amz-signature", "signature", "awsaccesskeyid", "file"].contains(&n.as_str()) || n.starts_with("x-ignore-");
        if !exempt && !covered.contains(&n) {
            return Err(denied(format!("Extra input fields: {name}")));
        }
    }
    Ok(range)
}

/// How the policy was signed.
enum PolicySignature {
    V4 { date: String, region: String, service: String, provided: String },
    V2 { provided: String },
}

impl PolicySignature {
    fn matches(&self, secret: &str, policy_b64: &str) -> bool {
        match self {
            Self::V4 { date, region, service, provided } => signatures_equal(&signature(&signing_key(secret, date, region, service), policy_b64), provided),
            Self::V2 { provided } => sigv2::signature(secret, policy_b64) == *provided,
        }
    }
}

fn verify_signature(svc: &S3Service, strict: bool, form: &PostForm, policy_b64: &str) -> S3Result<()> {
    let (access_key, sig) = if let Some(cred) = form.get("x-amz-credential") {
        if form.get("x-amz-algorithm").is_some_and(|a| a != "AWS4-HMAC-SHA256") {
            return Err(S3Error::InvalidArgument("Only AWS4-HMAC-SHA256 is supported for POST policies".into()));
        }
        let provided = form.get("x-amz-signature").ok_or_else(|| S3Error::InvalidArgument("Bucket POST must contain a field named 'x-amz-signature'.".into()))?.to_string();
        let parts: Vec<&str> = cred.split('/').collect();
        if parts.len() != 5 {
            return Err(S3Error::InvalidArgument(format!("Invalid credential: {cred}")));
        }
        (parts[0].to_string(), PolicySignature::V4 { date: parts[1].into(), region: parts[2].into(), service: parts[3].into(), provided })
    } else if let Some(ak) = form.get("awsaccesskeyid") {
        let provided = form.get("signature").ok_or_else(|| S3Error::InvalidArgument("Bucket POST must contain a field named 'signature'.".into()))?.to_string();
        (ak.to_string(), PolicySignature::V2 { provided })
    } else {
        return Err(S3Error::InvalidArgument("Bucket POST must contain a field named 'AWSAccessKeyId'.  If it is specified, please check the order of the fields.".into()));
    };
    match svc.core().credentials.get(&access_key) {
        Some(cred) if sig.matches(&cred.secret, policy_b64) => Ok(()),
        Some(_) => Err(S3Error::SignatureDoesNotMatch),
        None if strict => Err(S3Error::AccessDenied("The AWS Access Key Id you provided does not exist in our records.".into())),
        None => Ok(()),
    }
}
