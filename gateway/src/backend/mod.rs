//! The backend manifest (`--backend amplocal.toml`): provisions user pools, identity pools,
//! buckets, GraphQL APIs and seed data idempotently at every start, then (with
//! `--amplify-outputs`) writes `amplify_outputs.json` for them. Contract: README "Backend manifest".

pub mod manifest;
mod manifest_auth;
mod manifest_data;
pub mod outputs;
pub mod spanned;

mod provision_auth;
mod provision_data;
mod provision_storage;

pub use manifest::Manifest;
pub use spanned::ManifestError;

use crate::AppState;
use amplocal_core::RequestContext;
use outputs::{AuthOutput, DataOutput, PasswordPolicyOut, Provisioned, StorageOutput};
use std::net::SocketAddr;

fn pick<'a, T>(items: &'a [T], wanted: Option<&str>, name: impl Fn(&T) -> &str) -> Option<(usize, &'a T)> {
    match wanted {
        Some(w) => items.iter().enumerate().find(|(_, x)| name(x) == w),
        None => items.first().map(|x| (0, x)),
    }
}

/// Provision everything `manifest` describes (in process, through the services' ops) and
/// describe it for `amplify_outputs.json`. `bound` is the listening address (the default
/// public URL is `https://localhost:<port>`). Errors name the manifest's file, line and key.
pub async fn provision(state: &AppState, manifest: &Manifest, bound: SocketAddr) -> anyhow::Result<Provisioned> {
    let m = manifest;
    let started = std::time::Instant::now();
    let ctx = RequestContext::new("amplocal-backend", amplocal_core::DEFAULT_ACCOUNT, m.region.clone(), state.core.clock.now());
    // Pools, groups and clients first (everything else refers to them); then seed users,
    // identity pools + APIs and buckets overlap.
    let storage = async {
        provision_storage::provision(&state.s3, &ctx, m).await?;
        tracing::debug!("backend: s3 provisioned at {} µs", started.elapsed().as_micros());
        Ok::<_, ManifestError>(())
    };
    let auth_and_data = async {
        let pools = provision_auth::pools(&state.cognito, &ctx, m).await?;
        tracing::debug!("backend: user pools provisioned at {} µs", started.elapsed().as_micros());
        let users = async {
            provision_auth::users(&state.cognito, &ctx, m, &pools).await?;
            tracing::debug!("backend: seed users provisioned at {} µs", started.elapsed().as_micros());
            Ok::<_, ManifestError>(())
        };
        let rest = async {
            let identity_pools = provision_auth::identity_pools(&state.cognito, &ctx, m, &pools).await?;
            let apis = provision_data::provision(&state.appsync, &state.dynamodb, m, &pools).await?;
            tracing::debug!("backend: identity pools and graphql provisioned at {} µs", started.elapsed().as_micros());
            Ok::<_, ManifestError>((identity_pools, apis))
        };
        let ((), (identity_pools, apis)) = tokio::try_join!(users, rest)?;
        Ok::<_, ManifestError>((pools, identity_pools, apis))
    };
    let ((pools, identity_pools, apis), ()) = tokio::try_join!(auth_and_data, storage)?;

    let public_url = m.public_url.clone().unwrap_or_else(|| format!("https://localhost:{}", bound.port()));
    let auth = pick(&m.user_pools, m.outputs.user_pool.as_deref(), |p| &p.name).map(|(i, spec)| {
        let ids = &pools[i];
        let client_id = pick(&ids.clients, m.outputs.client.as_deref(), |c| &c.0).map(|(_, c)| c.1.clone()).unwrap_or_default();
        let identity = pick(&m.identity_pools, m.outputs.identity_pool.as_deref(), |p| &p.name);
        let pp = &spec.password_policy;
        AuthOutput {
            user_pool_id: ids.id.clone(),
            client_id,
            identity_pool_id: identity.map(|(j, _)| identity_pools[j].clone()),
            allow_unauthenticated: identity.is_some_and(|(_, p)| p.allow_unauthenticated),
            username_attributes: spec.username_attributes.clone(),
            auto_verified: spec.auto_verified_attributes.clone(),
            required_attributes: spec.attributes.iter().filter(|a| a.required).map(|a| a.name.clone()).collect(),
            password_policy: PasswordPolicyOut {
                min_length: pp.minimum_length.unwrap_or(8) as u32,
                require_lowercase: pp.require_lowercase.unwrap_or(true),
                require_uppercase: pp.require_uppercase.unwrap_or(true),
                require_numbers: pp.require_numbers.unwrap_or(true),
                require_symbols: pp.require_symbols.unwrap_or(true),
            },
            mfa: spec.mfa.clone(),
            mfa_methods: spec.mfa_methods.clone(),
            groups: spec.groups.iter().map(|g| (g.name.clone(), g.precedence)).collect(),
        }
    });
    let several = m.graphql_apis.len() > 1;
    let data = match pick(&m.graphql_apis, m.outputs.graphql_api.as_deref(), |a| &a.name) {
        Some((i, spec)) => {
            let api = &apis[i];
            let model_introspection = amplocal_appsync::introspection::model_introspection(&spec.schema).map_err(|e| m.error_at(&spec.schema_loc, format!("{}: model_introspection: {e}", spec.schema_path)))?;
            Some(DataOutput {
                api_id: api.api_id.clone(),
                url: if several { format!("{public_url}/graphql/{}", api.api_id) } else { format!("{public_url}/graphql") },
                default_auth: spec.default_auth.clone(),
                additional_auth: spec.additional_auth.clone(),
                api_key: api.api_key.clone(),
                model_introspection,
            })
        }
        None => None,
    };
    let storage = pick(&m.buckets, m.outputs.bucket.as_deref(), |b| &b.name).map(|(_, b)| StorageOutput { bucket: b.name.clone() });
    tracing::info!(
        manifest = %m.file,
        user_pools = m.user_pools.len(),
        identity_pools = m.identity_pools.len(),
        buckets = m.buckets.len(),
        graphql_apis = m.graphql_apis.len(),
        "backend provisioned in {} ms",
        started.elapsed().as_millis()
    );
    Ok(Provisioned { region: m.region.clone(), public_url, auth, data, storage })
}
