//! The local certificate authority and the leaf certificate HTTPS on the shared port presents.
//!
//! On first start `<data>/tls/` gets `ca.pem`/`ca.key` (a 10-year ECDSA P-256 CA) and
//! `cert.pem`/`key.pem` (a 397-day leaf for localhost, *.localhost, s3.localhost,
//! *.s3.localhost, 127.0.0.1 and ::1, signed by that CA). Later starts reuse them; the leaf is
//! re-issued when missing, unparsable, within 30 days of expiry or lacking a SAN. Users trust
//! `ca.pem` once (README "Trusting the local CA"). That leaf is served without SNI, for IP
//! literals, for the names it covers and for unknown names (`example.org`); names it cannot
//! cover (`bucket.localhost`, `<apiId>.appsync-api.localhost`, configured S3 hosts and names
//! under them) get a leaf of their own, issued in memory on first sight (see [`names`]).
//! Left out: name constraints on the CA, ACME, user-supplied certificates.

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair, KeyUsagePurpose,
    SerialNumber,
};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use time::{Duration, OffsetDateTime};

#[cfg(test)]
mod handshake_tests;
mod names;

/// DNS names and IPs the leaf certificate covers.
pub const LEAF_SANS: &[&str] = &["localhost", "*.localhost", "s3.localhost", "*.s3.localhost", "127.0.0.1", "::1"];

/// Errors while preparing TLS material.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// Reading or writing a file under `<data>/tls`.
    #[error("{path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// Certificate generation or parsing.
    #[error("certificate: {0}")]
    Cert(#[from] rcgen::Error),
    /// rustls refused the key or certificate.
    #[error("tls config: {0}")]
    Rustls(#[from] rustls::Error),
    /// A PEM file held no usable item.
    #[error("{0}: no PEM item found")]
    Pem(PathBuf),
}

/// Where the TLS files live.
#[derive(Debug, Clone)]
pub struct TlsPaths {
    /// The CA certificate users trust.
    pub ca_cert: PathBuf,
    /// The CA private key (0600).
    pub ca_key: PathBuf,
    /// The leaf certificate chain served on the port (leaf then CA).
    pub cert: PathBuf,
    /// The leaf private key (0600).
    pub key: PathBuf,
    /// The leaf's expiry and SANs (see `leaf_meta`).
    pub meta: PathBuf,
}

impl TlsPaths {
    /// The files under `<data_dir>/tls/`.
    pub fn new(data_dir: &Path) -> Self {
        let dir = data_dir.join("tls");
        Self { ca_cert: dir.join("ca.pem"), ca_key: dir.join("ca.key"), cert: dir.join("cert.pem"), key: dir.join("key.pem"), meta: dir.join("leaf.meta") }
    }
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> TlsError + '_ {
    move |source| TlsError::Io { path: path.to_path_buf(), source }
}

fn write_file(path: &Path, contents: &str, private: bool) -> Result<(), TlsError> {
    // Per-process temp name: two processes sharing a data dir never write the same temp file.
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    {
        use std::io::Write;
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create(true).truncate(true);
        #[cfg(unix)]
        if private {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        #[cfg(not(unix))]
        let _ = private;
        let mut f = opts.open(&tmp).map_err(io_err(&tmp))?;
        f.write_all(contents.as_bytes()).map_err(io_err(&tmp))?;
    }
    std::fs::rename(&tmp, path).map_err(io_err(path))
}

fn random_serial() -> SerialNumber {
    let mut bytes = *uuid::Uuid::new_v4().as_bytes();
    bytes[0] &= 0x7f; // keep the DER INTEGER positive
    bytes[0] |= 0x01; // and of full length
    SerialNumber::from_slice(&bytes)
}

fn new_ca(paths: &TlsPaths) -> Result<(String, KeyPair), TlsError> {
    let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)?;
    let mut params = CertificateParams::new(Vec::<String>::new())?;
    let now = OffsetDateTime::now_utc();
    params.not_before = now - Duration::days(1);
    params.not_after = now + Duration::days(3650);
    params.serial_number = Some(random_serial());
    params.distinguished_name = rcgen::DistinguishedName::new();
    params.distinguished_name.push(DnType::OrganizationName, "amplocal");
    // A per-CA suffix keeps two generated CAs distinguishable in trust stores.
    let id = uuid::Uuid::new_v4().simple().to_string();
    params.distinguished_name.push(DnType::CommonName, format!("amplocal local CA {}", &id[..8]));
    params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign, KeyUsagePurpose::DigitalSignature];
    let cert = params.self_signed(&key)?;
    write_file(&paths.ca_key, &key.serialize_pem(), true)?;
    let pem = cert.pem();
    write_file(&paths.ca_cert, &pem, false)?;
    Ok((pem, key))
}

fn load_ca(paths: &TlsPaths) -> Option<(String, KeyPair)> {
    let pem = std::fs::read_to_string(&paths.ca_cert).ok()?;
    let key = KeyPair::from_pem(&std::fs::read_to_string(&paths.ca_key).ok()?).ok()?;
    Issuer::from_ca_cert_pem(&pem, &key).ok()?;
    Some((pem, key))
}

/// The leaf's expiry and SANs, written next to it (`leaf.meta`: unix expiry on the first line,
/// SANs comma-separated on the second) so later starts need not parse X.509.
fn leaf_meta(not_after: OffsetDateTime) -> String {
    format!("{}\n{}\n", not_after.unix_timestamp(), LEAF_SANS.join(","))
}

fn leaf_is_usable(paths: &TlsPaths) -> bool {
    if !paths.cert.exists() || !paths.key.exists() {
        return false;
    }
    let Ok(meta) = std::fs::read_to_string(&paths.meta) else { return false };
    let mut lines = meta.lines();
    let Some(expiry) = lines.next().and_then(|l| l.trim().parse::<i64>().ok()) else { return false };
    if expiry < (OffsetDateTime::now_utc() + Duration::days(30)).unix_timestamp() {
        return false;
    }
    let sans: Vec<&str> = lines.next().unwrap_or_default().split(',').collect();
    LEAF_SANS.iter().all(|s| sans.contains(s))
}

fn new_leaf(paths: &TlsPaths, ca_pem: &str, ca_key: &KeyPair) -> Result<(), TlsError> {
    let issuer = Issuer::from_ca_cert_pem(ca_pem, ca_key)?;
    let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)?;
    let mut params = CertificateParams::new(LEAF_SANS.iter().map(|s| s.to_string()).collect::<Vec<_>>())?;
    let now = OffsetDateTime::now_utc();
    params.not_before = now - Duration::days(1);
    // Apple platforms reject TLS server certificates valid for more than 398 days.
    params.not_after = now + Duration::days(397);
    params.serial_number = Some(random_serial());
    params.distinguished_name = rcgen::DistinguishedName::new();
    params.distinguished_name.push(DnType::OrganizationName, "amplocal");
    params.distinguished_name.push(DnType::CommonName, "localhost");
    params.is_ca = IsCa::ExplicitNoCa;
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    params.use_authority_key_identifier_extension = true;
    let cert = params.signed_by(&key, &issuer)?;
    write_file(&paths.key, &key.serialize_pem(), true)?;
    write_file(&paths.cert, &format!("{}{}", cert.pem(), ca_pem), false)?;
    write_file(&paths.meta, &leaf_meta(params.not_after), false)
}

/// Create the CA and leaf under `<data_dir>/tls/` if needed (reusing whatever is still valid)
/// and return their paths. Cheap when everything exists: two small file reads and one parse.
pub fn ensure(data_dir: &Path) -> Result<TlsPaths, TlsError> {
    let paths = TlsPaths::new(data_dir);
    let dir = data_dir.join("tls");
    std::fs::create_dir_all(&dir).map_err(io_err(&dir))?;
    let (ca_pem, ca_key, fresh_ca) = match load_ca(&paths) {
        Some((pem, key)) => (pem, key, false),
        None => {
            let (pem, key) = new_ca(&paths)?;
            (pem, key, true)
        }
    };
    if fresh_ca || !leaf_is_usable(&paths) {
        new_leaf(&paths, &ca_pem, &ca_key)?;
    }
    Ok(paths)
}

/// The rustls server configuration for `paths` (ALPN h2 then http/1.1), with no configured
/// host names: see [`server_config_for`].
pub fn server_config(paths: &TlsPaths) -> Result<Arc<rustls::ServerConfig>, TlsError> {
    server_config_for(paths, &[])
}

/// The rustls server configuration for `paths` (ALPN h2 then http/1.1). The static leaf is
/// served without SNI and for names it covers or that are not ours; names under `localhost`
/// and under each of `hosts` (configured base hosts such as `--s3-hostname`, equal or below)
/// get an in-memory leaf for exactly that name, issued by the local CA on first use.
pub fn server_config_for(paths: &TlsPaths, hosts: &[String]) -> Result<Arc<rustls::ServerConfig>, TlsError> {
    let certs = CertificateDer::pem_file_iter(&paths.cert)
        .map_err(|_| TlsError::Pem(paths.cert.clone()))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| TlsError::Pem(paths.cert.clone()))?;
    if certs.is_empty() {
        return Err(TlsError::Pem(paths.cert.clone()));
    }
    let key_pem = std::fs::read_to_string(&paths.key).map_err(io_err(&paths.key))?;
    let key = PrivateKeyDer::from_pem_slice(key_pem.as_bytes()).map_err(|_| TlsError::Pem(paths.key.clone()))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let fallback = Arc::new(rustls::sign::CertifiedKey::from_der(certs, key, &provider)?);
    let resolver = names::NameResolver::new(fallback, key_pem, paths.ca_key.clone(), hosts);
    let mut cfg = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_cert_resolver(Arc::new(resolver));
    cfg.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(Arc::new(cfg))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn creates_then_reuses_and_reissues_missing_leaf() {
        let dir = tempfile::tempdir().unwrap();
        let p = ensure(dir.path()).unwrap();
        let ca1 = std::fs::read_to_string(&p.ca_cert).unwrap();
        let leaf1 = std::fs::read_to_string(&p.cert).unwrap();
        server_config(&p).unwrap();
        let p = ensure(dir.path()).unwrap();
        assert_eq!(std::fs::read_to_string(&p.ca_cert).unwrap(), ca1);
        assert_eq!(std::fs::read_to_string(&p.cert).unwrap(), leaf1);
        std::fs::remove_file(&p.cert).unwrap();
        let p = ensure(dir.path()).unwrap();
        assert_eq!(std::fs::read_to_string(&p.ca_cert).unwrap(), ca1);
        let leaf2 = std::fs::read_to_string(&p.cert).unwrap();
        assert_ne!(leaf2, leaf1);
        assert!(leaf2.ends_with(&ca1), "chain carries the CA");
        server_config(&p).unwrap();
        // An expiring leaf is re-issued.
        std::fs::write(&p.meta, format!("{}\n{}\n", OffsetDateTime::now_utc().unix_timestamp() + 86_400, LEAF_SANS.join(","))).unwrap();
        ensure(dir.path()).unwrap();
        assert_ne!(std::fs::read_to_string(&p.cert).unwrap(), leaf2);
    }

    #[test]
    fn garbage_ca_is_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let p = ensure(dir.path()).unwrap();
        std::fs::write(&p.ca_cert, "not a pem").unwrap();
        let p = ensure(dir.path()).unwrap();
        assert!(std::fs::read_to_string(&p.ca_cert).unwrap().starts_with("-----BEGIN CERTIFICATE-----"));
        server_config(&p).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn keys_are_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let p = ensure(dir.path()).unwrap();
        for k in [&p.ca_key, &p.key] {
            assert_eq!(std::fs::metadata(k).unwrap().permissions().mode() & 0o777, 0o600);
        }
    }
}
