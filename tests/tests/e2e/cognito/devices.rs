//! Remembered devices end to end with aws-sdk-cognitoidentityprovider
//! (<https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-device-tracking.html>):
//! `NewDeviceMetadata` on sign-in, ConfirmDevice with a device SRP verifier made here the way
//! Amplify makes one (amplify-js.md §2.3), List/Get/UpdateDeviceStatus/Forget and the Admin*
//! twins, then the device sign-in DEVICE_SRP_AUTH → DEVICE_PASSWORD_VERIFIER with a client
//! written here from the published math; a wrong device secret and a forgotten device fail.

use super::{attr, claims, err};
use amplocal_tests::TestEnv;
use aws_sdk_cognitoidentityprovider as idp;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hmac::{Hmac, Mac};
use idp::types::{AuthFlowType, ChallengeNameType, DeviceConfigurationType, DeviceRememberedStatusType, DeviceSecretVerifierConfigType, ExplicitAuthFlowsType};
use num_bigint::BigUint;
use rand::RngCore;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use time::OffsetDateTime;

const PW: &str = "Passw0rd!";
const N_HEX: &str = "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7EDEE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3BE39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA051015728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864D87602733EC86A64521F2B18177B200CBBE117577A615D6C770988C0BAD946E208E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF";

fn n() -> BigUint {
    BigUint::parse_bytes(N_HEX.as_bytes(), 16).expect("N is hex")
}

fn g() -> BigUint {
    BigUint::from(2u8)
}

fn pad(x: &BigUint) -> Vec<u8> {
    let mut b = x.to_bytes_be();
    if b[0] & 0x80 != 0 {
        b.insert(0, 0);
    }
    b
}

fn sha(parts: &[&[u8]]) -> BigUint {
    BigUint::from_bytes_be(&parts.iter().fold(Sha256::new(), |h, p| h.chain_update(p)).finalize())
}

fn hmac(key: &[u8], parts: &[&[u8]]) -> Vec<u8> {
    let mut m = Hmac::<Sha256>::new_from_slice(key).expect("any key length");
    for p in parts {
        m.update(p);
    }
    m.finalize().into_bytes().to_vec()
}

fn random_int(len: usize) -> BigUint {
    let mut b = vec![0u8; len];
    rand::thread_rng().fill_bytes(&mut b);
    BigUint::from_bytes_be(&b)
}

/// `x = H(PAD(salt) ‖ H(group ‖ id ‖ ":" ‖ secret))` of the device SRP.
fn x_of(group: &str, id: &str, secret: &str, salt: &BigUint) -> BigUint {
    let inner = Sha256::digest(format!("{group}{id}:{secret}").as_bytes());
    sha(&[&pad(salt), &inner])
}

/// What Amplify keeps for a remembered device and sends to ConfirmDevice.
struct DeviceSecret {
    key: String,
    group: String,
    password: String,
    salt: BigUint,
}

impl DeviceSecret {
    fn new(key: &str, group: &str) -> Self {
        let mut pw = [0u8; 40];
        rand::thread_rng().fill_bytes(&mut pw);
        Self { key: key.into(), group: group.into(), password: STANDARD.encode(pw), salt: random_int(16) }
    }

    fn verifier_config(&self) -> DeviceSecretVerifierConfigType {
        let v = g().modpow(&x_of(&self.group, &self.key, &self.password, &self.salt), &n());
        DeviceSecretVerifierConfigType::builder().salt(STANDARD.encode(pad(&self.salt))).password_verifier(STANDARD.encode(pad(&v))).build()
    }

    /// DEVICE_PASSWORD_VERIFIER responses for the server's SRP_B / SALT / SECRET_BLOCK.
    fn answer(&self, a: &BigUint, params: &HashMap<String, String>, password: &str) -> HashMap<String, String> {
        let n = n();
        let big_a = g().modpow(a, &n);
        let b = BigUint::parse_bytes(params["SRP_B"].as_bytes(), 16).expect("SRP_B hex");
        let salt = BigUint::parse_bytes(params["SALT"].as_bytes(), 16).expect("SALT hex");
        let u = sha(&[&pad(&big_a), &pad(&b)]);
        let k = sha(&[&pad(&n), &pad(&g())]);
        let x = x_of(&self.group, &self.key, password, &salt);
        let base = (&b + &n - (k * g().modpow(&x, &n)) % &n) % &n;
        let s = base.modpow(&(a + &u * &x), &n);
        let key = &hmac(&hmac(&pad(&u), &[&pad(&s)]), &[b"Caldera Derived Key", &[1]])[..16];
        let ts = timestamp(OffsetDateTime::now_utc());
        let block = STANDARD.decode(&params["SECRET_BLOCK"]).expect("base64 block");
        let sig = STANDARD.encode(hmac(key, &[self.group.as_bytes(), self.key.as_bytes(), &block, ts.as_bytes()]));
        HashMap::from([
            ("USERNAME".to_string(), params["USERNAME"].clone()),
            ("DEVICE_KEY".to_string(), self.key.clone()),
            ("PASSWORD_CLAIM_SECRET_BLOCK".to_string(), params["SECRET_BLOCK"].clone()),
            ("PASSWORD_CLAIM_SIGNATURE".to_string(), sig),
            ("TIMESTAMP".to_string(), ts),
        ])
    }
}

fn timestamp(t: OffsetDateTime) -> String {
    const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let (wd, mo) = (DAYS[t.weekday().number_days_from_monday() as usize], MONTHS[t.month() as usize - 1]);
    format!("{wd} {mo} {} {:02}:{:02}:{:02} UTC {}", t.day(), t.hour(), t.minute(), t.second(), t.year())
}

struct App {
    c: idp::Client,
    pool: String,
    client: String,
}

impl App {
    async fn new(c: idp::Client, device_config: Option<(bool, bool)>) -> Self {
        let mut b = c.create_user_pool().pool_name("devices");
        if let Some((challenge, prompt)) = device_config {
            b = b.device_configuration(DeviceConfigurationType::builder().challenge_required_on_new_device(challenge).device_only_remembered_on_user_prompt(prompt).build());
        }
        let pool = b.send().await.unwrap().user_pool.unwrap().id.unwrap();
        let client = c
            .create_user_pool_client()
            .user_pool_id(&pool)
            .client_name("web")
            .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserPasswordAuth)
            .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserSrpAuth)
            .explicit_auth_flows(ExplicitAuthFlowsType::AllowRefreshTokenAuth)
            .send()
            .await
            .unwrap()
            .user_pool_client
            .unwrap()
            .client_id
            .unwrap();
        c.admin_create_user().user_pool_id(&pool).username("dora").user_attributes(attr("email", "dora@example.com")).message_action(idp::types::MessageActionType::Suppress).send().await.unwrap();
        c.admin_set_user_password().user_pool_id(&pool).username("dora").password(PW).permanent(true).send().await.unwrap();
        Self { c, pool, client }
    }

    async fn password_auth(&self, device: Option<&str>) -> Result<idp::operation::initiate_auth::InitiateAuthOutput, idp::error::SdkError<idp::operation::initiate_auth::InitiateAuthError>> {
        let mut b = self.c.initiate_auth().client_id(&self.client).auth_flow(AuthFlowType::UserPasswordAuth).auth_parameters("USERNAME", "dora").auth_parameters("PASSWORD", PW);
        if let Some(d) = device {
            b = b.auth_parameters("DEVICE_KEY", d);
        }
        b.send().await
    }

    /// Sign in with the remembered device: DEVICE_SRP_AUTH then DEVICE_PASSWORD_VERIFIER with `secret`.
    async fn device_sign_in(&self, dev: &DeviceSecret, secret: &str) -> Result<idp::types::AuthenticationResultType, (String, String)> {
        let first = self.password_auth(Some(&dev.key)).await.map_err(|e| err::<(), _>(Err(e)))?;
        assert_eq!(first.challenge_name, Some(ChallengeNameType::DeviceSrpAuth));
        assert!(first.authentication_result.is_none());
        let a = random_int(128);
        let srp = self
            .c
            .respond_to_auth_challenge()
            .client_id(&self.client)
            .challenge_name(ChallengeNameType::DeviceSrpAuth)
            .session(first.session.expect("DEVICE_SRP_AUTH carries a Session"))
            .challenge_responses("USERNAME", "dora")
            .challenge_responses("DEVICE_KEY", &dev.key)
            .challenge_responses("SRP_A", g().modpow(&a, &n()).to_str_radix(16))
            .send()
            .await
            .map_err(|e| err::<(), _>(Err(e)))?;
        assert_eq!(srp.challenge_name, Some(ChallengeNameType::DevicePasswordVerifier));
        let params = srp.challenge_parameters.clone().unwrap_or_default();
        assert_eq!(params.get("DEVICE_KEY"), Some(&dev.key));
        let mut b = self.c.respond_to_auth_challenge().client_id(&self.client).challenge_name(ChallengeNameType::DevicePasswordVerifier).set_session(srp.session);
        for (k, v) in dev.answer(&a, &params, secret) {
            b = b.challenge_responses(k, v);
        }
        let done = b.send().await.map_err(|e| err::<(), _>(Err(e)))?;
        Ok(done.authentication_result.expect("tokens after the device verifier"))
    }
}

#[tokio::test]
async fn remembered_device_signs_in_with_device_srp() {
    let env = TestEnv::start().await;
    let app = App::new(env.cognito_idp(), Some((false, false))).await;
    let first = app.password_auth(None).await.unwrap().authentication_result.unwrap();
    let meta = first.new_device_metadata.clone().expect("pool tracks devices: NewDeviceMetadata");
    let (key, group) = (meta.device_key.unwrap(), meta.device_group_key.unwrap());
    assert!(key.starts_with("us-east-1_"), "{key}");
    let access = first.access_token.unwrap();
    assert_eq!(claims(&access)["device_key"], key.as_str());
    // Not listed until confirmed.
    assert!(app.c.list_devices().access_token(&access).send().await.unwrap().devices().is_empty());
    let (code, msg) = err(app.c.get_device().access_token(&access).device_key(&key).send().await);
    assert_eq!((code.as_str(), msg.as_str()), ("ResourceNotFoundException", "Device does not exist."));

    let dev = DeviceSecret::new(&key, &group);
    let confirmed = app.c.confirm_device().access_token(&access).device_key(&key).device_name("laptop").device_secret_verifier_config(dev.verifier_config()).send().await.unwrap();
    assert!(!confirmed.user_confirmation_necessary);
    let listed = app.c.list_devices().access_token(&access).send().await.unwrap();
    assert_eq!(listed.devices().len(), 1);
    let d = &listed.devices()[0];
    assert_eq!(d.device_key(), Some(key.as_str()));
    let attrs: HashMap<&str, &str> = d.device_attributes().iter().map(|a| (a.name(), a.value().unwrap_or_default())).collect();
    assert_eq!(attrs.get("device_name"), Some(&"laptop"));
    assert_eq!(attrs.get("dev:device_remembered_status"), Some(&"remembered"));
    assert!(d.device_create_date().is_some());

    // The device sign-in: no new device, the access token names the remembered one.
    let tokens = app.device_sign_in(&dev, &dev.password).await.expect("device SRP succeeds");
    assert!(tokens.new_device_metadata.is_none());
    assert_eq!(claims(tokens.access_token().unwrap())["device_key"], key.as_str());

    // A wrong device secret is a wrong password.
    let (code, msg) = app.device_sign_in(&dev, "not-the-device-secret").await.expect_err("wrong device secret");
    assert_eq!((code.as_str(), msg.as_str()), ("NotAuthorizedException", "Incorrect username or password."));

    let admin = app.c.admin_get_device().user_pool_id(&app.pool).username("dora").device_key(&key).send().await.unwrap();
    assert_eq!(admin.device.unwrap().device_key(), Some(key.as_str()));
    assert_eq!(app.c.admin_list_devices().user_pool_id(&app.pool).username("dora").send().await.unwrap().devices().len(), 1);
    env.stop().await;
}

#[tokio::test]
async fn device_status_forget_and_error_paths() {
    let env = TestEnv::start().await;
    let app = App::new(env.cognito_idp(), Some((false, true))).await;
    let first = app.password_auth(None).await.unwrap().authentication_result.unwrap();
    let meta = first.new_device_metadata.unwrap();
    let (key, group) = (meta.device_key.unwrap(), meta.device_group_key.unwrap());
    let access = first.access_token.unwrap();
    let dev = DeviceSecret::new(&key, &group);

    let (code, msg) = err(app.c.confirm_device().access_token(&access).device_key("us-east-1_00000000-0000-4000-8000-000000000000").device_secret_verifier_config(dev.verifier_config()).send().await);
    assert_eq!((code.as_str(), msg.as_str()), ("ResourceNotFoundException", "Device does not exist."));
    // Opt-in pool: the user must be asked, and the device starts not remembered.
    let confirmed = app.c.confirm_device().access_token(&access).device_key(&key).device_secret_verifier_config(dev.verifier_config()).send().await.unwrap();
    assert!(confirmed.user_confirmation_necessary);
    let status = |d: &idp::types::DeviceType| d.device_attributes().iter().find(|a| a.name() == "dev:device_remembered_status").and_then(|a| a.value().map(str::to_string));
    let got = app.c.get_device().access_token(&access).device_key(&key).send().await.unwrap().device.unwrap();
    assert_eq!(status(&got).as_deref(), Some("not_remembered"));
    app.c.update_device_status().access_token(&access).device_key(&key).device_remembered_status(DeviceRememberedStatusType::Remembered).send().await.unwrap();
    let got = app.c.get_device().access_token(&access).device_key(&key).send().await.unwrap().device.unwrap();
    assert_eq!(status(&got).as_deref(), Some("remembered"));
    app.c.admin_update_device_status().user_pool_id(&app.pool).username("dora").device_key(&key).device_remembered_status(DeviceRememberedStatusType::NotRemembered).send().await.unwrap();
    let got = app.c.admin_get_device().user_pool_id(&app.pool).username("dora").device_key(&key).send().await.unwrap().device.unwrap();
    assert_eq!(status(&got).as_deref(), Some("not_remembered"));
    let (code, _) = err(app.c.list_devices().access_token(&access).limit(61).send().await);
    assert_eq!(code, "InvalidParameterException");
    let (code, _) = err(app.c.list_devices().access_token("not-a-token").send().await);
    assert_eq!(code, "NotAuthorizedException");

    // A second sign-in without the key is a second device; both list, paged one at a time.
    let second = app.password_auth(None).await.unwrap().authentication_result.unwrap();
    let meta2 = second.new_device_metadata.clone().unwrap();
    let key2 = meta2.device_key.unwrap();
    assert_ne!(key2, key);
    let dev2 = DeviceSecret::new(&key2, meta2.device_group_key.as_deref().unwrap());
    app.c.confirm_device().access_token(second.access_token().unwrap()).device_key(&key2).device_secret_verifier_config(dev2.verifier_config()).send().await.unwrap();
    let page = app.c.list_devices().access_token(&access).limit(1).send().await.unwrap();
    assert_eq!(page.devices().len(), 1);
    let token = page.pagination_token.clone().expect("a second page");
    let page2 = app.c.list_devices().access_token(&access).limit(1).pagination_token(token).send().await.unwrap();
    assert_eq!(page2.devices().len(), 1);
    assert_ne!(page.devices()[0].device_key(), page2.devices()[0].device_key());
    assert!(page2.pagination_token.is_none());

    // Forget: gone for Get, Forget again, and for a sign-in naming it.
    app.c.forget_device().access_token(&access).device_key(&key).send().await.unwrap();
    let (code, msg) = err(app.c.get_device().access_token(&access).device_key(&key).send().await);
    assert_eq!((code.as_str(), msg.as_str()), ("ResourceNotFoundException", "Device does not exist."));
    let (code, msg) = err(app.c.forget_device().access_token(&access).device_key(&key).send().await);
    assert_eq!((code.as_str(), msg.as_str()), ("ResourceNotFoundException", "Device does not exist."));
    let (code, msg) = err(app.password_auth(Some(&key)).await);
    assert_eq!((code.as_str(), msg.as_str()), ("ResourceNotFoundException", "Device does not exist."));
    app.c.admin_forget_device().user_pool_id(&app.pool).username("dora").device_key(&key2).send().await.unwrap();
    assert!(app.c.admin_list_devices().user_pool_id(&app.pool).username("dora").send().await.unwrap().devices().is_empty());
    let (code, _) = err(app.c.admin_list_devices().user_pool_id(&app.pool).username("nobody").send().await);
    assert_eq!(code, "UserNotFoundException");
    env.stop().await;
}

#[tokio::test]
async fn pools_without_device_tracking_issue_no_device() {
    let env = TestEnv::start().await;
    let app = App::new(env.cognito_idp(), None).await;
    let r = app.password_auth(None).await.unwrap().authentication_result.unwrap();
    assert!(r.new_device_metadata.is_none());
    assert!(claims(r.access_token().unwrap()).get("device_key").is_none());
    assert!(app.c.list_devices().access_token(r.access_token().unwrap()).send().await.unwrap().devices().is_empty());
    env.stop().await;
}
