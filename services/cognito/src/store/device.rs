//! Device rows (remembered devices): the key and group key handed out in `NewDeviceMetadata`,
//! the device SRP salt + verifier ConfirmDevice stored, name, remembered status and dates.

use crate::error::Result;
use rusqlite::{params, Connection, OptionalExtension};

/// One tracked device of a user.
#[derive(Debug, Clone)]
pub struct Device {
    /// Pool id.
    pub pool_id: String,
    /// Internal username of the owner.
    pub username: String,
    /// `DeviceKey` (`<region>_<uuid>`).
    pub key: String,
    /// `DeviceGroupKey` (the "pool name" of the device SRP).
    pub group_key: String,
    /// Device SRP salt (hex), set by ConfirmDevice.
    pub salt: Option<String>,
    /// Device SRP verifier (hex), set by ConfirmDevice.
    pub verifier: Option<String>,
    /// `DeviceName` given to ConfirmDevice.
    pub name: Option<String>,
    /// `remembered` / `not_remembered`.
    pub remembered: String,
    /// Whether ConfirmDevice ran.
    pub confirmed: bool,
    /// Epoch seconds.
    pub created: f64,
    /// Epoch seconds.
    pub modified: f64,
    /// Last sign-in with (or creating) this device, epoch seconds.
    pub last_auth: f64,
}

const COLS: &str = "pool_id, username, device_key, group_key, salt, verifier, name, remembered, confirmed, created, modified, last_auth";

fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Device> {
    Ok(Device {
        pool_id: r.get(0)?,
        username: r.get(1)?,
        key: r.get(2)?,
        group_key: r.get(3)?,
        salt: r.get(4)?,
        verifier: r.get(5)?,
        name: r.get(6)?,
        remembered: r.get(7)?,
        confirmed: r.get::<_, i64>(8)? != 0,
        created: r.get(9)?,
        modified: r.get(10)?,
        last_auth: r.get(11)?,
    })
}

/// A device of a user by key (another user's device is "not found").
pub fn get(c: &Connection, pool_id: &str, username: &str, key: &str) -> Result<Option<Device>> {
    Ok(c.prepare_cached(&format!("SELECT {COLS} FROM devices WHERE pool_id = ?1 AND username = ?2 AND device_key = ?3"))?.query_row([pool_id, username, key], from_row)
        .optional()?)
}

/// The confirmed devices of a user, ordered by key (the pagination order).
pub fn list(c: &Connection, pool_id: &str, username: &str) -> Result<Vec<Device>> {
    let mut st = c.prepare_cached(&format!("SELECT {COLS} FROM devices WHERE pool_id = ?1 AND username = ?2 AND confirmed = 1 ORDER BY device_key"))?;
    let rows = st.query_map([pool_id, username], from_row)?.collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

/// Insert or replace a device.
pub fn put(c: &Connection, d: &Device) -> Result<()> {
    c.prepare_cached(
        &format!("INSERT OR REPLACE INTO devices ({COLS}) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12)"))?.execute(params![d.pool_id, d.username, d.key, d.group_key, d.salt, d.verifier, d.name, d.remembered, d.confirmed as i64, d.created, d.modified, d.last_auth],
    )?;
    Ok(())
}

/// Delete one device.
pub fn delete(c: &Connection, pool_id: &str, username: &str, key: &str) -> Result<bool> {
    Ok(c.prepare_cached("DELETE FROM devices WHERE pool_id = ?1 AND username = ?2 AND device_key = ?3")?.execute([pool_id, username, key])? > 0)
}
