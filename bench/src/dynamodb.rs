//! `amplocal-bench dynamodb`: the DynamoDB data-plane bench of issue #3 in one run.
//!
//! Against a spawned release `amplocal --ephemeral`, dynalite (when `--dynalite DIR` holds
//! `node_modules/dynalite`) and the in-process trivial hyper server (signed 1 KB POSTs), at
//! concurrency 1 and 16: PutItem (1 KB), GetItem, UpdateItem `ADD` with a condition, Query (one
//! page of 100 × 1 KB from a partition of 100), BatchWriteItem (25 × 1 KB). Then, on amplocal
//! only: Query page latency on a 10,000-item table vs a large one (1,000,000 by default, loaded
//! with BatchWriteItem at c16 within `--load-budget` seconds), and VmRSS/VmHWM after loading.
//! Every request of one run repeats the same body (same keys), as the generator sends a fixed
//! request; puts overwrite, updates increment one counter.

use crate::dynamodb_client::{batch_body, bulk_load, item, spec, Client, Dynalite};
use crate::load::{self, LoadConfig, Report, RequestSpec, Target};
use serde_json::{json, Map, Value};
use std::path::PathBuf;
use std::time::Duration;

/// Options of the DynamoDB bench.
#[derive(clap::Args)]
pub struct Args {
    /// amplocal binary (default: next to this one).
    #[arg(long)]
    pub bin: Option<PathBuf>,
    /// Directory where `npm install dynalite` ran; without it the dynalite peer is skipped.
    #[arg(long)]
    pub dynalite: Option<PathBuf>,
    /// Measured seconds per operation and concurrency.
    #[arg(long, default_value_t = 3.0)]
    pub seconds: f64,
    /// Items of the large table for the page-latency and RSS figures.
    #[arg(long, default_value_t = 1_000_000)]
    pub big_items: u64,
    /// Seconds the large-table load may take before it stops (what was loaded is reported).
    #[arg(long, default_value_t = 600.0)]
    pub load_budget: f64,
    /// Skip the large-table part.
    #[arg(long)]
    pub skip_big: bool,
}

const TABLE: &str = "bench";

/// The measured operations: (name, operation, body, items written per request).
fn operations() -> Vec<(&'static str, &'static str, Value, u64)> {
    let key = json!({"pk": {"S": "q"}, "sk": {"S": "050"}});
    vec![
        ("PutItem", "PutItem", json!({"TableName": TABLE, "Item": item("w", "000")}), 1),
        ("GetItem", "GetItem", json!({"TableName": TABLE, "Key": key}), 0),
        (
            "UpdateItemConditional",
            "UpdateItem",
            json!({
                "TableName": TABLE,
                "Key": {"pk": {"S": "u"}, "sk": {"S": "000"}},
                "UpdateExpression": "ADD #n :one",
                "ConditionExpression": "attribute_exists(pk)",
                "ExpressionAttributeNames": {"#n": "n"},
                "ExpressionAttributeValues": {":one": {"N": "1"}},
            }),
            0,
        ),
        (
            "Query100x1KB",
            "Query",
            json!({"TableName": TABLE, "KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": {"S": "q"}}, "Limit": 100}),
            0,
        ),
        ("BatchWriteItem25", "BatchWriteItem", batch_body(TABLE, (0..25).map(|i| item("b", &format!("{i:03}")))), 25),
    ]
}

/// Create the bench table with partition `q` (100 items) and the counter item `u/000`.
async fn setup(target: &Target) -> anyhow::Result<()> {
    let mut c = Client::new(target);
    c.create_table(TABLE).await?;
    for b in 0..4 {
        c.batch_write(batch_body(TABLE, (b * 25..(b + 1) * 25).map(|i| item("q", &format!("{i:03}"))))).await?;
    }
    let mut u = item("u", "000");
    u["n"] = json!({"N": "0"});
    c.ok("PutItem", &json!({"TableName": TABLE, "Item": u})).await?;
    // Check every measured request once, so a broken body shows up as an error, not as speed.
    for (name, op, body, _) in operations() {
        let v = c.ok(op, &body).await.map_err(|e| anyhow::anyhow!("{name}: {e}"))?;
        if op == "Query" {
            anyhow::ensure!(v["Count"] == 100, "Query returned {} items, expected 100", v["Count"]);
        }
    }
    Ok(())
}

fn target(addr: std::net::SocketAddr) -> Target {
    Target { addr, host: format!("localhost:{}", addr.port()), tls: None }
}

fn summary(r: &Report, items_per_req: u64) -> Value {
    let mut j = r.json();
    if items_per_req > 0 {
        j["itemsPerSecond"] = json!((r.rps() * items_per_req as f64).round());
    }
    j
}

/// Measure every operation at c1 and c16 against `t` (server process `pid`, for its CPU time);
/// returns `{op: {c1: .., c16: ..}}`.
async fn measure(t: &Target, pid: u32, seconds: f64) -> Map<String, Value> {
    let pid = pid.to_string();
    let mut out = Map::new();
    for (name, op, body, per) in operations() {
        let mut m = Map::new();
        for c in [1usize, 16] {
            let cfg = LoadConfig { connections: c, duration: Duration::from_secs_f64(seconds), warmup: Duration::from_millis(300) };
            let cpu0 = crate::procstat::cpu_time(&pid);
            let r = load::run(t, &spec(op, &body), cfg).await;
            let cpu = cpu0.zip(crate::procstat::cpu_time(&pid)).map(|(a, b)| b.saturating_sub(a).as_secs_f64());
            let us_per_req = cpu.map(|c| (c * 1e6 / (r.requests.max(1) as f64)).round());
            eprintln!("  {name} c{c}: {:.0} req/s p50 {:.3} ms p99 {:.3} ms non2xx {} server CPU {us_per_req:?} us/req", r.rps(), r.quantile_ms(0.5), r.quantile_ms(0.99), r.non_2xx);
            let mut j = summary(&r, per);
            j["serverCpuSeconds"] = json!(cpu);
            j["serverCpuMicrosPerRequest"] = json!(us_per_req);
            m.insert(format!("c{c}"), j);
        }
        out.insert(name.into(), Value::Object(m));
    }
    out
}

/// `VmRSS` and `VmHWM` of `pid` in MiB.
fn memory_mib(pid: u32) -> Value {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| -> Option<f64> {
        let line = status.lines().find(|l| l.starts_with(name))?;
        let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
        Some((kib / 1024.0 * 10.0).round() / 10.0)
    };
    json!({"VmRSS": field("VmRSS:"), "VmHWM": field("VmHWM:")})
}

/// Query page (100 × 1 KB) latency at c1 on partition `p{part}` of `table`.
async fn page_latency(t: &Target, table: &str, part: u64, seconds: f64) -> Report {
    let body = json!({"TableName": table, "KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": {"S": format!("p{part}")}}, "Limit": 100});
    let cfg = LoadConfig { connections: 1, duration: Duration::from_secs_f64(seconds), warmup: Duration::from_millis(300) };
    load::run(t, &spec("Query", &body), cfg).await
}

/// The large-table part on amplocal: load, page latency 10k vs big, memory.
async fn big_table(t: &Target, pid: u32, args: &Args) -> anyhow::Result<Value> {
    let mut c = Client::new(t);
    c.create_table("t10k").await?;
    c.create_table("tbig").await?;
    let (n10k, s10k) = bulk_load(t, "t10k", 10_000, 16, Duration::from_secs(600)).await?;
    eprintln!("  loaded {n10k} items into t10k in {s10k:.1} s");
    let (nbig, sbig) = bulk_load(t, "tbig", args.big_items, 16, Duration::from_secs_f64(args.load_budget)).await?;
    eprintln!("  loaded {nbig} items into tbig in {sbig:.1} s ({:.0} items/s)", nbig as f64 / sbig.max(1e-9));
    let mem = memory_mib(pid);
    // Same-size pages from the middle of each table; alternate twice to even out noise.
    let (mut small, mut big) = (vec![], vec![]);
    for _ in 0..2 {
        small.push(page_latency(t, "t10k", 50, args.seconds).await);
        big.push(page_latency(t, "tbig", nbig / 200, args.seconds).await);
    }
    let p50 = |v: &[Report]| v.iter().map(|r| r.quantile_ms(0.5)).fold(f64::INFINITY, f64::min);
    let ratio = p50(&big) / p50(&small).max(1e-9);
    let rss = mem["VmRSS"].as_f64().unwrap_or(f64::NAN);
    Ok(json!({
        "loaded10k": {"items": n10k, "seconds": (s10k * 10.0).round() / 10.0},
        "loadedBig": {"items": nbig, "requested": args.big_items, "seconds": (sbig * 10.0).round() / 10.0, "itemsPerSecond": (nbig as f64 / sbig.max(1e-9)).round()},
        "memoryAfterLoadMiB": mem,
        "queryPage10k": small.last().map(Report::json),
        "queryPageBig": big.last().map(Report::json),
        "pageLatencyRatioBigVs10k": (ratio * 1000.0).round() / 1000.0,
        "rssAfterLoadMiB": rss,
        "complete": nbig == args.big_items,
    }))
}

fn rps(v: &Value, op: &str, c: &str) -> f64 {
    v[op][c]["rps"].as_f64().unwrap_or(f64::NAN)
}

/// Run the whole bench and return its JSON document.
pub async fn run(args: Args) -> anyhow::Result<Value> {
    let bin = args.bin.clone().unwrap_or_else(crate::server::default_binary);
    let amp = crate::server::Amplocal::spawn(&bin, &["--ephemeral"])?;
    let at = target(amp.addr);
    if let Err(e) = setup(&at).await {
        let _ = amp.stop();
        return Err(e);
    }
    eprintln!("amplocal ({}):", bin.display());
    let ours = Value::Object(measure(&at, amp.child.id(), args.seconds).await);

    let dynalite = match &args.dynalite {
        None => {
            eprintln!("dynalite: skipped (no --dynalite DIR given)");
            json!({"skipped": "no --dynalite DIR given"})
        }
        Some(dir) => match Dynalite::spawn(dir) {
            Err(e) => {
                eprintln!("dynalite: skipped ({e})");
                json!({"skipped": e.to_string()})
            }
            Ok(d) => {
                let dt = target(d.addr);
                match setup(&dt).await {
                    Err(e) => json!({"error": e.to_string()}),
                    Ok(()) => {
                        eprintln!("dynalite (pid {}):", d.pid());
                        Value::Object(measure(&dt, d.pid(), args.seconds).await)
                    }
                }
            }
        },
    };

    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let base = target(crate::server::start_baseline(threads)?);
    let post: RequestSpec = spec("PutItem", &json!({"TableName": TABLE, "Item": item("w", "000")}));
    let mut trivial = Map::new();
    for c in [1usize, 16] {
        let cfg = LoadConfig { connections: c, duration: Duration::from_secs_f64(args.seconds), warmup: Duration::from_millis(300) };
        let r = load::run(&base, &post, cfg).await;
        eprintln!("trivial signed 1 KB POST c{c}: {:.0} req/s", r.rps());
        trivial.insert(format!("c{c}"), r.json());
    }
    let trivial = Value::Object(trivial);

    let big = if args.skip_big {
        json!({"skipped": "--skip-big"})
    } else {
        eprintln!("large table (amplocal):");
        big_table(&at, amp.child.id(), &args).await.unwrap_or_else(|e| json!({"error": e.to_string()}))
    };
    let exit = amp.stop()?;

    let tr16 = trivial["c16"]["rps"].as_f64().unwrap_or(f64::NAN);
    let r3 = |x: f64| (x * 1000.0).round() / 1000.0;
    let vs_dyn = |op: &str| r3(rps(&ours, op, "c16") / rps(&dynalite, op, "c16"));
    let ratios = json!({
        "PutItem_c16_vs_dynalite": vs_dyn("PutItem"),
        "GetItem_c16_vs_dynalite": vs_dyn("GetItem"),
        "PutItem_c16_vs_trivial": r3(rps(&ours, "PutItem", "c16") / tr16),
        "GetItem_c16_vs_trivial": r3(rps(&ours, "GetItem", "c16") / tr16),
        "Query_c16_vs_dynalite": vs_dyn("Query100x1KB"),
        "BatchWriteItems_c16_vs_dynalite": vs_dyn("BatchWriteItem25"),
        "UpdateItem_c16_vs_dynalite": vs_dyn("UpdateItemConditional"),
        "pageLatencyBigVs10k": big["pageLatencyRatioBigVs10k"].as_f64(),
        "rssAfterLoadMiB": big["rssAfterLoadMiB"].as_f64(),
    });
    let f = |k: &str| ratios[k].as_f64();
    let at_least = |k: &str, t: f64| f(k).map(|x| x >= t);
    let targets = json!({
        "PutItem_c16>=2.5x_dynalite": at_least("PutItem_c16_vs_dynalite", 2.5),
        "GetItem_c16>=2.5x_dynalite": at_least("GetItem_c16_vs_dynalite", 2.5),
        "PutItem_c16>=0.5x_trivial": at_least("PutItem_c16_vs_trivial", 0.5),
        "GetItem_c16>=0.5x_trivial": at_least("GetItem_c16_vs_trivial", 0.5),
        "Query_c16>=4x_dynalite": at_least("Query_c16_vs_dynalite", 4.0),
        "BatchWriteItem_items_c16>=3x_dynalite": at_least("BatchWriteItems_c16_vs_dynalite", 3.0),
        "pageLatency_big<=1.5x_10k": f("pageLatencyBigVs10k").map(|x| x <= 1.5),
        "rssAfterLoad<=64MiB": f("rssAfterLoadMiB").map(|x| x <= 64.0),
        "bigTableComplete": big["complete"].as_bool(),
    });
    eprintln!("ratios: {ratios}");
    eprintln!("targets: {targets}");
    Ok(json!({
        "bench": "dynamodb",
        "secondsPerRun": args.seconds,
        "amplocal": ours,
        "dynalite": dynalite,
        "trivialSigned1KBPost": trivial,
        "largeTable": big,
        "ratios": ratios,
        "targets": targets,
        "exitCodeAfterSigterm": exit,
    }))
}
