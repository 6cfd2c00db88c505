//! User rows (attributes, status, salt + SRP verifier), group membership and refresh tokens.

use crate::error::{CognitoError, Result};
use rusqlite::{params, Connection, OptionalExtension};
use serde_json::{Map, Value};

/// One user of a pool.
#[derive(Debug, Clone)]
pub struct User {
    /// Pool id.
    pub pool_id: String,
    /// Internal (immutable) username; a UUID in email/phone-as-username pools.
    pub username: String,
    /// The `sub` UUID.
    pub sub: String,
    /// `UNCONFIRMED`, `CONFIRMED`, `FORCE_CHANGE_PASSWORD`, `RESET_REQUIRED`.
    pub status: String,
    /// AdminDisableUser clears it.
    pub enabled: bool,
    /// Attributes in insertion order (`sub` included), values as strings.
    pub attrs: Map<String, Value>,
    /// SRP salt (hex).
    pub salt: Option<String>,
    /// SRP verifier (hex).
    pub verifier: Option<String>,
    /// Epoch seconds.
    pub created: f64,
    /// Epoch seconds.
    pub modified: f64,
    /// When a temporary password stops working.
    pub temp_expires: Option<f64>,
    /// MFA settings: `{"totp_secret":..,"totp_verified":bool,"preferred":..,"enabled":[..]}`.
    pub mfa: Value,
}

impl User {
    /// An attribute value.
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs.get(name).and_then(Value::as_str)
    }

    /// `[{Name, Value}]` as AWS returns them.
    pub fn attributes_json(&self) -> Value {
        Value::Array(self.attrs.iter().map(|(k, v)| serde_json::json!({"Name": k, "Value": v})).collect())
    }
}

const COLS: &str = "pool_id, username, sub, status, enabled, attrs, salt, verifier, created, modified, temp_expires, mfa";

fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<(User, String, String)> {
    let attrs: String = r.get(5)?;
    let mfa: String = r.get(11)?;
    Ok((
        User {
            pool_id: r.get(0)?,
            username: r.get(1)?,
            sub: r.get(2)?,
            status: r.get(3)?,
            enabled: r.get::<_, i64>(4)? != 0,
            attrs: Map::new(),
            salt: r.get(6)?,
            verifier: r.get(7)?,
            created: r.get(8)?,
            modified: r.get(9)?,
            temp_expires: r.get(10)?,
            mfa: Value::Null,
        },
        attrs,
        mfa,
    ))
}

fn finish(t: (User, String, String)) -> Result<User> {
    let (mut u, attrs, mfa) = t;
    u.attrs = serde_json::from_str(&attrs)?;
    u.mfa = serde_json::from_str(&mfa)?;
    Ok(u)
}

/// A user by internal username.
pub fn get(c: &Connection, pool_id: &str, username: &str) -> Result<Option<User>> {
    let row = c.prepare_cached(&format!("SELECT {COLS} FROM users WHERE pool_id = ?1 AND username = ?2"))?.query_row([pool_id, username], from_row).optional()?;
    row.map(finish).transpose()
}

/// A user by `sub`.
pub fn get_by_sub(c: &Connection, pool_id: &str, sub: &str) -> Result<Option<User>> {
    let row = c.prepare_cached(&format!("SELECT {COLS} FROM users WHERE pool_id = ?1 AND sub = ?2"))?.query_row([pool_id, sub], from_row).optional()?;
    row.map(finish).transpose()
}

/// Users whose attribute `name` equals `value` (aliases, username attributes).
pub fn find_by_attr(c: &Connection, pool_id: &str, name: &str, value: &str) -> Result<Vec<User>> {
    let mut st = c.prepare_cached(&format!("SELECT {COLS} FROM users WHERE pool_id = ?1 AND json_extract(attrs, '$.\"' || ?2 || '\"') = ?3"))?;
    let rows = st.query_map(params![pool_id, name, value], from_row)?.collect::<rusqlite::Result<Vec<_>>>()?;
    rows.into_iter().map(finish).collect()
}

/// All users of a pool ordered by username.
pub fn list(c: &Connection, pool_id: &str) -> Result<Vec<User>> {
    let mut st = c.prepare_cached(&format!("SELECT {COLS} FROM users WHERE pool_id = ?1 ORDER BY username"))?;
    let rows = st.query_map([pool_id], from_row)?.collect::<rusqlite::Result<Vec<_>>>()?;
    rows.into_iter().map(finish).collect()
}

/// Insert or replace a user.
pub fn put(c: &Connection, u: &User) -> Result<()> {
    c.prepare_cached(
        &format!("INSERT OR REPLACE INTO users ({COLS}) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12)"))?.execute(params![
            u.pool_id,
            u.username,
            u.sub,
            u.status,
            u.enabled as i64,
            serde_json::to_string(&u.attrs)?,
            u.salt,
            u.verifier,
            u.created,
            u.modified,
            u.temp_expires,
            serde_json::to_string(&u.mfa)?
        ],
    )?;
    Ok(())
}

/// Delete a user with their codes, groups and refresh tokens.
pub fn delete(c: &Connection, pool_id: &str, username: &str) -> Result<()> {
    for t in ["users", "codes", "user_groups", "refresh_tokens", "devices"] {
        c.prepare_cached(&format!("DELETE FROM {t} WHERE pool_id = ?1 AND username = ?2"))?.execute([pool_id, username])?;
    }
    Ok(())
}

/// Group names of a user, sorted (precedence is not modelled).
pub fn groups_of(c: &Connection, pool_id: &str, username: &str) -> Result<Vec<String>> {
    let mut st = c.prepare_cached("SELECT group_name FROM user_groups WHERE pool_id = ?1 AND username = ?2 ORDER BY group_name")?;
    let rows = st.query_map([pool_id, username], |r| r.get(0))?.collect::<rusqlite::Result<Vec<String>>>()?;
    Ok(rows)
}

/// `(RoleArn, Precedence)` of the user's groups that carry a role.
pub fn group_roles(c: &Connection, pool_id: &str, username: &str) -> Result<Vec<(String, i64)>> {
    let mut st = c.prepare_cached(
        "SELECT g.data FROM user_groups ug JOIN groups g ON g.pool_id = ug.pool_id AND g.name = ug.group_name
         WHERE ug.pool_id = ?1 AND ug.username = ?2 ORDER BY g.name",
    )?;
    let rows = st.query_map([pool_id, username], |r| r.get::<_, String>(0))?.collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows
        .iter()
        .filter_map(|d| serde_json::from_str::<Value>(d).ok())
        .filter_map(|g| Some((g["RoleArn"].as_str()?.to_string(), g["Precedence"].as_i64().unwrap_or(i64::MAX))))
        .collect())
}

/// A stored refresh token.
#[derive(Debug, Clone)]
pub struct RefreshRow {
    /// Pool id.
    pub pool_id: String,
    /// App client id it was issued to.
    pub client_id: String,
    /// Internal username.
    pub username: String,
    /// Id of the original authentication (stable across refreshes).
    pub origin_jti: String,
    /// `auth_time` of the original sign-in.
    pub auth_time: i64,
    /// Epoch seconds.
    pub expires: f64,
    /// Revoked by RevokeToken / GlobalSignOut.
    pub revoked: bool,
    /// When rotation replaced it (refresh-token rotation), epoch seconds.
    pub rotated: Option<f64>,
    /// The device the sign-in was bound to (a remembered device it proved, or the new device
    /// it was given); the token stops working when the device is forgotten.
    pub device_key: Option<String>,
}

/// Store a refresh token.
pub fn put_refresh(c: &Connection, token: &str, r: &RefreshRow) -> Result<()> {
    c.prepare_cached(
        "INSERT INTO refresh_tokens (token, pool_id, client_id, username, origin_jti, auth_time, expires, revoked, device_key) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9)")?.execute(params![token, r.pool_id, r.client_id, r.username, r.origin_jti, r.auth_time, r.expires, r.revoked as i64, r.device_key],
    )?;
    Ok(())
}

fn refresh_from(r: &rusqlite::Row<'_>) -> rusqlite::Result<RefreshRow> {
    Ok(RefreshRow {
        pool_id: r.get(0)?,
        client_id: r.get(1)?,
        username: r.get(2)?,
        origin_jti: r.get(3)?,
        auth_time: r.get(4)?,
        expires: r.get(5)?,
        revoked: r.get::<_, i64>(6)? != 0,
        rotated: r.get(7)?,
        device_key: r.get(8)?,
    })
}

/// A refresh token by value.
pub fn get_refresh(c: &Connection, token: &str) -> Result<Option<RefreshRow>> {
    Ok(c.prepare_cached(
        "SELECT pool_id, client_id, username, origin_jti, auth_time, expires, revoked, rotated, device_key FROM refresh_tokens WHERE token = ?1")?.query_row([token],
        refresh_from,
    )
    .optional()?)
}

/// Mark a refresh token as replaced by rotation at `t`.
pub fn mark_rotated(c: &Connection, token: &str, t: f64) -> Result<()> {
    c.prepare_cached("UPDATE refresh_tokens SET rotated = ?1 WHERE token = ?2 AND rotated IS NULL")?.execute(params![t, token])?;
    Ok(())
}

/// Whether the authentication `origin_jti` is revoked (or unknown).
pub fn origin_revoked(c: &Connection, origin_jti: &str) -> Result<bool> {
    let r: Option<i64> = c.prepare_cached("SELECT revoked FROM refresh_tokens WHERE origin_jti = ?1 LIMIT 1")?.query_row([origin_jti], |r| r.get(0)).optional()?;
    Ok(r.is_none_or(|v| v != 0))
}

/// Revoke one authentication (refresh token and the access tokens minted from it).
pub fn revoke_origin(c: &Connection, origin_jti: &str) -> Result<()> {
    c.prepare_cached("UPDATE refresh_tokens SET revoked = 1 WHERE origin_jti = ?1")?.execute([origin_jti])?;
    Ok(())
}

/// Revoke every authentication of a user (GlobalSignOut).
pub fn revoke_user(c: &Connection, pool_id: &str, username: &str) -> Result<()> {
    c.prepare_cached("UPDATE refresh_tokens SET revoked = 1 WHERE pool_id = ?1 AND username = ?2")?.execute([pool_id, username])?;
    Ok(())
}

/// `ResourceNotFoundException` for a group.
pub fn no_group(name: &str) -> CognitoError {
    CognitoError::ResourceNotFoundException(format!("Group {name} not found."))
}
