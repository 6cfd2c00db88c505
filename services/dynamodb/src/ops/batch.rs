//! BatchGetItem (≤ 100 keys) and BatchWriteItem (≤ 25 requests). Everything is processed in one
//! SQLite read / write transaction, so `UnprocessedKeys` / `UnprocessedItems` are always empty.
//! See <https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_BatchWriteItem.html>.

use super::conditions::{self, Params};
use super::{capacity, change_ctx, check_enum, check_table_name, constraint, units, ReadPlan, RETURN_CAPACITY};
use crate::error::DynamoError;
use crate::model::*;
use crate::store::items;
use crate::value::item_size;
use crate::DynamoDbService;
use amplocal_core::RequestContext;
use std::collections::{BTreeMap, HashSet};

impl DynamoDbService {
    /// BatchGetItem.
    pub async fn batch_get_item(&self, ctx: &RequestContext, input: BatchGetItemInput) -> Result<BatchGetItemOutput, DynamoError> {
        check_enum(&input.return_consumed_capacity, "returnConsumedCapacity", RETURN_CAPACITY)?;
        if input.request_items.is_empty() {
            return Err(constraint("'{}'", "requestItems", "Member must have length greater than or equal to 1"));
        }
        let total: usize = input.request_items.values().map(|k| k.keys.len()).sum();
        if total > 100 {
            return Err(DynamoError::validation("Too many items requested for the BatchGetItem call"));
        }
        let mut plans = BTreeMap::new();
        for (t, ka) in &input.request_items {
            check_table_name(t, "requestItems")?;
            if ka.keys.is_empty() {
                return Err(constraint("'[]'", &format!("requestItems.{t}.member.keys"), "Member must have length greater than or equal to 1"));
            }
            let parsed = conditions::parse(Params {
                projection_expression: ka.projection_expression.as_ref(),
                names: ka.expression_attribute_names.as_ref(),
                attributes_to_get: ka.attributes_to_get.as_ref(),
                ..Default::default()
            })?;
            plans.insert(t.clone(), ReadPlan { projection: parsed.projection });
        }
        let (account, region) = (ctx.account_id.clone(), ctx.region.clone());
        let cache = self.meta_cache().clone();
        self.db()
            .read(move |c| {
                let mut out = BatchGetItemOutput::default();
                let mut caps = Vec::new();
                for (t, ka) in &input.request_items {
                    let table = cache.require(c, &account, &region, t)?;
                    let mut seen = HashSet::new();
                    let mut found = Vec::new();
                    let mut bytes = 0;
                    for k in &ka.keys {
                        let kb = items::key_from_key(&table.meta, k)?;
                        if !seen.insert(kb.clone()) {
                            return Err(DynamoError::validation("Provided list of item keys contains duplicates"));
                        }
                        if let Some(item) = items::get(c, table.id, &kb)? {
                            bytes += item_size(&item);
                            found.push(plans.get(t).cloned().unwrap_or_default().apply(item));
                        }
                    }
                    if let Some(cap) = capacity(&input.return_consumed_capacity, t, units(bytes, false, ka.consistent_read.unwrap_or(false)), false) {
                        caps.push(cap);
                    }
                    out.responses.insert(t.clone(), found);
                }
                out.consumed_capacity = (!caps.is_empty()).then_some(caps);
                Ok(out)
            })
            .await
    }

    /// BatchWriteItem.
    pub async fn batch_write_item(&self, ctx: &RequestContext, input: BatchWriteItemInput) -> Result<BatchWriteItemOutput, DynamoError> {
        check_enum(&input.return_consumed_capacity, "returnConsumedCapacity", RETURN_CAPACITY)?;
        check_enum(&input.return_item_collection_metrics, "returnItemCollectionMetrics", &["SIZE", "NONE"])?;
        if input.request_items.is_empty() {
            return Err(constraint("'{}'", "requestItems", "Member must have length greater than or equal to 1"));
        }
        let total: usize = input.request_items.values().map(Vec::len).sum();
        if total > 25 {
            return Err(constraint(
                "'[…]'",
                "requestItems",
                "Map value must satisfy constraint: [Member must have length less than or equal to 25, Member must have length greater than or equal to 1]",
            ));
        }
        for (t, reqs) in &input.request_items {
            check_table_name(t, "requestItems")?;
            if reqs.is_empty() {
                return Err(constraint("'[]'", "requestItems", "Map value must satisfy constraint: [Member must have length less than or equal to 25, Member must have length greater than or equal to 1]"));
            }
            for r in reqs {
                if r.put_request.is_some() == r.delete_request.is_some() {
                    return Err(DynamoError::validation("Supplied WriteRequest must contain exactly one of PutRequest or DeleteRequest"));
                }
            }
        }
        let cx = change_ctx(ctx);
        let (account, region) = (ctx.account_id.clone(), ctx.region.clone());
        let cache = self.meta_cache().clone();
        self.db()
            .write(move |tx| {
                let mut caps = Vec::new();
                for (t, reqs) in &input.request_items {
                    let table = cache.require(tx, &account, &region, t)?;
                    // Validate all before writing anything (AWS rejects the whole batch).
                    let mut planned = Vec::with_capacity(reqs.len());
                    let mut seen = HashSet::new();
                    for r in reqs {
                        let (k, item) = match (&r.put_request, &r.delete_request) {
                            (Some(p), _) => {
                                let k = items::key_from_item(&table.meta, &p.item)?;
                                items::validate_item(&table.meta, &p.item, false)?;
                                (k, Some(&p.item))
                            }
                            (None, Some(d)) => (items::key_from_key(&table.meta, &d.key)?, None),
                            (None, None) => continue,
                        };
                        if !seen.insert(k.clone()) {
                            return Err(DynamoError::validation("Provided list of item keys contains duplicates"));
                        }
                        planned.push((k, item));
                    }
                    let mut bytes = 0.0;
                    let blind = items::blind_put_ok(&table.meta);
                    let (mut dcount, mut dsize) = (0, 0);
                    for (k, item) in planned {
                        if let (Some(new), true) = (item, blind) {
                            // No index or stream needs the replaced item: skip decoding it;
                            // the table's count and size move once for the whole batch.
                            let old_size = items::get_size(tx, table.id, &k)?;
                            let (c, s) = items::put_blind(tx, &table, &k, old_size, new)?;
                            dcount += c;
                            dsize += s;
                            bytes += units(item_size(new).max(old_size.unwrap_or(0).max(0) as usize), true, true);
                            continue;
                        }
                        let old = items::get(tx, table.id, &k)?;
                        if item.is_none() && old.is_none() {
                            bytes += 1.0;
                            continue;
                        }
                        let size = item.map(item_size).unwrap_or(0).max(old.as_ref().map(item_size).unwrap_or(0));
                        bytes += units(size, true, true);
                        items::write(tx, &table, &k, old.as_ref(), item, &cx)?;
                    }
                    items::bump_counts(tx, table.id, dcount, dsize)?;
                    if let Some(cap) = capacity(&input.return_consumed_capacity, t, bytes, true) {
                        caps.push(cap);
                    }
                }
                Ok(BatchWriteItemOutput { unprocessed_items: BTreeMap::new(), item_collection_metrics: None, consumed_capacity: (!caps.is_empty()).then_some(caps) })
            })
            .await
    }
}
