//! Object bodies on disk: `<data_dir>/s3/blobs/<2 hex>/<32 hex id>`, names generated from
//! ids and never from object keys. A body is written to `<data_dir>/s3/blobs/tmp/<id>`,
//! fsynced (unless `--s3-no-fsync`), renamed into its fan-out directory, and only then referenced by a metadata row
//! (the SQLite commit is the linearisation point; an unreferenced file is garbage).

use crate::checksum::{DigestValues, Digests};
use crate::error::S3Result;
use amplocal_core::{IdGen, InternalError};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::io::Write;

const WRITE_BUF: usize = 1 << 20;

/// The blob directory.
#[derive(Debug, Clone)]
pub struct BlobDir {
    root: PathBuf,
    ids: Arc<dyn IdGen>,
    fsync: bool,
}

/// A body fully written and durable on disk, not yet referenced by metadata.
#[derive(Debug)]
pub struct StagedBlob {
    /// Opaque blob id.
    pub id: String,
    /// Decoded size in bytes.
    pub size: u64,
    /// Digests of the decoded bytes.
    pub digests: DigestValues,
    path: PathBuf,
    keep: bool,
}

impl StagedBlob {
    /// Mark the blob as referenced by committed metadata (it is no longer removed on drop).
    pub fn keep(mut self) -> String {
        self.keep = true;
        std::mem::take(&mut self.id)
    }
}

impl Drop for StagedBlob {
    fn drop(&mut self) {
        if !self.keep {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// Streams one body into a temp file, hashing as it goes. Bodies up to 1 MiB touch the disk
/// once, in [`BlobWriter::finish`] (one blocking task: create, write, fsync, rename).
#[derive(Debug)]
pub struct BlobWriter {
    id: String,
    tmp: PathBuf,
    dest: PathBuf,
    file: Option<std::fs::File>,
    created: bool,
    buf: Vec<u8>,
    size: u64,
    digests: Digests,
    fsync: bool,
}

impl Drop for BlobWriter {
    fn drop(&mut self) {
        if self.created {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
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
        Ok(BlobWriter { id, tmp, dest, file: None, created: false, buf: Vec::new(), size: 0, digests, fsync: self.fsync })
    }

    /// Concatenate existing blobs into a new one with the kernel's file-to-file copy, without
    /// hashing (its `digests` are empty): CompleteMultipartUpload when no full-object
    /// checksum has to be computed.
    pub async fn concat(&self, sources: Vec<PathBuf>) -> S3Result<StagedBlob> {
        let id = self.ids.uuid().simple().to_string();
        let tmp = self.root.join("tmp").join(&id);
        let dest = self.root.join(&id[..2]).join(&id);
        let fsync = self.fsync;
        let (t, d) = (tmp.clone(), dest.clone());
        let res = tokio::task::spawn_blocking(move || -> std::io::Result<u64> {
            let mut out = std::fs::File::create(&t)?;
            let mut size = 0;
            for src in sources {
                size += std::io::copy(&mut std::fs::File::open(src)?, &mut out)?;
            }
            if fsync {
                out.sync_all()?;
            }
            drop(out);
            if let Some(parent) = d.parent() {
                std::fs::create_dir_all(parent)?;
            }
            std::fs::rename(&t, &d)?;
            Ok(size)
        })
        .await
        .map_err(InternalError::from)?;
        match res {
            Ok(size) => Ok(StagedBlob { id, size, digests: crate::checksum::DigestValues::default(), path: dest, keep: false }),
            Err(e) => {
                let _ = std::fs::remove_file(&tmp);
                Err(e.into())
            }
        }
    }

    /// Remove blobs no longer referenced (best effort).
    pub fn remove(&self, ids: &[String]) {
        for id in ids {
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

fn open_tmp(file: Option<std::fs::File>, tmp: &Path) -> std::io::Result<std::fs::File> {
    match file {
        Some(f) => Ok(f),
        None => std::fs::File::create(tmp),
    }
}

impl BlobWriter {
    /// Append decoded bytes.
    pub async fn write(&mut self, data: &[u8]) -> S3Result<()> {
        self.digests.update(data);
        self.size += data.len() as u64;
        self.buf.extend_from_slice(data);
        if self.buf.len() >= WRITE_BUF {
            self.flush_buf().await?;
        }
        Ok(())
    }

    async fn flush_buf(&mut self) -> S3Result<()> {
        let buf = std::mem::take(&mut self.buf);
        let file = self.file.take();
        let tmp = self.tmp.clone();
        self.created = true;
        let (file, mut buf) = tokio::task::spawn_blocking(move || -> std::io::Result<(std::fs::File, Vec<u8>)> {
            let mut f = open_tmp(file, &tmp)?;
            f.write_all(&buf)?;
            Ok((f, buf))
        })
        .await
        .map_err(InternalError::from)??;
        buf.clear();
        self.buf = buf;
        self.file = Some(file);
        Ok(())
    }

    /// Bytes written so far.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Write what is buffered, fsync and rename into place.
    pub async fn finish(mut self) -> S3Result<StagedBlob> {
        let buf = std::mem::take(&mut self.buf);
        let file = self.file.take();
        let (tmp, dest, fsync) = (self.tmp.clone(), self.dest.clone(), self.fsync);
        self.created = true;
        let res = tokio::task::spawn_blocking(move || -> std::io::Result<()> {
            let mut f = open_tmp(file, &tmp)?;
            f.write_all(&buf)?;
            if fsync {
                f.sync_all()?;
            }
            drop(f);
            if let Some(parent) = dest.parent() {
                std::fs::create_dir_all(parent)?;
            }
            std::fs::rename(&tmp, &dest)
        })
        .await
        .map_err(InternalError::from)?;
        res?;
        self.created = false;
        let digests = std::mem::replace(&mut self.digests, Digests::new(false, &[])).finish();
        Ok(StagedBlob { id: self.id.clone(), size: self.size, digests, path: self.dest.clone(), keep: false })
    }
}
