//! Uploading one file to its content-addressed blob key.
//!
//! Small files are hashed in memory and written to the blob key with put-if-absent. Large
//! files are read once: a blocking thread reads and hashes 8 MiB chunks while the async
//! side uploads them as parts of a multipart upload to a staging key (several parts in
//! flight), which is then copied to the blob key (create-if-absent) and deleted. Memory
//! stays bounded by the parts in flight, whatever the file size.

use std::io::Read;
use std::path::{Path as FsPath, PathBuf};
use std::sync::Arc;

use bytes::Bytes;
use object_store::multipart::MultipartStore;
use object_store::{ObjectStoreExt as _, WriteMultipart};
use sha2::{Digest as _, Sha256};
use shelf_format::{Digest, keys};

use crate::error::{Error, Result};
use crate::failpoint;
use crate::parts::PartsUpload;
use crate::progress::Reporter;
use crate::registry::{Registry, path};

/// Size of a multipart part, and of the chunks read from disk.
pub const PART_SIZE: usize = 8 * 1024 * 1024;
/// Parts in flight at once per file.
pub const PART_CONCURRENCY: usize = 8;

/// The result of uploading one file.
#[derive(Debug, Clone)]
pub struct Uploaded {
    pub size: u64,
    pub digest: Digest,
    /// Bytes sent to the store (0 when the blob was already there).
    pub bytes_uploaded: u64,
    /// What the user should know of the upload (it resumed an interrupted one, or could
    /// not).
    pub note: Option<String>,
}

fn read_error(path: &FsPath) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |e| Error::io("read", path, e)
}

/// Read up to `buf.len()` bytes, fewer only at the end of the file.
pub(crate) fn read_full(file: &mut std::fs::File, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match file.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

/// Hash a whole file without uploading it.
pub async fn hash_file(
    source: &FsPath,
    reporter: &dyn Reporter,
    label: &str,
) -> Result<(u64, Digest)> {
    let size = std::fs::metadata(source).map_err(read_error(source))?.len();
    let progress = reporter.transfer(&format!("hashing {label}"), size);
    let owned: PathBuf = source.to_path_buf();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<u64>();
    let task = tokio::task::spawn_blocking(move || -> std::io::Result<(u64, Digest)> {
        let mut file = std::fs::File::open(&owned)?;
        let mut hasher = Sha256::new();
        let mut buf = vec![0u8; 1024 * 1024];
        let mut total = 0u64;
        loop {
            let n = read_full(&mut file, &mut buf)?;
            if n == 0 {
                break;
            }
            hasher.update(&buf[..n]);
            total += n as u64;
            let _ = tx.send(n as u64);
        }
        Ok((total, Digest::from_bytes(hasher.finalize().into())))
    });
    while let Some(n) = rx.recv().await {
        progress.inc(n);
    }
    progress.finish();
    task.await
        .map_err(|e| Error::Usage(format!("hashing task failed: {e}")))?
        .map_err(read_error(source))
}

/// Upload bytes held in memory (at most a part, 8 MiB) to their blob, unless it exists.
pub async fn upload_bytes(
    registry: &Registry,
    bytes: Vec<u8>,
    label: &str,
    reporter: &dyn Reporter,
) -> Result<Uploaded> {
    let digest = Digest::of(&bytes);
    let size = bytes.len() as u64;
    let key = keys::blob_key(&digest);
    if blob_present(registry, &key, size).await? {
        return Ok(Uploaded {
            size,
            digest,
            bytes_uploaded: 0,
            note: None,
        });
    }
    let progress = reporter.transfer(label, size);
    let sent = if registry.put_if_absent(&key, bytes).await? {
        size
    } else {
        0
    };
    progress.inc(size);
    progress.finish();
    check_blob(registry, &key, size).await?;
    Ok(Uploaded {
        size,
        digest,
        bytes_uploaded: sent,
        note: None,
    })
}

/// Upload `source` to its blob, unless the blob exists. With `likely_unchanged`, the
/// file is hashed first so that an unchanged file costs a hash and a HEAD request.
pub async fn upload_file(
    registry: &Registry,
    source: &FsPath,
    label: &str,
    likely_unchanged: bool,
    reporter: &dyn Reporter,
) -> Result<Uploaded> {
    let size = std::fs::metadata(source).map_err(read_error(source))?.len();
    if size <= PART_SIZE as u64 {
        let bytes = std::fs::read(source).map_err(read_error(source))?;
        return upload_bytes(registry, bytes, label, reporter).await;
    }
    if likely_unchanged {
        let (size, digest) = hash_file(source, reporter, label).await?;
        if blob_present(registry, &keys::blob_key(&digest), size).await? {
            return Ok(Uploaded {
                size,
                digest,
                bytes_uploaded: 0,
                note: None,
            });
        }
    }
    upload_streaming(registry, source, label, size, reporter).await
}

/// True when the blob exists with the expected size; an error when it exists with
/// another size (a damaged blob must not be silently reused).
async fn blob_present(registry: &Registry, key: &str, size: u64) -> Result<bool> {
    match registry.object_size(key).await? {
        None => Ok(false),
        Some(found) if found == size => Ok(true),
        Some(found) => Err(Error::Integrity {
            key: key.to_string(),
            detail: format!(
                "stored blob has {found} bytes, but its content has {size}; run `shelf verify`"
            ),
        }),
    }
}

async fn check_blob(registry: &Registry, key: &str, size: u64) -> Result<()> {
    if blob_present(registry, key, size).await? {
        Ok(())
    } else {
        Err(Error::Integrity {
            key: key.to_string(),
            detail: "blob missing right after upload".into(),
        })
    }
}

async fn upload_streaming(
    registry: &Registry,
    source: &FsPath,
    label: &str,
    size: u64,
    reporter: &dyn Reporter,
) -> Result<Uploaded> {
    if let Some(parts) = registry.parts() {
        return upload_parts(registry, parts, source, label, size, reporter).await;
    }
    let id: u128 = rand::random();
    let staging = keys::upload_key(&format!("{id:032x}"));
    let (total, digest) =
        stream_file(registry, source, &staging, label, size, None, reporter).await?;
    let key = keys::blob_key(&digest);
    let published = publish_staged(registry, &staging, &key, total).await;
    let _ = registry.store().delete(&path(&staging)).await;
    if let Err(e) = published {
        if matches!(e, Error::Integrity { .. }) {
            return Err(e);
        }
        // The server-side copy failed (S3 copies at most 5 GiB in one request, some
        // stores can't copy at all): send the bytes again, straight to the blob key,
        // checking that they still hash to the same digest.
        tracing::warn!(error = %e, "copy from staging failed; uploading to the blob key directly");
        stream_file(registry, source, &key, label, size, Some(digest), reporter).await?;
        check_blob(registry, &key, total).await?;
        return Ok(Uploaded {
            size: total,
            digest,
            bytes_uploaded: 2 * total,
            note: None,
        });
    }
    Ok(Uploaded {
        size: total,
        digest,
        bytes_uploaded: total,
        note: None,
    })
}

/// [`upload_streaming`] on a store with a multipart API: every request retried, an
/// interrupted upload resumed (see [`crate::parts`]).
async fn upload_parts(
    registry: &Registry,
    parts: Arc<dyn MultipartStore>,
    source: &FsPath,
    label: &str,
    size: u64,
    reporter: &dyn Reporter,
) -> Result<Uploaded> {
    let id: u128 = rand::random();
    let staging = keys::upload_key(&format!("{id:032x}"));
    fn upload<'a>(
        registry: &'a Registry,
        parts: &Arc<dyn MultipartStore>,
        source: &'a FsPath,
        label: &'a str,
        size: u64,
        key: &'a str,
        resume: bool,
    ) -> PartsUpload<'a> {
        PartsUpload {
            objects: registry.store().as_ref(),
            parts: parts.clone(),
            location: registry.location(),
            source,
            key,
            label,
            size,
            part_size: PART_SIZE,
            concurrency: PART_CONCURRENCY,
            resume,
        }
    }
    let staged = upload(registry, &parts, source, label, size, &staging, true)
        .run(None, reporter)
        .await?;
    let key = keys::blob_key(&staged.digest);
    let published = publish_staged(registry, &staged.key, &key, staged.size).await;
    let _ = registry.store().delete(&path(&staged.key)).await;
    let mut sent = staged.sent;
    if let Err(e) = published {
        if matches!(e, Error::Integrity { .. }) {
            return Err(e);
        }
        tracing::warn!(error = %e, "copy from staging failed; uploading to the blob key directly");
        let direct = upload(registry, &parts, source, label, size, &key, false)
            .run(Some(staged.digest), reporter)
            .await?;
        check_blob(registry, &key, direct.size).await?;
        sent += direct.sent;
    }
    Ok(Uploaded {
        size: staged.size,
        digest: staged.digest,
        bytes_uploaded: sent,
        note: staged.note,
    })
}

/// Stream `source` to `key` as a multipart upload while hashing it, in one pass.
/// With `expected`, the upload is aborted (nothing becomes visible) unless the bytes
/// hash to it.
async fn stream_file(
    registry: &Registry,
    source: &FsPath,
    key: &str,
    label: &str,
    size: u64,
    expected: Option<Digest>,
    reporter: &dyn Reporter,
) -> Result<(u64, Digest)> {
    let progress = reporter.transfer(label, size);
    let upload = registry.store().put_multipart(&path(key)).await?;
    let mut writer = WriteMultipart::new_with_chunk_size(upload, PART_SIZE);

    let (tx, mut rx) = tokio::sync::mpsc::channel::<Bytes>(2);
    let owned = source.to_path_buf();
    let reader = tokio::task::spawn_blocking(move || -> std::io::Result<(u64, Digest)> {
        let mut file = std::fs::File::open(&owned)?;
        let mut hasher = Sha256::new();
        let mut total = 0u64;
        loop {
            let mut buf = vec![0u8; PART_SIZE];
            let n = read_full(&mut file, &mut buf)?;
            if n == 0 {
                break;
            }
            buf.truncate(n);
            hasher.update(&buf);
            total += n as u64;
            if tx.blocking_send(Bytes::from(buf)).is_err() {
                break;
            }
        }
        Ok((total, Digest::from_bytes(hasher.finalize().into())))
    });

    let mut parts = 0u64;
    let sent: Result<()> = async {
        while let Some(chunk) = rx.recv().await {
            writer.wait_for_capacity(PART_CONCURRENCY).await?;
            let n = chunk.len() as u64;
            writer.put(chunk);
            progress.inc(n);
            parts += 1;
            if parts == 2 {
                failpoint::hit("upload-part");
            }
        }
        Ok(())
    }
    .await;
    let read = reader
        .await
        .map_err(|e| Error::Usage(format!("reading task failed: {e}")));
    let (total, digest) = match (sent, read) {
        (Ok(()), Ok(Ok(done))) => done,
        (Err(e), _) | (Ok(()), Err(e)) => {
            let _ = writer.abort().await;
            return Err(e);
        }
        (Ok(()), Ok(Err(e))) => {
            let _ = writer.abort().await;
            return Err(Error::io("read", source, e));
        }
    };
    if expected.is_some_and(|d| d != digest) {
        let _ = writer.abort().await;
        return Err(Error::Usage(format!(
            "{} changed while it was being pushed; push again",
            source.display()
        )));
    }
    writer.finish().await?;
    progress.finish();
    Ok((total, digest))
}

/// Copy a staged upload to its blob key, unless the blob is already there.
async fn publish_staged(registry: &Registry, staging: &str, key: &str, size: u64) -> Result<()> {
    if !blob_present(registry, key, size).await? {
        match registry
            .store()
            .copy_if_not_exists(&path(staging), &path(key))
            .await
        {
            Ok(()) | Err(object_store::Error::AlreadyExists { .. }) => {}
            Err(
                object_store::Error::NotSupported { .. }
                | object_store::Error::NotImplemented { .. },
            ) => {
                // S3 without a copy-if-not-exists extension: the key is the hash of
                // the content, so a concurrent copy writes the very same bytes.
                registry.store().copy(&path(staging), &path(key)).await?;
            }
            Err(e) => return Err(e.into()),
        }
    }
    check_blob(registry, key, size).await
}
