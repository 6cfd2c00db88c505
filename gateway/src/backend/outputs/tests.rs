//! `amplify_outputs.json` rendering, writing and the configure snippet.

use super::*;

fn full() -> Provisioned {
    Provisioned {
        region: "us-east-1".into(),
        public_url: "https://localhost:4566".into(),
        auth: Some(AuthOutput {
            user_pool_id: "us-east-1_TodoLocal1".into(),
            client_id: "todolocalwebclient00000001".into(),
            identity_pool_id: Some("us-east-1:6c1b2a9e-0000-4000-8000-000000000001".into()),
            allow_unauthenticated: true,
            username_attributes: vec!["email".into()],
            auto_verified: vec!["email".into()],
            required_attributes: vec!["email".into(), "custom:team".into()],
            password_policy: PasswordPolicyOut { min_length: 8, require_lowercase: true, require_uppercase: true, require_numbers: true, require_symbols: false },
            mfa: "OPTIONAL".into(),
            mfa_methods: vec!["TOTP".into()],
            groups: vec![("admins".into(), Some(1)), ("readers".into(), None)],
        }),
        data: Some(DataOutput {
            api_id: "todolocalapi00000000000001".into(),
            url: "https://localhost:4566/graphql".into(),
            default_auth: "AMAZON_COGNITO_USER_POOLS".into(),
            additional_auth: vec!["API_KEY".into(), "AWS_IAM".into()],
            api_key: Some("da2-todolocalkey000000000001".into()),
            model_introspection: json!({ "version": 1, "models": {}, "enums": {}, "nonModels": {} }),
        }),
        storage: Some(StorageOutput { bucket: "todo-files-local".into() }),
    }
}

#[test]
fn full_backend_renders_every_section_in_a_fixed_key_order() {
    let expected = r#"{
  "$schema": "https://amplify.aws/2024-02/outputs-schema.json",
  "version": "1.4",
  "auth": {
    "aws_region": "us-east-1",
    "user_pool_id": "us-east-1_TodoLocal1",
    "user_pool_client_id": "todolocalwebclient00000001",
    "identity_pool_id": "us-east-1:6c1b2a9e-0000-4000-8000-000000000001",
    "password_policy": {
      "min_length": 8,
      "require_lowercase": true,
      "require_uppercase": true,
      "require_numbers": true,
      "require_symbols": false
    },
    "standard_required_attributes": [
      "email"
    ],
    "username_attributes": [
      "email"
    ],
    "user_verification_types": [
      "email"
    ],
    "unauthenticated_identities_enabled": true,
    "mfa_configuration": "OPTIONAL",
    "mfa_methods": [
      "TOTP"
    ],
    "groups": [
      {
        "admins": {
          "precedence": 1
        }
      },
      {
        "readers": {}
      }
    ]
  },
  "data": {
    "aws_region": "us-east-1",
    "url": "https://localhost:4566/graphql",
    "default_authorization_type": "AMAZON_COGNITO_USER_POOLS",
    "authorization_types": [
      "API_KEY",
      "AWS_IAM"
    ],
    "api_key": "da2-todolocalkey000000000001",
    "model_introspection": {
      "version": 1,
      "models": {},
      "enums": {},
      "nonModels": {}
    }
  },
  "storage": {
    "aws_region": "us-east-1",
    "bucket_name": "todo-files-local",
    "buckets": [
      {
        "name": "todo-files-local",
        "bucket_name": "todo-files-local",
        "aws_region": "us-east-1",
        "paths": {
          "public/*": {
            "guest": [
              "get",
              "list",
              "write",
              "delete"
            ],
            "authenticated": [
              "get",
              "list",
              "write",
              "delete"
            ]
          },
          "protected/{entity_id}/*": {
            "guest": [
              "get",
              "list"
            ],
            "authenticated": [
              "get",
              "list"
            ],
            "entityidentity": [
              "get",
              "list",
              "write",
              "delete"
            ]
          },
          "private/{entity_id}/*": {
            "entityidentity": [
              "get",
              "list",
              "write",
              "delete"
            ]
          }
        }
      }
    ]
  },
  "custom": {
    "amplocal": {
      "endpoint": "https://localhost:4566",
      "userPoolEndpoint": "https://localhost:4566",
      "identityPoolEndpoint": "https://localhost:4566",
      "storageEndpoint": "s3.localhost:4566"
    }
  }
}
"#;
    assert_eq!(to_text(&full()), expected);
}

#[test]
fn minimal_and_odd_values() {
    let mut p = full();
    let a = p.auth.as_mut().expect("auth");
    a.identity_pool_id = None;
    a.username_attributes.clear();
    a.auto_verified = vec!["email".into(), "nickname".into()];
    a.mfa = "OFF".into();
    a.mfa_methods.clear();
    p.data.as_mut().expect("data").api_key = None;
    p.data.as_mut().expect("data").model_introspection = Value::Null;
    p.public_url = "http://127.0.0.1:9000/".into();
    let v = render(&p);
    assert!(v["auth"].get("identity_pool_id").is_none());
    assert_eq!(v["auth"]["username_attributes"], json!(["username"]));
    assert_eq!(v["auth"]["user_verification_types"], json!(["email"]));
    assert_eq!(v["auth"]["mfa_configuration"], "NONE");
    assert!(v["data"].get("api_key").is_none() && v["data"].get("model_introspection").is_none());
    // without an identity pool there are no guests
    assert!(v["storage"]["buckets"][0]["paths"]["public/*"].get("guest").is_none());
    assert_eq!(v["custom"]["amplocal"]["endpoint"], "http://127.0.0.1:9000");
    assert_eq!(v["custom"]["amplocal"]["storageEndpoint"], "127.0.0.1:9000");
    assert_eq!(mfa_configuration("ON"), "REQUIRED");
    assert_eq!(storage_endpoint("https://localhost"), "s3.localhost");
    assert_eq!(storage_endpoint("https://files.example.test:8443/"), "files.example.test:8443");
    let empty = render(&Provisioned { region: "eu-west-1".into(), public_url: "https://localhost:1".into(), ..Default::default() });
    let keys: Vec<&String> = empty.as_object().expect("object").keys().collect();
    assert_eq!(keys, ["$schema", "version", "custom"]);
}

#[test]
fn snippet_names_only_what_exists() {
    let s = snippet(&full());
    for line in [
        "const { amplocal } = outputs.custom;",
        "        userPoolEndpoint: amplocal.userPoolEndpoint,",
        "        identityPoolEndpoint: amplocal.identityPoolEndpoint,",
        "const storageOptions = { customEndpoint: amplocal.storageEndpoint, useAccelerateEndpoint: false };",
    ] {
        assert!(s.lines().any(|l| l == line), "{line:?} missing in\n{s}");
    }
    assert!(s.ends_with(";\n") && !s.contains("\n\n"), "one block, no blank line: {s}");
    let mut p = full();
    p.auth.as_mut().expect("auth").identity_pool_id = None;
    p.storage = None;
    let s = snippet(&p);
    assert!(s.contains("userPoolEndpoint: amplocal.userPoolEndpoint") && !s.contains("identityPoolEndpoint") && !s.contains("storageOptions"), "{s}");
    p.auth = None;
    assert_eq!(snippet(&p), "");
    p.storage = Some(StorageOutput { bucket: "b".into() });
    let s = snippet(&p);
    assert!(s.contains("storageOptions") && !s.contains("Cognito"), "{s}");
}

#[test]
fn write_is_atomic_stable_and_creates_the_directory() {
    let dir = std::env::temp_dir().join(format!("amplocal-outputs-{}-{:?}", std::process::id(), std::thread::current().id()));
    let _ = std::fs::remove_dir_all(&dir);
    let path = dir.join("src").join("amplify_outputs.json");
    write(&path, &full()).expect("write");
    let first = std::fs::read(&path).expect("read");
    assert!(first.ends_with(b"}\n"));
    let parsed: Value = serde_json::from_slice(&first).expect("json");
    assert_eq!(parsed, render(&full()));
    write(&path, &full()).expect("rewrite");
    assert_eq!(std::fs::read(&path).expect("read"), first, "same backend, same bytes");
    let mut p = full();
    p.storage = None;
    write(&path, &p).expect("write changed");
    assert_ne!(std::fs::read(&path).expect("read"), first);
    let leftovers: Vec<_> = std::fs::read_dir(path.parent().expect("dir")).expect("ls").filter_map(|e| e.ok()).map(|e| e.file_name()).collect();
    assert_eq!(leftovers.len(), 1, "no temporary file left: {leftovers:?}");
    // a path whose parent is a file cannot be written: an error, not a panic
    assert!(write(&path.join("x.json"), &p).is_err());
    let _ = std::fs::remove_dir_all(&dir);
}
