//! Object bodies on disk: `<data_dir>/s3/blobs/<2 hex>/<32 hex id>`, names generated from
//! ids and never from object keys. A body is written to `<data_dir>/s3/blobs/tmp/<id>`,
//! fsynced (unless `--s3-no-fsync`), renamed into its fan-out directory, and only then referenced by a metadata row
//! (the SQLite commit is the linearisation point; an unreferenced file is garbage).

use crate::checksum::{DigestValues, Digests};
use crate::error::{S3Error, S3Result};
use amplocal_core::{IdGen, InternalError};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio::io::AsyncWriteExt;

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

/// Streams one body into a temp file, hashing as it goes.
#[derive(Debug)]
pub struct BlobWriter {
    id: String,
    tmp: PathBuf,
    dest: PathBuf,
    file: Option<tokio::fs::File>,
    buf: Vec<u8>,
    size: u64,
    digests: Digests,
    fsync: bool,
}

impl Drop for BlobWriter {
    fn drop(&mut self) {
        if self.file.is_some() {
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
        let file = tokio::fs::File::create(&tmp).await?;
        Ok(BlobWriter { id, tmp, dest, file: Some(file), buf: Vec::with_capacity(WRITE_BUF), size: 0, digests, fsync: self.fsync })
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

impl BlobWriter {
    /// Append decoded bytes.
    pub async fn write(&mut self, data: &[u8]) -> S3Result<()> {
        self.digests.update(data);
        self.size += data.len() as u64;
        if self.buf.len() + data.len() > WRITE_BUF && !self.buf.is_empty() {
            self.flush_buf().await?;
        }
        if data.len() >= WRITE_BUF {
            let f = self.file.as_mut().ok_or_else(|| InternalError::new("blob writer closed"))?;
            f.write_all(data).await?;
        } else {
            self.buf.extend_from_slice(data);
        }
        Ok(())
    }

    async fn flush_buf(&mut self) -> S3Result<()> {
        let f = self.file.as_mut().ok_or_else(|| InternalError::new("blob writer closed"))?;
        f.write_all(&self.buf).await?;
        self.buf.clear();
        Ok(())
    }

    /// Bytes written so far.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Flush, fsync and rename into place.
    pub async fn finish(mut self) -> S3Result<StagedBlob> {
        self.flush_buf().await?;
        let mut f = self.file.take().ok_or_else(|| InternalError::new("blob writer closed"))?;
        let tmp = self.tmp.clone();
        let dest = self.dest.clone();
        let res: std::io::Result<()> = async {
            f.flush().await?;
            if self.fsync {
                f.sync_all().await?;
            }
            drop(f);
            if let Some(parent) = dest.parent() {
                tokio::fs::create_dir_all(parent).await?;
            }
            tokio::fs::rename(&tmp, &dest).await
        }
        .await;
        if let Err(e) = res {
            let _ = tokio::fs::remove_file(&tmp).await;
            return Err(S3Error::from(e));
        }
        let digests = std::mem::replace(&mut self.digests, Digests::new(false, &[])).finish();
        Ok(StagedBlob { id: self.id.clone(), size: self.size, digests, path: dest, keep: false })
    }
}
