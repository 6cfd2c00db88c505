//! `amplocal healthcheck [--url URL]`: one blocking HTTP/1.1 GET of `/_amplocal/health` with short
//! timeouts, for Docker `HEALTHCHECK` and CI `--health-cmd` (the image has no curl).
//! Plain `http://` only: the port answers HTTP and HTTPS alike, so there is no need for TLS here.

use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

/// Why a health check failed.
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    /// The URL is not `http://host[:port][/...]`.
    #[error("unsupported URL {0:?} (expected http://host[:port])")]
    BadUrl(String),
    /// Connect, write or read failed.
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// The server answered something other than 200.
    #[error("unhealthy: {0}")]
    Status(String),
}

fn host_port(url: &str) -> Result<(String, u16), CheckError> {
    let bad = || CheckError::BadUrl(url.to_string());
    let rest = url.strip_prefix("http://").ok_or_else(bad)?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if authority.is_empty() {
        return Err(bad());
    }
    if let Some(v6) = authority.strip_prefix('[') {
        let (host, after) = v6.split_once(']').ok_or_else(bad)?;
        let port = match after.strip_prefix(':') {
            Some(p) => p.parse().map_err(|_| bad())?,
            None => 80,
        };
        return Ok((host.to_string(), port));
    }
    match authority.rsplit_once(':') {
        Some((h, p)) => Ok((h.to_string(), p.parse().map_err(|_| bad())?)),
        None => Ok((authority.to_string(), 80)),
    }
}

/// GET `<url>/_amplocal/health`; Ok when the status is 200.
pub fn check(url: &str, timeout: Duration) -> Result<(), CheckError> {
    let (host, port) = host_port(url)?;
    let addrs: Vec<_> = (host.as_str(), port).to_socket_addrs()?.collect();
    let mut last = None;
    for addr in addrs {
        match TcpStream::connect_timeout(&addr, timeout) {
            Ok(mut s) => {
                s.set_read_timeout(Some(timeout))?;
                s.set_write_timeout(Some(timeout))?;
                let host_header = if host.contains(':') { format!("[{host}]:{port}") } else { format!("{host}:{port}") };
                write!(s, "GET /_amplocal/health HTTP/1.1\r\nHost: {host_header}\r\nConnection: close\r\nUser-Agent: amplocal-healthcheck\r\n\r\n")?;
                let mut head = [0u8; 64];
                let mut n = 0;
                while n < 12 {
                    let r = s.read(&mut head[n..])?;
                    if r == 0 {
                        break;
                    }
                    n += r;
                }
                let line = String::from_utf8_lossy(&head[..n]);
                let status = line.lines().next().unwrap_or_default().to_string();
                return if status.starts_with("HTTP/1.1 200") || status.starts_with("HTTP/1.0 200") {
                    Ok(())
                } else {
                    Err(CheckError::Status(if status.is_empty() { "empty answer".into() } else { status }))
                };
            }
            Err(e) => last = Some(e),
        }
    }
    Err(last.map(CheckError::Io).unwrap_or_else(|| CheckError::BadUrl(url.to_string())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_urls() {
        assert_eq!(host_port("http://127.0.0.1:4566").unwrap(), ("127.0.0.1".into(), 4566));
        assert_eq!(host_port("http://localhost:1/x").unwrap(), ("localhost".into(), 1));
        assert_eq!(host_port("http://[::1]:9").unwrap(), ("::1".into(), 9));
        assert_eq!(host_port("http://example").unwrap(), ("example".into(), 80));
        assert!(host_port("https://localhost:4566").is_err());
        assert!(host_port("http://").is_err());
        assert!(host_port("http://h:notaport").is_err());
    }

    #[test]
    fn closed_port_fails() {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        drop(l);
        assert!(check(&format!("http://127.0.0.1:{port}"), Duration::from_millis(500)).is_err());
    }
}
