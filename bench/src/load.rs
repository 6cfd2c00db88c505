//! The load generator: N keep-alive HTTP/1.1 connections (plain or TLS) each sending one request
//! at a time for a fixed duration, optionally SigV4-signed per request. Reports requests/s,
//! latency percentiles (exact, from every sample), errors, and the CPU time the generator itself
//! used (so a run that saturates the generator rather than the server is visible).

use crate::procstat;
use crate::sigv4::Signer;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use serde_json::{json, Value};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::net::TcpStream;

/// Where to send requests.
#[derive(Clone)]
pub struct Target {
    /// Socket address to connect to.
    pub addr: SocketAddr,
    /// `Host` header / TLS server name.
    pub host: String,
    /// TLS client config when the target is HTTPS.
    pub tls: Option<Arc<rustls::ClientConfig>>,
}

/// What to send.
#[derive(Clone, Debug)]
pub struct RequestSpec {
    /// HTTP method.
    pub method: http::Method,
    /// Path and query.
    pub path: String,
    /// Extra headers.
    pub headers: Vec<(String, String)>,
    /// Body (same for every request).
    pub body: Bytes,
    /// Sign every request with SigV4.
    pub signer: Option<Signer>,
}

impl RequestSpec {
    /// A plain GET.
    pub fn get(path: &str) -> Self {
        Self { method: http::Method::GET, path: path.into(), headers: vec![], body: Bytes::new(), signer: None }
    }
}

/// How much load.
#[derive(Clone, Copy, Debug)]
pub struct LoadConfig {
    /// Concurrent keep-alive connections.
    pub connections: usize,
    /// Measured duration.
    pub duration: Duration,
    /// Unmeasured warm-up before it.
    pub warmup: Duration,
}

/// The result of one run.
#[derive(Debug, Clone)]
pub struct Report {
    /// Successful (2xx-5xx answered) requests in the measured window.
    pub requests: u64,
    /// Transport errors (connect, send, read) in the measured window.
    pub errors: u64,
    /// Non-2xx answers.
    pub non_2xx: u64,
    /// Measured wall time.
    pub elapsed: Duration,
    /// Latency samples in microseconds, sorted.
    pub latencies_us: Vec<u32>,
    /// CPU the generator process used during the window.
    pub generator_cpu: Option<Duration>,
}

impl Report {
    /// Requests per second.
    pub fn rps(&self) -> f64 {
        self.requests as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }

    /// The `q`-quantile latency in milliseconds.
    pub fn quantile_ms(&self, q: f64) -> f64 {
        if self.latencies_us.is_empty() {
            return f64::NAN;
        }
        let idx = ((self.latencies_us.len() - 1) as f64 * q).round() as usize;
        f64::from(self.latencies_us[idx.min(self.latencies_us.len() - 1)]) / 1000.0
    }

    /// JSON summary.
    pub fn json(&self) -> Value {
        let r3 = |x: f64| (x * 1000.0).round() / 1000.0;
        json!({
            "requests": self.requests,
            "errors": self.errors,
            "non2xx": self.non_2xx,
            "seconds": r3(self.elapsed.as_secs_f64()),
            "rps": self.rps().round(),
            "latencyMs": {
                "p50": r3(self.quantile_ms(0.50)),
                "p90": r3(self.quantile_ms(0.90)),
                "p99": r3(self.quantile_ms(0.99)),
                "max": r3(self.quantile_ms(1.0)),
            },
            "generatorCpuSeconds": self.generator_cpu.map(|d| r3(d.as_secs_f64())),
        })
    }
}

type Sender = hyper::client::conn::http1::SendRequest<Full<Bytes>>;

async fn connect(target: &Target) -> anyhow::Result<Sender> {
    let tcp = TcpStream::connect(target.addr).await?;
    tcp.set_nodelay(true)?;
    if let Some(cfg) = &target.tls {
        let name = rustls::pki_types::ServerName::try_from(target.host.split(':').next().unwrap_or_default().to_string())?;
        let tls = tokio_rustls::TlsConnector::from(cfg.clone()).connect(name, tcp).await?;
        let (send, conn) = hyper::client::conn::http1::handshake(TokioIo::new(tls)).await?;
        tokio::spawn(conn);
        Ok(send)
    } else {
        let (send, conn) = hyper::client::conn::http1::handshake(TokioIo::new(tcp)).await?;
        tokio::spawn(conn);
        Ok(send)
    }
}

fn build(target: &Target, spec: &RequestSpec) -> anyhow::Result<http::Request<Full<Bytes>>> {
    let scheme = if target.tls.is_some() { "https" } else { "http" };
    let mut req = http::Request::builder().method(spec.method.clone()).uri(format!("{scheme}://{}{}", target.host, spec.path));
    req = req.header(http::header::HOST, &target.host);
    for (k, v) in &spec.headers {
        req = req.header(k, v);
    }
    let mut req = req.body(spec.body.clone())?;
    if let Some(s) = &spec.signer {
        s.sign(&mut req)?;
    }
    // Send origin-form, as SDKs do.
    let path: http::Uri = spec.path.parse()?;
    *req.uri_mut() = path;
    Ok(req.map(Full::new))
}

struct Worker {
    latencies: Vec<u32>,
    requests: u64,
    errors: u64,
    non_2xx: u64,
}

async fn worker(target: Target, spec: RequestSpec, start: Instant, end: Instant) -> Worker {
    let mut w = Worker { latencies: Vec::with_capacity(64 * 1024), requests: 0, errors: 0, non_2xx: 0 };
    let mut conn: Option<Sender> = None;
    while Instant::now() < end {
        let send = match conn.as_mut() {
            Some(s) => s,
            None => match connect(&target).await {
                Ok(s) => conn.insert(s),
                Err(_) => {
                    w.errors += 1;
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            },
        };
        let Ok(req) = build(&target, &spec) else {
            w.errors += 1;
            break;
        };
        let t0 = Instant::now();
        let res = async {
            let resp = send.send_request(req).await?;
            let status = resp.status();
            resp.into_body().collect().await?;
            Ok::<_, hyper::Error>(status)
        }
        .await;
        let measured = t0 >= start;
        match res {
            Ok(status) => {
                if measured {
                    w.requests += 1;
                    w.latencies.push(t0.elapsed().as_micros().min(u128::from(u32::MAX)) as u32);
                    if !status.is_success() {
                        w.non_2xx += 1;
                    }
                }
            }
            Err(_) => {
                if measured {
                    w.errors += 1;
                }
                conn = None;
            }
        }
    }
    w
}

/// Run `cfg.connections` workers against `target` and report.
pub async fn run(target: &Target, spec: &RequestSpec, cfg: LoadConfig) -> Report {
    let start = Instant::now() + cfg.warmup;
    let end = start + cfg.duration;
    let handles: Vec<_> = (0..cfg.connections.max(1)).map(|_| tokio::spawn(worker(target.clone(), spec.clone(), start, end))).collect();
    tokio::time::sleep_until(start.into()).await;
    let cpu0 = procstat::cpu_time("self");
    let mut report = Report { requests: 0, errors: 0, non_2xx: 0, elapsed: Duration::ZERO, latencies_us: vec![], generator_cpu: None };
    for h in handles {
        if let Ok(w) = h.await {
            report.requests += w.requests;
            report.errors += w.errors;
            report.non_2xx += w.non_2xx;
            report.latencies_us.extend(w.latencies);
        }
    }
    report.elapsed = Instant::now().saturating_duration_since(start).min(cfg.duration + Duration::from_millis(500));
    report.generator_cpu = match (cpu0, procstat::cpu_time("self")) {
        (Some(a), Some(b)) => Some(b.saturating_sub(a)),
        _ => None,
    };
    report.latencies_us.sort_unstable();
    report
}
