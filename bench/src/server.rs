//! Processes and servers the benches measure: the amplocal release binary spawned on a free
//! port, and the trivial hyper server used as the "same generator, same machine" baseline.

use bytes::Bytes;
use http_body_util::Full;
use hyper_util::rt::TokioIo;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The amplocal binary next to this bench binary (both in `target/release`), unless given.
pub fn default_binary() -> PathBuf {
    std::env::current_exe()
        .ok()
        .and_then(|p| p.parent().map(|d| d.join("amplocal")))
        .unwrap_or_else(|| PathBuf::from("target/release/amplocal"))
}

/// A loopback port nobody listens on right now.
pub fn free_port() -> std::io::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// One blocking `GET /_amplocal/health`; true on 200.
pub fn health_ok(addr: SocketAddr) -> bool {
    let Ok(mut s) = TcpStream::connect_timeout(&addr, Duration::from_millis(200)) else { return false };
    let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
    if s.write_all(b"GET /_amplocal/health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n").is_err() {
        return false;
    }
    let mut buf = [0u8; 16];
    let mut n = 0;
    while n < 12 {
        match s.read(&mut buf[n..]) {
            Ok(0) | Err(_) => break,
            Ok(r) => n += r,
        }
    }
    buf[..n].starts_with(b"HTTP/1.1 200")
}

/// A running amplocal child.
pub struct Amplocal {
    /// The child process.
    pub child: Child,
    /// Where it listens.
    pub addr: SocketAddr,
    /// Time from spawn to the first 200 from the health endpoint.
    pub ready_after: Duration,
}

impl Amplocal {
    /// Spawn `bin` on a free port with `args` and wait (up to 10 s) for a healthy answer.
    pub fn spawn(bin: &Path, args: &[&str]) -> anyhow::Result<Self> {
        let port = free_port()?;
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let t0 = Instant::now();
        let mut child = Command::new(bin)
            .args(args)
            .arg("--listen")
            .arg(addr.to_string())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| anyhow::anyhow!("{}: {e}", bin.display()))?;
        while !health_ok(addr) {
            if t0.elapsed() > Duration::from_secs(10) {
                let _ = child.kill();
                anyhow::bail!("amplocal did not become healthy within 10 s");
            }
            if let Some(st) = child.try_wait()? {
                anyhow::bail!("amplocal exited early: {st}");
            }
            std::thread::sleep(Duration::from_micros(200));
        }
        Ok(Self { child, addr, ready_after: t0.elapsed() })
    }

    /// SIGTERM, then wait; returns the exit code.
    pub fn stop(mut self) -> anyhow::Result<Option<i32>> {
        let _ = Command::new("kill").arg("-TERM").arg(self.child.id().to_string()).status();
        let t0 = Instant::now();
        loop {
            if let Some(st) = self.child.try_wait()? {
                return Ok(st.code());
            }
            if t0.elapsed() > Duration::from_secs(15) {
                let _ = self.child.kill();
                return Ok(None);
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }
}

/// Start the trivial baseline server (hyper HTTP/1.1, fixed small JSON body) on its own
/// runtime with `threads` workers, like amplocal's; returns its address.
pub fn start_baseline(threads: usize) -> anyhow::Result<SocketAddr> {
    let std_listener = TcpListener::bind("127.0.0.1:0")?;
    std_listener.set_nonblocking(true)?;
    let addr = std_listener.local_addr()?;
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(threads.max(1)).enable_all().build()?;
    std::thread::spawn(move || {
        rt.block_on(async move {
            let Ok(listener) = tokio::net::TcpListener::from_std(std_listener) else { return };
            loop {
                let Ok((stream, _)) = listener.accept().await else { continue };
                let _ = stream.set_nodelay(true);
                tokio::spawn(async move {
                    let svc = hyper::service::service_fn(|_req| async {
                        let body = Full::new(Bytes::from_static(br#"{"status":"ok","version":"0.0.0","services":{}}"#));
                        let mut resp = http::Response::new(body);
                        resp.headers_mut().insert(http::header::CONTENT_TYPE, http::HeaderValue::from_static("application/json"));
                        Ok::<_, std::convert::Infallible>(resp)
                    });
                    let _ = hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), svc).await;
                });
            }
        });
    });
    Ok(addr)
}
