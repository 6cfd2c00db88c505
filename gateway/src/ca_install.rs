//! `amplocal ca --install`: adds the local CA to the trust stores a user can change without
//! root, through NSS's `certutil` — the NSS database Chromium/Chrome read on Linux
//! (`$HOME/.pki/nssdb`, created if absent; also the snap Chromium's) and every Firefox profile
//! that has a `cert9.db` (plain, snap and flatpak installs; on macOS the
//! `Library/Application Support/Firefox/Profiles` ones). Each database gets the CA with trust
//! `C,,` (trusted to issue TLS server certificates) under the CA's own common name
//! (`amplocal local CA <id>`), so CAs of different data dirs can sit side by side: NSS refuses
//! one nickname for two subjects.
//!
//! Idempotent: a database that already holds the same certificate with the `C` SSL trust flag is
//! left alone. Leaves out (reported as manual steps): the system store
//! (`update-ca-certificates`, needs root), the macOS keychain (`security add-trusted-cert`),
//! Windows, Node (`NODE_EXTRA_CA_CERTS`) and Python (`AWS_CA_BUNDLE`), which read no shared store.

use rustls::pki_types::CertificateDer;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Why `ca --install` could not run at all.
#[derive(Debug, thiserror::Error)]
pub enum InstallError {
    /// NSS's `certutil` is not on `PATH`.
    #[error(
        "certutil (from NSS) was not found on PATH; install it and run `amplocal ca --install` again: \
         Debian/Ubuntu `sudo apt-get install libnss3-tools`, Fedora/RHEL `sudo dnf install nss-tools`, \
         Arch `sudo pacman -S nss`, macOS `brew install nss`"
    )]
    CertutilMissing,
    /// `$HOME` is unset or empty.
    #[error("HOME is not set: cannot find the NSS databases")]
    NoHome,
    /// The CA file could not be read or holds no certificate.
    #[error("cannot read the CA certificate {path}: {reason}")]
    BadCa {
        /// The CA file.
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },
}

/// What happened to one NSS database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The CA was added (`created_db`: the database did not exist before).
    Added {
        /// The database was created first.
        created_db: bool,
    },
    /// The CA was there but had lost its SSL trust; trust `C,,` was set again.
    TrustRestored,
    /// The CA was already there and trusted: nothing to do.
    AlreadyTrusted,
    /// certutil failed on this database (message from certutil).
    Failed(String),
}

/// One NSS database `ca --install` looked at.
#[derive(Debug, Clone)]
pub struct DbResult {
    /// Which program reads it, e.g. "Chromium/Chrome" or "Firefox profile default-release".
    pub store: String,
    /// The database directory (holding `cert9.db`).
    pub dir: PathBuf,
    /// What happened.
    pub outcome: Outcome,
}

/// The CA as `ca --install` needs it: DER bytes and the nickname to use.
#[derive(Debug, Clone)]
pub struct CaCert {
    /// The PEM file.
    pub path: PathBuf,
    /// Its DER encoding (compared with what a database holds).
    pub der: Vec<u8>,
    /// NSS nickname: the CA's common name, or "amplocal" when it has none.
    pub nickname: String,
}

impl CaCert {
    /// Reads and parses `path` (a PEM certificate).
    pub fn load(path: &Path) -> Result<Self, InstallError> {
        let bad = |reason: String| InstallError::BadCa { path: path.to_path_buf(), reason };
        let pem = std::fs::read_to_string(path).map_err(|e| bad(e.to_string()))?;
        let der = first_cert(&pem).ok_or_else(|| bad("no CERTIFICATE block".into()))?;
        let nickname = common_name(&der).filter(|cn| !cn.is_empty()).unwrap_or_else(|| "amplocal".to_string());
        Ok(Self { path: path.to_path_buf(), der, nickname })
    }
}

/// DER of every CERTIFICATE block in `pem`.
fn certs(pem: &str) -> Vec<Vec<u8>> {
    rustls_pemfile::certs(&mut pem.as_bytes()).filter_map(Result::ok).map(|c: CertificateDer<'_>| c.to_vec()).collect()
}

/// The first commonName (OID 2.5.4.3) in a certificate's DER with a short UTF8String or
/// PrintableString value: for a self-signed CA the issuer's CN, which is the subject's. Bounds
/// are checked on every index (`get`), so any input is safe.
fn common_name(der: &[u8]) -> Option<String> {
    const CN_OID: [u8; 5] = [0x06, 0x03, 0x55, 0x04, 0x03];
    let at = der.windows(CN_OID.len()).position(|w| w == CN_OID)? + CN_OID.len();
    let tag = *der.get(at)?;
    let len = usize::from(*der.get(at + 1)?);
    if !(tag == 0x0c || tag == 0x13) || len >= 0x80 {
        return None;
    }
    let value = der.get(at + 2..at + 2 + len)?;
    std::str::from_utf8(value).ok().map(str::to_string)
}

fn first_cert(pem: &str) -> Option<Vec<u8>> {
    certs(pem).into_iter().next()
}

/// The first `certutil` on `path_var` (a `PATH`-style list), if any.
pub fn find_certutil(path_var: Option<&OsStr>) -> Option<PathBuf> {
    let path_var = path_var?;
    std::env::split_paths(path_var).map(|d| d.join("certutil")).find(|p| p.is_file())
}

/// The NSS databases to update under `home`: `(store label, dir, create if absent)`. The
/// Chromium one (Linux) is always included and created when missing; the others only when
/// their `cert9.db` exists.
pub fn databases(home: &Path) -> Vec<(String, PathBuf, bool)> {
    let mut out = Vec::new();
    if cfg!(target_os = "linux") {
        out.push(("Chromium/Chrome".to_string(), home.join(".pki/nssdb"), true));
        let snap = home.join("snap/chromium/current/.pki/nssdb");
        if snap.join("cert9.db").is_file() {
            out.push(("Chromium (snap)".to_string(), snap, false));
        }
    }
    let firefox_roots = [
        (".mozilla/firefox", "Firefox"),
        ("snap/firefox/common/.mozilla/firefox", "Firefox (snap)"),
        (".var/app/org.mozilla.firefox/.mozilla/firefox", "Firefox (flatpak)"),
        ("Library/Application Support/Firefox/Profiles", "Firefox"),
    ];
    for (rel, label) in firefox_roots {
        let Ok(entries) = std::fs::read_dir(home.join(rel)) else { continue };
        let mut profiles: Vec<PathBuf> =
            entries.filter_map(Result::ok).map(|e| e.path()).filter(|p| p.join("cert9.db").is_file()).collect();
        profiles.sort();
        for p in profiles {
            let name = p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            out.push((format!("{label} profile {name}"), p, false));
        }
    }
    out
}

/// Adds `ca` to every database of [`databases`] with `certutil`. Per-database failures are
/// reported in the result, not returned as errors, so one locked profile does not stop the rest.
pub fn install(ca: &CaCert, home: &Path, certutil: &Path) -> Vec<DbResult> {
    databases(home)
        .into_iter()
        .map(|(store, dir, create)| {
            let outcome = install_one(ca, &dir, create, certutil).unwrap_or_else(Outcome::Failed);
            DbResult { store, dir, outcome }
        })
        .collect()
}

fn install_one(ca: &CaCert, dir: &Path, create: bool, certutil: &Path) -> Result<Outcome, String> {
    let db = format!("sql:{}", dir.display());
    let mut created_db = false;
    if !dir.join("cert9.db").is_file() {
        if !create {
            return Err("no cert9.db".into());
        }
        create_private_dir(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        run(certutil, &["-N", "-d", &db, "--empty-password"])?;
        created_db = true;
    }
    if !created_db {
        if let Some(nickname) = find_nickname(ca, &db, certutil)? {
            let listing = run(certutil, &["-L", "-d", &db])?;
            if ssl_trusted(&listing, &nickname) {
                return Ok(Outcome::AlreadyTrusted);
            }
            run(certutil, &["-M", "-d", &db, "-n", &nickname, "-t", "C,,"])?;
            return Ok(Outcome::TrustRestored);
        }
    }
    let ca_path = ca.path.to_string_lossy();
    run(certutil, &["-A", "-d", &db, "-t", "C,,", "-n", &ca.nickname, "-i", &ca_path])?;
    Ok(Outcome::Added { created_db })
}

/// The nickname `ca` is stored under in `db`, if it is there: ours, or any other (added by hand,
/// e.g. `-n amplocal`; NSS keeps the first nickname a certificate got). `-L -n NICK -a` prints
/// every certificate under a nickname; at most 100 nicknames are looked at.
fn find_nickname(ca: &CaCert, db: &str, certutil: &Path) -> Result<Option<String>, String> {
    let listing = run(certutil, &["-L", "-d", db])?;
    let mut candidates = vec![ca.nickname.clone()];
    candidates.extend(listed_nicknames(&listing).into_iter().filter(|n| n != &ca.nickname));
    for nickname in candidates.into_iter().take(100) {
        if let Ok(pem) = run(certutil, &["-L", "-d", db, "-n", &nickname, "-a"]) {
            if certs(&pem).iter().any(|d| d == &ca.der) {
                return Ok(Some(nickname));
            }
        }
    }
    Ok(None)
}

/// The nicknames in `certutil -L` output (each line: nickname, padding, trust flags).
pub fn listed_nicknames(listing: &str) -> Vec<String> {
    listing
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with("Certificate Nickname") && !l.starts_with(' '))
        .filter_map(|l| l.trim_end().rsplit_once(' ').map(|(nick, _trust)| nick.trim_end().to_string()))
        .filter(|n| !n.is_empty())
        .collect()
}

/// Whether `certutil -L` output lists `nickname` with `C` (trusted CA for TLS servers) among
/// its SSL trust flags (the field before the first comma).
pub fn ssl_trusted(listing: &str, nickname: &str) -> bool {
    listing.lines().any(|line| {
        let Some(rest) = line.strip_prefix(nickname) else { return false };
        // The nickname column is padded with spaces; the trust column is the last token.
        if !rest.starts_with(' ') {
            return false;
        }
        let trust = rest.split_whitespace().last().unwrap_or("");
        trust.split(',').next().is_some_and(|ssl| ssl.contains('C'))
    })
}

fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}

/// Runs certutil; `Ok(stdout)` on exit 0, else `Err` with its stderr (or the spawn error).
fn run(certutil: &Path, args: &[&str]) -> Result<String, String> {
    let out = Command::new(certutil).args(args).output().map_err(|e| format!("cannot run {}: {e}", certutil.display()))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        let err = String::from_utf8_lossy(&out.stderr);
        Err(format!("certutil {} failed: {}", args.first().unwrap_or(&""), err.trim()))
    }
}

/// One human-readable line per database.
pub fn describe(r: &DbResult) -> String {
    let what = match &r.outcome {
        Outcome::Added { created_db: true } => "created the NSS database and added the CA".to_string(),
        Outcome::Added { created_db: false } => "added the CA".to_string(),
        Outcome::TrustRestored => "the CA was there without SSL trust: set trust C,,".to_string(),
        Outcome::AlreadyTrusted => "already trusted, nothing to do".to_string(),
        Outcome::Failed(e) => format!("FAILED: {e}"),
    };
    format!("{} ({}): {what}", r.store, r.dir.display())
}

/// The trust steps `ca --install` cannot do, for the CA at `ca`.
pub fn manual_steps(ca: &Path) -> String {
    let ca = ca.display();
    format!(
        "Left to do by hand, where you need it:\n\
         \x20 restart Chromium/Chrome/Firefox so they reload their certificate databases\n\
         \x20 Node.js (Amplify JS, SDK scripts): export NODE_EXTRA_CA_CERTS={ca}\n\
         \x20 Python (boto3, AWS CLI): export AWS_CA_BUNDLE={ca}\n\
         \x20 system store, Debian/Ubuntu (curl, wget; needs root): sudo cp {ca} /usr/local/share/ca-certificates/amplocal.crt && sudo update-ca-certificates\n\
         \x20 macOS keychain (Safari, Chrome): sudo security add-trusted-cert -d -r trustRoot -k /Library/Keychains/System.keychain {ca}\n\
         \x20 Windows (administrator shell): certutil -addstore -f ROOT {ca}"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ssl_trust_is_read_from_the_listing() {
        let listing = "\nCertificate Nickname                                         Trust Attributes\n\
                       \x20                                                            SSL,S/MIME,JAR/XPI\n\n\
                       amplocal local CA 1234abcd                                   C,,  \n\
                       amplocal local CA 99999999                                   ,,   \n";
        assert!(ssl_trusted(listing, "amplocal local CA 1234abcd"));
        assert!(!ssl_trusted(listing, "amplocal local CA 99999999"));
        assert!(!ssl_trusted(listing, "amplocal local CA 1234"));
        assert!(!ssl_trusted(listing, "other"));
        assert_eq!(listed_nicknames(listing), ["amplocal local CA 1234abcd", "amplocal local CA 99999999"]);
        assert_eq!(listed_nicknames("amplocal                                                     ,,   \n"), ["amplocal"]);
    }

    #[test]
    fn nickname_is_the_ca_common_name() {
        let dir = tempfile::tempdir().unwrap();
        let paths = crate::tls::ensure(dir.path()).unwrap();
        let ca = CaCert::load(&paths.ca_cert).unwrap();
        assert!(ca.nickname.starts_with("amplocal local CA "), "{}", ca.nickname);
        assert_eq!(ca.der, first_cert(&std::fs::read_to_string(&paths.ca_cert).unwrap()).unwrap());
        assert!(matches!(CaCert::load(&dir.path().join("missing.pem")), Err(InstallError::BadCa { .. })));
        std::fs::write(dir.path().join("junk.pem"), "not a certificate").unwrap();
        assert!(matches!(CaCert::load(&dir.path().join("junk.pem")), Err(InstallError::BadCa { .. })));
        assert_eq!(common_name(&[]), None);
        assert_eq!(common_name(&[0x06, 0x03, 0x55, 0x04, 0x03, 0x0c, 0x05, b'a']), None, "truncated value");
        assert_eq!(common_name(&[0x06, 0x03, 0x55, 0x04, 0x03, 0x0c, 0x02, b'h', b'i']).as_deref(), Some("hi"));
    }

    #[test]
    fn certutil_is_searched_on_the_given_path_only() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(find_certutil(Some(dir.path().as_os_str())), None);
        assert_eq!(find_certutil(None), None);
        std::fs::write(dir.path().join("certutil"), "").unwrap();
        assert_eq!(find_certutil(Some(dir.path().as_os_str())), Some(dir.path().join("certutil")));
    }

    #[test]
    fn firefox_profiles_need_a_cert9_db() {
        let home = tempfile::tempdir().unwrap();
        let ff = home.path().join(".mozilla/firefox");
        std::fs::create_dir_all(ff.join("abc.default-release")).unwrap();
        std::fs::write(ff.join("abc.default-release/cert9.db"), "").unwrap();
        std::fs::create_dir_all(ff.join("old.legacy")).unwrap();
        let dbs = databases(home.path());
        let dirs: Vec<_> = dbs.iter().map(|(_, d, _)| d.clone()).collect();
        assert!(dirs.contains(&ff.join("abc.default-release")));
        assert!(!dirs.contains(&ff.join("old.legacy")));
        if cfg!(target_os = "linux") {
            assert_eq!(dbs[0].1, home.path().join(".pki/nssdb"));
            assert!(dbs[0].2, "the Chromium database is created when absent");
        }
    }
}
