//! Set-up shared by the ops-level test binaries (each one includes it with `mod common;`).

use amplocal_dynamodb::model::{AttributeDefinition, CreateTableInput, KeySchemaElement};

/// CreateTable input for an on-demand table keyed by string attributes: `keys[0]` the hash key,
/// `keys[1]` (when given) the range key.
pub fn string_keyed_table(name: &str, keys: &[&str]) -> CreateTableInput {
    let roles = ["HASH", "RANGE"];
    CreateTableInput {
        table_name: name.into(),
        key_schema: keys.iter().zip(roles).map(|(k, role)| KeySchemaElement { attribute_name: (*k).into(), key_type: role.into() }).collect(),
        attribute_definitions: keys.iter().map(|k| AttributeDefinition { attribute_name: (*k).into(), attribute_type: "S".into() }).collect(),
        billing_mode: Some("PAY_PER_REQUEST".into()),
        ..Default::default()
    }
}
