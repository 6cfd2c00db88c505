//! Ops-level tests (no HTTP) of what a sign-in's tokens are bound to: the pool's two signing
//! keys (ID and access tokens under different `kid`s, both in the JWKS order the wire serves)
//! and the device (after ForgetDevice / AdminForgetDevice the refresh token of the sign-in the
//! device was given stops working, and only that one).

use amplocal_cognito::ops::{auth_flow, client, device, self_service, token, user, user_pool};
use amplocal_cognito::{CognitoError, CognitoService, Config};
use amplocal_core::{CoreCtx, CredentialMode, CredentialStore, ManualClock, RequestContext, SeededIds};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

const PASSWORD: &str = "Passw0rd!x";

struct Env {
    svc: CognitoService,
    ctx: RequestContext,
    pool: String,
    client: String,
    _dir: tempfile::TempDir,
}

async fn env(device_tracking: bool) -> Env {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000)));
    let core = CoreCtx::new(clock.clone(), Arc::new(SeededIds::new(5)), CredentialStore::new(CredentialMode::Lenient), dir.path().to_path_buf());
    let svc = CognitoService::new(core, Config::default()).unwrap();
    let ctx = RequestContext::new("req", "000000000000", "us-east-1", amplocal_core::Clock::now(clock.as_ref()));
    let mut pool_input = json!({"PoolName": "devices"});
    if device_tracking {
        pool_input["DeviceConfiguration"] = json!({"ChallengeRequiredOnNewDevice": false, "DeviceOnlyRememberedOnUserPrompt": false});
    }
    let pool = user_pool::create_user_pool(&svc, &ctx, pool_input).await.unwrap()["UserPool"]["Id"].as_str().unwrap().to_string();
    let flows = ["ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"];
    let client = client::create_user_pool_client(&svc, &ctx, json!({"UserPoolId": pool, "ClientName": "c", "ExplicitAuthFlows": flows})).await.unwrap()["UserPoolClient"]["ClientId"]
        .as_str()
        .unwrap()
        .to_string();
    user::admin_create_user(&svc, &ctx, json!({"UserPoolId": pool, "Username": "dana", "MessageAction": "SUPPRESS"})).await.unwrap();
    user::admin_set_user_password(&svc, &ctx, json!({"UserPoolId": pool, "Username": "dana", "Password": PASSWORD, "Permanent": true})).await.unwrap();
    Env { svc, ctx, pool, client, _dir: dir }
}

impl Env {
    async fn sign_in(&self) -> Value {
        let input = json!({"UserPoolId": self.pool, "ClientId": self.client, "AuthFlow": "ADMIN_USER_PASSWORD_AUTH", "AuthParameters": {"USERNAME": "dana", "PASSWORD": PASSWORD}});
        auth_flow::admin_initiate_auth(&self.svc, &self.ctx, input).await.unwrap()["AuthenticationResult"].clone()
    }

    async fn refresh(&self, refresh_token: &Value) -> Result<Value, CognitoError> {
        token::get_tokens_from_refresh_token(&self.svc, &self.ctx, json!({"ClientId": self.client, "RefreshToken": refresh_token})).await
    }
}

fn header(token: &Value) -> Value {
    let head = token.as_str().unwrap().split('.').next().unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(head).unwrap()).unwrap()
}

#[tokio::test]
async fn id_and_access_tokens_are_signed_with_the_pools_two_keys() {
    let e = env(false).await;
    let first = e.sign_in().await;
    let (id_kid, access_kid) = (header(&first["IdToken"])["kid"].clone(), header(&first["AccessToken"])["kid"].clone());
    assert_ne!(id_kid, access_kid);
    // Refreshed tokens keep the same two keys, and both verify in-process.
    let again = e.refresh(&first["RefreshToken"]).await.unwrap()["AuthenticationResult"].clone();
    assert_eq!(header(&again["IdToken"])["kid"], id_kid);
    assert_eq!(header(&again["AccessToken"])["kid"], access_kid);
    for t in [&again["IdToken"], &again["AccessToken"]] {
        assert!(e.svc.verify_token(t.as_str().unwrap()).await.is_ok());
    }
    // A token whose header names the other key of the same pool does not verify.
    let access = again["AccessToken"].as_str().unwrap();
    let (_, rest) = access.split_once('.').unwrap();
    let swapped = format!("{}.{rest}", URL_SAFE_NO_PAD.encode(json!({"kid": id_kid, "alg": "RS256"}).to_string()));
    assert!(e.svc.verify_token(&swapped).await.is_err());
}

#[tokio::test]
async fn forgetting_a_device_revokes_the_refresh_token_of_its_sign_in_only() {
    let e = env(true).await;
    let a = e.sign_in().await;
    let b = e.sign_in().await;
    let device_a = a["NewDeviceMetadata"]["DeviceKey"].as_str().unwrap().to_string();
    assert_ne!(Some(device_a.as_str()), b["NewDeviceMetadata"]["DeviceKey"].as_str());
    // Before: both refresh; the refreshed access token still names its device.
    let refreshed = e.refresh(&a["RefreshToken"]).await.unwrap()["AuthenticationResult"].clone();
    let payload = refreshed["AccessToken"].as_str().unwrap().split('.').nth(1).unwrap().to_string();
    let claims: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap();
    assert_eq!(claims["device_key"], device_a.as_str());

    // The user forgets device A with B's access token.
    self_service::get_user(&e.svc, &e.ctx, json!({"AccessToken": b["AccessToken"]})).await.unwrap();
    device::forget_device(&e.svc, &e.ctx, json!({"AccessToken": b["AccessToken"], "DeviceKey": device_a})).await.unwrap();
    match e.refresh(&a["RefreshToken"]).await {
        Err(CognitoError::NotAuthorizedException(m)) => assert_eq!(m, "Invalid Refresh Token"),
        other => panic!("refresh after ForgetDevice: {other:?}"),
    }
    // A's access token lives on until it expires; B's sign-in is untouched.
    assert!(e.svc.verify_token(a["AccessToken"].as_str().unwrap()).await.is_ok());
    assert!(e.refresh(&b["RefreshToken"]).await.is_ok());
    // Forgetting it again: the device is gone.
    let again = device::forget_device(&e.svc, &e.ctx, json!({"AccessToken": b["AccessToken"], "DeviceKey": device_a})).await;
    assert!(matches!(again, Err(CognitoError::ResourceNotFoundException(_))), "{again:?}");

    // AdminForgetDevice revokes the same way.
    let device_b = b["NewDeviceMetadata"]["DeviceKey"].as_str().unwrap();
    device::admin_forget_device(&e.svc, &e.ctx, json!({"UserPoolId": e.pool, "Username": "dana", "DeviceKey": device_b})).await.unwrap();
    assert!(matches!(e.refresh(&b["RefreshToken"]).await, Err(CognitoError::NotAuthorizedException(_))));
}
