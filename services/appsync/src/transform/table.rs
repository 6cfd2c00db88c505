//! The DynamoDB tables the transformer provisions
//! (<https://docs.amplify.aws/gen1/javascript/build-a-backend/graphqlapi/data-modeling/>):
//! `<Model>-<apiId>-<env>`, keyed by the primary key, one GSI (projection ALL) per index,
//! streams NEW_AND_OLD_IMAGES, TTL `_ttl` and the `AmplifyDataStore-<apiId>-<env>` delta table
//! when conflict detection is on.
//!
//! Leaves out: billing mode, PITR and SSE (no behaviour locally).

use super::index::KeyDef;
use super::model::ModelDef;
use super::scalars::attribute_type;
use super::sdl::base_type;

/// A key attribute: name and DynamoDB scalar type (`S`, `N`, `B`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct KeyAttr {
    /// Attribute name.
    pub name: String,
    /// `S`, `N` or `B`.
    pub attr_type: &'static str,
}

/// A global secondary index (projection ALL).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Gsi {
    /// Index name.
    pub name: String,
    /// HASH key.
    pub partition_key: KeyAttr,
    /// RANGE key.
    pub sort_key: Option<KeyAttr>,
}

/// One table of the API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelTable {
    /// The model it stores (`None` for the DataStore delta table).
    pub model: Option<String>,
    /// Table name.
    pub name: String,
    /// HASH key.
    pub partition_key: KeyAttr,
    /// RANGE key.
    pub sort_key: Option<KeyAttr>,
    /// GSIs.
    pub gsis: Vec<Gsi>,
    /// TTL attribute, if enabled.
    pub ttl_attribute: Option<String>,
}

impl ModelTable {
    /// Every attribute definition (keys of the table and its GSIs), deduplicated.
    pub fn attribute_definitions(&self) -> Vec<KeyAttr> {
        let mut out: Vec<KeyAttr> = Vec::new();
        let all = std::iter::once(&self.partition_key)
            .chain(self.sort_key.iter())
            .chain(self.gsis.iter().flat_map(|g| std::iter::once(&g.partition_key).chain(g.sort_key.iter())));
        for a in all {
            if !out.iter().any(|x| x.name == a.name) {
                out.push(a.clone());
            }
        }
        out
    }
}

/// Table name of `model` in API `api_id` and environment `env`.
pub fn table_name(model: &str, api_id: &str, env: &str) -> String {
    format!("{model}-{api_id}-{env}")
}

fn attr(m: &ModelDef, field: &str) -> KeyAttr {
    let ty = m.field(field).map(|f| base_type(&f.ty).to_string()).unwrap_or_else(|| "ID".into());
    KeyAttr { name: field.to_string(), attr_type: attribute_type(&ty) }
}

fn key_attrs(m: &ModelDef, key: &KeyDef) -> (KeyAttr, Option<KeyAttr>) {
    let pk = attr(m, &key.partition);
    let sk = match key.sort.len() {
        0 => None,
        1 => Some(attr(m, &key.sort[0])),
        _ => Some(KeyAttr { name: key.sort.join("#"), attr_type: "S" }),
    };
    (pk, sk)
}

/// The tables for `models`.
pub fn tables(models: &[ModelDef], api_id: &str, env: &str, versioned: bool) -> Vec<ModelTable> {
    let ttl = versioned.then(|| "_ttl".to_string());
    let mut out: Vec<ModelTable> = models
        .iter()
        .map(|m| {
            let (partition_key, sort_key) = key_attrs(m, &m.primary);
            let gsis = m
                .indexes
                .iter()
                .map(|i| {
                    let (pk, sk) = key_attrs(m, &i.key);
                    Gsi { name: i.name.clone(), partition_key: pk, sort_key: sk }
                })
                .collect();
            ModelTable { model: Some(m.name.clone()), name: table_name(&m.name, api_id, env), partition_key, sort_key, gsis, ttl_attribute: ttl.clone() }
        })
        .collect();
    if versioned {
        out.push(ModelTable {
            model: None,
            name: table_name("AmplifyDataStore", api_id, env),
            partition_key: KeyAttr { name: "ds_pk".into(), attr_type: "S" },
            sort_key: Some(KeyAttr { name: "ds_sk".into(), attr_type: "S" }),
            gsis: Vec::new(),
            ttl_attribute: ttl,
        });
    }
    out
}
