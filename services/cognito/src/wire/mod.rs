//! HTTP ↔ operations. awsJson1_1 (`POST /`, `X-Amz-Target: AWSCognitoIdentityProviderService.*`
//! or `AWSCognitoIdentityService.*`), STS query posts (`Action=...`, XML answers, see
//! [`sts`]), `GET /<poolId>/.well-known/{jwks.json,openid-configuration}` and the code inbox
//! `GET /_amplocal/cognito/codes?pool=&username=`. No AWS semantics here.

pub mod sts;

use crate::error::CognitoError;
use crate::ops::{self, auth_flow, client, device, group, identity_pool, mfa, self_service, signup, user, user_pool};
use crate::CognitoService;
use amplocal_core::protocol::aws_json::{self, JsonVersion};
use amplocal_core::{OperationName, RequestContext};
use axum::body::Body;
use axum::extract::Request;
use axum::response::{IntoResponse, Response};
use axum::Router;
use http::{header, Method, StatusCode};
use serde_json::Value;

/// Largest request body accepted.
const MAX_BODY: usize = 1 << 20;

/// The service's router: one fallback that looks at method, path and target.
pub fn router(svc: CognitoService) -> Router {
    Router::new().fallback(move |req: Request| {
        let svc = svc.clone();
        async move { handle(svc, req).await }
    })
}

fn json_response(status: StatusCode, v: &Value) -> Response {
    let mut r = (status, serde_json::to_string(v).unwrap_or_default()).into_response();
    r.headers_mut().insert(header::CONTENT_TYPE, http::HeaderValue::from_static("application/json"));
    r
}

async fn handle(svc: CognitoService, req: Request) -> Response {
    let ctx = req.extensions().get::<RequestContext>().cloned().unwrap_or_else(|| svc.core().internal_request(amplocal_core::DEFAULT_ACCOUNT, amplocal_core::DEFAULT_REGION));
    let path = req.uri().path().to_string();
    if req.method() == Method::GET {
        if path == "/_amplocal/cognito/codes" {
            return codes(&svc, req.uri().query().unwrap_or("")).await;
        }
        if let Some((pool, doc)) = path.trim_start_matches('/').split_once("/.well-known/") {
            return well_known(&svc, pool, doc).await;
        }
    }
    let target = req.headers().get("x-amz-target").and_then(|v| v.to_str().ok()).map(str::to_string);
    let body = match axum::body::to_bytes(req.into_body(), MAX_BODY).await {
        Ok(b) => b,
        Err(_) => return render(&ctx, Err(CognitoError::SerializationException("Request body too large or unreadable".into())), "Unknown"),
    };
    let Some(target) = target else {
        return sts::handle(&svc, &ctx, &body).await;
    };
    let Some((prefix, op)) = aws_json::split_target(&target) else {
        return render(&ctx, Err(CognitoError::UnknownOperationException("Unknown operation".into())), "Unknown");
    };
    let input: Value = if body.is_empty() {
        Value::Object(Default::default())
    } else {
        match serde_json::from_slice(&body) {
            Ok(v @ Value::Object(_)) => v,
            _ => return render(&ctx, Err(CognitoError::SerializationException("Start of structure or map found where not expected.".into())), "Unknown"),
        }
    };
    let (name, result) = match prefix {
        "AWSCognitoIdentityProviderService" => idp(&svc, &ctx, op, input).await,
        "AWSCognitoIdentityService" => identity(&svc, &ctx, op, input).await,
        _ => ("Unknown", Err(CognitoError::UnknownOperationException("Unknown operation".into()))),
    };
    render(&ctx, result, name)
}

fn render(ctx: &RequestContext, result: Result<Value, CognitoError>, op: &'static str) -> Response {
    let mut resp = match result {
        Ok(v) => aws_json::ok_response(JsonVersion::V1_1, &v, &ctx.request_id),
        Err(e) => {
            if matches!(e, CognitoError::Internal(_)) {
                tracing::error!(error = %e, op, "cognito internal error");
            }
            aws_json::error_response(JsonVersion::V1_1, None, &e, &ctx.request_id)
        }
    };
    resp.extensions_mut().insert(OperationName(op));
    resp
}

macro_rules! ops_table {
    ($svc:expr, $ctx:expr, $op:expr, $input:expr, { $($name:literal => $f:path),* $(,)? }) => {
        match $op {
            $($name => ($name, $f($svc, $ctx, $input).await),)*
            _ => ("Unknown", Err(CognitoError::UnknownOperationException(format!("Unknown operation {}", $op)))),
        }
    };
}

async fn idp(svc: &CognitoService, ctx: &RequestContext, op: &str, input: Value) -> (&'static str, Result<Value, CognitoError>) {
    ops_table!(svc, ctx, op, input, {
        "CreateUserPool" => user_pool::create_user_pool,
        "DescribeUserPool" => user_pool::describe_user_pool,
        "ListUserPools" => user_pool::list_user_pools,
        "UpdateUserPool" => user_pool::update_user_pool,
        "DeleteUserPool" => user_pool::delete_user_pool,
        "AddCustomAttributes" => user_pool::add_custom_attributes,
        "CreateUserPoolClient" => client::create_user_pool_client,
        "DescribeUserPoolClient" => client::describe_user_pool_client,
        "ListUserPoolClients" => client::list_user_pool_clients,
        "UpdateUserPoolClient" => client::update_user_pool_client,
        "DeleteUserPoolClient" => client::delete_user_pool_client,
        "AdminCreateUser" => user::admin_create_user,
        "AdminGetUser" => user::admin_get_user,
        "AdminSetUserPassword" => user::admin_set_user_password,
        "AdminConfirmSignUp" => user::admin_confirm_sign_up,
        "AdminDeleteUser" => user::admin_delete_user,
        "AdminDisableUser" => user::admin_disable_user,
        "AdminEnableUser" => user::admin_enable_user,
        "AdminUpdateUserAttributes" => user::admin_update_user_attributes,
        "AdminDeleteUserAttributes" => user::admin_delete_user_attributes,
        "AdminResetUserPassword" => user::admin_reset_user_password,
        "AdminUserGlobalSignOut" => self_service::admin_user_global_sign_out,
        "ListUsers" => user::list_users,
        "SignUp" => signup::sign_up,
        "ConfirmSignUp" => signup::confirm_sign_up,
        "ResendConfirmationCode" => signup::resend_confirmation_code,
        "ForgotPassword" => signup::forgot_password,
        "ConfirmForgotPassword" => signup::confirm_forgot_password,
        "InitiateAuth" => auth_flow::initiate_auth,
        "AdminInitiateAuth" => auth_flow::admin_initiate_auth,
        "RespondToAuthChallenge" => auth_flow::respond_to_auth_challenge,
        "AdminRespondToAuthChallenge" => auth_flow::admin_respond_to_auth_challenge,
        "GetTokensFromRefreshToken" => ops::token::get_tokens_from_refresh_token,
        "GetUser" => self_service::get_user,
        "GlobalSignOut" => self_service::global_sign_out,
        "RevokeToken" => self_service::revoke_token,
        "ChangePassword" => self_service::change_password,
        "UpdateUserAttributes" => self_service::update_user_attributes,
        "DeleteUserAttributes" => self_service::delete_user_attributes,
        "DeleteUser" => self_service::delete_user,
        "GetUserAttributeVerificationCode" => self_service::get_user_attribute_verification_code,
        "VerifyUserAttribute" => self_service::verify_user_attribute,
        "AssociateSoftwareToken" => mfa::associate_software_token,
        "VerifySoftwareToken" => mfa::verify_software_token,
        "SetUserMFAPreference" => mfa::set_user_mfa_preference,
        "AdminSetUserMFAPreference" => mfa::admin_set_user_mfa_preference,
        "ListDevices" => device::list_devices,
        "AdminListDevices" => device::admin_list_devices,
        "ForgetDevice" => device::forget_device,
        "GetDevice" => device::get_device,
        "ConfirmDevice" => device::confirm_device,
        "UpdateDeviceStatus" => device::update_device_status,
        "AdminGetDevice" => device::admin_get_device,
        "AdminForgetDevice" => device::admin_forget_device,
        "AdminUpdateDeviceStatus" => device::admin_update_device_status,
        "GetUserAuthFactors" => mfa::get_user_auth_factors,
        "CreateGroup" => group::create_group,
        "GetGroup" => group::get_group,
        "ListGroups" => group::list_groups,
        "DeleteGroup" => group::delete_group,
        "AdminAddUserToGroup" => group::admin_add_user_to_group,
        "AdminRemoveUserFromGroup" => group::admin_remove_user_from_group,
        "AdminListGroupsForUser" => group::admin_list_groups_for_user,
        "ListUsersInGroup" => group::list_users_in_group,
    })
}

async fn identity(svc: &CognitoService, ctx: &RequestContext, op: &str, input: Value) -> (&'static str, Result<Value, CognitoError>) {
    ops_table!(svc, ctx, op, input, {
        "CreateIdentityPool" => identity_pool::create_identity_pool,
        "DescribeIdentityPool" => identity_pool::describe_identity_pool,
        "ListIdentityPools" => identity_pool::list_identity_pools,
        "UpdateIdentityPool" => identity_pool::update_identity_pool,
        "DeleteIdentityPool" => identity_pool::delete_identity_pool,
        "SetIdentityPoolRoles" => identity_pool::set_identity_pool_roles,
        "GetIdentityPoolRoles" => identity_pool::get_identity_pool_roles,
        "GetId" => identity_pool::get_id,
        "GetCredentialsForIdentity" => identity_pool::get_credentials_for_identity,
        "GetOpenIdToken" => identity_pool::get_open_id_token,
    })
}

async fn well_known(svc: &CognitoService, pool_id: &str, doc: &str) -> Response {
    let pid = pool_id.to_string();
    let pool = match svc.db().read(move |c| crate::store::get_pool_any(c, &pid)).await {
        Ok(Some(p)) => p,
        Ok(None) => return json_response(StatusCode::NOT_FOUND, &serde_json::json!({"message": format!("User pool {pool_id} does not exist.")})),
        Err(_) => return json_response(StatusCode::INTERNAL_SERVER_ERROR, &serde_json::json!({"message": "internal error"})),
    };
    match doc {
        "jwks.json" => match svc.inner.keys.get_or_create(svc.db(), &svc.core().ids, &pool.id).await {
            Ok(keys) => json_response(StatusCode::OK, &crate::tokens::jwks::jwks(&keys)),
            Err(_) => json_response(StatusCode::INTERNAL_SERVER_ERROR, &serde_json::json!({"message": "internal error"})),
        },
        "openid-configuration" => {
            let iss = svc.issuer(&pool.region, &pool.id);
            json_response(StatusCode::OK, &crate::tokens::jwks::openid_configuration(&iss, &pool.region, &pool.id))
        }
        _ => json_response(StatusCode::NOT_FOUND, &serde_json::json!({"message": "Not found"})),
    }
}

/// Decode `a=b&c=d` (percent-encoding and `+`).
pub fn form_pairs(q: &str) -> Vec<(String, String)> {
    q.split('&')
        .filter(|kv| !kv.is_empty())
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            let dec = |s: &str| percent_encoding::percent_decode_str(&s.replace('+', " ")).decode_utf8_lossy().into_owned();
            (dec(k), dec(v))
        })
        .collect()
}

async fn codes(svc: &CognitoService, query: &str) -> Response {
    let q = form_pairs(query);
    let get = |k: &str| q.iter().find(|(a, _)| a == k).map(|(_, b)| b.clone());
    let Some(pool) = get("pool") else {
        return json_response(StatusCode::BAD_REQUEST, &serde_json::json!({"message": "query parameter 'pool' is required"}));
    };
    match svc.codes(&pool, get("username").as_deref()).await {
        Ok(rows) => json_response(StatusCode::OK, &serde_json::json!({"codes": rows})),
        Err(e) => json_response(StatusCode::BAD_REQUEST, &serde_json::json!({"message": e.to_string()})),
    }
}

impl CognitoService {
    /// The code inbox of a pool, newest first; `username` may be the internal name or an
    /// email / phone alias.
    pub async fn codes(&self, pool_id: &str, username: Option<&str>) -> Result<Vec<crate::store::CodeRow>, CognitoError> {
        let (p, u) = (pool_id.to_string(), username.map(str::to_string));
        self.db()
            .read(move |c| {
                let Some(pool) = crate::store::get_pool_any(c, &p)? else {
                    return Err(CognitoError::ResourceNotFoundException(format!("User pool {p} does not exist.")));
                };
                let name = match &u {
                    Some(n) => Some(ops::find_user(c, &pool, n)?.map(|x| x.username).unwrap_or_else(|| n.clone())),
                    None => None,
                };
                crate::store::list_codes(c, &pool.id, name.as_deref())
            })
            .await
    }

    /// The newest code of `purpose` (`signup`, `forgot_password`, `verify_email`, …) sent to a
    /// user, for tests and tooling.
    pub async fn last_code(&self, pool_id: &str, username: &str, purpose: &str) -> Result<Option<String>, CognitoError> {
        Ok(self.codes(pool_id, Some(username)).await?.into_iter().find(|c| c.purpose == purpose).map(|c| c.code))
    }
}

/// A body-less response with `status` (used by STS).
pub fn empty(status: StatusCode) -> Response {
    let mut r = Response::new(Body::empty());
    *r.status_mut() = status;
    r
}
