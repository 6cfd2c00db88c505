//! Object bodies on disk: `<data_dir>/s3/blobs/<2 hex>/<32 hex id>`, names generated from
//! ids and never from object keys. A body is written to `<data_dir>/s3/blobs/tmp/<id>`,
//! fsynced (unless `--s3-no-fsync`), renamed into its fan-out directory, and only then
//! referenced by a metadata row (the SQLite commit is the linearisation point; an unreferenced
//! file is garbage). Bodies up to 1 MiB stay in memory until the commit writes them in the same
//! blocking task as the metadata transaction (those up to 64 KiB go into the row itself, see
//! `objects::INLINE_MAX`); larger ones stream, while the socket is still being read, to one
//! thread per expensive digest (MD5, SHA) and a file writer whose dirty pages a sync thread
//! flushes along the way. A completed multipart object references its parts' blobs in order
//! instead of a copy of them.

use crate::checksum::{DigestValues, Digests};
use crate::error::S3Result;
use amplocal_core::{IdGen, InternalError};
use bytes::Bytes;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Bodies up to this size are kept in memory until they are committed.
const WRITE_BUF: usize = 1 << 20;
/// Frames queued for each of a large body's threads (backpressure on the socket beyond that;
/// the queues share the frames, so with frames of up to a few hundred KiB this bounds a
/// streamed upload's memory to a few MiB; measured peak RSS 57 MiB at 64 frames per queue).
const PIPE_DEPTH: usize = 16;
/// With fsync on, a large body's writer asks its [`Syncer`] to flush what it wrote every this
/// many bytes, so the final fsync has little left to do.
const SYNC_EVERY: u64 = 8 << 20;

/// The blob directory.
#[derive(Debug, Clone)]
pub struct BlobDir {
    root: PathBuf,
    ids: Arc<dyn IdGen>,
    fsync: bool,
}

/// A small body still in memory: where it goes and whether to fsync it.
#[derive(Debug)]
struct Pending {
    tmp: PathBuf,
    data: Vec<u8>,
    fsync: bool,
}

/// A body fully received, durable on disk or (small bodies) held until
/// [`StagedBlob::persist_blocking`], and not yet referenced by metadata.
#[derive(Debug)]
pub struct StagedBlob {
    /// Opaque blob id.
    pub id: String,
    /// Decoded size in bytes.
    pub size: u64,
    /// Digests of the decoded bytes.
    pub digests: DigestValues,
    path: PathBuf,
    pending: Option<Pending>,
    keep: bool,
}

impl StagedBlob {
    /// Mark the blob as referenced by committed metadata (it is no longer removed on drop).
    pub fn keep(mut self) -> String {
        self.keep = true;
        std::mem::take(&mut self.id)
    }

    /// Already durable blobs (the parts of a multipart upload) taken over as one body: the id
    /// is their `,`-joined list and nothing is removed on drop (they still belong to the
    /// upload until the object row commits).
    pub fn existing(ids: &[String], size: u64, digests: DigestValues) -> Self {
        Self { id: ids.join(","), size, digests, path: PathBuf::new(), pending: None, keep: true }
    }

    /// The bytes of a body still held in memory, when it has at most `max` bytes: it is then
    /// stored in its metadata row and never becomes a file.
    pub fn take_inline(&mut self, max: u64) -> Option<Vec<u8>> {
        if self.size > max || self.pending.is_none() {
            return None;
        }
        self.pending.take().map(|p| p.data)
    }

    /// Put a body still held in memory in its final place: temp file, write, fsync, rename.
    /// A no-op for bodies already on disk. Blocking: call it on the blocking pool.
    pub fn persist_blocking(&mut self) -> std::io::Result<()> {
        let Some(p) = self.pending.take() else { return Ok(()) };
        let res = (|| {
            let mut f = std::fs::File::create(&p.tmp)?;
            f.write_all(&p.data)?;
            if p.fsync {
                f.sync_all()?;
            }
            drop(f);
            rename_into(&p.tmp, &self.path)
        })();
        if res.is_err() {
            let _ = std::fs::remove_file(&p.tmp);
        }
        res
    }
}

/// Read `sources` (inclusive ranges; None = whole file) in order on one blocking thread;
/// `each` gets every chunk and returns false to stop. Fails when the files hold fewer bytes
/// than the ranges promise.
pub fn read_sources(sources: Vec<(PathBuf, Option<(u64, u64)>)>, chunk: usize, mut each: impl FnMut(Vec<u8>) -> bool) -> std::io::Result<()> {
    use std::io::{Read, Seek};
    for (path, range) in sources {
        let mut f = std::fs::File::open(&path)?;
        let mut left = match range {
            Some((a, b)) => {
                if a > 0 {
                    f.seek(std::io::SeekFrom::Start(a))?;
                }
                b - a + 1
            }
            None => f.metadata()?.len(),
        };
        while left > 0 {
            let mut buf = vec![0u8; chunk.min(left.min(usize::MAX as u64) as usize)];
            f.read_exact(&mut buf)?;
            left -= buf.len() as u64;
            if !each(buf) {
                return Ok(());
            }
        }
    }
    Ok(())
}

/// Rename `tmp` to `dest`, creating the fan-out directory on first use.
fn rename_into(tmp: &Path, dest: &Path) -> std::io::Result<()> {
    match std::fs::rename(tmp, dest) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if let Some(parent) = dest.parent() {
                std::fs::create_dir_all(parent)?;
            }
            std::fs::rename(tmp, dest)
        }
        other => other,
    }
}

/// The per-file pieces of the inclusive byte `range` (None = everything) of a body made of
/// `segments` (path, size): what GET, CopyObject and UploadPartCopy read.
pub fn slice(segments: &[(PathBuf, u64)], range: Option<(u64, u64)>) -> Vec<(PathBuf, Option<(u64, u64)>)> {
    let Some((a, b)) = range else { return segments.iter().map(|(p, _)| (p.clone(), None)).collect() };
    let mut out = Vec::new();
    let mut start = 0u64;
    for (p, n) in segments {
        let end = start + n; // exclusive
        if *n > 0 && a < end && b >= start {
            out.push((p.clone(), Some((a.max(start) - start, b.min(end - 1) - start))));
        }
        start = end;
    }
    out
}

impl Drop for StagedBlob {
    fn drop(&mut self) {
        if !self.keep {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// What a large body's threads receive.
#[derive(Debug, Clone)]
enum Msg {
    Data(Bytes),
    Commit,
}

/// The threads of a large body, each fed the same frames through its own bounded queue: one
/// per expensive digest (MD5 always; SHA-256 and SHA-1 when asked for) and the file writer,
/// which also runs the cheap CRCs. MD5 (~0.5 GiB/s here) is the slowest stage; it never waits
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
}

impl BlobDir {
    /// Open (creating) the blob directory under `data_dir`.
    pub fn open(data_dir: &Path, ids: Arc<dyn IdGen>, fsync: bool) -> Result<Self, InternalError> {
        let root = data_dir.join("s3").join("blobs");
        std::fs::create_dir_all(root.join("tmp"))?;
        // temp files of a crashed process are never referenced: drop them
        if let Ok(rd) = std::fs::read_dir(root.join("tmp")) {
            for e in rd.flatten() {
                let _ = std::fs::remove_file(e.path());
            }
        }
        Ok(Self { root, ids, fsync })
    }

    /// The path of blob `id` (ids are generated hex, validated here anyway).
    pub fn path(&self, id: &str) -> Option<PathBuf> {
        if id.len() < 3 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        Some(self.root.join(&id[..2]).join(id))
    }

    /// A new writer computing `digests`.
    pub async fn writer(&self, digests: Digests) -> S3Result<BlobWriter> {
        let id = self.ids.uuid().simple().to_string();
        let tmp = self.root.join("tmp").join(&id);
        let dest = self.root.join(&id[..2]).join(&id);
        Ok(BlobWriter { id, tmp, dest, buf: Vec::new(), size: 0, digests: Some(digests), pipe: None, fsync: self.fsync })
    }

    /// The files of a stored body with their sizes, in order. `blob` is one id, or (for a
    /// completed multipart upload, whose parts are never copied) the part ids joined by `,`
    /// with `part_sizes` giving each one's length. None when the reference is malformed.
    pub fn segments(&self, blob: &str, part_sizes: &[u64], total: u64) -> Option<Vec<(PathBuf, u64)>> {
        let ids: Vec<&str> = blob.split(',').collect();
        if ids.len() == 1 {
            return Some(vec![(self.path(ids[0])?, total)]);
        }
        if ids.len() != part_sizes.len() {
            return None;
        }
        ids.iter().zip(part_sizes).map(|(id, n)| Some((self.path(id)?, *n))).collect()
    }

    /// Read `sources` (inclusive ranges; None = whole file) once, computing `digests`, without
    /// writing anything: a FULL_OBJECT checksum over a completed multipart upload.
    pub async fn hash(&self, sources: Vec<(PathBuf, Option<(u64, u64)>)>, mut digests: Digests) -> S3Result<(DigestValues, u64)> {
        let res = tokio::task::spawn_blocking(move || -> std::io::Result<(DigestValues, u64)> {
            use std::io::{Read, Seek};
            let mut buf = vec![0u8; WRITE_BUF];
            let mut size = 0u64;
            for (path, range) in sources {
                let mut f = std::fs::File::open(path)?;
                let mut left = match range {
                    Some((a, b)) => {
                        f.seek(std::io::SeekFrom::Start(a))?;
                        b - a + 1
                    }
                    None => u64::MAX,
                };
                while left > 0 {
                    let want = buf.len().min(left.min(usize::MAX as u64) as usize);
                    let n = f.read(&mut buf[..want])?;
                    if n == 0 {
                        break;
                    }
                    digests.update(&buf[..n]);
                    size += n as u64;
                    left = left.saturating_sub(n as u64);
                }
            }
            Ok((digests.finish(), size))
        })
        .await
        .map_err(InternalError::from)?;
        Ok(res?)
    }

    /// Remove blobs no longer referenced (best effort).
    /// An entry may be a `,`-joined list of part ids (see [`BlobDir::segments`]).
    pub fn remove(&self, ids: &[String]) {
        for id in ids.iter().flat_map(|i| i.split(',')) {
            if let Some(p) = self.path(id) {
                let _ = std::fs::remove_file(p);
            }
        }
    }

    /// Remove blobs no longer referenced, off the async threads.
    pub async fn remove_async(&self, ids: Vec<String>) {
        if ids.is_empty() {
            return;
        }
        let me = self.clone();
        let _ = tokio::task::spawn_blocking(move || me.remove(&ids)).await;
    }
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

/// Whether a digest part is cheap enough to run in the file writer (CRCs only).
fn cheap(d: &Digests) -> bool {
    d.only_crcs()
}

impl BlobWriter {
    /// Append decoded bytes (copied; see [`BlobWriter::write_bytes`]).
    pub async fn write(&mut self, data: &[u8]) -> S3Result<()> {
        self.write_bytes(Bytes::copy_from_slice(data)).await
    }

    /// Append decoded bytes.
    pub async fn write_bytes(&mut self, data: Bytes) -> S3Result<()> {
        self.size += data.len() as u64;
        if self.pipe.is_some() {
            return self.send(Msg::Data(data)).await;
        }
        self.buf.extend_from_slice(&data);
        if self.buf.len() > WRITE_BUF {
            self.start_pipe();
            let first = Bytes::from(std::mem::take(&mut self.buf));
            return self.send(Msg::Data(first)).await;
        }
        Ok(())
    }

    /// Start the [`Pipe`] threads of a body that outgrew memory.
    fn start_pipe(&mut self) {
        let mut parts = self.digests.take().unwrap_or_else(|| Digests::new(false, &[])).split();
        let file_part = if parts.last().is_some_and(cheap) { parts.pop() } else { None };
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

    /// Queue `m` for every pipe thread (waiting while a queue is full).
    async fn send(&mut self, m: Msg) -> S3Result<()> {
        let mut failed = false;
        if let Some(p) = &self.pipe {
            for tx in &p.txs {
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
        let path = self.dest.clone();
        if self.pipe.is_none() {
            let mut d = self.digests.take().unwrap_or_else(|| Digests::new(false, &[]));
            d.update(&self.buf);
            let pending = Pending { tmp: self.tmp.clone(), data: std::mem::take(&mut self.buf), fsync: self.fsync };
            return Ok(StagedBlob { id: self.id.clone(), size: self.size, digests: d.finish(), path, pending: Some(pending), keep: false });
        }
        self.send(Msg::Commit).await?;
        let Some(p) = self.pipe.take() else { return Err(InternalError::new("no blob writer").into()) };
        drop(p.txs);
        let mut parts = Vec::with_capacity(p.hashers.len() + 1);
        for h in p.hashers {
            parts.push(h.await.map_err(InternalError::from)?);
        }
        parts.extend(p.file.await.map_err(InternalError::from)??);
        Ok(StagedBlob { id: self.id.clone(), size: self.size, digests: Digests::merge(parts).finish(), path, pending: None, keep: false })
    }
}
