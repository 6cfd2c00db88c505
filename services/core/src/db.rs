//! `SqliteDb`: one SQLite file per service, in WAL mode, with embedded migrations applied at
//! open, one writer connection owned by a dedicated writer thread (writes serialize there, never
//! as `SQLITE_BUSY` to callers) and a small pool of reader connections used on tokio's blocking
//! pool.
//!
//! Group commit: the writer thread takes every write queued at that moment (up to
//! [`MAX_BATCH`]) and runs them in order inside ONE `BEGIN IMMEDIATE` transaction, each under its
//! own `SAVEPOINT`: a closure that returns `Err` (or panics) rolls back to its savepoint and
//! leaves the others alone. (Writes that run while no earlier write of the batch has succeeded
//! need no savepoint: a failure there rolls back the still-empty transaction and begins anew.) Results are handed back only after the `COMMIT`, so an acknowledged
//! write is a committed one; if the commit itself fails, every write of the batch gets that error.
//! Later writes of a batch see the effects of earlier ones, exactly as if they had run one after
//! the other.
//!
//! Write epoch: a counter the writer thread bumps before it starts a batch (odd: the database may
//! be changing) and again after the batch's COMMIT or rollback, before any result is delivered
//! (even: settled). A reader that saw the same even epoch before and after its read knows no
//! write ran meanwhile, so what it read is the current committed state for as long as the
//! epoch stays unchanged; caches of committed rows are built on that ([`SqliteDb::write_epoch`]).
//!
//! Checkpoints run off the writer thread where they can (see `db/checkpoint.rs`).
//!
//! Durability: WAL with `synchronous=NORMAL` keeps every committed transaction across a process
//! crash (`kill -9`); only an OS crash or power loss may drop the last transactions. Use
//! [`SqliteDb::open_with`] with `synchronous_full = true` where that matters too.

mod checkpoint;

use crate::InternalError;
use rusqlite::{Connection, OpenFlags, Transaction, TransactionBehavior};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Idle reader connections kept for reuse (enough for 16 concurrent readers, so a busy server
/// does not reopen connections and re-read the schema).
const MAX_IDLE_READERS: usize = 16;
/// Prepared statements each connection keeps (rusqlite's default of 16 is smaller than the set
/// a busy service cycles through, and an evicted statement is parsed again).
const STATEMENT_CACHE: usize = 64;
/// Bytes of the database file reader connections read through a memory map instead of one
/// `pread` per page (address space only: pages count as memory only once read, and are the page
/// cache's). The writer connection does not map the file: a bulk load walks every B-tree page,
/// and through a map each of them would stay in the process's resident set (1M × 1 KB items
/// left 239 MiB RSS; issue #3 wants ≤ 64 MiB), while writes go through `write()` + WAL anyway.
const MMAP_BYTES: i64 = 256 << 20;
/// Most writes committed together by one group commit.
pub const MAX_BATCH: usize = 64;

/// What a queued write hands back to the writer thread: whether its closure succeeded, and how
/// to deliver its result once the batch's commit outcome is known.
type Deliver = Box<dyn FnOnce(Result<(), String>) + Send>;
/// A queued write: runs its closure in the open transaction (`None`: it will not run, and its
/// delivery reports the error it is given).
type Job = Box<dyn for<'a, 'b> FnOnce(Option<&'a Transaction<'b>>) -> (bool, Deliver) + Send>;

/// Handle to one service's database. Cheap to clone.
#[derive(Debug, Clone)]
pub struct SqliteDb {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    path: PathBuf,
    jobs: mpsc::Sender<Job>,
    readers: Mutex<Vec<Connection>>,
    epoch: Arc<AtomicU64>,
}

/// How [`SqliteDb::open_with_options`] opens a database.
#[derive(Debug, Clone, Copy, Default)]
pub struct OpenOptions {
    /// `synchronous=FULL` (survives power loss, slower) instead of `NORMAL`.
    pub synchronous_full: bool,
    /// Page size of a NEW database file (a power of two, 512..=65536; SQLite's default is
    /// 4096). An existing file keeps the page size it was created with. Larger pages keep
    /// larger rows inside their B-tree page: at 4096 bytes a `WITHOUT ROWID` row over ~1 KB
    /// spills into an overflow page of its own.
    pub page_size: Option<u32>,
}

fn configure(conn: &Connection, options: OpenOptions) -> rusqlite::Result<()> {
    conn.busy_timeout(Duration::from_secs(30))?;
    if let Some(size) = options.page_size {
        // Only takes effect on an empty database, and must come before WAL mode is entered.
        conn.pragma_update(None, "page_size", size)?;
    }
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", if options.synchronous_full { "FULL" } else { "NORMAL" })?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    Ok(())
}

/// The writer thread: group commits until every `SqliteDb` handle is gone.
fn writer_loop(conn: Connection, jobs: mpsc::Receiver<Job>, epoch: Arc<AtomicU64>, mut checkpoints: checkpoint::Checkpoints) {
    // One `Transaction` handle for the thread's whole life, idle (autocommit) between batches:
    // rusqlite's own BEGIN / COMMIT go through `execute_batch`, which parses the SQL anew each
    // time (~12k instructions per batch, i.e. per write at concurrency 1), so every batch
    // begins and ends through cached statements on this handle instead (see `run_batch`).
    // Dropping it rolls back only a transaction left open, which `run_batch` never does.
    let tx = match Transaction::new_unchecked(&conn, TransactionBehavior::Deferred).and_then(|tx| exec_cached(&tx, "COMMIT").map(|()| tx)) {
        Ok(tx) => tx,
        Err(e) => {
            // Every write is told why; the thread ends when the last handle is gone.
            let msg = e.to_string();
            while let Ok(job) = jobs.recv() {
                let (_, deliver) = job(None);
                deliver(Err(msg.clone()));
            }
            return;
        }
    };
    while let Ok(first) = jobs.recv() {
        let mut batch = Vec::with_capacity(8);
        batch.push(first);
        while batch.len() < MAX_BATCH {
            match jobs.try_recv() {
                Ok(j) => batch.push(j),
                Err(_) => break,
            }
        }
        // Odd while the batch may change the database; even again only once it committed or
        // rolled back, and before anyone learns a result (see the module header).
        epoch.fetch_add(1, Ordering::SeqCst);
        let outcomes = run_batch(&tx, batch);
        epoch.fetch_add(1, Ordering::SeqCst);
        // Before the results go out: a reader started by a delivered write would otherwise
        // pin WAL frames the checkpoint has not copied yet, and keep the WAL from starting over.
        checkpoints.after_batch(&tx);
        for (deliver, outcome) in outcomes {
            deliver(outcome);
        }
    }
}

/// What each write of a batch is told once the batch is over.
type Outcomes = Vec<(Deliver, Result<(), String>)>;

/// Run `sql` (one statement without parameters) through the connection's statement cache.
fn exec_cached(conn: &Connection, sql: &str) -> rusqlite::Result<()> {
    conn.prepare_cached(sql)?.execute([]).map(|_| ())
}

/// Leave a transaction the batch cannot finish, so the next batch can begin.
fn abandon(conn: &Connection) {
    if !conn.is_autocommit() {
        let _ = exec_cached(conn, "ROLLBACK");
    }
}

/// Run one batch in one `BEGIN IMMEDIATE` transaction on the writer's idle handle `tx`; the
/// deliveries are left to the caller (after the commit).
///
/// Savepoints are only needed once the transaction holds a write that must survive a later
/// failure: until a write of the batch has succeeded, each one runs without a savepoint, and
/// if it fails the whole (so far empty) transaction is rolled back and begun again. A batch of
/// one thus never takes a savepoint, and a busy batch saves its first one (each savepoint costs
/// two statements and a copy of every page its write touches to the statement journal).
fn run_batch(tx: &Transaction<'_>, batch: Vec<Job>) -> Outcomes {
    fn refuse(jobs: impl Iterator<Item = Job>, msg: &str) -> Outcomes {
        // Never run: each caller learns the transaction could not start.
        jobs.map(|job| (job(None).1, Err(msg.to_string()))).collect()
    }
    if let Err(e) = exec_cached(tx, "BEGIN IMMEDIATE") {
        return refuse(batch.into_iter(), &e.to_string());
    }
    let mut delivers = Vec::with_capacity(batch.len());
    let mut any_ok = false;
    let mut jobs = batch.into_iter();
    while let Some(job) = jobs.next() {
        if !any_ok {
            let (ok, deliver) = job(Some(tx));
            delivers.push(deliver);
            any_ok = ok;
            if !ok && jobs.len() > 0 {
                // Undo what the failed write may have done, and begin afresh for the rest.
                if let Err(e) = exec_cached(tx, "ROLLBACK").and_then(|()| exec_cached(tx, "BEGIN IMMEDIATE")) {
                    abandon(tx);
                    let msg = e.to_string();
                    let mut out: Outcomes = delivers.into_iter().map(|d| (d, Err(msg.clone()))).collect();
                    out.extend(refuse(jobs, &msg));
                    return out;
                }
            }
            continue;
        }
        if let Err(e) = exec_cached(tx, "SAVEPOINT amplocal_write") {
            let (_, deliver) = job(None);
            let msg = e.to_string();
            delivers.push(Box::new(move |_| deliver(Err(msg))));
            continue;
        }
        let (ok, deliver) = job(Some(tx));
        let end = if ok {
            exec_cached(tx, "RELEASE amplocal_write")
        } else {
            exec_cached(tx, "ROLLBACK TO amplocal_write").and_then(|()| exec_cached(tx, "RELEASE amplocal_write"))
        };
        if let Err(e) = end {
            // The transaction is in an unknown state: abandon the whole batch.
            abandon(tx);
            let msg = e.to_string();
            delivers.push(deliver);
            return delivers.into_iter().map(|d| (d, Err(msg.clone()))).collect();
        }
        delivers.push(deliver);
    }
    let outcome = exec_cached(tx, if any_ok { "COMMIT" } else { "ROLLBACK" }).map_err(|e| e.to_string());
    if outcome.is_err() {
        abandon(tx);
    }
    delivers.into_iter().map(|d| (d, outcome.clone())).collect()
}

/// Wraps a write closure as a [`Job`] whose result goes to `send` after the commit.
fn make_job<T, E, F, S>(f: F, send: S) -> Job
where
    T: Send + 'static,
    E: From<InternalError> + Send + 'static,
    F: FnOnce(&Transaction<'_>) -> Result<T, E> + Send + 'static,
    S: FnOnce(Result<T, E>) + Send + 'static,
{
    Box::new(move |tx: Option<&Transaction<'_>>| {
        let Some(tx) = tx else {
            return (false, Box::new(move |r: Result<(), String>| send(Err(E::from(InternalError::new(r.err().unwrap_or_default()))))) as Deliver);
        };
        let result = match catch_unwind(AssertUnwindSafe(|| f(tx))) {
            Ok(r) => r,
            Err(_) => Err(E::from(InternalError::new("a write panicked; it was rolled back"))),
        };
        let ok = result.is_ok();
        let deliver: Deliver = Box::new(move |commit: Result<(), String>| {
            send(match (result, commit) {
                (Err(e), _) => Err(e),
                (Ok(v), Ok(())) => Ok(v),
                (Ok(_), Err(msg)) => Err(E::from(InternalError::new(format!("commit failed: {msg}")))),
            })
        });
        (ok, deliver)
    })
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
        Self::open_with_options(path, migrations, OpenOptions { synchronous_full, ..OpenOptions::default() })
    }

    /// [`SqliteDb::open`] with explicit [`OpenOptions`].
    pub fn open_with_options(path: impl AsRef<Path>, migrations: &[&str], options: OpenOptions) -> Result<Self, InternalError> {
        let path = path.as_ref().to_path_buf();
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        let mut writer = Connection::open(&path)?;
        configure(&writer, options)?;
        migrate(&mut writer, migrations)?;
        let temp_open: bool = writer.query_row("SELECT count(*) > 0 FROM pragma_database_list WHERE name = 'temp'", [], |r| r.get(0))?;
        if temp_open {
            // A migration (ALTER TABLE ... RENAME) opened the connection's TEMP database for
            // good, and every later transaction would begin and commit it too: write through a
            // fresh connection instead.
            writer = Connection::open(&path)?;
            configure(&writer, options)?;
        }
        let (jobs, queue) = mpsc::channel::<Job>();
        let epoch = Arc::new(AtomicU64::new(0));
        let writer_epoch = epoch.clone();
        let checkpoints = checkpoint::Checkpoints::install(&writer, path.clone(), options);
        std::thread::Builder::new()
            .name("amplocal-sqlite-writer".into())
            .spawn(move || writer_loop(writer, queue, writer_epoch, checkpoints))
            .map_err(|e| InternalError::new(format!("cannot start the SQLite writer thread: {e}")))?;
        Ok(Self { inner: Arc::new(Inner { path, jobs, readers: Mutex::new(Vec::new()), epoch }) })
    }

    /// The write epoch (see the module header): odd while a write batch may be changing the
    /// database, even when settled; it moves on with every batch and never goes back. Load it
    /// BEFORE a read and again after it: equal and even means the read saw the committed state
    /// of that epoch, which stays current exactly as long as the epoch does not move.
    pub fn write_epoch(&self) -> u64 {
        self.inner.epoch.load(Ordering::SeqCst)
    }

    /// The file this database lives in.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    fn submit(&self, job: Job) -> Result<(), InternalError> {
        self.inner.jobs.send(job).map_err(|_| InternalError::new("the SQLite writer thread has stopped"))
    }

    /// Run `f` inside a write transaction on the writer thread (group-committed with the writes
    /// queued beside it, under its own savepoint). Resolves after the commit: `Ok` means durable.
    pub async fn write<T, E, F>(&self, f: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<InternalError> + Send + 'static,
        F: FnOnce(&Transaction<'_>) -> Result<T, E> + Send + 'static,
    {
        let (send, recv) = tokio::sync::oneshot::channel();
        self.submit(make_job(f, move |r| {
            let _ = send.send(r);
        }))
        .map_err(E::from)?;
        match recv.await {
            Ok(r) => r,
            Err(_) => Err(E::from(InternalError::new("the SQLite writer thread dropped a write"))),
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
    /// running under `spawn_blocking`). Never call this from an async task, nor from inside
    /// another write closure of the same database (it would wait for itself).
    pub fn write_blocking<T, E, F>(&self, f: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<InternalError> + Send + 'static,
        F: FnOnce(&Transaction<'_>) -> Result<T, E> + Send + 'static,
    {
        let (send, recv) = mpsc::sync_channel(1);
        self.submit(make_job(f, move |r| {
            let _ = send.send(r);
        }))
        .map_err(E::from)?;
        match recv.recv() {
            Ok(r) => r,
            Err(_) => Err(E::from(InternalError::new("the SQLite writer thread dropped a write"))),
        }
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
                c.pragma_update(None, "mmap_size", MMAP_BYTES).map_err(|e| E::from(InternalError::from(e)))?;
                c.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
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
mod tests;
