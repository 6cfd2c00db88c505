//! Table control plane: CreateTable, DescribeTable, ListTables, UpdateTable, DeleteTable,
//! TagResource / UntagResource / ListTagsOfResource, DescribeEndpoints, DescribeLimits.
//! See <https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_CreateTable.html>.
//! Tables are ACTIVE immediately (as DynamoDB Local); GSIs added by UpdateTable are backfilled in
//! the same transaction and ACTIVE at once. Leaves out: replicas, SSE, on-demand throughput limits.

use super::table_validate::{build_meta, check_gsi_key_schema, check_projection, check_throughput};
use super::{check_enum, check_table_name, constraint};
use crate::error::DynamoError;
use crate::model::*;
use crate::store::catalog::{self, Table};
use crate::store::items;
use crate::DynamoDbService;
use amplocal_core::clock::epoch_secs_f64;
use amplocal_core::RequestContext;
use rusqlite::Connection;
use serde_json::{json, Value};

/// `arn:aws:dynamodb:<region>:<account>:table/<name>`.
pub fn table_arn(ctx: &RequestContext, name: &str) -> String {
    format!("arn:aws:dynamodb:{}:{}:table/{}", ctx.region, ctx.account_id, name)
}

pub(super) fn stream_label(ctx: &RequestContext) -> String {
    let t = time::OffsetDateTime::from(ctx.now);
    let fmt = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]");
    t.format(&fmt).unwrap_or_else(|_| "1970-01-01T00:00:00.000".into())
}

fn throughput_desc(t: &ProvisionedThroughput) -> ProvisionedThroughputDescription {
    ProvisionedThroughputDescription { read_capacity_units: t.read_capacity_units, write_capacity_units: t.write_capacity_units, number_of_decreases_today: 0 }
}

/// Build a `TableDescription` (index sizes/counts read from `conn`).
pub(crate) fn describe(conn: &Connection, ctx: &RequestContext, t: &Table, status: &str) -> Result<TableDescription, DynamoError> {
    let m = &t.meta;
    let arn = table_arn(ctx, &m.name);
    let index_desc = |ix: &SecondaryIndex, global: bool| -> Result<IndexDescription, DynamoError> {
        // Count from the index alone (no join: cheap on large tables); size is estimated from the
        // table's average item size, as AWS's own figures are estimates refreshed every ~6 hours.
        let count: i64 = conn.query_row("SELECT count(*) FROM index_items WHERE tid = ?1 AND idx = ?2", rusqlite::params![t.id, ix.index_name], |r| r.get(0))?;
        let size = if t.item_count > 0 { t.size_bytes / t.item_count * count } else { 0 };
        Ok(IndexDescription {
            index_name: ix.index_name.clone(),
            key_schema: ix.key_schema.clone(),
            projection: ix.projection.clone(),
            index_status: global.then(|| "ACTIVE".to_string()),
            backfilling: None,
            provisioned_throughput: global.then(|| throughput_desc(&ix.provisioned_throughput.clone().unwrap_or_default())),
            index_size_bytes: size,
            item_count: count,
            index_arn: format!("{arn}/index/{}", ix.index_name),
        })
    };
    let gsis = m.gsis.iter().map(|i| index_desc(i, true)).collect::<Result<Vec<_>, _>>()?;
    let lsis = m.lsis.iter().map(|i| index_desc(i, false)).collect::<Result<Vec<_>, _>>()?;
    Ok(TableDescription {
        table_name: m.name.clone(),
        table_arn: arn.clone(),
        table_id: m.table_id.clone(),
        table_status: status.into(),
        creation_date_time: m.created,
        key_schema: m.key_schema.clone(),
        attribute_definitions: m.attribute_definitions.clone(),
        provisioned_throughput: throughput_desc(&m.throughput),
        billing_mode_summary: (m.billing_explicit || m.billing_mode == "PAY_PER_REQUEST").then(|| BillingModeSummary {
            billing_mode: m.billing_mode.clone(),
            last_update_to_pay_per_request_date_time: (m.billing_mode == "PAY_PER_REQUEST").then_some(m.created),
        }),
        table_size_bytes: t.size_bytes,
        item_count: t.item_count,
        global_secondary_indexes: (!gsis.is_empty()).then_some(gsis),
        local_secondary_indexes: (!lsis.is_empty()).then_some(lsis),
        stream_specification: m.stream.clone().filter(|s| s.stream_enabled),
        latest_stream_label: m.stream_label.clone(),
        latest_stream_arn: m.stream_label.as_ref().map(|l| format!("{arn}/stream/{l}")),
        deletion_protection_enabled: m.deletion_protection,
    })
}

impl DynamoDbService {
    /// CreateTable.
    pub async fn create_table(&self, ctx: &RequestContext, input: CreateTableInput) -> Result<TableDescriptionOutput, DynamoError> {
        let meta = build_meta(ctx, &input, self.core().ids.uuid().to_string())?;
        let delay_ms = self.config().create_delay_ms;
        let ctx = ctx.clone();
        self.write_catalog(move |tx| {
                if catalog::load(tx, &ctx.account_id, &ctx.region, &meta.name)?.is_some() {
                    return Err(DynamoError::ResourceInUseException(format!("Table already exists: {}", meta.name)));
                }
                let id = catalog::insert(tx, &ctx.account_id, &ctx.region, &meta)?;
                let t = Table { id, meta: std::sync::Arc::new(meta), item_count: 0, size_bytes: 0 };
                let status = if delay_ms > 0 { "CREATING" } else { "ACTIVE" };
                Ok(TableDescriptionOutput { table_description: describe(tx, &ctx, &t, status)? })
            })
            .await
    }

    /// DescribeTable.
    pub async fn describe_table(&self, ctx: &RequestContext, input: TableNameInput) -> Result<DescribeTableOutput, DynamoError> {
        check_table_name(&input.table_name, "tableName")?;
        let delay_ms = self.config().create_delay_ms;
        let ctx = ctx.clone();
        self.db()
            .read(move |c| {
                let t = catalog::load(c, &ctx.account_id, &ctx.region, &input.table_name)?
                    .ok_or_else(|| DynamoError::table_not_found(catalog::name_from_arn(&input.table_name)))?;
                let age_ms = (epoch_secs_f64(ctx.now) - t.meta.created) * 1000.0;
                let status = if age_ms < delay_ms as f64 { "CREATING" } else { "ACTIVE" };
                Ok(DescribeTableOutput { table: describe(c, &ctx, &t, status)? })
            })
            .await
    }

    /// ListTables (paged by name).
    pub async fn list_tables(&self, ctx: &RequestContext, input: ListTablesInput) -> Result<ListTablesOutput, DynamoError> {
        let limit = input.limit.unwrap_or(100);
        if !(1..=100).contains(&limit) {
            let c = if limit < 1 { "Member must have value greater than or equal to 1" } else { "Member must have value less than or equal to 100" };
            return Err(constraint(&format!("'{limit}'"), "limit", c));
        }
        let ctx = ctx.clone();
        self.db()
            .read(move |c| {
                let mut names = catalog::list(c, &ctx.account_id, &ctx.region, input.exclusive_start_table_name.as_deref(), limit as usize + 1)?;
                let more = names.len() > limit as usize;
                names.truncate(limit as usize);
                let last = if more { names.last().cloned() } else { None };
                Ok(ListTablesOutput { table_names: names, last_evaluated_table_name: last })
            })
            .await
    }

    /// DeleteTable.
    pub async fn delete_table(&self, ctx: &RequestContext, input: TableNameInput) -> Result<TableDescriptionOutput, DynamoError> {
        check_table_name(&input.table_name, "tableName")?;
        let ctx = ctx.clone();
        self.write_catalog(move |tx| {
                let t = catalog::load(tx, &ctx.account_id, &ctx.region, &input.table_name)?
                    .ok_or_else(|| DynamoError::table_not_found(catalog::name_from_arn(&input.table_name)))?;
                if t.meta.deletion_protection {
                    return Err(DynamoError::validation(format!(
                        "1 validation error detected: Table '{}' can't be deleted while DeletionProtectionEnabled is set to True",
                        t.meta.name
                    )));
                }
                let d = describe(tx, &ctx, &t, "DELETING")?;
                catalog::delete(tx, t.id)?;
                Ok(TableDescriptionOutput { table_description: d })
            })
            .await
    }

    /// UpdateTable: billing mode, throughput, GSI create/delete/update, stream, deletion protection.
    pub async fn update_table(&self, ctx: &RequestContext, input: UpdateTableInput) -> Result<TableDescriptionOutput, DynamoError> {
        check_table_name(&input.table_name, "tableName")?;
        check_enum(&input.billing_mode, "billingMode", &["PROVISIONED", "PAY_PER_REQUEST"])?;
        let ctx = ctx.clone();
        self.write_catalog(move |tx| {
                let mut t = catalog::load(tx, &ctx.account_id, &ctx.region, &input.table_name)?
                    .ok_or_else(|| DynamoError::table_not_found(catalog::name_from_arn(&input.table_name)))?;
                let m = std::sync::Arc::make_mut(&mut t.meta);
                if let Some(b) = &input.billing_mode {
                    m.billing_mode = b.clone();
                    m.billing_explicit = true;
                    if b == "PAY_PER_REQUEST" {
                        m.throughput = ProvisionedThroughput::default();
                        for g in &mut m.gsis {
                            g.provisioned_throughput = None;
                        }
                    }
                }
                if let Some(p) = &input.provisioned_throughput {
                    check_throughput(&m.billing_mode, &Some(p.clone()), None)?;
                    m.throughput = p.clone();
                }
                if let Some(defs) = &input.attribute_definitions {
                    for d in defs {
                        if let Some(e) = m.attribute_definitions.iter().find(|e| e.attribute_name == d.attribute_name) {
                            if e.attribute_type != d.attribute_type {
                                return Err(DynamoError::validation(format!(
                                    "One or more parameter values were invalid: Cannot change the type of attribute {}",
                                    d.attribute_name
                                )));
                            }
                        } else {
                            m.attribute_definitions.push(d.clone());
                        }
                    }
                }
                let mut backfill = Vec::new();
                for u in input.global_secondary_index_updates.iter().flatten() {
                    if let Some(c) = &u.create {
                        check_gsi_key_schema(&c.key_schema, "globalSecondaryIndexUpdates.member.create.keySchema")?;
                        check_projection(&c.projection, &c.index_name)?;
                        check_throughput(&m.billing_mode, &c.provisioned_throughput, Some(&c.index_name))?;
                        if m.gsis.iter().chain(m.lsis.iter()).any(|g| g.index_name == c.index_name) {
                            return Err(DynamoError::validation(format!(
                                "One or more parameter values were invalid: Attempting to create an index which already exists: {}",
                                c.index_name
                            )));
                        }
                        for k in &c.key_schema {
                            if !m.attribute_definitions.iter().any(|d| d.attribute_name == k.attribute_name) {
                                return Err(DynamoError::validation(format!(
                                    "One or more parameter values were invalid: Some index key attributes are not defined in AttributeDefinitions. Keys: [{}], AttributeDefinitions: [{}]",
                                    k.attribute_name,
                                    m.attribute_definitions.iter().map(|d| d.attribute_name.as_str()).collect::<Vec<_>>().join(", ")
                                )));
                            }
                        }
                        m.gsis.push(c.clone());
                        backfill.push(c.index_name.clone());
                    }
                    if let Some(d) = &u.delete {
                        let before = m.gsis.len();
                        m.gsis.retain(|g| g.index_name != d.index_name);
                        if m.gsis.len() == before {
                            return Err(DynamoError::ResourceNotFoundException(format!("Requested resource not found: Index: {} not found", d.index_name)));
                        }
                        tx.execute("DELETE FROM index_items WHERE tid = ?1 AND idx = ?2", rusqlite::params![t.id, d.index_name])?;
                    }
                    if let Some(up) = &u.update {
                        let g = m.gsis.iter_mut().find(|g| g.index_name == up.index_name).ok_or_else(|| {
                            DynamoError::ResourceNotFoundException(format!("Requested resource not found: Index: {} not found", up.index_name))
                        })?;
                        g.provisioned_throughput = up.provisioned_throughput.clone();
                    }
                }
                if let Some(s) = &input.stream_specification {
                    check_enum(&s.stream_view_type, "streamSpecification.streamViewType", &["NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES", "KEYS_ONLY"])?;
                    if s.stream_enabled && m.stream_enabled() {
                        return Err(DynamoError::validation(format!("Table already has an enabled stream: {}", table_arn(&ctx, &m.name))));
                    }
                    if !s.stream_enabled && !m.stream_enabled() {
                        return Err(DynamoError::validation("Table already has no stream enabled"));
                    }
                    m.stream = Some(s.clone());
                    m.stream_label = s.stream_enabled.then(|| stream_label(&ctx));
                }
                if let Some(p) = input.deletion_protection_enabled {
                    m.deletion_protection = p;
                }
                if let Some(c) = &input.table_class {
                    m.table_class = Some(c.clone());
                }
                catalog::save(tx, t.id, &t.meta)?;
                for name in backfill {
                    if let Some(ix) = t.meta.index(&name) {
                        items::backfill_index(tx, &t, &ix)?;
                    }
                }
                Ok(TableDescriptionOutput { table_description: describe(tx, &ctx, &t, "ACTIVE")? })
            })
            .await
    }

    /// TagResource.
    pub async fn tag_resource(&self, ctx: &RequestContext, input: TagResourceInput) -> Result<(), DynamoError> {
        let ctx = ctx.clone();
        self.write_catalog(move |tx| {
                let mut t = load_arn(tx, &ctx, &input.resource_arn)?;
                for tag in input.tags {
                    let m = std::sync::Arc::make_mut(&mut t.meta);
                    m.tags.retain(|x| x.key != tag.key);
                    m.tags.push(tag);
                }
                catalog::save(tx, t.id, &t.meta)
            })
            .await
    }

    /// UntagResource.
    pub async fn untag_resource(&self, ctx: &RequestContext, input: UntagResourceInput) -> Result<(), DynamoError> {
        let ctx = ctx.clone();
        self.write_catalog(move |tx| {
                let mut t = load_arn(tx, &ctx, &input.resource_arn)?;
                std::sync::Arc::make_mut(&mut t.meta).tags.retain(|x| !input.tag_keys.contains(&x.key));
                catalog::save(tx, t.id, &t.meta)
            })
            .await
    }

    /// ListTagsOfResource.
    pub async fn list_tags_of_resource(&self, ctx: &RequestContext, input: ListTagsOfResourceInput) -> Result<ListTagsOfResourceOutput, DynamoError> {
        let ctx = ctx.clone();
        self.db()
            .read(move |c| {
                let t = load_arn(c, &ctx, &input.resource_arn)?;
                Ok(ListTagsOfResourceOutput { tags: t.meta.tags.clone(), next_token: None })
            })
            .await
    }

    /// DescribeEndpoints (answers with the caller's own endpoint).
    pub async fn describe_endpoints(&self, ctx: &RequestContext) -> Result<Value, DynamoError> {
        Ok(json!({"Endpoints": [{"Address": format!("dynamodb.{}.amazonaws.com", ctx.region), "CachePeriodInMinutes": 1440}]}))
    }

    /// DescribeLimits (AWS's default quotas).
    pub async fn describe_limits(&self, _ctx: &RequestContext) -> Result<Value, DynamoError> {
        Ok(json!({
            "AccountMaxReadCapacityUnits": 80000, "AccountMaxWriteCapacityUnits": 80000,
            "TableMaxReadCapacityUnits": 40000, "TableMaxWriteCapacityUnits": 40000
        }))
    }
}

fn load_arn(c: &Connection, ctx: &RequestContext, arn: &str) -> Result<Table, DynamoError> {
    if !arn.starts_with("arn:") {
        return Err(DynamoError::validation(format!("Invalid TableArn: Invalid ResourceArn provided as input {arn}")));
    }
    catalog::load(c, &ctx.account_id, &ctx.region, arn)?
        .ok_or_else(|| DynamoError::ResourceNotFoundException(format!("Requested resource not found: ResourcArn: {arn} not found")))
}
