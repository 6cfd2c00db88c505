//! The transform against the real transformer's output for every fixture: the SDL compared as
//! a set of type and field definitions (names, argument lists, field types, directives on
//! types and fields; order of types, fields and directives aside), and the tables against
//! `resources.json`.

use super::auth::{AuthMode, AuthSettings};
use super::sdl::{Document, TypeDef};
use super::table::{Gsi, KeyAttr, ModelTable};
use super::{transform, TransformConfig};
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

mod served;

fn fixture_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

struct Fixture {
    dir: &'static str,
    input: &'static str,
    default_mode: AuthMode,
    additional: Vec<AuthMode>,
    sandbox: bool,
    versioned: bool,
}

fn fixtures() -> Vec<Fixture> {
    vec![
        Fixture { dir: "gen1-cli-default-deny", input: "schema.graphql", default_mode: AuthMode::ApiKey, additional: vec![AuthMode::UserPools], sandbox: false, versioned: false },
        Fixture { dir: "gen1-cli-sandbox-apikey", input: "schema.graphql", default_mode: AuthMode::ApiKey, additional: vec![AuthMode::UserPools], sandbox: true, versioned: false },
        Fixture { dir: "gen1-cli-datastore-automerge", input: "schema.graphql", default_mode: AuthMode::ApiKey, additional: vec![AuthMode::UserPools], sandbox: false, versioned: true },
        Fixture { dir: "gen1-cli-kitchen-sink", input: "schema-kitchen.graphql", default_mode: AuthMode::UserPools, additional: vec![AuthMode::ApiKey, AuthMode::Iam], sandbox: false, versioned: false },
        Fixture { dir: "gen2-data-amplify-table", input: "schema-gen2.graphql", default_mode: AuthMode::UserPools, additional: vec![AuthMode::ApiKey], sandbox: false, versioned: false },
    ]
}

fn config(f: &Fixture) -> TransformConfig {
    TransformConfig {
        auth: AuthSettings { default_mode: f.default_mode, additional: f.additional.clone(), sandbox: f.sandbox },
        versioned: f.versioned,
        api_id: "APIID".into(),
        env: "NONE".into(),
    }
}

/// type name → (header line with sorted directives, field name → canonical field line).
fn canonical(doc: &Document) -> BTreeMap<String, (String, BTreeMap<String, String>)> {
    let mut out = BTreeMap::new();
    for t in &doc.types {
        out.insert(t.name.clone(), canonical_type(t));
    }
    out
}

fn canonical_type(t: &TypeDef) -> (String, BTreeMap<String, String>) {
    let dirs: BTreeSet<String> = t.directives.iter().map(|d| d.to_sdl()).collect();
    let header = format!("{} {} {}", t.kind.keyword(), t.name, dirs.into_iter().collect::<Vec<_>>().join(" "));
    let mut fields = BTreeMap::new();
    for f in &t.fields {
        let dirs: BTreeSet<String> = f.directives.iter().map(|d| d.to_sdl()).collect();
        let args: Vec<String> = f.args.iter().map(|a| format!("{}: {}", a.name, a.ty)).collect();
        fields.insert(f.name.clone(), format!("{}({}): {} {}", f.name, args.join(", "), f.ty, dirs.into_iter().collect::<Vec<_>>().join(" ")));
    }
    for v in &t.values {
        fields.insert(v.clone(), v.clone());
    }
    (header, fields)
}

fn diff(expected: &Document, actual: &Document) -> Vec<String> {
    let (e, a) = (canonical(expected), canonical(actual));
    let mut out = Vec::new();
    for (name, (eh, ef)) in &e {
        let Some((ah, af)) = a.get(name) else {
            out.push(format!("missing type {name}"));
            continue;
        };
        if eh != ah {
            out.push(format!("type header: expected `{eh}`, got `{ah}`"));
        }
        for (fname, eline) in ef {
            match af.get(fname) {
                None => out.push(format!("{name}: missing field `{eline}`")),
                Some(aline) if aline != eline => out.push(format!("{name}: expected `{eline}`, got `{aline}`")),
                _ => {}
            }
        }
        for (fname, aline) in af {
            if !ef.contains_key(fname) {
                out.push(format!("{name}: extra field `{aline}`"));
            }
        }
    }
    for name in a.keys() {
        if !e.contains_key(name) {
            out.push(format!("extra type {name}"));
        }
    }
    out
}

fn read(path: PathBuf) -> String {
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn sdl_matches_every_fixture() {
    let mut failures = Vec::new();
    for f in fixtures() {
        let input = read(fixture_dir().join("inputs").join(f.input));
        let expected = Document::parse(&read(fixture_dir().join(f.dir).join("schema.graphql"))).unwrap();
        let out = transform(&input, &config(&f)).unwrap();
        // Round-trip through text so the printer is tested too.
        let actual = Document::parse(&out.document.to_sdl()).unwrap();
        let fields: usize = canonical(&expected).values().map(|(_, f)| f.len()).sum();
        assert!(expected.types.len() > 30 && fields > 200, "[{}] fixture too small to be meaningful", f.dir);
        eprintln!("[{}] {} types, {} fields/values compared", f.dir, expected.types.len(), fields);
        for d in diff(&expected, &actual) {
            failures.push(format!("[{}] {d}", f.dir));
        }
    }
    assert!(failures.is_empty(), "{} differences:\n{}", failures.len(), failures.join("\n"));
}

fn key_attrs(schema: &serde_json::Value, defs: &BTreeMap<String, &'static str>) -> (KeyAttr, Option<KeyAttr>) {
    let mut pk = None;
    let mut sk = None;
    for k in schema.as_array().unwrap() {
        let name = k.get("AttributeName").or_else(|| k.get("attributeName")).and_then(|v| v.as_str()).unwrap().to_string();
        let kt = k.get("KeyType").or_else(|| k.get("keyType")).and_then(|v| v.as_str()).unwrap();
        let attr = KeyAttr { attr_type: defs.get(&name).copied().unwrap_or("?"), name };
        if kt == "HASH" {
            pk = Some(attr);
        } else {
            sk = Some(attr);
        }
    }
    (pk.unwrap(), sk)
}

fn expected_tables(resources: &serde_json::Value) -> Vec<ModelTable> {
    let mut out = Vec::new();
    for t in resources["tables"].as_array().unwrap() {
        let p = &t["props"];
        let get = |a: &str, b: &str| p.get(a).filter(|v| !v.is_null()).or_else(|| p.get(b)).cloned().unwrap_or(serde_json::Value::Null);
        let rendered = t["TableNameRendered"].as_str().unwrap();
        let model = rendered.split("-${").next().unwrap().to_string();
        let env = rendered.rsplit("}-").next().unwrap();
        let mut defs = BTreeMap::new();
        for d in get("AttributeDefinitions", "attributeDefinitions").as_array().unwrap() {
            let n = d.get("AttributeName").or_else(|| d.get("attributeName")).and_then(|v| v.as_str()).unwrap().to_string();
            let ty: &'static str = match d.get("AttributeType").or_else(|| d.get("attributeType")).and_then(|v| v.as_str()).unwrap() {
                "S" => "S",
                "N" => "N",
                _ => "B",
            };
            defs.insert(n, ty);
        }
        let (partition_key, sort_key) = key_attrs(&get("KeySchema", "keySchema"), &defs);
        let mut gsis = Vec::new();
        if let Some(list) = get("GlobalSecondaryIndexes", "globalSecondaryIndexes").as_array() {
            for g in list {
                let name = g.get("IndexName").or_else(|| g.get("indexName")).and_then(|v| v.as_str()).unwrap().to_string();
                let ks = g.get("KeySchema").or_else(|| g.get("keySchema")).unwrap();
                let proj = g.get("Projection").or_else(|| g.get("projection")).unwrap();
                let pt = proj.get("ProjectionType").or_else(|| proj.get("projectionType")).unwrap();
                assert_eq!(pt, "ALL");
                let (pk, sk) = key_attrs(ks, &defs);
                gsis.push(Gsi { name, partition_key: pk, sort_key: sk });
            }
        }
        let ttl = get("TimeToLiveSpecification", "timeToLiveSpecification");
        let ttl_attribute = ttl.get("AttributeName").or_else(|| ttl.get("attributeName")).and_then(|v| v.as_str()).map(String::from);
        let is_ds = model == "AmplifyDataStore";
        out.push(ModelTable {
            model: (!is_ds).then(|| model.clone()),
            name: format!("{model}-APIID-{env}"),
            partition_key,
            sort_key,
            gsis,
            ttl_attribute,
        });
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

#[test]
fn tables_match_every_fixture() {
    for f in fixtures() {
        let input = read(fixture_dir().join("inputs").join(f.input));
        let resources: serde_json::Value = serde_json::from_str(&read(fixture_dir().join(f.dir).join("resources.json"))).unwrap();
        let expected = expected_tables(&resources);
        let mut actual = transform(&input, &config(&f)).unwrap().tables;
        actual.sort_by(|a, b| a.name.cmp(&b.name));
        assert_eq!(actual, expected, "[{}] tables differ", f.dir);
        for (a, e) in actual.iter().zip(&expected) {
            let ad: BTreeSet<_> = a.attribute_definitions().into_iter().collect();
            let ed: BTreeSet<_> = expected_defs(&resources, &e.name);
            assert_eq!(ad, ed, "[{}] attribute definitions of {}", f.dir, a.name);
        }
    }
}

fn expected_defs(resources: &serde_json::Value, name: &str) -> BTreeSet<KeyAttr> {
    let model = name.split("-APIID-").next().unwrap();
    let t = resources["tables"].as_array().unwrap().iter().find(|t| t["TableNameRendered"].as_str().unwrap().starts_with(&format!("{model}-"))).unwrap();
    let p = &t["props"];
    let defs = p.get("AttributeDefinitions").filter(|v| !v.is_null()).or_else(|| p.get("attributeDefinitions")).unwrap();
    defs.as_array()
        .unwrap()
        .iter()
        .map(|d| {
            let n = d.get("AttributeName").or_else(|| d.get("attributeName")).and_then(|v| v.as_str()).unwrap().to_string();
            let t = d.get("AttributeType").or_else(|| d.get("attributeType")).and_then(|v| v.as_str()).unwrap();
            KeyAttr { name: n, attr_type: if t == "N" { "N" } else if t == "S" { "S" } else { "B" } }
        })
        .collect()
}

#[test]
fn plural_forms() {
    for (s, p) in [("Todo", "Todos"), ("Settings", "Settings"), ("Category", "Categories"), ("Status", "Statuses"), ("Box", "Boxes"), ("Day", "Days"), ("ProjectLabel", "ProjectLabels"), ("Person", "People")] {
        assert_eq!(super::plural(s), p);
    }
}

#[test]
fn parse_error_is_reported() {
    let f = &fixtures()[0];
    assert!(transform("type Todo @model {", &config(f)).is_err());
}

#[test]
fn comparison_detects_differences() {
    // The Gen 1 input with the kitchen sink's auth modes must not match the Gen 1 fixture.
    let mut f = fixtures().remove(1);
    f.default_mode = AuthMode::UserPools;
    f.additional = vec![AuthMode::ApiKey, AuthMode::Iam];
    let input = read(fixture_dir().join("inputs").join(f.input));
    let expected = Document::parse(&read(fixture_dir().join(f.dir).join("schema.graphql"))).unwrap();
    let out = transform(&input, &config(&f)).unwrap();
    let d = diff(&expected, &out.document);
    assert!(d.iter().any(|l| l.contains("aws_iam")), "{d:?}");
}

#[test]
fn example_schemas_transform_and_build() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../schemas");
    for (file, models) in [("todo.graphql", 3), ("kitchen-sink.graphql", 5)] {
        let f = &fixtures()[3];
        let out = transform(&read(root.join(file)), &config(f)).unwrap();
        assert_eq!(out.tables.len(), models, "{file}");
        let core = amplocal_core::CoreCtx::new(
            std::sync::Arc::new(amplocal_core::SystemClock),
            std::sync::Arc::new(amplocal_core::RandomIds),
            amplocal_core::CredentialStore::new(amplocal_core::CredentialMode::Lenient),
            std::env::temp_dir(),
        );
        let rt = crate::runtime::Runtime::new(core, false);
        rt.compile(("000000000000", "us-east-1"), "x", &read(root.join(file)), AuthMode::ApiKey, vec![AuthMode::UserPools, AuthMode::Iam]).unwrap_or_else(|e| panic!("{file}: {e}"));
    }
}

#[test]
fn odd_schemas_never_panic() {
    let f = &fixtures()[3];
    for sdl in [
        "type A @model { }",
        "type A @model",
        "type A @model { b: [B] @hasMany }",
        "type A @model { id: ID! bs: [B] @hasMany(indexName: \"nope\", fields: [\"zz\"]) } type B @model { id: ID! }",
        "type A @model { id: ID! @primaryKey(sortKeyFields: [\"missing\", \"also\"]) }",
        "type A @model { id: ID! @index }",
        "type A @model { x: String @index(name: \"i\", sortKeyFields: [\"y\", \"z\"], queryField: \"q\") }",
        "type A @model { l: [B] @manyToMany(relationName: \"J\") } type B @model { id: ID! }",
        "type A @model { b: B @hasOne @belongsTo } type B @model { a: A @belongsTo(references: []) }",
        "type A @model @auth(rules: [{allow: owner, ownerField: 5}, {allow: nonsense}, 7]) { id: ID! }",
        "type A @model @auth(rules: {allow: public}) { id: ID! }",
        "type A @model(timestamps: null, queries: null, mutations: null, subscriptions: null) { id: ID! }",
        "type A @model(timestamps: {createdAt: \"made\", updatedAt: null}) { id: ID! }",
        "type Query { q(a: Int): String @http(url: \"https://x/:a/:missing\") }",
        "extend type Query { e: Int } type Query { f: Int }",
        "type A @model { e: [E] s: S } enum E { X } type S { v: [S] } type Query { x: Int }",
    ] {
        let out = transform(sdl, &config(f));
        if let Ok(t) = out {
            // What the transform produced must also parse back.
            Document::parse(&t.document.to_sdl()).unwrap_or_else(|e| panic!("{sdl}: {e}"));
        }
        // Compiling into an executable schema is an Ok or an Err, never a panic.
        let core = amplocal_core::CoreCtx::new(
            std::sync::Arc::new(amplocal_core::SystemClock),
            std::sync::Arc::new(amplocal_core::RandomIds),
            amplocal_core::CredentialStore::new(amplocal_core::CredentialMode::Lenient),
            std::env::temp_dir(),
        );
        let _ = crate::runtime::Runtime::new(core, false).compile(("0", "r"), "x", sdl, AuthMode::ApiKey, vec![]);
    }
}
