//! Cognito's SRP-6a variant (USER_SRP_AUTH / PASSWORD_VERIFIER), server side.
//!
//! Implements the math of reference cognito.md §3.2 / amplify-js.md §2: the RFC 3526 3072-bit
//! group with g = 2, `k = H(PAD(N) ‖ PAD(g))`, `x = H(PAD(salt) ‖ H(pool ‖ user ‖ ":" ‖ pw))`,
//! the "Caldera Derived Key" HKDF and the HMAC-over-TIMESTAMP signature, plus the strict
//! `EEE MMM d HH:mm:ss UTC yyyy` TIMESTAMP parser. Device SRP (DEVICE_SRP_AUTH) is left out.
//! Not constant time (a local emulator), except the final signature comparison.

use hmac::{Hmac, Mac};
use num_bigint::BigUint;
use sha2::{Digest, Sha256};
use std::sync::OnceLock;
use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time, Weekday};

type HmacSha256 = Hmac<Sha256>;

const N_HEX: &str = concat!(
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DDE",
    "F9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7EDEE",
    "386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F836",
    "55D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3BE39E",
    "772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA051015728",
    "E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7ABF5AE8",
    "CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864D87602733EC86A64521F2B18177B200CBBE11757",
    "7A615D6C770988C0BAD946E208E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF"
);

/// Longest SRP_A accepted, in hex digits (N is 768; allow leading zeros, refuse megabytes).
pub const MAX_SRP_A_HEX: usize = 1024;

struct Group {
    n: BigUint,
    g: BigUint,
    k: BigUint,
    monty: monty::Monty,
}

fn group() -> &'static Group {
    static G: OnceLock<Group> = OnceLock::new();
    G.get_or_init(|| {
        // The literal above is valid hex; parse cannot fail (covered by the k-vector test).
        let n = BigUint::parse_bytes(N_HEX.as_bytes(), 16).unwrap_or_default();
        let g = BigUint::from(2u8);
        let k = hash_to_int(&[&pad(&n), &pad(&g)]);
        let monty = monty::Monty::new(&n, &g);
        Group { n, g, k, monty }
    })
}

/// The group prime N.
pub fn n() -> &'static BigUint {
    &group().n
}
/// The generator g (= 2).
pub fn g() -> &'static BigUint {
    &group().g
}
/// The multiplier k.
pub fn k() -> &'static BigUint {
    &group().k
}

/// Cognito's "padHex": minimal big-endian bytes, with a `0x00` prepended when the top bit is set.
pub fn pad(v: &BigUint) -> Vec<u8> {
    let mut b = v.to_bytes_be();
    if b.first().is_some_and(|f| f & 0x80 != 0) {
        b.insert(0, 0);
    }
    b
}

fn hash_to_int(parts: &[&[u8]]) -> BigUint {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p);
    }
    BigUint::from_bytes_be(&h.finalize())
}

/// `x = H(PAD(salt) ‖ H(poolName ‖ userId ‖ ":" ‖ password))`.
pub fn compute_x(pool_name: &str, user_id: &str, password: &str, salt: &BigUint) -> BigUint {
    let inner = Sha256::new()
        .chain_update(pool_name.as_bytes())
        .chain_update(user_id.as_bytes())
        .chain_update(b":")
        .chain_update(password.as_bytes())
        .finalize();
    hash_to_int(&[&pad(salt), &inner])
}

/// The verifier `v = g^x mod N` stored per user instead of the password.
pub fn verifier(pool_name: &str, user_id: &str, password: &str, salt: &BigUint) -> BigUint {
    let x = compute_x(pool_name, user_id, password, salt);
    pow_g(&x)
}

/// The comb table of a base (for a verifier seen repeatedly).
pub fn comb(base: &BigUint) -> monty::Comb {
    group().monty.comb(base)
}

/// `g^e mod N` (fixed-base table, see [`monty`]).
pub fn pow_g(e: &BigUint) -> BigUint {
    group().monty.pow_g(e)
}

/// The server's public ephemeral `B = (k·v + g^b) mod N`.
pub fn server_b(v: &BigUint, b: &BigUint) -> BigUint {
    (k() * v + pow_g(b)) % n()
}

/// Why the SRP exchange cannot go on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SrpError {
    /// `A mod N == 0` (or `B`), which would let a client skip the password.
    IllegalParameter,
    /// `u == 0`.
    ZeroU,
}

/// `u = H(PAD(A) ‖ PAD(B))`.
pub fn compute_u(a_pub: &BigUint, b_pub: &BigUint) -> BigUint {
    hash_to_int(&[&pad(a_pub), &pad(b_pub)])
}

/// Server side: `S = (A · v^u)^b mod N`, then the 16-byte HKDF key.
pub fn server_session_key(a_pub: &BigUint, b_pub: &BigUint, b: &BigUint, v: &BigUint) -> Result<[u8; 16], SrpError> {
    server_session_key_with(a_pub, b_pub, b, v, None)
}

/// [`server_session_key`] with an optional comb table of `v` (see [`monty::Monty::comb`]).
pub fn server_session_key_with(a_pub: &BigUint, b_pub: &BigUint, b: &BigUint, v: &BigUint, v_comb: Option<&monty::Comb>) -> Result<[u8; 16], SrpError> {
    let n = n();
    if (a_pub % n) == BigUint::ZERO {
        return Err(SrpError::IllegalParameter);
    }
    let u = compute_u(a_pub, b_pub);
    if u == BigUint::ZERO {
        return Err(SrpError::ZeroU);
    }
    let m = &group().monty;
    let vu = v_comb.and_then(|c| m.pow_comb(c, &u)).unwrap_or_else(|| m.pow(v, &u));
    let s = m.pow_of_product(&(a_pub % n), &vu, b);
    Ok(hkdf_key(&u, &s))
}

/// The "Caldera Derived Key": HKDF-SHA256(salt = PAD(u), ikm = PAD(S), info = "Caldera Derived Key"), 16 bytes.
pub fn hkdf_key(u: &BigUint, s: &BigUint) -> [u8; 16] {
    // HMAC accepts keys of any length, so new_from_slice cannot fail.
    let mut prk = HmacSha256::new_from_slice(&pad(u)).unwrap_or_else(|_| unreachable_hmac());
    prk.update(&pad(s));
    let prk = prk.finalize().into_bytes();
    let mut okm = HmacSha256::new_from_slice(&prk).unwrap_or_else(|_| unreachable_hmac());
    okm.update(b"Caldera Derived Key\x01");
    let full = okm.finalize().into_bytes();
    let mut out = [0u8; 16];
    out.copy_from_slice(&full[..16]);
    out
}

fn unreachable_hmac() -> HmacSha256 {
    // HMAC-SHA256 takes keys of any length; this branch cannot run.
    HmacSha256::new_from_slice(b"k").unwrap_or_else(|_| unreachable!())
}

/// `HMAC(K, poolName ‖ userId ‖ secretBlock ‖ timestamp)`, the raw 32 bytes.
pub fn signature(key: &[u8], pool_name: &str, user_id: &str, secret_block: &[u8], timestamp: &str) -> Vec<u8> {
    let mut m = HmacSha256::new_from_slice(key).unwrap_or_else(|_| unreachable_hmac());
    m.update(pool_name.as_bytes());
    m.update(user_id.as_bytes());
    m.update(secret_block);
    m.update(timestamp.as_bytes());
    m.finalize().into_bytes().to_vec()
}

/// Check a claimed signature in constant time.
pub fn verify_signature(key: &[u8], pool_name: &str, user_id: &str, secret_block: &[u8], timestamp: &str, claimed: &[u8]) -> bool {
    let mut m = HmacSha256::new_from_slice(key).unwrap_or_else(|_| unreachable_hmac());
    m.update(pool_name.as_bytes());
    m.update(user_id.as_bytes());
    m.update(secret_block);
    m.update(timestamp.as_bytes());
    m.verify_slice(claimed).is_ok()
}

/// Parse an unpadded or padded hex integer as the clients send it (`SRP_A`, `SALT`).
pub fn parse_hex(s: &str) -> Option<BigUint> {
    if s.is_empty() || s.len() > MAX_SRP_A_HEX || !s.bytes().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    BigUint::parse_bytes(s.as_bytes(), 16)
}

/// Lowercase minimal hex, as Cognito sends `SRP_B` and `SALT`.
pub fn to_hex(v: &BigUint) -> String {
    v.to_str_radix(16)
}

const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/// Render `t` as Cognito's TIMESTAMP: `EEE MMM d HH:mm:ss UTC yyyy`, day not zero-padded.
pub fn format_timestamp(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    let wd = DAYS[t.weekday().number_days_from_monday() as usize];
    let mo = MONTHS[t.month() as usize - 1];
    format!("{wd} {mo} {} {:02}:{:02}:{:02} UTC {}", t.day(), t.hour(), t.minute(), t.second(), t.year())
}

/// Parse a TIMESTAMP leniently enough to know its instant (day may be padded, weekday is not
/// checked here). `None` when it is not in `EEE MMM d HH:mm:ss z yyyy` form at all.
pub fn parse_timestamp(s: &str) -> Option<OffsetDateTime> {
    let parts: Vec<&str> = s.split(' ').collect();
    let [wd, mo, day, hms, zone, year] = parts.as_slice() else { return None };
    if !DAYS.contains(wd) || zone.is_empty() || !zone.bytes().all(|c| c.is_ascii_alphabetic()) {
        return None;
    }
    let month_idx = MONTHS.iter().position(|m| m == mo)?;
    let month = Month::try_from(month_idx as u8 + 1).ok()?;
    if day.is_empty() || day.len() > 2 || !day.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let day: u8 = day.parse().ok()?;
    if year.len() != 4 || !year.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let year: i32 = year.parse().ok()?;
    let hms: Vec<&str> = hms.split(':').collect();
    let [h, m, sec] = hms.as_slice() else { return None };
    let two = |x: &str| -> Option<u8> { (x.len() == 2 && x.bytes().all(|c| c.is_ascii_digit())).then(|| x.parse().ok()).flatten() };
    let time = Time::from_hms(two(h)?, two(m)?, two(sec)?).ok()?;
    let date = Date::from_calendar_date(year, month, day).ok()?;
    if *zone != "UTC" && *zone != "GMT" {
        return None;
    }
    Some(PrimitiveDateTime::new(date, time).assume_utc())
}

/// The weekday name for a parsed instant (exposed for tests).
pub fn weekday_name(w: Weekday) -> &'static str {
    DAYS[w.number_days_from_monday() as usize]
}

pub mod monty;
#[cfg(test)]
mod tests;

/// Parse stored hex of any length (salts, verifiers).
pub fn parse_hex_any(s: &str) -> Option<BigUint> {
    if s.is_empty() || !s.bytes().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    BigUint::parse_bytes(s.as_bytes(), 16)
}
