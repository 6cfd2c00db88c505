//! HTTPS and WSS to names the static `localhost` leaf cannot cover, through the whole gateway
//! with verifying rustls clients (reqwest and tokio-rustls, the generated CA as the only root):
//! a virtual-hosted bucket under `localhost`, a dotted bucket under `s3.localhost`, the AppSync
//! `<apiId>.appsync-api.localhost` endpoint and a `wss://` subscription handshake on
//! `<apiId>.appsync-realtime-api.localhost`. A name outside ours still fails verification.

use amplocal::deps::{rustls, tokio_rustls};
use amplocal_tests::TestEnv;
use futures_util::{SinkExt, StreamExt};
use rustls::pki_types::pem::PemObject;
use serde_json::{json, Value};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

const KEY: &str = "da2-tlsnameskey";

#[tokio::test]
async fn buckets_under_localhost_and_dotted_buckets_verify_over_https() {
    let env = TestEnv::start().await;
    let port = env.addr.port();
    for bucket in ["tlsnames", "tls.dotted"] {
        env.s3().create_bucket().bucket(bucket).send().await.unwrap();
    }
    let https = env.https_with(&["tlsnames.localhost", "tls.dotted.s3.localhost", "tlsnames.example.org"]);
    for (host, bucket) in [("tlsnames.localhost", "tlsnames"), ("tls.dotted.s3.localhost", "tls.dotted")] {
        let url = format!("https://{host}:{port}/greeting");
        let r = https.put(&url).body(format!("hi {bucket}")).send().await.unwrap_or_else(|e| panic!("{host}: {e:?}"));
        assert_eq!(r.status(), 200, "{host}");
        // The virtual host reached the bucket: the SDK (plain HTTP, path style) reads it back.
        let got = env.s3().get_object().bucket(bucket).key("greeting").send().await.unwrap();
        assert_eq!(got.body.collect().await.unwrap().into_bytes().as_ref(), format!("hi {bucket}").as_bytes());
        let r = https.get(&url).send().await.unwrap();
        assert_eq!(r.text().await.unwrap(), format!("hi {bucket}"));
    }
    // Not one of our names: the static leaf, which the client refuses.
    let err = https.get(format!("https://tlsnames.example.org:{port}/")).send().await.unwrap_err();
    assert!(format!("{err:?}").contains("NotValidForName"), "{err:?}");
}

fn schema_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../schemas").join(name)
}

fn tls_connector(env: &TestEnv) -> tokio_rustls::TlsConnector {
    let mut roots = rustls::RootCertStore::empty();
    for c in rustls::pki_types::CertificateDer::pem_file_iter(&env.ca_pem).unwrap() {
        roots.add(c.unwrap()).unwrap();
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut cfg = rustls::ClientConfig::builder_with_provider(provider).with_safe_default_protocol_versions().unwrap().with_root_certificates(roots).with_no_client_auth();
    cfg.alpn_protocols = vec![b"http/1.1".to_vec()];
    tokio_rustls::TlsConnector::from(Arc::new(cfg))
}

#[tokio::test]
async fn appsync_api_and_realtime_hosts_verify_over_https_and_wss() {
    let env = TestEnv::builder()
        .services(|s| {
            s.appsync.graphql_schema = vec![schema_path("todo.graphql")];
            s.appsync.graphql_api_key = Some(KEY.into());
            s.appsync.graphql_api_id = vec!["tlsapi".into()];
        })
        .start()
        .await;
    let port = env.addr.port();
    let api_host = "tlsapi.appsync-api.localhost";
    let https = env.https_with(&[api_host]);
    let r = https
        .post(format!("https://{api_host}:{port}/graphql"))
        .header("x-api-key", KEY)
        .json(&json!({"query": "{ __typename }"}))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{api_host}: {e:?}"));
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<Value>().await.unwrap(), json!({"data": {"__typename": "Query"}}));

    use base64::Engine;
    let rt_host = "tlsapi.appsync-realtime-api.localhost";
    let tcp = tokio::net::TcpStream::connect(env.addr).await.unwrap();
    let name = rustls::pki_types::ServerName::try_from(rt_host).unwrap();
    let tls = tls_connector(&env).connect(name, tcp).await.unwrap_or_else(|e| panic!("{rt_host}: {e:?}"));
    let header = json!({"host": format!("{api_host}:{port}"), "x-api-key": KEY});
    let mut req = format!("wss://{rt_host}:{port}/graphql").into_client_request().unwrap();
    let proto = format!("graphql-ws, header-{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(header.to_string()));
    req.headers_mut().insert("sec-websocket-protocol", proto.parse().unwrap());
    let (mut ws, _) = tokio_tungstenite::client_async(req, tls).await.unwrap();
    ws.send(Message::Text(json!({"type": "connection_init"}).to_string().into())).await.unwrap();
    let ack = loop {
        let msg = tokio::time::timeout(Duration::from_secs(5), ws.next()).await.expect("a message").unwrap().unwrap();
        if let Message::Text(t) = msg {
            let v: Value = serde_json::from_str(&t).unwrap();
            if v["type"] != "ka" {
                break v;
            }
        }
    };
    assert_eq!(ack["type"], "connection_ack", "{ack}");
}

#[tokio::test]
async fn a_configured_s3_hostname_and_its_buckets_verify_over_https() {
    let env = TestEnv::builder().services(|s| s.s3.hostnames = vec!["Files.Dev.Test".into()]).start().await;
    let port = env.addr.port();
    env.s3().create_bucket().bucket("tlsconf").send().await.unwrap();
    let https = env.https_with(&["files.dev.test", "tlsconf.files.dev.test"]);
    // Virtual-hosted under the configured base, then path-style on the base itself.
    let r = https.put(format!("https://tlsconf.files.dev.test:{port}/k")).body("v").send().await.unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(r.status(), 200);
    let r = https.get(format!("https://files.dev.test:{port}/tlsconf/k")).send().await.unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(r.status(), 200);
    assert_eq!(r.text().await.unwrap(), "v");
}
