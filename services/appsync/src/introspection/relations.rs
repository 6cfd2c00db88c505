//! Relations for `model_introspection`: `@manyToMany` join models, and the association info,
//! implicit key fields and implicit `gsi-<Model>.<field>` keys of `@hasMany`, `@hasOne` and
//! `@belongsTo` (Gen 1 implicit, `fields:`/`indexName:` and Gen 2 `references:` forms), the way
//! the generator's custom-primary-key mode resolves them.

use super::{camel_case, camel_join, err, finish_model, graphql_name, lower_first, truthy, Dir, MField, MModel, RELATIONS};
use crate::transform::TransformError;
use serde_json::{json, Value};

/// Replace each `@manyToMany` pair by a join model and `@hasMany` sides.
pub(super) fn many_to_many(models: &mut Vec<MModel>) -> Result<(), TransformError> {
    // (relation type name, relationName as written, (model, field) of each side)
    type Sides = Vec<(usize, usize)>;
    let mut groups: Vec<(String, String, Sides)> = Vec::new();
    for (mi, m) in models.iter().enumerate() {
        for (fi, f) in m.fields.iter().enumerate() {
            for d in f.dirs.iter().filter(|d| d.name == "manyToMany") {
                let raw = d.string("relationName").unwrap_or_default();
                let rel = graphql_name(&raw);
                match groups.iter_mut().find(|g| g.0 == rel) {
                    Some(g) => g.2.push((mi, fi)),
                    None => groups.push((rel, raw, vec![(mi, fi)])),
                }
            }
        }
    }
    for (rel, raw, sides) in groups {
        let [(ai, _), (bi, _)] = sides[..] else {
            return Err(err(format!(
                "Error for relation: '{raw}', there should be two matching manyToMany directives and found: {}",
                sides.len()
            )));
        };
        let join = join_model(&models[ai], &models[bi], &rel)?;
        match models.iter().position(|m| m.name == rel) {
            Some(i) => models[i] = join,
            None => models.push(join),
        }
        for (mi, fi) in sides {
            let owner = models[mi].clone();
            let mut fields = vec![owner.fields.iter().rev().find(|f| f.dir("primaryKey").is_some()).map_or("id".to_string(), |f| f.name.clone())];
            fields.extend(owner.sort_key_fields().into_iter().map(|f| f.name));
            let f = &mut models[mi].fields[fi];
            if let Some(p) = f.dirs.iter().position(|d| d.name == "manyToMany" && graphql_name(&d.string("relationName").unwrap_or_default()) == rel) {
                f.dirs.remove(p);
            }
            f.ty = rel.clone();
            f.dirs.push(Dir::new("hasMany", json!({ "indexName": format!("by{}", owner.name), "fields": fields })));
        }
    }
    Ok(())
}

fn join_model(a: &MModel, b: &MModel, rel: &str) -> Result<MModel, TransformError> {
    let mut fields = vec![MField::plain("id", "ID", false)];
    let mut belongs = Vec::new();
    for side in [a, b] {
        let pk = side.pk_field().map(|f| f.name.clone()).unwrap_or_else(|| "id".into());
        let key = camel_join(&[&side.name, &pk]);
        let sort: Vec<MField> = side.sort_key_fields();
        let sort_names: Vec<String> = sort.iter().map(|f| format!("{}{}", lower_first(&side.name), f.name)).collect();
        let index = Dir::new("index", json!({ "name": format!("by{}", side.name), "sortKeyFields": sort_names }));
        fields.push(MField { dirs: vec![index], ..MField::plain(&key, "ID", true) });
        for (f, n) in sort.iter().zip(&sort_names) {
            fields.push(MField { list: f.list, ..MField::plain(n, &f.ty, true) });
        }
        let mut target = vec![key];
        target.extend(sort_names);
        let bt = Dir::new("belongsTo", json!({ "fields": target }));
        belongs.push(MField { dirs: vec![bt], ..MField::plain(&camel_case(&side.name), &side.name, false) });
    }
    fields.extend(belongs);
    let mut dirs = vec![Dir::new("model", json!({}))];
    for d in a.dirs.iter().chain(&b.dirs).filter(|d| d.name == "auth") {
        if !dirs.contains(d) {
            dirs.push(d.clone());
        }
    }
    let mut m = MModel { name: rel.to_string(), dirs, fields };
    finish_model(&mut m)?;
    Ok(m)
}

/// Resolve every relation field (association info, implicit key fields, implicit GSIs) and drop
/// unconnected model-typed fields.
pub(super) fn connections(models: &mut [MModel]) -> Result<(), TransformError> {
    let names: Vec<String> = models.iter().map(|m| m.name.clone()).collect();
    for mi in 0..models.len() {
        for fi in 0..models[mi].fields.len() {
            let field = models[mi].fields[fi].clone();
            let Some(d) = field.dirs.iter().find(|d| RELATIONS.contains(&d.name.as_str())) else { continue };
            let Some(oi) = models.iter().position(|m| m.name == field.ty) else {
                return Err(err(format!("@{} on {}.{}: {} is not a model", d.name, models[mi].name, field.name, field.ty)));
            };
            let assoc = match d.name.as_str() {
                "hasMany" => has_many(models, mi, oi, &field, d)?,
                "hasOne" => has_one(models, mi, oi, &field, d)?,
                _ => belongs_to(models, mi, oi, &field, d)?,
            };
            models[mi].fields[fi].assoc = Some(assoc);
        }
        models[mi].fields.retain(|f| !names.contains(&f.ty) || f.assoc.is_some());
    }
    Ok(())
}

fn has_many(models: &mut [MModel], mi: usize, oi: usize, field: &MField, d: &Dir) -> Result<Value, TransformError> {
    let (me, other) = (&models[mi], &models[oi]);
    if !field.list {
        return Err(err("A field with hasMany must be a list type".into()));
    }
    let refs = d.list("references").unwrap_or_default();
    let assoc: Vec<MField> = if !refs.is_empty() {
        check_references(me, other, field, d)?;
        refs.iter().map(|r| other.field(r).cloned().ok_or_else(|| err(format!("Can not find key field {r} in {}", other.name)))).collect::<Result<_, _>>()?
    } else if truthy(d.args.get("fields")) {
        let target = match d.string("indexName") {
            Some(ix) => Some(
                other
                    .flat_dirs()
                    .find(|(_, x)| x.name == "index" && x.string("name").as_deref() == Some(ix.as_str()))
                    .map(|(f, _)| f.name.clone())
                    .ok_or_else(|| err(format!("Error processing @hasMany directive on {}.{}, @index directive with name {ix} was not found in connected model {}", me.name, field.name, other.name)))?,
            ),
            None => other.flat_dirs().find(|(_, x)| x.name == "primaryKey").map(|(f, _)| f.name.clone()),
        };
        let back = other.fields.iter().find(|f| f.ty == me.name && f.dir("belongsTo").is_some()).map(|f| f.name.clone());
        let name = target.or(back).unwrap_or_else(|| "id".into());
        let via_belongs = other.fields.iter().find(|f| {
            f.ty == me.name && f.dirs.iter().any(|x| x.name == "belongsTo" && x.list("fields").and_then(|v| v.first().cloned()).as_deref() == Some(name.as_str()))
        });
        match via_belongs.or_else(|| other.field(&name)) {
            Some(f) => vec![f.clone()],
            None => return Err(err(format!("Can not find key field {name} in {}", other.name))),
        }
    } else {
        me.pk_fields()
            .iter()
            .map(|c| {
                let fk = camel_join(&[&me.name, &field.name, &c.name]);
                other.field(&fk).cloned().unwrap_or_else(|| MField::plain(&fk, &c.ty, true))
            })
            .collect()
    };
    let names: Vec<String> = assoc.iter().map(|f| f.name.clone()).collect();
    let gsi = format!("gsi-{}.{}", me.name, field.name);
    let implicit_key = d.string("indexName").is_none();
    let parent_name = me.name.clone();
    let other = &mut models[oi];
    for f in assoc {
        other.add_field(f);
    }
    let referencing = other.fields.iter().find(|f| f.ty == parent_name);
    if implicit_key && referencing.is_none_or(|f| f.dir("belongsTo").is_none()) {
        other.dirs.push(Dir::new("key", json!({ "name": gsi, "fields": names })));
    }
    Ok(json!({ "connectionType": "HAS_MANY", "associatedWith": names }))
}

fn has_one(models: &mut [MModel], mi: usize, oi: usize, field: &MField, d: &Dir) -> Result<Value, TransformError> {
    let (me, other) = (&models[mi], &models[oi]);
    let other_bt = other.fields.iter().find(|f| f.ty == me.name && f.dir("belongsTo").is_some());
    if field.list || other_bt.is_some_and(|f| f.list) {
        return Err(err("A hasOne relationship should be 1:1, no lists".into()));
    }
    let refs = d.list("references").unwrap_or_default();
    let other_pk = other.pk_fields();
    let (assoc, targets): (Vec<String>, Vec<String>) = if !refs.is_empty() {
        check_references(me, other, field, d)?;
        (refs, Vec::new())
    } else {
        let fields = d.list("fields").unwrap_or_default();
        let targets = if fields.is_empty() { other_pk.iter().map(|c| camel_join(&[&me.name, &field.name, &c.name])).collect() } else { fields };
        (other_pk.iter().map(|f| f.name.clone()).collect(), targets)
    };
    let nullable = field.nullable;
    for (t, c) in targets.iter().zip(&other_pk) {
        models[mi].add_field(MField::plain(t, &c.ty, nullable));
    }
    Ok(json!({ "connectionType": "HAS_ONE", "associatedWith": assoc, "targetNames": targets }))
}

fn belongs_to(models: &mut [MModel], mi: usize, oi: usize, field: &MField, d: &Dir) -> Result<Value, TransformError> {
    let (me, other) = (&models[mi], &models[oi]);
    if field.list {
        return Err(err("A list field does not support the 'belongsTo' relation".into()));
    }
    let connected = belongs_to_connected(&me.name, other);
    let Some(other_field) = connected.first() else {
        return Err(err("A 'belongsTo' field should match to a corresponding 'hasMany' or 'hasOne' field".into()));
    };
    let refs = d.list("references").unwrap_or_default();
    if !refs.is_empty() {
        check_references(me, other, field, d)?;
    }
    let other_pk = other.pk_fields();
    let mut targets = d.list("fields").unwrap_or_default();
    targets.extend(refs);
    if targets.is_empty() {
        targets = if other_field.list {
            other_pk.iter().map(|c| camel_join(&[&other.name, &other_field.name, &c.name])).collect()
        } else {
            other_pk.iter().map(|c| camel_join(&[&me.name, &field.name, &c.name])).collect()
        };
    }
    for (t, c) in targets.iter().zip(&other_pk) {
        models[mi].add_field(MField::plain(t, &c.ty, field.nullable));
    }
    Ok(json!({ "connectionType": "BELONGS_TO", "targetNames": targets }))
}

/// Fields of `other` that are a `@hasOne` / `@hasMany` to `model`.
fn belongs_to_connected<'a>(model: &str, other: &'a MModel) -> Vec<&'a MField> {
    other
        .flat_dirs()
        .filter(|(f, d)| f.ty == model && ((d.name == "hasOne" && !f.list) || (d.name == "hasMany" && f.list)))
        .map(|(f, _)| f)
        .collect()
}

/// Gen 2 `references:` must be matched on the other side.
fn check_references(me: &MModel, other: &MModel, field: &MField, d: &Dir) -> Result<(), TransformError> {
    if d.args.contains_key("fields") {
        return Err(err("'fields' and 'references' cannot be used together.".into()));
    }
    let refs = d.list("references");
    let found = if d.name == "belongsTo" {
        belongs_to_connected(&me.name, other)
            .iter()
            .any(|f| f.dirs.iter().any(|x| (x.name == "hasOne" || x.name == "hasMany") && x.list("references").is_some() && x.list("references") == refs))
    } else {
        other.flat_dirs().any(|(_, x)| x.list("references").is_some() && x.list("references") == refs)
    };
    if found {
        Ok(())
    } else {
        let want = if d.name == "belongsTo" { "@hasOne or @hasMany" } else { "@belongsTo" };
        Err(err(format!(
            "Error processing @{} directive on {}.{}. {want} directive with references {} was not found in connected model {}",
            d.name,
            me.name,
            field.name,
            json!(refs.unwrap_or_default()),
            other.name
        )))
    }
}
