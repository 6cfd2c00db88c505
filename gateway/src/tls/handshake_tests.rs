//! In-memory TLS handshakes against [`super::server_config_for`] with a verifying rustls client
//! (webpki, the generated CA as the only root): which names verify, which certificate each SNI
//! gets, the cache bound, and hostile SNI bytes.

use super::*;
use rustls::pki_types::ServerName;
use rustls::{ClientConfig, ClientConnection, RootCertStore, ServerConnection};

fn setup(hosts: &[&str]) -> (tempfile::TempDir, TlsPaths, Arc<rustls::ServerConfig>, Arc<ClientConfig>) {
    let dir = tempfile::tempdir().unwrap();
    let paths = ensure(dir.path()).unwrap();
    let hosts: Vec<String> = hosts.iter().map(|s| s.to_string()).collect();
    let server = server_config_for(&paths, &hosts).unwrap();
    let mut roots = RootCertStore::empty();
    for c in CertificateDer::pem_file_iter(&paths.ca_cert).unwrap() {
        roots.add(c.unwrap()).unwrap();
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let client = ClientConfig::builder_with_provider(provider).with_safe_default_protocol_versions().unwrap().with_root_certificates(roots).with_no_client_auth();
    (dir, paths, server, Arc::new(client))
}

/// Pump records between the two ends until both finish or one fails.
fn pump(client: &mut ClientConnection, server: &mut ServerConnection) -> Result<(), rustls::Error> {
    for _ in 0..20 {
        let mut buf = Vec::new();
        while client.wants_write() {
            client.write_tls(&mut buf).unwrap();
        }
        let mut rd = &buf[..];
        while !rd.is_empty() {
            server.read_tls(&mut rd).unwrap();
            server.process_new_packets()?;
        }
        let mut buf = Vec::new();
        while server.wants_write() {
            server.write_tls(&mut buf).unwrap();
        }
        let mut rd = &buf[..];
        while !rd.is_empty() {
            client.read_tls(&mut rd).unwrap();
            client.process_new_packets()?;
        }
        if !client.is_handshaking() && !server.is_handshaking() {
            return Ok(());
        }
    }
    panic!("handshake did not finish");
}

/// Handshake with SNI `name`; the leaf the server presented, or the client's error.
fn connect(server: &Arc<rustls::ServerConfig>, client: &Arc<ClientConfig>, name: &str) -> Result<CertificateDer<'static>, rustls::Error> {
    let sn = ServerName::try_from(name.to_string()).unwrap();
    let mut c = ClientConnection::new(client.clone(), sn).unwrap();
    let mut s = ServerConnection::new(server.clone()).unwrap();
    pump(&mut c, &mut s)?;
    Ok(c.peer_certificates().unwrap()[0].clone())
}

fn static_leaf(paths: &TlsPaths) -> CertificateDer<'static> {
    CertificateDer::pem_file_iter(&paths.cert).unwrap().next().unwrap().unwrap()
}

#[test]
fn every_served_name_verifies_with_the_ca() {
    let (_d, paths, server, client) = setup(&["files.dev.test", ".Other.Example."]);
    let leaf = static_leaf(&paths);
    for name in ["localhost", "s3.localhost", "bucket.s3.localhost"] {
        assert_eq!(connect(&server, &client, name).unwrap(), leaf, "{name} keeps the static leaf");
    }
    for name in [
        "bucket.localhost",
        "my.dotted.bucket.s3.localhost",
        "abc123.appsync-api.localhost",
        "abc123.appsync-realtime-api.localhost",
        "files.dev.test",
        "bucket.files.dev.test",
        "other.example",
        "b.other.example",
        "b.s3.localhost.localstack.cloud",
    ] {
        let got = connect(&server, &client, name).unwrap_or_else(|e| panic!("{name}: {e:?}"));
        assert_ne!(got, leaf, "{name} gets its own leaf");
        // Cached: the same certificate the second time.
        assert_eq!(connect(&server, &client, name).unwrap(), got, "{name} cached");
    }
    // Case-insensitive: the cache is keyed by the lower-case name.
    assert_eq!(connect(&server, &client, "Bucket.LocalHost").unwrap(), connect(&server, &client, "bucket.localhost").unwrap());
}

#[test]
fn the_static_leaf_alone_does_not_cover_these_names() {
    // Claims (a)-(c): with the static leaf served for every SNI, webpki refuses these.
    let (_d, paths, _server, client) = setup(&[]);
    let certs = CertificateDer::pem_file_iter(&paths.cert).unwrap().collect::<Result<Vec<_>, _>>().unwrap();
    let key = rustls::pki_types::PrivateKeyDer::from_pem_file(&paths.key).unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let single = Arc::new(rustls::ServerConfig::builder_with_provider(provider).with_safe_default_protocol_versions().unwrap().with_no_client_auth().with_single_cert(certs, key).unwrap());
    assert!(connect(&single, &client, "bucket.s3.localhost").is_ok());
    for name in ["bucket.localhost", "abc.appsync-api.localhost", "files.dev.test"] {
        let err = connect(&single, &client, name).unwrap_err();
        assert!(format!("{err:?}").contains("NotValidForName"), "{name}: {err:?}");
    }
}

#[test]
fn foreign_names_keep_the_static_leaf_and_fail_verification() {
    let (_d, paths, server, client) = setup(&["files.dev.test"]);
    for name in ["unknown.example.org", "xfiles.dev.test", "localhost.evil.org"] {
        let err = connect(&server, &client, name).unwrap_err();
        assert!(format!("{err:?}").contains("NotValidForName"), "{name}: {err:?}");
    }
    // Without SNI (an IP literal is never sent as SNI): the static leaf, valid for 127.0.0.1.
    let mut c = ClientConnection::new(client.clone(), ServerName::try_from("127.0.0.1").unwrap()).unwrap();
    let mut s = ServerConnection::new(server.clone()).unwrap();
    pump(&mut c, &mut s).unwrap();
    assert_eq!(c.peer_certificates().unwrap()[0], static_leaf(&paths));
}

#[test]
fn cache_is_bounded_and_evicted_names_are_minted_again() {
    let (_d, _paths, server, client) = setup(&[]);
    let first = connect(&server, &client, "n0.localhost").unwrap();
    for i in 1..=names::CACHE_CAP {
        connect(&server, &client, &format!("n{i}.localhost")).unwrap();
    }
    // n0 was evicted: a fresh (different serial) certificate that still verifies.
    assert_ne!(connect(&server, &client, "n0.localhost").unwrap(), first);
}

#[test]
fn without_the_ca_key_minting_falls_back_to_the_static_leaf() {
    let (_d, paths, server, client) = setup(&[]);
    std::fs::remove_file(&paths.ca_key).unwrap();
    let err = connect(&server, &client, "bucket.localhost").unwrap_err();
    assert!(format!("{err:?}").contains("NotValidForName"), "{err:?}");
    assert!(connect(&server, &client, "localhost").is_ok());
}

#[test]
fn hostile_sni_bytes_never_panic() {
    let (_d, _paths, server, client) = setup(&[]);
    let placeholder = format!("{}.localhost", ["a".repeat(63), "a".repeat(63), "a".repeat(63), "a".repeat(51)].join("."));
    // Same-length replacements for the 253 SNI bytes: odd characters, NUL, high bytes, dots only.
    let odd: Vec<Vec<u8>> = vec![
        vec![b'.'; 253],
        vec![0u8; 253],
        vec![0xff; 253],
        b"*.".iter().copied().cycle().take(253).collect(),
        b"A-/\\%..\x7f ".iter().copied().cycle().take(253).collect(),
        format!("{}x.localhost", "\u{e9}".repeat(121)).into_bytes(),
        placeholder.clone().into_bytes(), // valid and maximal: gets its own leaf
    ];
    for bytes in odd {
        assert_eq!(bytes.len(), 253);
        let mut c = ClientConnection::new(client.clone(), ServerName::try_from(placeholder.clone()).unwrap()).unwrap();
        let mut hello = Vec::new();
        while c.wants_write() {
            c.write_tls(&mut hello).unwrap();
        }
        let at = hello.windows(253).position(|w| w == placeholder.as_bytes()).expect("SNI in the ClientHello");
        hello[at..at + 253].copy_from_slice(&bytes);
        let mut s = ServerConnection::new(server.clone()).unwrap();
        let mut rd = &hello[..];
        let mut outcome = Ok(());
        while !rd.is_empty() && outcome.is_ok() {
            s.read_tls(&mut rd).unwrap();
            outcome = s.process_new_packets().map(|_| ());
        }
        // Either a clean TLS error or a ServerHello on its way; never a panic.
        assert!(outcome.is_err() || s.wants_write(), "{:?}", String::from_utf8_lossy(&bytes));
    }
}
