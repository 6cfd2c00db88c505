//! SigV4 string to sign, signing-key derivation (the HMAC chain) and the `X-Amz-Date` format.
//! See https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html
//! Leaves out: SigV4a.
//!
//! Signing keys are memoized per thread: a key depends only on (secret, date, region,
//! service), so every request of a client on one day reuses it instead of running the
//! four-HMAC chain again (a pure function's memo; nothing observable changes).

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use std::cell::RefCell;
use std::time::{Duration, SystemTime};

/// The only algorithm amplocal verifies.
pub const ALGORITHM: &str = "AWS4-HMAC-SHA256";

/// Hex SHA-256 of `data`.
pub fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

/// HMAC-SHA256 of `data` under `key`.
pub fn hmac_sha256(key: &[u8], data: &[u8]) -> Vec<u8> {
    hmac32(key, data).to_vec()
}

/// HMAC-SHA256 of `data` under `key`, on the stack.
fn hmac32(key: &[u8], data: &[u8]) -> [u8; 32] {
    // HMAC accepts keys of any length, so `new_from_slice` cannot fail.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(key) else {
        return [0; 32];
    };
    mac.update(data);
    mac.finalize().into_bytes().into()
}

/// Signing keys this thread derived last: (secret, date, region, service, key).
type KeyMemo = Vec<(String, String, String, String, [u8; 32])>;

/// Keys remembered per thread (distinct clients, regions or services in use at once).
const KEY_MEMO: usize = 8;

thread_local! {
    static KEYS: RefCell<KeyMemo> = const { RefCell::new(Vec::new()) };
}

/// The HMAC chain `AWS4<secret>` → date → region → service → `aws4_request`.
fn derive_signing_key(secret: &str, date: &str, region: &str, service: &str) -> [u8; 32] {
    let mut seed = Vec::with_capacity(4 + secret.len());
    seed.extend_from_slice(b"AWS4");
    seed.extend_from_slice(secret.as_bytes());
    let k_date = hmac32(&seed, date.as_bytes());
    let k_region = hmac32(&k_date, region.as_bytes());
    let k_service = hmac32(&k_region, service.as_bytes());
    hmac32(&k_service, b"aws4_request")
}

/// The signing key (see [`signing_key`]) without an allocation; memoized per thread.
pub fn signing_key_bytes(secret: &str, date: &str, region: &str, service: &str) -> [u8; 32] {
    KEYS.with(|memo| {
        let mut memo = memo.borrow_mut();
        if let Some(hit) = memo.iter().find(|(s, d, r, v, _)| s == secret && d == date && r == region && v == service) {
            return hit.4;
        }
        let key = derive_signing_key(secret, date, region, service);
        if memo.len() >= KEY_MEMO {
            memo.remove(0);
        }
        memo.push((secret.to_string(), date.to_string(), region.to_string(), service.to_string(), key));
        key
    })
}

/// The signing key: HMAC chain `AWS4<secret>` → date → region → service → `aws4_request`.
pub fn signing_key(secret: &str, date: &str, region: &str, service: &str) -> Vec<u8> {
    signing_key_bytes(secret, date, region, service).to_vec()
}

/// `AWS4-HMAC-SHA256\n<amz_date>\n<scope>\n<hex sha256(canonical request)>`.
pub fn string_to_sign(amz_date: &str, scope: &str, canonical_request: &str) -> String {
    let mut hex = [0u8; 64];
    // A 32-byte digest always fits 64 hex digits.
    let _ = hex::encode_to_slice(Sha256::digest(canonical_request.as_bytes()), &mut hex);
    let mut out = String::with_capacity(ALGORITHM.len() + amz_date.len() + scope.len() + 64 + 3);
    out.push_str(ALGORITHM);
    out.push('\n');
    out.push_str(amz_date);
    out.push('\n');
    out.push_str(scope);
    out.push('\n');
    out.push_str(std::str::from_utf8(&hex).unwrap_or_default());
    out
}

/// Hex HMAC of `string_to_sign` under `signing_key`.
pub fn signature(signing_key: &[u8], string_to_sign: &str) -> String {
    hex::encode(hmac32(signing_key, string_to_sign.as_bytes()))
}

/// Compare two signatures without an early exit on the first differing byte.
pub fn signatures_equal(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Parse `YYYYMMDDTHHMMSSZ` into a time.
pub fn parse_amz_date(s: &str) -> Option<SystemTime> {
    let b = s.as_bytes();
    if b.len() != 16 || b[8] != b'T' || b[15] != b'Z' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let part = s.get(r)?;
        if !part.bytes().all(|c| c.is_ascii_digit()) {
            return None;
        }
        part.parse().ok()
    };
    let (y, mo, d) = (num(0..4)?, num(4..6)?, num(6..8)?);
    let (h, mi, se) = (num(9..11)?, num(11..13)?, num(13..15)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || se > 60 {
        return None;
    }
    let days = days_from_civil(y, mo, d);
    let secs = days * 86_400 + h * 3600 + mi * 60 + se;
    let secs = u64::try_from(secs).ok()?;
    SystemTime::UNIX_EPOCH.checked_add(Duration::from_secs(secs))
}

/// Format a time as `YYYYMMDDTHHMMSSZ`.
pub fn format_amz_date(t: SystemTime) -> String {
    let secs = t.duration_since(SystemTime::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    let secs = i64::try_from(secs).unwrap_or(0);
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}{m:02}{d:02}T{:02}{:02}{:02}Z", rem / 3600, (rem % 3600) / 60, rem % 60)
}

/// Format a time as ISO 8601 with a `Z` (`2013-05-24T00:00:00Z`), as S3 error fields use.
pub fn format_iso8601(t: SystemTime) -> String {
    let s = format_amz_date(t);
    format!("{}-{}-{}T{}:{}:{}Z", &s[0..4], &s[4..6], &s[6..8], &s[9..11], &s[11..13], &s[13..15])
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Inverse of [`days_from_civil`].
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amz_date_round_trip() {
        let t = parse_amz_date("20150830T123600Z").unwrap();
        assert_eq!(t.duration_since(SystemTime::UNIX_EPOCH).unwrap().as_secs(), 1_440_938_160);
        assert_eq!(format_amz_date(t), "20150830T123600Z");
        assert_eq!(format_iso8601(t), "2015-08-30T12:36:00Z");
        assert_eq!(format_amz_date(parse_amz_date("20000229T000000Z").unwrap()), "20000229T000000Z");
        for bad in ["", "20150830T123600", "2015083OT123600Z", "20151330T123600Z", "20150830X123600Z", "+0150830T123600Z"] {
            assert!(parse_amz_date(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn signing_key_matches_aws_doc_example() {
        // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html
        // (the "deriving a signing key" example: secret wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY,
        // 20120215 / us-east-1 / iam).
        let k = signing_key("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20120215", "us-east-1", "iam");
        assert_eq!(hex::encode(k), "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d");
    }

    /// The memo answers exactly what the HMAC chain would, for every part of the key, also
    /// once more keys were asked for than it keeps.
    #[test]
    fn memoized_signing_keys_equal_derived_ones() {
        let parts = [("s1", "20120215", "us-east-1", "iam"), ("s2", "20120215", "us-east-1", "iam"), ("s1", "20120216", "us-east-1", "iam"), ("s1", "20120215", "eu-west-1", "iam"), ("s1", "20120215", "us-east-1", "s3")];
        for round in 0..3 {
            for i in 0..(KEY_MEMO + 3) {
                for (s, d, r, v) in parts {
                    let secret = format!("{s}-{i}");
                    assert_eq!(signing_key(&secret, d, r, v), derive_signing_key(&secret, d, r, v).to_vec(), "round {round} {secret} {d} {r} {v}");
                }
            }
        }
        let a = signing_key("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20120215", "us-east-1", "iam");
        assert_eq!(hex::encode(a), "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d", "after eviction");
    }

    #[test]
    fn string_to_sign_layout() {
        let sts = string_to_sign("20150830T123600Z", "20150830/us-east-1/iam/aws4_request", "x");
        assert_eq!(sts, format!("AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/iam/aws4_request\n{}", sha256_hex(b"x")));
    }

    /// An S3 POST-policy signature is the HMAC of the base64 policy under the signing key
    /// (vector from the s3-post-policy package, recomputed independently with Python's hmac).
    #[test]
    fn post_policy_signature() {
        let policy = "eyJleHBpcmF0aW9uIjoiMjAxMy0wOC0wNlQxMjowMDowMC4wMDBaIiwiY29uZGl0aW9ucyI6W3siYWNsIjoicHVibGljLXJlYWQifSxbInN0YXJ0cy13aXRoIiwiJENvbnRlbnQtVHlwZSIsImltYWdlLyJdLFsic3RhcnRzLXdpdGgiLCIka2V5IiwidXNlci91c2VyMS8iXSxbInN0YXJ0cy13aXRoIiwiJHgtYW16LW1ldGEtdGFnIiwiIl0seyJ4LWFtei1tZXRhLXV1aWQiOiIxNDM2NTEyMzY1MTI3NCJ9LHsiYnVja2V0IjoiZXhhbXBsZWJ1Y2tldCJ9LHsieC1hbXotYWxnb3JpdGhtIjoiQVdTNC1ITUFDLVNIQTI1NiJ9LHsieC1hbXotY3JlZGVudGlhbCI6IkFLSUFJT1NGT0ROTjdFWEFNUExFLzIwMTMwODA2L3VzLWVhc3QtMS9zMy9hd3M0X3JlcXVlc3QifSx7IngtYW16LWRhdGUiOiIyMDEzMDgwNlQxMjAwMDBaIn1dfQ==";
        let key = signing_key("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "20130806", "us-east-1", "s3");
        assert_eq!(signature(&key, policy), "5bc8a7be4a6fc6445b94d0f4096f8cf3dfa00303529f8a68ea7dc0c23bb83cd9");
    }

    #[test]
    fn constant_time_compare() {
        assert!(signatures_equal("abc", "abc"));
        assert!(!signatures_equal("abc", "abd"));
        assert!(!signatures_equal("abc", "ab"));
    }
}
