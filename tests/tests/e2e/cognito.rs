//! End-to-end tests of cognito (user pools, identity pools) with aws-sdk-rust: good and bad
//! paths, tokens decoded and checked against AWS's claim set. The full SRP sign-in with an
//! independent client implementation and RS256 signature checks against the served JWKS are
//! in tests/python/test_cognito.py (Python has big integers built in) and in
//! tests/js/cognito.test.mjs (Amplify JS v6, aws-jwt-verify).

use amplocal_core::ManualClock;
use amplocal_tests::TestEnv;
use aws_sdk_cognitoidentityprovider as idp;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use idp::error::ProvideErrorMetadata;
use idp::types::{AttributeType, AuthFlowType, ChallengeNameType, ExplicitAuthFlowsType, UserStatusType};
use serde_json::Value;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

/// (code, message) of a failed SDK call.
fn err<T: std::fmt::Debug, E: ProvideErrorMetadata + std::fmt::Debug>(r: Result<T, E>) -> (String, String) {
    let e = r.expect_err("expected an error");
    (e.code().unwrap_or_default().to_string(), e.message().unwrap_or_default().to_string())
}

fn claims(token: &str) -> Value {
    let payload = token.split('.').nth(1).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

fn attr(name: &str, value: &str) -> AttributeType {
    AttributeType::builder().name(name).value(value).build().unwrap()
}

async fn pool_and_client(c: &idp::Client, flows: &[ExplicitAuthFlowsType]) -> (String, String) {
    let pool = c.create_user_pool().pool_name("p").send().await.unwrap().user_pool.unwrap().id.unwrap();
    let mut b = c.create_user_pool_client().user_pool_id(&pool).client_name("web");
    for f in flows {
        b = b.explicit_auth_flows(f.clone());
    }
    let client = b.send().await.unwrap().user_pool_client.unwrap().client_id.unwrap();
    (pool, client)
}

const PW: &str = "Passw0rd!";

#[tokio::test]
async fn user_pool_and_client_crud() {
    let env = TestEnv::start().await;
    let c = env.cognito_idp();
    let created = c.create_user_pool().pool_name("main").send().await.unwrap().user_pool.unwrap();
    let id = created.id.clone().unwrap();
    let (region, rest) = id.split_once('_').unwrap();
    assert_eq!(region, "us-east-1");
    assert_eq!(rest.len(), 9);
    assert_eq!(created.policies.unwrap().password_policy.unwrap().minimum_length, Some(8));
    let d = c.describe_user_pool().user_pool_id(&id).send().await.unwrap().user_pool.unwrap();
    assert_eq!(d.name.as_deref(), Some("main"));
    assert!(d.arn.unwrap().ends_with(&format!("userpool/{id}")));
    let list = c.list_user_pools().max_results(10).send().await.unwrap();
    assert_eq!(list.user_pools().len(), 1);
    c.update_user_pool().user_pool_id(&id).mfa_configuration(idp::types::UserPoolMfaType::Optional).send().await.unwrap();
    let d = c.describe_user_pool().user_pool_id(&id).send().await.unwrap().user_pool.unwrap();
    assert_eq!(d.mfa_configuration, Some(idp::types::UserPoolMfaType::Optional));
    let (code, _) = err(c.describe_user_pool().user_pool_id("us-east-1_nope12345").send().await);
    assert_eq!(code, "ResourceNotFoundException");
    let (code, _) = err(c.list_user_pools().max_results(61).send().await);
    assert_eq!(code, "InvalidParameterException");

    let cl = c.create_user_pool_client().user_pool_id(&id).client_name("srv").generate_secret(true).send().await.unwrap().user_pool_client.unwrap();
    let cid = cl.client_id.clone().unwrap();
    assert_eq!(cid.len(), 26);
    assert!(cid.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()));
    assert!(cl.client_secret.is_some());
    let flows: Vec<String> = cl.explicit_auth_flows.clone().unwrap_or_default().iter().map(|f| f.as_str().to_string()).collect();
    assert!(flows.contains(&"ALLOW_USER_SRP_AUTH".to_string()) && !flows.contains(&"ALLOW_USER_PASSWORD_AUTH".to_string()));
    let d = c.describe_user_pool_client().user_pool_id(&id).client_id(&cid).send().await.unwrap();
    assert_eq!(d.user_pool_client.unwrap().client_name.as_deref(), Some("srv"));
    assert_eq!(c.list_user_pool_clients().user_pool_id(&id).send().await.unwrap().user_pool_clients().len(), 1);
    c.delete_user_pool_client().user_pool_id(&id).client_id(&cid).send().await.unwrap();
    let (code, _) = err(c.describe_user_pool_client().user_pool_id(&id).client_id(&cid).send().await);
    assert_eq!(code, "ResourceNotFoundException");
    c.delete_user_pool().user_pool_id(&id).send().await.unwrap();
    let (code, _) = err(c.describe_user_pool().user_pool_id(&id).send().await);
    assert_eq!(code, "ResourceNotFoundException");
}

#[tokio::test]
async fn sign_up_confirm_sign_in_refresh_sign_out() {
    let env = TestEnv::start().await;
    let c = env.cognito_idp();
    let (pool, client) = pool_and_client(&c, &[ExplicitAuthFlowsType::AllowUserPasswordAuth, ExplicitAuthFlowsType::AllowRefreshTokenAuth]).await;

    let (code, msg) = err(c.sign_up().client_id(&client).username("alice").password("short").send().await);
    assert_eq!((code.as_str(), msg.as_str()), ("InvalidPasswordException", "Password did not conform with policy: Password not long enough"));
    let (code, msg) = err(c.sign_up().client_id(&client).username("alice").password("passw0rd!").send().await);
    assert_eq!((code.as_str(), msg.as_str()), ("InvalidPasswordException", "Password did not conform with policy: Password must have uppercase characters"));
    let up = c.sign_up().client_id(&client).username("alice").password(PW).user_attributes(attr("email", "alice@example.com")).send().await.unwrap();
    assert!(!up.user_confirmed);
    assert_eq!(up.code_delivery_details.unwrap().destination.as_deref(), Some("a***@e***"));
    let (code, _) = err(c.sign_up().client_id(&client).username("alice").password(PW).send().await);
    assert_eq!(code, "UsernameExistsException");
    let (code, _) = err(c.sign_up().client_id("nosuchclient").username("bob").password(PW).send().await);
    assert_eq!(code, "ResourceNotFoundException");

    let signin = || c.initiate_auth().client_id(&client).auth_flow(AuthFlowType::UserPasswordAuth).auth_parameters("USERNAME", "alice").auth_parameters("PASSWORD", PW);
    let (code, _) = err(signin().send().await);
    assert_eq!(code, "UserNotConfirmedException");
    let (code, _) = err(c.confirm_sign_up().client_id(&client).username("alice").confirmation_code("000000x").send().await);
    assert_eq!(code, "CodeMismatchException");
    let code_value = env.state.cognito.last_code(&pool, "alice", "signup").await.unwrap().unwrap();
    assert_eq!(code_value.len(), 6);
    // the inbox is also served over HTTP
    let inbox: Value = env.http().get(format!("{}/_amplocal/cognito/codes?pool={pool}&username=alice", env.endpoint)).send().await.unwrap().json().await.unwrap();
    assert_eq!(inbox["codes"][0]["code"], code_value.as_str());
    assert_eq!(inbox["codes"][0]["purpose"], "signup");
    let missing = env.http().get(format!("{}/_amplocal/cognito/codes", env.endpoint)).send().await.unwrap();
    assert_eq!(missing.status(), 400);
    c.confirm_sign_up().client_id(&client).username("alice").confirmation_code(&code_value).send().await.unwrap();
    let (code, _) = err(c.confirm_sign_up().client_id(&client).username("alice").confirmation_code(&code_value).send().await);
    assert_eq!(code, "NotAuthorizedException");

    let (code, msg) = err(c.initiate_auth().client_id(&client).auth_flow(AuthFlowType::UserPasswordAuth).auth_parameters("USERNAME", "alice").auth_parameters("PASSWORD", "Wrong-pass1").send().await);
    assert_eq!((code.as_str(), msg.as_str()), ("NotAuthorizedException", "Incorrect username or password."));
    let (code, _) = err(c.initiate_auth().client_id(&client).auth_flow(AuthFlowType::UserPasswordAuth).auth_parameters("USERNAME", "nobody").auth_parameters("PASSWORD", PW).send().await);
    assert_eq!(code, "UserNotFoundException");

    let res = signin().send().await.unwrap().authentication_result.unwrap();
    assert_eq!(res.expires_in, 3600);
    assert_eq!(res.token_type.as_deref(), Some("Bearer"));
    let id = claims(res.id_token().unwrap());
    let access = claims(res.access_token().unwrap());
    assert_eq!(id["iss"], format!("https://cognito-idp.us-east-1.amazonaws.com/{pool}"));
    assert_eq!(id["aud"], client.as_str());
    assert_eq!(id["token_use"], "id");
    assert_eq!(id["cognito:username"], "alice");
    assert_eq!(id["email"], "alice@example.com");
    assert_eq!(id["email_verified"], true);
    assert_eq!(access["client_id"], client.as_str());
    assert_eq!(access["token_use"], "access");
    assert_eq!(access["scope"], "aws.cognito.signin.user.admin");
    assert_eq!(access["username"], "alice");
    assert!(access.get("aud").is_none());
    assert_eq!(access["origin_jti"], id["origin_jti"]);
    assert_eq!(id["exp"].as_i64().unwrap() - id["iat"].as_i64().unwrap(), 3600);
    assert_eq!(access["sub"], id["sub"]);

    let jwks: Value = env.http().get(format!("{}/{pool}/.well-known/jwks.json", env.endpoint)).send().await.unwrap().json().await.unwrap();
    let header: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(res.id_token().unwrap().split('.').next().unwrap()).unwrap()).unwrap();
    assert_eq!(header["alg"], "RS256");
    assert_eq!(jwks["keys"][0]["kid"], header["kid"]);
    let oidc: Value = env.http().get(format!("{}/{pool}/.well-known/openid-configuration", env.endpoint)).send().await.unwrap().json().await.unwrap();
    assert_eq!(oidc["issuer"], id["iss"]);

    let access_token = res.access_token().unwrap().to_string();
    let got = c.get_user().access_token(&access_token).send().await.unwrap();
    assert_eq!(got.username, "alice");
    assert!(got.user_attributes().iter().any(|a| a.name == "sub" && a.value.as_deref() == id["sub"].as_str()));
    let (code, _) = err(c.get_user().access_token(res.id_token().unwrap()).send().await);
    assert_eq!(code, "NotAuthorizedException");
    let mut tampered = access_token.clone();
    tampered.pop();
    tampered.push(if access_token.ends_with('A') { 'B' } else { 'A' });
    let (code, _) = err(c.get_user().access_token(&tampered).send().await);
    assert_eq!(code, "NotAuthorizedException");

    let refresh = res.refresh_token().unwrap().to_string();
    assert_eq!(refresh.split('.').count(), 5);
    let r1 = c.initiate_auth().client_id(&client).auth_flow(AuthFlowType::RefreshTokenAuth).auth_parameters("REFRESH_TOKEN", &refresh).send().await.unwrap().authentication_result.unwrap();
    assert!(r1.refresh_token.is_none());
    assert_eq!(claims(r1.access_token().unwrap())["origin_jti"], access["origin_jti"]);
    let r2 = c.get_tokens_from_refresh_token().client_id(&client).refresh_token(&refresh).send().await.unwrap().authentication_result.unwrap();
    assert_eq!(claims(r2.id_token().unwrap())["auth_time"], id["auth_time"]);
    let (code, _) = err(c.get_tokens_from_refresh_token().client_id(&client).refresh_token("not-a-token").send().await);
    assert_eq!(code, "NotAuthorizedException");

    c.global_sign_out().access_token(&access_token).send().await.unwrap();
    let (code, msg) = err(c.get_user().access_token(r2.access_token().unwrap()).send().await);
    assert_eq!((code.as_str(), msg.as_str()), ("NotAuthorizedException", "Access Token has been revoked"));
    let (code, _) = err(c.get_tokens_from_refresh_token().client_id(&client).refresh_token(&refresh).send().await);
    assert_eq!(code, "NotAuthorizedException");

    // a second sign-in works; RevokeToken kills only that one
    let res = signin().send().await.unwrap().authentication_result.unwrap();
    c.revoke_token().client_id(&client).token(res.refresh_token().unwrap()).send().await.unwrap();
    let (code, _) = err(c.get_user().access_token(res.access_token().unwrap()).send().await);
    assert_eq!(code, "NotAuthorizedException");
    let (code, _) = err(c.revoke_token().client_id(&client).token(res.access_token().unwrap()).send().await);
    assert_eq!(code, "UnsupportedTokenTypeException");
}

#[tokio::test]
async fn flow_not_enabled_and_srp_challenge_shape() {
    let env = TestEnv::start().await;
    let c = env.cognito_idp();
    let (pool, client) = pool_and_client(&c, &[]).await;
    c.admin_create_user().user_pool_id(&pool).username("carol").temporary_password(PW).message_action(idp::types::MessageActionType::Suppress).send().await.unwrap();
    c.admin_set_user_password().user_pool_id(&pool).username("carol").password(PW).permanent(true).send().await.unwrap();
    let (code, msg) = err(c.initiate_auth().client_id(&client).auth_flow(AuthFlowType::UserPasswordAuth).auth_parameters("USERNAME", "carol").auth_parameters("PASSWORD", PW).send().await);
    assert_eq!((code.as_str(), msg.as_str()), ("InvalidParameterException", "USER_PASSWORD_AUTH flow not enabled for this client"));
    let a = "6b0d823348c0c17b43029719a92828b051457a2908968b2afd5656d6fc5027425f";
    let out = c.initiate_auth().client_id(&client).auth_flow(AuthFlowType::UserSrpAuth).auth_parameters("USERNAME", "carol").auth_parameters("SRP_A", a).send().await.unwrap();
    assert_eq!(out.challenge_name, Some(ChallengeNameType::PasswordVerifier));
    assert!(out.session.is_none());
    let p = out.challenge_parameters.unwrap();
    for k in ["SALT", "SRP_B", "SECRET_BLOCK", "USERNAME", "USER_ID_FOR_SRP"] {
        assert!(p.contains_key(k), "{k}");
    }
    assert_eq!(p["USER_ID_FOR_SRP"], "carol");
    // A ≡ 0 mod N is refused
    let n = "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7EDEE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3BE39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA051015728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864D87602733EC86A64521F2B18177B200CBBE117577A615D6C770988C0BAD946E208E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF";
    for bad in ["0", n, "xyz"] {
        let (code, _) = err(c.initiate_auth().client_id(&client).auth_flow(AuthFlowType::UserSrpAuth).auth_parameters("USERNAME", "carol").auth_parameters("SRP_A", bad).send().await);
        assert_eq!(code, "InvalidParameterException", "{bad}");
    }
    // a forged PASSWORD_VERIFIER answer is refused
    let (code, msg) = err(c
        .respond_to_auth_challenge()
        .client_id(&client)
        .challenge_name(ChallengeNameType::PasswordVerifier)
        .challenge_responses("USERNAME", "carol")
        .challenge_responses("PASSWORD_CLAIM_SECRET_BLOCK", p["SECRET_BLOCK"].clone())
        .challenge_responses("PASSWORD_CLAIM_SIGNATURE", "5C12mhsDavNTqN4JLKnoeKSduW0Ke4wbcK85CQLCmSo=")
        .challenge_responses("TIMESTAMP", "Tue Sep 25 00:09:40 UTC 2018")
        .send()
        .await);
    assert_eq!((code.as_str(), msg.as_str()), ("NotAuthorizedException", "Incorrect username or password."));
    let out = c.initiate_auth().client_id(&client).auth_flow(AuthFlowType::UserSrpAuth).auth_parameters("USERNAME", "carol").auth_parameters("SRP_A", a).send().await.unwrap();
    let block = out.challenge_parameters.unwrap()["SECRET_BLOCK"].clone();
    let (code, msg) = err(c
        .respond_to_auth_challenge()
        .client_id(&client)
        .challenge_name(ChallengeNameType::PasswordVerifier)
        .challenge_responses("USERNAME", "carol")
        .challenge_responses("PASSWORD_CLAIM_SECRET_BLOCK", block)
        .challenge_responses("PASSWORD_CLAIM_SIGNATURE", "AAAA")
        .challenge_responses("TIMESTAMP", "yesterday")
        .send()
        .await);
    assert_eq!((code.as_str(), msg.as_str()), ("InvalidParameterException", "TIMESTAMP format should be EEE MMM d HH:mm:ss z yyyy in english."));
}

#[tokio::test]
async fn admin_flows_groups_and_list_users() {
    let env = TestEnv::start().await;
    let c = env.cognito_idp();
    let (pool, client) = pool_and_client(&c, &[ExplicitAuthFlowsType::AllowAdminUserPasswordAuth, ExplicitAuthFlowsType::AllowRefreshTokenAuth]).await;
    let (code, _) = err(c.admin_create_user().user_pool_id(&pool).username("dave").temporary_password("weak").send().await);
    assert_eq!(code, "InvalidPasswordException");
    let u = c.admin_create_user().user_pool_id(&pool).username("dave").temporary_password("Temp0rary!").user_attributes(attr("email", "dave@example.com")).send().await.unwrap().user.unwrap();
    assert_eq!(u.user_status, Some(UserStatusType::ForceChangePassword));
    let (code, _) = err(c.admin_create_user().user_pool_id(&pool).username("dave").temporary_password("Temp0rary!").send().await);
    assert_eq!(code, "UsernameExistsException");
    let temp = env.state.cognito.last_code(&pool, "dave", "temporary_password").await.unwrap();
    assert_eq!(temp.as_deref(), Some("Temp0rary!"));

    let auth = |pw: &str| c.admin_initiate_auth().user_pool_id(&pool).client_id(&client).auth_flow(AuthFlowType::AdminUserPasswordAuth).auth_parameters("USERNAME", "dave").auth_parameters("PASSWORD", pw);
    let ch = auth("Temp0rary!").send().await.unwrap();
    assert_eq!(ch.challenge_name, Some(ChallengeNameType::NewPasswordRequired));
    let session = ch.session.unwrap();
    let (code, _) = err(c.admin_respond_to_auth_challenge().user_pool_id(&pool).client_id(&client).challenge_name(ChallengeNameType::NewPasswordRequired).session(&session).challenge_responses("USERNAME", "dave").challenge_responses("NEW_PASSWORD", "weak").send().await);
    assert_eq!(code, "InvalidPasswordException");
    // sessions are single use
    let (code, _) = err(c.admin_respond_to_auth_challenge().user_pool_id(&pool).client_id(&client).challenge_name(ChallengeNameType::NewPasswordRequired).session(&session).challenge_responses("USERNAME", "dave").challenge_responses("NEW_PASSWORD", PW).send().await);
    assert_eq!(code, "NotAuthorizedException");
    let session = auth("Temp0rary!").send().await.unwrap().session.unwrap();
    let done = c
        .admin_respond_to_auth_challenge()
        .user_pool_id(&pool)
        .client_id(&client)
        .challenge_name(ChallengeNameType::NewPasswordRequired)
        .session(&session)
        .challenge_responses("USERNAME", "dave")
        .challenge_responses("NEW_PASSWORD", PW)
        .challenge_responses("userAttributes.name", "Dave")
        .send()
        .await
        .unwrap();
    assert!(done.authentication_result.unwrap().id_token.is_some());
    let got = c.admin_get_user().user_pool_id(&pool).username("dave").send().await.unwrap();
    assert_eq!(got.user_status, Some(UserStatusType::Confirmed));
    assert!(got.user_attributes().iter().any(|a| a.name == "name" && a.value.as_deref() == Some("Dave")));

    c.create_group().user_pool_id(&pool).group_name("admins").send().await.unwrap();
    let (code, _) = err(c.create_group().user_pool_id(&pool).group_name("admins").send().await);
    assert_eq!(code, "GroupExistsException");
    c.admin_add_user_to_group().user_pool_id(&pool).username("dave").group_name("admins").send().await.unwrap();
    let (code, _) = err(c.admin_add_user_to_group().user_pool_id(&pool).username("dave").group_name("nope").send().await);
    assert_eq!(code, "ResourceNotFoundException");
    let groups = c.admin_list_groups_for_user().user_pool_id(&pool).username("dave").send().await.unwrap();
    assert_eq!(groups.groups()[0].group_name.as_deref(), Some("admins"));
    assert_eq!(c.list_users_in_group().user_pool_id(&pool).group_name("admins").send().await.unwrap().users().len(), 1);
    let tokens = auth(PW).send().await.unwrap().authentication_result.unwrap();
    assert_eq!(claims(tokens.id_token().unwrap())["cognito:groups"], serde_json::json!(["admins"]));
    assert_eq!(claims(tokens.access_token().unwrap())["cognito:groups"], serde_json::json!(["admins"]));

    for name in ["erin", "eve", "frank"] {
        c.admin_create_user().user_pool_id(&pool).username(name).temporary_password("Temp0rary!").user_attributes(attr("email", &format!("{name}@x.org"))).send().await.unwrap();
    }
    let l = c.list_users().user_pool_id(&pool).filter("username ^= \"e\"").send().await.unwrap();
    let names: Vec<&str> = l.users().iter().filter_map(|u| u.username.as_deref()).collect();
    assert_eq!(names, vec!["erin", "eve"]);
    let l = c.list_users().user_pool_id(&pool).filter("email = \"frank@x.org\"").send().await.unwrap();
    assert_eq!(l.users().len(), 1);
    let l = c.list_users().user_pool_id(&pool).filter("cognito:user_status = \"force_change_password\"").send().await.unwrap();
    assert_eq!(l.users().len(), 3);
    let page = c.list_users().user_pool_id(&pool).limit(2).send().await.unwrap();
    assert_eq!(page.users().len(), 2);
    let next = c.list_users().user_pool_id(&pool).limit(2).pagination_token(page.pagination_token.unwrap()).send().await.unwrap();
    assert_eq!(next.users().len(), 2);
    assert!(next.pagination_token.is_none());
    let (code, _) = err(c.list_users().user_pool_id(&pool).filter("custom:x = \"1\"").send().await);
    assert_eq!(code, "InvalidParameterException");

    c.admin_disable_user().user_pool_id(&pool).username("dave").send().await.unwrap();
    let (code, msg) = err(auth(PW).send().await);
    assert_eq!((code.as_str(), msg.as_str()), ("NotAuthorizedException", "User is disabled."));
    c.admin_enable_user().user_pool_id(&pool).username("dave").send().await.unwrap();
    c.admin_reset_user_password().user_pool_id(&pool).username("dave").send().await.unwrap();
    let (code, _) = err(auth(PW).send().await);
    assert_eq!(code, "PasswordResetRequiredException");
    c.admin_delete_user().user_pool_id(&pool).username("dave").send().await.unwrap();
    let (code, _) = err(c.admin_get_user().user_pool_id(&pool).username("dave").send().await);
    assert_eq!(code, "UserNotFoundException");
}

#[tokio::test]
async fn email_username_pool_forgot_password_and_attributes() {
    let env = TestEnv::start().await;
    let c = env.cognito_idp();
    let pool = c.create_user_pool().pool_name("mail").username_attributes(idp::types::UsernameAttributeType::Email).auto_verified_attributes(idp::types::VerifiedAttributeType::Email).send().await.unwrap().user_pool.unwrap().id.unwrap();
    let client = c.create_user_pool_client().user_pool_id(&pool).client_name("c").explicit_auth_flows(ExplicitAuthFlowsType::AllowUserPasswordAuth).explicit_auth_flows(ExplicitAuthFlowsType::AllowRefreshTokenAuth).prevent_user_existence_errors(idp::types::PreventUserExistenceErrorTypes::Enabled).send().await.unwrap().user_pool_client.unwrap().client_id.unwrap();
    let (code, _) = err(c.sign_up().client_id(&client).username("not-an-email").password(PW).send().await);
    assert_eq!(code, "InvalidParameterException");
    let up = c.sign_up().client_id(&client).username("gina@example.com").password(PW).send().await.unwrap();
    let code_value = env.state.cognito.last_code(&pool, "gina@example.com", "signup").await.unwrap().unwrap();
    c.confirm_sign_up().client_id(&client).username("gina@example.com").confirmation_code(&code_value).send().await.unwrap();
    let res = c.initiate_auth().client_id(&client).auth_flow(AuthFlowType::UserPasswordAuth).auth_parameters("USERNAME", "gina@example.com").auth_parameters("PASSWORD", PW).send().await.unwrap().authentication_result.unwrap();
    let id = claims(res.id_token().unwrap());
    assert_eq!(id["cognito:username"], up.user_sub.as_str());
    assert_eq!(id["email"], "gina@example.com");
    // PreventUserExistenceErrors=ENABLED: unknown users look like wrong passwords
    let (code, msg) = err(c.initiate_auth().client_id(&client).auth_flow(AuthFlowType::UserPasswordAuth).auth_parameters("USERNAME", "nobody@example.com").auth_parameters("PASSWORD", PW).send().await);
    assert_eq!((code.as_str(), msg.as_str()), ("NotAuthorizedException", "Incorrect username or password."));

    let access = res.access_token().unwrap().to_string();
    let upd = c.update_user_attributes().access_token(&access).user_attributes(attr("email", "gina2@example.com")).user_attributes(attr("given_name", "Gina")).send().await.unwrap();
    assert_eq!(upd.code_delivery_details_list().len(), 1);
    let vcode = env.state.cognito.last_code(&pool, "gina2@example.com", "verify_email").await.unwrap().unwrap();
    let (code, _) = err(c.verify_user_attribute().access_token(&access).attribute_name("email").code("999999x").send().await);
    assert_eq!(code, "CodeMismatchException");
    c.verify_user_attribute().access_token(&access).attribute_name("email").code(&vcode).send().await.unwrap();
    let (code, _) = err(c.update_user_attributes().access_token(&access).user_attributes(attr("nope", "x")).send().await);
    assert_eq!(code, "InvalidParameterException");

    c.forgot_password().client_id(&client).username("gina2@example.com").send().await.unwrap();
    let (code, _) = err(c.confirm_forgot_password().client_id(&client).username("gina2@example.com").confirmation_code("000000x").password("N3w-Passw0rd").send().await);
    assert_eq!(code, "CodeMismatchException");
    let rcode = env.state.cognito.last_code(&pool, "gina2@example.com", "forgot_password").await.unwrap().unwrap();
    c.confirm_forgot_password().client_id(&client).username("gina2@example.com").confirmation_code(&rcode).password("N3w-Passw0rd").send().await.unwrap();
    let (code, _) = err(c.confirm_forgot_password().client_id(&client).username("gina2@example.com").confirmation_code(&rcode).password("N3w-Passw0rd").send().await);
    assert_eq!(code, "ExpiredCodeException");
    let res = c.initiate_auth().client_id(&client).auth_flow(AuthFlowType::UserPasswordAuth).auth_parameters("USERNAME", "gina2@example.com").auth_parameters("PASSWORD", "N3w-Passw0rd").send().await.unwrap().authentication_result.unwrap();
    let access = res.access_token().unwrap().to_string();
    let (code, _) = err(c.change_password().access_token(&access).previous_password("wrong").proposed_password("An0ther-pass").send().await);
    assert_eq!(code, "NotAuthorizedException");
    c.change_password().access_token(&access).previous_password("N3w-Passw0rd").proposed_password("An0ther-pass").send().await.unwrap();
    c.delete_user().access_token(&access).send().await.unwrap();
    let (code, _) = err(c.get_user().access_token(&access).send().await);
    assert!(code == "NotAuthorizedException" || code == "UserNotFoundException", "{code}");
}

#[tokio::test]
async fn secret_hash_is_required_when_the_client_has_a_secret() {
    let env = TestEnv::start().await;
    let c = env.cognito_idp();
    let pool = c.create_user_pool().pool_name("s").send().await.unwrap().user_pool.unwrap().id.unwrap();
    let cl = c.create_user_pool_client().user_pool_id(&pool).client_name("c").generate_secret(true).explicit_auth_flows(ExplicitAuthFlowsType::AllowUserPasswordAuth).send().await.unwrap().user_pool_client.unwrap();
    let (cid, secret) = (cl.client_id.unwrap(), cl.client_secret.unwrap());
    let (code, _) = err(c.sign_up().client_id(&cid).username("hank").password(PW).send().await);
    assert_eq!(code, "NotAuthorizedException");
    use hmac_sha256::hmac;
    let hash = hmac(secret.as_bytes(), format!("hank{cid}").as_bytes());
    c.sign_up().client_id(&cid).username("hank").password(PW).secret_hash(&hash).send().await.unwrap();
    let (code, msg) = err(c.sign_up().client_id(&cid).username("ivan").password(PW).secret_hash(&hash).send().await);
    assert_eq!((code.as_str(), msg.as_str()), ("NotAuthorizedException", format!("Unable to verify secret hash for client {cid}").as_str()));
}

/// HMAC-SHA256 from `sha2` (what a client computes for SECRET_HASH).
mod hmac_sha256 {
    use base64::Engine;
    use sha2::{Digest, Sha256};
    pub fn hmac(key: &[u8], msg: &[u8]) -> String {
        let mut k = [0u8; 64];
        if key.len() > 64 {
            k[..32].copy_from_slice(&Sha256::digest(key));
        } else {
            k[..key.len()].copy_from_slice(key);
        }
        let inner = Sha256::new().chain_update(k.map(|b| b ^ 0x36)).chain_update(msg).finalize();
        let outer = Sha256::new().chain_update(k.map(|b| b ^ 0x5c)).chain_update(inner).finalize();
        base64::engine::general_purpose::STANDARD.encode(outer)
    }
}

mod accounts_and_identity;
mod devices;
mod settings_cache;
