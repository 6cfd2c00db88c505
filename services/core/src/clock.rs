//! Injected wall clock. Production uses [`SystemClock`]; tests use [`ManualClock`] so that
//! expiry, TTL and token lifetimes are deterministic. Nothing in amplocal calls
//! `SystemTime::now()` directly outside this file.

use std::sync::Mutex;
use std::time::{Duration, SystemTime};

/// A source of the current time.
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// The current wall-clock time.
    fn now(&self) -> SystemTime;
}

/// The real clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }
}

/// A clock that only moves when told to (tests).
#[derive(Debug)]
pub struct ManualClock {
    now: Mutex<SystemTime>,
}

impl ManualClock {
    /// A clock frozen at `start`.
    pub fn new(start: SystemTime) -> Self {
        Self { now: Mutex::new(start) }
    }

    /// Set the time.
    pub fn set(&self, t: SystemTime) {
        *self.now.lock().unwrap_or_else(|p| p.into_inner()) = t;
    }

    /// Move the time forward.
    pub fn advance(&self, d: Duration) {
        let mut g = self.now.lock().unwrap_or_else(|p| p.into_inner());
        *g += d;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> SystemTime {
        *self.now.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Seconds since the Unix epoch (0 for times before it).
pub fn epoch_secs(t: SystemTime) -> u64 {
    t.duration_since(SystemTime::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

/// Milliseconds since the Unix epoch as f64 seconds (AWS JSON timestamps are epoch seconds
/// with a fraction).
pub fn epoch_secs_f64(t: SystemTime) -> f64 {
    t.duration_since(SystemTime::UNIX_EPOCH).map(|d| d.as_secs_f64()).unwrap_or(0.0)
}
