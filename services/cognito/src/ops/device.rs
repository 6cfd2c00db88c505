//! Devices: ListDevices / AdminListDevices / GetDevice / ForgetDevice / ConfirmDevice
//! (<https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-device-tracking.html>).
//! amplocal never turns device tracking on (sign-ins return no `NewDeviceMetadata`), so users
//! have no devices: lists are empty and device lookups answer `ResourceNotFoundException`
//! "Device does not exist.", which Amplify handles by forgetting its stored device.

use super::req;
use crate::error::{CognitoError, Result};
use crate::CognitoService;
use amplocal_core::RequestContext;
use serde_json::{json, Value};

fn no_device() -> CognitoError {
    CognitoError::ResourceNotFoundException("Device does not exist.".into())
}

/// ListDevices.
pub async fn list_devices(svc: &CognitoService, _ctx: &RequestContext, input: Value) -> Result<Value> {
    super::self_service::token_user(svc, req(&input, "AccessToken")?).await?;
    Ok(json!({"Devices": []}))
}

/// AdminListDevices.
pub async fn admin_list_devices(svc: &CognitoService, ctx: &RequestContext, input: Value) -> Result<Value> {
    let pool_id = req(&input, "UserPoolId")?.to_string();
    let name = req(&input, "Username")?.to_string();
    let acct = ctx.account_id.clone();
    svc.db().read(move |c| super::user::pool_user(c, &acct, &pool_id, &name)).await?;
    Ok(json!({"Devices": []}))
}

/// GetDevice.
pub async fn get_device(svc: &CognitoService, _ctx: &RequestContext, input: Value) -> Result<Value> {
    req(&input, "DeviceKey")?;
    if let Some(t) = input["AccessToken"].as_str() {
        super::self_service::token_user(svc, t).await?;
    }
    Err(no_device())
}

/// ForgetDevice.
pub async fn forget_device(svc: &CognitoService, ctx: &RequestContext, input: Value) -> Result<Value> {
    get_device(svc, ctx, input).await
}

/// ConfirmDevice.
pub async fn confirm_device(svc: &CognitoService, ctx: &RequestContext, input: Value) -> Result<Value> {
    get_device(svc, ctx, input).await
}

/// UpdateDeviceStatus.
pub async fn update_device_status(svc: &CognitoService, ctx: &RequestContext, input: Value) -> Result<Value> {
    get_device(svc, ctx, input).await
}
