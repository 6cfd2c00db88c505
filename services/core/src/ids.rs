//! Injected id and randomness source. Production uses [`RandomIds`]; tests use [`SeededIds`]
//! so ids are reproducible. Also the AWS-shaped id formatters shared by services.

use rand::{rngs::StdRng, Rng, RngCore, SeedableRng};
use std::sync::Mutex;
use uuid::Uuid;

/// A source of unique ids and random bytes.
pub trait IdGen: Send + Sync + std::fmt::Debug {
    /// Fill `buf` with random bytes.
    fn fill(&self, buf: &mut [u8]);

    /// A random (v4) UUID.
    fn uuid(&self) -> Uuid {
        let mut b = [0u8; 16];
        self.fill(&mut b);
        uuid::Builder::from_random_bytes(b).into_uuid()
    }

    /// `n` random bytes.
    fn bytes(&self, n: usize) -> Vec<u8> {
        let mut v = vec![0u8; n];
        self.fill(&mut v);
        v
    }

    /// A string of `len` characters drawn from `alphabet` (must be non-empty ASCII).
    fn string_from(&self, alphabet: &[u8], len: usize) -> String {
        let raw = self.bytes(len);
        raw.iter()
            .map(|b| alphabet[*b as usize % alphabet.len().max(1)] as char)
            .collect()
    }
}

/// Lowercase letters and digits.
pub const LOWER_ALNUM: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
/// Upper and lowercase letters and digits.
pub const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
/// Uppercase letters and digits.
pub const UPPER_ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

/// Operating-system randomness.
#[derive(Debug, Default, Clone, Copy)]
pub struct RandomIds;

impl IdGen for RandomIds {
    fn fill(&self, buf: &mut [u8]) {
        rand::thread_rng().fill_bytes(buf);
    }
}

/// Deterministic randomness from a seed (tests).
#[derive(Debug)]
pub struct SeededIds {
    rng: Mutex<StdRng>,
}

impl SeededIds {
    /// A generator that yields the same sequence for the same seed.
    pub fn new(seed: u64) -> Self {
        Self { rng: Mutex::new(StdRng::seed_from_u64(seed)) }
    }
}

impl IdGen for SeededIds {
    fn fill(&self, buf: &mut [u8]) {
        self.rng.lock().unwrap_or_else(|p| p.into_inner()).fill(buf);
    }
}

/// A request id in the shape AWS uses for `x-amzn-RequestId` (a UUID).
pub fn request_id(ids: &dyn IdGen) -> String {
    ids.uuid().to_string()
}
