//! End-to-end Cognito tests with aws-sdk-rust: admin and account flows, groups, ListUsers, identity pools and STS, bad input.

use super::*;

#[tokio::test]
async fn tokens_expire_with_the_injected_clock_and_verify_in_process() {
    let clock = Arc::new(ManualClock::new(SystemTime::now()));
    let env = TestEnv::builder().clock(clock.clone()).start().await;
    let c = env.cognito_idp();
    let pool = c.create_user_pool().pool_name("p").send().await.unwrap().user_pool.unwrap().id.unwrap();
    let client = c
        .create_user_pool_client()
        .user_pool_id(&pool)
        .client_name("short")
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserPasswordAuth)
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowRefreshTokenAuth)
        .access_token_validity(5)
        .token_validity_units(idp::types::TokenValidityUnitsType::builder().access_token(idp::types::TimeUnitsType::Minutes).build())
        .send()
        .await
        .unwrap()
        .user_pool_client
        .unwrap()
        .client_id
        .unwrap();
    c.admin_create_user().user_pool_id(&pool).username("jo").temporary_password(PW).send().await.unwrap();
    c.admin_set_user_password().user_pool_id(&pool).username("jo").password(PW).permanent(true).send().await.unwrap();
    let res = c.initiate_auth().client_id(&client).auth_flow(AuthFlowType::UserPasswordAuth).auth_parameters("USERNAME", "jo").auth_parameters("PASSWORD", PW).send().await.unwrap().authentication_result.unwrap();
    let v = env.state.cognito.verify_token(res.id_token().unwrap()).await.unwrap();
    assert_eq!((v.pool_id.as_str(), v.username.as_str(), v.token_use.as_str(), v.client_id.as_str()), (pool.as_str(), "jo", "id", client.as_str()));
    let v = env.state.cognito.verify_token(res.access_token().unwrap()).await.unwrap();
    assert_eq!(v.token_use, "access");
    assert_eq!(res.expires_in, 300);
    assert!(env.state.cognito.verify_token("a.b.c").await.is_err());
    // (less than SigV4's 15-minute skew, so the signed admin calls below still pass)
    clock.advance(Duration::from_secs(301));
    assert!(env.state.cognito.verify_token(res.id_token().unwrap()).await.is_ok());
    assert!(env.state.cognito.verify_token(res.access_token().unwrap()).await.is_err());
    let (code, msg) = err(c.get_user().access_token(res.access_token().unwrap()).send().await);
    assert_eq!((code.as_str(), msg.as_str()), ("NotAuthorizedException", "Access Token has expired"));
    // the refresh token still works and yields fresh tokens
    let r = c.get_tokens_from_refresh_token().client_id(&client).refresh_token(res.refresh_token().unwrap()).send().await.unwrap();
    assert!(env.state.cognito.verify_token(r.authentication_result.unwrap().access_token().unwrap()).await.is_ok());
    // a token of another (deleted) pool is rejected
    c.delete_user_pool().user_pool_id(&pool).send().await.unwrap();
    assert!(env.state.cognito.verify_token(res.id_token().unwrap()).await.is_err());
}

#[tokio::test]
async fn identity_pool_guest_and_authenticated_credentials() {
    let env = TestEnv::start().await;
    let c = env.cognito_idp();
    let ci = env.cognito_identity();
    let (pool, client) = pool_and_client(&c, &[ExplicitAuthFlowsType::AllowUserPasswordAuth]).await;
    c.admin_create_user().user_pool_id(&pool).username("kim").temporary_password(PW).send().await.unwrap();
    c.admin_set_user_password().user_pool_id(&pool).username("kim").password(PW).permanent(true).send().await.unwrap();
    let provider = format!("cognito-idp.us-east-1.amazonaws.com/{pool}");
    let ip = ci
        .create_identity_pool()
        .identity_pool_name("ip")
        .allow_unauthenticated_identities(true)
        .cognito_identity_providers(aws_sdk_cognitoidentity::types::CognitoIdentityProvider::builder().provider_name(&provider).client_id(&client).build())
        .send()
        .await
        .unwrap();
    let ipid = ip.identity_pool_id;
    assert!(ipid.starts_with("us-east-1:"));
    assert_eq!(ci.describe_identity_pool().identity_pool_id(&ipid).send().await.unwrap().identity_pool_name, "ip");
    assert_eq!(ci.list_identity_pools().max_results(10).send().await.unwrap().identity_pools().len(), 1);
    let guest = ci.get_id().identity_pool_id(&ipid).send().await.unwrap().identity_id.unwrap();
    let (code, _) = err(ci.get_credentials_for_identity().identity_id(&guest).send().await);
    assert_eq!(code, "InvalidIdentityPoolConfigurationException");
    ci.set_identity_pool_roles()
        .identity_pool_id(&ipid)
        .roles("authenticated", "arn:aws:iam::000000000000:role/auth")
        .roles("unauthenticated", "arn:aws:iam::000000000000:role/unauth")
        .send()
        .await
        .unwrap();
    let roles = ci.get_identity_pool_roles().identity_pool_id(&ipid).send().await.unwrap();
    assert_eq!(roles.roles().unwrap()["authenticated"], "arn:aws:iam::000000000000:role/auth");
    let creds = ci.get_credentials_for_identity().identity_id(&guest).send().await.unwrap().credentials.unwrap();
    let key = creds.access_key_id.unwrap();
    assert!(key.starts_with("ASIA"));
    let registered = env.state.core.credentials.get(&key).expect("issued key registered with the gateway");
    assert_eq!(registered.secret, creds.secret_key.unwrap());
    assert_eq!(registered.session_token, creds.session_token);
    let exp = creds.expiration.unwrap().secs();
    let now = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).unwrap().as_secs() as i64;
    assert!((exp - now - 3600).abs() < 60);

    let tokens = c.initiate_auth().client_id(&client).auth_flow(AuthFlowType::UserPasswordAuth).auth_parameters("USERNAME", "kim").auth_parameters("PASSWORD", PW).send().await.unwrap().authentication_result.unwrap();
    let id_token = tokens.id_token().unwrap();
    let a1 = ci.get_id().identity_pool_id(&ipid).logins(&provider, id_token).send().await.unwrap().identity_id.unwrap();
    let a2 = ci.get_id().identity_pool_id(&ipid).logins(&provider, id_token).send().await.unwrap().identity_id.unwrap();
    assert_eq!(a1, a2);
    assert_ne!(a1, guest);
    let ac = ci.get_credentials_for_identity().identity_id(&a1).logins(&provider, id_token).send().await.unwrap();
    assert_eq!(ac.identity_id.as_deref(), Some(a1.as_str()));
    let (code, _) = err(ci.get_credentials_for_identity().identity_id(&a1).send().await);
    assert_eq!(code, "NotAuthorizedException");
    let (code, _) = err(ci.get_id().identity_pool_id(&ipid).logins(&provider, tokens.access_token().unwrap()).send().await);
    assert_eq!(code, "NotAuthorizedException");
    let (code, _) = err(ci.get_id().identity_pool_id(&ipid).logins("cognito-idp.us-east-1.amazonaws.com/us-east-1_other0000", id_token).send().await);
    assert_eq!(code, "NotAuthorizedException");
    let (code, _) = err(ci.get_id().identity_pool_id("us-east-1:00000000-0000-0000-0000-000000000000").send().await);
    assert_eq!(code, "ResourceNotFoundException");
    let oid = ci.get_open_id_token().identity_id(&a1).logins(&provider, id_token).send().await.unwrap();
    assert_eq!(claims(oid.token.as_deref().unwrap())["iss"], "https://cognito-identity.amazonaws.com");

    // STS exchanges the OpenID token for credentials
    let sts = aws_sdk_sts::Client::new(&env.sdk_config());
    let out = sts.assume_role_with_web_identity().role_arn("arn:aws:iam::000000000000:role/auth").role_session_name("s1").web_identity_token(oid.token.unwrap()).send().await.unwrap();
    assert_eq!(out.subject_from_web_identity_token.as_deref(), Some(a1.as_str()));
    assert!(env.state.core.credentials.get(&out.credentials.unwrap().access_key_id).is_some());
    let (code, _) = err(sts.assume_role_with_web_identity().role_arn("arn:aws:iam::000000000000:role/auth").role_session_name("s1").web_identity_token("garbage").send().await);
    assert_eq!(code, "InvalidIdentityToken");
    ci.delete_identity_pool().identity_pool_id(&ipid).send().await.unwrap();
    let (code, _) = err(ci.describe_identity_pool().identity_pool_id(&ipid).send().await);
    assert_eq!(code, "ResourceNotFoundException");
}

#[tokio::test]
async fn signing_keys_survive_a_restart_and_custom_attributes_reach_the_id_token() {
    let env = TestEnv::start().await;
    let c = env.cognito_idp();
    let (pool, client) = pool_and_client(&c, &[ExplicitAuthFlowsType::AllowUserPasswordAuth]).await;
    c.add_custom_attributes()
        .user_pool_id(&pool)
        .custom_attributes(idp::types::SchemaAttributeType::builder().name("tier").attribute_data_type(idp::types::AttributeDataType::String).build())
        .send()
        .await
        .unwrap();
    let (code, _) = err(c
        .add_custom_attributes()
        .user_pool_id(&pool)
        .custom_attributes(idp::types::SchemaAttributeType::builder().name("tier").attribute_data_type(idp::types::AttributeDataType::String).build())
        .send()
        .await);
    assert_eq!(code, "InvalidParameterException");
    c.admin_create_user().user_pool_id(&pool).username("lu").temporary_password(PW).user_attributes(attr("custom:tier", "gold")).send().await.unwrap();
    let (code, _) = err(c.admin_create_user().user_pool_id(&pool).username("lv").temporary_password(PW).user_attributes(attr("custom:nope", "x")).send().await);
    assert_eq!(code, "InvalidParameterException");
    c.admin_set_user_password().user_pool_id(&pool).username("lu").password(PW).permanent(true).send().await.unwrap();
    let res = c.initiate_auth().client_id(&client).auth_flow(AuthFlowType::UserPasswordAuth).auth_parameters("USERNAME", "lu").auth_parameters("PASSWORD", PW).send().await.unwrap().authentication_result.unwrap();
    assert_eq!(claims(res.id_token().unwrap())["custom:tier"], "gold");
    // a second service instance over the same data directory (fresh caches) verifies the token
    let restarted = amplocal::AppState::new(env.state.core.clone(), &amplocal::config::ServiceConfigs::default()).unwrap();
    let v = restarted.cognito.verify_token(res.id_token().unwrap()).await.unwrap();
    assert_eq!(v.username, "lu");
    let before: Value = env.http().get(format!("{}/{pool}/.well-known/jwks.json", env.endpoint)).send().await.unwrap().json().await.unwrap();
    // AWS signs ID and access tokens with two different keys, both in the pool's JWKS
    let keys = before["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 2);
    let kid = |t: &str| -> Value {
        use base64::Engine as _;
        let h = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(t.split('.').next().unwrap()).unwrap();
        serde_json::from_slice::<Value>(&h).unwrap()["kid"].clone()
    };
    let (id_kid, access_kid) = (kid(res.id_token().unwrap()), kid(res.access_token().unwrap()));
    assert_ne!(id_kid, access_kid);
    assert!(keys.iter().any(|k| k["kid"] == id_kid) && keys.iter().any(|k| k["kid"] == access_kid));
}

#[tokio::test]
async fn srp_user_existence_errors_legacy_vs_enabled() {
    let env = TestEnv::start().await;
    let c = env.cognito_idp();
    let pool = c.create_user_pool().pool_name("p").send().await.unwrap().user_pool.unwrap().id.unwrap();
    let legacy = c.create_user_pool_client().user_pool_id(&pool).client_name("l").send().await.unwrap().user_pool_client.unwrap().client_id.unwrap();
    let enabled = c
        .create_user_pool_client()
        .user_pool_id(&pool)
        .client_name("e")
        .prevent_user_existence_errors(idp::types::PreventUserExistenceErrorTypes::Enabled)
        .send()
        .await
        .unwrap()
        .user_pool_client
        .unwrap()
        .client_id
        .unwrap();
    let a = "abcdef0123456789";
    let (code, _) = err(c.initiate_auth().client_id(&legacy).auth_flow(AuthFlowType::UserSrpAuth).auth_parameters("USERNAME", "ghost").auth_parameters("SRP_A", a).send().await);
    assert_eq!(code, "UserNotFoundException");
    let out = c.initiate_auth().client_id(&enabled).auth_flow(AuthFlowType::UserSrpAuth).auth_parameters("USERNAME", "ghost").auth_parameters("SRP_A", a).send().await.unwrap();
    assert_eq!(out.challenge_name, Some(ChallengeNameType::PasswordVerifier));
    let p = out.challenge_parameters.unwrap();
    let (code, msg) = err(c
        .respond_to_auth_challenge()
        .client_id(&enabled)
        .challenge_name(ChallengeNameType::PasswordVerifier)
        .challenge_responses("USERNAME", p["USER_ID_FOR_SRP"].clone())
        .challenge_responses("PASSWORD_CLAIM_SECRET_BLOCK", p["SECRET_BLOCK"].clone())
        .challenge_responses("PASSWORD_CLAIM_SIGNATURE", "5C12mhsDavNTqN4JLKnoeKSduW0Ke4wbcK85CQLCmSo=")
        .challenge_responses("TIMESTAMP", "Tue Sep 25 00:09:40 UTC 2018")
        .send()
        .await);
    assert_eq!((code.as_str(), msg.as_str()), ("NotAuthorizedException", "Incorrect username or password."));
    // a SECRET_BLOCK issued to one client is useless on another
    let out = c.initiate_auth().client_id(&enabled).auth_flow(AuthFlowType::UserSrpAuth).auth_parameters("USERNAME", "ghost").auth_parameters("SRP_A", a).send().await.unwrap();
    let p = out.challenge_parameters.unwrap();
    let (code, _) = err(c
        .respond_to_auth_challenge()
        .client_id(&legacy)
        .challenge_name(ChallengeNameType::PasswordVerifier)
        .challenge_responses("USERNAME", p["USER_ID_FOR_SRP"].clone())
        .challenge_responses("PASSWORD_CLAIM_SECRET_BLOCK", p["SECRET_BLOCK"].clone())
        .challenge_responses("PASSWORD_CLAIM_SIGNATURE", "AAAA")
        .challenge_responses("TIMESTAMP", "Tue Sep 25 00:09:40 UTC 2018")
        .send()
        .await);
    assert_eq!(code, "NotAuthorizedException");
    let (code, _) = err(c.initiate_auth().client_id(&legacy).auth_flow(AuthFlowType::CustomAuth).auth_parameters("USERNAME", "ghost").send().await);
    assert_eq!(code, "UnsupportedOperationException");
}

#[tokio::test]
async fn bad_input_gets_aws_errors_not_500s() {
    let env = TestEnv::start().await;
    let c = env.cognito_idp();
    let (_pool, client) = pool_and_client(&c, &[]).await;
    for name in ["", "has space"] {
        let (code, _) = err(c.sign_up().client_id(&client).username(name).password(PW).send().await);
        assert_eq!(code, "InvalidParameterException", "{name:?}");
    }
    let raw = |target: &'static str, body: &'static str| {
        env.http()
            .post(format!("{}/", env.endpoint))
            .header("content-type", "application/x-amz-json-1.1")
            .header("x-amz-target", target)
            .body(body)
            .send()
    };
    for (target, body, want) in [
        ("AWSCognitoIdentityProviderService.SignUp", "not json", "SerializationException"),
        ("AWSCognitoIdentityProviderService.SignUp", "[1,2]", "SerializationException"),
        ("AWSCognitoIdentityProviderService.InitiateAuth", r#"{"ClientId": 5}"#, "SerializationException"),
        ("AWSCognitoIdentityProviderService.InitiateAuth", r#"{"ClientId":"x","AuthFlow":"USER_SRP_AUTH","AuthParameters":{"USERNAME":1}}"#, "SerializationException"),
        ("AWSCognitoIdentityProviderService.GetUser", r#"{"AccessToken":"eyJ.eyJ.sig"}"#, "NotAuthorizedException"),
        ("AWSCognitoIdentityProviderService.GetUser", "{}", "InvalidParameterException"),
        ("AWSCognitoIdentityService.GetId", r#"{"IdentityPoolId":"us-east-1:nope","Logins":{"a":"b"}}"#, "ResourceNotFoundException"),
    ] {
        let resp = raw(target, body).await.unwrap();
        assert_eq!(resp.status(), 400, "{target} {body}");
        let v: Value = resp.json().await.unwrap();
        assert_eq!(v["__type"], want, "{target} {body}");
    }
    let resp = env.http().get(format!("{}/us-east-1_nosuchpool/.well-known/jwks.json", env.endpoint)).send().await.unwrap();
    assert_eq!(resp.status(), 404);
}

#[tokio::test]
async fn wrong_codes_hit_the_attempt_limit_until_a_new_code_is_sent() {
    let env = TestEnv::start().await;
    let c = env.cognito_idp();
    let (pool, client) = pool_and_client(&c, &[]).await;
    c.sign_up().client_id(&client).username("wes").password(PW).user_attributes(attr("email", "wes@x.org")).send().await.unwrap();
    for _ in 0..5 {
        let (code, _) = err(c.confirm_sign_up().client_id(&client).username("wes").confirmation_code("000000x").send().await);
        assert_eq!(code, "CodeMismatchException");
    }
    let good = env.state.cognito.last_code(&pool, "wes", "signup").await.unwrap().unwrap();
    let (code, msg) = err(c.confirm_sign_up().client_id(&client).username("wes").confirmation_code(&good).send().await);
    assert_eq!((code.as_str(), msg.as_str()), ("LimitExceededException", "Attempt limit exceeded, please try after some time."));
    c.resend_confirmation_code().client_id(&client).username("wes").send().await.unwrap();
    let fresh = env.state.cognito.last_code(&pool, "wes", "signup").await.unwrap().unwrap();
    c.confirm_sign_up().client_id(&client).username("wes").confirmation_code(&fresh).send().await.unwrap();
    let (code, msg) = err(c.resend_confirmation_code().client_id(&client).username("wes").send().await);
    assert_eq!((code.as_str(), msg.as_str()), ("InvalidParameterException", "User is already confirmed."));
}

#[tokio::test]
async fn refresh_token_rotation_and_server_side_token_check() {
    let env = TestEnv::start().await;
    let c = env.cognito_idp();
    let pool = c.create_user_pool().pool_name("rot").send().await.unwrap().user_pool.unwrap().id.unwrap();
    let client = c
        .create_user_pool_client()
        .user_pool_id(&pool)
        .client_name("r")
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserPasswordAuth)
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowRefreshTokenAuth)
        .refresh_token_rotation(idp::types::RefreshTokenRotationType::builder().feature(idp::types::FeatureType::Enabled).retry_grace_period_seconds(0).build().unwrap())
        .send()
        .await
        .unwrap()
        .user_pool_client
        .unwrap()
        .client_id
        .unwrap();
    let desc = c.describe_user_pool_client().user_pool_id(&pool).client_id(&client).send().await.unwrap().user_pool_client.unwrap();
    assert_eq!(desc.refresh_token_rotation.map(|r| r.feature), Some(idp::types::FeatureType::Enabled));
    c.admin_create_user().user_pool_id(&pool).username("xu").temporary_password(PW).send().await.unwrap();
    c.admin_set_user_password().user_pool_id(&pool).username("xu").password(PW).permanent(true).send().await.unwrap();
    let res = c.initiate_auth().client_id(&client).auth_flow(AuthFlowType::UserPasswordAuth).auth_parameters("USERNAME", "xu").auth_parameters("PASSWORD", PW).send().await.unwrap().authentication_result.unwrap();
    let first = res.refresh_token().unwrap().to_string();
    let r = c.get_tokens_from_refresh_token().client_id(&client).refresh_token(&first).send().await.unwrap().authentication_result.unwrap();
    let second = r.refresh_token().expect("rotation issues a new refresh token").to_string();
    assert_ne!(second, first);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let (code, _) = err(c.get_tokens_from_refresh_token().client_id(&client).refresh_token(&first).send().await);
    assert_eq!(code, "RefreshTokenReuseException");
    c.get_tokens_from_refresh_token().client_id(&client).refresh_token(&second).send().await.unwrap();

    let ci = env.cognito_identity();
    let provider = format!("cognito-idp.us-east-1.amazonaws.com/{pool}");
    let ipid = ci
        .create_identity_pool()
        .identity_pool_name("sstc")
        .allow_unauthenticated_identities(false)
        .cognito_identity_providers(aws_sdk_cognitoidentity::types::CognitoIdentityProvider::builder().provider_name(&provider).client_id(&client).server_side_token_check(true).build())
        .send()
        .await
        .unwrap()
        .identity_pool_id;
    let id_token = res.id_token().unwrap();
    ci.get_id().identity_pool_id(&ipid).logins(&provider, id_token).send().await.unwrap();
    c.admin_user_global_sign_out().user_pool_id(&pool).username("xu").send().await.unwrap();
    let (code, _) = err(ci.get_id().identity_pool_id(&ipid).logins(&provider, id_token).send().await);
    assert_eq!(code, "NotAuthorizedException");
}
