//! USER_SRP_AUTH done the way a real client does it (InitiateAuth + RespondToAuthChallenge
//! PASSWORD_VERIFIER, <https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-authentication-flow-methods.html>),
//! with a client written here from the published math (reference cognito.md §3, amplify-js.md §2)
//! and first checked against the SRP vectors; then the ID and access tokens verified with the
//! `jsonwebtoken` crate against the served JWKS (RS256, issuer, audience / client_id, Cognito's
//! claim set), forged and expired tokens rejected, and REFRESH_TOKEN_AUTH.
//! Left out: device SRP, SECRET_HASH clients, USER_AUTH + PASSWORD_SRP (see cognito.rs / boto3).

use amplocal_core::ManualClock;
use amplocal_tests::TestEnv;
use aws_sdk_cognitoidentityprovider as idp;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use hmac::{Hmac, Mac};
use idp::error::ProvideErrorMetadata;
use idp::types::{AttributeType, AuthFlowType, AuthenticationResultType, ChallengeNameType, ExplicitAuthFlowsType};
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use num_bigint::BigUint;
use rand::RngCore;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, SystemTime};
use time::OffsetDateTime;

/// RFC 3526 / RFC 5054 3072-bit group prime; g = 2.
const N_HEX: &str = "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7EDEE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3BE39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA051015728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864D87602733EC86A64521F2B18177B200CBBE117577A615D6C770988C0BAD946E208E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF";
const PW: &str = "Corr3ct-Horse!";
const BAD_CREDS: (&str, &str) = ("NotAuthorizedException", "Incorrect username or password.");

fn n() -> BigUint {
    BigUint::parse_bytes(N_HEX.as_bytes(), 16).expect("N is hex")
}

fn g() -> BigUint {
    BigUint::from(2u8)
}

fn hex_int(s: &str) -> BigUint {
    BigUint::parse_bytes(s.as_bytes(), 16).unwrap_or_else(|| panic!("not hex: {s}"))
}

/// Cognito's "padHex": minimal big-endian bytes plus a 0x00 sign byte when the top bit is set.
fn pad(x: &BigUint) -> Vec<u8> {
    let mut b = x.to_bytes_be();
    if b[0] & 0x80 != 0 {
        b.insert(0, 0);
    }
    b
}

fn sha256(parts: &[&[u8]]) -> [u8; 32] {
    parts.iter().fold(Sha256::new(), |h, p| h.chain_update(p)).finalize().into()
}

fn hmac(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    let mut m = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key length");
    for p in parts {
        m.update(p);
    }
    m.finalize().into_bytes().into()
}

/// The client half of Cognito's SRP-6a.
struct SrpClient {
    pool_name: String,
    a: BigUint,
    big_a: BigUint,
}

impl SrpClient {
    /// A fresh client with a 128-byte random `a`, as Amplify makes one.
    fn new(pool_id: &str) -> Self {
        let mut bytes = [0u8; 128];
        rand::thread_rng().fill_bytes(&mut bytes);
        Self::with_a(pool_id, BigUint::from_bytes_be(&bytes))
    }

    fn with_a(pool_id: &str, a: BigUint) -> Self {
        let big_a = g().modpow(&a, &n());
        let pool_name = pool_id.split_once('_').map_or(pool_id, |(_, p)| p).to_string();
        Self { pool_name, a, big_a }
    }

    /// SRP_A as clients send it: lowercase hex, not padded.
    fn srp_a(&self) -> String {
        self.big_a.to_str_radix(16)
    }

    fn k() -> BigUint {
        BigUint::from_bytes_be(&sha256(&[&pad(&n()), &pad(&g())]))
    }

    /// HKDF("Caldera Derived Key") of the shared secret, 16 bytes.
    fn session_key(&self, user_id: &str, password: &str, salt_hex: &str, b_hex: &str) -> [u8; 16] {
        let n = n();
        let b = hex_int(b_hex);
        assert_ne!(&b % &n, BigUint::ZERO, "B mod N must not be 0");
        let u = BigUint::from_bytes_be(&sha256(&[&pad(&self.big_a), &pad(&b)]));
        assert_ne!(u, BigUint::ZERO);
        let inner = sha256(&[format!("{}{user_id}:{password}", self.pool_name).as_bytes()]);
        let x = BigUint::from_bytes_be(&sha256(&[&pad(&hex_int(salt_hex)), &inner]));
        let kgx = (Self::k() * g().modpow(&x, &n)) % &n;
        let base = (&b % &n + &n - kgx) % &n;
        let s = base.modpow(&(&self.a + &u * &x), &n);
        let prk = hmac(&pad(&u), &[&pad(&s)]);
        let okm = hmac(&prk, &[b"Caldera Derived Key", &[1]]);
        okm[..16].try_into().expect("16 of 32 bytes")
    }

    /// PASSWORD_CLAIM_SIGNATURE over poolName ‖ userId ‖ SECRET_BLOCK ‖ TIMESTAMP.
    fn signature(&self, key: &[u8], user_id: &str, secret_block: &str, timestamp: &str) -> String {
        let block = STANDARD.decode(secret_block).expect("SECRET_BLOCK is base64");
        STANDARD.encode(hmac(key, &[self.pool_name.as_bytes(), user_id.as_bytes(), &block, timestamp.as_bytes()]))
    }
}

/// `EEE MMM d HH:mm:ss UTC yyyy`, day of month unpadded (or zero-padded, to test the rejection).
fn timestamp_of(t: OffsetDateTime, pad_day: bool) -> String {
    const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let day = if pad_day { format!("{:02}", t.day()) } else { t.day().to_string() };
    let (wd, mo) = (DAYS[t.weekday().number_days_from_monday() as usize], MONTHS[t.month() as usize - 1]);
    format!("{wd} {mo} {day} {:02}:{:02}:{:02} UTC {}", t.hour(), t.minute(), t.second(), t.year())
}

fn now_ts(offset_secs: i64) -> String {
    timestamp_of(OffsetDateTime::now_utc() + time::Duration::seconds(offset_secs), false)
}

#[test]
fn the_client_reproduces_the_srp_vectors() {
    let vectors: Vec<Value> = serde_json::from_str(include_str!("../../../services/cognito/src/srp/vectors.json")).unwrap();
    assert!(vectors.len() >= 2);
    for v in &vectors {
        let s = |k: &str| v[k].as_str().unwrap_or_else(|| panic!("{k}")).to_string();
        assert_eq!(hex::encode(SrpClient::k().to_bytes_be()), s("k_hex"));
        let c = SrpClient::with_a(&s("pool_id"), hex_int(&s("a_hex")));
        assert_eq!(c.pool_name, s("pool_name"));
        assert_eq!(c.srp_a(), s("SRP_A"), "{}", s("name"));
        let key = c.session_key(&s("user_id_for_srp"), &s("password"), &s("salt_hex"), &s("SRP_B"));
        assert_eq!(hex::encode(key), s("K_hkdf_hex"), "{}", s("name"));
        assert_eq!(c.signature(&key, &s("user_id_for_srp"), &s("SECRET_BLOCK"), &s("TIMESTAMP")), s("PASSWORD_CLAIM_SIGNATURE"));
        let wrong = c.session_key(&s("user_id_for_srp"), "wrong", &s("salt_hex"), &s("SRP_B"));
        assert_ne!(c.signature(&wrong, &s("user_id_for_srp"), &s("SECRET_BLOCK"), &s("TIMESTAMP")), s("PASSWORD_CLAIM_SIGNATURE"));
    }
    let t = OffsetDateTime::from_unix_timestamp(1_709_629_387).unwrap(); // 2024-03-05T09:03:07Z
    assert_eq!(timestamp_of(t, false), "Tue Mar 5 09:03:07 UTC 2024");
    assert_eq!(timestamp_of(t, true), "Tue Mar 05 09:03:07 UTC 2024");
}

/// (code, message) of a failed SDK call.
fn err<T: std::fmt::Debug, E: ProvideErrorMetadata + std::fmt::Debug>(r: Result<T, E>) -> (String, String) {
    let e = r.expect_err("expected an error");
    (e.code().unwrap_or_default().to_string(), e.message().unwrap_or_default().to_string())
}

fn attr(name: &str, value: &str) -> AttributeType {
    AttributeType::builder().name(name).value(value).build().unwrap()
}

/// The PASSWORD_VERIFIER answer; fields are plain so tests can tamper with them.
#[derive(Clone)]
struct Answer {
    username: String,
    block: String,
    timestamp: String,
    signature: String,
}

/// One pool + app client, seen from a client app.
struct App {
    c: idp::Client,
    pool: String,
    client: String,
}

impl App {
    async fn new(c: idp::Client, pool: String, client_flows: &[ExplicitAuthFlowsType]) -> Self {
        let mut b = c.create_user_pool_client().user_pool_id(&pool).client_name("web");
        for f in client_flows {
            b = b.explicit_auth_flows(f.clone());
        }
        let client = b.send().await.unwrap().user_pool_client.unwrap().client_id.unwrap();
        Self { c, pool, client }
    }

    async fn user(&self, username: &str, attrs: &[(&str, &str)]) {
        let mut b = self.c.admin_create_user().user_pool_id(&self.pool).username(username).message_action(idp::types::MessageActionType::Suppress);
        for (k, v) in attrs {
            b = b.user_attributes(attr(k, v));
        }
        b.send().await.unwrap();
        self.c.admin_set_user_password().user_pool_id(&self.pool).username(username).password(PW).permanent(true).send().await.unwrap();
    }

    async fn initiate(&self, username: &str, srp_a: &str) -> Result<idp::operation::initiate_auth::InitiateAuthOutput, idp::error::SdkError<idp::operation::initiate_auth::InitiateAuthError>> {
        self.c.initiate_auth().client_id(&self.client).auth_flow(AuthFlowType::UserSrpAuth).auth_parameters("USERNAME", username).auth_parameters("SRP_A", srp_a).send().await
    }

    /// InitiateAuth USER_SRP_AUTH; the client and the challenge parameters.
    async fn challenge(&self, username: &str) -> (SrpClient, HashMap<String, String>) {
        let srp = SrpClient::new(&self.pool);
        let out = self.initiate(username, &srp.srp_a()).await.unwrap();
        assert_eq!(out.challenge_name, Some(ChallengeNameType::PasswordVerifier));
        (srp, out.challenge_parameters.unwrap())
    }

    /// A fresh challenge answered with `password` at `timestamp`.
    async fn answer(&self, username: &str, password: &str, timestamp: &str) -> Answer {
        let (srp, p) = self.challenge(username).await;
        let user_id = &p["USER_ID_FOR_SRP"];
        let key = srp.session_key(user_id, password, &p["SALT"], &p["SRP_B"]);
        let signature = srp.signature(&key, user_id, &p["SECRET_BLOCK"], timestamp);
        Answer { username: user_id.clone(), block: p["SECRET_BLOCK"].clone(), timestamp: timestamp.into(), signature }
    }

    async fn respond(&self, a: &Answer) -> Result<idp::operation::respond_to_auth_challenge::RespondToAuthChallengeOutput, idp::error::SdkError<idp::operation::respond_to_auth_challenge::RespondToAuthChallengeError>> {
        self.c
            .respond_to_auth_challenge()
            .client_id(&self.client)
            .challenge_name(ChallengeNameType::PasswordVerifier)
            .challenge_responses("USERNAME", &a.username)
            .challenge_responses("PASSWORD_CLAIM_SECRET_BLOCK", &a.block)
            .challenge_responses("TIMESTAMP", &a.timestamp)
            .challenge_responses("PASSWORD_CLAIM_SIGNATURE", &a.signature)
            .send()
            .await
    }

    async fn sign_in(&self, username: &str) -> AuthenticationResultType {
        let a = self.answer(username, PW, &now_ts(0)).await;
        let out = self.respond(&a).await.unwrap();
        assert!(out.challenge_name.is_none());
        out.authentication_result.expect("tokens")
    }

    fn issuer(&self) -> String {
        format!("https://cognito-idp.us-east-1.amazonaws.com/{}", self.pool)
    }
}

async fn jwks(env: &TestEnv, pool: &str) -> Value {
    let r = env.http().get(format!("{}/{pool}/.well-known/jwks.json", env.endpoint)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    r.json().await.unwrap()
}

/// Why a token was refused.
#[derive(Debug)]
enum Rejected {
    UnknownKid,
    Jwt(ErrorKind),
}

fn validation(iss: &str, aud: Option<&str>) -> Validation {
    let mut v = Validation::new(Algorithm::RS256);
    v.set_issuer(&[iss]);
    match aud {
        Some(a) => {
            v.set_audience(&[a]);
            v.set_required_spec_claims(&["exp", "iss", "sub", "aud"]);
        }
        None => {
            v.validate_aud = false;
            v.set_required_spec_claims(&["exp", "iss", "sub"]);
        }
    }
    v
}

/// Verify `token` as a relying party would: key by `kid` from the JWKS, RS256, then `v`.
fn verify(jwks: &Value, token: &str, v: &Validation) -> Result<Value, Rejected> {
    let header = jsonwebtoken::decode_header(token).map_err(|e| Rejected::Jwt(e.into_kind()))?;
    let keys = jwks["keys"].as_array().expect("keys");
    let jwk = keys.iter().find(|k| header.kid.is_some() && k["kid"].as_str() == header.kid.as_deref()).ok_or(Rejected::UnknownKid)?;
    assert_eq!((jwk["kty"].as_str(), jwk["alg"].as_str(), jwk["use"].as_str()), (Some("RSA"), Some("RS256"), Some("sig")));
    let key = DecodingKey::from_rsa_components(jwk["n"].as_str().unwrap(), jwk["e"].as_str().unwrap()).expect("RSA components");
    jsonwebtoken::decode::<Value>(token, &key, v).map(|d| d.claims).map_err(|e| Rejected::Jwt(e.into_kind()))
}

fn is_uuid(v: &Value) -> bool {
    v.as_str().and_then(|s| uuid::Uuid::parse_str(s).ok()).is_some()
}

/// Claims both token kinds carry.
fn check_common(c: &Value, iss: &str) {
    assert!(is_uuid(&c["sub"]), "{c}");
    assert_eq!(c["iss"], iss);
    for k in ["jti", "origin_jti", "event_id"] {
        assert!(is_uuid(&c[k]), "{k}: {c}");
    }
    let (auth, iat, exp) = (c["auth_time"].as_i64().unwrap(), c["iat"].as_i64().unwrap(), c["exp"].as_i64().unwrap());
    assert!(auth <= iat && exp - iat == 3600, "{c}");
}

fn header_of(token: &str) -> Value {
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(token.split('.').next().unwrap()).unwrap()).unwrap()
}

/// Pool with a custom attribute, an SRP + refresh client, and user `dana` in group `admins`.
async fn dana(env: &TestEnv) -> App {
    let c = env.cognito_idp();
    let pool = c.create_user_pool().pool_name("srp").send().await.unwrap().user_pool.unwrap().id.unwrap();
    c.add_custom_attributes()
        .user_pool_id(&pool)
        .custom_attributes(idp::types::SchemaAttributeType::builder().name("tier").attribute_data_type(idp::types::AttributeDataType::String).build())
        .send()
        .await
        .unwrap();
    let app = App::new(c, pool, &[ExplicitAuthFlowsType::AllowUserSrpAuth, ExplicitAuthFlowsType::AllowRefreshTokenAuth]).await;
    app.user("dana", &[("email", "dana@example.com"), ("email_verified", "true"), ("custom:tier", "gold")]).await;
    app.c.create_group().user_pool_id(&app.pool).group_name("admins").send().await.unwrap();
    app.c.admin_add_user_to_group().user_pool_id(&app.pool).username("dana").group_name("admins").send().await.unwrap();
    app
}

#[tokio::test]
async fn srp_sign_in_tokens_verify_against_the_jwks_and_refresh() {
    let env = TestEnv::start().await;
    let app = dana(&env).await;

    // the challenge, exactly
    let (srp, p) = app.challenge("dana").await;
    let mut keys: Vec<&str> = p.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["SALT", "SECRET_BLOCK", "SRP_B", "USERNAME", "USER_ID_FOR_SRP"]);
    assert_eq!((p["USERNAME"].as_str(), p["USER_ID_FOR_SRP"].as_str()), ("dana", "dana"));
    assert!(p["SALT"].bytes().all(|b| b.is_ascii_hexdigit()) && hex_int(&p["SALT"]) != BigUint::ZERO);
    let b = hex_int(&p["SRP_B"]);
    assert!(b < n() && b != BigUint::ZERO);
    assert!(!STANDARD.decode(&p["SECRET_BLOCK"]).unwrap().is_empty());
    // a timestamp a minute old is still within the window
    let ts = now_ts(-60);
    let key = srp.session_key("dana", PW, &p["SALT"], &p["SRP_B"]);
    let ans = Answer { username: "dana".into(), block: p["SECRET_BLOCK"].clone(), signature: srp.signature(&key, "dana", &p["SECRET_BLOCK"], &ts), timestamp: ts };
    let out = app.respond(&ans).await.unwrap();
    assert!(out.challenge_name.is_none() && out.session.is_none());
    let res = out.authentication_result.unwrap();
    assert_eq!((res.token_type(), res.expires_in), (Some("Bearer"), 3600));
    // the SECRET_BLOCK is single use
    assert_eq!(err(app.respond(&ans).await), (BAD_CREDS.0.into(), BAD_CREDS.1.into()));

    let set = jwks(&env, &app.pool).await;
    let iss = app.issuer();
    let (id_tok, access_tok) = (res.id_token().unwrap(), res.access_token().unwrap());
    for t in [id_tok, access_tok] {
        let h = header_of(t);
        assert_eq!(h["alg"], "RS256");
        assert!(h["kid"].is_string() && h.get("typ").is_none(), "{h}");
    }
    let id = verify(&set, id_tok, &validation(&iss, Some(&app.client))).unwrap();
    check_common(&id, &iss);
    assert_eq!((id["aud"].as_str(), id["token_use"].as_str(), id["cognito:username"].as_str()), (Some(app.client.as_str()), Some("id"), Some("dana")));
    assert_eq!((&id["email"], &id["email_verified"], &id["custom:tier"]), (&json!("dana@example.com"), &json!(true), &json!("gold")));
    assert_eq!(id["cognito:groups"], json!(["admins"]));
    for absent in ["client_id", "scope", "username"] {
        assert!(id.get(absent).is_none(), "{absent} in ID token");
    }
    let access = verify(&set, access_tok, &validation(&iss, None)).unwrap();
    check_common(&access, &iss);
    assert_eq!((access["client_id"].as_str(), access["token_use"].as_str(), access["username"].as_str()), (Some(app.client.as_str()), Some("access"), Some("dana")));
    assert_eq!(access["scope"], "aws.cognito.signin.user.admin");
    assert_eq!(access["cognito:groups"], json!(["admins"]));
    for absent in ["aud", "cognito:username", "email", "custom:tier"] {
        assert!(access.get(absent).is_none(), "{absent} in access token");
    }
    assert_eq!((&id["sub"], &id["origin_jti"], &id["event_id"], &id["auth_time"]), (&access["sub"], &access["origin_jti"], &access["event_id"], &access["auth_time"]));
    assert_ne!(id["jti"], access["jti"]);
    // an ID token is not an access token: it has no client_id, and aud-checking the access token fails
    assert!(verify(&set, access_tok, &validation(&iss, Some(&app.client))).is_err());
    // the access token works against the service
    let me = app.c.get_user().access_token(access_tok).send().await.unwrap();
    assert_eq!(me.username, "dana");
    assert!(me.user_attributes.iter().any(|a| a.name == "sub" && a.value.as_deref() == id["sub"].as_str()));

    // REFRESH_TOKEN_AUTH: new tokens that verify, same origin_jti and auth_time
    let r = app.c.initiate_auth().client_id(&app.client).auth_flow(AuthFlowType::RefreshTokenAuth).auth_parameters("REFRESH_TOKEN", res.refresh_token().unwrap()).send().await.unwrap();
    assert!(r.challenge_name.is_none());
    let r = r.authentication_result.unwrap();
    assert!(r.refresh_token.is_none(), "no rotation unless the client enables it");
    let id2 = verify(&set, r.id_token().unwrap(), &validation(&iss, Some(&app.client))).unwrap();
    let access2 = verify(&set, r.access_token().unwrap(), &validation(&iss, None)).unwrap();
    check_common(&id2, &iss);
    check_common(&access2, &iss);
    for (new, old) in [(&id2, &id), (&access2, &access)] {
        assert_eq!((&new["sub"], &new["origin_jti"], &new["auth_time"], &new["token_use"]), (&old["sub"], &old["origin_jti"], &old["auth_time"], &old["token_use"]));
        assert_ne!(new["jti"], old["jti"]);
        assert!(new["iat"].as_i64() >= old["iat"].as_i64());
    }
    assert_eq!(id2["cognito:groups"], json!(["admins"]));
    assert_eq!(id2["custom:tier"], "gold");
    // a revoked refresh token is refused
    app.c.revoke_token().client_id(&app.client).token(res.refresh_token().unwrap()).send().await.unwrap();
    let (code, _) = err(app.c.initiate_auth().client_id(&app.client).auth_flow(AuthFlowType::RefreshTokenAuth).auth_parameters("REFRESH_TOKEN", res.refresh_token().unwrap()).send().await);
    assert_eq!(code, "NotAuthorizedException");
}

#[tokio::test]
async fn email_username_pool_signs_in_as_user_id_for_srp() {
    let env = TestEnv::start().await;
    let c = env.cognito_idp();
    let pool = c.create_user_pool().pool_name("mail").username_attributes(idp::types::UsernameAttributeType::Email).send().await.unwrap().user_pool.unwrap().id.unwrap();
    let app = App::new(c, pool, &[]).await;
    app.user("erin@example.com", &[]).await;
    let (srp, p) = app.challenge("erin@example.com").await;
    let user_id = p["USER_ID_FOR_SRP"].clone();
    assert!(is_uuid(&json!(user_id)), "{user_id}");
    assert_eq!(p["USERNAME"], user_id);
    // signing with the typed e-mail instead of USER_ID_FOR_SRP fails, as on AWS
    let ts = now_ts(0);
    let wrong_key = srp.session_key("erin@example.com", PW, &p["SALT"], &p["SRP_B"]);
    let bad = Answer { username: user_id.clone(), block: p["SECRET_BLOCK"].clone(), signature: srp.signature(&wrong_key, "erin@example.com", &p["SECRET_BLOCK"], &ts), timestamp: ts };
    assert_eq!(err(app.respond(&bad).await), (BAD_CREDS.0.into(), BAD_CREDS.1.into()));
    let res = app.sign_in("erin@example.com").await;
    let id = verify(&jwks(&env, &app.pool).await, res.id_token().unwrap(), &validation(&app.issuer(), Some(&app.client))).unwrap();
    assert_eq!((id["cognito:username"].as_str(), id["sub"].as_str(), id["email"].as_str()), (Some(user_id.as_str()), Some(user_id.as_str()), Some("erin@example.com")));
    assert!(id.get("cognito:groups").is_none(), "not in any group");
}

mod flows;
