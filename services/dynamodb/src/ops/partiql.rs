//! ExecuteStatement, BatchExecuteStatement and ExecuteTransaction: PartiQL statements are
//! translated into Query / Scan / GetItem / PutItem / UpdateItem / DeleteItem /
//! TransactWriteItems / TransactGetItems inputs, so every rule of those operations applies.
//! A SELECT whose WHERE fixes the partition key runs as a Query, otherwise as a Scan.
//! See <https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ql-reference.html>.

use super::constraint;
use crate::error::DynamoError;
use crate::model::*;
use crate::partiql::{conjuncts, equality, parse, Assign, ExprBuilder, PExpr, Statement, Target};
use crate::store::catalog::TableMeta;
use crate::value::{item_from_json, item_to_json, Item};
use crate::DynamoDbService;
use amplocal_core::RequestContext;
use base64::Engine;

/// A write statement as a transaction action.
struct Write {
    kind: &'static str,
    action: TransactAction,
}

fn opt_maps(b: ExprBuilder) -> (Option<Names>, Option<Values>) {
    ((!b.names.is_empty()).then_some(b.names), (!b.values.is_empty()).then_some(b.values))
}

fn and_all(b: &mut ExprBuilder, parts: &[&PExpr]) -> Option<String> {
    let v: Vec<String> = parts.iter().map(|p| b.expr(p)).collect();
    (!v.is_empty()).then(|| v.join(" AND "))
}

fn set_value(b: &mut ExprBuilder, e: &PExpr) -> String {
    match e {
        PExpr::Bin(op, l, r) if op == "+" || op == "-" => {
            let (l, r) = (set_value(b, l), set_value(b, r));
            format!("{l} {op} {r}")
        }
        PExpr::Call(f, args) => {
            let a: Vec<String> = args.iter().map(|x| set_value(b, x)).collect();
            format!("{f}({})", a.join(", "))
        }
        other => b.expr(other),
    }
}

/// Split WHERE into the full primary key and the remaining conditions.
fn key_and_rest<'a>(meta: &TableMeta, filter: &'a PExpr) -> Result<(Item, Vec<&'a PExpr>), DynamoError> {
    let mut key = Item::new();
    let mut rest = Vec::new();
    for c in conjuncts(filter) {
        match equality(c) {
            Some((n, v)) if meta.is_key(n) && !key.contains_key(n) => {
                key.insert(n.to_string(), v.clone());
            }
            _ => rest.push(c),
        }
    }
    if key.len() != meta.key_schema.len() {
        return Err(DynamoError::validation("Where clause does not contain a mandatory equality on all key attributes"));
    }
    Ok((key, rest))
}

fn plan_write(meta: &TableMeta, st: &Statement) -> Result<Write, DynamoError> {
    let hash = meta.hash_key().name;
    let mut b = ExprBuilder::default();
    Ok(match st {
        Statement::Insert { target, item } => {
            let cond = format!("attribute_not_exists({})", b.name(&hash));
            let (names, values) = opt_maps(b);
            Write { kind: "Put", action: TransactAction { table_name: target.table.clone(), item: Some(item.clone()), condition_expression: Some(cond), expression_attribute_names: names, expression_attribute_values: values, ..Default::default() } }
        }
        Statement::Update { target, assigns, filter } => {
            let (key, rest) = key_and_rest(meta, filter)?;
            let mut sets = Vec::new();
            let mut removes = Vec::new();
            for a in assigns {
                match a {
                    Assign::Set(p, v) => {
                        let lhs = b.path(p);
                        let rhs = set_value(&mut b, v);
                        sets.push(format!("{lhs} = {rhs}"));
                    }
                    Assign::Remove(p) => removes.push(b.path(p)),
                }
            }
            let mut upd = String::new();
            if !sets.is_empty() {
                upd.push_str(&format!("SET {}", sets.join(", ")));
            }
            if !removes.is_empty() {
                upd.push_str(&format!(" REMOVE {}", removes.join(", ")));
            }
            let mut cond = format!("attribute_exists({})", b.name(&hash));
            if let Some(r) = and_all(&mut b, &rest) {
                cond = format!("{cond} AND {r}");
            }
            let (names, values) = opt_maps(b);
            Write {
                kind: "Update",
                action: TransactAction { table_name: target.table.clone(), key: Some(key), update_expression: Some(upd.trim().to_string()), condition_expression: Some(cond), expression_attribute_names: names, expression_attribute_values: values, ..Default::default() },
            }
        }
        Statement::Delete { target, filter } => {
            let (key, rest) = key_and_rest(meta, filter)?;
            let cond = and_all(&mut b, &rest);
            let (names, values) = opt_maps(b);
            Write { kind: "Delete", action: TransactAction { table_name: target.table.clone(), key: Some(key), condition_expression: cond, expression_attribute_names: names, expression_attribute_values: values, ..Default::default() } }
        }
        Statement::Select { .. } => return Err(DynamoError::validation("Unexpected SELECT in a write")),
    })
}

/// A sort-key condition a Query can use (`sk <op> v`, `sk BETWEEN a AND b`, `begins_with(sk, v)`).
fn is_range_condition(c: &PExpr, range: &str) -> bool {
    let is_key = |e: &PExpr| matches!(e, PExpr::Path(p) if p.len() == 1 && matches!(&p[0], crate::expr::PathElem::Attr(a) if a == range));
    let is_lit = |e: &PExpr| matches!(e, PExpr::Lit(_));
    match c {
        PExpr::Bin(op, a, b) if ["=", "<", "<=", ">", ">="].contains(&op.as_str()) => (is_key(a) && is_lit(b)) || (is_lit(a) && is_key(b)),
        PExpr::Between(a, lo, hi) => is_key(a) && is_lit(lo) && is_lit(hi),
        PExpr::Call(f, args) if f == "begins_with" && args.len() == 2 => is_key(&args[0]) && is_lit(&args[1]),
        _ => false,
    }
}

fn target_of(st: &Statement) -> &Target {
    match st {
        Statement::Select { target, .. } | Statement::Insert { target, .. } | Statement::Update { target, .. } | Statement::Delete { target, .. } => target,
    }
}

fn params(p: &Option<Vec<crate::value::AttributeValue>>) -> Result<&[crate::value::AttributeValue], DynamoError> {
    match p {
        Some(v) if v.is_empty() => Err(constraint("'[]'", "parameters", "Member must have length greater than or equal to 1")),
        Some(v) => Ok(v),
        None => Ok(&[]),
    }
}

/// A SELECT naming the full key as a GetItem (batch and transaction reads).
fn point_get(meta: &TableMeta, st: &Statement) -> Result<TransactGet, DynamoError> {
    let Statement::Select { projection, target, filter: Some(filter) } = st else {
        return Err(DynamoError::validation("Where clause does not contain a mandatory equality on all key attributes"));
    };
    let (key, rest) = key_and_rest(meta, filter)?;
    if !rest.is_empty() || target.index.is_some() {
        return Err(DynamoError::validation("Only key equality conditions are supported here"));
    }
    let mut b = ExprBuilder::default();
    let proj = projection.as_ref().map(|p| p.iter().map(|x| b.path(x)).collect::<Vec<_>>().join(", "));
    Ok(TransactGet { table_name: target.table.clone(), key, projection_expression: proj, expression_attribute_names: opt_maps(b).0 })
}

impl DynamoDbService {
    async fn meta_of(&self, ctx: &RequestContext, table: &str) -> Result<TableMeta, DynamoError> {
        let (a, r, t) = (ctx.account_id.clone(), ctx.region.clone(), table.to_string());
        let cache = self.meta_cache().clone();
        self.db().read(move |c| Ok(cache.require(c, &a, &r, &t)?.meta.as_ref().clone())).await
    }

    /// ExecuteStatement.
    pub async fn execute_statement(&self, ctx: &RequestContext, input: ExecuteStatementInput) -> Result<ExecuteStatementOutput, DynamoError> {
        let st = parse(&input.statement, params(&input.parameters)?)?;
        let meta = self.meta_of(ctx, &target_of(&st).table).await?;
        if let Statement::Select { projection, target, filter } = &st {
            let start = match &input.next_token {
                Some(t) => {
                    let raw = base64::engine::general_purpose::STANDARD.decode(t).map_err(|_| DynamoError::validation("Invalid NextToken"))?;
                    let v: serde_json::Value = serde_json::from_slice(&raw).map_err(|_| DynamoError::validation("Invalid NextToken"))?;
                    Some(item_from_json(&v).map_err(|_| DynamoError::validation("Invalid NextToken"))?)
                }
                None => None,
            };
            let (hash, range) = match &target.index {
                Some(i) => meta.index(i).map(|x| (x.hash.name, x.range.map(|r| r.name))).ok_or_else(|| DynamoError::validation(format!("The table does not have the specified index: {i}")))?,
                None => (meta.hash_key().name, meta.range_key().map(|r| r.name)),
            };
            let mut b = ExprBuilder::default();
            let proj = projection.as_ref().map(|p| p.iter().map(|x| b.path(x)).collect::<Vec<_>>().join(", "));
            let parts = filter.as_ref().map(conjuncts).unwrap_or_default();
            let key_part = parts.iter().position(|c| equality(c).is_some_and(|(n, _)| n == hash));
            let out = match key_part {
                Some(i) => {
                    let r = range.as_deref().and_then(|r| parts.iter().position(|c| is_range_condition(c, r)));
                    let mut kc = b.expr(parts[i]);
                    if let Some(r) = r {
                        kc = format!("{kc} AND {}", b.expr(parts[r]));
                    }
                    let rest: Vec<&PExpr> = parts.iter().enumerate().filter(|(j, _)| *j != i && Some(*j) != r).map(|(_, c)| *c).collect();
                    let fe = and_all(&mut b, &rest);
                    let (names, values) = opt_maps(b);
                    self.query(ctx, QueryInput {
                        table_name: target.table.clone(),
                        index_name: target.index.clone(),
                        key_condition_expression: Some(kc),
                        filter_expression: fe,
                        projection_expression: proj,
                        expression_attribute_names: names,
                        expression_attribute_values: values,
                        limit: input.limit,
                        exclusive_start_key: start,
                        consistent_read: input.consistent_read,
                        return_consumed_capacity: input.return_consumed_capacity.clone(),
                        ..Default::default()
                    })
                    .await?
                }
                None => {
                    let fe = filter.as_ref().map(|f| b.expr(f));
                    let (names, values) = opt_maps(b);
                    self.scan(ctx, ScanInput {
                        table_name: target.table.clone(),
                        index_name: target.index.clone(),
                        filter_expression: fe,
                        projection_expression: proj,
                        expression_attribute_names: names,
                        expression_attribute_values: values,
                        limit: input.limit,
                        exclusive_start_key: start,
                        consistent_read: input.consistent_read,
                        return_consumed_capacity: input.return_consumed_capacity.clone(),
                        ..Default::default()
                    })
                    .await?
                }
            };
            let next_token = out.last_evaluated_key.as_ref().map(|k| base64::engine::general_purpose::STANDARD.encode(item_to_json(k).to_string()));
            return Ok(ExecuteStatementOutput { items: out.items.unwrap_or_default(), next_token, consumed_capacity: out.consumed_capacity, last_evaluated_key: out.last_evaluated_key });
        }
        let w = plan_write(&meta, &st)?;
        let a = w.action;
        let rvf = input.return_values_on_condition_check_failure.clone();
        let rcc = input.return_consumed_capacity.clone();
        let cap = match w.kind {
            "Put" => {
                let r = self
                    .put_item(ctx, PutItemInput { table_name: a.table_name, item: a.item.unwrap_or_default(), condition_expression: a.condition_expression, expression_attribute_names: a.expression_attribute_names, expression_attribute_values: a.expression_attribute_values, return_consumed_capacity: rcc, ..Default::default() })
                    .await;
                match r {
                    Err(DynamoError::ConditionalCheckFailedException { .. }) => return Err(DynamoError::DuplicateItemException("Duplicate primary key exists in table".into())),
                    other => other?.consumed_capacity,
                }
            }
            "Update" => {
                self.update_item(ctx, UpdateItemInput { table_name: a.table_name, key: a.key.unwrap_or_default(), update_expression: a.update_expression, condition_expression: a.condition_expression, expression_attribute_names: a.expression_attribute_names, expression_attribute_values: a.expression_attribute_values, return_values_on_condition_check_failure: rvf, return_consumed_capacity: rcc, ..Default::default() })
                    .await?
                    .consumed_capacity
            }
            _ => {
                self.delete_item(ctx, DeleteItemInput { table_name: a.table_name, key: a.key.unwrap_or_default(), condition_expression: a.condition_expression, expression_attribute_names: a.expression_attribute_names, expression_attribute_values: a.expression_attribute_values, return_values_on_condition_check_failure: rvf, return_consumed_capacity: rcc, ..Default::default() })
                    .await?
                    .consumed_capacity
            }
        };
        Ok(ExecuteStatementOutput { consumed_capacity: cap, ..Default::default() })
    }

    /// BatchExecuteStatement (≤ 25 statements; each succeeds or fails on its own).
    pub async fn batch_execute_statement(&self, ctx: &RequestContext, input: BatchExecuteStatementInput) -> Result<BatchExecuteStatementOutput, DynamoError> {
        if input.statements.is_empty() || input.statements.len() > 25 {
            return Err(constraint("'[…]'", "statements", "Member must have length less than or equal to 25"));
        }
        let mut responses = Vec::with_capacity(input.statements.len());
        for s in input.statements {
            let r: Result<BatchStatementResponse, DynamoError> = async {
                let st = parse(&s.statement, params(&s.parameters)?)?;
                let table = target_of(&st).table.clone();
                let meta = self.meta_of(ctx, &table).await?;
                if matches!(st, Statement::Select { .. }) {
                    let g = point_get(&meta, &st)?;
                    let out = self.get_item(ctx, GetItemInput { table_name: g.table_name, key: g.key, projection_expression: g.projection_expression, expression_attribute_names: g.expression_attribute_names, ..Default::default() }).await?;
                    return Ok(BatchStatementResponse { table_name: Some(table), item: out.item, error: None });
                }
                self.execute_statement(ctx, s).await?;
                Ok(BatchStatementResponse { table_name: Some(table), item: None, error: None })
            }
            .await;
            responses.push(match r {
                Ok(x) => x,
                Err(DynamoError::Internal(e)) => return Err(DynamoError::Internal(e)),
                Err(e) => {
                    let code = match &e {
                        DynamoError::ConditionalCheckFailedException { .. } => "ConditionalCheckFailed",
                        DynamoError::DuplicateItemException(_) => "DuplicateItem",
                        DynamoError::ResourceNotFoundException(_) => "ResourceNotFound",
                        _ => "ValidationError",
                    };
                    BatchStatementResponse { table_name: None, item: None, error: Some(BatchStatementError { code: code.into(), message: e.to_string() }) }
                }
            });
        }
        Ok(BatchExecuteStatementOutput { responses })
    }

    /// ExecuteTransaction: all reads (TransactGetItems) or all writes (TransactWriteItems).
    pub async fn execute_transaction(&self, ctx: &RequestContext, input: ExecuteTransactionInput) -> Result<ExecuteTransactionOutput, DynamoError> {
        if input.transact_statements.is_empty() || input.transact_statements.len() > 100 {
            return Err(constraint("'[…]'", "transactStatements", "Member must have length less than or equal to 100"));
        }
        let mut parsed = Vec::with_capacity(input.transact_statements.len());
        for s in &input.transact_statements {
            let st = parse(&s.statement, params(&s.parameters)?)?;
            let meta = self.meta_of(ctx, &target_of(&st).table).await?;
            parsed.push((st, meta));
        }
        let reads = parsed.iter().filter(|(s, _)| matches!(s, Statement::Select { .. })).count();
        if reads > 0 && reads < parsed.len() {
            return Err(DynamoError::validation("Transaction must contain only reads or only writes"));
        }
        if reads > 0 {
            let items = parsed.iter().map(|(s, m)| point_get(m, s).map(|g| TransactGetItem { get: Some(g) })).collect::<Result<Vec<_>, _>>()?;
            let out = self.transact_get_items(ctx, TransactGetItemsInput { transact_items: items, return_consumed_capacity: input.return_consumed_capacity }).await?;
            return Ok(ExecuteTransactionOutput { responses: Some(out.responses) });
        }
        let mut items = Vec::with_capacity(parsed.len());
        for (s, m) in &parsed {
            let w = plan_write(m, s)?;
            let mut it = TransactWriteItem::default();
            match w.kind {
                "Put" => it.put = Some(w.action),
                "Update" => it.update = Some(w.action),
                _ => it.delete = Some(w.action),
            }
            items.push(it);
        }
        self.transact_write_items(ctx, TransactWriteItemsInput { transact_items: items, client_request_token: input.client_request_token, return_consumed_capacity: input.return_consumed_capacity, ..Default::default() })
            .await?;
        Ok(ExecuteTransactionOutput { responses: None })
    }
}

