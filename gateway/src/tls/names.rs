//! Per-name leaf certificates for HTTPS names the static leaf cannot cover.
//!
//! Verifiers (rustls/webpki, OpenSSL, browsers) refuse a wildcard directly above a single label
//! (`*.localhost` does not cover `bucket.localhost`), a wildcard covers one label only
//! (`<apiId>.appsync-api.localhost`), and configured base hosts (`--s3-hostname`) are unknown
//! when the leaf file is written. So the rustls certificate resolver here serves the static
//! leaf for no SNI and for the names it does cover (`localhost`, `s3.localhost`,
//! `<label>.s3.localhost`), and for any other name under `localhost` or under a configured
//! base host (and `localhost.localstack.cloud`) it issues, on first sight, a leaf for exactly
//! that name, signed by the local CA and certifying the static leaf's own key (one signature,
//! no key generation). Those leaves live only in memory, in a bounded cache.
//! Nothing is read or computed until the first such name arrives (startup and idle memory are
//! unchanged); the CA key is then read once from `<data>/tls/ca.key` and kept in memory only.
//! Other names (`example.org`) keep the static leaf: we never present a certificate for a name
//! outside what this process serves. Any failure falls back to the static leaf.
//! Left out: persisting minted leaves, OCSP, names longer than 253 bytes or with labels other
//! than `[a-z0-9_-]{1,63}`.

use rcgen::{CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair, KeyUsagePurpose};
use rustls::pki_types::CertificateDer;
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use std::collections::{HashMap, VecDeque};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};
use time::{Duration, OffsetDateTime};

/// How many minted leaves stay cached (oldest evicted first).
pub(super) const CACHE_CAP: usize = 256;

/// Base hosts always eligible besides `localhost` (S3 answers them as virtual-host bases).
const BUILTIN_BASES: &[&str] = &["localhost", "localhost.localstack.cloud"];

/// Chooses the certificate for each handshake (see the module docs).
pub(super) struct NameResolver {
    fallback: Arc<CertifiedKey>,
    bases: Vec<String>,
    leaf_key_pem: String,
    ca_key_path: PathBuf,
    minter: OnceLock<Option<Minter>>,
    cache: Mutex<Cache>,
}

impl std::fmt::Debug for NameResolver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NameResolver").field("bases", &self.bases).finish_non_exhaustive()
    }
}

struct Minter {
    issuer: Issuer<'static, KeyPair>,
    leaf_public: KeyPair,
}

#[derive(Default)]
struct Cache {
    by_name: HashMap<String, (Arc<CertifiedKey>, i64)>,
    order: VecDeque<String>,
}

impl NameResolver {
    /// `fallback` is the static leaf (chain leaf then CA); `leaf_key_pem` its private key;
    /// `extra_bases` configured host names (e.g. `--s3-hostname`) whose names get a leaf too.
    pub(super) fn new(fallback: Arc<CertifiedKey>, leaf_key_pem: String, ca_key_path: PathBuf, extra_bases: &[String]) -> Self {
        let mut bases: Vec<String> = BUILTIN_BASES.iter().map(|s| s.to_string()).collect();
        for b in extra_bases {
            let b = b.trim().trim_start_matches('.').trim_end_matches('.').to_ascii_lowercase();
            if valid_dns_name(&b) && !bases.contains(&b) {
                bases.push(b);
            }
        }
        Self { fallback, bases, leaf_key_pem, ca_key_path, minter: OnceLock::new(), cache: Mutex::new(Cache::default()) }
    }

    /// The certificate for SNI `name` (`None`: no SNI).
    pub(super) fn certificate_for(&self, name: Option<&str>) -> Arc<CertifiedKey> {
        let Some(name) = name else { return self.fallback.clone() };
        let name = name.trim_end_matches('.').to_ascii_lowercase();
        if !needs_own_leaf(&name, &self.bases) {
            return self.fallback.clone();
        }
        let now = OffsetDateTime::now_utc().unix_timestamp();
        if let Some(hit) = self.cached(&name, now) {
            return hit;
        }
        match self.mint(&name) {
            Some((ck, expiry)) => {
                self.store(name, ck.clone(), expiry);
                ck
            }
            None => self.fallback.clone(),
        }
    }

    fn cached(&self, name: &str, now: i64) -> Option<Arc<CertifiedKey>> {
        let cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        // Re-mint 30 days before expiry (a long-running process).
        cache.by_name.get(name).filter(|(_, exp)| *exp - 30 * 86_400 > now).map(|(ck, _)| ck.clone())
    }

    fn store(&self, name: String, ck: Arc<CertifiedKey>, expiry: i64) {
        let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        if cache.by_name.insert(name.clone(), (ck, expiry)).is_none() {
            cache.order.push_back(name);
        }
        while cache.order.len() > CACHE_CAP {
            if let Some(old) = cache.order.pop_front() {
                cache.by_name.remove(&old);
            }
        }
    }

    fn minter(&self) -> Option<&Minter> {
        self.minter
            .get_or_init(|| {
                let m = load_minter(&self.fallback, &self.leaf_key_pem, &self.ca_key_path);
                if let Err(e) = &m {
                    tracing::warn!(error = %e, "cannot issue per-name TLS certificates; serving the localhost leaf for every name");
                }
                m.ok()
            })
            .as_ref()
    }

    fn mint(&self, name: &str) -> Option<(Arc<CertifiedKey>, i64)> {
        let minter = self.minter()?;
        match mint_leaf(minter, name) {
            Ok((der, expiry)) => {
                let mut chain = vec![der];
                chain.extend(self.fallback.cert.iter().skip(1).cloned());
                Some((Arc::new(CertifiedKey::new(chain, self.fallback.key.clone())), expiry))
            }
            Err(e) => {
                tracing::warn!(error = %e, name, "issuing a TLS certificate failed; serving the localhost leaf");
                None
            }
        }
    }
}

impl ResolvesServerCert for NameResolver {
    fn resolve(&self, client_hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(self.certificate_for(client_hello.server_name()))
    }
}

fn load_minter(fallback: &CertifiedKey, leaf_key_pem: &str, ca_key_path: &std::path::Path) -> Result<Minter, String> {
    let ca_der = fallback.cert.get(1).ok_or("the leaf chain carries no CA certificate")?;
    let ca_key_pem = std::fs::read_to_string(ca_key_path).map_err(|e| format!("{}: {e}", ca_key_path.display()))?;
    let ca_key = KeyPair::from_pem(&ca_key_pem).map_err(|e| format!("CA key: {e}"))?;
    let issuer = Issuer::from_ca_cert_der(ca_der, ca_key).map_err(|e| format!("CA certificate: {e}"))?;
    let leaf_public = KeyPair::from_pem(leaf_key_pem).map_err(|e| format!("leaf key: {e}"))?;
    Ok(Minter { issuer, leaf_public })
}

fn mint_leaf(m: &Minter, name: &str) -> Result<(CertificateDer<'static>, i64), rcgen::Error> {
    let mut params = CertificateParams::new(vec![name.to_string()])?;
    let now = OffsetDateTime::now_utc();
    params.not_before = now - Duration::days(1);
    params.not_after = now + Duration::days(397);
    params.serial_number = Some(super::random_serial());
    params.distinguished_name = DistinguishedName::new();
    params.distinguished_name.push(DnType::OrganizationName, "amplocal");
    params.is_ca = IsCa::ExplicitNoCa;
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    params.use_authority_key_identifier_extension = true;
    let cert = params.signed_by(&m.leaf_public, &m.issuer)?;
    Ok((cert.der().clone(), params.not_after.unix_timestamp()))
}

/// A lower-case DNS name: 1..=253 bytes, labels of 1..=63 `[a-z0-9_-]`.
pub(super) fn valid_dns_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 253
        && name
            .split('.')
            .all(|l| !l.is_empty() && l.len() <= 63 && l.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_'))
}

/// Whether the static leaf covers `name` with a SAN every verifier accepts.
fn static_leaf_covers(name: &str) -> bool {
    if name == "localhost" || name == "s3.localhost" {
        return true;
    }
    name.strip_suffix(".s3.localhost").is_some_and(|label| !label.is_empty() && !label.contains('.'))
}

/// Whether `name` (lower case) gets a leaf of its own: a valid DNS name the static leaf does
/// not cover, equal to or under one of `bases`.
pub(super) fn needs_own_leaf(name: &str, bases: &[String]) -> bool {
    if !valid_dns_name(name) || static_leaf_covers(name) {
        return false;
    }
    bases.iter().any(|b| name == b || (name.len() > b.len() + 1 && name.ends_with(b.as_str()) && name.as_bytes()[name.len() - b.len() - 1] == b'.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bases(extra: &[&str]) -> Vec<String> {
        BUILTIN_BASES.iter().chain(extra).map(|s| s.to_string()).collect()
    }

    #[test]
    fn which_names_get_their_own_leaf() {
        let b = bases(&["files.dev.test"]);
        for yes in ["bucket.localhost", "abc.appsync-api.localhost", "abc.appsync-realtime-api.localhost", "my.bucket.s3.localhost", "files.dev.test", "bucket.files.dev.test", "s3.localhost.localstack.cloud", "b.s3.localhost.localstack.cloud", "x_y.localhost"] {
            assert!(needs_own_leaf(yes, &b), "{yes}");
        }
        for no in ["localhost", "s3.localhost", "bucket.s3.localhost", "example.org", "unknown.example.org", "evillocalhost", "xfiles.dev.test", "dev.test", "", ".localhost", "a..localhost", "bücket.localhost", "a b.localhost", "Bucket.localhost", "127.0.0.1.localhost.evil"] {
            assert!(!needs_own_leaf(no, &b), "{no}");
        }
        let long_label = format!("{}.localhost", "a".repeat(64));
        assert!(!needs_own_leaf(&long_label, &b));
        let long_name = format!("{}localhost", "abcdefgh.".repeat(28));
        assert!(long_name.len() > 253 && !needs_own_leaf(&long_name, &b));
        let max = format!("{}.localhost", ["a".repeat(63), "b".repeat(63), "c".repeat(63), "d".repeat(51)].join("."));
        assert_eq!(max.len(), 253);
        assert!(needs_own_leaf(&max, &b));
    }
}
