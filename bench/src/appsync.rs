//! `amplocal-bench appsync`: the AppSync bench of issue #6 in one run, amplocal side by side
//! with @aws-amplify/amplify-appsync-simulator (when `--simulator DIR` holds it; launched through
//! `bench/appsync-simulator.mjs`).
//!
//! Both serve a Todo API with API-key auth. amplocal loads it with `--graphql-schema` (an
//! Amplify `@model`), so every `createTodo` is a real conditional PutItem in its DynamoDB; the
//! simulator echoes the input from a NONE data source (no table), as the issue measured it.
//! Figures per peer:
//! - `createTodo` throughput and latency at 1 and 16 keep-alive connections;
//! - mutation → subscription delivery latency with 1 and 100 subscribers (one `graphql-ws`
//!   socket each): from sending the mutation to each subscriber reading its `data` message,
//!   mutations sent one at a time, each waiting for every delivery;
//! - RSS of the server with `--idle` idle subscriptions open (`--idle-per-connection` per
//!   socket), against its RSS before they were opened.

use crate::load::{self, LoadConfig, RequestSpec, Target};
use base64::Engine;
use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use serde_json::{json, Map, Value};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::Message;

/// Options of the AppSync bench.
#[derive(clap::Args)]
pub struct Args {
    /// amplocal binary (default: next to this one).
    #[arg(long)]
    pub bin: Option<PathBuf>,
    /// Directory where `npm install @aws-amplify/amplify-appsync-simulator graphql@15` ran;
    /// without it the simulator peer is skipped.
    #[arg(long)]
    pub simulator: Option<PathBuf>,
    /// Measured seconds per mutation run.
    #[arg(long, default_value_t = 3.0)]
    pub seconds: f64,
    /// Mutations per delivery measurement (0 skips the delivery figures).
    #[arg(long, default_value_t = 300)]
    pub deliveries: usize,
    /// Idle subscriptions for the memory figure (0 skips it).
    #[arg(long, default_value_t = 10_000)]
    pub idle: usize,
    /// Subscriptions per WebSocket for the idle figure.
    #[arg(long, default_value_t = 1)]
    pub idle_per_connection: usize,
}

const API_KEY: &str = "da2-amplocalbenchkey00000000000";
const SCHEMA: &str = "type Todo @model @auth(rules: [{ allow: public }]) {\n  id: ID!\n  name: String!\n  priority: Int\n}\n";
const MUTATION: &str = "mutation ($input: CreateTodoInput!) { createTodo(input: $input) { id name priority createdAt updatedAt } }";
const SUBSCRIPTION: &str = "subscription { onCreateTodo { id name priority createdAt updatedAt } }";

fn mutation_body(name: &str) -> Bytes {
    Bytes::from(json!({"query": MUTATION, "variables": {"input": {"name": name, "priority": 1}}}).to_string())
}

fn mutation_spec() -> RequestSpec {
    RequestSpec {
        method: http::Method::POST,
        path: "/graphql".into(),
        headers: vec![("content-type".into(), "application/json".into()), ("x-api-key".into(), API_KEY.into())],
        body: mutation_body("bench"),
        signer: None,
    }
}

/// A server under test.
struct Peer {
    name: &'static str,
    child: Child,
    addr: SocketAddr,
}

impl Peer {
    fn target(&self) -> Target {
        Target { addr: self.addr, host: format!("localhost:{}", self.addr.port()), tls: None }
    }

    /// Whether the process is still running, for error messages.
    fn exit_note(&mut self) -> String {
        match self.child.try_wait() {
            Ok(Some(st)) => format!(" ({} process had exited: {st})", self.name),
            Ok(None) => format!(" ({} process still running)", self.name),
            Err(e) => format!(" ({} process state unknown: {e})", self.name),
        }
    }

    fn rss_mib(&self) -> f64 {
        crate::procstat::rss_kib(self.child.id()).map_or(f64::NAN, |k| k as f64 / 1024.0)
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        if let Ok(Some(_)) = self.child.try_wait() {
            return; // already gone (e.g. a simulator that failed to start)
        }
        let _ = Command::new("kill").arg("-TERM").arg(self.child.id().to_string()).status();
        let t0 = Instant::now();
        while t0.elapsed() < Duration::from_secs(10) {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn spawn_amplocal(bin: &Path, schema: &Path) -> anyhow::Result<Peer> {
    let s = schema.display().to_string();
    let a = crate::server::Amplocal::spawn(bin, &["--ephemeral", "--graphql-schema", &s, "--graphql-api-key", API_KEY])?;
    let addr = a.addr;
    Ok(Peer { name: "amplocal", child: a.child, addr })
}

fn spawn_simulator(dir: &Path) -> anyhow::Result<Peer> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("appsync-simulator.mjs");
    let port = crate::server::free_port()?;
    let mut child = Command::new("node")
        .arg(&script)
        .arg(dir)
        .arg(port.to_string())
        .arg(API_KEY)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| anyhow::anyhow!("starting node {}: {e}", script.display()))?;
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    // The script prints `Ready.` once the simulator's `start()` has resolved, i.e. after its HTTP
    // server emitted `listening`. Polling the port instead is not enough: before that listen,
    // the simulator's port check (get-port) briefly listens on the same port and closes it, so
    // a probe can connect in that window and the next connection is refused.
    let stdout = child.stdout.take().ok_or_else(|| anyhow::anyhow!("the simulator's stdout was not captured"))?;
    let (ready_tx, ready_rx) = std::sync::mpsc::channel::<()>();
    std::thread::spawn(move || {
        use std::io::BufRead;
        // Keeps reading after `Ready.` so the simulator never blocks on a full pipe.
        let mut ready = Some(ready_tx);
        for line in std::io::BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if line.trim() == "Ready." {
                if let Some(tx) = ready.take() {
                    let _ = tx.send(());
                }
            }
        }
    });
    let mut peer = Peer { name: "simulator", child, addr };
    let t0 = Instant::now();
    loop {
        match ready_rx.recv_timeout(Duration::from_millis(50)) {
            Ok(()) => break,
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                if let Some(st) = peer.child.try_wait()? {
                    anyhow::bail!("the simulator exited before printing Ready. ({st}); its stderr is above");
                }
                anyhow::ensure!(t0.elapsed() < Duration::from_secs(30), "the simulator did not print Ready. within 30 s");
            }
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
                std::thread::sleep(Duration::from_millis(200));
                anyhow::bail!("the simulator closed its stdout without printing Ready.{}", peer.exit_note());
            }
        }
    }
    std::net::TcpStream::connect_timeout(&addr, Duration::from_secs(2))
        .map_err(|e| anyhow::anyhow!("the simulator printed Ready. but {addr} refused a connection: {e}{}", peer.exit_note()))?;
    Ok(peer)
}

type Sender = hyper::client::conn::http1::SendRequest<Full<Bytes>>;

/// One keep-alive connection posting `createTodo`s.
async fn poster(addr: SocketAddr) -> anyhow::Result<Sender> {
    let tcp = tokio::net::TcpStream::connect(addr).await?;
    tcp.set_nodelay(true)?;
    let (send, conn) = hyper::client::conn::http1::handshake(TokioIo::new(tcp)).await?;
    tokio::spawn(conn);
    Ok(send)
}

/// Post one `createTodo` named `name`; the answer's `data.createTodo` or an error.
async fn create(send: &mut Sender, addr: SocketAddr, name: &str) -> anyhow::Result<Value> {
    send.ready().await?;
    let req = http::Request::builder()
        .method("POST")
        .uri("/graphql")
        .header("host", format!("localhost:{}", addr.port()))
        .header("content-type", "application/json")
        .header("x-api-key", API_KEY)
        .body(Full::new(mutation_body(name)))?;
    let resp = send.send_request(req).await?;
    let status = resp.status();
    let body: Value = serde_json::from_slice(&resp.into_body().collect().await?.to_bytes()).unwrap_or(Value::Null);
    anyhow::ensure!(status == 200 && body.get("errors").is_none() && body["data"]["createTodo"]["name"] == name, "createTodo answered {status}: {body}");
    Ok(body["data"]["createTodo"].clone())
}

type Ws = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Open a `graphql-ws` socket (query-string handshake, which both peers read) and start
/// `subs` `onCreateTodo` subscriptions on it, waiting for every `start_ack`.
async fn subscriber(addr: SocketAddr, subs: usize) -> anyhow::Result<Ws> {
    let host = format!("localhost:{}", addr.port());
    let auth = json!({"host": host, "x-api-key": API_KEY});
    let header = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(auth.to_string());
    let mut req = format!("ws://{addr}/graphql/realtime?header={header}&payload=e30").into_client_request()?;
    req.headers_mut().insert("sec-websocket-protocol", http::HeaderValue::from_static("graphql-ws"));
    // A small read buffer: tungstenite zero-fills the free part of its read buffer (128 KiB by
    // default) before every read, ~10 us per received frame of the bench's own CPU on the cores
    // the server under test shares. The frames here are a few hundred bytes.
    let config = WebSocketConfig::default().read_buffer_size(4096);
    let (mut ws, _) = tokio_tungstenite::connect_async_with_config(req, Some(config), true).await?;
    ws.send(Message::text(r#"{"type":"connection_init"}"#)).await?;
    let data = json!({"query": SUBSCRIPTION, "variables": {}}).to_string();
    let mut acked = false;
    let mut started = 0;
    let deadline = Instant::now() + Duration::from_secs(30);
    while started < subs {
        let msg = tokio::time::timeout_at(deadline.into(), ws.next()).await?.ok_or_else(|| anyhow::anyhow!("socket closed"))??;
        let Message::Text(t) = msg else { continue };
        let v: Value = serde_json::from_str(t.as_str())?;
        match v["type"].as_str().unwrap_or_default() {
            "connection_ack" if !acked => {
                acked = true;
                for i in 0..subs {
                    let start = json!({"id": format!("s{i}"), "type": "start", "payload": {"data": data, "extensions": {"authorization": auth}}});
                    ws.send(Message::text(start.to_string())).await?;
                }
            }
            "start_ack" => started += 1,
            "ka" | "data" => {}
            _ => anyhow::bail!("unexpected message {v}"),
        }
    }
    Ok(ws)
}

/// Open `count` sockets with `subs` subscriptions each, 64 handshakes at a time.
async fn open_many(addr: SocketAddr, count: usize, subs: usize) -> anyhow::Result<Vec<Ws>> {
    let mut out = Vec::with_capacity(count);
    let mut pending = futures_util::stream::iter((0..count).map(|_| subscriber(addr, subs))).buffer_unordered(64);
    while let Some(ws) = pending.next().await {
        out.push(ws?);
    }
    Ok(out)
}

fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[(((sorted.len() - 1) as f64) * q).round() as usize]
}

fn r3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

fn dist(mut v: Vec<f64>) -> Value {
    v.sort_by(f64::total_cmp);
    json!({"samples": v.len(), "p50": r3(quantile(&v, 0.5)), "p90": r3(quantile(&v, 0.9)), "p99": r3(quantile(&v, 0.99)), "max": r3(quantile(&v, 1.0))})
}

/// What the subscribers of one delivery run have read: each `data` frame with the instant its
/// reader got it off the socket. Readers only stamp and append; the frames are parsed and
/// checked by the measuring task after the round (parsing them in the readers, or waking the
/// measuring task once per frame through a channel, put the bench's own CPU — on the cores the
/// server under test shares — between later subscribers and their stamps).
#[derive(Default)]
struct Arrivals {
    frames: std::sync::Mutex<Vec<(tokio_tungstenite::tungstenite::Utf8Bytes, Instant)>>,
    count: std::sync::atomic::AtomicUsize,
    /// Woken when `count` reaches `want`.
    done: tokio::sync::Notify,
    want: std::sync::atomic::AtomicUsize,
}

impl Arrivals {
    fn add(&self, frame: tokio_tungstenite::tungstenite::Utf8Bytes, at: Instant) {
        self.frames.lock().unwrap_or_else(|p| p.into_inner()).push((frame, at));
        let got = self.count.fetch_add(1, std::sync::atomic::Ordering::AcqRel) + 1;
        if got == self.want.load(std::sync::atomic::Ordering::Acquire) {
            self.done.notify_one();
        }
    }
}

/// Delivery latency with `n` subscribers (one socket each) over `mutations` sequential mutations:
/// from just before each mutation is sent to the instant each subscriber's reader task has read
/// its `data` frame off the socket (p50 over every delivery of every measured mutation; the last
/// subscriber's figure separately). Also reports the server's CPU time per delivered message
/// (mutation included), which a busy machine disturbs less than latencies.
async fn delivery(peer: &Peer, n: usize, mutations: usize) -> anyhow::Result<Value> {
    use std::sync::atomic::Ordering;
    let addr = peer.addr;
    let pid = peer.child.id().to_string();
    let sockets = open_many(addr, n, 1).await?;
    let arrivals = std::sync::Arc::new(Arrivals::default());
    let mut readers = Vec::new();
    for ws in sockets {
        let arrivals = arrivals.clone();
        readers.push(tokio::spawn(async move {
            let (_sink, mut stream) = ws.split();
            while let Some(Ok(msg)) = stream.next().await {
                let at = Instant::now();
                // `ka`, acks and the like carry no "data" key; a data frame always does.
                if let Message::Text(t) = msg {
                    if t.as_str().contains("\"data\"") {
                        arrivals.add(t, at);
                    }
                }
            }
        }));
    }
    let mut send = poster(addr).await?;
    let warmup = 20;
    let (mut all, mut last, mut mutation_ms) = (Vec::new(), Vec::new(), Vec::new());
    let mut cpu0 = None;
    for seq in 0..warmup + mutations {
        if seq == warmup {
            cpu0 = crate::procstat::cpu_time(&pid);
        }
        arrivals.frames.lock().unwrap_or_else(|p| p.into_inner()).clear();
        arrivals.count.store(0, Ordering::Release);
        arrivals.want.store(n, Ordering::Release);
        let t0 = Instant::now();
        create(&mut send, addr, &format!("d{seq}")).await?;
        let answered = t0.elapsed();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
        while arrivals.count.load(Ordering::Acquire) < n {
            let notified = arrivals.done.notified();
            if arrivals.count.load(Ordering::Acquire) >= n {
                break;
            }
            tokio::time::timeout_at(deadline, notified).await.map_err(|_| anyhow::anyhow!("mutation {seq}: {} of {n} deliveries within 5 s", arrivals.count.load(Ordering::Acquire)))?;
        }
        let frames = std::mem::take(&mut *arrivals.frames.lock().unwrap_or_else(|p| p.into_inner()));
        anyhow::ensure!(frames.len() == n, "mutation {seq}: {} deliveries for {n} subscribers", frames.len());
        let mut got = Vec::with_capacity(n);
        for (t, at) in frames {
            let v: Value = serde_json::from_str(t.as_str())?;
            anyhow::ensure!(v["type"] == "data", "unexpected frame {v}");
            let s: Option<usize> = v["payload"]["data"]["onCreateTodo"]["name"].as_str().and_then(|s| s.strip_prefix('d')).and_then(|s| s.parse().ok());
            anyhow::ensure!(s == Some(seq), "delivery {v} while waiting for mutation {seq}");
            got.push(at.saturating_duration_since(t0).as_secs_f64() * 1000.0);
        }
        if seq >= warmup {
            mutation_ms.push(answered.as_secs_f64() * 1000.0);
            last.push(got.iter().copied().fold(0.0, f64::max));
            all.extend(got);
        }
    }
    let cpu = cpu0.zip(crate::procstat::cpu_time(&pid)).map(|(a, b)| b.saturating_sub(a).as_secs_f64());
    for r in readers {
        r.abort();
    }
    let per_delivery = cpu.map(|c| (c * 1e6 / (mutations * n).max(1) as f64).round());
    Ok(json!({"subscribers": n, "mutations": mutations, "deliveryMs": dist(all), "lastSubscriberMs": dist(last), "mutationAnswerMs": dist(mutation_ms), "serverCpuMicrosPerDelivery": per_delivery}))
}

/// RSS before and after opening `total` idle subscriptions.
async fn idle(peer: &Peer, total: usize, per: usize) -> anyhow::Result<Value> {
    let per = per.max(1);
    let before = peer.rss_mib();
    let t0 = Instant::now();
    let sockets = open_many(peer.addr, total.div_ceil(per), per).await?;
    let opened = t0.elapsed().as_secs_f64();
    tokio::time::sleep(Duration::from_secs(1)).await;
    let after = peer.rss_mib();
    let subs = sockets.len() * per;
    drop(sockets);
    Ok(json!({
        "subscriptions": subs, "sockets": subs / per, "openSeconds": r3(opened),
        "rssBeforeMiB": r3(before), "rssWithSubscriptionsMiB": r3(after),
        "kibPerSubscription": r3((after - before) * 1024.0 / subs.max(1) as f64),
    }))
}

/// Every figure for one peer.
async fn measure(peer: &Peer, args: &Args) -> anyhow::Result<Value> {
    let mut send = poster(peer.addr).await.map_err(|e| anyhow::anyhow!("{}: connecting to {}: {e}", peer.name, peer.addr))?;
    create(&mut send, peer.addr, "setup").await.map_err(|e| anyhow::anyhow!("{}: {e}", peer.name))?;
    let mut out = Map::new();
    let pid = peer.child.id().to_string();
    for c in [1usize, 16] {
        let cfg = LoadConfig { connections: c, duration: Duration::from_secs_f64(args.seconds), warmup: Duration::from_millis(300) };
        let cpu0 = crate::procstat::cpu_time(&pid);
        let r = load::run(&peer.target(), &mutation_spec(), cfg).await;
        let cpu = cpu0.zip(crate::procstat::cpu_time(&pid)).map(|(a, b)| b.saturating_sub(a).as_secs_f64());
        eprintln!("  {} createTodo c{c}: {:.0}/s p50 {:.3} ms p99 {:.3} ms errors {} non2xx {}", peer.name, r.rps(), r.quantile_ms(0.5), r.quantile_ms(0.99), r.errors, r.non_2xx);
        let mut j = r.json();
        j["serverCpuMicrosPerMutation"] = json!(cpu.map(|c| (c * 1e6 / r.requests.max(1) as f64).round()));
        out.insert(format!("mutationC{c}"), j);
    }
    for n in [1usize, 100].into_iter().filter(|_| args.deliveries > 0) {
        let d = delivery(peer, n, args.deliveries).await.map_err(|e| anyhow::anyhow!("{} delivery x{n}: {e}", peer.name))?;
        eprintln!(
            "  {} delivery to {n}: p50 {} ms p99 {} ms (last subscriber p50 {} ms), server CPU {} us per delivery",
            peer.name, d["deliveryMs"]["p50"], d["deliveryMs"]["p99"], d["lastSubscriberMs"]["p50"], d["serverCpuMicrosPerDelivery"]
        );
        out.insert(format!("delivery{n}"), d);
    }
    if args.idle > 0 {
        let m = idle(peer, args.idle, args.idle_per_connection).await.map_err(|e| anyhow::anyhow!("{} idle: {e}", peer.name))?;
        eprintln!("  {} {} idle subscriptions: RSS {} MiB (before {} MiB)", peer.name, m["subscriptions"], m["rssWithSubscriptionsMiB"], m["rssBeforeMiB"]);
        out.insert("idle".into(), m);
    }
    Ok(Value::Object(out))
}

fn num(v: &Value, path: &[&str]) -> f64 {
    path.iter().fold(v, |v, k| &v[*k]).as_f64().unwrap_or(f64::NAN)
}

/// Run the whole bench and return its JSON document.
pub async fn run(args: Args) -> anyhow::Result<Value> {
    let bin = args.bin.clone().unwrap_or_else(crate::server::default_binary);
    let dir = tempfile::tempdir()?;
    let schema = dir.path().join("bench.graphql");
    std::fs::write(&schema, SCHEMA)?;
    let ours = {
        let peer = spawn_amplocal(&bin, &schema)?;
        eprintln!("amplocal ({}):", bin.display());
        measure(&peer, &args).await?
    };
    let sim = match &args.simulator {
        None => json!({"skipped": "no --simulator DIR given"}),
        // A failing simulator does not throw amplocal's figures away: the document says what
        // failed (and whether the simulator process was still alive) in place of its figures.
        Some(d) => {
            let measured = match spawn_simulator(d) {
                Ok(mut peer) => {
                    eprintln!("amplify-appsync-simulator ({}):", d.display());
                    let r = measure(&peer, &args).await;
                    r.map_err(|e| format!("{e:#}{}", peer.exit_note()))
                }
                Err(e) => Err(format!("starting the simulator: {e:#}")),
            };
            measured.unwrap_or_else(|failed| {
                eprintln!("amplify-appsync-simulator FAILED: {failed}");
                json!({"failed": failed})
            })
        }
    };
    let ratio = num(&ours, &["mutationC16", "rps"]) / num(&sim, &["mutationC16", "rps"]);
    let targets = json!({
        "mutationC16>=10xSimulator": ratio >= 10.0,
        "mutationP50C1Ms<=0.5": num(&ours, &["mutationC1", "latencyMs", "p50"]) <= 0.5,
        "deliveryP50With100Ms<=1": num(&ours, &["delivery100", "deliveryMs", "p50"]) <= 1.0,
        "idle10kRssMiB<=100": num(&ours, &["idle", "rssWithSubscriptionsMiB"]) <= 100.0 && num(&ours, &["idle", "subscriptions"]) >= 10_000.0,
    });
    Ok(json!({
        "bench": "appsync",
        "notes": "amplocal: Amplify @model Todo, API key, each createTodo a conditional PutItem in its DynamoDB; simulator: NONE data source echoing the input (no table), API key",
        "amplocal": ours,
        "simulator": sim,
        "mutationC16RatioVsSimulator": r3(ratio),
        "targets": targets,
    }))
}
