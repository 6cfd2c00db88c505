//! Query and Scan: key conditions as SQLite range scans over order-preserving keys, Limit
//! counted before the filter, the 1 MB page, ExclusiveStartKey / LastEvaluatedKey (index keys
//! plus table keys, ties on index keys broken by the table key), ScanIndexForward, Select
//! (incl. COUNT), GSI/LSI projections and parallel scan segments over the partition-key hash.
//! See <https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_Query.html>.

use super::conditions::attributes_to_get;
use super::index_read::{index_projection, lek, pick_index, start_key, StartKey};
use super::key_condition::{analyze, analyze_multi, SkCond};
use super::{capacity, check_enum, check_table_name, constraint, legacy, units, RETURN_CAPACITY};
use crate::error::DynamoError;
use crate::expr::ast::{CmpOp, Cond};
use crate::expr::{eval, ExprCtx, ExprKind, Path};
use crate::model::*;
use crate::store::catalog::{IndexDef, KeyAttr, Table};
use crate::store::items::decode;
use crate::store::scan_hash;
use crate::value::{key, Item};
use crate::DynamoDbService;
use amplocal_core::RequestContext;
use rusqlite::types::Value as Sql;
use rusqlite::Connection;

const PAGE_BYTES: i64 = 1024 * 1024;

struct Common {
    filter: Option<Cond>,
    projection: Option<Vec<Path>>,
    key_cond: Option<Cond>,
}

struct Page {
    limit: Option<i64>,
    /// `Select: ALL_ATTRIBUTES` (an LSI then fetches whole items from the table).
    all_attributes: bool,
    count_only: bool,
    consistent: bool,
}

fn check_select(select: &Option<String>, has_projection: bool) -> Result<(), DynamoError> {
    check_enum(select, "select", &["SPECIFIC_ATTRIBUTES", "COUNT", "ALL_ATTRIBUTES", "ALL_PROJECTED_ATTRIBUTES"])?;
    match select.as_deref() {
        Some("SPECIFIC_ATTRIBUTES") if !has_projection => {
            Err(DynamoError::validation("Must specify the AttributesToGet or ProjectionExpression when choosing to get SPECIFIC_ATTRIBUTES"))
        }
        Some("SPECIFIC_ATTRIBUTES") | None => Ok(()),
        Some(s) if has_projection => Err(DynamoError::validation(format!(
            "Cannot specify the ProjectionExpression or AttributesToGet when choosing to get {s}"
        ))),
        _ => Ok(()),
    }
}

fn check_limit(limit: Option<i64>) -> Result<(), DynamoError> {
    match limit {
        Some(l) if l < 1 => Err(constraint(&format!("'{l}'"), "limit", "Member must have value greater than or equal to 1")),
        _ => Ok(()),
    }
}

struct Collected {
    items: Vec<ReadItem>,
    count: i64,
    scanned: i64,
    last: Option<Item>,
    bytes: i64,
}

/// What one page reads and how it shapes the result.
struct Scope<'a> {
    table: &'a Table,
    ix: Option<&'a IndexDef>,
    filter: &'a Option<Cond>,
    projection: &'a Option<Vec<Path>>,
    page: &'a Page,
}

/// Run `sql` (selecting `item, size`) and build one page. A base-table read without a
/// projection returns the stored bytes as they are; an item is decoded only when a filter, a
/// projection or an index needs it (and once for the LastEvaluatedKey).
fn collect(c: &Connection, sql: &str, params: Vec<Sql>, sc: Scope<'_>) -> Result<Collected, DynamoError> {
    let Scope { table, ix, filter, projection, page } = sc;
    let mut st = c.prepare_cached(sql)?;
    let mut rows = st.query(rusqlite::params_from_iter(params))?;
    let mut out = Collected { items: Vec::new(), count: 0, scanned: 0, last: None, bytes: 0 };
    let raw = ix.is_none() && projection.is_none();
    while let Some(row) = rows.next()? {
        let blob: Vec<u8> = row.get(0)?;
        let size: i64 = row.get(1)?;
        out.scanned += 1;
        out.bytes += size;
        let stop = page.limit.is_some_and(|l| out.scanned >= l) || out.bytes >= PAGE_BYTES;
        if raw {
            let decoded = if filter.is_some() || stop { Some(decode(&blob)?) } else { None };
            if stop {
                if let Some(full) = &decoded {
                    out.last = Some(lek(table, ix, full));
                }
            }
            let pass = match (filter, &decoded) {
                (Some(f), Some(full)) => eval::eval(f, full),
                _ => true,
            };
            if pass {
                out.count += 1;
                if !page.count_only {
                    out.items.push(ReadItem::Stored(blob));
                }
            }
            if stop {
                break;
            }
            continue;
        }
        let full = decode(&blob)?;
        // Decide the page end (and its LastEvaluatedKey, from the full item) before the item
        // moves into the projections below: no per-item clone on the plain path.
        if stop {
            out.last = Some(lek(table, ix, &full));
        }
        let visible = match ix {
            Some(ix) if ix.global => index_projection(table, ix, full),
            _ => full,
        };
        let pass = filter.as_ref().is_none_or(|f| eval::eval(f, &visible));
        if pass {
            out.count += 1;
            if !page.count_only {
                let mut shown = match (ix, projection) {
                    (Some(ix), None) if !page.all_attributes => index_projection(table, ix, visible),
                    _ => visible,
                };
                if let Some(p) = projection {
                    shown = eval::project(&shown, p);
                }
                out.items.push(ReadItem::Decoded(shown));
            }
        }
        if stop {
            break;
        }
    }
    Ok(out)
}

fn output(table: &Table, col: Collected, page: &Page, rcc: &Option<String>) -> QueryPage {
    QueryPage {
        items: (!page.count_only).then_some(col.items),
        count: col.count,
        scanned_count: col.scanned,
        last_evaluated_key: col.last,
        consumed_capacity: capacity(rcc, &table.meta.name, units(col.bytes.max(0) as usize, false, page.consistent), false),
    }
}

/// The expression-related parameters of a Query or Scan.
struct ReadParams<'a> {
    names: Option<&'a Names>,
    values: Option<&'a Values>,
    filter_expr: Option<&'a String>,
    projection_expr: Option<&'a String>,
    key_expr: Option<&'a String>,
    legacy_filter: Option<(&'a std::collections::BTreeMap<String, Condition>, &'static str)>,
    attributes_to_get_param: Option<&'a Vec<String>>,
    key_conditions: Option<&'a std::collections::BTreeMap<String, Condition>>,
    conditional_operator: &'a Option<String>,
}

fn parse_common(p: ReadParams<'_>) -> Result<Common, DynamoError> {
    let ReadParams { names, values, filter_expr, projection_expr, key_expr, legacy_filter, attributes_to_get_param, key_conditions, conditional_operator } = p;
    let mut expr = Vec::new();
    if key_expr.is_some() {
        expr.push("KeyConditionExpression");
    }
    if filter_expr.is_some() {
        expr.push("FilterExpression");
    }
    if projection_expr.is_some() {
        expr.push("ProjectionExpression");
    }
    let mut non = Vec::new();
    if attributes_to_get_param.is_some() {
        non.push("AttributesToGet");
    }
    if key_conditions.is_some() {
        non.push("KeyConditions");
    }
    if let Some((_, n)) = legacy_filter {
        non.push(n);
    }
    if !non.is_empty() && !expr.is_empty() {
        return Err(DynamoError::validation(format!(
            "Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {{{}}} Expression parameters: {{{}}}",
            non.join(", "),
            expr.join(", ")
        )));
    }
    let mut ctx = ExprCtx::new(names, values, !expr.is_empty())?;
    let key_cond = key_expr.map(|k| ctx.condition(ExprKind::KeyCondition, k)).transpose()?;
    let filter = filter_expr.map(|f| ctx.condition(ExprKind::Filter, f)).transpose()?;
    let projection = projection_expr.map(|p| ctx.projection(p)).transpose()?;
    ctx.finish()?;
    let mut c = Common { filter, projection, key_cond };
    if let Some((f, _)) = legacy_filter {
        c.filter = legacy::filter(f, conditional_operator)?;
    }
    if let Some(k) = key_conditions {
        c.key_cond = legacy::filter(k, &None)?;
    }
    if let Some(a) = attributes_to_get_param {
        c.projection = Some(attributes_to_get(a)?);
    }
    Ok(c)
}

impl DynamoDbService {
    /// Query.
    pub async fn query(&self, ctx: &RequestContext, input: QueryInput) -> Result<QueryOutput, DynamoError> {
        self.query_page(ctx, input).await?.into_output()
    }

    /// Scan (with parallel-scan segments).
    pub async fn scan(&self, ctx: &RequestContext, input: ScanInput) -> Result<ScanOutput, DynamoError> {
        self.scan_page(ctx, input).await?.into_output()
    }

    /// Query, its items left as stored where no projection applies (the wire renders them as is).
    pub async fn query_page(&self, ctx: &RequestContext, input: QueryInput) -> Result<QueryPage, DynamoError> {
        check_table_name(&input.table_name, "tableName")?;
        check_enum(&input.return_consumed_capacity, "returnConsumedCapacity", RETURN_CAPACITY)?;
        check_limit(input.limit)?;
        check_select(&input.select, input.projection_expression.is_some() || input.attributes_to_get.is_some())?;
        let common = parse_common(ReadParams {
            names: input.expression_attribute_names.as_ref(),
            values: input.expression_attribute_values.as_ref(),
            filter_expr: input.filter_expression.as_ref(),
            projection_expr: input.projection_expression.as_ref(),
            key_expr: input.key_condition_expression.as_ref(),
            legacy_filter: input.query_filter.as_ref().map(|f| (f, "QueryFilter")),
            attributes_to_get_param: input.attributes_to_get.as_ref(),
            key_conditions: input.key_conditions.as_ref(),
            conditional_operator: &input.conditional_operator,
        })?;
        if input.select.as_deref() == Some("ALL_PROJECTED_ATTRIBUTES") && input.index_name.is_none() {
            return Err(DynamoError::validation("ALL_PROJECTED_ATTRIBUTES can be used only when Querying using an IndexName"));
        }
        let key_cond = common
            .key_cond
            .clone()
            .ok_or_else(|| DynamoError::validation("Either the KeyConditions or KeyConditionExpression parameter must be specified in the request."))?;
        let page = Page { limit: input.limit, all_attributes: input.select.as_deref() == Some("ALL_ATTRIBUTES"), count_only: input.select.as_deref() == Some("COUNT"), consistent: input.consistent_read.unwrap_or(false) };
        let (account, region) = (ctx.account_id.clone(), ctx.region.clone());
        let cache = self.meta_cache().clone();
        self.db()
            .read(move |c| {
                let table = cache.require(c, &account, &region, &input.table_name)?;
                let ix = pick_index(&table, &input.index_name, page.consistent, &input.select)?;
                let (hash, range) = match &ix {
                    Some(ix) => (ix.hash.clone(), ix.range.clone()),
                    None => (table.meta.hash_key(), table.meta.range_key()),
                };
                let (pk, skc) = match &ix {
                    Some(ix) if ix.is_multi() => analyze_multi(&key_cond, &ix.hashes, &ix.ranges)?,
                    _ => analyze(&key_cond, &hash, range.as_ref())?,
                };
                if let (Some(f), true) = (&common.filter, input.filter_expression.is_some()) {
                    let names = f.top_level_names();
                    let all: Vec<&KeyAttr> = match &ix {
                        Some(ix) => ix.key_attrs().collect(),
                        None => std::iter::once(&hash).chain(range.as_ref()).collect(),
                    };
                    if let Some(k) = all.into_iter().find(|k| names.contains(&k.name.as_str())) {
                        return Err(DynamoError::validation(format!("Filter Expression can only contain non-primary key attributes: Primary key attribute: {}", k.name)));
                    }
                }
                let forward = input.scan_index_forward.unwrap_or(true);
                let start = input.exclusive_start_key.as_ref().map(|e| start_key(&table, ix.as_ref(), e)).transpose()?;
                let (col, from, keycol) = match &ix {
                    Some(_) => ("x.isk", "index_items x JOIN items i ON i.tid = x.tid AND i.pk = x.pk AND i.sk = x.sk WHERE x.tid = ?1 AND x.idx = ?2 AND x.ipk = ?3", true),
                    None => ("i.sk", "items i WHERE i.tid = ?1 AND ?2 = ?2 AND i.pk = ?3", false),
                };
                let mut sql = format!("SELECT i.item, i.size FROM {from}");
                let mut params: Vec<Sql> = vec![Sql::Integer(table.id), Sql::Text(ix.as_ref().map(|i| i.name.clone()).unwrap_or_default()), Sql::Blob(pk)];
                let mut bind = |sql: &mut String, cond: &str, v: Vec<u8>| {
                    params.push(Sql::Blob(v));
                    sql.push_str(&format!(" AND {col} {cond} ?{}", params.len()));
                };
                match skc {
                    Some(SkCond::Cmp(op, v)) => {
                        let o = match op {
                            CmpOp::Eq => "=",
                            CmpOp::Lt => "<",
                            CmpOp::Le => "<=",
                            CmpOp::Gt => ">",
                            CmpOp::Ge => ">=",
                            CmpOp::Ne => "<>",
                        };
                        bind(&mut sql, o, v);
                    }
                    Some(SkCond::Between(lo, hi)) => {
                        bind(&mut sql, ">=", lo);
                        bind(&mut sql, "<=", hi);
                    }
                    Some(SkCond::Range(lo, hi)) => {
                        if let Some(lo) = lo {
                            bind(&mut sql, ">=", lo);
                        }
                        if let Some(hi) = hi {
                            bind(&mut sql, "<", hi);
                        }
                    }
                    Some(SkCond::Prefix(p)) => {
                        let succ = key::prefix_successor(&p);
                        bind(&mut sql, ">=", p);
                        if let Some(s) = succ {
                            bind(&mut sql, "<", s);
                        }
                    }
                    None => {}
                }
                let dir = if forward { "ASC" } else { "DESC" };
                let cmp = if forward { ">" } else { "<" };
                if let Some(StartKey(_, isk, spk, ssk)) = start {
                    if keycol {
                        let n = params.len();
                        params.extend([Sql::Blob(isk), Sql::Blob(spk), Sql::Blob(ssk)]);
                        sql.push_str(&format!(" AND (x.isk, x.pk, x.sk) {cmp} (?{}, ?{}, ?{})", n + 1, n + 2, n + 3));
                    } else {
                        params.push(Sql::Blob(ssk));
                        sql.push_str(&format!(" AND i.sk {cmp} ?{}", params.len()));
                    }
                }
                if keycol {
                    sql.push_str(&format!(" ORDER BY x.isk {dir}, x.pk {dir}, x.sk {dir}"));
                } else {
                    sql.push_str(&format!(" ORDER BY i.sk {dir}"));
                }
                let col = collect(c, &sql, params, Scope { table: &table, ix: ix.as_ref(), filter: &common.filter, projection: &common.projection, page: &page })?;
                Ok(output(&table, col, &page, &input.return_consumed_capacity))
            })
            .await
    }

    /// Scan, its items left as stored where no projection applies.
    pub async fn scan_page(&self, ctx: &RequestContext, input: ScanInput) -> Result<QueryPage, DynamoError> {
        check_table_name(&input.table_name, "tableName")?;
        check_enum(&input.return_consumed_capacity, "returnConsumedCapacity", RETURN_CAPACITY)?;
        check_limit(input.limit)?;
        check_select(&input.select, input.projection_expression.is_some() || input.attributes_to_get.is_some())?;
        let (lo, hi) = segment_range(input.segment, input.total_segments)?;
        let common = parse_common(ReadParams {
            names: input.expression_attribute_names.as_ref(),
            values: input.expression_attribute_values.as_ref(),
            filter_expr: input.filter_expression.as_ref(),
            projection_expr: input.projection_expression.as_ref(),
            key_expr: None,
            legacy_filter: input.scan_filter.as_ref().map(|f| (f, "ScanFilter")),
            attributes_to_get_param: input.attributes_to_get.as_ref(),
            key_conditions: None,
            conditional_operator: &input.conditional_operator,
        })?;
        let page = Page { limit: input.limit, all_attributes: input.select.as_deref() == Some("ALL_ATTRIBUTES"), count_only: input.select.as_deref() == Some("COUNT"), consistent: input.consistent_read.unwrap_or(false) };
        let (account, region) = (ctx.account_id.clone(), ctx.region.clone());
        let cache = self.meta_cache().clone();
        self.db()
            .read(move |c| {
                let table = cache.require(c, &account, &region, &input.table_name)?;
                let ix = pick_index(&table, &input.index_name, page.consistent, &input.select)?;
                let start = input.exclusive_start_key.as_ref().map(|e| start_key(&table, ix.as_ref(), e)).transpose()?;
                let mut params: Vec<Sql> = vec![Sql::Integer(table.id), Sql::Integer(lo), Sql::Integer(hi)];
                let mut sql = match &ix {
                    Some(ix) => {
                        params.push(Sql::Text(ix.name.clone()));
                        "SELECT i.item, i.size FROM index_items x JOIN items i ON i.tid = x.tid AND i.pk = x.pk AND i.sk = x.sk WHERE x.tid = ?1 AND x.idx = ?4 AND x.hash >= ?2 AND x.hash < ?3".to_string()
                    }
                    None => "SELECT i.item, i.size FROM items i WHERE i.tid = ?1 AND i.hash >= ?2 AND i.hash < ?3".to_string(),
                };
                if let Some(StartKey(ipk, isk, pk, sk)) = start {
                    let n = params.len();
                    if ix.is_some() {
                        let h = scan_hash(&ipk);
                        if h < lo || h >= hi {
                            return Err(DynamoError::validation("The provided Exclusive start key does not map to the provided Segment and TotalSegments values."));
                        }
                        params.extend([Sql::Integer(h), Sql::Blob(ipk), Sql::Blob(isk), Sql::Blob(pk), Sql::Blob(sk)]);
                        sql.push_str(&format!(" AND (x.hash, x.ipk, x.isk, x.pk, x.sk) > (?{}, ?{}, ?{}, ?{}, ?{})", n + 1, n + 2, n + 3, n + 4, n + 5));
                    } else {
                        let h = scan_hash(&pk);
                        if h < lo || h >= hi {
                            return Err(DynamoError::validation("The provided Exclusive start key does not map to the provided Segment and TotalSegments values."));
                        }
                        params.extend([Sql::Integer(h), Sql::Blob(pk), Sql::Blob(sk)]);
                        sql.push_str(&format!(" AND (i.hash, i.pk, i.sk) > (?{}, ?{}, ?{})", n + 1, n + 2, n + 3));
                    }
                }
                if ix.is_some() {
                    sql.push_str(" ORDER BY x.hash, x.ipk, x.isk, x.pk, x.sk");
                } else {
                    sql.push_str(" ORDER BY i.hash, i.pk, i.sk");
                }
                let col = collect(c, &sql, params, Scope { table: &table, ix: ix.as_ref(), filter: &common.filter, projection: &common.projection, page: &page })?;
                Ok(output(&table, col, &page, &input.return_consumed_capacity))
            })
            .await
    }
}

/// Hash range `[lo, hi)` of a parallel-scan segment.
fn segment_range(segment: Option<i64>, total: Option<i64>) -> Result<(i64, i64), DynamoError> {
    const SPACE: i64 = 1 << 32;
    match (segment, total) {
        (None, None) => Ok((0, SPACE)),
        (Some(_), None) => Err(DynamoError::validation("The TotalSegments parameter is required but was not present in the request when Segment parameter is present")),
        (None, Some(_)) => Err(DynamoError::validation("The Segment parameter is required but was not present in the request when parameter TotalSegments is present")),
        (Some(s), Some(t)) => {
            if t < 1 {
                return Err(constraint(&format!("'{t}'"), "totalSegments", "Member must have value greater than or equal to 1"));
            }
            if t > 1_000_000 {
                return Err(constraint(&format!("'{t}'"), "totalSegments", "Member must have value less than or equal to 1000000"));
            }
            if s < 0 {
                return Err(constraint(&format!("'{s}'"), "segment", "Member must have value greater than or equal to 0"));
            }
            if s >= t {
                return Err(DynamoError::validation(format!(
                    "The Segment parameter is zero-based and must be less than parameter TotalSegments: Segment: {s} is not less than TotalSegments: {t}"
                )));
            }
            Ok((s * SPACE / t, (s + 1) * SPACE / t))
        }
    }
}
