//! How a PutObject / UploadPart body (<https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html>)
//! reaches its temp file while the socket is still being read. Bodies up to 1 MiB stay in
//! memory until the commit writes them in the same blocking task as the metadata transaction
//! (those up to 64 KiB go into the row itself, see `objects::INLINE_MAX`). Larger ones (and any
//! body announced as larger, from its first byte on) go through a [`Pipe`]: one thread per
//! expensive digest (MD5 for the ETag, SHA-256/SHA-1) and a file writer that also runs the
//! CRCs, while a sync thread flushes the file's dirty pages along the way so the final fsync
//! has little left to do. Leaves out: `O_DIRECT`, preallocation, and splitting one digest over
//! several threads (MD5 is serial: the slowest stage bounds a large PUT).

use super::blob::{rename_into, Pending, StagedBlob};
use crate::checksum::Digests;
use crate::error::S3Result;
use amplocal_core::InternalError;
use bytes::Bytes;
use std::io::Write;
use std::path::PathBuf;

/// Bodies up to this size are kept in memory until they are committed.
const WRITE_BUF: usize = 1 << 20;
/// Frames queued for each of a large body's threads (backpressure on the socket beyond that;
/// the queues share the frames, so with frames of up to a few hundred KiB this bounds a
/// streamed upload's memory to a few MiB; measured peak RSS 57 MiB at 64 frames per queue).
const PIPE_DEPTH: usize = 16;
/// With fsync on, a large body's writer asks its [`Syncer`] to flush what it wrote every this
/// many bytes, so the final fsync has little left to do.
const SYNC_EVERY: u64 = 8 << 20;

/// What a large body's threads receive.
#[derive(Debug, Clone)]
enum Msg {
    Data(Bytes),
    Commit,
}

/// The threads of a large body, each fed the same frames through its own bounded queue: one
/// per expensive digest (MD5 always; SHA-256 and SHA-1 when asked for) and the file writer,
/// which also runs the cheap CRCs. MD5 (~0.55 GiB/s here) is the slowest stage; it never waits
/// for another hash nor for the disk.
#[derive(Debug)]
struct Pipe {
    /// Queues: the hash threads' first, the file writer's last.
    txs: Vec<tokio::sync::mpsc::Sender<Msg>>,
    hashers: Vec<tokio::task::JoinHandle<Digests>>,
    file: tokio::task::JoinHandle<std::io::Result<Option<Digests>>>,
}

/// Receives one body: held in memory up to 1 MiB (hashed at the end), beyond that streamed
/// through the [`Pipe`] threads into a temp file. Dropped before [`BlobWriter::finish`], it
/// leaves nothing behind.
#[derive(Debug)]
pub struct BlobWriter {
    id: String,
    tmp: PathBuf,
    dest: PathBuf,
    buf: Vec<u8>,
    size: u64,
    digests: Option<Digests>,
    pipe: Option<Pipe>,
    fsync: bool,
    /// Announced as larger than [`WRITE_BUF`]: stream from the first byte (MD5 starts at once
    /// and the first MiB is not copied into a buffer).
    stream: bool,
}

/// A hash thread: every frame until `Commit` (or until the body is abandoned).
fn hash_thread(mut digests: Digests, mut rx: tokio::sync::mpsc::Receiver<Msg>) -> Digests {
    while let Some(Msg::Data(b)) = rx.blocking_recv() {
        digests.update(&b);
    }
    digests
}

/// Flushes a body file's dirty pages in the background (`sync_data` on a second handle) while
/// the writer keeps writing, so the final fsync before the rename has little left to do and the
/// writer (hence MD5 upstream of it) never waits for the disk on the way.
struct Syncer {
    tx: std::sync::mpsc::SyncSender<()>,
    thread: std::thread::JoinHandle<std::io::Result<()>>,
}

impl Syncer {
    fn start(f: std::fs::File) -> std::io::Result<Self> {
        let (tx, rx) = std::sync::mpsc::sync_channel::<()>(1);
        let thread = std::thread::Builder::new().name("s3-blob-sync".into()).spawn(move || {
            while rx.recv().is_ok() {
                f.sync_data()?;
            }
            Ok(())
        })?;
        Ok(Self { tx, thread })
    }

    /// Ask for a flush of everything written so far; false when one is already queued.
    fn kick(&self) -> bool {
        self.tx.try_send(()).is_ok()
    }

    /// Wait for the flush in progress (its error, if any).
    fn stop(self) -> std::io::Result<()> {
        drop(self.tx);
        self.thread.join().unwrap_or_else(|_| Err(std::io::Error::other("blob sync thread panicked")))
    }
}

/// The file writer of a large body: write every frame (running the cheap digests of `part`),
/// on `Commit` fsync and rename; when the senders go away instead, remove the temp file.
fn file_thread(tmp: PathBuf, dest: PathBuf, fsync: bool, mut part: Option<Digests>, mut rx: tokio::sync::mpsc::Receiver<Msg>) -> std::io::Result<Option<Digests>> {
    let res = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        let syncer = if fsync { Some(Syncer::start(f.try_clone()?)?) } else { None };
        let mut unsynced = 0u64;
        let mut committed = false;
        while let Some(m) = rx.blocking_recv() {
            match m {
                Msg::Data(b) => {
                    f.write_all(&b)?;
                    if let Some(p) = &mut part {
                        p.update(&b);
                    }
                    unsynced += b.len() as u64;
                    if unsynced >= SYNC_EVERY && syncer.as_ref().is_some_and(Syncer::kick) {
                        unsynced = 0;
                    }
                }
                Msg::Commit => {
                    committed = true;
                    break;
                }
            }
        }
        if let Some(s) = syncer {
            s.stop()?;
        }
        if !committed {
            return Err(std::io::Error::new(std::io::ErrorKind::Interrupted, "body abandoned"));
        }
        if fsync {
            f.sync_all()?;
        }
        drop(f);
        rename_into(&tmp, &dest)
    })();
    match res {
        Ok(()) => Ok(part),
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            Err(e)
        }
    }
}

impl BlobWriter {
    /// A writer of blob `id` (temp file `tmp`, final place `dest`); `expected` is the body's
    /// announced decoded length, when known.
    pub(super) fn new(id: String, tmp: PathBuf, dest: PathBuf, digests: Digests, fsync: bool, expected: Option<u64>) -> Self {
        let stream = expected.is_some_and(|n| n > WRITE_BUF as u64);
        Self { id, tmp, dest, buf: Vec::new(), size: 0, digests: Some(digests), pipe: None, fsync, stream }
    }

    /// Append decoded bytes (copied; see [`BlobWriter::write_bytes`]).
    pub async fn write(&mut self, data: &[u8]) -> S3Result<()> {
        self.write_bytes(Bytes::copy_from_slice(data)).await
    }

    /// Append decoded bytes.
    pub async fn write_bytes(&mut self, data: Bytes) -> S3Result<()> {
        self.size += data.len() as u64;
        if self.pipe.is_none() {
            if !self.stream && self.buf.len() + data.len() <= WRITE_BUF {
                self.buf.extend_from_slice(&data);
                return Ok(());
            }
            self.start_pipe();
            if !self.buf.is_empty() {
                let first = Bytes::from(std::mem::take(&mut self.buf));
                self.send(Msg::Data(first)).await?;
            }
        }
        self.send(Msg::Data(data)).await
    }

    /// Start the [`Pipe`] threads of a body that outgrew memory.
    fn start_pipe(&mut self) {
        let mut parts = self.digests.take().unwrap_or_else(|| Digests::new(false, &[])).split();
        let file_part = if parts.last().is_some_and(Digests::only_crcs) { parts.pop() } else { None };
        let mut txs = Vec::new();
        let mut hashers = Vec::new();
        for part in parts {
            let (tx, rx) = tokio::sync::mpsc::channel(PIPE_DEPTH);
            txs.push(tx);
            hashers.push(tokio::task::spawn_blocking(move || hash_thread(part, rx)));
        }
        let (tx, rx) = tokio::sync::mpsc::channel(PIPE_DEPTH);
        txs.push(tx);
        let (tmp, dest, fsync) = (self.tmp.clone(), self.dest.clone(), self.fsync);
        let file = tokio::task::spawn_blocking(move || file_thread(tmp, dest, fsync, file_part, rx));
        self.pipe = Some(Pipe { txs, hashers, file });
    }

    /// Queue `m` for every pipe thread (waiting while a queue is full). Data goes to the hash
    /// threads first (MD5, the slowest stage, is never starved by a slow disk); `Commit` goes to
    /// the file writer first, so its final fsync runs while MD5 drains its queue.
    async fn send(&mut self, m: Msg) -> S3Result<()> {
        let mut failed = false;
        if let Some(p) = &self.pipe {
            let (n, commit) = (p.txs.len(), matches!(m, Msg::Commit));
            for i in 0..n {
                let tx = &p.txs[if commit { n - 1 - i } else { i }];
                if tx.send(m.clone()).await.is_err() {
                    failed = true;
                    break;
                }
            }
        }
        if failed {
            return Err(self.pipe_error().await);
        }
        Ok(())
    }

    /// Why a pipe thread stopped reading: the file writer's error (a hash thread only stops
    /// early by panicking; the writer then reports the body as abandoned).
    async fn pipe_error(&mut self) -> crate::error::S3Error {
        match self.pipe.take() {
            Some(p) => {
                drop(p.txs);
                match p.file.await {
                    Ok(Err(e)) => e.into(),
                    Ok(Ok(_)) => InternalError::new("blob writer ended early").into(),
                    Err(e) => InternalError::from(e).into(),
                }
            }
            None => InternalError::new("no blob writer").into(),
        }
    }

    /// Bytes written so far.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The whole body was received: a large body is fsynced and renamed into place; a small
    /// one is hashed and returned in memory, written by [`StagedBlob::persist_blocking`] at commit.
    pub async fn finish(mut self) -> S3Result<StagedBlob> {
        let id = std::mem::take(&mut self.id);
        let path = self.dest.clone();
        if self.pipe.is_none() {
            let mut d = self.digests.take().unwrap_or_else(|| Digests::new(false, &[]));
            d.update(&self.buf);
            let pending = Pending { tmp: self.tmp.clone(), data: std::mem::take(&mut self.buf), fsync: self.fsync };
            return Ok(StagedBlob::received(id, self.size, d.finish(), path, Some(pending)));
        }
        self.send(Msg::Commit).await?;
        let Some(p) = self.pipe.take() else { return Err(InternalError::new("no blob writer").into()) };
        drop(p.txs);
        let mut parts = Vec::with_capacity(p.hashers.len() + 1);
        for h in p.hashers {
            parts.push(h.await.map_err(InternalError::from)?);
        }
        parts.extend(p.file.await.map_err(InternalError::from)??);
        Ok(StagedBlob::received(id, self.size, Digests::merge(parts).finish(), path, None))
    }
}
