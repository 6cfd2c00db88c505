//! `amplocal-bench s3`: the S3 bench of issue #4 in one run.
//!
//! Against a spawned release `amplocal` (data dir under `--data-root`) and s3rver (when
//! `--s3rver DIR` holds `node_modules/s3rver`), same generator, same machine:
//! - PutObject and GetObject of 4 KiB at concurrency 1 and 16 (fixed key; PUT signed with the
//!   real payload hash plus an `x-amz-checksum-crc32` header, GET with checksum mode, like SDKs);
//! - PutObject and GetObject of 64 MiB (MiB/s, best and median of `--rounds`; the PUT sends
//!   `UNSIGNED-PAYLOAD` with an `x-amz-checksum-crc32` header, the server work of botocore or
//!   the CLI over https and of presigned PUTs), each round followed by `dd` write+fsync of
//!   64 MiB in the same directory and `openssl dgst -md5` of 64 MiB (the MD5 ETag every PUT
//!   computes bounds it), so per-round ratios compare figures taken under the same load; the
//!   server's CPU per PUT; raw loopback TCP throughput and `md5sum`;
//! - ListObjectsV2 page of 1000 at c1 over 10,000 keys (both servers) and over
//!   `--big-keys` (1,000,000 by default, amplocal only: loading a peer that far takes hours);
//! - VmRSS/VmHWM of a fresh amplocal during one `--upload-gib` (5) GiB PutObject.

mod large;

use crate::load::{self, LoadConfig, Report, Target};
use large::{large_ops, loopback_rounds, md5_rounds};
use crate::s3_client::{bulk_put, get_spec, put_spec, Client, Creds, Repeat, S3rver};
use bytes::Bytes;
use http_body_util::Full;
use serde_json::{json, Map, Value};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Options of the S3 bench.
#[derive(clap::Args)]
pub struct Args {
    /// amplocal binary (default: next to this one).
    #[arg(long)]
    pub bin: Option<PathBuf>,
    /// Directory where `npm install s3rver` ran; without it the peer is skipped.
    #[arg(long)]
    pub s3rver: Option<PathBuf>,
    /// Directory for the servers' data and the `dd` file (default: the system temp dir).
    #[arg(long)]
    pub data_root: Option<PathBuf>,
    /// Measured seconds per small-object operation and concurrency.
    #[arg(long, default_value_t = 3.0)]
    pub seconds: f64,
    /// Rounds of each 64 MiB transfer, dd and loopback.
    #[arg(long, default_value_t = 3)]
    pub rounds: usize,
    /// Keys of the large listing bucket (0 skips it).
    #[arg(long, default_value_t = 1_000_000)]
    pub big_keys: u64,
    /// Seconds the large bucket's load may take before it stops (what was loaded is reported).
    #[arg(long, default_value_t = 900.0)]
    pub load_budget: f64,
    /// GiB of the streamed upload whose server memory is sampled (0 skips it).
    #[arg(long, default_value_t = 5)]
    pub upload_gib: u64,
    /// Only the 64 MiB PUT/GET rounds next to dd, loopback and MD5 (for iterating on them).
    #[arg(long)]
    pub large_only: bool,
}

const MIB: u64 = 1 << 20;
const LARGE: u64 = 64 * MIB;

fn target(addr: std::net::SocketAddr) -> Target {
    Target { addr, host: format!("localhost:{}", addr.port()), tls: None }
}

fn r3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

fn median(v: &[f64]) -> f64 {
    let mut v = v.to_vec();
    v.sort_by(f64::total_cmp);
    if v.is_empty() {
        return f64::NAN;
    }
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

fn mibs(all: &[f64]) -> Value {
    json!({"median": r3(median(all)), "best": r3(all.iter().copied().fold(0.0, f64::max)), "all": all.iter().map(|x| r3(*x)).collect::<Vec<_>>()})
}

/// Bucket `bench` with `small-get` (4 KiB) and `large-get` (64 MiB) in place.
async fn setup(t: &Target, creds: &Creds, large: &Bytes) -> anyhow::Result<()> {
    let mut c = Client::new(t, creds);
    c.ok("PUT", "/bench", Bytes::new()).await?;
    c.ok("PUT", "/bench/small-get", Bytes::from(vec![b'g'; 4096])).await?;
    let a = c.send("PUT", "/bench/large-get", &[], Full::new(large.clone()), None).await?;
    anyhow::ensure!(a.status == 200, "64 MiB PUT answered {}", a.status);
    let a = c.send("GET", "/bench/large-get", &[], Full::new(Bytes::new()), Some(b"")).await?;
    anyhow::ensure!(a.status == 200 && a.len == LARGE, "64 MiB GET answered {} with {} bytes", a.status, a.len);
    Ok(())
}

/// 4 KiB PUT and GET at c1 and c16: `{op: {c1, c16}}` with server CPU per request.
async fn small_ops(t: &Target, creds: &Creds, pid: u32, seconds: f64) -> Map<String, Value> {
    let pid = pid.to_string();
    let body = Bytes::from(vec![b'p'; 4096]);
    let specs = [("PutObject4KiB", put_spec(creds, "/bench/small-put", body)), ("GetObject4KiB", get_spec(creds, "/bench/small-get"))];
    let mut out = Map::new();
    for (name, spec) in specs {
        let mut m = Map::new();
        for c in [1usize, 16] {
            let cfg = LoadConfig { connections: c, duration: Duration::from_secs_f64(seconds), warmup: Duration::from_millis(300) };
            let cpu0 = crate::procstat::cpu_time(&pid);
            let r = load::run(t, &spec, cfg).await;
            let cpu = cpu0.zip(crate::procstat::cpu_time(&pid)).map(|(a, b)| b.saturating_sub(a).as_secs_f64());
            let us = cpu.map(|c| (c * 1e6 / r.requests.max(1) as f64).round());
            eprintln!("  {name} c{c}: {:.0} req/s p50 {:.3} ms p99 {:.3} ms non2xx {} server CPU {us:?} us/req", r.rps(), r.quantile_ms(0.5), r.quantile_ms(0.99), r.non_2xx);
            let mut j = r.json();
            j["serverCpuMicrosPerRequest"] = json!(us);
            m.insert(format!("c{c}"), j);
        }
        out.insert(name.into(), Value::Object(m));
    }
    out
}

/// ListObjectsV2 page of 1000 at c1: first page, and (when `mid` is given) from `start-after`.
async fn list_page(t: &Target, creds: &Creds, bucket: &str, mid: Option<&str>, seconds: f64) -> Report {
    let path = match mid {
        Some(m) => format!("/{bucket}?list-type=2&max-keys=1000&start-after={m}"),
        None => format!("/{bucket}?list-type=2&max-keys=1000"),
    };
    let spec = crate::load::RequestSpec { method: http::Method::GET, path, headers: vec![], body: Bytes::new(), signer: Some(creds.signer()) };
    let cfg = LoadConfig { connections: 1, duration: Duration::from_secs_f64(seconds), warmup: Duration::from_millis(200) };
    load::run(t, &spec, cfg).await
}

/// Load `n` keys `k/00000000…` into a new bucket and time page listing over it.
async fn listing(t: &Target, creds: &Creds, bucket: &str, n: u64, budget: f64, seconds: f64) -> anyhow::Result<(u64, f64, Report, Report)> {
    Client::new(t, creds).ok("PUT", &format!("/{bucket}"), Bytes::new()).await?;
    let (loaded, secs) = bulk_put(t, creds, bucket, "k/", n, 16, Duration::from_secs_f64(budget)).await?;
    eprintln!("  loaded {loaded} keys into {bucket} in {secs:.1} s ({:.0}/s)", loaded as f64 / secs.max(1e-9));
    let mid = format!("k%2F{:08}", loaded / 2);
    let first = list_page(t, creds, bucket, None, seconds).await;
    let middle = list_page(t, creds, bucket, Some(&mid), seconds).await;
    eprintln!("  ListObjectsV2 page of 1000 over {loaded}: first p50 {:.3} ms, middle p50 {:.3} ms", first.quantile_ms(0.5), middle.quantile_ms(0.5));
    Ok((loaded, secs, first, middle))
}

/// VmRSS and VmHWM of `pid` in MiB.
fn memory_mib(pid: u32) -> (f64, f64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| -> f64 {
        status.lines().find(|l| l.starts_with(name)).and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok()).map_or(f64::NAN, |k| r3(k / 1024.0))
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// A fresh amplocal receives one streamed `gib` GiB PUT; server memory is sampled every 20 ms.
async fn big_upload(bin: &Path, data_root: &Path, gib: u64) -> anyhow::Result<Value> {
    let dir = tempfile::tempdir_in(data_root)?;
    let amp = crate::server::Amplocal::spawn(bin, &["--data-dir", &dir.path().display().to_string()])?;
    let pid = amp.child.id();
    let t = target(amp.addr);
    let creds = Creds { key: "test".into(), secret: "test".into() };
    let mut c = Client::new(&t, &creds);
    c.ok("PUT", "/big", Bytes::new()).await?;
    let (idle_rss, _) = memory_mib(pid);
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let d2 = done.clone();
    let sampler = tokio::spawn(async move {
        let mut peak = 0f64;
        while !d2.load(std::sync::atomic::Ordering::Relaxed) {
            peak = peak.max(memory_mib(pid).0);
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        peak
    });
    let total = gib * 1024 * MIB;
    let t0 = Instant::now();
    let res = c.send("PUT", "/big/five", &[("content-length", total.to_string())], Repeat::new(Bytes::from(vec![b'z'; MIB as usize]), total), None).await;
    let secs = t0.elapsed().as_secs_f64();
    done.store(true, std::sync::atomic::Ordering::Relaxed);
    let peak = sampler.await.unwrap_or(f64::NAN);
    let (rss, hwm) = memory_mib(pid);
    let head = c.send("HEAD", "/big/five", &[], Full::new(Bytes::new()), Some(b"")).await.map(|a| a.status).unwrap_or(0);
    let exit = amp.stop()?;
    let a = res?;
    anyhow::ensure!(a.status == 200 && head == 200, "big PUT answered {} (HEAD {head})", a.status);
    eprintln!("  {gib} GiB PUT in {secs:.1} s; server RSS idle {idle_rss} MiB, sampled peak {peak} MiB, VmHWM {hwm} MiB");
    Ok(json!({"gib": gib, "seconds": r3(secs), "MiBps": r3(total as f64 / MIB as f64 / secs), "idleRssMiB": idle_rss, "sampledPeakRssMiB": peak, "rssAfterMiB": rss, "vmHwmMiB": hwm, "exitCodeAfterSigterm": exit}))
}

/// Run the whole bench and return its JSON document.
pub async fn run(args: Args) -> anyhow::Result<Value> {
    let bin = args.bin.clone().unwrap_or_else(crate::server::default_binary);
    let root = args.data_root.clone().unwrap_or_else(std::env::temp_dir);
    let large = Bytes::from((0..LARGE).map(|i| (i % 251) as u8).collect::<Vec<u8>>());
    let ours_creds = Creds { key: "test".into(), secret: "test".into() };
    let dir = tempfile::tempdir_in(&root)?;
    let amp = crate::server::Amplocal::spawn(&bin, &["--data-dir", &dir.path().display().to_string()])?;
    let at = target(amp.addr);
    if let Err(e) = setup(&at, &ours_creds, &large).await {
        let _ = amp.stop();
        return Err(e);
    }
    eprintln!("amplocal ({}):", bin.display());
    let mut ours = if args.large_only { Map::new() } else { small_ops(&at, &ours_creds, amp.child.id(), args.seconds).await };
    let rounds = large_ops(&at, &ours_creds, &large, args.rounds, Some((amp.child.id(), root.as_path()))).await?;
    let large_ours = rounds.json();
    let dd = rounds.dd.clone();
    let lo = loopback_rounds(args.rounds).await?;
    let md5 = md5_rounds(&root, args.rounds, "md5sum", &[])?.unwrap_or_default();
    let ossl = rounds.ossl.clone();
    eprintln!(
        "  dd write+fsync 64 MiB: {:.0} MiB/s; loopback TCP: {:.0} MiB/s; md5sum: {:.0} MiB/s; openssl md5: {:.0} MiB/s (medians)",
        median(&dd),
        median(&lo),
        median(&md5),
        median(&ossl)
    );
    if args.large_only {
        let exit = amp.stop()?;
        let put = large_ours["PutObject64MiB_MiBps"]["median"].as_f64().unwrap_or(f64::NAN);
        let figures = json!({
            "paired": large_ours["pairedMedian"],
            "serverCpuMsPer64MiBPut": large_ours["serverCpuMsPer64MiBPut"],
            "PutObject64MiB_vs_dd": r3(put / median(&dd)),
            "PutObject64MiB_vs_opensslMd5": r3(put / median(&ossl)),
            "opensslMd5_vs_dd": r3(median(&ossl) / median(&dd)),
        });
        eprintln!("figures: {figures}");
        return Ok(json!({"bench": "s3", "largeOnly": true, "large": large_ours, "ddWriteFsync64MiB_MiBps": mibs(&dd), "loopbackTcp64MiB_MiBps": mibs(&lo), "md5sum64MiB_MiBps": mibs(&md5), "opensslMd5_64MiB_MiBps": mibs(&ossl), "figures": figures, "exitCodeAfterSigterm": exit}));
    }
    let (n10k, s10k, first10k, mid10k) = listing(&at, &ours_creds, "list10k", 10_000, 600.0, args.seconds).await?;
    let big = if args.big_keys == 0 {
        None
    } else {
        Some(listing(&at, &ours_creds, "listbig", args.big_keys, args.load_budget, args.seconds).await?)
    };
    // the 10k pages again, after the big load, so both sizes are measured on the same database
    let first10k_again = list_page(&at, &ours_creds, "list10k", None, args.seconds).await;
    let (rss, hwm) = memory_mib(amp.child.id());
    let exit = amp.stop()?;
    ours.insert("large".into(), large_ours);
    ours.insert("list10k".into(), json!({"keys": n10k, "loadSeconds": r3(s10k), "firstPage": first10k.json(), "middlePage": mid10k.json(), "firstPageAfterBigLoad": first10k_again.json()}));
    if let Some((n, s, f, m)) = &big {
        ours.insert("listBig".into(), json!({"keys": n, "requested": args.big_keys, "loadSeconds": r3(*s), "putsPerSecond": (*n as f64 / s.max(1e-9)).round(), "firstPage": f.json(), "middlePage": m.json()}));
    }
    ours.insert("memoryAfterMiB".into(), json!({"VmRSS": rss, "VmHWM": hwm}));

    let peer = match &args.s3rver {
        None => json!({"skipped": "no --s3rver DIR given"}),
        Some(d) => match S3rver::spawn(d, &root) {
            Err(e) => json!({"skipped": e.to_string()}),
            Ok(s) => {
                let pt = target(s.addr);
                let creds = Creds { key: "S3RVER".into(), secret: "S3RVER".into() };
                eprintln!("s3rver (pid {}):", s.pid());
                match setup(&pt, &creds, &large).await {
                    Err(e) => json!({"error": e.to_string()}),
                    Ok(()) => {
                        let mut m = small_ops(&pt, &creds, s.pid(), args.seconds).await;
                        m.insert("large".into(), large_ops(&pt, &creds, &large, args.rounds, None).await.map_or_else(|e| json!({"error": e.to_string()}), |r| r.json()));
                        match listing(&pt, &creds, "list10k", 10_000, 600.0, args.seconds).await {
                            Ok((n, s, f, mid)) => m.insert("list10k".into(), json!({"keys": n, "loadSeconds": r3(s), "firstPage": f.json(), "middlePage": mid.json()})),
                            Err(e) => m.insert("list10k".into(), json!({"error": e.to_string()})),
                        };
                        Value::Object(m)
                    }
                }
            }
        },
    };
    let upload = if args.upload_gib == 0 {
        json!({"skipped": "--upload-gib 0"})
    } else {
        eprintln!("streamed upload (fresh amplocal):");
        big_upload(&bin, &root, args.upload_gib).await.unwrap_or_else(|e| json!({"error": e.to_string()}))
    };

    let ours = Value::Object(ours);
    let rps = |v: &Value, op: &str, c: &str| v[op][c]["rps"].as_f64();
    let p50 = |v: &Value, k: &str, page: &str| v[k][page]["latencyMs"]["p50"].as_f64();
    let ratio = |a: Option<f64>, b: Option<f64>| a.zip(b).map(|(a, b)| r3(a / b.max(1e-9)));
    let put_mibs = ours["large"]["PutObject64MiB_MiBps"]["median"].as_f64();
    let get_mibs = ours["large"]["GetObject64MiB_MiBps"]["median"].as_f64();
    let figures = json!({
        "PutObject4KiB_c16_vs_s3rver": ratio(rps(&ours, "PutObject4KiB", "c16"), rps(&peer, "PutObject4KiB", "c16")),
        "GetObject4KiB_c16_vs_s3rver": ratio(rps(&ours, "GetObject4KiB", "c16"), rps(&peer, "GetObject4KiB", "c16")),
        "PutObject64MiB_vs_dd": ratio(put_mibs, Some(median(&dd))),
        "GetObject64MiB_vs_loopback": ratio(get_mibs, Some(median(&lo))),
        "PutObject64MiB_vs_md5sum": ratio(put_mibs, Some(median(&md5))),
        "PutObject64MiB_vs_opensslMd5": ratio(put_mibs, Some(median(&ossl))),
        // the PUT >= 0.5x dd target is reachable at all only when this is >= 0.5: the body's
        // MD5 (the ETag) alone must run at half of dd's speed or better
        "opensslMd5_vs_dd": ratio(Some(median(&ossl)), Some(median(&dd))),
        // the same three, as medians of per-round ratios (dd and MD5 timed right after each PUT)
        "paired": ours["large"]["pairedMedian"],
        "serverCpuMsPer64MiBPut": ours["large"]["serverCpuMsPer64MiBPut"],
        "listPage10k_middle_p50_ms": p50(&ours, "list10k", "middlePage"),
        "listPageBig_middle_p50_ms": p50(&ours, "listBig", "middlePage"),
        "listPageBig_vs_10k": ratio(p50(&ours, "listBig", "middlePage"), p50(&ours, "list10k", "middlePage")),
        "s3rver_listPage10k_p50_ms": p50(&peer, "list10k", "firstPage"),
        "uploadPeakRssMiB": upload["sampledPeakRssMiB"].as_f64(),
    });
    let f = |k: &str| figures[k].as_f64();
    let targets = json!({
        "PutObject4KiB_c16>=10x_s3rver": f("PutObject4KiB_c16_vs_s3rver").map(|x| x >= 10.0),
        "GetObject4KiB_c16>=10x_s3rver": f("GetObject4KiB_c16_vs_s3rver").map(|x| x >= 10.0),
        "PutObject4KiB_c16>=10k/s": rps(&ours, "PutObject4KiB", "c16").map(|x| x >= 10_000.0),
        "GetObject4KiB_c16>=10k/s": rps(&ours, "GetObject4KiB", "c16").map(|x| x >= 10_000.0),
        "PutObject64MiB>=0.5x_dd": f("PutObject64MiB_vs_dd").map(|x| x >= 0.5),
        "GetObject64MiB>=0.4x_loopback": f("GetObject64MiB_vs_loopback").map(|x| x >= 0.4),
        "listPage10k<=5ms": f("listPage10k_middle_p50_ms").map(|x| x <= 5.0),
        "listPageBig<=5ms": f("listPageBig_middle_p50_ms").map(|x| x <= 5.0),
        "listPageBig<=1.5x_10k": f("listPageBig_vs_10k").map(|x| x <= 1.5),
        "bigListComplete": ours["listBig"]["keys"].as_u64().map(|n| n == args.big_keys),
        "uploadRss<=64MiB": f("uploadPeakRssMiB").map(|x| x <= 64.0),
    });
    eprintln!("figures: {figures}");
    eprintln!("targets: {targets}");
    Ok(json!({
        "bench": "s3",
        "secondsPerRun": args.seconds,
        "amplocal": ours,
        "s3rver": peer,
        "ddWriteFsync64MiB_MiBps": mibs(&dd),
        "loopbackTcp64MiB_MiBps": mibs(&lo),
        "md5sum64MiB_MiBps": mibs(&md5),
        "opensslMd5_64MiB_MiBps": mibs(&ossl),
        "streamedUpload": upload,
        "figures": figures,
        "targets": targets,
        "exitCodeAfterSigterm": exit,
    }))
}
