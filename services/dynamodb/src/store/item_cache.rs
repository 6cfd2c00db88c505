//! In-memory cache of stored items for GetItem, so a repeated read of an unchanged item is served
//! without a trip to a SQLite reader thread. Not an AWS API; SQLite stays the source of truth.
//!
//! Never stale, by construction on the database's write epoch ([`amplocal_core::SqliteDb::write_epoch`]):
//! the writer thread makes the epoch odd before any write batch starts and even again, one
//! higher, after its COMMIT (or rollback) and before any write of it is acknowledged.
//! - A fill carries the epoch loaded BEFORE its SQLite read and is stored only when that epoch
//!   is even and the epoch loaded AFTER the read is the same: no batch ran during the read, so
//!   the row read is the committed state of that epoch.
//! - The cache holds entries of one epoch only; a lookup hits only when the epoch it loaded is
//!   the cache's. Any write batch (of any table, of any kind: item writes, table deletion, TTL
//!   sweeps) moves the epoch, so every entry of the previous epoch is dead at once. A write
//!   acknowledged before a GetItem arrived moved the epoch before that GetItem loaded it, so
//!   the GetItem can only hit entries read after that write committed.
//!
//! Bounded: at most [`MAX_BYTES`] of item bytes; a fill that would pass the bound empties the
//! cache first. Coarse on purpose (any write invalidates everything): simple to prove.

use super::items::KeyBytes;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

/// Item bytes the cache may hold.
pub const MAX_BYTES: usize = 4 << 20;
/// Largest item worth caching (bigger ones are served from SQLite every time).
const MAX_ITEM: usize = 64 << 10;

/// One cached item: its stored JSON and its stored size (as the `size` column holds it).
#[derive(Debug, Clone)]
pub struct CachedItem {
    /// The stored item bytes (DynamoDB JSON), shared with the cache.
    pub blob: Arc<[u8]>,
    /// The item's DynamoDB size.
    pub size: i64,
}

#[derive(Debug, Default)]
struct State {
    epoch: u64,
    map: HashMap<Vec<u8>, CachedItem>,
    bytes: usize,
}

/// The cache; one per service, shared by clones.
#[derive(Debug, Default)]
pub struct ItemCache {
    state: Mutex<State>,
}

/// The map key: table id, then the length-prefixed partition key, then the sort key.
fn map_key(tid: i64, k: &KeyBytes) -> Vec<u8> {
    let mut out = Vec::with_capacity(12 + k.pk.len() + k.sk.len());
    out.extend_from_slice(&tid.to_be_bytes());
    out.extend_from_slice(&(k.pk.len() as u32).to_be_bytes());
    out.extend_from_slice(&k.pk);
    out.extend_from_slice(&k.sk);
    out
}

impl ItemCache {
    fn lock(&self) -> MutexGuard<'_, State> {
        // Every mutation below leaves the state consistent between statements that can panic.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The item at `k` of table `tid` if it is cached for `epoch` (loaded by the caller from
    /// the database just now). `None` also when the epoch is odd (a write is running).
    pub fn get(&self, epoch: u64, tid: i64, k: &KeyBytes) -> Option<CachedItem> {
        if epoch % 2 == 1 {
            return None;
        }
        let st = self.lock();
        if st.epoch != epoch {
            return None;
        }
        st.map.get(&map_key(tid, k)).cloned()
    }

    /// Remember what a read found at `k`, given the epochs loaded before (`before`) and after
    /// (`after`) that read; ignored unless they are equal and even (see the module header).
    pub fn fill(&self, before: u64, after: u64, tid: i64, k: &KeyBytes, blob: &[u8], size: i64) {
        if before != after || before % 2 == 1 || blob.len() > MAX_ITEM {
            return;
        }
        let mut st = self.lock();
        if st.epoch > before {
            return; // the cache already moved on to a later epoch
        }
        if st.epoch < before || st.bytes + blob.len() > MAX_BYTES {
            st.map.clear();
            st.bytes = 0;
            st.epoch = before;
        }
        let item = CachedItem { blob: Arc::from(blob), size };
        if let Some(old) = st.map.insert(map_key(tid, k), item) {
            st.bytes -= old.blob.len();
        }
        st.bytes += blob.len();
    }

    /// Number of cached items (tests).
    pub fn len(&self) -> usize {
        self.lock().map.len()
    }

    /// Whether nothing is cached (tests).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn k(pk: &str) -> KeyBytes {
        KeyBytes { pk: pk.as_bytes().to_vec(), sk: Vec::new() }
    }

    #[test]
    fn only_settled_unmoved_reads_are_stored_and_only_their_epoch_hits() {
        let c = ItemCache::default();
        c.fill(2, 4, 1, &k("a"), b"old", 3); // a batch ran during the read
        c.fill(3, 3, 1, &k("a"), b"old", 3); // a batch was running when the read started
        assert!(c.is_empty());
        c.fill(4, 4, 1, &k("a"), b"v4", 2);
        assert_eq!(c.get(4, 1, &k("a")).map(|i| i.blob.to_vec()), Some(b"v4".to_vec()));
        assert!(c.get(4, 2, &k("a")).is_none(), "other table");
        assert!(c.get(5, 1, &k("a")).is_none(), "a write is running");
        assert!(c.get(6, 1, &k("a")).is_none(), "a write happened since");
        c.fill(6, 6, 1, &k("b"), b"v6", 2);
        assert_eq!(c.len(), 1, "entries of the old epoch are dropped");
        c.fill(4, 4, 1, &k("a"), b"v4", 2);
        assert!(c.get(6, 1, &k("a")).is_none(), "a late fill of an older epoch is ignored");
    }

    #[test]
    fn bounded_in_bytes() {
        let c = ItemCache::default();
        let blob = vec![b'x'; MAX_ITEM];
        for i in 0..(2 * MAX_BYTES / MAX_ITEM) {
            c.fill(2, 2, 1, &k(&i.to_string()), &blob, 1);
            assert!(c.lock().bytes <= MAX_BYTES);
        }
        c.fill(2, 2, 1, &k("big"), &vec![0; MAX_ITEM + 1], 1);
        assert!(c.get(2, 1, &k("big")).is_none());
    }
}
