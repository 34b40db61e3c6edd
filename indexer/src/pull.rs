//! `shelf pull`: download a version's artifacts, verifying every size and sha256.

use std::io::Write;
use std::path::{Path as FsPath, PathBuf};

use sha2::{Digest as _, Sha256};
use shelf_format::documents::{PULL_PARTIAL_DIR, reserved_path};
use shelf_format::{Artifact, Digest, Reference, VersionManifest, keys};

use crate::error::{Error, Result};
use crate::progress::Reporter;
use crate::registry::{Registry, path};

/// What a pull did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PullOutcome {
    pub model: shelf_format::ModelName,
    pub version: u64,
    pub content_id: Digest,
    pub directory: PathBuf,
    pub files: Vec<PulledFile>,
    pub bytes_downloaded: u64,
}

/// One file of a pull.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PulledFile {
    pub path: shelf_format::ArtifactPath,
    pub size: u64,
    pub digest: Digest,
    /// False when an identical file was already there.
    pub downloaded: bool,
}

fn local_path(dir: &FsPath, artifact: &Artifact) -> PathBuf {
    let mut out = dir.to_path_buf();
    for part in artifact.path.segments() {
        out.push(part);
    }
    out
}

fn file_digest(path: &FsPath) -> std::io::Result<(u64, Digest)> {
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let n = std::io::copy(&mut file, &mut hasher)?;
    Ok((n, Digest::from_bytes(hasher.finalize().into())))
}

/// Download every artifact of `reference` into `dir`.
pub async fn pull(
    registry: &Registry,
    reference: &Reference,
    dir: &FsPath,
    reporter: &dyn Reporter,
) -> Result<PullOutcome> {
    let (_, summary) = registry.resolve(reference).await?;
    let manifest: VersionManifest = registry.manifest(&reference.model, &summary).await?;
    let mut files = Vec::new();
    let mut bytes_downloaded = 0;
    if let Some(reserved) = manifest
        .artifacts
        .iter()
        .find_map(|a| reserved_path(&a.path))
    {
        return Err(Error::Integrity {
            key: keys::version_key(&manifest.model, manifest.version),
            detail: format!("can't pull this version: {reserved}"),
        });
    }
    for artifact in &manifest.artifacts {
        let target = local_path(dir, artifact);
        let present = target.is_file()
            && matches!(file_digest(&target), Ok((n, d)) if n == artifact.size && d == artifact.digest);
        if !present {
            download(registry, dir, artifact, &target, reporter).await?;
            bytes_downloaded += artifact.size;
        }
        files.push(PulledFile {
            path: artifact.path.clone(),
            size: artifact.size,
            digest: artifact.digest,
            downloaded: !present,
        });
    }
    Ok(PullOutcome {
        model: manifest.model.clone(),
        version: manifest.version,
        content_id: summary.content_id,
        directory: dir.to_path_buf(),
        files,
        bytes_downloaded,
    })
}

/// Where the partial download of `artifact` lives: `<dir>/.shelf-partial/<hex digest>`
/// (spec §3.2), a name that fits any file system and can't be an artifact's.
fn partial_path(dir: &FsPath, artifact: &Artifact) -> PathBuf {
    dir.join(PULL_PARTIAL_DIR).join(artifact.digest.hex())
}

/// Download one blob to its partial file, continuing what an interrupted pull left there,
/// check size and hash, and rename it into place. A partial file whose bytes can't be
/// the blob's is removed; one cut short by the network is kept for the next pull.
async fn download(
    registry: &Registry,
    dir: &FsPath,
    artifact: &Artifact,
    target: &FsPath,
    reporter: &dyn Reporter,
) -> Result<()> {
    if let Some(parent) = target.parent() {
        std::fs::create_dir_all(parent).map_err(|e| Error::io("create folder", parent, e))?;
    }
    let partial = partial_path(dir, artifact);
    let partials = partial.parent().expect("a partial file is in a folder");
    std::fs::create_dir_all(partials).map_err(|e| Error::io("create folder", partials, e))?;
    match download_to(registry, artifact, &partial, reporter).await {
        Ok(()) => {
            std::fs::rename(&partial, target).map_err(|e| Error::io("write", target, e))?;
            // The folder goes once no other partial download is in it.
            let _ = std::fs::remove_dir(partials);
            Ok(())
        }
        Err(e) => {
            if !matches!(e, Error::Store(_)) {
                let _ = std::fs::remove_file(&partial);
                let _ = std::fs::remove_dir(partials);
            }
            Err(e)
        }
    }
}

async fn download_to(
    registry: &Registry,
    artifact: &Artifact,
    partial: &FsPath,
    reporter: &dyn Reporter,
) -> Result<()> {
    let key = keys::blob_key(&artifact.digest);
    let write_error = |e| Error::io("write", partial, e);
    let mut file = std::fs::OpenOptions::new()
        .read(true)
        .append(true)
        .create(true)
        .open(partial)
        .map_err(write_error)?;
    // What an interrupted pull left: re-hashed, then continued from its end.
    let mut hasher = Sha256::new();
    let mut size = std::io::copy(&mut file, &mut hasher).map_err(write_error)?;
    if size > artifact.size {
        file.set_len(0).map_err(write_error)?;
        hasher = Sha256::new();
        size = 0;
    }
    let progress = reporter.transfer(artifact.path.as_str(), artifact.size);
    progress.inc(size);
    if size < artifact.size {
        let read = crate::transfer::read_from(
            registry.store().as_ref(),
            &path(&key),
            size,
            |chunk: &[u8]| {
                let n = chunk.len() as u64;
                if size + n > artifact.size {
                    return Err(Error::Integrity {
                        key: key.clone(),
                        detail: format!(
                            "{} does not match its manifest: expected {} bytes, got more",
                            artifact.path, artifact.size
                        ),
                    });
                }
                hasher.update(chunk);
                file.write_all(chunk).map_err(write_error)?;
                size += n;
                progress.inc(n);
                Ok(())
            },
        )
        .await;
        match read {
            Ok(_) => {}
            Err(Error::Store(object_store::Error::NotFound { .. })) => {
                return Err(Error::Integrity {
                    key,
                    detail: format!("blob of {} is missing", artifact.path),
                });
            }
            Err(e) => {
                let _ = file.sync_all();
                return Err(e);
            }
        }
    }
    progress.finish();
    file.sync_all().map_err(write_error)?;
    let digest = Digest::from_bytes(hasher.finalize().into());
    if size != artifact.size || digest != artifact.digest {
        return Err(Error::Integrity {
            key,
            detail: format!(
                "{} does not match its manifest: expected {} bytes with {}, got {size} bytes with {digest}",
                artifact.path, artifact.size, artifact.digest,
            ),
        });
    }
    Ok(())
}
