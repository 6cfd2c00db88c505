//! Groups: CreateGroup, GetGroup, ListGroups, DeleteGroup, AdminAddUserToGroup,
//! AdminRemoveUserFromGroup, AdminListGroupsForUser, ListUsersInGroup
//! (<https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_CreateGroup.html>).
//! Group membership shows in tokens as `cognito:groups`; `RoleArn`/`Precedence` are stored
//! but not turned into `cognito:roles`.

use super::{now, opt, req, req_nonempty};
use crate::error::{CognitoError, Result};
use crate::store::user::{self as users, no_group};
use crate::store::{self, Pool};
use crate::CognitoService;
use amplocal_core::RequestContext;
use rusqlite::{params, Connection, OptionalExtension};
use serde_json::{json, Value};

fn load_group(c: &Connection, pool: &Pool, name: &str) -> Result<Value> {
    let s: Option<String> = c.query_row("SELECT data FROM groups WHERE pool_id = ?1 AND name = ?2", [&pool.id, name], |r| r.get(0)).optional()?;
    s.map(|s| serde_json::from_str(&s).map_err(CognitoError::from)).transpose()?.ok_or_else(|| no_group(name))
}

fn put_group(c: &Connection, pool: &Pool, g: &Value) -> Result<()> {
    c.execute("INSERT OR REPLACE INTO groups (pool_id, name, data) VALUES (?1, ?2, ?3)", params![pool.id, g["GroupName"].as_str().unwrap_or_default(), g.to_string()])?;
    Ok(())
}

/// CreateGroup.
pub async fn create_group(svc: &CognitoService, ctx: &RequestContext, input: Value) -> Result<Value> {
    let pool_id = req(&input, "UserPoolId")?.to_string();
    let name = req_nonempty(&input, "GroupName")?.to_string();
    let t = now(ctx);
    let mut g = json!({"GroupName": name, "UserPoolId": pool_id, "CreationDate": t, "LastModifiedDate": t});
    for k in ["Description", "RoleArn", "Precedence"] {
        if let Some(v) = input.get(k).filter(|v| !v.is_null()) {
            g[k] = v.clone();
        }
    }
    let (acct, g2) = (ctx.account_id.clone(), g.clone());
    svc.db()
        .write(move |c| {
            let pool = store::get_pool(c, &acct, &pool_id)?;
            if load_group(c, &pool, &name).is_ok() {
                return Err(CognitoError::GroupExistsException("A group with the name already exists.".into()));
            }
            put_group(c, &pool, &g2)
        })
        .await?;
    Ok(json!({"Group": g}))
}

/// GetGroup.
pub async fn get_group(svc: &CognitoService, ctx: &RequestContext, input: Value) -> Result<Value> {
    let pool_id = req(&input, "UserPoolId")?.to_string();
    let name = req(&input, "GroupName")?.to_string();
    let acct = ctx.account_id.clone();
    let g = svc.db().read(move |c| load_group(c, &store::get_pool(c, &acct, &pool_id)?, &name)).await?;
    Ok(json!({"Group": g}))
}


/// ListGroups.
pub async fn list_groups(svc: &CognitoService, ctx: &RequestContext, input: Value) -> Result<Value> {
    let pool_id = req(&input, "UserPoolId")?.to_string();
    let limit = input["Limit"].as_i64().unwrap_or(60).clamp(1, 60) as usize;
    let after = opt(&input, "NextToken").map(|t| amplocal_core::pagination::decode::<String>(t).ok_or_else(|| CognitoError::param("Invalid pagination token"))).transpose()?;
    let acct = ctx.account_id.clone();
    let all: Vec<String> = svc
        .db()
        .read(move |c| {
            let pool = store::get_pool(c, &acct, &pool_id)?;
            let mut st = c.prepare("SELECT data FROM groups WHERE pool_id = ?1 ORDER BY name")?;
            let rows = st.query_map([&pool.id], |r| r.get(0))?.collect::<rusqlite::Result<Vec<String>>>()?;
            Ok::<_, CognitoError>(rows)
        })
        .await?;
    let groups: Vec<Value> = all.iter().filter_map(|s| serde_json::from_str(s).ok()).collect();
    let rest: Vec<&Value> = groups.iter().filter(|g| after.as_ref().is_none_or(|a| g["GroupName"].as_str().unwrap_or_default() > a.as_str())).collect();
    let mut out = json!({"Groups": rest.iter().take(limit).cloned().cloned().collect::<Vec<_>>()});
    if rest.len() > limit {
        out["NextToken"] = amplocal_core::pagination::encode(&rest[limit - 1]["GroupName"].as_str().unwrap_or_default()).into();
    }
    Ok(out)
}

/// DeleteGroup.
pub async fn delete_group(svc: &CognitoService, ctx: &RequestContext, input: Value) -> Result<Value> {
    let pool_id = req(&input, "UserPoolId")?.to_string();
    let name = req(&input, "GroupName")?.to_string();
    let acct = ctx.account_id.clone();
    svc.db()
        .write(move |c| {
            let pool = store::get_pool(c, &acct, &pool_id)?;
            load_group(c, &pool, &name)?;
            c.execute("DELETE FROM groups WHERE pool_id = ?1 AND name = ?2", [&pool.id, &name])?;
            c.execute("DELETE FROM user_groups WHERE pool_id = ?1 AND group_name = ?2", [&pool.id, &name])?;
            Ok::<_, CognitoError>(())
        })
        .await?;
    Ok(json!({}))
}

async fn membership(svc: &CognitoService, ctx: &RequestContext, input: &Value, add: bool) -> Result<Value> {
    let pool_id = req(input, "UserPoolId")?.to_string();
    let name = req(input, "Username")?.to_string();
    let group = req(input, "GroupName")?.to_string();
    let acct = ctx.account_id.clone();
    svc.db()
        .write(move |c| {
            let (pool, u) = super::user::pool_user(c, &acct, &pool_id, &name)?;
            load_group(c, &pool, &group)?;
            if add {
                c.execute("INSERT OR IGNORE INTO user_groups (pool_id, username, group_name) VALUES (?1, ?2, ?3)", [&pool.id, &u.username, &group])?;
            } else {
                c.execute("DELETE FROM user_groups WHERE pool_id = ?1 AND username = ?2 AND group_name = ?3", [&pool.id, &u.username, &group])?;
            }
            Ok::<_, CognitoError>(())
        })
        .await?;
    Ok(json!({}))
}

/// AdminAddUserToGroup.
pub async fn admin_add_user_to_group(svc: &CognitoService, ctx: &RequestContext, input: Value) -> Result<Value> {
    membership(svc, ctx, &input, true).await
}

/// AdminRemoveUserFromGroup.
pub async fn admin_remove_user_from_group(svc: &CognitoService, ctx: &RequestContext, input: Value) -> Result<Value> {
    membership(svc, ctx, &input, false).await
}

/// AdminListGroupsForUser.
pub async fn admin_list_groups_for_user(svc: &CognitoService, ctx: &RequestContext, input: Value) -> Result<Value> {
    let pool_id = req(&input, "UserPoolId")?.to_string();
    let name = req(&input, "Username")?.to_string();
    let acct = ctx.account_id.clone();
    let groups = svc
        .db()
        .read(move |c| {
            let (pool, u) = super::user::pool_user(c, &acct, &pool_id, &name)?;
            users::groups_of(c, &pool.id, &u.username)?.iter().map(|g| load_group(c, &pool, g)).collect::<Result<Vec<_>>>()
        })
        .await?;
    Ok(json!({"Groups": groups}))
}

/// ListUsersInGroup.
pub async fn list_users_in_group(svc: &CognitoService, ctx: &RequestContext, input: Value) -> Result<Value> {
    let pool_id = req(&input, "UserPoolId")?.to_string();
    let group = req(&input, "GroupName")?.to_string();
    let acct = ctx.account_id.clone();
    let list = svc
        .db()
        .read(move |c| {
            let pool = store::get_pool(c, &acct, &pool_id)?;
            load_group(c, &pool, &group)?;
            let mut st = c.prepare("SELECT username FROM user_groups WHERE pool_id = ?1 AND group_name = ?2 ORDER BY username")?;
            let names = st.query_map([&pool.id, &group], |r| r.get::<_, String>(0))?.collect::<rusqlite::Result<Vec<_>>>()?;
            let mut out = Vec::new();
            for n in names {
                if let Some(u) = users::get(c, &pool.id, &n)? {
                    out.push(super::user::user_type(&u));
                }
            }
            Ok::<_, CognitoError>(out)
        })
        .await?;
    Ok(json!({"Users": list}))
}
