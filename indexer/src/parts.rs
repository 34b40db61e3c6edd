//! Multipart uploads that survive faults and resume, on stores with a multipart API (S3,
//! GCS, Azure: object_store's [`MultipartStore`]).
//!
//! Every request of an upload is retried on a transient fault: creating the upload, each
//! part, and completing it. A completion whose answer was lost is recognised by the
//! object it made (its size is the file's), so a completion retried after it succeeded is
//! not an error. Which parts of which upload have landed is kept in a small state file
//! (`<state dir>/uploads/<id>.json`, see [`state_dir`]); a push interrupted midway and run
//! again within [`RESUME_WINDOW`] on the same unchanged file sends only the parts that are
//! missing. An upload that can't be resumed (expired, aborted by a bucket lifecycle rule)
//! starts over, saying why.

use std::collections::BTreeMap;
use std::path::{Path as FsPath, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use futures::StreamExt as _;
use futures::stream::FuturesUnordered;
use object_store::multipart::{MultipartStore, PartId};
use object_store::path::Path;
use object_store::{MultipartId, ObjectStore, ObjectStoreExt as _};
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};
use shelf_format::Digest;

use crate::error::{Error, Result};
use crate::failpoint;
use crate::progress::Reporter;

/// How long an interrupted upload may be resumed (stores keep incomplete uploads for
/// days; a day bounds what a stale state file can claim).
pub const RESUME_WINDOW: Duration = Duration::from_secs(24 * 3600);
/// The variable naming the folder of upload state files.
pub const STATE_DIR_VAR: &str = "SHELF_STATE_DIR";
/// Attempts of one request before the upload fails.
const ATTEMPTS: u32 = 4;

/// The folder of Shelf's local state: `$SHELF_STATE_DIR`, else `$XDG_CACHE_HOME/shelf`,
/// else `~/.cache/shelf`; `None` when none can be named (then uploads don't resume).
pub fn state_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os(STATE_DIR_VAR) {
        return Some(PathBuf::from(dir));
    }
    if let Some(cache) = std::env::var_os("XDG_CACHE_HOME") {
        return Some(PathBuf::from(cache).join("shelf"));
    }
    std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cache").join("shelf"))
}

/// What is known of an interrupted upload.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
struct UploadState {
    location: String,
    source: PathBuf,
    size: u64,
    modified_ns: u128,
    part_size: usize,
    key: String,
    upload_id: String,
    started_at: u64,
    /// Part index → the store's id for it.
    parts: BTreeMap<usize, String>,
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Whether a failed request may succeed when sent again.
pub(crate) fn transient(error: &object_store::Error) -> bool {
    !matches!(
        error,
        object_store::Error::NotFound { .. }
            | object_store::Error::AlreadyExists { .. }
            | object_store::Error::Precondition { .. }
            | object_store::Error::NotSupported { .. }
            | object_store::Error::NotImplemented { .. }
            | object_store::Error::PermissionDenied { .. }
            | object_store::Error::Unauthenticated { .. }
            | object_store::Error::InvalidPath { .. }
    )
}

/// Run `request` until it succeeds, fails for good, or [`ATTEMPTS`] are spent.
async fn retried<T, F, Fut>(what: &str, mut request: F) -> object_store::Result<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = object_store::Result<T>>,
{
    let mut attempt = 1;
    loop {
        match request().await {
            Err(e) if attempt < ATTEMPTS && transient(&e) => {
                tracing::warn!(error = %e, attempt, "{what} failed; retrying");
                tokio::time::sleep(Duration::from_millis(200 << attempt)).await;
                attempt += 1;
            }
            other => return other,
        }
    }
}

/// The state file of one upload: named by the registry, the file and its version on disk.
struct StateFile {
    path: Option<PathBuf>,
}

impl StateFile {
    fn new(location: &str, source: &FsPath, size: u64, modified_ns: u128) -> StateFile {
        let path = state_dir().map(|dir| {
            let id = Digest::of(
                format!("{location}\n{}\n{size}\n{modified_ns}", source.display()).as_bytes(),
            );
            dir.join("uploads").join(format!("{}.json", id.hex()))
        });
        StateFile { path }
    }

    fn load(&self) -> Option<UploadState> {
        let bytes = std::fs::read(self.path.as_ref()?).ok()?;
        serde_json::from_slice(&bytes).ok()
    }

    /// Write atomically; a state that can't be saved only costs the resume.
    fn save(&self, state: &UploadState) {
        let Some(path) = &self.path else { return };
        let saved = (|| -> std::io::Result<()> {
            let dir = path.parent().expect("a state file is in a folder");
            std::fs::create_dir_all(dir)?;
            let tmp = path.with_extension("json.tmp");
            std::fs::write(&tmp, serde_json::to_vec(state).expect("state serialises"))?;
            std::fs::rename(tmp, path)
        })();
        if let Err(e) = saved {
            tracing::warn!(error = %e, "could not save the upload state; an interrupted upload will start over");
        }
    }

    fn remove(&self) {
        if let Some(path) = &self.path {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// A multipart upload of one file to `key`.
pub(crate) struct PartsUpload<'a> {
    pub objects: &'a dyn ObjectStore,
    pub parts: Arc<dyn MultipartStore>,
    /// The registry's location, naming the state file.
    pub location: &'a str,
    pub source: &'a FsPath,
    pub key: &'a str,
    pub label: &'a str,
    pub size: u64,
    pub part_size: usize,
    pub concurrency: usize,
    /// Resume an interrupted upload of this file to `key` (when the key is not fixed by
    /// the content, e.g. a staging key, the resumed upload's key is used instead).
    pub resume: bool,
}

/// What a parts upload did.
pub(crate) struct PartsDone {
    pub key: String,
    pub size: u64,
    pub digest: Digest,
    /// Bytes sent in this run.
    pub sent: u64,
    /// What the user should know (resumed, or could not resume).
    pub note: Option<String>,
}

impl PartsUpload<'_> {
    pub async fn run(
        &self,
        expected: Option<Digest>,
        reporter: &dyn Reporter,
    ) -> Result<PartsDone> {
        let meta = std::fs::metadata(self.source).map_err(|e| Error::io("read", self.source, e))?;
        let modified_ns = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_nanos());
        let file = StateFile::new(self.location, self.source, self.size, modified_ns);
        let previous = self.resume.then(|| file.load()).flatten().filter(|s| {
            s.part_size == self.part_size
                && now_secs().saturating_sub(s.started_at) < RESUME_WINDOW.as_secs()
        });
        if let Some(state) = previous {
            let done = state.parts.len();
            match self.attempt(state, &file, expected, reporter).await {
                Ok(mut out) => {
                    out.note = Some(format!(
                        "{}: resumed an interrupted upload ({done} of {} parts were already uploaded)",
                        self.label,
                        self.size.div_ceil(self.part_size as u64)
                    ));
                    return Ok(out);
                }
                Err(Error::Store(e)) if !transient(&e) => {
                    file.remove();
                    let mut out = self.fresh(&file, expected, reporter).await?;
                    out.note = Some(format!(
                        "{}: the interrupted upload could not be resumed ({e}); uploaded it again from the start",
                        self.label
                    ));
                    return Ok(out);
                }
                Err(e) => return Err(e),
            }
        }
        self.fresh(&file, expected, reporter).await
    }

    async fn fresh(
        &self,
        file: &StateFile,
        expected: Option<Digest>,
        reporter: &dyn Reporter,
    ) -> Result<PartsDone> {
        let key = Path::from(self.key);
        let upload_id = retried("creating a multipart upload", || {
            self.parts.create_multipart(&key)
        })
        .await?;
        let meta = std::fs::metadata(self.source).map_err(|e| Error::io("read", self.source, e))?;
        let state = UploadState {
            location: self.location.to_string(),
            source: self.source.to_path_buf(),
            size: self.size,
            modified_ns: meta
                .modified()
                .ok()
                .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
                .map_or(0, |d| d.as_nanos()),
            part_size: self.part_size,
            key: self.key.to_string(),
            upload_id,
            started_at: now_secs(),
            parts: BTreeMap::new(),
        };
        if self.resume {
            file.save(&state);
        }
        self.attempt(state, file, expected, reporter).await
    }

    /// Send the parts `state` lacks, then complete. The state file follows each part.
    async fn attempt(
        &self,
        mut state: UploadState,
        file: &StateFile,
        expected: Option<Digest>,
        reporter: &dyn Reporter,
    ) -> Result<PartsDone> {
        let key = Path::from(state.key.as_str());
        let id: MultipartId = state.upload_id.clone();
        let progress = reporter.transfer(self.label, self.size);

        let (tx, mut rx) = tokio::sync::mpsc::channel::<Bytes>(2);
        let owned = self.source.to_path_buf();
        let part_size = self.part_size;
        let reader = tokio::task::spawn_blocking(move || -> std::io::Result<(u64, Digest)> {
            let mut file = std::fs::File::open(&owned)?;
            let mut hasher = Sha256::new();
            let mut total = 0u64;
            loop {
                let mut buf = vec![0u8; part_size];
                let n = crate::upload::read_full(&mut file, &mut buf)?;
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

        let mut sent = 0u64;
        let mut count = 0usize;
        let already: std::collections::BTreeSet<usize> = state.parts.keys().copied().collect();
        let uploaded: Result<()> = async {
            let mut in_flight = FuturesUnordered::new();
            let mut record =
                |(index, n, part): (usize, u64, object_store::Result<PartId>)| -> Result<()> {
                    state.parts.insert(index, part?.content_id);
                    if self.resume {
                        file.save(&state);
                    }
                    sent += n;
                    progress.inc(n);
                    if state.parts.len() == 2 {
                        failpoint::hit("upload-part");
                    }
                    Ok(())
                };
            while let Some(chunk) = rx.recv().await {
                let index = count;
                count += 1;
                let n = chunk.len() as u64;
                if already.contains(&index) {
                    progress.inc(n);
                    continue;
                }
                let (parts, key, id) = (self.parts.clone(), key.clone(), id.clone());
                in_flight.push(async move {
                    let part = retried("uploading a part", || {
                        parts.put_part(&key, &id, index, chunk.clone().into())
                    })
                    .await;
                    (index, n, part)
                });
                while in_flight.len() >= self.concurrency {
                    let done = in_flight.next().await.expect("parts are in flight");
                    record(done)?;
                }
            }
            while let Some(done) = in_flight.next().await {
                record(done)?;
            }
            Ok(())
        }
        .await;
        let read = reader
            .await
            .map_err(|e| Error::Usage(format!("reading task failed: {e}")))?;
        uploaded?;
        let (total, digest) = read.map_err(|e| Error::io("read", self.source, e))?;
        if total != self.size || expected.is_some_and(|d| d != digest) {
            let _ = self.parts.abort_multipart(&key, &id).await;
            file.remove();
            return Err(Error::FileChanged {
                path: self.source.to_path_buf(),
                detail: "it changed while it was being pushed; push again".into(),
            });
        }
        let parts: Vec<PartId> = (0..count)
            .map(|i| PartId {
                content_id: state.parts[&i].clone(),
            })
            .collect();
        self.complete(&key, &id, parts, total).await?;
        progress.finish();
        file.remove();
        Ok(PartsDone {
            key: state.key.clone(),
            size: total,
            digest,
            sent,
            note: None,
        })
    }

    /// Complete, retried; an answer lost after the store completed is recognised by the
    /// object it made.
    async fn complete(
        &self,
        key: &Path,
        id: &MultipartId,
        parts: Vec<PartId>,
        size: u64,
    ) -> Result<()> {
        let mut attempt = 1;
        loop {
            match self.parts.complete_multipart(key, id, parts.clone()).await {
                Ok(_) => return Ok(()),
                Err(e) => {
                    let landed =
                        matches!(self.objects.head(key).await, Ok(meta) if meta.size == size);
                    if landed {
                        return Ok(());
                    }
                    if attempt >= ATTEMPTS || !transient(&e) {
                        return Err(e.into());
                    }
                    tracing::warn!(error = %e, attempt, "completing a multipart upload failed; retrying");
                    tokio::time::sleep(Duration::from_millis(200 << attempt)).await;
                    attempt += 1;
                }
            }
        }
    }
}
