//! amplocal benchmarks. `amplocal-bench <bench>` prints one JSON document on stdout.
//!
//! - `lifecycle`: spawn the release binary (`--ephemeral`, free port) → first successful health
//!   answer, idle RSS after ~1 s, exit code after SIGTERM; medians of `--runs` (≥ 5).
//! - `health`: the health endpoint at 16 keep-alive connections, side by side with a trivial
//!   hyper server inside this process, same generator; both figures and their ratio.
//! - `tls`: request latency over HTTPS keep-alive vs plain HTTP after the handshake.
//! - `load`: the generic generator against any URL, optionally SigV4-signed (service benches
//!   build on this).
//! - `dynamodb`, `s3`, `cognito`, `appsync`: each service's data-plane figures of its issue,
//!   side by side with the peer it names (dynalite, s3rver, moto, amplify-appsync-simulator)
//!   when that peer is installed outside the repo and its path is given.

mod cognito;
mod appsync;
mod dynamodb;
mod dynamodb_client;
mod json_client;
mod load;
mod procstat;
mod s3;
mod s3_client;
mod server;
mod sigv4;

use clap::{Parser, Subcommand};
use load::{LoadConfig, RequestSpec, Target};
use serde_json::{json, Value};
use std::net::ToSocketAddrs;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

#[derive(Parser)]
#[command(name = "amplocal-bench", about = "amplocal benchmarks (JSON on stdout)")]
struct Cli {
    #[command(subcommand)]
    bench: Bench,
}

#[derive(Subcommand)]
enum Bench {
    /// Cold start to first health answer, idle RSS, clean exit; medians.
    Lifecycle {
        /// amplocal binary (default: next to this one).
        #[arg(long)]
        bin: Option<PathBuf>,
        /// Number of runs (≥ 5 recommended).
        #[arg(long, default_value_t = 7)]
        runs: usize,
    },
    /// Health endpoint vs a trivial hyper server under the same generator.
    Health {
        /// amplocal binary (default: next to this one).
        #[arg(long)]
        bin: Option<PathBuf>,
        /// Keep-alive connections.
        #[arg(long, default_value_t = 16)]
        connections: usize,
        /// Seconds per measured round.
        #[arg(long, default_value_t = 3.0)]
        seconds: f64,
        /// Rounds (alternating amplocal and baseline).
        #[arg(long, default_value_t = 3)]
        rounds: usize,
    },
    /// Latency over HTTPS vs HTTP keep-alive (handshake excluded).
    Tls {
        /// amplocal binary (default: next to this one).
        #[arg(long)]
        bin: Option<PathBuf>,
        /// Seconds per measured run.
        #[arg(long, default_value_t = 3.0)]
        seconds: f64,
    },
    /// AppSync mutations, subscription delivery and idle-subscription memory vs amplify-appsync-simulator.
    Appsync(appsync::Args),
    /// DynamoDB data plane vs dynalite and the trivial-server limit; large-table latency and RSS.
    Dynamodb(dynamodb::Args),
    /// Cognito sign-up, USER_PASSWORD_AUTH and SRP sign-in vs moto.
    Cognito(cognito::Args),
    /// S3 data plane vs s3rver, dd and loopback; listing at 10k vs 1M keys; RSS during a 5 GiB upload.
    S3(s3::Args),
    /// Generic load against a URL.
    Load {
        /// `http://host:port/path` or `https://...`.
        #[arg(long, default_value = "http://127.0.0.1:4566/_amplocal/health")]
        url: String,
        /// HTTP method.
        #[arg(long, default_value = "GET")]
        method: String,
        /// Extra header `Name: value` (repeatable).
        #[arg(long = "header")]
        headers: Vec<String>,
        /// Request body.
        #[arg(long, default_value = "")]
        body: String,
        /// Keep-alive connections.
        #[arg(long, default_value_t = 16)]
        connections: usize,
        /// Measured seconds.
        #[arg(long, default_value_t = 5.0)]
        seconds: f64,
        /// SigV4-sign every request for this signing name (e.g. `dynamodb`, `s3`).
        #[arg(long)]
        sign: Option<String>,
        /// Access key for signing.
        #[arg(long, default_value = "test")]
        key: String,
        /// Secret for signing.
        #[arg(long, default_value = "test")]
        secret: String,
        /// Region for signing.
        #[arg(long, default_value = "us-east-1")]
        region: String,
        /// CA file to trust for https URLs.
        #[arg(long)]
        ca: Option<PathBuf>,
    },
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    match v.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

fn lifecycle(bin: &Path, runs: usize) -> anyhow::Result<Value> {
    let (mut starts, mut rss, mut exits) = (vec![], vec![], vec![]);
    let (mut anon, mut file) = (vec![], vec![]);
    let mib = |k: u64| k as f64 / 1024.0;
    for _ in 0..runs.max(1) {
        let a = server::Amplocal::spawn(bin, &["--ephemeral"])?;
        starts.push(a.ready_after.as_secs_f64() * 1000.0);
        std::thread::sleep(Duration::from_secs(1));
        rss.push(procstat::rss_kib(a.child.id()).map_or(f64::NAN, mib));
        let split = procstat::rss_split_kib(a.child.id());
        anon.push(split.map_or(f64::NAN, |(a, _)| mib(a)));
        file.push(split.map_or(f64::NAN, |(_, f)| mib(f)));
        exits.push(a.stop()?);
    }
    let cold = median(&mut starts.clone());
    let mem = median(&mut rss.clone());
    Ok(json!({
        "bench": "lifecycle",
        "binary": bin.display().to_string(),
        "runs": starts.len(),
        "coldStartMs": {"median": round3(cold), "all": starts.iter().map(|x| round3(*x)).collect::<Vec<_>>()},
        "idleRssMiB": {"median": round3(mem), "all": rss.iter().map(|x| round3(*x)).collect::<Vec<_>>()},
        "idleRssSplitMiB": {"anonymousMedian": round3(median(&mut anon)), "fileBackedMedian": round3(median(&mut file)), "note": "file-backed = code and read-only data the kernel maps in 64 KiB windows around each page used"},
        "exitCodesAfterSigterm": exits,
        "targets": {"coldStartMs<=20": cold <= 20.0, "idleRssMiB<=12": mem <= 12.0},
    }))
}

fn plain_target(addr: std::net::SocketAddr) -> Target {
    Target { addr, host: format!("localhost:{}", addr.port()), tls: None }
}

fn tls_config(ca: &Path) -> anyhow::Result<Arc<rustls::ClientConfig>> {
    use rustls::pki_types::pem::PemObject;
    let mut roots = rustls::RootCertStore::empty();
    for c in rustls::pki_types::CertificateDer::pem_file_iter(ca)? {
        roots.add(c?)?;
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut cfg = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots)
        .with_no_client_auth();
    cfg.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(cfg))
}

async fn health(bin: &Path, connections: usize, seconds: f64, rounds: usize) -> anyhow::Result<Value> {
    let amp = server::Amplocal::spawn(bin, &["--ephemeral"])?;
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let base = server::start_baseline(threads)?;
    let cfg = LoadConfig { connections, duration: Duration::from_secs_f64(seconds), warmup: Duration::from_millis(300) };
    let spec = RequestSpec::get("/_amplocal/health");
    let pid = amp.child.id().to_string();
    let (mut a_rps, mut b_rps, mut a_last, mut b_last) = (vec![], vec![], None, None);
    let mut a_cpu = Duration::ZERO;
    for _ in 0..rounds.max(1) {
        let c0 = procstat::cpu_time(&pid);
        let a = load::run(&plain_target(amp.addr), &spec, cfg).await;
        if let (Some(x), Some(y)) = (c0, procstat::cpu_time(&pid)) {
            a_cpu += y.saturating_sub(x);
        }
        a_rps.push(a.rps());
        a_last = Some(a);
        let b = load::run(&plain_target(base), &spec, cfg).await;
        b_rps.push(b.rps());
        b_last = Some(b);
    }
    let code = amp.stop()?;
    let (am, bm) = (median(&mut a_rps.clone()), median(&mut b_rps.clone()));
    let ratio = am / bm.max(1e-9);
    Ok(json!({
        "bench": "health",
        "connections": connections,
        "secondsPerRound": seconds,
        "rounds": rounds,
        "amplocal": {"medianRps": am.round(), "allRps": a_rps.iter().map(|x| x.round()).collect::<Vec<_>>(), "last": a_last.map(|r| r.json()), "serverCpuSeconds": round3(a_cpu.as_secs_f64())},
        "trivialHyper": {"medianRps": bm.round(), "allRps": b_rps.iter().map(|x| x.round()).collect::<Vec<_>>(), "last": b_last.map(|r| r.json()), "note": "runs inside the bench process; generatorCpuSeconds includes it"},
        "ratio": round3(ratio),
        "exitCodeAfterSigterm": code,
        "targets": {"ratio>=0.6": ratio >= 0.6},
    }))
}

async fn tls(bin: &Path, seconds: f64) -> anyhow::Result<Value> {
    let dir = tempfile::tempdir()?;
    let data = dir.path().display().to_string();
    let amp = server::Amplocal::spawn(bin, &["--data-dir", &data])?;
    let tls = tls_config(&dir.path().join("tls").join("ca.pem"))?;
    let spec = RequestSpec::get("/_amplocal/health");
    let http = plain_target(amp.addr);
    let https = Target { tls: Some(tls), ..http.clone() };
    let mut out = serde_json::Map::new();
    for conns in [1usize, 16] {
        let cfg = LoadConfig { connections: conns, duration: Duration::from_secs_f64(seconds), warmup: Duration::from_millis(300) };
        let h = load::run(&http, &spec, cfg).await;
        let s = load::run(&https, &spec, cfg).await;
        out.insert(
            format!("connections{conns}"),
            json!({
                "http": h.json(),
                "https": s.json(),
                "addedP50Ms": round3(s.quantile_ms(0.5) - h.quantile_ms(0.5)),
                "addedP99Ms": round3(s.quantile_ms(0.99) - h.quantile_ms(0.99)),
            }),
        );
    }
    let code = amp.stop()?;
    let added = out["connections1"]["addedP50Ms"].as_f64().unwrap_or(f64::NAN);
    Ok(json!({"bench": "tls", "results": out, "exitCodeAfterSigterm": code, "targets": {"httpsAddedP50Ms<=1": added <= 1.0}}))
}

#[allow(clippy::too_many_arguments)]
async fn load_cmd(
    url: &str,
    method: &str,
    headers: &[String],
    body: &str,
    connections: usize,
    seconds: f64,
    signer: Option<sigv4::Signer>,
    ca: Option<&Path>,
) -> anyhow::Result<Value> {
    let uri: http::Uri = url.parse()?;
    let https = uri.scheme_str() == Some("https");
    let host = uri.host().ok_or_else(|| anyhow::anyhow!("URL needs a host"))?;
    let port = uri.port_u16().unwrap_or(if https { 443 } else { 80 });
    let addr = (host, port).to_socket_addrs()?.next().ok_or_else(|| anyhow::anyhow!("cannot resolve {host}"))?;
    let tls = match (https, ca) {
        (true, Some(ca)) => Some(tls_config(ca)?),
        (true, None) => anyhow::bail!("https URLs need --ca"),
        _ => None,
    };
    let target = Target { addr, host: format!("{host}:{port}"), tls };
    let headers = headers
        .iter()
        .map(|h| h.split_once(':').map(|(k, v)| (k.trim().to_string(), v.trim().to_string())).ok_or_else(|| anyhow::anyhow!("bad header {h}")))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let spec = RequestSpec {
        method: method.parse()?,
        path: uri.path_and_query().map_or("/".into(), |p| p.to_string()),
        headers,
        body: bytes::Bytes::from(body.to_string()),
        signer,
    };
    let cfg = LoadConfig { connections, duration: Duration::from_secs_f64(seconds), warmup: Duration::from_millis(300) };
    let r = load::run(&target, &spec, cfg).await;
    Ok(json!({"bench": "load", "url": url, "connections": connections, "result": r.json()}))
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let out = match cli.bench {
        Bench::Lifecycle { bin, runs } => lifecycle(&bin.unwrap_or_else(server::default_binary), runs)?,
        Bench::Health { bin, connections, seconds, rounds } => {
            rt.block_on(health(&bin.unwrap_or_else(server::default_binary), connections, seconds, rounds))?
        }
        Bench::Appsync(args) => rt.block_on(appsync::run(args))?,
        Bench::Dynamodb(args) => rt.block_on(dynamodb::run(args))?,
        Bench::Cognito(args) => rt.block_on(cognito::run(args))?,
        Bench::S3(args) => rt.block_on(s3::run(args))?,
        Bench::Tls { bin, seconds } => rt.block_on(tls(&bin.unwrap_or_else(server::default_binary), seconds))?,
        Bench::Load { url, method, headers, body, connections, seconds, sign, key, secret, region, ca } => {
            let signer = sign.map(|service| sigv4::Signer { key, secret, region, service });
            rt.block_on(load_cmd(&url, &method, &headers, &body, connections, seconds, signer, ca.as_deref()))?
        }
    };
    println!("{}", serde_json::to_string_pretty(&out)?);
    Ok(())
}
