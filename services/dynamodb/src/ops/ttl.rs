//! Time to Live: UpdateTimeToLive / DescribeTimeToLive and the background deleter, which
//! removes items whose TTL attribute (epoch seconds, Number) is in the past — bounded work per
//! sweep, items more than five years past expiry ignored as AWS does — and records the deletes in
//! the stream as service deletions. See <https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/TTL.html>.
//! The sweep also trims stream records older than 24 hours.
//! Leaves out: the one-hour cool-down between UpdateTimeToLive calls.

use super::check_table_name;
use crate::error::DynamoError;
use crate::model::*;
use crate::store::catalog;
use crate::store::items::{self, Actor, ChangeCtx, KeyBytes};
use crate::DynamoDbService;
use amplocal_core::clock::{epoch_secs, epoch_secs_f64};
use amplocal_core::RequestContext;

const FIVE_YEARS: i64 = 5 * 365 * 24 * 3600;

impl DynamoDbService {
    /// UpdateTimeToLive.
    pub async fn update_time_to_live(&self, ctx: &RequestContext, input: UpdateTimeToLiveInput) -> Result<UpdateTimeToLiveOutput, DynamoError> {
        check_table_name(&input.table_name, "tableName")?;
        let spec = input.time_to_live_specification.clone();
        if spec.attribute_name.is_empty() {
            return Err(DynamoError::validation(
                "1 validation error detected: Value null at 'timeToLiveSpecification.attributeName' failed to satisfy constraint: Member must not be null",
            ));
        }
        let ctx = ctx.clone();
        self.write_catalog(move |tx| {
                let mut t = catalog::load(tx, &ctx.account_id, &ctx.region, &input.table_name)?
                    .ok_or_else(|| DynamoError::table_not_found(catalog::name_from_arn(&input.table_name)))?;
                match (&t.meta.ttl_attribute, spec.enabled) {
                    (Some(_), true) => return Err(DynamoError::validation("TimeToLive is already enabled")),
                    (None, false) => return Err(DynamoError::validation("TimeToLive is already disabled")),
                    (Some(a), false) if *a != spec.attribute_name => {
                        return Err(DynamoError::validation(format!("TimeToLive is active on a different AttributeName: current AttributeName is {a}")))
                    }
                    _ => {}
                }
                std::sync::Arc::make_mut(&mut t.meta).ttl_attribute = spec.enabled.then(|| spec.attribute_name.clone());
                catalog::save(tx, t.id, &t.meta)?;
                items::refresh_ttl(tx, &t)?;
                Ok(UpdateTimeToLiveOutput { time_to_live_specification: spec })
            })
            .await
    }

    /// DescribeTimeToLive.
    pub async fn describe_time_to_live(&self, ctx: &RequestContext, input: TableNameInput) -> Result<DescribeTimeToLiveOutput, DynamoError> {
        check_table_name(&input.table_name, "tableName")?;
        let ctx = ctx.clone();
        self.db()
            .read(move |c| {
                let t = catalog::load(c, &ctx.account_id, &ctx.region, &input.table_name)?
                    .ok_or_else(|| DynamoError::table_not_found(catalog::name_from_arn(&input.table_name)))?;
                Ok(DescribeTimeToLiveOutput {
                    time_to_live_description: match t.meta.ttl_attribute.clone() {
                        Some(a) => TimeToLiveDescription { time_to_live_status: "ENABLED".into(), attribute_name: Some(a) },
                        None => TimeToLiveDescription { time_to_live_status: "DISABLED".into(), attribute_name: None },
                    },
                })
            })
            .await
    }

    /// Delete up to `ttl_batch` expired items (all tables). Returns how many were deleted.
    pub async fn sweep_expired(&self) -> Result<usize, DynamoError> {
        let now_t = self.core().clock.now();
        let now = epoch_secs(now_t) as i64;
        let now_f = epoch_secs_f64(now_t);
        let batch = self.config().ttl_batch.max(1) as i64;
        self.db()
            .write(move |tx| {
                let rows: Vec<(i64, Vec<u8>, Vec<u8>)> = tx
                    .prepare_cached("SELECT tid, pk, sk FROM items WHERE ttl IS NOT NULL AND ttl <= ?1 AND ttl >= ?2 LIMIT ?3")?
                    .query_map(rusqlite::params![now, now - FIVE_YEARS, batch], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                    .collect::<Result<_, _>>()?;
                // Stream records are kept for 24 hours, as in DynamoDB Streams.
                tx.prepare_cached("DELETE FROM stream_records WHERE created < ?1")?.execute([now - 24 * 3600])?;
                let mut cache = std::collections::HashMap::new();
                let mut n = 0;
                for (tid, pk, sk) in rows {
                    let entry = match cache.entry(tid) {
                        std::collections::hash_map::Entry::Occupied(o) => o.into_mut(),
                        std::collections::hash_map::Entry::Vacant(v) => v.insert(catalog::load_by_id(tx, tid)?),
                    };
                    let Some((table, _account, region)) = entry.as_ref() else { continue };
                    let k = KeyBytes { pk, sk };
                    let Some(old) = items::get(tx, tid, &k)? else { continue };
                    let cx = ChangeCtx { region: region.clone(), now: now_f, actor: Actor::TtlService };
                    items::write(tx, table, &k, Some(&old), None, &cx)?;
                    n += 1;
                }
                Ok(n)
            })
            .await
    }
}
