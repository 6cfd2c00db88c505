//! Single-item operations: PutItem, GetItem, UpdateItem, DeleteItem, each with conditions
//! (expression or legacy `Expected`), all five ReturnValues, ReturnValuesOnConditionCheckFailure,
//! ReturnConsumedCapacity and ReturnItemCollectionMetrics. A conditional write reads, checks and
//! writes inside one SQLite transaction. See <https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_UpdateItem.html>.

use super::conditions::{self, Params};
use super::{capacity, change_ctx, check_enum, check_table_name, units, ReadPlan, RETURN_CAPACITY};
use crate::error::DynamoError;
use crate::expr::{eval, update, PathElem, Update};
use crate::model::*;
use crate::store::catalog::TableMeta;
use crate::store::items;
use crate::value::{item_size, Item};
use crate::DynamoDbService;
use amplocal_core::RequestContext;

const RV_ALL: &[&str] = &["NONE", "ALL_OLD", "UPDATED_OLD", "ALL_NEW", "UPDATED_NEW"];

fn check_common(table: &str, rv: &Option<String>, rvf: &Option<String>, rcc: &Option<String>, rcm: &Option<String>) -> Result<(), DynamoError> {
    check_table_name(table, "tableName")?;
    check_enum(rv, "returnValues", RV_ALL)?;
    check_enum(rvf, "returnValuesOnConditionCheckFailure", &["ALL_OLD", "NONE"])?;
    check_enum(rcc, "returnConsumedCapacity", RETURN_CAPACITY)?;
    check_enum(rcm, "returnItemCollectionMetrics", &["SIZE", "NONE"])?;
    Ok(())
}

fn only_none_or_all_old(rv: &Option<String>) -> Result<(), DynamoError> {
    match rv.as_deref() {
        None | Some("NONE") | Some("ALL_OLD") => Ok(()),
        Some(_) => Err(DynamoError::validation("ReturnValues can only be ALL_OLD or NONE")),
    }
}

/// `ItemCollectionMetrics` for tables with LSIs when `SIZE` was requested.
pub(crate) fn collection_metrics(meta: &TableMeta, item: &Item, rcm: &Option<String>) -> Option<ItemCollectionMetrics> {
    if rcm.as_deref() != Some("SIZE") || meta.lsis.is_empty() {
        return None;
    }
    let hk = meta.hash_key().name;
    let key: Item = item.get(&hk).map(|v| (hk.clone(), v.clone())).into_iter().collect();
    Some(ItemCollectionMetrics { item_collection_key: Some(key), size_estimate_range_g_b: Some(vec![0.0, 1.0]) })
}

/// Refuse updates that touch a key attribute.
pub(crate) fn check_key_untouched(meta: &TableMeta, u: &Update) -> Result<(), DynamoError> {
    for p in u.paths() {
        if let Some(PathElem::Attr(a)) = p.first() {
            if meta.is_key(a) {
                return Err(DynamoError::validation(format!(
                    "One or more parameter values were invalid: Cannot update attribute {a}. This attribute is part of the key"
                )));
            }
        }
    }
    Ok(())
}

impl DynamoDbService {
    /// PutItem.
    pub async fn put_item(&self, ctx: &RequestContext, input: PutItemInput) -> Result<PutItemOutput, DynamoError> {
        check_common(&input.table_name, &input.return_values, &input.return_values_on_condition_check_failure, &input.return_consumed_capacity, &input.return_item_collection_metrics)?;
        only_none_or_all_old(&input.return_values)?;
        let parsed = conditions::parse(Params {
            condition_expression: input.condition_expression.as_ref(),
            names: input.expression_attribute_names.as_ref(),
            values: input.expression_attribute_values.as_ref(),
            expected: input.expected.as_ref(),
            conditional_operator: input.conditional_operator.as_ref(),
            ..Default::default()
        })?;
        let cx = change_ctx(ctx);
        let (account, region) = (ctx.account_id.clone(), ctx.region.clone());
        let PutItemInput { table_name, item, return_values, return_values_on_condition_check_failure: rvf, return_consumed_capacity: rcc, return_item_collection_metrics: rcm, .. } = input;
        let cache = self.meta_cache().clone();
        self.db()
            .write(move |tx| {
                let table = cache.require(tx, &account, &region, &table_name)?;
                let k = items::key_from_item(&table.meta, &item)?;
                items::validate_item(&table.meta, &item, false)?;
                let want_old = return_values.as_deref() == Some("ALL_OLD");
                if parsed.cond.is_none() && !want_old && items::blind_put_ok(&table.meta) {
                    // Nothing needs the replaced item itself: skip decoding it.
                    let old_size = items::get_size(tx, table.id, &k)?;
                    let (dcount, dsize) = items::put_blind(tx, &table, &k, old_size, &item)?;
                    items::bump_counts(tx, table.id, dcount, dsize)?;
                    let size = item_size(&item).max(old_size.unwrap_or(0).max(0) as usize);
                    return Ok(WriteItemOutput {
                        attributes: None,
                        consumed_capacity: capacity(&rcc, &table.meta.name, units(size, true, true), true),
                        item_collection_metrics: collection_metrics(&table.meta, &item, &rcm),
                    });
                }
                let old = items::get(tx, table.id, &k)?;
                conditions::check(&parsed.cond, old.as_ref(), &rvf)?;
                items::write(tx, &table, &k, old.as_ref(), Some(&item), &cx)?;
                let size = item_size(&item).max(old.as_ref().map(item_size).unwrap_or(0));
                Ok(WriteItemOutput {
                    attributes: if return_values.as_deref() == Some("ALL_OLD") { old } else { None },
                    consumed_capacity: capacity(&rcc, &table.meta.name, units(size, true, true), true),
                    item_collection_metrics: collection_metrics(&table.meta, &item, &rcm),
                })
            })
            .await
    }

    /// GetItem.
    pub async fn get_item(&self, ctx: &RequestContext, input: GetItemInput) -> Result<GetItemOutput, DynamoError> {
        let page = self.get_item_page(ctx, input).await?;
        Ok(GetItemOutput { item: page.item.map(ReadItem::into_item).transpose()?, consumed_capacity: page.consumed_capacity })
    }

    /// GetItem, the item left as stored when no projection applies (the wire renders it as is).
    /// An item read before and unchanged since comes from the item cache (see
    /// `store::item_cache` for why it is never stale); otherwise a reader thread reads it and
    /// offers it to the cache.
    pub async fn get_item_page(&self, ctx: &RequestContext, input: GetItemInput) -> Result<GetItemPage, DynamoError> {
        check_table_name(&input.table_name, "tableName")?;
        check_enum(&input.return_consumed_capacity, "returnConsumedCapacity", RETURN_CAPACITY)?;
        let parsed = conditions::parse(Params {
            projection_expression: input.projection_expression.as_ref(),
            names: input.expression_attribute_names.as_ref(),
            attributes_to_get: input.attributes_to_get.as_ref(),
            ..Default::default()
        })?;
        let plan = ReadPlan { projection: parsed.projection };
        let consistent = input.consistent_read.unwrap_or(false);
        // Loaded before anything is read: a hit or a fill is only valid for this epoch.
        let epoch = self.db().write_epoch();
        if let Some(table) = self.meta_cache().cached(&ctx.account_id, &ctx.region, &input.table_name) {
            let k = items::key_from_key(&table.meta, &input.key)?;
            if let Some(hit) = self.item_cache().get(epoch, table.id, &k) {
                return found_page(&plan, hit.blob.to_vec(), hit.size, &input.return_consumed_capacity, &table.meta.name, consistent);
            }
        }
        let (account, region) = (ctx.account_id.clone(), ctx.region.clone());
        let cache = self.meta_cache().clone();
        let items_cache = self.item_cache().clone();
        let db = self.db().clone();
        self.db()
            .read(move |c| {
                let table = cache.require(c, &account, &region, &input.table_name)?;
                let k = items::key_from_key(&table.meta, &input.key)?;
                let Some((blob, size)) = items::get_raw(c, table.id, &k)? else {
                    return Ok(GetItemPage {
                        item: None,
                        consumed_capacity: capacity(&input.return_consumed_capacity, &table.meta.name, units(0, false, consistent), false),
                    });
                };
                items_cache.fill(epoch, db.write_epoch(), table.id, &k, &blob, size);
                found_page(&plan, blob, size, &input.return_consumed_capacity, &table.meta.name, consistent)
            })
            .await
    }

    /// DeleteItem.
    pub async fn delete_item(&self, ctx: &RequestContext, input: DeleteItemInput) -> Result<DeleteItemOutput, DynamoError> {
        check_common(&input.table_name, &input.return_values, &input.return_values_on_condition_check_failure, &input.return_consumed_capacity, &input.return_item_collection_metrics)?;
        only_none_or_all_old(&input.return_values)?;
        let parsed = conditions::parse(Params {
            condition_expression: input.condition_expression.as_ref(),
            names: input.expression_attribute_names.as_ref(),
            values: input.expression_attribute_values.as_ref(),
            expected: input.expected.as_ref(),
            conditional_operator: input.conditional_operator.as_ref(),
            ..Default::default()
        })?;
        let cx = change_ctx(ctx);
        let (account, region) = (ctx.account_id.clone(), ctx.region.clone());
        let cache = self.meta_cache().clone();
        self.db()
            .write(move |tx| {
                let table = cache.require(tx, &account, &region, &input.table_name)?;
                let k = items::key_from_key(&table.meta, &input.key)?;
                let old = items::get(tx, table.id, &k)?;
                conditions::check(&parsed.cond, old.as_ref(), &input.return_values_on_condition_check_failure)?;
                if old.is_some() {
                    items::write(tx, &table, &k, old.as_ref(), None, &cx)?;
                }
                let size = old.as_ref().map(item_size).unwrap_or(0);
                Ok(WriteItemOutput {
                    consumed_capacity: capacity(&input.return_consumed_capacity, &table.meta.name, units(size, true, true), true),
                    item_collection_metrics: collection_metrics(&table.meta, &input.key, &input.return_item_collection_metrics),
                    attributes: if input.return_values.as_deref() == Some("ALL_OLD") { old } else { None },
                })
            })
            .await
    }

    /// UpdateItem (creates the item when absent, as DynamoDB does).
    pub async fn update_item(&self, ctx: &RequestContext, input: UpdateItemInput) -> Result<UpdateItemOutput, DynamoError> {
        check_common(&input.table_name, &input.return_values, &input.return_values_on_condition_check_failure, &input.return_consumed_capacity, &input.return_item_collection_metrics)?;
        let parsed = conditions::parse(Params {
            condition_expression: input.condition_expression.as_ref(),
            update_expression: input.update_expression.as_ref(),
            names: input.expression_attribute_names.as_ref(),
            values: input.expression_attribute_values.as_ref(),
            expected: input.expected.as_ref(),
            conditional_operator: input.conditional_operator.as_ref(),
            attribute_updates: input.attribute_updates.as_ref(),
            ..Default::default()
        })?;
        let cx = change_ctx(ctx);
        let (account, region) = (ctx.account_id.clone(), ctx.region.clone());
        let cache = self.meta_cache().clone();
        self.db()
            .write(move |tx| {
                let table = cache.require(tx, &account, &region, &input.table_name)?;
                let k = items::key_from_key(&table.meta, &input.key)?;
                let upd = parsed.update.clone().unwrap_or_default();
                check_key_untouched(&table.meta, &upd)?;
                let old = items::get(tx, table.id, &k)?;
                conditions::check(&parsed.cond, old.as_ref(), &input.return_values_on_condition_check_failure)?;
                let base = old.clone().unwrap_or_else(|| input.key.clone());
                let new = update::apply(&upd, &base)?;
                items::validate_item(&table.meta, &new, true)?;
                items::write(tx, &table, &k, old.as_ref(), Some(&new), &cx)?;
                let paths: Vec<_> = upd.paths().into_iter().cloned().collect();
                let nonempty = |i: Item| (!i.is_empty()).then_some(i);
                let attributes = match input.return_values.as_deref() {
                    Some("ALL_OLD") => old.clone(),
                    Some("ALL_NEW") => Some(new.clone()),
                    Some("UPDATED_OLD") => old.as_ref().and_then(|o| nonempty(eval::project(o, &paths))),
                    Some("UPDATED_NEW") => nonempty(eval::project(&new, &paths)),
                    _ => None,
                };
                let size = item_size(&new).max(old.as_ref().map(item_size).unwrap_or(0));
                Ok(WriteItemOutput {
                    attributes,
                    consumed_capacity: capacity(&input.return_consumed_capacity, &table.meta.name, units(size, true, true), true),
                    item_collection_metrics: collection_metrics(&table.meta, &new, &input.return_item_collection_metrics),
                })
            })
            .await
    }
}

/// The GetItem page of a found item (stored bytes `blob`, stored size `size`).
fn found_page(plan: &ReadPlan, blob: Vec<u8>, size: i64, rcc: &Option<String>, table: &str, consistent: bool) -> Result<GetItemPage, DynamoError> {
    let item = match plan.projection {
        None => ReadItem::Stored(blob),
        Some(_) => ReadItem::Decoded(plan.apply(items::decode(&blob)?)),
    };
    Ok(GetItemPage { item: Some(item), consumed_capacity: capacity(rcc, table, units(size.max(0) as usize, false, consistent), false) })
}
