//! Golden tests for `model_introspection`: each schema of [`SCHEMAS`] (the crate's transformer
//! fixture inputs, the quick-start schema, and one schema written for these tests) must produce
//! exactly `tests/fixtures/model-introspection/<name>.json`, the output of
//! `@aws-amplify/graphql-generator` `generateModels({ target: 'introspection' })` (see the README
//! there), both as JSON values and byte for byte in the generator's key order; plus the schema
//! errors the generator rejects.

use amplocal_appsync::introspection::model_introspection;
use serde::Serialize;
use std::path::PathBuf;

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/model-introspection")
}

/// `JSON.stringify(v, null, 4)` plus a newline, as the fixtures are written.
fn js_pretty(v: &serde_json::Value) -> String {
    let mut out = Vec::new();
    let fmt = serde_json::ser::PrettyFormatter::with_indent(b"    ");
    let mut ser = serde_json::Serializer::with_formatter(&mut out, fmt);
    v.serialize(&mut ser).expect("serialize");
    String::from_utf8(out).expect("utf8") + "\n"
}

/// Each golden file's name and the schema it was generated from (relative to this crate).
const SCHEMAS: &[(&str, &str)] = &[
    ("edge-cases", "tests/fixtures/model-introspection/edge-cases.graphql"),
    ("gen1-kitchen-sink", "fixtures/inputs/schema-kitchen.graphql"),
    ("gen1-sample", "fixtures/inputs/schema.graphql"),
    ("gen2-references", "fixtures/inputs/schema-gen2.graphql"),
    ("todo", "../../schemas/todo.graphql"),
];

fn schema_of(name: &str) -> String {
    let (_, rel) = SCHEMAS.iter().find(|(n, _)| *n == name).unwrap_or_else(|| panic!("{name} is not in SCHEMAS"));
    std::fs::read_to_string(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn golden(name: &str) {
    let schema = schema_of(name);
    let expected_text = std::fs::read_to_string(dir().join(format!("{name}.json"))).expect("golden");
    let expected: serde_json::Value = serde_json::from_str(&expected_text).expect("golden json");
    let ours = model_introspection(&schema).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(ours, expected, "{name}: values differ");
    assert_eq!(js_pretty(&ours), expected_text, "{name}: key order differs");
}

#[test]
fn gen1_sample_implicit_has_many_and_belongs_to() {
    golden("gen1-sample");
}

#[test]
fn gen1_kitchen_sink_many_to_many_has_one_groups_custom_queries() {
    golden("gen1-kitchen-sink");
}

#[test]
fn gen2_references() {
    golden("gen2-references");
}

#[test]
fn todo_schema_of_the_quick_start() {
    golden("todo");
}

#[test]
fn edge_cases_composite_keys_timestamps_non_models_inputs_operations() {
    golden("edge-cases");
}

#[test]
fn every_golden_file_has_its_schema() {
    let mut goldens: Vec<String> = std::fs::read_dir(dir())
        .expect("dir")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter_map(|n| n.strip_suffix(".json").map(str::to_string))
        .collect();
    goldens.sort();
    let names: Vec<&str> = SCHEMAS.iter().map(|(n, _)| *n).collect();
    assert_eq!(goldens, names);
    for (n, _) in SCHEMAS {
        assert!(!schema_of(n).is_empty(), "{n}: empty schema");
    }
}

fn error_of(schema: &str) -> String {
    match model_introspection(schema) {
        Ok(v) => panic!("expected an error, got {v}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn bad_schemas_are_errors_not_panics() {
    assert!(!error_of("type Todo @model {").is_empty());
    assert_eq!(
        error_of("type A @model { id: ID! bs: [B] @manyToMany(relationName: \"AB\") } type B @model { id: ID! }"),
        "Error for relation: 'AB', there should be two matching manyToMany directives and found: 1"
    );
    assert_eq!(error_of("type A @model { id: ID! b: B @hasMany } type B @model { id: ID! }"), "A field with hasMany must be a list type");
    assert_eq!(
        error_of("type A @model { id: ID! } type B @model { id: ID! a: A @belongsTo }"),
        "A 'belongsTo' field should match to a corresponding 'hasMany' or 'hasOne' field"
    );
    assert_eq!(error_of("type A @model { id: ID! bs: [B] @hasOne } type B @model { id: ID! }"), "A hasOne relationship should be 1:1, no lists");
    assert_eq!(
        error_of("type A @model { k: String @primaryKey }"),
        "The primary key on type 'A' must reference non-null fields."
    );
    assert_eq!(
        error_of("type A @model { id: ID! x: Mystery }"),
        "Unknown type Mystery found during model introspection schema generation"
    );
    assert_eq!(
        error_of("type A @model { id: ID! bs: [B] @hasMany(indexName: \"nope\", fields: [\"id\"]) } type B @model { id: ID! aId: ID }"),
        "Error processing @hasMany directive on A.bs, @index directive with name nope was not found in connected model B"
    );
    assert_eq!(
        error_of("type A @model { id: ID! bs: [B] @hasMany(references: [\"aId\"]) } type B @model { id: ID! aId: ID }"),
        "Error processing @hasMany directive on A.bs. @belongsTo directive with references [\"aId\"] was not found in connected model B"
    );
}

#[test]
fn model_without_relations_gets_id_and_timestamps() {
    let v = model_introspection("type Note @model { text: String }").expect("ok");
    let fields: Vec<&String> = v["models"]["Note"]["fields"].as_object().expect("fields").keys().collect();
    assert_eq!(fields, ["id", "text", "createdAt", "updatedAt"]);
    assert_eq!(v["models"]["Note"]["pluralName"], "Notes");
    assert_eq!(v["models"]["Note"]["primaryKeyInfo"]["isCustomPrimaryKey"], false);
    assert!(v.get("queries").is_none() && v.get("inputs").is_none());
}
