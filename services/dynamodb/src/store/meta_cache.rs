//! In-memory cache of table definitions (`TableMeta`) keyed by account, region and table name,
//! so the data plane (GetItem, PutItem, Query, ...) does not re-read and re-parse the catalog
//! row on every request. Not an AWS API; the catalog row in SQLite stays the source of truth.
//!
//! Correctness: every operation that writes a catalog definition (CreateTable, DeleteTable,
//! UpdateTable, TTL, tags) runs through [`MetaCache::begin_change`] inside its write
//! transaction and keeps the returned [`ChangeGuard`] alive until AFTER the commit (or the
//! rollback). While any change is pending the cache is bypassed entirely, and both the start
//! and the end of a change clear it and bump a generation counter. A reader only fills the
//! cache when no change is pending and the generation did not move since before its own
//! SQLite read, so a reader that saw the pre-change row can never store it after the change.
//! Item counts and sizes are NOT cached: a cached [`Table`] reports them as 0, and only
//! data-plane paths (which never read them) use [`MetaCache::require`].

use super::catalog::{self, Table, TableMeta};
use crate::error::DynamoError;
use rusqlite::Connection;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

type Key = (String, String, String);

#[derive(Debug, Default)]
struct State {
    map: HashMap<Key, (i64, Arc<TableMeta>)>,
    generation: u64,
    pending: usize,
}

/// The cache; one per service, shared by clones.
#[derive(Debug, Default)]
pub struct MetaCache {
    state: Mutex<State>,
}

impl MetaCache {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding this lock cannot leave the map half-updated in a way that
        // matters (every mutation is a single insert/clear), so poisoning is ignored.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Like [`catalog::require`], served from the cache when possible. The returned table's
    /// `item_count` / `size_bytes` are 0 on a cache hit: do not use them.
    pub fn require(&self, conn: &Connection, account: &str, region: &str, name: &str) -> Result<Table, DynamoError> {
        let key = (account.to_string(), region.to_string(), catalog::name_from_arn(name).to_string());
        let generation = match self.lookup(&key) {
            Ok(hit) => return Ok(hit),
            Err(generation) => generation,
        };
        let table = catalog::require(conn, account, region, name)?;
        self.fill(key, generation, &table);
        Ok(table)
    }

    /// The cached definition, without touching SQLite (`None` on a miss or while a change is
    /// pending); same caveats as [`MetaCache::require`] about item counts.
    pub fn cached(&self, account: &str, region: &str, name: &str) -> Option<Table> {
        let key = (account.to_string(), region.to_string(), catalog::name_from_arn(name).to_string());
        self.lookup(&key).ok()
    }

    /// A hit, or (on a miss or while a change is pending) the generation to fill with.
    fn lookup(&self, key: &Key) -> Result<Table, u64> {
        let st = self.lock();
        if st.pending == 0 {
            if let Some((id, meta)) = st.map.get(key) {
                return Ok(Table { id: *id, meta: meta.clone(), item_count: 0, size_bytes: 0 });
            }
        }
        Err(st.generation)
    }

    /// Store what a reader loaded, unless a change started since its `lookup` or is pending.
    fn fill(&self, key: Key, generation: u64, table: &Table) {
        let mut st = self.lock();
        if st.pending == 0 && st.generation == generation {
            st.map.insert(key, (table.id, table.meta.clone()));
        }
    }

    /// Start a catalog change: call inside the write transaction BEFORE touching the catalog
    /// and drop the guard only after the transaction committed or rolled back.
    pub fn begin_change(self: &Arc<Self>) -> ChangeGuard {
        let mut st = self.lock();
        st.pending += 1;
        st.generation += 1;
        st.map.clear();
        ChangeGuard {
            cache: self.clone(),
        }
    }

    /// Number of cached definitions (tests).
    pub fn len(&self) -> usize {
        self.lock().map.len()
    }

    /// Whether nothing is cached (tests).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A pending catalog change; see [`MetaCache::begin_change`].
#[derive(Debug)]
pub struct ChangeGuard {
    cache: Arc<MetaCache>,
}

impl Drop for ChangeGuard {
    fn drop(&mut self) {
        let mut st = self.cache.lock();
        st.pending = st.pending.saturating_sub(1);
        st.generation += 1;
        st.map.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> Key {
        ("a".into(), "r".into(), "t".into())
    }

    fn table(name: &str) -> Table {
        Table { id: 1, meta: Arc::new(TableMeta { name: name.into(), ..Default::default() }), item_count: 0, size_bytes: 0 }
    }

    #[test]
    fn a_read_that_raced_a_change_is_never_stored() {
        let cache = Arc::new(MetaCache::default());
        let Err(g) = cache.lookup(&key()) else { panic!("empty cache hit") };
        drop(cache.begin_change()); // a change committed while the reader was reading
        cache.fill(key(), g, &table("old"));
        assert!(cache.is_empty());
    }

    #[test]
    fn nothing_is_served_or_stored_while_a_change_is_pending() {
        let cache = Arc::new(MetaCache::default());
        let Err(g) = cache.lookup(&key()) else { panic!("empty cache hit") };
        cache.fill(key(), g, &table("v1"));
        assert_eq!(cache.lookup(&key()).map(|t| t.meta.name.clone()), Ok("v1".to_string()));
        let guard = cache.begin_change();
        assert!(cache.is_empty(), "begin clears");
        let Err(g) = cache.lookup(&key()) else { panic!("hit while pending") };
        cache.fill(key(), g, &table("v1"));
        assert!(cache.is_empty(), "no fill while pending");
        drop(guard);
        let Err(g) = cache.lookup(&key()) else { panic!("hit after change") };
        cache.fill(key(), g, &table("v2"));
        assert_eq!(cache.lookup(&key()).map(|t| t.meta.name.clone()), Ok("v2".to_string()));
    }
}
