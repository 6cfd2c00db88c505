//! Backend manifest: the `[[user_pool]]` (policy, attributes, groups, clients, seed users) and
//! `[[identity_pool]]` sections, read into specs with located errors. Contract and what is left
//! out: see `manifest.rs`.

use super::manifest::{lower_alnum, one_of, AttributeSpec, ClientSpec, GroupSpec, IdentityPoolSpec, Manifest, PasswordPolicySpec, UserPoolSpec, UserSpec, R, STANDARD_ATTRS};
use super::spanned::Table;

fn password_policy(t: Option<Table<'_, '_>>) -> R<PasswordPolicySpec> {
    let Some(mut t) = t else { return Ok(PasswordPolicySpec::default()) };
    let min = t.opt_int("minimum_length")?;
    if let Some((m, loc)) = &min {
        if !(6..=99).contains(m) {
            return Err(t.src().err(loc, "must be between 6 and 99"));
        }
    }
    let p = PasswordPolicySpec {
        minimum_length: min.map(|m| m.0),
        require_lowercase: t.opt_bool("require_lowercase")?,
        require_uppercase: t.opt_bool("require_uppercase")?,
        require_numbers: t.opt_bool("require_numbers")?,
        require_symbols: t.opt_bool("require_symbols")?,
        temporary_password_validity_days: t.opt_int("temporary_password_validity_days")?.map(|d| d.0),
    };
    t.finish()?;
    Ok(p)
}

fn attribute(mut t: Table<'_, '_>) -> R<AttributeSpec> {
    let src = t.src();
    let (name, nloc) = t.string("name")?;
    let required = t.opt_bool("required")?;
    let data_type = t.opt_string("type")?;
    let mutable = t.opt_bool("mutable")?;
    let custom = name.strip_prefix("custom:").filter(|n| !n.is_empty());
    if custom.is_none() && !STANDARD_ATTRS.contains(&name.as_str()) {
        return Err(src.err(&nloc, format!("\"{name}\" is not a standard attribute (custom attributes need the custom: prefix)")));
    }
    if custom.is_some() && required == Some(true) {
        return Err(src.err(&nloc, "custom attributes cannot be required"));
    }
    if let (None, Some((_, loc))) = (custom, &data_type) {
        return Err(src.err(loc, "only custom: attributes take a type"));
    }
    if let Some((ty, loc)) = &data_type {
        one_of(src, loc, ty, &["String", "Number", "DateTime", "Boolean"])?;
    }
    let spec = AttributeSpec { loc: t.loc.clone(), name, required: required.unwrap_or(false), data_type: data_type.map(|d| d.0).unwrap_or_else(|| "String".into()), mutable: mutable.unwrap_or(true) };
    t.finish()?;
    Ok(spec)
}

pub(super) fn user_pool(mut t: Table<'_, '_>, region: &str) -> R<UserPoolSpec> {
    let src = t.src();
    let (name, _) = t.string("name")?;
    let id = t.opt_string("id")?;
    if let Some((id, loc)) = &id {
        let ok = id.strip_prefix(region).and_then(|r| r.strip_prefix('_')).is_some_and(|r| !r.is_empty() && r.len() <= 40 && r.bytes().all(|b| b.is_ascii_alphanumeric()));
        if !ok {
            return Err(src.err(loc, format!("must be {region}_ followed by letters and digits (e.g. {region}_Abc123)")));
        }
    }
    let (username_attributes, ua_loc) = t.strings("username_attributes")?;
    for a in &username_attributes {
        one_of(src, &ua_loc, a, &["email", "phone_number"])?;
    }
    let (auto_verified_attributes, av_loc) = t.strings("auto_verified_attributes")?;
    for a in &auto_verified_attributes {
        one_of(src, &av_loc, a, &["email", "phone_number"])?;
    }
    let mfa = t.opt_string("mfa")?;
    if let Some((m, loc)) = &mfa {
        one_of(src, loc, m, &["OFF", "ON", "OPTIONAL"])?;
    }
    let (mfa_methods, mm_loc) = t.strings("mfa_methods")?;
    for m in &mfa_methods {
        one_of(src, &mm_loc, m, &["TOTP", "SMS", "EMAIL"])?;
    }
    let prevent = t.opt_bool("prevent_user_existence_errors")?.unwrap_or(false);
    let policy = t.get("password_policy").map(|v| v.table()).transpose()?;
    let password_policy = password_policy(policy)?;
    let attributes = t.tables("attribute")?.into_iter().map(attribute).collect::<R<Vec<_>>>()?;
    let mut groups = Vec::new();
    for mut g in t.tables("group")? {
        let (gname, gloc) = g.string("name")?;
        if groups.iter().any(|x: &GroupSpec| x.name == gname) {
            return Err(src.err(&gloc, format!("duplicate group \"{gname}\"")));
        }
        groups.push(GroupSpec { loc: g.loc.clone(), name: gname, description: g.opt_string("description")?.map(|d| d.0), precedence: g.opt_int("precedence")?.map(|p| p.0) });
        g.finish()?;
    }
    let mut clients = Vec::new();
    for mut c in t.tables("client")? {
        let (cname, cloc) = c.string("name")?;
        if clients.iter().any(|x: &ClientSpec| x.name == cname) {
            return Err(src.err(&cloc, format!("duplicate client \"{cname}\"")));
        }
        let id = c.opt_string("id")?;
        if let Some((id, loc)) = &id {
            if !lower_alnum(id, 26) {
                return Err(src.err(loc, "must be 26 characters of [a-z0-9]"));
            }
        }
        let secret = c.opt_bool("secret")?.unwrap_or(false);
        let auth_flows = c.strings("auth_flows")?.0;
        clients.push(ClientSpec { loc: c.loc.clone(), name: cname, id: id.map(|i| i.0), secret, auth_flows });
        c.finish()?;
    }
    let mut users = Vec::new();
    for mut u in t.tables("user")? {
        let (username, _) = u.string("username")?;
        let (password, _) = u.string("password")?;
        let mut attributes = Vec::new();
        if let Some(a) = u.get("attributes") {
            let mut at = a.table()?;
            for k in at.keys() {
                if let Some(v) = at.get(&k) {
                    attributes.push((k, v.string()?));
                }
            }
        }
        let (ugroups, gloc) = u.strings("groups")?;
        if let Some(g) = ugroups.iter().find(|g| !groups.iter().any(|x| &x.name == *g)) {
            return Err(src.err(&gloc, format!("no group named \"{g}\" in user_pool \"{name}\"")));
        }
        users.push(UserSpec { loc: u.loc.clone(), username, password, attributes, groups: ugroups });
        u.finish()?;
    }
    let spec = UserPoolSpec {
        loc: t.loc.clone(),
        name,
        id: id.map(|i| i.0),
        username_attributes,
        auto_verified_attributes,
        mfa: mfa.map(|m| m.0).unwrap_or_else(|| "OFF".into()),
        mfa_methods,
        prevent_user_existence_errors: prevent,
        password_policy,
        attributes,
        groups,
        clients,
        users,
    };
    t.finish()?;
    Ok(spec)
}

pub(super) fn identity_pool(mut t: Table<'_, '_>, m: &Manifest) -> R<IdentityPoolSpec> {
    let src = t.src();
    let (name, _) = t.string("name")?;
    let id = t.opt_string("id")?;
    if let Some((id, loc)) = &id {
        let ok = id.strip_prefix(&m.region).and_then(|r| r.strip_prefix(':')).is_some_and(|u| uuid::Uuid::parse_str(u).is_ok() && u.len() == 36);
        if !ok {
            return Err(src.err(loc, format!("must be {}:<uuid> (e.g. {}:6c1b2a9e-0000-4000-8000-000000000001)", m.region, m.region)));
        }
    }
    let allow_unauthenticated = t.opt_bool("allow_unauthenticated")?.unwrap_or(false);
    let mut providers = Vec::new();
    for mut p in t.tables("providers")? {
        let (pool, ploc) = p.string("user_pool")?;
        let (client, cloc) = p.string("client")?;
        let Some(up) = m.user_pools.iter().find(|u| u.name == pool) else {
            return Err(src.err(&ploc, format!("no user_pool named \"{pool}\"")));
        };
        if !up.clients.iter().any(|c| c.name == client) {
            return Err(src.err(&cloc, format!("no client named \"{client}\" in user_pool \"{pool}\"")));
        }
        providers.push((pool, client, p.loc.clone()));
        p.finish()?;
    }
    let role = |kind: &str| format!("arn:aws:iam::{}:role/amplocal-{name}-{kind}", amplocal_core::DEFAULT_ACCOUNT);
    let authenticated_role = t.opt_string("authenticated_role")?.map(|r| r.0).unwrap_or_else(|| role("authenticated"));
    let unauthenticated_role = t.opt_string("unauthenticated_role")?.map(|r| r.0).unwrap_or_else(|| role("unauthenticated"));
    let spec = IdentityPoolSpec { loc: t.loc.clone(), name, id: id.map(|i| i.0), allow_unauthenticated, providers, authenticated_role, unauthenticated_role };
    t.finish()?;
    Ok(spec)
}

