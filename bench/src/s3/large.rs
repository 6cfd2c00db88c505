//! The 64 MiB part of `amplocal-bench s3` (issue #4: PUT >= 50 % of `dd` write+fsync, GET >=
//! 40 % of loopback TCP, measured in the same run): the PUT/GET rounds and the reference
//! figures taken next to them (`dd`, `openssl dgst -md5`, `md5sum`, raw loopback TCP).

use super::{median, mibs, r3, LARGE, MIB};
use crate::load::Target;
use crate::s3_client::{Client, Creds};
use bytes::Bytes;
use http_body_util::Full;
use serde_json::{json, Value};
use std::path::Path;
use std::time::Instant;

/// What the 64 MiB rounds measured: MiB/s per round, and (for amplocal) `dd` and `openssl dgst
/// -md5` run between the rounds, so each PUT has a dd and an MD5 figure taken under the same
/// machine load (the per-round ratios are what to trust on a shared machine).
#[derive(Default)]
pub(super) struct LargeRounds {
    pub(super) put: Vec<f64>,
    pub(super) get: Vec<f64>,
    pub(super) dd: Vec<f64>,
    pub(super) ossl: Vec<f64>,
    /// Server CPU seconds spent during the PUTs (utime+stime, 10 ms ticks), summed.
    pub(super) put_cpu: Option<f64>,
}

impl LargeRounds {
    pub(super) fn json(&self) -> Value {
        let paired = |a: &[f64], b: &[f64]| -> Value {
            let v: Vec<f64> = a.iter().zip(b).map(|(x, y)| x / y.max(1e-9)).collect();
            if v.is_empty() {
                Value::Null
            } else {
                json!(r3(median(&v)))
            }
        };
        json!({
            "PutObject64MiB_MiBps": mibs(&self.put),
            "GetObject64MiB_MiBps": mibs(&self.get),
            "serverCpuMsPer64MiBPut": self.put_cpu.map(|c| r3(c * 1e3 / self.put.len().max(1) as f64)),
            "pairedMedian": {"put_vs_dd": paired(&self.put, &self.dd), "put_vs_opensslMd5": paired(&self.put, &self.ossl), "opensslMd5_vs_dd": paired(&self.ossl, &self.dd)},
        })
    }
}

/// 64 MiB PUT and GET, `rounds` each, one connection: MiB/s. With `local` (server pid, data
/// root) each round also times `dd` and `openssl dgst -md5` and the server's CPU per PUT.
pub(super) async fn large_ops(t: &Target, creds: &Creds, large: &Bytes, rounds: usize, local: Option<(u32, &Path)>) -> anyhow::Result<LargeRounds> {
    let mut c = Client::new(t, creds);
    let mut out = LargeRounds::default();
    let crc = crate::s3_client::crc32_b64(large);
    let md5_file = match local {
        Some((_, dir)) => {
            let f = dir.join("amplocal-bench-md5.bin");
            std::fs::write(&f, large)?;
            Some(f)
        }
        None => None,
    };
    let mut cpu = Some(0.0);
    for _ in 0..rounds.max(1) {
        let pid = local.map(|(p, _)| p.to_string());
        let cpu0 = pid.as_deref().and_then(crate::procstat::cpu_time);
        let t0 = Instant::now();
        let a = c.send("PUT", "/bench/large-put", &[("x-amz-checksum-crc32", crc.clone())], Full::new(large.clone()), None).await?;
        anyhow::ensure!(a.status == 200, "64 MiB PUT answered {}", a.status);
        out.put.push(64.0 / t0.elapsed().as_secs_f64());
        let cpu1 = pid.as_deref().and_then(crate::procstat::cpu_time);
        cpu = cpu.zip(cpu0.zip(cpu1)).map(|(sum, (a, b))| sum + b.saturating_sub(a).as_secs_f64());
        let t0 = Instant::now();
        let a = c.send("GET", "/bench/large-get", &[], Full::new(Bytes::new()), Some(b"")).await?;
        anyhow::ensure!(a.status == 200 && a.len == LARGE, "64 MiB GET answered {} with {} bytes", a.status, a.len);
        out.get.push(64.0 / t0.elapsed().as_secs_f64());
        if let (Some((_, dir)), Some(f)) = (local, &md5_file) {
            out.dd.extend(dd_rounds(dir, 1)?);
            let t0 = Instant::now();
            if std::process::Command::new("openssl").args(["dgst", "-md5"]).arg(f).stdout(std::process::Stdio::null()).status().is_ok_and(|s| s.success()) {
                out.ossl.push(64.0 / t0.elapsed().as_secs_f64());
            }
        }
    }
    if let Some(f) = md5_file {
        std::fs::remove_file(f)?;
    }
    out.put_cpu = local.and(cpu);
    eprintln!("  PutObject64MiB {:.0} MiB/s (median), GetObject64MiB {:.0} MiB/s (median)", median(&out.put), median(&out.get));
    Ok(out)
}

/// `dd if=/dev/zero bs=1M count=64 conv=fsync` into `dir`: MiB/s per round.
pub(super) fn dd_rounds(dir: &Path, rounds: usize) -> anyhow::Result<Vec<f64>> {
    let file = dir.join("amplocal-bench-dd.bin");
    let mut out = vec![];
    for _ in 0..rounds.max(1) {
        let t0 = Instant::now();
        let st = std::process::Command::new("dd")
            .args(["if=/dev/zero", &format!("of={}", file.display()), "bs=1M", "count=64", "conv=fsync"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()?;
        anyhow::ensure!(st.success(), "dd failed: {st}");
        out.push(64.0 / t0.elapsed().as_secs_f64());
        std::fs::remove_file(&file)?;
    }
    Ok(out)
}

/// `cmd args… <file>` over a 64 MiB file already in the page cache, MiB/s per round: with
/// `md5sum` (coreutils) and `openssl dgst -md5` (assembly MD5 like the server's), the ceiling a
/// PUT computing its MD5 ETag over the body cannot pass on this CPU. None when `cmd` is missing.
pub(super) fn md5_rounds(dir: &Path, rounds: usize, cmd: &str, args: &[&str]) -> anyhow::Result<Option<Vec<f64>>> {
    let file = dir.join("amplocal-bench-md5.bin");
    std::fs::write(&file, vec![5u8; LARGE as usize])?;
    let mut out = vec![];
    for _ in 0..rounds.max(1) {
        let t0 = Instant::now();
        let Ok(st) = std::process::Command::new(cmd).args(args).arg(&file).stdout(std::process::Stdio::null()).status() else {
            std::fs::remove_file(&file)?;
            return Ok(None);
        };
        anyhow::ensure!(st.success(), "{cmd} failed: {st}");
        out.push(64.0 / t0.elapsed().as_secs_f64());
    }
    std::fs::remove_file(&file)?;
    Ok(Some(out))
}

/// Raw loopback TCP: 64 MiB written by one task and read by another, MiB/s per round.
pub(super) async fn loopback_rounds(rounds: usize) -> anyhow::Result<Vec<f64>> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut out = vec![];
    let chunk = vec![7u8; MIB as usize];
    for _ in 0..rounds.max(1) {
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = l.local_addr()?;
        let reader = tokio::spawn(async move {
            let (mut s, _) = l.accept().await?;
            let mut buf = vec![0u8; 256 * 1024];
            let mut n = 0u64;
            loop {
                match s.read(&mut buf).await? {
                    0 => return Ok::<u64, std::io::Error>(n),
                    k => n += k as u64,
                }
            }
        });
        let mut w = tokio::net::TcpStream::connect(addr).await?;
        let t0 = Instant::now();
        for _ in 0..64 {
            w.write_all(&chunk).await?;
        }
        w.shutdown().await?;
        let n = reader.await??;
        anyhow::ensure!(n == LARGE, "loopback read {n} bytes");
        out.push(64.0 / t0.elapsed().as_secs_f64());
    }
    Ok(out)
}
