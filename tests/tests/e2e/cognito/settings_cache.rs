//! Public sign-in calls read app clients and pools from an in-memory cache
//! (services/cognito/src/ops/settings.rs). These tests change a client and a pool between
//! sign-ins and check the next call sees the change: UpdateUserPoolClient (flows,
//! PreventUserExistenceErrors), UpdateUserPool (MfaConfiguration ON), DeleteUserPoolClient
//! and DeleteUserPool.

use super::{err, pool_and_client, PW};
use amplocal_tests::TestEnv;
use aws_sdk_cognitoidentityprovider as idp;
use idp::types::{AuthFlowType, ChallengeNameType, ExplicitAuthFlowsType as F, PreventUserExistenceErrorTypes, UserPoolMfaType};

async fn password_sign_in(c: &idp::Client, client: &str, user: &str) -> Result<idp::operation::initiate_auth::InitiateAuthOutput, idp::error::SdkError<idp::operation::initiate_auth::InitiateAuthError>> {
    c.initiate_auth().client_id(client).auth_flow(AuthFlowType::UserPasswordAuth).auth_parameters("USERNAME", user).auth_parameters("PASSWORD", PW).send().await
}

#[tokio::test]
async fn sign_in_sees_client_and_pool_changes_at_once() {
    let env = TestEnv::start().await;
    let c = env.cognito_idp();
    let (pool, client) = pool_and_client(&c, &[F::AllowUserPasswordAuth, F::AllowRefreshTokenAuth]).await;
    c.admin_create_user().user_pool_id(&pool).username("ann").message_action(idp::types::MessageActionType::Suppress).send().await.unwrap();
    c.admin_set_user_password().user_pool_id(&pool).username("ann").password(PW).permanent(true).send().await.unwrap();

    // Signed in twice: the client and pool are cached now.
    for _ in 0..2 {
        assert!(password_sign_in(&c, &client, "ann").await.unwrap().authentication_result.is_some());
    }
    assert_eq!(err(password_sign_in(&c, &client, "nobody").await).0, "UserNotFoundException");

    // The client stops allowing USER_PASSWORD_AUTH.
    c.update_user_pool_client().user_pool_id(&pool).client_id(&client).explicit_auth_flows(F::AllowUserSrpAuth).explicit_auth_flows(F::AllowRefreshTokenAuth).send().await.unwrap();
    assert_eq!(err(password_sign_in(&c, &client, "ann").await), ("InvalidParameterException".into(), "USER_PASSWORD_AUTH flow not enabled for this client".into()));

    // Allowed again, and now hiding missing users.
    c.update_user_pool_client()
        .user_pool_id(&pool)
        .client_id(&client)
        .explicit_auth_flows(F::AllowUserPasswordAuth)
        .prevent_user_existence_errors(PreventUserExistenceErrorTypes::Enabled)
        .send()
        .await
        .unwrap();
    assert!(password_sign_in(&c, &client, "ann").await.unwrap().authentication_result.is_some());
    assert_eq!(err(password_sign_in(&c, &client, "nobody").await).0, "NotAuthorizedException");

    // The pool requires MFA: the next sign-in gets the MFA_SETUP challenge instead of tokens.
    c.update_user_pool().user_pool_id(&pool).mfa_configuration(UserPoolMfaType::On).send().await.unwrap();
    let out = password_sign_in(&c, &client, "ann").await.unwrap();
    assert_eq!(out.challenge_name, Some(ChallengeNameType::MfaSetup));
    assert!(out.authentication_result.is_none());

    // A second client of the pool, cached too, then deleted; then the whole pool.
    let other = c.create_user_pool_client().user_pool_id(&pool).client_name("other").explicit_auth_flows(F::AllowUserPasswordAuth).send().await.unwrap().user_pool_client.unwrap().client_id.unwrap();
    assert_eq!(password_sign_in(&c, &other, "ann").await.unwrap().challenge_name, Some(ChallengeNameType::MfaSetup));
    c.delete_user_pool_client().user_pool_id(&pool).client_id(&other).send().await.unwrap();
    assert_eq!(err(password_sign_in(&c, &other, "ann").await).0, "ResourceNotFoundException");
    assert_eq!(password_sign_in(&c, &client, "ann").await.unwrap().challenge_name, Some(ChallengeNameType::MfaSetup));
    c.delete_user_pool().user_pool_id(&pool).send().await.unwrap();
    assert_eq!(err(password_sign_in(&c, &client, "ann").await).0, "ResourceNotFoundException");
}
