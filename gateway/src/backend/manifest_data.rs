//! Backend manifest: the `[[bucket]]` (CORS), `[[graphql_api]]` (schema, auth modes, key,
//! seed data) and `[outputs]` sections, read into specs with located errors. Contract and what
//! is left out: see `manifest.rs`.

use super::manifest::{lower_alnum, one_of, read_file, BucketSpec, GraphqlApiSpec, Manifest, OutputsSpec, SeedSpec, AUTH_MODES, R};
use super::spanned::{Loc, Table};
use amplocal_s3::ops::cors::CorsRule;
use serde_json::Value;
use std::path::Path;

pub(super) fn bucket(mut t: Table<'_, '_>) -> R<BucketSpec> {
    let src = t.src();
    let (name, nloc) = t.string("name")?;
    if !amplocal_s3::ops::bucket::valid_bucket_name(&name) {
        return Err(src.err(&nloc, "not a valid bucket name (3-63 characters of a-z, 0-9, . and -)"));
    }
    let mut cors = Vec::new();
    for mut r in t.tables("cors")? {
        let (allowed_methods, mloc) = r.strings("allowed_methods")?;
        for m in &allowed_methods {
            one_of(src, &mloc, m, &["GET", "PUT", "POST", "DELETE", "HEAD"])?;
        }
        let (allowed_origins, oloc) = r.strings("allowed_origins")?;
        if allowed_origins.is_empty() || allowed_methods.is_empty() {
            let loc = if allowed_origins.is_empty() { oloc } else { mloc };
            return Err(src.err(&loc, "must list at least one value"));
        }
        let rule = CorsRule {
            id: r.opt_string("id")?.map(|i| i.0),
            allowed_origins,
            allowed_methods,
            allowed_headers: r.strings("allowed_headers")?.0,
            expose_headers: r.strings("expose_headers")?.0,
            max_age: r.opt_int("max_age_seconds")?.map(|m| m.0.max(0) as u64),
        };
        r.finish()?;
        cors.push(rule);
    }
    let spec = BucketSpec { loc: t.loc.clone(), name, cors };
    t.finish()?;
    Ok(spec)
}

fn seed(mut s: Table<'_, '_>, dir: &Path) -> R<SeedSpec> {
    let src = s.src();
    let (model, _) = s.string("model")?;
    let file = s.opt_string("file")?;
    let inline = s.get("items");
    let items: Vec<(Value, Loc)> = match (file, inline) {
        (Some(_), Some(i)) => return Err(src.err(&i.loc, "give either file or items, not both")),
        (None, None) => return Err(src.err(&s.loc, "needs file or items")),
        (Some((f, loc)), None) => {
            let text = read_file(src, dir, &f, &loc)?;
            match serde_json::from_str::<Value>(&text) {
                Ok(Value::Array(a)) => a.into_iter().map(|v| (v, loc.clone())).collect(),
                Ok(_) => return Err(src.err(&loc, format!("{f}: expected a JSON array of objects"))),
                Err(e) => return Err(src.err(&loc, format!("{f}: invalid JSON: {e}"))),
            }
        }
        (None, Some(i)) => i.array()?.iter().map(|v| Ok((v.json()?, v.loc.clone()))).collect::<R<_>>()?,
    };
    let items = items
        .into_iter()
        .map(|(v, loc)| match v {
            Value::Object(o) => Ok(o),
            _ => Err(src.err(&loc, "each seed item must be an object")),
        })
        .collect::<R<Vec<_>>>()?;
    let spec = SeedSpec { loc: s.loc.clone(), model, items };
    s.finish()?;
    Ok(spec)
}

pub(super) fn graphql_api(mut t: Table<'_, '_>, m: &Manifest) -> R<GraphqlApiSpec> {
    let src = t.src();
    let (name, _) = t.string("name")?;
    let id = t.opt_string("id")?;
    if let Some((id, loc)) = &id {
        if !lower_alnum(id, 26) {
            return Err(src.err(loc, "must be 26 characters of [a-z0-9]"));
        }
    }
    let (schema_path, sloc) = t.string("schema")?;
    let schema = read_file(src, &m.dir, &schema_path, &sloc)?;
    let default_auth = t.opt_string("default_auth")?;
    if let Some((d, loc)) = &default_auth {
        one_of(src, loc, d, AUTH_MODES)?;
    }
    let default_auth = default_auth.map(|d| d.0).unwrap_or_else(|| "API_KEY".into());
    let (mut additional_auth, aloc) = t.strings("additional_auth")?;
    for a in &additional_auth {
        one_of(src, &aloc, a, AUTH_MODES)?;
    }
    additional_auth.retain(|a| *a != default_auth);
    additional_auth.dedup();
    let api_key = t.opt_string("api_key")?;
    if let Some((k, loc)) = &api_key {
        let ok = k.strip_prefix("da2-").is_some_and(|r| (8..=64).contains(&r.len()) && r.bytes().all(|b| b.is_ascii_alphanumeric()));
        if !ok {
            return Err(src.err(loc, "must be da2- followed by 8 to 64 letters and digits"));
        }
        if default_auth != "API_KEY" && !additional_auth.iter().any(|a| a == "API_KEY") {
            additional_auth.push("API_KEY".into());
        }
    }
    let user_pool = t.opt_string("user_pool")?;
    if let Some((p, loc)) = &user_pool {
        if !m.user_pools.iter().any(|u| &u.name == p) {
            return Err(src.err(loc, format!("no user_pool named \"{p}\"")));
        }
    }
    let conflict_detection = t.opt_bool("conflict_detection")?.unwrap_or(false);
    let seeds = t.tables("seed")?.into_iter().map(|s| seed(s, &m.dir)).collect::<R<Vec<_>>>()?;
    let spec = GraphqlApiSpec { loc: t.loc.clone(), name, id: id.map(|i| i.0), schema_path, schema_loc: sloc, schema, default_auth, additional_auth, api_key: api_key.map(|k| k.0), user_pool: user_pool.map(|p| p.0), conflict_detection, seeds };
    t.finish()?;
    Ok(spec)
}

pub(super) fn outputs(t: Option<Table<'_, '_>>, m: &Manifest) -> R<OutputsSpec> {
    let Some(mut t) = t else { return Ok(OutputsSpec::default()) };
    let src = t.src();
    let check = |v: &Option<(String, Loc)>, ok: &dyn Fn(&str) -> bool, kind: &str| -> R<()> {
        match v {
            Some((n, loc)) if !ok(n) => Err(src.err(loc, format!("no {kind} named \"{n}\""))),
            _ => Ok(()),
        }
    };
    let user_pool = t.opt_string("user_pool")?;
    check(&user_pool, &|n| m.user_pools.iter().any(|u| u.name == n), "user_pool")?;
    let client = t.opt_string("client")?;
    let pool_of_client = user_pool.as_ref().map(|p| p.0.clone()).or_else(|| m.user_pools.first().map(|p| p.name.clone())).unwrap_or_default();
    if let Some((n, loc)) = &client {
        if !m.user_pools.iter().any(|u| u.name == pool_of_client && u.clients.iter().any(|c| &c.name == n)) {
            return Err(src.err(loc, format!("no client named \"{n}\" in user_pool \"{pool_of_client}\"")));
        }
    }
    let identity_pool = t.opt_string("identity_pool")?;
    check(&identity_pool, &|n| m.identity_pools.iter().any(|u| u.name == n), "identity_pool")?;
    let graphql_api = t.opt_string("graphql_api")?;
    check(&graphql_api, &|n| m.graphql_apis.iter().any(|u| u.name == n), "graphql_api")?;
    let bucket = t.opt_string("bucket")?;
    check(&bucket, &|n| m.buckets.iter().any(|u| u.name == n), "bucket")?;
    t.finish()?;
    Ok(OutputsSpec { user_pool: user_pool.map(|v| v.0), client: client.map(|v| v.0), identity_pool: identity_pool.map(|v| v.0), graphql_api: graphql_api.map(|v| v.0), bucket: bucket.map(|v| v.0) })
}

