//! End-to-end tests of the gateway: health, HTTPS with the generated CA, HTTP/2, WebSocket
//! upgrades over both transports, CORS, graceful shutdown, and bad input on the raw port (never
//! a panic or a hung connection: a clean close or a 400-class answer within a bounded time).

use amplocal::deps::axum::{self, extract::ws, routing::get, Router};
use amplocal::deps::hyper_util::rt::{TokioExecutor, TokioIo};
use amplocal::deps::http_body_util::{self, BodyExt};
use amplocal::deps::{hyper, rustls, tokio_rustls};
use rustls::pki_types::pem::PemObject;
use amplocal_tests::TestEnv;
use futures_util::{SinkExt, StreamExt};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Short timeouts so the bad-input tests finish quickly.
async fn strict_env() -> TestEnv {
    TestEnv::builder()
        .serve_options(|o| {
            o.handshake_timeout = Duration::from_secs(1);
            o.idle_timeout = Duration::from_secs(1);
            o.body_idle_timeout = Duration::from_secs(1);
        })
        .app(|r| r.route("/_test/drain", axum::routing::put(drain)))
        .start()
        .await
}

/// Reads the whole body; 200 with its length, or 400 when the body fails (e.g. goes idle).
async fn drain(body: axum::body::Body) -> (http::StatusCode, String) {
    match axum::body::to_bytes(body, usize::MAX).await {
        Ok(b) => (http::StatusCode::OK, b.len().to_string()),
        Err(e) => (http::StatusCode::BAD_REQUEST, e.to_string()),
    }
}

/// Write `bytes`, then read until the server closes or `limit` passes. Returns what was read and
/// whether the server closed (EOF or reset) in time.
async fn exchange(env: &TestEnv, bytes: &[u8], limit: Duration) -> (String, bool) {
    let mut s = TcpStream::connect(env.addr).await.unwrap();
    let _ = s.write_all(bytes).await;
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        match tokio::time::timeout_at(deadline, s.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return (String::from_utf8_lossy(&out).into_owned(), true),
            Ok(Ok(n)) => out.extend_from_slice(&buf[..n]),
            Err(_) => return (String::from_utf8_lossy(&out).into_owned(), false),
        }
    }
}

async fn assert_still_healthy(env: &TestEnv) {
    let r = env.http().get(format!("{}/_amplocal/health", env.endpoint)).send().await.unwrap();
    assert_eq!(r.status(), 200);
}

fn tls_client(env: &TestEnv, alpn: &[&[u8]]) -> tokio_rustls::TlsConnector {
    let mut roots = rustls::RootCertStore::empty();
    let pem = std::fs::read(&env.ca_pem).unwrap();
    for c in rustls::pki_types::CertificateDer::pem_slice_iter(&pem) {
        roots.add(c.unwrap()).unwrap();
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut cfg = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    cfg.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    tokio_rustls::TlsConnector::from(Arc::new(cfg))
}
#[tokio::test]
async fn health_answers_in_both_shapes() {
    let env = TestEnv::start().await;
    let v: serde_json::Value = env.http().get(format!("{}/_localstack/health", env.endpoint)).send().await.unwrap().json().await.unwrap();
    assert_eq!(v["edition"], "community");
    assert!(v["services"]["s3"].is_string());
    assert!(v["version"].is_string());
    let head = env.http().head(format!("{}/_localstack/health", env.endpoint)).send().await.unwrap();
    assert_eq!(head.status(), 200);
    let v: serde_json::Value = env.http().get(format!("{}/_amplocal/health", env.endpoint)).send().await.unwrap().json().await.unwrap();
    assert_eq!(v["version"], env!("CARGO_PKG_VERSION"));
    for svc in ["s3", "dynamodb", "cognito-idp", "appsync"] {
        assert!(v["services"][svc].is_string(), "{svc} missing in {v}");
    }
    assert_eq!(v["dataDir"], env.dir.path().display().to_string());
    assert!(v["uptimeSeconds"].as_f64().unwrap() >= 0.0);
}

#[tokio::test]
async fn https_verifies_with_the_generated_ca_including_virtual_host_buckets() {
    let env = TestEnv::start().await;
    let client = env.https_with(&["mybucket.s3.localhost"]);
    let r = client.get(format!("{}/_amplocal/health", env.https_endpoint)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    // The virtual-host name verifies against *.s3.localhost; whatever S3 answers carries its request id.
    let r = client.get(format!("https://mybucket.s3.localhost:{}/", env.addr.port())).send().await.unwrap();
    assert!(r.headers().contains_key("x-amz-request-id"), "{:?}", r.headers());
    // A client that does not trust the CA refuses the certificate.
    let untrusting = reqwest::Client::builder().resolve("localhost", env.addr).build().unwrap();
    assert!(untrusting.get(format!("{}/_amplocal/health", env.https_endpoint)).send().await.is_err());
}

#[tokio::test]
async fn http2_over_tls_via_alpn_and_h2c_prior_knowledge() {
    let env = TestEnv::start().await;
    let tcp = TcpStream::connect(env.addr).await.unwrap();
    let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
    let tls = tls_client(&env, &[b"h2", b"http/1.1"]).connect(name, tcp).await.unwrap();
    assert_eq!(tls.get_ref().1.alpn_protocol(), Some(&b"h2"[..]));
    let (mut send, conn) = hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(tls)).await.unwrap();
    tokio::spawn(conn);
    let req = http::Request::get(format!("https://localhost:{}/_amplocal/health", env.addr.port()))
        .body(http_body_util::Empty::<bytes::Bytes>::new())
        .unwrap();
    let resp = send.send_request(req).await.unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.version(), http::Version::HTTP_2);
    let body = resp.into_body().collect().await.unwrap().to_bytes();
    assert!(std::str::from_utf8(&body).unwrap().contains("\"version\""));

    let tcp = TcpStream::connect(env.addr).await.unwrap();
    let (mut send, conn) = hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(tcp)).await.unwrap();
    tokio::spawn(conn);
    let req = http::Request::get(format!("http://{}/_localstack/health", env.addr)).body(http_body_util::Empty::<bytes::Bytes>::new()).unwrap();
    let resp = send.send_request(req).await.unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.version(), http::Version::HTTP_2);
}

async fn echo(upgrade: ws::WebSocketUpgrade) -> axum::response::Response {
    upgrade.on_upgrade(|mut socket| async move {
        while let Some(Ok(msg)) = socket.recv().await {
            if let ws::Message::Text(t) = msg {
                if socket.send(ws::Message::Text(format!("echo:{}", t.as_str()).into())).await.is_err() {
                    break;
                }
            }
        }
    })
}

#[tokio::test]
async fn websocket_upgrade_works_over_plain_and_tls() {
    let env = TestEnv::builder().app(|r: Router| r.route("/_test/ws", get(echo))).start().await;
    let port = env.addr.port();

    let tcp = TcpStream::connect(env.addr).await.unwrap();
    let (mut ws, resp) = tokio_tungstenite::client_async(format!("ws://localhost:{port}/_test/ws"), tcp).await.unwrap();
    assert_eq!(resp.status(), 101);
    ws.send(tokio_tungstenite::tungstenite::Message::text("plain")).await.unwrap();
    let got = ws.next().await.unwrap().unwrap();
    assert_eq!(got.into_text().unwrap().as_str(), "echo:plain");

    let tcp = TcpStream::connect(env.addr).await.unwrap();
    let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
    let tls = tls_client(&env, &[b"http/1.1"]).connect(name, tcp).await.unwrap();
    let (mut ws, resp) = tokio_tungstenite::client_async(format!("wss://localhost:{port}/_test/ws"), tls).await.unwrap();
    assert_eq!(resp.status(), 101);
    ws.send(tokio_tungstenite::tungstenite::Message::text("tls")).await.unwrap();
    let got = ws.next().await.unwrap().unwrap();
    assert_eq!(got.into_text().unwrap().as_str(), "echo:tls");
}

#[tokio::test]
async fn cors_preflights_and_decorates_non_s3_services_only() {
    let env = TestEnv::start().await;
    let http = env.http();
    let origin = "http://localhost:5173";
    // DynamoDB / Cognito: recognised by x-amz-target in the requested headers.
    let r = http
        .request(reqwest::Method::OPTIONS, format!("{}/", env.endpoint))
        .header("origin", origin)
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "content-type,x-amz-target,x-amz-user-agent,amz-sdk-invocation-id")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["access-control-allow-origin"], origin);
    let allowed = r.headers()["access-control-allow-headers"].to_str().unwrap().to_ascii_lowercase();
    assert!(allowed.contains("x-amz-target") && allowed.contains("amz-sdk-invocation-id"), "{allowed}");
    assert!(r.headers()["access-control-allow-methods"].to_str().unwrap().contains("POST"));
    assert!(!r.headers().contains_key("x-amz-request-id"), "answered here, not by S3");
    // AppSync by path.
    let r = http
        .request(reqwest::Method::OPTIONS, format!("{}/graphql", env.endpoint))
        .header("origin", origin)
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "content-type,x-api-key")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["access-control-allow-origin"], origin);
    // A real DynamoDB call from a page gets the origin and the exposed headers.
    let r = http
        .post(format!("{}/", env.endpoint))
        .header("origin", origin)
        .header("x-amz-target", "DynamoDB_20120810.ListTables")
        .header("content-type", "application/x-amz-json-1.0")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["access-control-allow-origin"], origin);
    let expose = r.headers()["access-control-expose-headers"].to_str().unwrap();
    for h in ["x-amzn-requestid", "x-amzn-errortype", "x-amzn-errormessage", "date"] {
        assert!(expose.contains(h), "{expose}");
    }
    // An S3 preflight is left to S3 (bucket CORS): it reaches S3's handler, which stamps its
    // request id (this layer's own preflight answers carry none).
    let r = http
        .request(reqwest::Method::OPTIONS, format!("{}/mybucket/photo.jpg", env.endpoint))
        .header("origin", origin)
        .header("access-control-request-method", "PUT")
        .header("access-control-request-headers", "authorization,x-amz-date,x-amz-content-sha256")
        .send()
        .await
        .unwrap();
    assert!(r.headers().contains_key("x-amz-request-id"), "{:?}", r.headers());
    assert!(!r.headers().contains_key("x-amzn-requestid"));
}

#[tokio::test]
async fn cors_origin_list_is_enforced() {
    let env = TestEnv::builder().cors("http://localhost:3000").start().await;
    let preflight = |origin: &'static str| {
        env.http()
            .request(reqwest::Method::OPTIONS, format!("{}/graphql", env.endpoint))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .send()
    };
    let ok = preflight("http://localhost:3000").await.unwrap();
    assert_eq!(ok.status(), 200);
    assert_eq!(ok.headers()["access-control-allow-origin"], "http://localhost:3000");
    let no = preflight("https://evil.example").await.unwrap();
    assert_eq!(no.status(), 403);
    assert!(no.headers().get("access-control-allow-origin").is_none());
}

#[tokio::test]
async fn shutdown_finishes_in_flight_requests_then_stops_accepting() {
    let env = TestEnv::builder()
        .app(|r: Router| {
            r.route(
                "/_test/slow",
                get(|| async {
                    tokio::time::sleep(Duration::from_millis(600)).await;
                    "done"
                }),
            )
        })
        .start()
        .await;
    let url = format!("{}/_test/slow", env.endpoint);
    let addr = env.addr;
    let inflight = tokio::spawn(async move { reqwest::get(url).await.unwrap().text().await.unwrap() });
    tokio::time::sleep(Duration::from_millis(150)).await;
    let started = Instant::now();
    env.stop().await;
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(inflight.await.unwrap(), "done");
    assert!(TcpStream::connect(addr).await.is_err(), "listener closed after shutdown");
}

// ---- bad input on the raw port ----

#[tokio::test]
async fn random_bytes_get_a_close_or_400() {
    let env = strict_env().await;
    let mut junk: Vec<u8> = (0..4096u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
    junk[0] = b'\x01';
    let (out, closed) = exchange(&env, &junk, Duration::from_secs(5)).await;
    assert!(closed, "connection left open");
    assert!(out.is_empty() || out.starts_with("HTTP/1.1 400"), "{out}");
    // Junk that starts like a TLS record.
    junk[0] = 0x16;
    let (_, closed) = exchange(&env, &junk, Duration::from_secs(5)).await;
    assert!(closed);
    assert_still_healthy(&env).await;
}

#[tokio::test]
async fn unknown_sni_still_gets_the_certificate() {
    let env = strict_env().await;
    let tcp = TcpStream::connect(env.addr).await.unwrap();
    let name = rustls::pki_types::ServerName::try_from("unknown.example.org").unwrap();
    let err = tls_client(&env, &[]).connect(name, tcp).await.unwrap_err();
    // The server presented its localhost certificate: the client rejects the name, not the chain.
    let msg = format!("{err:?}");
    assert!(msg.contains("NotValidForName"), "{msg}");
    assert_still_healthy(&env).await;
}

#[tokio::test]
async fn truncated_tls_record_is_closed() {
    let env = strict_env().await;
    // A handshake record header announcing 512 bytes, followed by only a few.
    let started = Instant::now();
    let (out, closed) = exchange(&env, &[0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03], Duration::from_secs(5)).await;
    assert!(closed && out.is_empty());
    assert!(started.elapsed() < Duration::from_secs(4));
    assert_still_healthy(&env).await;
}

#[tokio::test]
async fn silent_and_half_sent_connections_are_closed() {
    let env = strict_env().await;
    for bytes in [&b""[..], b"GET /_amplocal/health HTTP/1.1\r\nHost: x\r\n", b"PRI * HTTP/2.0\r\n", b"P"] {
        let started = Instant::now();
        let (_, closed) = exchange(&env, bytes, Duration::from_secs(5)).await;
        assert!(closed, "{:?} left open", String::from_utf8_lossy(bytes));
        assert!(started.elapsed() < Duration::from_secs(4));
    }
    assert_still_healthy(&env).await;
}

#[tokio::test]
async fn ten_gib_content_length_then_silence_is_dropped() {
    let env = strict_env().await;
    let req = b"PUT /_test/drain HTTP/1.1\r\nHost: localhost\r\nContent-Length: 10737418240\r\n\r\nonly a few bytes";
    let started = Instant::now();
    let (out, closed) = exchange(&env, req, Duration::from_secs(6)).await;
    assert!(closed, "left open: {out}");
    assert!(out.starts_with("HTTP/1.1 400"), "{out}");
    assert!(started.elapsed() < Duration::from_secs(5));
    // The same against an AWS route: whatever the service does, the connection does not hang.
    let req = b"POST / HTTP/1.1\r\nHost: localhost\r\nX-Amz-Target: DynamoDB_20120810.ListTables\r\nContent-Type: application/x-amz-json-1.0\r\nContent-Length: 10737418240\r\n\r\n{";
    let (out, closed) = exchange(&env, req, Duration::from_secs(6)).await;
    assert!(closed, "left open: {out}");
    assert_still_healthy(&env).await;
}

#[tokio::test]
async fn ten_thousand_headers_get_431_or_close() {
    let env = strict_env().await;
    let mut req = b"GET /_amplocal/health HTTP/1.1\r\nHost: localhost\r\n".to_vec();
    for i in 0..10_000 {
        req.extend_from_slice(format!("x-h{i}: v\r\n").as_bytes());
    }
    req.extend_from_slice(b"\r\n");
    let (out, closed) = exchange(&env, &req, Duration::from_secs(5)).await;
    assert!(closed);
    assert!(out.is_empty() || out.starts_with("HTTP/1.1 431") || out.starts_with("HTTP/1.1 400"), "{out}");
    assert_still_healthy(&env).await;
}

#[tokio::test]
async fn missing_host_is_400() {
    let env = strict_env().await;
    let (out, closed) = exchange(&env, b"GET /_amplocal/health HTTP/1.1\r\n\r\n", Duration::from_secs(5)).await;
    assert!(out.starts_with("HTTP/1.1 400"), "{out}");
    assert!(closed);
    // HTTP/1.0 has no Host requirement.
    let (out, _) = exchange(&env, b"GET /_amplocal/health HTTP/1.0\r\n\r\n", Duration::from_secs(5)).await;
    assert!(out.starts_with("HTTP/1.1 200") || out.starts_with("HTTP/1.0 200"), "{out}");
}
