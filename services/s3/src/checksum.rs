//! Flexible checksums (`x-amz-checksum-{crc32,crc32c,crc64nvme,sha1,sha256}`), MD5 (ETag,
//! Content-MD5) and SHA-256 (`x-amz-content-sha256`), computed incrementally while a body
//! streams to disk. See <https://docs.aws.amazon.com/AmazonS3/latest/userguide/checking-object-integrity.html>.
//! Leaves out the newer SHA512/MD5/XXHASH algorithms (their headers are neither checked nor echoed).

use base64::Engine as _;
use md5::Digest as _;
use serde::{Deserialize, Serialize};

/// A flexible checksum algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ChecksumAlg {
    /// CRC32 (IEEE), 4 bytes big-endian.
    Crc32,
    /// CRC32C (Castagnoli), 4 bytes big-endian.
    Crc32c,
    /// CRC64/NVME, 8 bytes big-endian.
    Crc64Nvme,
    /// SHA-1.
    Sha1,
    /// SHA-256.
    Sha256,
}

impl ChecksumAlg {
    /// All supported algorithms.
    pub const ALL: [ChecksumAlg; 5] = [Self::Crc32, Self::Crc32c, Self::Crc64Nvme, Self::Sha1, Self::Sha256];

    /// Name as used in `x-amz-checksum-algorithm` (`CRC32`).
    pub fn name(self) -> &'static str {
        match self {
            Self::Crc32 => "CRC32",
            Self::Crc32c => "CRC32C",
            Self::Crc64Nvme => "CRC64NVME",
            Self::Sha1 => "SHA1",
            Self::Sha256 => "SHA256",
        }
    }

    /// Header name (`x-amz-checksum-crc32`).
    pub fn header(self) -> &'static str {
        match self {
            Self::Crc32 => "x-amz-checksum-crc32",
            Self::Crc32c => "x-amz-checksum-crc32c",
            Self::Crc64Nvme => "x-amz-checksum-crc64nvme",
            Self::Sha1 => "x-amz-checksum-sha1",
            Self::Sha256 => "x-amz-checksum-sha256",
        }
    }

    /// XML element name (`ChecksumCRC32`).
    pub fn xml_name(self) -> &'static str {
        match self {
            Self::Crc32 => "ChecksumCRC32",
            Self::Crc32c => "ChecksumCRC32C",
            Self::Crc64Nvme => "ChecksumCRC64NVME",
            Self::Sha1 => "ChecksumSHA1",
            Self::Sha256 => "ChecksumSHA256",
        }
    }

    /// Parse an algorithm name, case-insensitively.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.name().eq_ignore_ascii_case(s.trim()))
    }

    /// Parse a header name (`x-amz-checksum-crc32`).
    pub fn from_header(h: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.header().eq_ignore_ascii_case(h.trim()))
    }

    /// Digest length in bytes.
    pub fn digest_len(self) -> usize {
        match self {
            Self::Crc32 | Self::Crc32c => 4,
            Self::Crc64Nvme => 8,
            Self::Sha1 => 20,
            Self::Sha256 => 32,
        }
    }

    /// Whether a base64 value decodes to the right length.
    pub fn valid_value(self, b64: &str) -> bool {
        b64engine().decode(b64).map(|v| v.len() == self.digest_len()).unwrap_or(false)
    }
}

/// The standard base64 engine.
pub fn b64engine() -> &'static base64::engine::GeneralPurpose {
    &base64::engine::general_purpose::STANDARD
}

/// An incremental checksum of one algorithm.
#[derive(Clone)]
pub enum Hasher {
    /// CRC32.
    Crc32(crc32fast::Hasher),
    /// CRC32C.
    Crc32c(u32),
    /// CRC64NVME.
    Crc64(crc64fast_nvme::Digest),
    /// SHA-1.
    Sha1(sha1::Sha1),
    /// SHA-256.
    Sha256(sha2::Sha256),
}

impl std::fmt::Debug for Hasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Hasher")
    }
}

impl Hasher {
    /// A fresh hasher.
    pub fn new(alg: ChecksumAlg) -> Self {
        match alg {
            ChecksumAlg::Crc32 => Self::Crc32(crc32fast::Hasher::new()),
            ChecksumAlg::Crc32c => Self::Crc32c(0),
            ChecksumAlg::Crc64Nvme => Self::Crc64(crc64fast_nvme::Digest::new()),
            ChecksumAlg::Sha1 => Self::Sha1(sha1::Sha1::new()),
            ChecksumAlg::Sha256 => Self::Sha256(sha2::Sha256::new()),
        }
    }

    /// The algorithm.
    pub fn alg(&self) -> ChecksumAlg {
        match self {
            Self::Crc32(_) => ChecksumAlg::Crc32,
            Self::Crc32c(_) => ChecksumAlg::Crc32c,
            Self::Crc64(_) => ChecksumAlg::Crc64Nvme,
            Self::Sha1(_) => ChecksumAlg::Sha1,
            Self::Sha256(_) => ChecksumAlg::Sha256,
        }
    }

    /// Feed bytes.
    pub fn update(&mut self, data: &[u8]) {
        match self {
            Self::Crc32(h) => h.update(data),
            Self::Crc32c(c) => *c = crc32c::crc32c_append(*c, data),
            Self::Crc64(h) => h.write(data),
            Self::Sha1(h) => h.update(data),
            Self::Sha256(h) => h.update(data),
        }
    }

    /// The raw digest bytes.
    pub fn finish(self) -> Vec<u8> {
        match self {
            Self::Crc32(h) => h.finalize().to_be_bytes().to_vec(),
            Self::Crc32c(c) => c.to_be_bytes().to_vec(),
            Self::Crc64(h) => h.sum64().to_be_bytes().to_vec(),
            Self::Sha1(h) => h.finalize().to_vec(),
            Self::Sha256(h) => h.finalize().to_vec(),
        }
    }
}

/// Checksum `data` in one go, base64.
pub fn checksum_b64(alg: ChecksumAlg, data: &[u8]) -> String {
    let mut h = Hasher::new(alg);
    h.update(data);
    b64engine().encode(h.finish())
}

/// Everything computed over a body while it streamed. A large body's digests are
/// [`Digests::split`] into parts hashed on separate threads and [`Digests::merge`]d back.
#[derive(Debug, Clone)]
pub struct Digests {
    /// Always Some, except in the parts of a split that do not carry it.
    md5: Option<md5::Md5>,
    sha256: Option<sha2::Sha256>,
    hashers: Vec<Hasher>,
    /// The flexible checksums' order, kept by the MD5 part of a split so a merge restores it.
    order: Vec<ChecksumAlg>,
}

/// The results of [`Digests`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DigestValues {
    /// MD5 of the bytes.
    pub md5: [u8; 16],
    /// SHA-256 hex, when asked for.
    pub sha256_hex: Option<String>,
    /// Flexible checksums computed (base64).
    pub checksums: Vec<(ChecksumAlg, String)>,
}

impl DigestValues {
    /// The computed checksum of `alg`, if any.
    pub fn checksum(&self, alg: ChecksumAlg) -> Option<&str> {
        self.checksums.iter().find(|(a, _)| *a == alg).map(|(_, v)| v.as_str())
    }
}

impl Digests {
    /// Digests computing MD5, SHA-256 if `sha256`, and the given algorithms.
    pub fn new(sha256: bool, algs: &[ChecksumAlg]) -> Self {
        let mut hashers: Vec<Hasher> = Vec::new();
        for a in algs {
            if !hashers.iter().any(|h| h.alg() == *a) {
                hashers.push(Hasher::new(*a));
            }
        }
        let order = hashers.iter().map(Hasher::alg).collect();
        Self { md5: Some(md5::Md5::new()), sha256: sha256.then(sha2::Sha256::new), hashers, order }
    }

    /// Split into independent parts, each worth a thread of its own: MD5 first, then
    /// `x-amz-content-sha256`'s SHA-256, then each SHA flexible checksum, then all CRCs
    /// together (they run at several GiB/s). Feed every part the same bytes, then [`Digests::merge`].
    pub fn split(self) -> Vec<Digests> {
        let part = |md5, sha256, hashers| Digests { md5, sha256, hashers, order: Vec::new() };
        let mut parts = vec![Digests { order: self.order, ..part(self.md5, None, Vec::new()) }];
        if self.sha256.is_some() {
            parts.push(part(None, self.sha256, Vec::new()));
        }
        let (sha, crc): (Vec<Hasher>, Vec<Hasher>) = self.hashers.into_iter().partition(|h| matches!(h, Hasher::Sha1(_) | Hasher::Sha256(_)));
        for h in sha {
            parts.push(part(None, None, vec![h]));
        }
        if !crc.is_empty() {
            parts.push(part(None, None, crc));
        }
        parts
    }

    /// Whether this (part) runs only CRCs, which cost little next to MD5 or SHA.
    pub fn only_crcs(&self) -> bool {
        self.md5.is_none() && self.sha256.is_none() && self.hashers.iter().all(|h| !matches!(h, Hasher::Sha1(_) | Hasher::Sha256(_)))
    }

    /// Join the parts of a [`Digests::split`] again (in any order).
    pub fn merge(parts: Vec<Digests>) -> Digests {
        let mut out = Digests { md5: None, sha256: None, hashers: Vec::new(), order: Vec::new() };
        for p in parts {
            out.md5 = out.md5.or(p.md5);
            out.sha256 = out.sha256.or(p.sha256);
            out.hashers.extend(p.hashers);
            out.order.extend(p.order);
        }
        let order = std::mem::take(&mut out.order);
        out.hashers.sort_by_key(|h| order.iter().position(|a| *a == h.alg()));
        out.order = order;
        out
    }

    /// Feed bytes to every digest.
    pub fn update(&mut self, data: &[u8]) {
        if let Some(m) = &mut self.md5 {
            m.update(data);
        }
        if let Some(s) = &mut self.sha256 {
            s.update(data);
        }
        for h in &mut self.hashers {
            h.update(data);
        }
    }

    /// Finish all digests.
    pub fn finish(self) -> DigestValues {
        DigestValues {
            md5: self.md5.map(|m| m.finalize().into()).unwrap_or_default(),
            sha256_hex: self.sha256.map(|s| hex::encode(s.finalize())),
            checksums: self.hashers.into_iter().map(|h| (h.alg(), b64engine().encode(h.finish()))).collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_parts_merge_to_the_same_values() {
        let algs = [ChecksumAlg::Crc32, ChecksumAlg::Sha1, ChecksumAlg::Crc64Nvme, ChecksumAlg::Sha256];
        let mut whole = Digests::new(true, &algs);
        let mut parts = Digests::new(true, &algs).split();
        // md5, payload sha256, sha1, sha256 checksum, the two CRCs together
        assert_eq!(parts.len(), 5);
        for chunk in [&b"hello "[..], b"world", b""] {
            whole.update(chunk);
            for p in &mut parts {
                p.update(chunk);
            }
        }
        parts.reverse();
        assert_eq!(Digests::merge(parts).finish(), whole.finish());
        assert_eq!(Digests::new(false, &[]).split().len(), 1);
    }

    #[test]
    fn known_vectors() {
        // captured from boto3 (reference §1.2): "hello from boto3 bytes body" → 3dm+sw==
        assert_eq!(checksum_b64(ChecksumAlg::Crc32, b"hello from boto3 bytes body"), "3dm+sw==");
        assert_eq!(checksum_b64(ChecksumAlg::Crc32, b""), "AAAAAA==");
        assert_eq!(checksum_b64(ChecksumAlg::Crc32c, b"123456789"), b64engine().encode(0xE306_9283u32.to_be_bytes()));
        assert_eq!(checksum_b64(ChecksumAlg::Crc64Nvme, b"123456789"), b64engine().encode(0xAE8B_1486_0A79_9888u64.to_be_bytes()));
        assert!(ChecksumAlg::Sha1.valid_value(&checksum_b64(ChecksumAlg::Sha1, b"x")));
        assert!(!ChecksumAlg::Crc32.valid_value("abc"));
    }
}
