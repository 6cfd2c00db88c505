//! A minimal path-style S3 client for the S3 bench: one keep-alive HTTP/1.1 connection,
//! SigV4 via the `aws-sigv4` crate (a real SHA-256 payload hash for small bodies, as SDKs send
//! over http; `UNSIGNED-PAYLOAD` for the large ones, so the client's hashing is not measured),
//! streaming bodies of any length without holding them, bulk key loading, the 4 KiB request
//! specs for the generator, and the s3rver peer process (`node <dir>/node_modules/s3rver/...`).

use crate::load::{RequestSpec, Target};
use crate::sigv4::Signer;
use aws_credential_types::Credentials;
use aws_sigv4::http_request::{sign, PayloadChecksumKind, SignableBody, SignableRequest, SigningSettings};
use aws_sigv4::sign::v4;
use bytes::Bytes;
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full};
use hyper::body::{Body, Frame, SizeHint};
use hyper_util::rt::TokioIo;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::Path;
use std::pin::Pin;
use std::process::{Child, Command, Stdio};
use std::task::{Context, Poll};
use std::time::{Duration, Instant, SystemTime};

/// Access key and secret for one server (amplocal accepts any; s3rver wants `S3RVER`).
#[derive(Clone, Debug)]
pub struct Creds {
    /// Access key id.
    pub key: String,
    /// Secret.
    pub secret: String,
}

impl Creds {
    /// The generator's signer for these credentials.
    pub fn signer(&self) -> Signer {
        Signer { key: self.key.clone(), secret: self.secret.clone(), region: "us-east-1".into(), service: "s3".into() }
    }
}

/// CRC32 (IEEE) as base64, for the `x-amz-checksum-crc32` header SDKs send.
pub fn crc32_b64(data: &[u8]) -> String {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    let raw = (!crc).to_be_bytes();
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let n = u32::from_be_bytes([0, raw[0], raw[1], raw[2]]);
    let mut s: String = [18, 12, 6, 0].iter().map(|sh| T[((n >> sh) & 63) as usize] as char).collect();
    s.push(T[(raw[3] >> 2) as usize] as char);
    s.push(T[((raw[3] & 3) << 4) as usize] as char);
    s.push_str("==");
    s
}

/// A signed 4 KiB-style PUT for the generator (fixed key, real payload hash, CRC32 header).
pub fn put_spec(creds: &Creds, path: &str, body: Bytes) -> RequestSpec {
    RequestSpec {
        method: http::Method::PUT,
        path: path.into(),
        headers: vec![
            ("content-type".into(), "application/octet-stream".into()),
            ("x-amz-checksum-crc32".into(), crc32_b64(&body)),
            ("x-amz-sdk-checksum-algorithm".into(), "CRC32".into()),
        ],
        body,
        signer: Some(creds.signer()),
    }
}

/// A signed GET for the generator (`x-amz-checksum-mode: ENABLED`, as every SDK sends).
pub fn get_spec(creds: &Creds, path: &str) -> RequestSpec {
    RequestSpec {
        method: http::Method::GET,
        path: path.into(),
        headers: vec![("x-amz-checksum-mode".into(), "ENABLED".into())],
        body: Bytes::new(),
        signer: Some(creds.signer()),
    }
}

/// A body of `left` bytes made of one repeated chunk: a 5 GiB upload without 5 GiB of memory.
pub struct Repeat {
    chunk: Bytes,
    left: u64,
}

impl Repeat {
    /// `total` bytes of `chunk` repeated (the last frame cut short).
    pub fn new(chunk: Bytes, total: u64) -> Self {
        Self { chunk, left: total }
    }
}

impl Body for Repeat {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        if self.left == 0 || self.chunk.is_empty() {
            return Poll::Ready(None);
        }
        let n = (self.chunk.len() as u64).min(self.left) as usize;
        self.left -= n as u64;
        Poll::Ready(Some(Ok(Frame::data(self.chunk.slice(..n)))))
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.left)
    }

    fn is_end_stream(&self) -> bool {
        self.left == 0
    }
}

type Sender = hyper::client::conn::http1::SendRequest<BoxBody<Bytes, Infallible>>;

/// One keep-alive connection sending signed S3 requests.
pub struct Client {
    target: Target,
    creds: Creds,
    send: Option<Sender>,
}

/// What came back: status and body length (the body itself is counted, not kept).
#[derive(Debug, Clone, Copy)]
pub struct Answer {
    /// HTTP status.
    pub status: u16,
    /// Body bytes received.
    pub len: u64,
}

impl Client {
    /// A client for `target` (connects lazily).
    pub fn new(target: &Target, creds: &Creds) -> Self {
        Self { target: target.clone(), creds: creds.clone(), send: None }
    }

    async fn sender(&mut self) -> anyhow::Result<&mut Sender> {
        if let Some(s) = self.send.as_mut() {
            if s.ready().await.is_err() {
                self.send = None;
            }
        }
        if self.send.is_none() {
            let tcp = tokio::net::TcpStream::connect(self.target.addr).await?;
            tcp.set_nodelay(true)?;
            let (send, conn) = hyper::client::conn::http1::handshake(TokioIo::new(tcp)).await?;
            tokio::spawn(conn);
            self.send = Some(send);
        }
        self.send.as_mut().ok_or_else(|| anyhow::anyhow!("no connection"))
    }

    /// Send `method path` with `body`; `payload` Some = hash it into the signature, None =
    /// `UNSIGNED-PAYLOAD`. The answer's body is read and counted.
    pub async fn send<B>(&mut self, method: &str, path: &str, headers: &[(&str, String)], body: B, payload: Option<&[u8]>) -> anyhow::Result<Answer>
    where
        B: Body<Data = Bytes, Error = Infallible> + Send + Sync + 'static,
    {
        let mut req = http::Request::builder().method(method).uri(format!("http://{}{path}", self.target.host)).header("host", &self.target.host);
        for (k, v) in headers {
            req = req.header(*k, v);
        }
        let mut req = req.body(())?;
        sign_request(&mut req, &self.creds, payload)?;
        *req.uri_mut() = path.parse()?;
        let req = req.map(|()| body.boxed());
        let send = self.sender().await?;
        let res = async {
            let resp = send.send_request(req).await?;
            let status = resp.status().as_u16();
            let mut b = resp.into_body();
            let mut len = 0u64;
            while let Some(f) = b.frame().await {
                if let Some(d) = f?.data_ref() {
                    len += d.len() as u64;
                }
            }
            Ok::<_, hyper::Error>(Answer { status, len })
        }
        .await;
        if res.is_err() {
            self.send = None;
        }
        Ok(res?)
    }

    /// A small signed request whose answer must be 2xx.
    pub async fn ok(&mut self, method: &str, path: &str, body: Bytes) -> anyhow::Result<Answer> {
        let a = self.send(method, path, &[], Full::new(body.clone()), Some(&body)).await?;
        anyhow::ensure!((200..300).contains(&a.status), "{method} {path} answered {}", a.status);
        Ok(a)
    }
}

fn sign_request(req: &mut http::Request<()>, creds: &Creds, payload: Option<&[u8]>) -> anyhow::Result<()> {
    let identity = Credentials::new(&creds.key, &creds.secret, None, None, "amplocal-bench").into();
    let mut settings = SigningSettings::default();
    settings.payload_checksum_kind = PayloadChecksumKind::XAmzSha256;
    let params = v4::SigningParams::builder().identity(&identity).region("us-east-1").name("s3").time(SystemTime::now()).settings(settings).build()?.into();
    let uri = req.uri().to_string();
    let headers: Vec<(String, String)> = req.headers().iter().filter_map(|(k, v)| Some((k.as_str().to_string(), v.to_str().ok()?.to_string()))).collect();
    let body = match payload {
        Some(p) => SignableBody::Bytes(p),
        None => SignableBody::UnsignedPayload,
    };
    let signable = SignableRequest::new(req.method().as_str(), &uri, headers.iter().map(|(k, v)| (k.as_str(), v.as_str())), body)?;
    let (instructions, _) = sign(signable, &params)?.into_parts();
    instructions.apply_to_request_http1x(req);
    Ok(())
}

/// PUT `total` empty objects `{prefix}{i:08}` into `bucket` from `concurrency` connections,
/// stopping early after `budget`; returns (objects written, seconds).
pub async fn bulk_put(target: &Target, creds: &Creds, bucket: &str, prefix: &str, total: u64, concurrency: usize, budget: Duration) -> anyhow::Result<(u64, f64)> {
    let next = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let t0 = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..concurrency.max(1) {
        let (next, target, creds, bucket, prefix) = (next.clone(), target.clone(), creds.clone(), bucket.to_string(), prefix.to_string());
        tasks.push(tokio::spawn(async move {
            let mut c = Client::new(&target, &creds);
            let mut done = 0u64;
            loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if i >= total || t0.elapsed() > budget {
                    return Ok::<u64, anyhow::Error>(done);
                }
                let path = format!("/{bucket}/{prefix}{i:08}");
                if c.ok("PUT", &path, Bytes::new()).await.is_err() {
                    c.ok("PUT", &path, Bytes::new()).await?;
                }
                done += 1;
            }
        }));
    }
    let mut loaded = 0;
    for t in tasks {
        loaded += t.await??;
    }
    Ok((loaded, t0.elapsed().as_secs_f64()))
}

/// A running s3rver (files under a temp dir, removed on drop).
pub struct S3rver {
    child: Child,
    /// Where it listens.
    pub addr: SocketAddr,
    _dir: tempfile::TempDir,
}

impl S3rver {
    /// Start `node <dir>/node_modules/s3rver/bin/s3rver.js` on a free port with its data under
    /// `data_root`; wait until it accepts connections.
    pub fn spawn(dir: &Path, data_root: &Path) -> anyhow::Result<Self> {
        let cli = dir.join("node_modules").join("s3rver").join("bin").join("s3rver.js");
        anyhow::ensure!(cli.is_file(), "{} not found (run `npm install s3rver` in {})", cli.display(), dir.display());
        let data = tempfile::tempdir_in(data_root)?;
        let port = crate::server::free_port()?;
        let child = Command::new("node")
            .arg(&cli)
            .args(["-d", &data.path().display().to_string(), "-a", "127.0.0.1", "-p", &port.to_string(), "--silent"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?;
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let s = Self { child, addr, _dir: data };
        let t0 = Instant::now();
        while std::net::TcpStream::connect_timeout(&addr, Duration::from_millis(100)).is_err() {
            anyhow::ensure!(t0.elapsed() < Duration::from_secs(15), "s3rver did not listen within 15 s");
            std::thread::sleep(Duration::from_millis(20));
        }
        Ok(s)
    }

    /// Node's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for S3rver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn crc32_known_values() {
        // CRC32("hello") = 0x3610a686; CRC32 of nothing = 0.
        assert_eq!(super::crc32_b64(b"hello"), "NhCmhg==");
        assert_eq!(super::crc32_b64(b""), "AAAAAA==");
    }
}
