//! `SqliteDb`: one SQLite file per service, in WAL mode, with embedded migrations applied at
//! open, one writer connection (writes serialize here, never as `SQLITE_BUSY` to callers) and a
//! small pool of reader connections. All SQLite work runs on tokio's blocking pool; a write
//! closure runs inside one `BEGIN IMMEDIATE` transaction that commits only if it returns `Ok`.
//!
//! Durability: WAL with `synchronous=NORMAL` keeps every committed transaction across a process
//! crash (`kill -9`); only an OS crash or power loss may drop the last transactions. Use
//! [`SqliteDb::open_with`] with `synchronous_full = true` where that matters too.

use crate::InternalError;
use rusqlite::{Connection, OpenFlags, Transaction, TransactionBehavior};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const MAX_IDLE_READERS: usize = 8;

/// Handle to one service's database. Cheap to clone.
#[derive(Debug, Clone)]
pub struct SqliteDb {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    path: PathBuf,
    writer: Mutex<Connection>,
    readers: Mutex<Vec<Connection>>,
}

fn configure(conn: &Connection, synchronous_full: bool) -> rusqlite::Result<()> {
    conn.busy_timeout(Duration::from_secs(30))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", if synchronous_full { "FULL" } else { "NORMAL" })?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    Ok(())
}

impl SqliteDb {
    /// Open (creating if needed) the database at `path` and apply `migrations` in order.
    /// `migrations[i]` is schema version `i + 1`; applied versions are tracked in
    /// `PRAGMA user_version`, so adding a migration to the end upgrades existing files.
    pub fn open(path: impl AsRef<Path>, migrations: &[&str]) -> Result<Self, InternalError> {
        Self::open_with(path, migrations, false)
    }

    /// [`SqliteDb::open`] choosing `synchronous=FULL` (survives power loss, slower).
    pub fn open_with(path: impl AsRef<Path>, migrations: &[&str], synchronous_full: bool) -> Result<Self, InternalError> {
        let path = path.as_ref().to_path_buf();
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        let mut writer = Connection::open(&path)?;
        configure(&writer, synchronous_full)?;
        migrate(&mut writer, migrations)?;
        Ok(Self {
            inner: Arc::new(Inner { path, writer: Mutex::new(writer), readers: Mutex::new(Vec::new()) }),
        })
    }

    /// The file this database lives in.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// Run `f` inside one write transaction on the blocking pool. Commits when `f` returns
    /// `Ok`, rolls back otherwise. Writers are serialized by the process-wide writer lock.
    pub async fn write<T, E, F>(&self, f: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<InternalError> + Send + 'static,
        F: FnOnce(&Transaction<'_>) -> Result<T, E> + Send + 'static,
    {
        let inner = self.inner.clone();
        let joined = tokio::task::spawn_blocking(move || inner.write_blocking(f)).await;
        match joined {
            Ok(r) => r,
            Err(e) => Err(E::from(InternalError::from(e))),
        }
    }

    /// Run `f` with a read-only connection on the blocking pool (sees the last committed state).
    pub async fn read<T, E, F>(&self, f: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<InternalError> + Send + 'static,
        F: FnOnce(&Connection) -> Result<T, E> + Send + 'static,
    {
        let inner = self.inner.clone();
        let joined = tokio::task::spawn_blocking(move || inner.read_blocking(f)).await;
        match joined {
            Ok(r) => r,
            Err(e) => Err(E::from(InternalError::from(e))),
        }
    }

    /// Synchronous write, for callers already on a blocking thread (startup, background tasks
    /// running under `spawn_blocking`). Never call this from an async task.
    pub fn write_blocking<T, E, F>(&self, f: F) -> Result<T, E>
    where
        E: From<InternalError>,
        F: FnOnce(&Transaction<'_>) -> Result<T, E>,
    {
        self.inner.write_blocking(f)
    }

    /// Synchronous read, see [`SqliteDb::write_blocking`].
    pub fn read_blocking<T, E, F>(&self, f: F) -> Result<T, E>
    where
        E: From<InternalError>,
        F: FnOnce(&Connection) -> Result<T, E>,
    {
        self.inner.read_blocking(f)
    }
}

impl Inner {
    fn write_blocking<T, E, F>(&self, f: F) -> Result<T, E>
    where
        E: From<InternalError>,
        F: FnOnce(&Transaction<'_>) -> Result<T, E>,
    {
        let mut conn = self.writer.lock().unwrap_or_else(|p| p.into_inner());
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| E::from(InternalError::from(e)))?;
        let out = f(&tx)?;
        tx.commit().map_err(|e| E::from(InternalError::from(e)))?;
        Ok(out)
    }

    fn read_blocking<T, E, F>(&self, f: F) -> Result<T, E>
    where
        E: From<InternalError>,
        F: FnOnce(&Connection) -> Result<T, E>,
    {
        let pooled = self.readers.lock().unwrap_or_else(|p| p.into_inner()).pop();
        let conn = match pooled {
            Some(c) => c,
            None => {
                let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX | OpenFlags::SQLITE_OPEN_URI;
                let c = Connection::open_with_flags(&self.path, flags).map_err(|e| E::from(InternalError::from(e)))?;
                c.busy_timeout(Duration::from_secs(30)).map_err(|e| E::from(InternalError::from(e)))?;
                c
            }
        };
        let out = f(&conn);
        let mut pool = self.readers.lock().unwrap_or_else(|p| p.into_inner());
        if pool.len() < MAX_IDLE_READERS {
            pool.push(conn);
        }
        out
    }
}

fn migrate(conn: &mut Connection, migrations: &[&str]) -> Result<(), InternalError> {
    let current: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    for (i, sql) in migrations.iter().enumerate() {
        let version = i as i64 + 1;
        if version > current {
            tx.execute_batch(sql)?;
            tx.pragma_update(None, "user_version", version)?;
        }
    }
    tx.commit()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const M: &[&str] = &["CREATE TABLE kv (k TEXT PRIMARY KEY, v INTEGER NOT NULL);"];

    #[tokio::test]
    async fn committed_write_survives_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        {
            let db = SqliteDb::open(&path, M).unwrap();
            db.write(|tx| tx.execute("INSERT INTO kv VALUES ('a', 1)", []).map_err(InternalError::from)).await.unwrap();
        }
        let db = SqliteDb::open(&path, M).unwrap();
        let v: i64 = db.read(|c| c.query_row("SELECT v FROM kv WHERE k='a'", [], |r| r.get(0)).map_err(InternalError::from)).await.unwrap();
        assert_eq!(v, 1);
    }

    #[tokio::test]
    async fn failed_closure_rolls_back() {
        let dir = tempfile::tempdir().unwrap();
        let db = SqliteDb::open(dir.path().join("t.db"), M).unwrap();
        let r: Result<(), InternalError> = db
            .write(|tx| {
                tx.execute("INSERT INTO kv VALUES ('a', 1)", [])?;
                Err(InternalError::new("abort"))
            })
            .await;
        assert!(r.is_err());
        let n: i64 = db.read(|c| c.query_row("SELECT count(*) FROM kv", [], |r| r.get(0)).map_err(InternalError::from)).await.unwrap();
        assert_eq!(n, 0);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn sixteen_concurrent_writers_serialize_without_busy() {
        let dir = tempfile::tempdir().unwrap();
        let db = SqliteDb::open(dir.path().join("t.db"), M).unwrap();
        db.write(|tx| tx.execute("INSERT INTO kv VALUES ('n', 0)", []).map_err(InternalError::from)).await.unwrap();
        let mut tasks = Vec::new();
        for _ in 0..16 {
            let db = db.clone();
            tasks.push(tokio::spawn(async move {
                for _ in 0..50 {
                    // read-modify-write: a lost update would show as a smaller total
                    db.write(|tx| {
                        let v: i64 = tx.query_row("SELECT v FROM kv WHERE k='n'", [], |r| r.get(0))?;
                        tx.execute("UPDATE kv SET v = ?1 WHERE k='n'", [v + 1])?;
                        Ok::<_, InternalError>(())
                    })
                    .await
                    .unwrap();
                    // interleave readers on their own connections
                    let _: i64 = db.read(|c| c.query_row("SELECT v FROM kv WHERE k='n'", [], |r| r.get(0)).map_err(InternalError::from)).await.unwrap();
                }
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        let v: i64 = db.read(|c| c.query_row("SELECT v FROM kv WHERE k='n'", [], |r| r.get(0)).map_err(InternalError::from)).await.unwrap();
        assert_eq!(v, 16 * 50);
    }

    #[test]
    fn migrations_apply_once_and_upgrade() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        SqliteDb::open(&path, M).unwrap();
        let two = [M[0], "ALTER TABLE kv ADD COLUMN extra TEXT;"];
        let db = SqliteDb::open(&path, &two).unwrap();
        db.write_blocking(|tx| tx.execute("INSERT INTO kv (k, v, extra) VALUES ('x', 1, 'y')", []).map_err(InternalError::from)).unwrap();
        // reopening with the same list applies nothing twice
        SqliteDb::open(&path, &two).unwrap();
    }
}
