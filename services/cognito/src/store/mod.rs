//! Cognito's SQLite store (`<data_dir>/cognito.db`): user pools, app clients, users (salt +
//! SRP verifier, never the password), groups, delivered codes, refresh tokens, signing keys,
//! identity pools and identities. Pool and client settings are kept as their AWS JSON shape.
//! Row helpers take a `&Connection` so ops can read, check and write inside one `db.write`.

pub mod device;
pub mod user;

use crate::error::{CognitoError, Result};
use rusqlite::{params, Connection, OptionalExtension};
use serde_json::Value;

/// Schema migrations (index = version - 1).
pub const MIGRATIONS: &[&str] = &[r#"
CREATE TABLE pools (id TEXT PRIMARY KEY, account TEXT NOT NULL, region TEXT NOT NULL, name TEXT NOT NULL,
  data TEXT NOT NULL, created REAL NOT NULL, modified REAL NOT NULL);
CREATE INDEX pools_acct ON pools(account, region);
CREATE TABLE clients (id TEXT PRIMARY KEY, pool_id TEXT NOT NULL, data TEXT NOT NULL);
CREATE INDEX clients_pool ON clients(pool_id);
CREATE TABLE users (pool_id TEXT NOT NULL, username TEXT NOT NULL, sub TEXT NOT NULL, status TEXT NOT NULL,
  enabled INTEGER NOT NULL, attrs TEXT NOT NULL, salt TEXT, verifier TEXT, created REAL NOT NULL,
  modified REAL NOT NULL, temp_expires REAL, mfa TEXT NOT NULL DEFAULT '{}', PRIMARY KEY (pool_id, username));
CREATE INDEX users_sub ON users(pool_id, sub);
CREATE TABLE codes (seq INTEGER PRIMARY KEY AUTOINCREMENT, pool_id TEXT NOT NULL, username TEXT NOT NULL,
  purpose TEXT NOT NULL, code TEXT NOT NULL, destination TEXT, created REAL NOT NULL, expires REAL NOT NULL,
  used INTEGER NOT NULL DEFAULT 0);
CREATE INDEX codes_user ON codes(pool_id, username, purpose);
CREATE TABLE groups (pool_id TEXT NOT NULL, name TEXT NOT NULL, data TEXT NOT NULL, PRIMARY KEY (pool_id, name));
CREATE TABLE user_groups (pool_id TEXT NOT NULL, username TEXT NOT NULL, group_name TEXT NOT NULL,
  PRIMARY KEY (pool_id, username, group_name));
CREATE TABLE refresh_tokens (token TEXT PRIMARY KEY, pool_id TEXT NOT NULL, client_id TEXT NOT NULL,
  username TEXT NOT NULL, origin_jti TEXT NOT NULL, auth_time INTEGER NOT NULL, expires REAL NOT NULL,
  revoked INTEGER NOT NULL DEFAULT 0);
CREATE INDEX rt_origin ON refresh_tokens(origin_jti);
CREATE INDEX rt_user ON refresh_tokens(pool_id, username);
CREATE TABLE signing_keys (pool_id TEXT PRIMARY KEY, kid TEXT NOT NULL, der BLOB NOT NULL);
CREATE TABLE identity_pools (id TEXT PRIMARY KEY, account TEXT NOT NULL, region TEXT NOT NULL, data TEXT NOT NULL);
CREATE TABLE identities (id TEXT PRIMARY KEY, pool_id TEXT NOT NULL, logins TEXT NOT NULL, created REAL NOT NULL,
  modified REAL NOT NULL);
CREATE TABLE identity_logins (pool_id TEXT NOT NULL, login TEXT NOT NULL, identity_id TEXT NOT NULL,
  PRIMARY KEY (pool_id, login));
"#, "ALTER TABLE refresh_tokens ADD COLUMN rotated REAL;", r#"
CREATE TABLE devices (pool_id TEXT NOT NULL, username TEXT NOT NULL, device_key TEXT NOT NULL, group_key TEXT NOT NULL,
  salt TEXT, verifier TEXT, name TEXT, remembered TEXT NOT NULL, confirmed INTEGER NOT NULL DEFAULT 0,
  created REAL NOT NULL, modified REAL NOT NULL, last_auth REAL NOT NULL, PRIMARY KEY (pool_id, username, device_key));
"#, r#"
ALTER TABLE signing_keys ADD COLUMN access_kid TEXT;
ALTER TABLE signing_keys ADD COLUMN access_der BLOB;
"#, "ALTER TABLE refresh_tokens ADD COLUMN device_key TEXT;"];

/// A user pool: its id, owner and the AWS-shaped settings object.
#[derive(Debug, Clone)]
pub struct Pool {
    /// `<region>_<9 alnum>`.
    pub id: String,
    /// Owning account.
    pub account: String,
    /// Region.
    pub region: String,
    /// PoolName.
    pub name: String,
    /// Settings in `UserPoolType` shape (without Id/Name/dates).
    pub data: Value,
    /// Creation time, epoch seconds.
    pub created: f64,
    /// Last modification, epoch seconds.
    pub modified: f64,
}

impl Pool {
    /// The part after `_`, which SRP hashes.
    pub fn srp_name(&self) -> &str {
        self.id.split_once('_').map(|(_, b)| b).unwrap_or(&self.id)
    }
    /// `UsernameAttributes` (email / phone_number).
    pub fn username_attributes(&self) -> Vec<String> {
        str_list(&self.data["UsernameAttributes"])
    }
    /// `AliasAttributes`.
    pub fn alias_attributes(&self) -> Vec<String> {
        str_list(&self.data["AliasAttributes"])
    }
    /// `AutoVerifiedAttributes`.
    pub fn auto_verified(&self) -> Vec<String> {
        str_list(&self.data["AutoVerifiedAttributes"])
    }
}

/// Strings of a JSON array (others ignored).
pub fn str_list(v: &Value) -> Vec<String> {
    v.as_array().map(|a| a.iter().filter_map(|s| s.as_str().map(str::to_string)).collect()).unwrap_or_default()
}

fn pool_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<(String, String, String, String, String, f64, f64)> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?))
}

fn to_pool(t: (String, String, String, String, String, f64, f64)) -> Result<Pool> {
    Ok(Pool { id: t.0, account: t.1, region: t.2, name: t.3, data: serde_json::from_str(&t.4)?, created: t.5, modified: t.6 })
}

const POOL_COLS: &str = "id, account, region, name, data, created, modified";

/// A pool by id, in any account (ids are globally unique; unsigned calls carry no account).
pub fn get_pool_any(c: &Connection, id: &str) -> Result<Option<Pool>> {
    let row = c
        .query_row(&format!("SELECT {POOL_COLS} FROM pools WHERE id = ?1"), [id], pool_from_row)
        .optional()?;
    row.map(to_pool).transpose()
}

/// A pool by id owned by `account`/`region`, else `ResourceNotFoundException`.
pub fn get_pool(c: &Connection, account: &str, id: &str) -> Result<Pool> {
    match get_pool_any(c, id)? {
        Some(p) if p.account == account => Ok(p),
        _ => Err(CognitoError::ResourceNotFoundException(format!("User pool {id} does not exist."))),
    }
}

/// All pools of an account and region, ordered by id.
pub fn list_pools(c: &Connection, account: &str, region: &str) -> Result<Vec<Pool>> {
    let mut st = c.prepare_cached(&format!("SELECT {POOL_COLS} FROM pools WHERE account = ?1 AND region = ?2 ORDER BY id"))?;
    let rows = st.query_map([account, region], pool_from_row)?.collect::<rusqlite::Result<Vec<_>>>()?;
    rows.into_iter().map(to_pool).collect()
}

/// Insert or replace a pool.
pub fn put_pool(c: &Connection, p: &Pool) -> Result<()> {
    c.prepare_cached(
        "INSERT OR REPLACE INTO pools (id, account, region, name, data, created, modified) VALUES (?1,?2,?3,?4,?5,?6,?7)")?.execute(params![p.id, p.account, p.region, p.name, serde_json::to_string(&p.data)?, p.created, p.modified],
    )?;
    Ok(())
}

/// Delete a pool and everything in it.
pub fn delete_pool(c: &Connection, id: &str) -> Result<()> {
    for t in ["pools WHERE id", "clients WHERE pool_id", "users WHERE pool_id", "codes WHERE pool_id", "groups WHERE pool_id", "user_groups WHERE pool_id", "refresh_tokens WHERE pool_id", "signing_keys WHERE pool_id", "devices WHERE pool_id"] {
        c.prepare_cached(&format!("DELETE FROM {t} = ?1"))?.execute([id])?;
    }
    Ok(())
}

/// An app client in `UserPoolClientType` shape.
pub fn get_client(c: &Connection, client_id: &str) -> Result<Option<Value>> {
    let row: Option<String> = c.prepare_cached("SELECT data FROM clients WHERE id = ?1")?.query_row([client_id], |r| r.get(0)).optional()?;
    row.map(|s| serde_json::from_str(&s).map_err(CognitoError::from)).transpose()
}

/// Insert or replace a client.
pub fn put_client(c: &Connection, client: &Value) -> Result<()> {
    let id = client["ClientId"].as_str().unwrap_or_default();
    let pool = client["UserPoolId"].as_str().unwrap_or_default();
    c.prepare_cached("INSERT OR REPLACE INTO clients (id, pool_id, data) VALUES (?1, ?2, ?3)")?.execute(params![id, pool, serde_json::to_string(client)?])?;
    Ok(())
}

/// Clients of a pool, by id.
pub fn list_clients(c: &Connection, pool_id: &str) -> Result<Vec<Value>> {
    let mut st = c.prepare_cached("SELECT data FROM clients WHERE pool_id = ?1 ORDER BY id")?;
    let rows = st.query_map([pool_id], |r| r.get::<_, String>(0))?.collect::<rusqlite::Result<Vec<_>>>()?;
    rows.iter().map(|s| serde_json::from_str(s).map_err(CognitoError::from)).collect()
}

/// Delete a client.
pub fn delete_client(c: &Connection, client_id: &str) -> Result<()> {
    c.prepare_cached("DELETE FROM clients WHERE id = ?1")?.execute([client_id])?;
    Ok(())
}

/// A code delivered to the local inbox.
#[derive(Debug, Clone, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CodeRow {
    /// Pool id.
    pub pool_id: String,
    /// Internal username.
    pub username: String,
    /// `signup`, `forgot_password`, `verify_<attr>`, `email_otp`.
    pub purpose: String,
    /// The code.
    pub code: String,
    /// Where a real pool would have sent it.
    pub destination: Option<String>,
    /// Epoch seconds.
    pub created: f64,
    /// Epoch seconds.
    pub expires: f64,
    /// Whether it was consumed.
    pub used: bool,
}

/// Store a new code (older codes of the same purpose stop working).
pub fn put_code(c: &Connection, row: &CodeRow) -> Result<()> {
    c.prepare_cached("UPDATE codes SET used = 1 WHERE pool_id = ?1 AND username = ?2 AND purpose = ?3")?.execute(params![row.pool_id, row.username, row.purpose])?;
    c.prepare_cached(
        "INSERT INTO codes (pool_id, username, purpose, code, destination, created, expires) VALUES (?1,?2,?3,?4,?5,?6,?7)")?.execute(params![row.pool_id, row.username, row.purpose, row.code, row.destination, row.created, row.expires],
    )?;
    Ok(())
}

/// The live (unused) code of a purpose, with its expiry.
pub fn live_code(c: &Connection, pool_id: &str, username: &str, purpose: &str) -> Result<Option<(String, f64)>> {
    Ok(c.prepare_cached(
        "SELECT code, expires FROM codes WHERE pool_id = ?1 AND username = ?2 AND purpose = ?3 AND used = 0 ORDER BY seq DESC LIMIT 1")?.query_row(params![pool_id, username, purpose],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .optional()?)
}

/// Mark the codes of a purpose used.
pub fn consume_codes(c: &Connection, pool_id: &str, username: &str, purpose: &str) -> Result<()> {
    c.prepare_cached("UPDATE codes SET used = 1 WHERE pool_id = ?1 AND username = ?2 AND purpose = ?3")?.execute(params![pool_id, username, purpose])?;
    Ok(())
}

/// The inbox: codes of a pool (optionally one user), newest first.
pub fn list_codes(c: &Connection, pool_id: &str, username: Option<&str>) -> Result<Vec<CodeRow>> {
    let mut st = c.prepare_cached(
        "SELECT pool_id, username, purpose, code, destination, created, expires, used FROM codes
         WHERE pool_id = ?1 AND (?2 IS NULL OR username = ?2) ORDER BY seq DESC LIMIT 100",
    )?;
    let rows = st
        .query_map(params![pool_id, username], |r| {
            Ok(CodeRow {
                pool_id: r.get(0)?,
                username: r.get(1)?,
                purpose: r.get(2)?,
                code: r.get(3)?,
                destination: r.get(4)?,
                created: r.get(5)?,
                expires: r.get(6)?,
                used: r.get::<_, i64>(7)? != 0,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}
