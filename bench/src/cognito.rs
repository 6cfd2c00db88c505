//! `amplocal-bench cognito`: the Cognito user-pool bench of issue #5 in one run.
//!
//! Against a spawned release `amplocal --ephemeral` and, when `--moto` names a `moto_server`
//! binary, moto's server on a free port (same client, same requests), at concurrency 1 and 16:
//! - `SignUpConfirm`: SignUp (unsigned) + AdminConfirmSignUp (SigV4), a fresh username per
//!   pair; pairs/s and the p50 of the pair.
//! - `UserPasswordAuth`: InitiateAuth USER_PASSWORD_AUTH for one confirmed user (full tokens).
//! - `SrpSignIn`: InitiateAuth USER_SRP_AUTH + RespondToAuthChallenge PASSWORD_VERIFIER with a
//!   real SRP client here. `serverP50Ms` is the p50 of the two calls' latencies added (the
//!   client's own SRP math between them excluded); sign-ins/s include the client math, which
//!   runs on the same machine. moto accepts any signature, so its figure is an upper bound.
//!
//! Each figure also carries `serverCpuMsPerOp`: the server process's user + system CPU in the
//! measured window (from `/proc/<pid>/stat`, 10 ms ticks) divided by the operations completed
//! in it. Unlike req/s it barely moves with other load on the machine, so it is the figure to
//! compare between builds; req/s at a given CPU budget follows from it.
//!
//! Targets (issue #5): USER_PASSWORD_AUTH ≥ 5× moto at c16; SRP sign-in server p50 ≤ 5 ms;
//! SignUp+confirm ≥ 5× moto (c16).

use crate::json_client::{JsonClient, Protocol};
use crate::load::{self, LoadConfig, RequestSpec, Target};
use crate::procstat;
use crate::server::{self, Amplocal};
use crate::sigv4::Signer;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use bytes::Bytes;
use hmac::{Hmac, Mac};
use num_bigint::BigUint;
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Options of the Cognito bench.
#[derive(clap::Args)]
pub struct Args {
    /// amplocal binary (default: next to this one).
    #[arg(long)]
    pub bin: Option<PathBuf>,
    /// moto's `moto_server` executable (e.g. from `pip install 'moto[server]'` in a venv);
    /// without it the moto peer is skipped.
    #[arg(long)]
    pub moto: Option<PathBuf>,
    /// Measured seconds per operation and concurrency.
    #[arg(long, default_value_t = 3.0)]
    pub seconds: f64,
    /// Run only these operations (comma-separated: `upa`, `signup`, `srp`; for profiling).
    #[arg(long, value_delimiter = ',')]
    pub only: Vec<String>,
}

const PASSWORD: &str = "Bench-Passw0rd!";

fn signer() -> Signer {
    Signer { key: "test".into(), secret: "test".into(), region: "us-east-1".into(), service: "cognito-idp".into() }
}

/// The cognito-idp flavour of the JSON protocol.
const COGNITO_IDP: Protocol = Protocol { content_type: "application/x-amz-json-1.1", target_prefix: "AWSCognitoIdentityProviderService" };

/// One keep-alive connection sending cognito-idp JSON 1.1 calls.
struct Client {
    inner: JsonClient,
}

impl Client {
    fn new(target: &Target) -> Self {
        Self { inner: JsonClient::new(target, COGNITO_IDP) }
    }

    /// Call `op` (SigV4-signed when `signed`); the status and parsed JSON answer.
    async fn call(&mut self, op: &str, body: &Value, signed: bool) -> anyhow::Result<(u16, Value)> {
        let signer = signed.then(signer);
        self.inner.call_once(op, body, signer.as_ref()).await
    }

    async fn ok(&mut self, op: &str, body: &Value, signed: bool) -> anyhow::Result<Value> {
        let (status, v) = self.call(op, body, signed).await?;
        anyhow::ensure!(status == 200, "{op} answered {status}: {v}");
        Ok(v)
    }
}

/// Pool, client and one confirmed user with a permanent password.
struct Setup {
    pool: String,
    client: String,
}

async fn setup(target: &Target) -> anyhow::Result<Setup> {
    let mut c = Client::new(target);
    let pool = c.ok("CreateUserPool", &json!({"PoolName": "bench"}), true).await?["UserPool"]["Id"].as_str().unwrap_or_default().to_string();
    let flows = ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_ADMIN_USER_PASSWORD_AUTH"];
    let client = c.ok("CreateUserPoolClient", &json!({"UserPoolId": pool, "ClientName": "bench", "ExplicitAuthFlows": flows}), true).await?["UserPoolClient"]["ClientId"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    c.ok("AdminCreateUser", &json!({"UserPoolId": pool, "Username": "bench", "MessageAction": "SUPPRESS"}), true).await?;
    c.ok("AdminSetUserPassword", &json!({"UserPoolId": pool, "Username": "bench", "Password": PASSWORD, "Permanent": true}), true).await?;
    Ok(Setup { pool, client })
}

/// Pair/sign-in samples of a custom loop.
struct Samples {
    done: u64,
    errors: u64,
    elapsed: Duration,
    /// Per-iteration latency (whole pair, or server-side part), µs, sorted.
    lat: Vec<u32>,
    /// Per-iteration wall time including client work, µs, sorted.
    wall: Vec<u32>,
}

fn q(v: &[u32], p: f64) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    f64::from(v[((v.len() - 1) as f64 * p).round() as usize]) / 1000.0
}

fn r3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

impl Samples {
    fn rate(&self) -> f64 {
        self.done as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }

    fn json(&self, lat_name: &str) -> Value {
        json!({"perSecond": self.rate().round(), "completed": self.done, "errors": self.errors, lat_name: {"p50": r3(q(&self.lat, 0.5)), "p90": r3(q(&self.lat, 0.9)), "p99": r3(q(&self.lat, 0.99))}, "wallP50Ms": r3(q(&self.wall, 0.5))})
    }
}

/// Run `conns` workers calling `iter(worker, i)` until the window closes. `iter` returns the
/// measured (server-side) time of one iteration, or an error.
async fn run_loop<F, Fut>(conns: usize, seconds: f64, iter: F) -> Samples
where
    F: Fn(usize, u64) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = anyhow::Result<Duration>> + Send,
{
    let start = Instant::now() + WARM;
    let end = start + Duration::from_secs_f64(seconds);
    let iter = Arc::new(iter);
    let errors = Arc::new(AtomicU64::new(0));
    let handles: Vec<_> = (0..conns.max(1))
        .map(|w| {
            let (iter, errors) = (iter.clone(), errors.clone());
            tokio::spawn(async move {
                let (mut lat, mut wall, mut i) = (vec![], vec![], 0u64);
                loop {
                    let t0 = Instant::now();
                    if t0 >= end {
                        break;
                    }
                    let r = iter(w, i).await;
                    i += 1;
                    if t0 < start {
                        continue;
                    }
                    match r {
                        Ok(d) => {
                            lat.push(d.as_micros().min(u128::from(u32::MAX)) as u32);
                            wall.push(t0.elapsed().as_micros().min(u128::from(u32::MAX)) as u32);
                        }
                        Err(_) => {
                            errors.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                }
                (lat, wall)
            })
        })
        .collect();
    let (mut lat, mut wall) = (vec![], vec![]);
    for h in handles {
        if let Ok((l, w)) = h.await {
            lat.extend(l);
            wall.extend(w);
        }
    }
    let elapsed = Instant::now().saturating_duration_since(start).min(Duration::from_secs_f64(seconds) + Duration::from_millis(500));
    lat.sort_unstable();
    wall.sort_unstable();
    Samples { done: lat.len() as u64, errors: errors.load(Ordering::Relaxed), elapsed, lat, wall }
}

/// One worker's connection, reused across iterations.
type Conns = Arc<Vec<tokio::sync::Mutex<Client>>>;

fn conns(target: &Target, n: usize) -> Conns {
    Arc::new((0..n.max(1)).map(|_| tokio::sync::Mutex::new(Client::new(target))).collect())
}

async fn sign_up_confirm(target: &Target, s: &Setup, conn_count: usize, seconds: f64, tag: &str) -> Samples {
    let pool = Arc::new((s.pool.clone(), s.client.clone(), tag.to_string()));
    let cs = conns(target, conn_count);
    run_loop(conn_count, seconds, move |w, i| {
        let (pool, cs) = (pool.clone(), cs.clone());
        async move {
            let (pool_id, client_id, tag) = &*pool;
            let mut c = cs[w].lock().await;
            let user = format!("{tag}-{w}-{i}");
            let t0 = Instant::now();
            let body = json!({"ClientId": client_id, "Username": user, "Password": PASSWORD, "UserAttributes": [{"Name": "email", "Value": format!("{user}@example.com")}]});
            c.ok("SignUp", &body, false).await?;
            c.ok("AdminConfirmSignUp", &json!({"UserPoolId": pool_id, "Username": user}), true).await?;
            Ok(t0.elapsed())
        }
    })
    .await
}

// --- the client half of Cognito's SRP (reference amplify-js.md §2.2) ---

const N_HEX: &str = "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7EDEE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3BE39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA051015728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864D87602733EC86A64521F2B18177B200CBBE117577A615D6C770988C0BAD946E208E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF";

struct Srp {
    n: BigUint,
    g: BigUint,
    k: BigUint,
    a: BigUint,
    big_a: BigUint,
}

fn pad(x: &BigUint) -> Vec<u8> {
    let mut b = x.to_bytes_be();
    if b.first().is_some_and(|f| f & 0x80 != 0) {
        b.insert(0, 0);
    }
    b
}

fn sha(parts: &[&[u8]]) -> BigUint {
    BigUint::from_bytes_be(&parts.iter().fold(Sha256::new(), |h, p| h.chain_update(p)).finalize())
}

fn hmac(key: &[u8], parts: &[&[u8]]) -> anyhow::Result<Vec<u8>> {
    let mut m = Hmac::<Sha256>::new_from_slice(key)?;
    for p in parts {
        m.update(p);
    }
    Ok(m.finalize().into_bytes().to_vec())
}

impl Srp {
    /// A client with a fixed 32-byte `a` per worker (the server draws a fresh `b` per sign-in;
    /// a short `a` keeps the bench's own CPU share small).
    fn new(seed: u64) -> Self {
        let n = BigUint::parse_bytes(N_HEX.as_bytes(), 16).unwrap_or_default();
        let g = BigUint::from(2u8);
        let k = sha(&[&pad(&n), &pad(&g)]);
        let a = sha(&[b"amplocal-bench", &seed.to_be_bytes()]);
        let big_a = g.modpow(&a, &n);
        Self { n, g, k, a, big_a }
    }

    fn signature(&self, pool_name: &str, p: &Map<String, Value>, password: &str, timestamp: &str) -> anyhow::Result<String> {
        let get = |k: &str| p.get(k).and_then(Value::as_str).ok_or_else(|| anyhow::anyhow!("challenge without {k}"));
        let b = BigUint::parse_bytes(get("SRP_B")?.as_bytes(), 16).ok_or_else(|| anyhow::anyhow!("SRP_B"))?;
        let salt = BigUint::parse_bytes(get("SALT")?.as_bytes(), 16).ok_or_else(|| anyhow::anyhow!("SALT"))?;
        let user = get("USER_ID_FOR_SRP")?;
        let u = sha(&[&pad(&self.big_a), &pad(&b)]);
        let inner = Sha256::digest(format!("{pool_name}{user}:{password}").as_bytes());
        let x = sha(&[&pad(&salt), &inner]);
        let n = &self.n;
        let base = (&b % n + n - (&self.k * self.g.modpow(&x, n)) % n) % n;
        let s = base.modpow(&(&self.a + &u * &x), n);
        let key = hmac(&hmac(&pad(&u), &[&pad(&s)])?, &[b"Caldera Derived Key", &[1]])?;
        // moto's SECRET_BLOCK is a UUID, not base64; it checks no signature anyway.
        let raw = get("SECRET_BLOCK")?;
        let block = STANDARD.decode(raw).unwrap_or_else(|_| raw.as_bytes().to_vec());
        Ok(STANDARD.encode(hmac(&key[..16], &[pool_name.as_bytes(), user.as_bytes(), &block, timestamp.as_bytes()])?))
    }
}

fn timestamp() -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs()) as i64;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{} {} {day} {:02}:{:02}:{:02} UTC {year}", DAYS[days.rem_euclid(7) as usize], MONTHS[(month - 1) as usize], rem / 3600, rem % 3600 / 60, rem % 60)
}

async fn srp_sign_in(target: &Target, s: &Setup, conn_count: usize, seconds: f64) -> Samples {
    let ctx = Arc::new((s.pool.clone(), s.client.clone(), (0..conn_count.max(1)).map(|w| Srp::new(w as u64)).collect::<Vec<_>>()));
    let cs = conns(target, conn_count);
    run_loop(conn_count, seconds, move |w, _| {
        let (ctx, cs) = (ctx.clone(), cs.clone());
        async move {
            let (pool_id, client_id, srps) = &*ctx;
            let srp = &srps[w];
            let mut c = cs[w].lock().await;
            let t0 = Instant::now();
            let first = c
                .ok("InitiateAuth", &json!({"AuthFlow": "USER_SRP_AUTH", "ClientId": client_id, "AuthParameters": {"USERNAME": "bench", "SRP_A": srp.big_a.to_str_radix(16)}}), false)
                .await?;
            let server1 = t0.elapsed();
            let params = first["ChallengeParameters"].as_object().cloned().unwrap_or_default();
            let ts = timestamp();
            let pool_name = pool_id.split_once('_').map_or(pool_id.as_str(), |(_, p)| p);
            let sig = srp.signature(pool_name, &params, PASSWORD, &ts)?;
            let mut body = json!({
                "ChallengeName": "PASSWORD_VERIFIER",
                "ClientId": client_id,
                "ChallengeResponses": {
                    // The challenge's USERNAME (moto refuses USER_ID_FOR_SRP here; amplocal sends both equal).
                    "USERNAME": params.get("USERNAME").or_else(|| params.get("USER_ID_FOR_SRP")).cloned().unwrap_or_default(),
                    "PASSWORD_CLAIM_SECRET_BLOCK": params.get("SECRET_BLOCK").cloned().unwrap_or_default(),
                    "PASSWORD_CLAIM_SIGNATURE": sig,
                    "TIMESTAMP": ts,
                },
            });
            if let Some(sess) = first.get("Session").filter(|s| s.is_string()) {
                body["Session"] = sess.clone();
            }
            let t1 = Instant::now();
            let done = c.ok("RespondToAuthChallenge", &body, false).await?;
            let server2 = t1.elapsed();
            anyhow::ensure!(done["AuthenticationResult"]["AccessToken"].is_string(), "no tokens: {done}");
            Ok(server1 + server2)
        }
    })
    .await
}

fn password_auth_spec(s: &Setup) -> RequestSpec {
    let body = json!({"AuthFlow": "USER_PASSWORD_AUTH", "ClientId": s.client, "AuthParameters": {"USERNAME": "bench", "PASSWORD": PASSWORD}});
    RequestSpec {
        method: http::Method::POST,
        path: "/".into(),
        headers: vec![("content-type".into(), "application/x-amz-json-1.1".into()), ("x-amz-target".into(), "AWSCognitoIdentityProviderService.InitiateAuth".into())],
        body: Bytes::from(body.to_string()),
        signer: None,
    }
}

/// Warm-up before each measured window (both loops use it).
const WARM: Duration = Duration::from_millis(300);

/// Run `fut` (a load loop with [`WARM`] warm-up and a `seconds` window) while sampling the
/// CPU time of process `pid` at the window's start and end.
async fn with_server_cpu<T>(pid: u32, seconds: f64, fut: impl std::future::Future<Output = T>) -> (T, Option<Duration>) {
    let sampler = tokio::spawn(async move {
        tokio::time::sleep(WARM).await;
        let a = procstat::cpu_time(&pid.to_string());
        tokio::time::sleep(Duration::from_secs_f64(seconds)).await;
        let b = procstat::cpu_time(&pid.to_string());
        a.zip(b).map(|(a, b)| b.saturating_sub(a))
    });
    let out = fut.await;
    (out, sampler.await.ok().flatten())
}

/// Server CPU milliseconds per completed operation.
fn cpu_per_op(cpu: Option<Duration>, done: u64) -> Value {
    match cpu {
        Some(c) if done > 0 => json!(r3(c.as_secs_f64() * 1000.0 / done as f64)),
        _ => Value::Null,
    }
}

/// All measurements against one server (process `pid`).
async fn measure(name: &str, target: &Target, seconds: f64, pid: u32, only: &[String]) -> anyhow::Result<Value> {
    let run = |op: &str| only.is_empty() || only.iter().any(|o| o == op);
    let s = setup(target).await?;
    // Sanity: the fixed request signs in.
    Client::new(target).ok("InitiateAuth", &serde_json::from_slice(&password_auth_spec(&s).body)?, false).await?;
    let mut out = Map::new();
    for c in [1usize, 16] {
        let cfg = LoadConfig { connections: c, duration: Duration::from_secs_f64(seconds), warmup: WARM };
        let with_cpu = |mut v: Value, cpu: Option<Duration>, done: u64| {
            v["serverCpuMsPerOp"] = cpu_per_op(cpu, done);
            v
        };
        let mut row = Map::new();
        if run("upa") {
            let (upa, upa_cpu) = with_server_cpu(pid, seconds, load::run(target, &password_auth_spec(&s), cfg)).await;
            // perSecond counts answered 2xx requests only; transport errors (a peer closing
            // its keep-alive connections, after which the worker reconnects) are reported
            // beside it and count for neither side.
            let ok = upa.requests.saturating_sub(upa.non_2xx);
            let v = json!({"perSecond": (ok as f64 / upa.elapsed.as_secs_f64().max(1e-9)).round(), "p50Ms": r3(upa.quantile_ms(0.5)), "p90Ms": r3(upa.quantile_ms(0.9)), "non2xx": upa.non_2xx, "errors": upa.errors});
            row.insert("UserPasswordAuth".into(), with_cpu(v, upa_cpu, ok));
        }
        if run("signup") {
            let (su, su_cpu) = with_server_cpu(pid, seconds, sign_up_confirm(target, &s, c, seconds, &format!("{name}{c}"))).await;
            row.insert("SignUpConfirm".into(), with_cpu(su.json("pairLatencyMs"), su_cpu, su.done));
        }
        if run("srp") {
            let (srp, srp_cpu) = with_server_cpu(pid, seconds, srp_sign_in(target, &s, c, seconds)).await;
            row.insert("SrpSignIn".into(), with_cpu(srp.json("serverMs"), srp_cpu, srp.done));
        }
        out.insert(format!("c{c}"), Value::Object(row));
    }
    Ok(Value::Object(out))
}

/// A running moto server.
struct Moto {
    child: Child,
    addr: SocketAddr,
}

impl Moto {
    fn spawn(bin: &std::path::Path) -> anyhow::Result<Self> {
        let port = server::free_port()?;
        let child = Command::new(bin).args(["-H", "127.0.0.1", "-p", &port.to_string()]).stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::null()).spawn()?;
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let t0 = Instant::now();
        while std::net::TcpStream::connect(addr).is_err() {
            anyhow::ensure!(t0.elapsed() < Duration::from_secs(30), "moto_server did not listen within 30 s");
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(Self { child, addr })
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn ratio(a: &Value, b: &Value, path: &[&str]) -> Option<f64> {
    let get = |v: &Value| path.iter().try_fold(v, |v, k| v.get(*k)).and_then(Value::as_f64);
    let (x, y) = (get(a)?, get(b)?);
    (y > 0.0).then(|| r3(x / y))
}

/// Run the bench; JSON document.
pub async fn run(args: Args) -> anyhow::Result<Value> {
    let bin = args.bin.unwrap_or_else(server::default_binary);
    let amp = Amplocal::spawn(&bin, &["--ephemeral"])?;
    let target = Target { addr: amp.addr, host: format!("localhost:{}", amp.addr.port()), tls: None };
    let ours = measure("amp", &target, args.seconds, amp.child.id(), &args.only).await;
    let code = amp.stop()?;
    let ours = ours?;
    let moto = match &args.moto {
        Some(m) => {
            let moto = Moto::spawn(m)?;
            let t = Target { addr: moto.addr, host: format!("localhost:{}", moto.addr.port()), tls: None };
            Some(measure("moto", &t, args.seconds, moto.child.id(), &args.only).await?)
        }
        None => None,
    };
    let srp_p50 = ours["c1"]["SrpSignIn"]["serverMs"]["p50"].as_f64().unwrap_or(f64::NAN);
    let mut targets = json!({"srpSignInServerP50Ms<=5": srp_p50 <= 5.0});
    let mut ratios = json!({});
    if let Some(m) = &moto {
        let upa = ratio(&ours, m, &["c16", "UserPasswordAuth", "perSecond"]);
        let su = ratio(&ours, m, &["c16", "SignUpConfirm", "perSecond"]);
        ratios = json!({
            "UserPasswordAuth_c1": ratio(&ours, m, &["c1", "UserPasswordAuth", "perSecond"]),
            "UserPasswordAuth_c16": upa,
            "SignUpConfirm_c1": ratio(&ours, m, &["c1", "SignUpConfirm", "perSecond"]),
            "SignUpConfirm_c16": su,
            "SrpSignIn_c16": ratio(&ours, m, &["c16", "SrpSignIn", "perSecond"]),
        });
        targets["userPasswordAuthC16>=5xMoto"] = json!(upa.is_some_and(|r| r >= 5.0));
        targets["signUpConfirmC16>=5xMoto"] = json!(su.is_some_and(|r| r >= 5.0));
    }
    Ok(json!({
        "bench": "cognito",
        "secondsPerRun": args.seconds,
        "amplocal": ours,
        "moto": moto,
        "ratiosVsMoto": ratios,
        "targets": targets,
        "exitCodeAfterSigterm": code,
        "notes": "SrpSignIn.serverMs = latency of InitiateAuth + RespondToAuthChallenge (client math excluded); perSecond includes the bench's own SRP math on the same cores. moto accepts any SRP signature.",
    }))
}
