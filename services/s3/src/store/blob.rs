//! Object bodies on disk for PutObject, UploadPart, CopyObject and CompleteMultipartUpload
//! (<https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html>):
//! `<data_dir>/s3/blobs/<2 hex>/<32 hex id>`, names generated from ids and never from object
//! keys. A body is written to `<data_dir>/s3/blobs/tmp/<id>`, fsynced (unless `--s3-no-fsync`),
//! renamed into its fan-out directory, and only then referenced by a metadata row (the SQLite
//! commit is the linearisation point; an unreferenced file is garbage). How a body gets there
//! while the socket is still being read is [`super::blob_writer`]; this file holds the
//! directory, the staged (received, not yet committed) blob, and the readers. A completed
//! multipart object references its parts' blobs in order instead of a copy of them.
//! Leaves out: storage classes (every body is one plain file) and a sweep for blobs a crash
//! orphaned between a commit and the removal of what it replaced (only `tmp/` is swept at start).

use super::blob_writer::BlobWriter;
use crate::checksum::{DigestValues, Digests};
use crate::error::S3Result;
use amplocal_core::{IdGen, InternalError};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Read size when a stored body is hashed again (FULL_OBJECT checksum of a multipart upload).
const READ_BUF: usize = 1 << 20;

/// The blob directory.
#[derive(Debug, Clone)]
pub struct BlobDir {
    root: PathBuf,
    ids: Arc<dyn IdGen>,
    fsync: bool,
}

/// A small body still in memory: where it goes and whether to fsync it.
#[derive(Debug)]
pub(super) struct Pending {
    pub(super) tmp: PathBuf,
    pub(super) data: Vec<u8>,
    pub(super) fsync: bool,
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
    /// A received body: already durable at `path`, or (`pending`) still in memory.
    pub(super) fn received(id: String, size: u64, digests: DigestValues, path: PathBuf, pending: Option<Pending>) -> Self {
        Self { id, size, digests, path, pending, keep: false }
    }

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

impl Drop for StagedBlob {
    fn drop(&mut self) {
        if !self.keep {
            let _ = std::fs::remove_file(&self.path);
        }
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
pub(super) fn rename_into(tmp: &Path, dest: &Path) -> std::io::Result<()> {
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

impl BlobDir {
    /// Open (creating) the blob directory under `data_dir`.
    pub fn open(data_dir: &Path, ids: Arc<dyn IdGen>, fsync: bool) -> Result<Self, InternalError> {
        let root = data_dir.join("s3").join("blobs");
        std::fs::create_dir_all(root.join("tmp"))?;
        // temp files of a crashed process (and blobs retired but not yet unlinked) are never
        // referenced: drop them
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

    /// A new writer computing `digests`; `expected` is the body's announced decoded length,
    /// when known (a large one streams from its first byte on).
    pub async fn writer(&self, digests: Digests, expected: Option<u64>) -> S3Result<BlobWriter> {
        let id = self.ids.uuid().simple().to_string();
        let tmp = self.root.join("tmp").join(&id);
        let dest = self.root.join(&id[..2]).join(&id);
        Ok(BlobWriter::new(id, tmp, dest, digests, self.fsync, expected))
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
            let mut buf = vec![0u8; READ_BUF];
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

    /// Take blobs a commit just replaced out of the blob directory at once (a rename into
    /// `tmp/`, which the next start sweeps) and unlink them on a detached blocking task: freeing
    /// a large file's pages and extents costs ~16 ms per 64 MiB on this disk, which a write's
    /// answer must not wait for. Blocking (the renames); best effort like [`BlobDir::remove`].
    pub fn retire(&self, ids: &[String]) {
        let mut gone = Vec::new();
        for id in ids.iter().flat_map(|i| i.split(',')) {
            if let Some(p) = self.path(id) {
                let to = self.root.join("tmp").join(format!("{id}.retired"));
                match std::fs::rename(&p, &to) {
                    Ok(()) => gone.push(to),
                    // not renamed (e.g. already gone): remove in place, as before
                    Err(_) => gone.push(p),
                }
            }
        }
        if gone.is_empty() {
            return;
        }
        let unlink = move || {
            for p in gone {
                let _ = std::fs::remove_file(p);
            }
        };
        match tokio::runtime::Handle::try_current() {
            Ok(h) => drop(h.spawn_blocking(unlink)),
            Err(_) => unlink(),
        }
    }

    /// [`BlobDir::retire`] off the async threads.
    pub async fn retire_async(&self, ids: Vec<String>) {
        if ids.is_empty() {
            return;
        }
        let me = self.clone();
        let _ = tokio::task::spawn_blocking(move || me.retire(&ids)).await;
    }
}
