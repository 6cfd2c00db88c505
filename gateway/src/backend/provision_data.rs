//! Provisioning of the manifest's GraphQL APIs through `amplocal_appsync::provision` (in
//! process): schema compiled and tables created, fixed id and API key, then seed items that are
//! absent. Leaves out: removing APIs or items that left the manifest.

use super::manifest::{GraphqlApiSpec, Manifest};
use super::provision_auth::PoolIds;
use super::spanned::{Loc, ManifestError};
use amplocal_appsync::provision::{ApiSpec, EnsuredApi};
use amplocal_appsync::AppSyncService;
use amplocal_dynamodb::DynamoDbService;

async fn api(appsync: &AppSyncService, ddb: &DynamoDbService, m: &Manifest, pools: &[PoolIds], a: &GraphqlApiSpec) -> Result<EnsuredApi, ManifestError> {
    let user_pool_id = a.user_pool.as_ref().and_then(|n| pools.iter().find(|p| &p.name == n)).map(|p| p.id.clone());
    let spec = ApiSpec {
        name: a.name.clone(),
        fixed_id: a.id.clone(),
        definition: a.schema.clone(),
        default_auth: a.default_auth.clone(),
        additional_auth: a.additional_auth.clone(),
        user_pool_id,
        api_key: a.api_key.clone(),
    };
    let ensured = appsync.ensure_api(&m.region, &spec).await.map_err(|e| m.error_at(&a.schema_loc, format!("{}: {e}", a.schema_path)))?;
    tracing::debug!(api = %a.name, "backend: schema compiled, tables and key ensured");
    for s in &a.seeds {
        appsync.seed_items(ddb, &m.region, &ensured, &s.model, &s.items).await.map_err(|e| {
            let loc = match e.index {
                Some(i) => Loc { line: s.loc.line, key: format!("{}[{i}]", s.loc.key) },
                None => Loc { line: s.loc.line, key: format!("{}.model", s.loc.key) },
            };
            m.error_at(&loc, e.message)
        })?;
    }
    Ok(ensured)
}

/// Provision every API (in manifest order).
pub async fn provision(appsync: &AppSyncService, ddb: &DynamoDbService, m: &Manifest, pools: &[PoolIds]) -> Result<Vec<EnsuredApi>, ManifestError> {
    let mut out = Vec::new();
    for a in &m.graphql_apis {
        out.push(api(appsync, ddb, m, pools, a).await?);
    }
    Ok(out)
}
