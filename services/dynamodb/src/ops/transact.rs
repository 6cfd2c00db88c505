//! TransactWriteItems and TransactGetItems: ≤ 100 actions on distinct items, all-or-nothing
//! inside one SQLite transaction, `TransactionCanceledException` with one `CancellationReasons`
//! entry per action in order, `ClientRequestToken` idempotency for 10 minutes.
//! See <https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TransactWriteItems.html>.
//! Leaves out: the 4 MB aggregate size limit, TransactionConflictException (writes serialize).

use super::conditions::{self, Params, Parsed};
use super::item::check_key_untouched;
use super::{capacity, change_ctx, check_enum, constraint, units, ReadPlan, RETURN_CAPACITY};
use crate::error::{CancellationReason, DynamoError};
use crate::expr::update;
use crate::model::*;
use crate::store::catalog::{self, Table};
use crate::store::items::{self, KeyBytes};
use crate::value::{item_size, Item};
use crate::DynamoDbService;
use amplocal_core::clock::epoch_secs;
use amplocal_core::RequestContext;
use rusqlite::OptionalExtension;
use sha2::{Digest, Sha256};
use std::collections::{HashMap, HashSet};

const TOKEN_WINDOW_SECS: i64 = 600;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Check,
    Put,
    Delete,
    Update,
}

struct Planned {
    table: String,
    key: KeyBytes,
    old: Option<Item>,
    new: Option<Item>,
    writes: bool,
}

struct Action {
    kind: Kind,
    a: TransactAction,
    parsed: Parsed,
}

fn check_count(n: usize, field: &str) -> Result<(), DynamoError> {
    if n == 0 {
        return Err(constraint("'[]'", field, "Member must have length greater than or equal to 1"));
    }
    if n > 100 {
        return Err(constraint("'[…]'", field, "Member must have length less than or equal to 100"));
    }
    Ok(())
}

fn cancelled(reasons: Vec<CancellationReason>) -> DynamoError {
    let codes: Vec<&str> = reasons.iter().map(|r| r.code.as_str()).collect();
    DynamoError::TransactionCanceledException {
        message: format!("Transaction cancelled, please refer cancellation reasons for specific reasons [{}]", codes.join(", ")),
        reasons,
    }
}

impl DynamoDbService {
    /// TransactWriteItems.
    pub async fn transact_write_items(&self, ctx: &RequestContext, input: TransactWriteItemsInput) -> Result<TransactWriteItemsOutput, DynamoError> {
        check_count(input.transact_items.len(), "transactItems")?;
        check_enum(&input.return_consumed_capacity, "returnConsumedCapacity", RETURN_CAPACITY)?;
        if let Some(t) = &input.client_request_token {
            if t.is_empty() || t.len() > 36 {
                return Err(constraint(&format!("'{t}'"), "clientRequestToken", "Member must have length less than or equal to 36"));
            }
        }
        let mut actions = Vec::with_capacity(input.transact_items.len());
        for it in &input.transact_items {
            let set: Vec<(Kind, &TransactAction)> = [
                (Kind::Check, it.condition_check.as_ref()),
                (Kind::Put, it.put.as_ref()),
                (Kind::Delete, it.delete.as_ref()),
                (Kind::Update, it.update.as_ref()),
            ]
            .into_iter()
            .filter_map(|(k, a)| a.map(|a| (k, a)))
            .collect();
            let [(kind, a)] = set.as_slice() else {
                return Err(DynamoError::validation("TransactItems can only contain one of Check, Put, Update or Delete"));
            };
            super::check_table_name(&a.table_name, "transactItems.member.tableName")?;
            check_enum(&a.return_values_on_condition_check_failure, "returnValuesOnConditionCheckFailure", &["ALL_OLD", "NONE"])?;
            if *kind == Kind::Check && a.condition_expression.is_none() {
                return Err(DynamoError::validation("The ConditionExpression is required for a ConditionCheck"));
            }
            if *kind == Kind::Update && a.update_expression.is_none() {
                return Err(DynamoError::validation("1 validation error detected: Value null at 'transactItems.member.update.updateExpression' failed to satisfy constraint: Member must not be null"));
            }
            let parsed = conditions::parse(Params {
                condition_expression: a.condition_expression.as_ref(),
                update_expression: if *kind == Kind::Update { a.update_expression.as_ref() } else { None },
                names: a.expression_attribute_names.as_ref(),
                values: a.expression_attribute_values.as_ref(),
                ..Default::default()
            })?;
            actions.push(Action { kind: *kind, a: (*a).clone(), parsed });
        }
        let digest = hex::encode(Sha256::digest(serde_json::to_vec(&input.transact_items).map_err(amplocal_core::InternalError::from)?));
        let token = input.client_request_token.clone();
        let now = epoch_secs(ctx.now) as i64;
        let cx = change_ctx(ctx);
        let (account, region) = (ctx.account_id.clone(), ctx.region.clone());
        let rcc = input.return_consumed_capacity.clone();
        let cache = self.meta_cache().clone();
        self.db()
            .write(move |tx| {
                if let Some(t) = &token {
                    tx.execute("DELETE FROM tx_tokens WHERE created < ?1", [now - TOKEN_WINDOW_SECS])?;
                    let prev: Option<String> = tx
                        .query_row("SELECT digest FROM tx_tokens WHERE account = ?1 AND region = ?2 AND token = ?3", rusqlite::params![account, region, t], |r| r.get(0))
                        .optional()?;
                    match prev {
                        Some(d) if d == digest => return Ok(TransactWriteItemsOutput::default()),
                        Some(_) => {
                            return Err(DynamoError::IdempotentParameterMismatchException(
                                "Request token already used with different parameters within the idempotency window".into(),
                            ))
                        }
                        None => {}
                    }
                }
                let mut tables: HashMap<String, Table> = HashMap::new();
                let mut seen: HashSet<(i64, KeyBytes)> = HashSet::new();
                let mut plan: Vec<Planned> = Vec::new();
                let mut reasons = Vec::with_capacity(actions.len());
                let mut failed = false;
                for act in &actions {
                    let name = catalog::name_from_arn(&act.a.table_name).to_string();
                    if !tables.contains_key(&name) {
                        let t = cache.require(tx, &account, &region, &name)?;
                        tables.insert(name.clone(), t);
                    }
                    let table = &tables[&name];
                    let k = match act.kind {
                        Kind::Put => {
                            let item = act.a.item.clone().unwrap_or_default();
                            items::validate_item(&table.meta, &item, false)?;
                            items::key_from_item(&table.meta, &item)?
                        }
                        _ => items::key_from_key(&table.meta, act.a.key.as_ref().unwrap_or(&Item::new()))?,
                    };
                    if !seen.insert((table.id, k.clone())) {
                        return Err(DynamoError::validation("Transaction request cannot include multiple operations on one item"));
                    }
                    if let Some(u) = &act.parsed.update {
                        check_key_untouched(&table.meta, u)?;
                    }
                    let old = items::get(tx, table.id, &k)?;
                    let reason = match conditions::check(&act.parsed.cond, old.as_ref(), &act.a.return_values_on_condition_check_failure) {
                        Ok(()) => None,
                        Err(DynamoError::ConditionalCheckFailedException { message, item }) => {
                            Some(CancellationReason { code: "ConditionalCheckFailed".into(), message: Some(message), item })
                        }
                        Err(e) => return Err(e),
                    };
                    let new = match act.kind {
                        Kind::Check => None,
                        Kind::Put => act.a.item.clone(),
                        Kind::Delete => None,
                        Kind::Update => {
                            let base = old.clone().unwrap_or_else(|| act.a.key.clone().unwrap_or_default());
                            match update::apply(act.parsed.update.as_ref().unwrap_or(&Default::default()), &base) {
                                Ok(n) => {
                                    items::validate_item(&table.meta, &n, true)?;
                                    Some(n)
                                }
                                Err(e) => {
                                    if reason.is_none() {
                                        reasons.push(CancellationReason { code: "ValidationError".into(), message: Some(e.to_string()), item: None });
                                        failed = true;
                                        continue;
                                    }
                                    None
                                }
                            }
                        }
                    };
                    match reason {
                        Some(r) => {
                            failed = true;
                            reasons.push(r);
                        }
                        None => reasons.push(CancellationReason::none()),
                    }
                    plan.push(Planned { table: name, key: k, old, new, writes: act.kind != Kind::Check });
                }
                if failed {
                    return Err(cancelled(reasons));
                }
                let mut per_table: HashMap<String, f64> = HashMap::new();
                for Planned { table: name, key: k, old, new, writes } in plan {
                    let size = new.as_ref().map(item_size).unwrap_or(0).max(old.as_ref().map(item_size).unwrap_or(0));
                    *per_table.entry(name.clone()).or_default() += 2.0 * units(size, true, true);
                    if writes && (old.is_some() || new.is_some()) {
                        items::write(tx, &tables[&name], &k, old.as_ref(), new.as_ref(), &cx)?;
                    }
                }
                if let Some(t) = &token {
                    tx.execute(
                        "INSERT OR REPLACE INTO tx_tokens (account, region, token, digest, created) VALUES (?1, ?2, ?3, ?4, ?5)",
                        rusqlite::params![account, region, t, digest, now],
                    )?;
                }
                let caps: Vec<ConsumedCapacity> = per_table.into_iter().filter_map(|(t, u)| capacity(&rcc, &t, u, true)).collect();
                Ok(TransactWriteItemsOutput { consumed_capacity: (!caps.is_empty()).then_some(caps), item_collection_metrics: None })
            })
            .await
    }

    /// TransactGetItems.
    pub async fn transact_get_items(&self, ctx: &RequestContext, input: TransactGetItemsInput) -> Result<TransactGetItemsOutput, DynamoError> {
        check_count(input.transact_items.len(), "transactItems")?;
        check_enum(&input.return_consumed_capacity, "returnConsumedCapacity", RETURN_CAPACITY)?;
        let mut gets = Vec::with_capacity(input.transact_items.len());
        for it in &input.transact_items {
            let g = it.get.clone().ok_or_else(|| constraint("null", "transactItems.member.get", "Member must not be null"))?;
            super::check_table_name(&g.table_name, "transactItems.member.get.tableName")?;
            let parsed = conditions::parse(Params {
                projection_expression: g.projection_expression.as_ref(),
                names: g.expression_attribute_names.as_ref(),
                ..Default::default()
            })?;
            gets.push((g, ReadPlan { projection: parsed.projection }));
        }
        let (account, region) = (ctx.account_id.clone(), ctx.region.clone());
        let rcc = input.return_consumed_capacity.clone();
        let cache = self.meta_cache().clone();
        self.db()
            .read(move |c| {
                let mut responses = Vec::with_capacity(gets.len());
                let mut seen = HashSet::new();
                let mut per_table: HashMap<String, f64> = HashMap::new();
                for (g, plan) in gets {
                    let table = cache.require(c, &account, &region, &g.table_name)?;
                    let k = items::key_from_key(&table.meta, &g.key)?;
                    if !seen.insert((table.id, k.clone())) {
                        return Err(DynamoError::validation("Transaction request cannot include multiple operations on one item"));
                    }
                    let item = items::get(c, table.id, &k)?;
                    *per_table.entry(table.meta.name.clone()).or_default() += 2.0 * units(item.as_ref().map(item_size).unwrap_or(0), false, true);
                    responses.push(ItemResponse { item: item.map(|i| plan.apply(i)) });
                }
                let caps: Vec<ConsumedCapacity> = per_table.into_iter().filter_map(|(t, u)| capacity(&rcc, &t, u, false)).collect();
                Ok(TransactGetItemsOutput { responses, consumed_capacity: (!caps.is_empty()).then_some(caps) })
            })
            .await
    }
}
