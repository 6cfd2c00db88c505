//! The DynamoDB operations as typed `pub async fn`s on [`crate::DynamoDbService`]; no HTTP
//! here. Shared helpers: parameter constraint checks with AWS's Coral-validator wording,
//! consumed-capacity accounting, and the change context for stream records.

mod batch;
mod conditions;
mod index_read;
mod item;
mod key_condition;
mod legacy;
mod partiql;
mod query;
mod read;
mod streams;
mod table;
mod table_validate;
mod transact;
mod ttl;

pub use read::ReadPlan;

use crate::error::DynamoError;
use crate::model::{Capacity, ConsumedCapacity};
use crate::store::items::{Actor, ChangeCtx};
use amplocal_core::clock::epoch_secs_f64;
use amplocal_core::RequestContext;

/// `1 validation error detected: Value '<v>' at '<field>' failed to satisfy constraint: <c>`.
pub(crate) fn constraint(value: &str, field: &str, c: &str) -> DynamoError {
    DynamoError::validation(format!("1 validation error detected: Value {value} at '{field}' failed to satisfy constraint: {c}"))
}

/// Check an optional enum parameter.
pub(crate) fn check_enum(v: &Option<String>, field: &str, allowed: &[&str]) -> Result<(), DynamoError> {
    match v {
        Some(x) if !allowed.contains(&x.as_str()) => {
            Err(constraint(&format!("'{x}'"), field, &format!("Member must satisfy enum value set: [{}]", allowed.join(", "))))
        }
        _ => Ok(()),
    }
}

/// Validate a table name (3–255 of `[a-zA-Z0-9_.-]`), accepting table ARNs.
pub(crate) fn check_table_name(name: &str, field: &str) -> Result<(), DynamoError> {
    if name.is_empty() {
        return Err(constraint("null", field, "Member must not be null"));
    }
    if name.starts_with("arn:") {
        return Ok(());
    }
    if name.len() < 3 {
        return Err(constraint(&format!("'{name}'"), field, "Member must have length greater than or equal to 3"));
    }
    if name.len() > 255 {
        return Err(constraint(&format!("'{name}'"), field, "Member must have length less than or equal to 255"));
    }
    if !name.chars().all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c)) {
        return Err(constraint(&format!("'{name}'"), field, "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+"));
    }
    Ok(())
}

pub(crate) const RETURN_CAPACITY: &[&str] = &["INDEXES", "TOTAL", "NONE"];

/// Capacity units for `bytes` read or written.
pub(crate) fn units(bytes: usize, write: bool, consistent: bool) -> f64 {
    if write {
        (bytes.div_ceil(1024)).max(1) as f64
    } else {
        let u = (bytes.div_ceil(4096)).max(1) as f64;
        if consistent {
            u
        } else {
            u / 2.0
        }
    }
}

/// `ConsumedCapacity` for one table when requested.
pub(crate) fn capacity(mode: &Option<String>, table: &str, units: f64, write: bool) -> Option<ConsumedCapacity> {
    let mode = mode.as_deref()?;
    if mode == "NONE" {
        return None;
    }
    let mut c = ConsumedCapacity { table_name: Some(table.to_string()), capacity_units: Some(units), ..Default::default() };
    if write {
        c.write_capacity_units = Some(units);
    } else {
        c.read_capacity_units = Some(units);
    }
    if mode == "INDEXES" {
        c.table = Some(Capacity { capacity_units: Some(units), ..Default::default() });
    }
    Some(c)
}

/// The change context of a client request.
pub(crate) fn change_ctx(ctx: &RequestContext) -> ChangeCtx {
    ChangeCtx { region: ctx.region.clone(), now: epoch_secs_f64(ctx.now), actor: Actor::User }
}
