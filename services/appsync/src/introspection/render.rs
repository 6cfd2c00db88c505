//! Rendering of `model_introspection`: models, enums, non-model types, custom queries /
//! mutations / subscriptions and input types, with the generator's field metadata
//! (`isArray`, `isRequired`, `isArrayNullable`, `isReadOnly`, `association`).

use super::{err, MField, MModel, ROOTS, SCALARS, SKIPPED};
use crate::transform::sdl::{base_type, Document, Field, Kind, TypeDef};
use crate::transform::{plural, TransformError};
use serde_json::{json, Map, Value};

/// Turns the processed models and the remaining types into the introspection JSON.
pub(super) struct Render<'a> {
    doc: &'a Document,
    models: &'a [MModel],
}

impl<'a> Render<'a> {
    pub(super) fn new(doc: &'a Document, models: &'a [MModel]) -> Self {
        Self { doc, models }
    }

    fn types(&self, kind: Kind) -> impl Iterator<Item = &'a TypeDef> + 'a {
        self.doc.types.iter().filter(move |t| t.kind == kind && !SKIPPED.contains(&t.name.as_str()))
    }

    fn non_models(&self) -> impl Iterator<Item = &'a TypeDef> + 'a {
        self.types(Kind::Object).filter(|t| t.directive("model").is_none() && !ROOTS.contains(&t.name.as_str()))
    }

    fn type_of(&self, ty: &str) -> Result<Value, TransformError> {
        let has = |kind: Kind| self.types(kind).any(|t| t.name == ty);
        Ok(if SCALARS.contains(&ty) {
            json!(ty)
        } else if has(Kind::Enum) {
            json!({ "enum": ty })
        } else if self.non_models().any(|t| t.name == ty) {
            json!({ "nonModel": ty })
        } else if self.models.iter().any(|m| m.name == ty) {
            json!({ "model": ty })
        } else if has(Kind::Input) {
            json!({ "input": ty })
        } else if has(Kind::Union) {
            json!({ "union": ty })
        } else if has(Kind::Interface) {
            json!({ "interface": ty })
        } else {
            return Err(err(format!("Unknown type {ty} found during model introspection schema generation")));
        })
    }

    fn abstract_type(v: &Value) -> bool {
        v.get("union").is_some() || v.get("interface").is_some()
    }

    fn fields(&self, fields: &[MField]) -> Result<Value, TransformError> {
        let mut out = Map::new();
        for f in fields {
            let ty = self.type_of(&f.ty)?;
            if Self::abstract_type(&ty) {
                continue;
            }
            let mut meta = json!({ "name": f.name, "isArray": f.list, "type": ty, "isRequired": !f.nullable, "attributes": [] });
            if let Some(n) = f.list_nullable {
                meta["isArrayNullable"] = json!(n);
            }
            if f.read_only {
                meta["isReadOnly"] = json!(true);
            }
            if let Some(a) = &f.assoc {
                meta["association"] = a.clone();
            }
            out.insert(f.name.clone(), meta);
        }
        Ok(Value::Object(out))
    }

    fn value(&self, name: &str, ty: &str) -> Result<Value, TransformError> {
        let f = MField::from_ref(name, ty, Vec::new());
        let mut v = json!({ "name": name, "isArray": f.list, "type": self.type_of(&f.ty)?, "isRequired": !f.nullable });
        if let Some(n) = f.list_nullable {
            v["isArrayNullable"] = json!(n);
        }
        Ok(v)
    }

    fn operation(&self, f: &Field) -> Result<Value, TransformError> {
        let mut v = self.value(&f.name, &f.ty)?;
        if !f.args.is_empty() {
            let mut args = Map::new();
            for a in &f.args {
                args.insert(a.name.clone(), self.value(&a.name, &a.ty)?);
            }
            v["arguments"] = Value::Object(args);
        }
        Ok(v)
    }

    pub(super) fn render(&self) -> Result<Value, TransformError> {
        let mut models = Map::new();
        for m in self.models {
            let pk = m.pk_field().ok_or_else(|| err(format!("No primary key found for model {}", m.name)))?;
            let sort = pk.pk.as_ref().map(|p| p.1.clone()).unwrap_or_default();
            let attributes: Vec<Value> = m.dirs.iter().map(|d| json!({ "type": d.name, "properties": d.args })).collect();
            models.insert(
                m.name.clone(),
                json!({
                    "name": m.name, "fields": self.fields(&m.fields)?, "syncable": true, "pluralName": plural(&m.name),
                    "attributes": attributes,
                    "primaryKeyInfo": { "isCustomPrimaryKey": pk.pk.as_ref().is_some_and(|p| p.0), "primaryKeyFieldName": pk.name, "sortKeyFieldNames": sort },
                }),
            );
        }
        let mut enums = Map::new();
        for e in self.types(Kind::Enum) {
            enums.insert(e.name.clone(), json!({ "name": e.name, "values": e.values }));
        }
        let mut non_models = Map::new();
        for t in self.non_models() {
            let fields: Vec<MField> = t.fields.iter().map(MField::from_sdl).collect();
            non_models.insert(t.name.clone(), json!({ "name": t.name, "fields": self.fields(&fields)? }));
        }
        let mut out = json!({ "version": 1, "models": models, "enums": enums, "nonModels": non_models });
        for (root, key, skip) in [("Query", "queries", "generation"), ("Mutation", "mutations", "conversation"), ("Subscription", "subscriptions", "")] {
            let mut ops = Map::new();
            for f in self.doc.get(root).map(|t| t.fields.as_slice()).unwrap_or_default() {
                if Self::abstract_type(&self.type_of(base_type(&f.ty))?) || f.directive(skip).is_some() {
                    continue;
                }
                ops.insert(f.name.clone(), self.operation(f)?);
            }
            if !ops.is_empty() {
                out[key] = Value::Object(ops);
            }
        }
        let mut inputs = Map::new();
        for t in self.types(Kind::Input) {
            let mut attrs = Map::new();
            for f in &t.fields {
                attrs.insert(f.name.clone(), self.value(&f.name, &f.ty)?);
            }
            inputs.insert(t.name.clone(), json!({ "name": t.name, "attributes": attrs }));
        }
        if !inputs.is_empty() {
            out["inputs"] = Value::Object(inputs);
        }
        Ok(out)
    }
}
