//! CreateTable / UpdateTable parameter validation with AWS's messages (key schema, attribute
//! definitions, billing mode and throughput, LSI/GSI rules, projections, stream specification).
//! See <https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_CreateTable.html>.

use super::table::stream_label;
use super::{check_enum, check_table_name, constraint};
use crate::error::DynamoError;
use crate::model::*;
use crate::store::catalog::TableMeta;
use amplocal_core::clock::epoch_secs_f64;
use amplocal_core::RequestContext;

pub(super) fn check_projection(p: &Projection, index: &str) -> Result<(), DynamoError> {
    let ty = p.projection_type.as_deref().unwrap_or("");
    match ty {
        "ALL" | "KEYS_ONLY" => {
            if p.non_key_attributes.is_some() {
                return Err(DynamoError::validation(format!(
                    "One or more parameter values were invalid: ProjectionType is {ty}, but NonKeyAttributes is specified"
                )));
            }
        }
        "INCLUDE" => {
            if p.non_key_attributes.as_ref().is_none_or(|v| v.is_empty()) {
                return Err(DynamoError::validation(format!(
                    "One or more parameter values were invalid: NonKeyAttributes must not be empty for index: {index}"
                )));
            }
        }
        "" => return Err(DynamoError::validation("One or more parameter values were invalid: Unknown ProjectionType: null")),
        other => return Err(DynamoError::validation(format!("One or more parameter values were invalid: Unknown ProjectionType: {other}"))),
    }
    Ok(())
}

/// A GSI key schema: 1–4 HASH attributes, then 0–4 RANGE attributes (multi-attribute keys).
pub(super) fn check_gsi_key_schema(ks: &[KeySchemaElement], field: &str) -> Result<(), DynamoError> {
    if ks.len() <= 2 {
        return check_key_schema(ks, field);
    }
    for (i, k) in ks.iter().enumerate() {
        check_enum(&Some(k.key_type.clone()), &format!("{field}.{}.member.keyType", i + 1), &["HASH", "RANGE"])?;
    }
    let hashes = ks.iter().take_while(|k| k.key_type == "HASH").count();
    let ranges = ks.len() - hashes;
    if hashes == 0 || hashes > 4 || ranges > 4 || ks[hashes..].iter().any(|k| k.key_type != "RANGE") {
        return Err(DynamoError::validation("Invalid KeySchema: a global secondary index key has 1 to 4 HASH attributes followed by 0 to 4 RANGE attributes"));
    }
    for (i, k) in ks.iter().enumerate() {
        if ks[..i].iter().any(|x| x.attribute_name == k.attribute_name) {
            return Err(DynamoError::validation("Invalid KeySchema: Some index key attributes are repeated"));
        }
    }
    Ok(())
}

pub(super) fn check_key_schema(ks: &[KeySchemaElement], field: &str) -> Result<(), DynamoError> {
    if ks.is_empty() {
        return Err(constraint("null", field, "Member must not be null"));
    }
    if ks.len() > 2 {
        return Err(constraint("'[…]'", field, "Member must have length less than or equal to 2"));
    }
    for (i, k) in ks.iter().enumerate() {
        check_enum(&Some(k.key_type.clone()), &format!("{field}.{}.member.keyType", i + 1), &["HASH", "RANGE"])?;
    }
    if ks[0].key_type != "HASH" {
        return Err(DynamoError::validation("Invalid KeySchema: The first KeySchemaElement is not a HASH key type"));
    }
    if ks.len() == 2 {
        if ks[1].key_type != "RANGE" {
            return Err(DynamoError::validation("Invalid KeySchema: The second KeySchemaElement is not a RANGE key type"));
        }
        if ks[0].attribute_name == ks[1].attribute_name {
            return Err(DynamoError::validation("Both the Hash Key and the Range Key element in the KeySchema have the same name"));
        }
    }
    Ok(())
}

pub(super) fn check_throughput(billing: &str, t: &Option<ProvisionedThroughput>, index: Option<&str>) -> Result<(), DynamoError> {
    match (billing, t) {
        ("PROVISIONED", None) => Err(DynamoError::validation(match index {
            Some(i) => format!("One or more parameter values were invalid: ProvisionedThroughput must be specified for index: {i}"),
            None => "One or more parameter values were invalid: ReadCapacityUnits and WriteCapacityUnits must both be specified when BillingMode is PROVISIONED".into(),
        })),
        ("PAY_PER_REQUEST", Some(_)) => Err(DynamoError::validation(match index {
            Some(i) => format!("One or more parameter values were invalid: ProvisionedThroughput should not be specified for index: {i} when BillingMode is PAY_PER_REQUEST"),
            None => "One or more parameter values were invalid: Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST".into(),
        })),
        (_, Some(p)) if p.read_capacity_units < 1 || p.write_capacity_units < 1 => Err(DynamoError::validation(
            "One or more parameter values were invalid: Provisioned throughput must be greater than or equal to 1",
        )),
        _ => Ok(()),
    }
}

/// Validate a CreateTable request into the stored definition.
pub(super) fn build_meta(ctx: &RequestContext, input: &CreateTableInput, table_id: String) -> Result<TableMeta, DynamoError> {
    check_table_name(&input.table_name, "tableName")?;
    check_key_schema(&input.key_schema, "keySchema")?;
    check_enum(&input.billing_mode, "billingMode", &["PROVISIONED", "PAY_PER_REQUEST"])?;
    for (i, d) in input.attribute_definitions.iter().enumerate() {
        check_enum(&Some(d.attribute_type.clone()), &format!("attributeDefinitions.{}.member.attributeType", i + 1), &["B", "N", "S"])?;
    }
    let defs = &input.attribute_definitions;
    for (i, d) in defs.iter().enumerate() {
        if defs[..i].iter().any(|e| e.attribute_name == d.attribute_name) {
            return Err(DynamoError::validation("Cannot have two attributes with the same name"));
        }
    }
    let billing = input.billing_mode.clone().unwrap_or_else(|| "PROVISIONED".into());
    check_throughput(&billing, &input.provisioned_throughput, None)?;
    let gsis = input.global_secondary_indexes.clone().unwrap_or_default();
    let lsis = input.local_secondary_indexes.clone().unwrap_or_default();
    if input.global_secondary_indexes.as_ref().is_some_and(|v| v.is_empty()) {
        return Err(DynamoError::validation("One or more parameter values were invalid: List of GlobalSecondaryIndexes is empty"));
    }
    if input.local_secondary_indexes.as_ref().is_some_and(|v| v.is_empty()) {
        return Err(DynamoError::validation("One or more parameter values were invalid: List of LocalSecondaryIndexes is empty"));
    }
    if lsis.len() > 5 {
        return Err(DynamoError::validation("One or more parameter values were invalid: Number of LocalSecondaryIndexes exceeds per-table limit of 5"));
    }
    if gsis.len() > 20 {
        return Err(DynamoError::validation("One or more parameter values were invalid: GlobalSecondaryIndex count exceeds the per-table limit of 20"));
    }
    let mut used: Vec<&str> = input.key_schema.iter().map(|k| k.attribute_name.as_str()).collect();
    let mut names: Vec<&str> = Vec::new();
    let hash = &input.key_schema[0].attribute_name;
    for lsi in &lsis {
        check_key_schema(&lsi.key_schema, "localSecondaryIndexes.member.keySchema")?;
        if input.key_schema.len() < 2 {
            return Err(DynamoError::validation(
                "One or more parameter values were invalid: Table KeySchema does not have a range key, which is required when specifying a LocalSecondaryIndex",
            ));
        }
        if &lsi.key_schema[0].attribute_name != hash {
            return Err(DynamoError::validation(format!(
                "One or more parameter values were invalid: Index KeySchema does not have the same leading hash key as table KeySchema for index: {}. index hash key: {}, table hash key: {}",
                lsi.index_name, lsi.key_schema[0].attribute_name, hash
            )));
        }
        if lsi.key_schema.len() < 2 {
            return Err(DynamoError::validation(format!("One or more parameter values were invalid: Index KeySchema must have a range key for index: {}", lsi.index_name)));
        }
        check_projection(&lsi.projection, &lsi.index_name)?;
        names.push(&lsi.index_name);
        used.extend(lsi.key_schema.iter().map(|k| k.attribute_name.as_str()));
    }
    for gsi in &gsis {
        check_gsi_key_schema(&gsi.key_schema, "globalSecondaryIndexes.member.keySchema")?;
        check_projection(&gsi.projection, &gsi.index_name)?;
        check_throughput(&billing, &gsi.provisioned_throughput, Some(&gsi.index_name))?;
        names.push(&gsi.index_name);
        used.extend(gsi.key_schema.iter().map(|k| k.attribute_name.as_str()));
    }
    for (i, n) in names.iter().enumerate() {
        if n.len() < 3 {
            return Err(constraint(&format!("'{n}'"), "indexName", "Member must have length greater than or equal to 3"));
        }
        if n.len() > 255 {
            return Err(constraint(&format!("'{n}'"), "indexName", "Member must have length less than or equal to 255"));
        }
        if !n.chars().all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c)) {
            return Err(constraint(&format!("'{n}'"), "indexName", "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+"));
        }
        if names[..i].contains(n) {
            return Err(DynamoError::validation(format!("One or more parameter values were invalid: Duplicate index name: {n}")));
        }
    }
    used.sort();
    used.dedup();
    let undefined: Vec<&str> = used.iter().copied().filter(|u| !defs.iter().any(|d| d.attribute_name == *u)).collect();
    if !undefined.is_empty() {
        return Err(DynamoError::validation(format!(
            "One or more parameter values were invalid: Some index key attributes are not defined in AttributeDefinitions. Keys: [{}], AttributeDefinitions: [{}]",
            undefined.join(", "),
            defs.iter().map(|d| d.attribute_name.as_str()).collect::<Vec<_>>().join(", ")
        )));
    }
    if defs.len() != used.len() {
        return Err(DynamoError::validation(
            "One or more parameter values were invalid: Number of attributes in KeySchema does not exactly match number of attributes defined in AttributeDefinitions",
        ));
    }
    let stream = input.stream_specification.clone();
    if let Some(s) = &stream {
        check_enum(&s.stream_view_type, "streamSpecification.streamViewType", &["NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES", "KEYS_ONLY"])?;
        if s.stream_enabled && s.stream_view_type.is_none() {
            return Err(DynamoError::validation("One or more parameter values were invalid: You must specify a StreamViewType when a stream is enabled"));
        }
    }
    Ok(TableMeta {
        name: input.table_name.clone(),
        key_schema: input.key_schema.clone(),
        attribute_definitions: defs.clone(),
        billing_mode: billing,
        billing_explicit: input.billing_mode.is_some(),
        throughput: input.provisioned_throughput.clone().unwrap_or_default(),
        gsis,
        lsis,
        stream_label: stream.as_ref().filter(|s| s.stream_enabled).map(|_| stream_label(ctx)),
        stream,
        ttl_attribute: None,
        tags: input.tags.clone().unwrap_or_default(),
        created: epoch_secs_f64(ctx.now),
        deletion_protection: input.deletion_protection_enabled.unwrap_or(false),
        table_id,
        table_class: input.table_class.clone(),
    })
}

