//! WAL checkpoints of a [`super::SqliteDb`], moved off its writer thread (not an AWS API).
//!
//! SQLite's automatic checkpoint runs inside the COMMIT that takes the WAL past 1000 frames,
//! on the writer thread: it copies every page of the WAL into the database file and syncs both
//! files, while every queued write waits (about a fifth of the writer thread's time under a
//! steady AppSync mutation load). Here the writer connection's auto-checkpoint is replaced by a
//! WAL hook that only notes the WAL's size. Once it passes [`START_FRAMES`], a short-lived
//! thread with a connection of its own runs a PASSIVE checkpoint while the writer and the
//! readers go on. Frames committed during that pass stay in the WAL, and the WAL can only start
//! over from its beginning once every frame in it has been copied, so after the pass the writer
//! copies that remainder itself (the pages of the writes made meanwhile), after each batch until
//! a commit starts the WAL over. Should a pass be slow, the writer checkpoints itself once the WAL holds
//! [`WRITER_FRAMES`]: the WAL stays bounded as it was.
//!
//! Durability is unchanged: a checkpoint copies committed pages only, and syncs as the
//! database's `synchronous` setting says; a crash at any point leaves the WAL to replay.
//! Nothing runs at idle: the pass thread ends with its checkpoint.

use super::{configure, OpenOptions};
use rusqlite::hooks::Wal;
use rusqlite::Connection;
use std::cell::Cell;
use std::ffi::c_int;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// WAL frames at which a background pass starts (SQLite's own auto-checkpoint threshold).
#[cfg(not(test))]
pub(super) const START_FRAMES: i32 = 1000;
#[cfg(test)]
pub(super) const START_FRAMES: i32 = 50;
/// WAL frames at which the writer checkpoints itself whatever the background pass does.
pub(super) const WRITER_FRAMES: i32 = 4 * START_FRAMES;

thread_local! {
    /// Frames in the WAL after the last commit of this thread's connection (0: none since read).
    static WAL_FRAMES: Cell<i32> = const { Cell::new(0) };
}

/// The writer connection's WAL hook: notes the WAL's size after each commit (on the committing
/// thread, the writer thread), and checkpoints nothing.
fn note_frames(_: &Wal, frames: c_int) -> rusqlite::Result<()> {
    WAL_FRAMES.with(|f| f.set(frames));
    Ok(())
}

/// Where the current WAL cycle (from one restart of the WAL to the next) stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cycle {
    /// Below the threshold, or no pass yet.
    Filling,
    /// A background pass is copying.
    Copying,
    /// The pass is over; the writer copies the rest until the WAL starts over.
    Copied,
}

/// The writer thread's side: decides after each batch whether to start a pass or copy.
pub(super) struct Checkpoints {
    path: PathBuf,
    options: OpenOptions,
    cycle: Cycle,
    /// Set by the pass thread when its checkpoint is over.
    pass_running: Arc<AtomicBool>,
    /// WAL frames seen after the previous commit.
    last_frames: i32,
}

impl Checkpoints {
    /// Take over checkpointing of `writer`'s database from SQLite's auto-checkpoint.
    pub(super) fn install(writer: &Connection, path: PathBuf, options: OpenOptions) -> Self {
        writer.wal_hook(Some(note_frames));
        Self { path, options, cycle: Cycle::Filling, pass_running: Arc::new(AtomicBool::new(false)), last_frames: 0 }
    }

    /// Called on the writer thread after each batch, once its results are delivered.
    pub(super) fn after_batch(&mut self, writer: &Connection) {
        let frames = WAL_FRAMES.with(|f| f.replace(0));
        if frames == 0 {
            return; // nothing committed
        }
        if frames < self.last_frames {
            // The WAL started over: a new cycle.
            self.cycle = Cycle::Filling;
        }
        self.last_frames = frames;
        if frames < START_FRAMES {
            return;
        }
        if self.cycle == Cycle::Copying && !self.pass_running.load(Ordering::Acquire) {
            self.cycle = Cycle::Copied;
        }
        match self.cycle {
            Cycle::Filling => {
                if self.start_pass() {
                    self.cycle = Cycle::Copying;
                } else {
                    own_checkpoint(writer);
                }
            }
            Cycle::Copying if frames >= WRITER_FRAMES => own_checkpoint(writer),
            Cycle::Copying => {}
            // Copy what was committed during the pass, after every batch until the WAL starts
            // over (as SQLite's auto-checkpoint does after every commit past its threshold): a
            // reader still reading an older snapshot keeps a checkpoint from copying the
            // newest frames, and the WAL only starts over once a checkpoint has copied them all.
            Cycle::Copied => own_checkpoint(writer),
        }
    }

    /// Start a background pass; false if no thread could be started.
    fn start_pass(&self) -> bool {
        if self.pass_running.swap(true, Ordering::AcqRel) {
            return true; // the previous cycle's pass still runs: let it be this one's
        }
        let (path, options, running) = (self.path.clone(), self.options, self.pass_running.clone());
        let started = std::thread::Builder::new()
            .name("amplocal-sqlite-ckpt".into())
            .stack_size(256 << 10)
            .spawn(move || {
                // Failures only leave the WAL longer; the writer's own checkpoint bounds it.
                if let Ok(conn) = Connection::open(&path) {
                    if configure(&conn, options).is_ok() {
                        checkpoint(&conn);
                    }
                }
                running.store(false, Ordering::Release);
            })
            .is_ok();
        if !started {
            self.pass_running.store(false, Ordering::Release);
        }
        started
    }
}

/// A PASSIVE checkpoint on `conn` (never waits for the writer or readers).
fn checkpoint(conn: &Connection) {
    let _ = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()));
}

/// A checkpoint on the writer connection itself (no other writer can append meanwhile).
fn own_checkpoint(writer: &Connection) {
    checkpoint(writer);
}
