//! In-process "ensure" entry points for the gateway's backend manifest: user pools, groups,
//! app clients, seed users and identity pools with optional FIXED ids, created when absent and
//! brought up to date when present, through the same ops the API uses
//! (CreateUserPool / UpdateUserPool, CreateGroup, CreateUserPoolClient / UpdateUserPoolClient,
//! CreateIdentityPool / UpdateIdentityPool / SetIdentityPoolRoles). A fixed id is given to a
//! freshly created resource by re-keying its row in the same store.
//!
//! Leaves out: deleting resources that left the manifest; changing a seed user that exists
//! (seed users are created once, CONFIRMED, with their permanent password).

use crate::error::{CognitoError, Result};
use crate::ops::{self, now};
use crate::store::{self, user as users};
use crate::CognitoService;
use amplocal_core::RequestContext;
use rusqlite::{params, OptionalExtension};
use serde_json::{json, Value};

/// Ensure a user pool named `input.PoolName` (CreateUserPool input shape, `Schema` included)
/// exists, with id `fixed_id` when given; returns its id.
pub async fn ensure_user_pool(svc: &CognitoService, ctx: &RequestContext, fixed_id: Option<&str>, input: Value) -> Result<String> {
    let name = ops::req_nonempty(&input, "PoolName")?.to_string();
    let (acct, region, fixed) = (ctx.account_id.clone(), ctx.region.clone(), fixed_id.map(str::to_string));
    let existing = svc
        .db()
        .read(move |c| match &fixed {
            Some(id) => match store::get_pool_any(c, id)? {
                Some(p) if p.account != acct => Err(CognitoError::param(format!("User pool {id} belongs to another account."))),
                p => Ok(p.map(|p| p.id)),
            },
            None => Ok(store::list_pools(c, &acct, &region)?.into_iter().find(|p| p.name == name).map(|p| p.id)),
        })
        .await?;
    let id = match existing {
        Some(id) => {
            let mut upd = input.clone();
            upd["UserPoolId"] = id.clone().into();
            ops::user_pool::update_user_pool(svc, ctx, upd).await?;
            patch_schema(svc, ctx, &id, &input).await?;
            id
        }
        None => {
            let out = ops::user_pool::create_user_pool(svc, ctx, input).await?;
            let created = out["UserPool"]["Id"].as_str().unwrap_or_default().to_string();
            match fixed_id {
                Some(fixed) if fixed != created => {
                    let fixed = fixed.to_string();
                    let (from, to) = (created.clone(), fixed.clone());
                    svc.settings_db()
                        .write(move |c| {
                            let mut p = store::get_pool_any(c, &from)?.ok_or_else(|| CognitoError::ResourceNotFoundException(format!("User pool {from} does not exist.")))?;
                            store::delete_pool(c, &from)?;
                            p.id = to;
                            store::put_pool(c, &p)
                        })
                        .await?;
                    svc.inner.keys.evict(&created);
                    fixed
                }
                _ => created,
            }
        }
    };
    Ok(id)
}

/// Bring the name and schema of an existing pool in line with `input`: standard attributes get
/// the requested `Required`, missing custom attributes are added (never removed, as in Cognito).
async fn patch_schema(svc: &CognitoService, ctx: &RequestContext, id: &str, input: &Value) -> Result<()> {
    let wanted = input["Schema"].as_array().cloned().unwrap_or_default();
    let name = input["PoolName"].as_str().unwrap_or_default().to_string();
    let (acct, id, t) = (ctx.account_id.clone(), id.to_string(), now(ctx));
    svc.settings_db()
        .write(move |c| {
            let mut p = store::get_pool(c, &acct, &id)?;
            let mut schema = p.data["SchemaAttributes"].as_array().cloned().unwrap_or_default();
            let before = schema.clone();
            for s in schema.iter_mut().filter(|s| s["Name"] != "sub" && !s["Name"].as_str().unwrap_or_default().starts_with("custom:")) {
                let req = wanted.iter().any(|w| w["Name"] == s["Name"] && w["Required"] == true);
                s["Required"] = req.into();
            }
            for w in &wanted {
                let n = format!("custom:{}", w["Name"].as_str().unwrap_or_default().trim_start_matches("custom:"));
                let is_custom = w["Name"].as_str().is_some_and(|x| x.starts_with("custom:")) || !schema.iter().any(|s| s["Name"] == w["Name"]);
                if is_custom && !schema.iter().any(|s| s["Name"] == n.as_str()) {
                    let mut a = w.clone();
                    a["Name"] = n.into();
                    a["DeveloperOnlyAttribute"] = json!(false);
                    a["Required"] = json!(false);
                    a.as_object_mut().map(|o| o.entry("Mutable").or_insert(json!(true)));
                    schema.push(a);
                }
            }
            if schema != before || (!name.is_empty() && p.name != name) {
                if !name.is_empty() {
                    p.name = name;
                }
                p.data["SchemaAttributes"] = Value::Array(schema);
                p.modified = t;
                store::put_pool(c, &p)?;
            }
            Ok::<_, CognitoError>(())
        })
        .await
}

/// Ensure group `name` exists in the pool with this description and precedence.
pub async fn ensure_group(svc: &CognitoService, ctx: &RequestContext, pool_id: &str, name: &str, description: Option<&str>, precedence: Option<i64>) -> Result<()> {
    let mut input = json!({"UserPoolId": pool_id, "GroupName": name});
    if let Some(d) = description {
        input["Description"] = d.into();
    }
    if let Some(p) = precedence {
        input["Precedence"] = p.into();
    }
    match ops::group::create_group(svc, ctx, input).await {
        Ok(_) => Ok(()),
        Err(CognitoError::GroupExistsException(_)) => {
            let (pool, name, desc, t) = (pool_id.to_string(), name.to_string(), description.map(str::to_string), now(ctx));
            svc.settings_db()
                .write(move |c| {
                    let data: Option<String> = c.query_row("SELECT data FROM groups WHERE pool_id = ?1 AND name = ?2", [&pool, &name], |r| r.get(0)).optional()?;
                    let mut g: Value = data.map(|d| serde_json::from_str(&d)).transpose()?.unwrap_or_else(|| json!({"GroupName": name, "UserPoolId": pool}));
                    let old = g.clone();
                    for (k, v) in [("Description", desc.map(Value::from)), ("Precedence", precedence.map(Value::from))] {
                        match v {
                            Some(v) => g[k] = v,
                            None => {
                                g.as_object_mut().map(|o| o.remove(k));
                            }
                        }
                    }
                    if g != old {
                        g["LastModifiedDate"] = t.into();
                        c.execute("UPDATE groups SET data = ?3 WHERE pool_id = ?1 AND name = ?2", params![pool, name, g.to_string()])?;
                    }
                    Ok::<_, CognitoError>(())
                })
                .await
        }
        Err(e) => Err(e),
    }
}

/// Ensure an app client (CreateUserPoolClient input shape; `GenerateSecret` honoured on create
/// and when turned on later) exists in the pool, with id `fixed_id` when given (otherwise found
/// by `ClientName`); returns the client (`UserPoolClientType`).
pub async fn ensure_client(svc: &CognitoService, ctx: &RequestContext, pool_id: &str, fixed_id: Option<&str>, input: Value) -> Result<Value> {
    let name = ops::req_nonempty(&input, "ClientName")?.to_string();
    let (pool, fixed) = (pool_id.to_string(), fixed_id.map(str::to_string));
    let acct = ctx.account_id.clone();
    // A fixed client id the manifest moved to another pool (of this account) moves with it.
    let existing = svc
        .settings_db()
        .write(move |c| match &fixed {
            Some(id) => match store::get_client(c, id)? {
                Some(cl) if cl["UserPoolId"] != pool.as_str() => {
                    let other = cl["UserPoolId"].as_str().unwrap_or_default();
                    if store::get_pool_any(c, other)?.is_some_and(|p| p.account != acct) {
                        return Err(CognitoError::param(format!("App client {id} belongs to another account.")));
                    }
                    store::delete_client(c, id)?;
                    Ok(None)
                }
                cl => Ok(cl),
            },
            None => Ok(store::list_clients(c, &pool)?.into_iter().find(|cl| cl["ClientName"] == name.as_str())),
        })
        .await?;
    let want_secret = input["GenerateSecret"] == true;
    let client = match existing {
        Some(cl) => {
            let mut upd = input.clone();
            upd["UserPoolId"] = pool_id.into();
            upd["ClientId"] = cl["ClientId"].clone();
            ops::client::update_user_pool_client(svc, ctx, upd).await?["UserPoolClient"].clone()
        }
        None => ops::client::create_user_pool_client(svc, ctx, input).await?["UserPoolClient"].clone(),
    };
    let mut fixed_client = client.clone();
    if let Some(id) = fixed_id {
        fixed_client["ClientId"] = id.into();
    }
    match (want_secret, fixed_client["ClientSecret"].is_string()) {
        (true, false) => fixed_client["ClientSecret"] = ops::new_client_secret(svc).into(),
        (false, true) => {
            fixed_client.as_object_mut().map(|o| o.remove("ClientSecret"));
        }
        _ => {}
    }
    if fixed_client != client {
        let (old_id, c2) = (client["ClientId"].as_str().unwrap_or_default().to_string(), fixed_client.clone());
        svc.settings_db()
            .write(move |c| {
                store::delete_client(c, &old_id)?;
                store::put_client(c, &c2)
            })
            .await?;
    }
    Ok(fixed_client)
}

/// Create seed user `username` CONFIRMED with permanent `password`, `attrs` and `groups` when
/// no such user exists (by username or sign-in attribute); an existing user is left alone.
/// Returns whether the user was created. The SRP verifier (the costly part) is computed on a
/// blocking thread outside any transaction, so several users and other writers overlap it.
pub async fn ensure_user(svc: &CognitoService, ctx: &RequestContext, pool_id: &str, username: &str, password: &str, attrs: Vec<(String, String)>, groups: Vec<String>) -> Result<bool> {
    let (acct, pool_id, typed, pw, t, svc2) = (ctx.account_id.clone(), pool_id.to_string(), username.to_string(), password.to_string(), now(ctx), svc.clone());
    let typed2 = typed.clone();
    let pw2 = pw.clone();
    let built = svc
        .db()
        .read(move |c| {
            let pool = store::get_pool(c, &acct, &pool_id)?;
            if ops::find_user(c, &pool, &typed2)?.is_some() {
                return Ok(None);
            }
            ops::check_password(&pool, &pw2)?;
            let u = ops::user::new_user(&svc2, c, &pool, &typed2, &attrs, t)?;
            Ok::<_, CognitoError>(Some((pool, u)))
        })
        .await?;
    let Some((pool, mut u)) = built else { return Ok(false) };
    let svc3 = svc.clone();
    let (pool, u) = tokio::task::spawn_blocking(move || {
        u.status = "CONFIRMED".into();
        ops::set_password(&svc3, &pool, &mut u, &pw);
        (pool, u)
    })
    .await
    .map_err(|e| CognitoError::Internal(amplocal_core::InternalError::new(format!("seed user password: {e}"))))?;
    svc.settings_db()
        .write(move |c| {
            // Another writer may have taken the name since the read.
            if ops::find_user(c, &pool, &typed)?.is_some() || users::get(c, &pool.id, &u.username)?.is_some() {
                return Ok(false);
            }
            users::put(c, &u)?;
            for g in &groups {
                let exists: bool = c.query_row("SELECT count(*) FROM groups WHERE pool_id = ?1 AND name = ?2", [&pool.id, g], |r| r.get::<_, i64>(0))? > 0;
                if !exists {
                    return Err(users::no_group(g));
                }
                c.execute("INSERT OR IGNORE INTO user_groups (pool_id, username, group_name) VALUES (?1, ?2, ?3)", [&pool.id, &u.username, g])?;
            }
            Ok::<_, CognitoError>(true)
        })
        .await
}

/// Ensure an identity pool (CreateIdentityPool input shape) exists, with id `fixed_id` when
/// given (otherwise found by `IdentityPoolName`), and set its roles; returns its id.
pub async fn ensure_identity_pool(svc: &CognitoService, ctx: &RequestContext, fixed_id: Option<&str>, input: Value, roles: Value) -> Result<String> {
    let name = ops::req_nonempty(&input, "IdentityPoolName")?.to_string();
    let (acct, region, fixed) = (ctx.account_id.clone(), ctx.region.clone(), fixed_id.map(str::to_string));
    let existing: Option<String> = svc
        .db()
        .read(move |c| {
            let rows: Vec<(String, String, String)> = {
                let mut st = c.prepare("SELECT id, account, data FROM identity_pools WHERE (?1 IS NOT NULL AND id = ?1) OR (?1 IS NULL AND account = ?2 AND region = ?3)")?;
                let rows = st.query_map(params![fixed, acct, region], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?.collect::<rusqlite::Result<Vec<_>>>()?;
                rows
            };
            for (id, a, data) in rows {
                if fixed.is_some() && a != acct {
                    return Err(CognitoError::param(format!("Identity pool {id} belongs to another account.")));
                }
                let d: Value = serde_json::from_str(&data)?;
                if fixed.is_some() || d["IdentityPoolName"] == name.as_str() {
                    return Ok(Some(id));
                }
            }
            Ok::<_, CognitoError>(None)
        })
        .await?;
    let id = match existing {
        Some(id) => {
            let mut upd = input.clone();
            upd["IdentityPoolId"] = id.clone().into();
            ops::identity_pool::update_identity_pool(svc, ctx, upd).await?;
            id
        }
        None => {
            let out = ops::identity_pool::create_identity_pool(svc, ctx, input).await?;
            let created = out["IdentityPoolId"].as_str().unwrap_or_default().to_string();
            match fixed_id {
                Some(fixed) if fixed != created => {
                    let (from, to) = (created, fixed.to_string());
                    let to2 = to.clone();
                    svc.settings_db()
                        .write(move |c| {
                            let data: String = c.query_row("SELECT data FROM identity_pools WHERE id = ?1", [&from], |r| r.get(0))?;
                            let mut d: Value = serde_json::from_str(&data)?;
                            d["IdentityPoolId"] = to2.clone().into();
                            c.execute("UPDATE identity_pools SET id = ?2, data = ?3 WHERE id = ?1", params![from, to2, d.to_string()])?;
                            Ok::<_, CognitoError>(())
                        })
                        .await?;
                    to
                }
                _ => created,
            }
        }
    };
    ops::identity_pool::set_identity_pool_roles(svc, ctx, json!({"IdentityPoolId": id, "Roles": roles})).await?;
    Ok(id)
}
