//! `@primaryKey` and `@index` (<https://docs.amplify.aws/gen1/javascript/build-a-backend/graphqlapi/best-practice/query-with-sorting/>):
//! a model's key (partition field plus sort fields) and its secondary indexes, and the query
//! fields (`getTask(projectId, createdAt)`, `tasksByProject(projectId, priority, …)`) they
//! produce.
//!
//! Leaves out: LSIs (Amplify only makes GSIs).

use super::sdl::Field;

/// A key: partition field and zero or more sort fields (more than one sort field is stored as
/// one composite attribute `a#b`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyDef {
    /// Partition (HASH) field.
    pub partition: String,
    /// Sort fields in order.
    pub sort: Vec<String>,
}

impl KeyDef {
    /// The `id`-only key every model has without `@primaryKey`.
    pub fn id() -> Self {
        Self { partition: "id".into(), sort: Vec::new() }
    }

    /// The attribute the sort key is stored in (`a#b` for composites).
    pub fn sort_attribute(&self) -> Option<String> {
        if self.sort.is_empty() {
            None
        } else {
            Some(self.sort.join("#"))
        }
    }

    /// All key fields, partition first.
    pub fn fields(&self) -> Vec<String> {
        let mut v = vec![self.partition.clone()];
        v.extend(self.sort.iter().cloned());
        v
    }
}

/// A secondary index declared with `@index` (or generated for a relation).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexDef {
    /// GSI name.
    pub name: String,
    /// Key fields.
    pub key: KeyDef,
    /// The query field it exposes, if any.
    pub query_field: Option<String>,
}

/// Read `@primaryKey` and `@index` from a model's declared fields.
pub fn parse_keys(fields: &[Field]) -> (KeyDef, Vec<IndexDef>) {
    let mut primary = KeyDef::id();
    let mut indexes = Vec::new();
    for f in fields {
        for d in &f.directives {
            match d.name.as_str() {
                "primaryKey" => {
                    primary = KeyDef { partition: f.name.clone(), sort: d.arg_str_list("sortKeyFields").unwrap_or_default() };
                }
                "index" => {
                    let key = KeyDef { partition: f.name.clone(), sort: d.arg_str_list("sortKeyFields").unwrap_or_default() };
                    let name = d.arg_str("name").unwrap_or_else(|| default_index_name(&f.name, &key.sort));
                    indexes.push(IndexDef { name, key, query_field: d.arg_str("queryField") });
                }
                _ => {}
            }
        }
    }
    (primary, indexes)
}

/// Amplify's default index name when `name` is omitted: `by<Field>[And<Sort>…]`.
fn default_index_name(partition: &str, sort: &[String]) -> String {
    let mut s = format!("by{}", super::upper_first(partition));
    for k in sort {
        s.push_str("And");
        s.push_str(&super::upper_first(k));
    }
    s
}
