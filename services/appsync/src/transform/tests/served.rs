//! The *served* SDL — what `GetIntrospectionSchema(format: SDL, includeDirectives)` returns, as
//! compiled by the runtime with each fixture's auth modes, sandbox and conflict-detection
//! settings — against each fixture's `schema.graphql`, `@aws_*` directives on types and
//! fields included; without `includeDirectives` the same SDL carries no directive at all.
//! Field-level `@auth` reaching the directives (the part the fixtures do not exercise) is
//! checked against the transformer's own multi-auth cases in `field_rules`, and here by
//! showing that a field rule moves the served SDL away from the fixture.

use super::{config, diff, fixture_dir, fixtures, read, Fixture};
use crate::runtime::{LoadedApi, Runtime};
use crate::transform::sdl::Document;

fn served(f: &Fixture, input: &str) -> LoadedApi {
    let core = amplocal_core::CoreCtx::new(
        std::sync::Arc::new(amplocal_core::SystemClock),
        std::sync::Arc::new(amplocal_core::RandomIds),
        amplocal_core::CredentialStore::new(amplocal_core::CredentialMode::Lenient),
        std::env::temp_dir(),
    );
    let rt = Runtime::new(core, f.sandbox).with_conflict_detection(f.versioned);
    rt.compile(("000000000000", "us-east-1"), &config(f).api_id, input, f.default_mode, f.additional.clone()).unwrap_or_else(|e| panic!("[{}] {e}", f.dir))
}

fn expected(f: &Fixture) -> Document {
    Document::parse(&read(fixture_dir().join(f.dir).join("schema.graphql"))).unwrap()
}

fn without_directives(mut doc: Document) -> Document {
    for t in &mut doc.types {
        t.directives.clear();
        for f in &mut t.fields {
            f.directives.clear();
        }
    }
    doc
}

fn directive_count(doc: &Document) -> usize {
    doc.types.iter().map(|t| t.directives.len() + t.fields.iter().map(|f| f.directives.len()).sum::<usize>()).sum()
}

#[test]
fn served_sdl_matches_every_fixture_with_directives() {
    let mut failures = Vec::new();
    for f in fixtures() {
        let api = served(&f, &read(fixture_dir().join("inputs").join(f.input)));
        let sdl = api.sdl(true);
        assert!(sdl.starts_with("directive @aws_subscribe"), "[{}] the AWS directive definitions lead the SDL", f.dir);
        let want = expected(&f);
        assert!(directive_count(&want) > 20, "[{}] fixture has too few directives to be meaningful", f.dir);
        let got = Document::parse(&sdl).unwrap();
        failures.extend(diff(&want, &got).into_iter().map(|d| format!("[{}] {d}", f.dir)));
        // includeDirectives=false: the same types and fields, no directive anywhere.
        let bare = Document::parse(&api.sdl(false)).unwrap();
        assert_eq!(directive_count(&bare), 0, "[{}]", f.dir);
        failures.extend(diff(&without_directives(want), &bare).into_iter().map(|d| format!("[{}] (no directives) {d}", f.dir)));
    }
    assert!(failures.is_empty(), "{} differences:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn served_sdl_comparison_catches_directive_changes() {
    let f = fixtures().remove(3);
    let got = Document::parse(&served(&f, &read(fixture_dir().join("inputs").join(f.input))).sdl(true)).unwrap();
    // One field directive gone from the expectation.
    let mut want = expected(&f);
    let q = want.types.iter_mut().find(|t| t.name == "Query").unwrap();
    q.fields.iter_mut().find(|x| x.name == "getProject").unwrap().directives.retain(|d| d.name != "aws_api_key");
    let d = diff(&want, &got);
    assert_eq!(d.len(), 1, "{d:?}");
    assert!(d[0].starts_with("Query: expected `getProject(id: ID!): Project @aws_cognito_user_pools @aws_iam`"), "{d:?}");
    // One type directive gone.
    let mut want = expected(&f);
    want.types.iter_mut().find(|t| t.name == "Task").unwrap().directives.retain(|d| d.name != "aws_iam");
    let d = diff(&want, &got);
    assert_eq!(d, vec!["type header: expected `type Task @aws_cognito_user_pools`, got `type Task @aws_cognito_user_pools @aws_iam`".to_string()]);
}

#[test]
fn field_level_rules_change_the_served_directives() {
    let f = fixtures().remove(3);
    let input = read(fixture_dir().join("inputs").join(f.input)).replace("  title: String!\n", "  title: String! @auth(rules: [{ allow: owner, identityClaim: \"sub\", ownerField: \"author\" }, { allow: public, provider: apiKey, operations: [read] }])\n");
    let got = Document::parse(&served(&f, &input).sdl(true)).unwrap();
    let d = diff(&expected(&f), &got);
    for want in [
        "type header: expected `type Task @aws_cognito_user_pools @aws_iam`, got `type Task @aws_api_key @aws_cognito_user_pools @aws_iam`",
        "Query: expected `getTask(projectId: ID!, createdAt: AWSDateTime!): Task @aws_cognito_user_pools @aws_iam`, got `getTask(projectId: ID!, createdAt: AWSDateTime!): Task @aws_api_key @aws_cognito_user_pools @aws_iam`",
    ] {
        assert!(d.iter().any(|l| l == want), "missing `{want}` in {d:#?}");
    }
    // Writes are not reached by a read-only field rule.
    assert!(!d.iter().any(|l| l.starts_with("Mutation:")), "{d:#?}");

    // A field-level owner rule on a new owner field adds that field and its subscription argument.
    let input = read(fixture_dir().join("inputs").join(f.input)).replace("  due: AWSDate\n", "  due: AWSDate @auth(rules: [{ allow: owner, ownerField: \"reviewer\" }, { allow: private, operations: [read] }])\n");
    let got = Document::parse(&served(&f, &input).sdl(true)).unwrap();
    let d = diff(&expected(&f), &got);
    assert!(d.iter().any(|l| l == "Task: extra field `reviewer(): String `"), "{d:#?}");
    assert!(d.iter().any(|l| l.contains("got `onCreateTask(filter: ModelSubscriptionTaskFilterInput, author: String, reviewer: String)")), "{d:#?}");
}
