//! A minimal signed DynamoDB JSON 1.0 client for bench setup and bulk loading (one keep-alive
//! HTTP/1.1 connection per client), the request bodies the DynamoDB bench sends, and the
//! dynalite peer process (`node <dir>/node_modules/dynalite/cli.js`).

use crate::json_client::{JsonClient, Protocol};
use crate::load::{RequestSpec, Target};
use crate::sigv4::Signer;
use bytes::Bytes;
use serde_json::{json, Value};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The signer every DynamoDB request uses (test/test, us-east-1).
pub fn signer() -> Signer {
    Signer { key: "test".into(), secret: "test".into(), region: "us-east-1".into(), service: "dynamodb".into() }
}

/// A load-generator request for operation `op` with a fixed JSON body.
pub fn spec(op: &str, body: &Value) -> RequestSpec {
    RequestSpec {
        method: http::Method::POST,
        path: "/".into(),
        headers: vec![
            ("content-type".into(), "application/x-amz-json-1.0".into()),
            ("x-amz-target".into(), format!("DynamoDB_20120810.{op}")),
        ],
        body: Bytes::from(body.to_string()),
        signer: Some(signer()),
    }
}

/// A 1 KB item: `pk`, `sk` and a `data` string padding the whole item to ~1,024 bytes.
pub fn item(pk: &str, sk: &str) -> Value {
    let pad = 1024usize.saturating_sub(pk.len() + sk.len() + 2 + 2 + 4);
    json!({"pk": {"S": pk}, "sk": {"S": sk}, "data": {"S": "x".repeat(pad)}})
}

/// A BatchWriteItem body putting `items` into `table`.
pub fn batch_body(table: &str, items: impl IntoIterator<Item = Value>) -> Value {
    let reqs: Vec<Value> = items.into_iter().map(|i| json!({"PutRequest": {"Item": i}})).collect();
    json!({"RequestItems": {table: reqs}})
}

/// The DynamoDB flavour of the JSON protocol.
const DYNAMODB: Protocol = Protocol { content_type: "application/x-amz-json-1.0", target_prefix: "DynamoDB_20120810" };

/// One keep-alive connection sending signed DynamoDB calls.
pub struct Client {
    inner: JsonClient,
}

impl Client {
    /// A client for `target` (connects lazily).
    pub fn new(target: &Target) -> Self {
        Self { inner: JsonClient::new(target, DYNAMODB) }
    }

    /// Call `op` with `body`; returns the status and the parsed JSON answer. A connection the
    /// server closed is reopened once.
    pub async fn call(&mut self, op: &str, body: &Value) -> anyhow::Result<(u16, Value)> {
        let signer = signer();
        match self.inner.call_once(op, body, Some(&signer)).await {
            Ok(r) => Ok(r),
            Err(_) => self.inner.call_once(op, body, Some(&signer)).await,
        }
    }

    /// Call and fail unless 200.
    pub async fn ok(&mut self, op: &str, body: &Value) -> anyhow::Result<Value> {
        let (status, v) = self.call(op, body).await?;
        anyhow::ensure!(status == 200, "{op} answered {status}: {v}");
        Ok(v)
    }

    /// CreateTable (`pk` S hash, `sk` S range, on-demand) and wait until ACTIVE.
    pub async fn create_table(&mut self, name: &str) -> anyhow::Result<()> {
        self.ok(
            "CreateTable",
            &json!({
                "TableName": name,
                "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
                "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "S"}],
                "BillingMode": "PAY_PER_REQUEST",
            }),
        )
        .await?;
        let t0 = Instant::now();
        loop {
            let d = self.ok("DescribeTable", &json!({"TableName": name})).await?;
            if d["Table"]["TableStatus"] == "ACTIVE" {
                return Ok(());
            }
            anyhow::ensure!(t0.elapsed() < Duration::from_secs(30), "table {name} not ACTIVE after 30 s");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// BatchWriteItem, resending unprocessed items until none are left; returns resends.
    pub async fn batch_write(&mut self, body: Value) -> anyhow::Result<u64> {
        let mut body = body;
        let mut resends = 0;
        for _ in 0..100 {
            let v = self.ok("BatchWriteItem", &body).await?;
            match v.get("UnprocessedItems").and_then(Value::as_object) {
                Some(u) if !u.is_empty() => {
                    resends += 1;
                    body = json!({"RequestItems": v["UnprocessedItems"].clone()});
                }
                _ => return Ok(resends),
            }
        }
        anyhow::bail!("BatchWriteItem kept returning UnprocessedItems")
    }
}

/// Load `total` 1 KB items into `table` as partitions of 100 (`p{n}`, sort keys `000`..`099`)
/// with BatchWriteItem (25) from `concurrency` connections, stopping early after `budget`.
/// Returns the items loaded and the seconds taken.
pub async fn bulk_load(target: &Target, table: &str, total: u64, concurrency: usize, budget: Duration) -> anyhow::Result<(u64, f64)> {
    let next = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let batches = total.div_ceil(25);
    let t0 = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..concurrency.max(1) {
        let (next, target, table) = (next.clone(), target.clone(), table.to_string());
        tasks.push(tokio::spawn(async move {
            let mut c = Client::new(&target);
            let mut done = 0u64;
            loop {
                let b = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if b >= batches || t0.elapsed() > budget {
                    return Ok::<u64, anyhow::Error>(done);
                }
                let items = (b * 25..((b + 1) * 25).min(total)).map(|i| item(&format!("p{}", i / 100), &format!("{:03}", i % 100)));
                c.batch_write(batch_body(&table, items)).await?;
                done += (b * 25..((b + 1) * 25).min(total)).count() as u64;
            }
        }));
    }
    let mut loaded = 0;
    for t in tasks {
        loaded += t.await??;
    }
    Ok((loaded, t0.elapsed().as_secs_f64()))
}

/// A running dynalite (in-memory, tables ACTIVE at once).
pub struct Dynalite {
    child: Child,
    /// Where it listens.
    pub addr: SocketAddr,
}

impl Dynalite {
    /// Start `node <dir>/node_modules/dynalite/cli.js` on a free port; wait until it accepts.
    pub fn spawn(dir: &Path) -> anyhow::Result<Self> {
        let cli = dir.join("node_modules").join("dynalite").join("cli.js");
        anyhow::ensure!(cli.is_file(), "{} not found (run `npm install dynalite` in {})", cli.display(), dir.display());
        let port = crate::server::free_port()?;
        let child = Command::new("node")
            .arg(&cli)
            .args(["--port", &port.to_string(), "--createTableMs", "0", "--deleteTableMs", "0", "--updateTableMs", "0"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?;
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let d = Self { child, addr };
        let t0 = Instant::now();
        while std::net::TcpStream::connect_timeout(&addr, Duration::from_millis(100)).is_err() {
            anyhow::ensure!(t0.elapsed() < Duration::from_secs(15), "dynalite did not listen within 15 s");
            std::thread::sleep(Duration::from_millis(20));
        }
        Ok(d)
    }

    /// Node's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Dynalite {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
