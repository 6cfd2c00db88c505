//! The SRP vectors of reference cognito.md §3.6 (checked against four client libraries).

use super::*;
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;

fn h(s: &str) -> BigUint {
    BigUint::parse_bytes(s.as_bytes(), 16).unwrap()
}

fn vectors() -> Vec<serde_json::Value> {
    serde_json::from_str(include_str!("vectors.json")).unwrap()
}

#[test]
fn k_matches_cognito() {
    assert_eq!(to_hex(k()), "538282c4354742d7cbbde2359fcf67f9f5b3a6b08791e5011b43b8a5b66d9ee6");
    assert_eq!(pad(n()).len(), 385);
    assert_eq!(pad(g()), vec![2]);
}

#[test]
fn vectors_pass_server_side() {
    for v in vectors() {
        let s = |k: &str| v[k].as_str().unwrap().to_string();
        let pool = s("pool_name");
        let user = s("user_id_for_srp");
        let salt = h(&s("salt_hex"));
        assert_eq!(hex::encode(pad(&salt)), s("salt_padhex"));
        assert_eq!(to_hex(&compute_x(&pool, &user, &s("password"), &salt)), s("x_hex"));
        let ver = verifier(&pool, &user, &s("password"), &salt);
        assert_eq!(to_hex(&ver), s("v_hex"));
        // client A from a
        let a = h(&s("a_hex"));
        let a_pub = g().modpow(&a, n());
        assert_eq!(to_hex(&a_pub), s("SRP_A"));
        let b = h(&s("b_hex"));
        let b_pub = server_b(&ver, &b);
        assert_eq!(to_hex(&b_pub), s("SRP_B"));
        assert_eq!(to_hex(&compute_u(&a_pub, &b_pub)), s("u_hex"));
        let key = server_session_key(&parse_hex(&s("SRP_A")).unwrap(), &b_pub, &b, &ver).unwrap();
        assert_eq!(hex::encode(key), s("K_hkdf_hex"));
        let block = B64.decode(s("SECRET_BLOCK")).unwrap();
        let sig = signature(&key, &pool, &user, &block, &s("TIMESTAMP"));
        assert_eq!(B64.encode(&sig), s("PASSWORD_CLAIM_SIGNATURE"));
        let claimed = B64.decode(s("PASSWORD_CLAIM_SIGNATURE")).unwrap();
        assert!(verify_signature(&key, &pool, &user, &block, &s("TIMESTAMP"), &claimed));
        // tampered secret block
        let mut bad = block.clone();
        bad[0] ^= 1;
        assert!(!verify_signature(&key, &pool, &user, &bad, &s("TIMESTAMP"), &claimed));
        // wrong password → different verifier → different key → signature rejected
        let wrong = verifier(&pool, &user, "not-the-password", &salt);
        let wrong_key = server_session_key(&a_pub, &server_b(&wrong, &b), &b, &wrong).unwrap();
        assert!(!verify_signature(&wrong_key, &pool, &user, &block, &s("TIMESTAMP"), &claimed));
        // the client's S equals the server's: S = (B - k g^x)^(a + u x)
        let x = compute_x(&pool, &user, &s("password"), &salt);
        let u = compute_u(&a_pub, &b_pub);
        let nn = n();
        let base = (&b_pub + nn * k() - (k() * g().modpow(&x, nn)) % nn) % nn;
        let s_client = base.modpow(&(&a + &u * &x), nn);
        assert_eq!(to_hex(&s_client), s("S_hex"));
        // timestamps round-trip canonically
        let ts = parse_timestamp(&s("TIMESTAMP")).unwrap();
        assert_eq!(format_timestamp(ts), s("TIMESTAMP"));
    }
}

#[test]
fn a_multiple_of_n_is_rejected() {
    let ver = BigUint::from(5u8);
    let b = BigUint::from(7u8);
    let b_pub = server_b(&ver, &b);
    assert_eq!(server_session_key(&BigUint::ZERO, &b_pub, &b, &ver), Err(SrpError::IllegalParameter));
    assert_eq!(server_session_key(n(), &b_pub, &b, &ver), Err(SrpError::IllegalParameter));
    assert_eq!(server_session_key(&(n() * 2u8), &b_pub, &b, &ver), Err(SrpError::IllegalParameter));
}

#[test]
fn timestamp_forms() {
    // padded day parses to the same instant but does not render back identically
    let padded = "Wed Jan 03 07:05:09 UTC 2024";
    let t = parse_timestamp(padded).unwrap();
    assert_ne!(format_timestamp(t), padded);
    // wrong weekday parses but renders differently
    let wrong_day = "Thu Jan 3 07:05:09 UTC 2024";
    let t = parse_timestamp(wrong_day).unwrap();
    assert_ne!(format_timestamp(t), wrong_day);
    for bad in ["", "yesterday", "Wed Jan 3 7:05:09 UTC 2024", "Wed Foo 3 07:05:09 UTC 2024", "Wed Jan 32 07:05:09 UTC 2024", "Wed Jan 3 07:05:09 UTC 24"] {
        assert!(parse_timestamp(bad).is_none(), "{bad}");
    }
    assert_eq!(parse_hex("80"), Some(BigUint::from(128u8)));
    assert_eq!(hex::encode(pad(&BigUint::from(128u8))), "0080");
    assert!(parse_hex("zz").is_none());
    assert!(parse_hex(&"f".repeat(MAX_SRP_A_HEX + 1)).is_none());
}
