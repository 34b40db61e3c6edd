//! `shelf pull`: download a version's artifacts, verifying every size and sha256.

use std::io::Write;
use std::path::{Path as FsPath, PathBuf};

use futures::StreamExt;
use object_store::ObjectStoreExt as _;
use sha2::{Digest as _, Sha256};
use shelf_format::{Artifact, Digest, Reference, VersionManifest, keys};

use crate::error::{Error, Result};
use crate::progress::Reporter;
use crate::registry::{Registry, path};

/// Suffix of a file being downloaded; renamed into place once verified.
pub const PARTIAL_SUFFIX: &str = ".shelf-partial";

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
    for artifact in &manifest.artifacts {
        let target = local_path(dir, artifact);
        let present = target.is_file()
            && matches!(file_digest(&target), Ok((n, d)) if n == artifact.size && d == artifact.digest);
        if !present {
            download(registry, artifact, &target, reporter).await?;
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

/// Stream one blob to `<target>.shelf-partial`, check size and hash, rename into place.
/// On any failure the partial file is removed.
async fn download(
    registry: &Registry,
    artifact: &Artifact,
    target: &FsPath,
    reporter: &dyn Reporter,
) -> Result<()> {
    if let Some(parent) = target.parent() {
        std::fs::create_dir_all(parent).map_err(|e| Error::io("create folder", parent, e))?;
    }
    let mut partial = target.as_os_str().to_owned();
    partial.push(PARTIAL_SUFFIX);
    let partial = PathBuf::from(partial);
    let result = download_to(registry, artifact, &partial, reporter).await;
    match result {
        Ok(()) => std::fs::rename(&partial, target).map_err(|e| Error::io("write", target, e)),
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
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
    let result = match registry.store().get(&path(&key)).await {
        Ok(r) => r,
        Err(object_store::Error::NotFound { .. }) => {
            return Err(Error::Integrity {
                key,
                detail: format!("blob of {} is missing", artifact.path),
            });
        }
        Err(e) => return Err(e.into()),
    };
    let progress = reporter.transfer(artifact.path.as_str(), artifact.size);
    let mut file = std::fs::File::create(partial).map_err(|e| Error::io("write", partial, e))?;
    let mut hasher = Sha256::new();
    let mut size = 0u64;
    let mut stream = result.into_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk?;
        hasher.update(&chunk);
        size += chunk.len() as u64;
        if size > artifact.size {
            break;
        }
        file.write_all(&chunk)
            .map_err(|e| Error::io("write", partial, e))?;
        progress.inc(chunk.len() as u64);
    }
    progress.finish();
    file.sync_all()
        .map_err(|e| Error::io("write", partial, e))?;
    let digest = Digest::from_bytes(hasher.finalize().into());
    if size != artifact.size || digest != artifact.digest {
        return Err(Error::Integrity {
            key,
            detail: format!(
                "{} does not match its manifest: expected {} bytes with {}, got {}{} bytes with {}",
                artifact.path,
                artifact.size,
                artifact.digest,
                if size > artifact.size {
                    "more than "
                } else {
                    ""
                },
                size,
                if size > artifact.size {
                    "an unknown hash".to_string()
                } else {
                    digest.to_string()
                }
            ),
        });
    }
    Ok(())
}
