//! A store that records every request made through it, so a test can pin what an
//! operation costs: "a lifecycle command reads the model once", "`deployments --at` reads
//! each log entry once". As delta-rs `RecordingObjectStore`
//! (`crates/core/src/test_utils/object_store.rs`), with a log to count from instead of a
//! channel.
//!
//! Wrap the store a registry uses, run the operation, then [`Recording::take`] what it
//! sent and count it by [`Kind`] and key prefix:
//!
//! ```ignore
//! let recording = Arc::new(Recording::new(backend.store()));
//! let registry = Registry::new(recording.clone(), backend.url());
//! recording.take(); // forget the setup
//! registry.list().await?;
//! let sent = recording.take();
//! assert_eq!(sent.count(Kind::Get, "models/m/_log/"), 1, "{sent}");
//! ```
//!
//! Keys are as the wrapped store sees them: relative to the registry's root when the store
//! is the registry's (a [`Backend::store`](super::Backend::store)). Every request is
//! recorded when it is made, whatever its answer (a GET of an absent key counts).

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, Mutex};

use futures::StreamExt as _;
use futures::stream::BoxStream;
use object_store::path::Path;
use object_store::{
    CopyMode, CopyOptions, GetOptions, GetResult, ListResult, MultipartUpload, ObjectMeta,
    ObjectStore, PutMode, PutMultipartOptions, PutOptions, PutPayload, PutResult, Result,
};

/// What a request asked the store to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    /// A GET of a whole object (conditional or not).
    Get,
    /// A GET of a byte range.
    GetRange,
    /// A HEAD: the object's metadata only.
    Head,
    /// A PUT that overwrites whatever is there.
    Put,
    /// A put-if-absent (`PutMode::Create`): a commit, a blob, a catalog generation.
    PutIfAbsent,
    /// A put-if-match (`PutMode::Update`).
    PutIfMatch,
    /// A multipart upload started (its parts go through the upload, not the store).
    Multipart,
    /// A recursive listing (also one with an offset).
    List,
    /// A listing of one level (with a delimiter).
    ListWithDelimiter,
    /// A server-side copy that overwrites.
    Copy,
    /// A server-side copy-if-absent.
    CopyIfAbsent,
    /// A delete of one key (bulk deletes count once per key).
    Delete,
}

/// One request: its kind and the key it named (for a listing, its prefix; `""` for the
/// root; for a copy, the source).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub kind: Kind,
    pub key: String,
}

/// Requests recorded by a [`Recording`], in the order they were made.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Requests(pub Vec<Request>);

impl Requests {
    fn matching<'a>(&'a self, kind: Kind, prefix: &'a str) -> impl Iterator<Item = &'a Request> {
        self.0
            .iter()
            .filter(move |r| r.kind == kind && r.key.starts_with(prefix))
    }

    /// How many requests of `kind` named a key starting with `prefix` (`""`: any key).
    pub fn count(&self, kind: Kind, prefix: &str) -> usize {
        self.matching(kind, prefix).count()
    }

    /// The requests of `kind` under `prefix`, counted per key: `{key: times}`.
    pub fn per_key(&self, kind: Kind, prefix: &str) -> BTreeMap<String, usize> {
        let mut counts = BTreeMap::new();
        for request in self.matching(kind, prefix) {
            *counts.entry(request.key.clone()).or_default() += 1;
        }
        counts
    }

    /// The requests made before the first `kind` request to `key` (all of them when there
    /// is none): what an operation did up to its commit, say.
    pub fn before(&self, kind: Kind, key: &str) -> Requests {
        let end = self
            .0
            .iter()
            .position(|r| r.kind == kind && r.key == key)
            .unwrap_or(self.0.len());
        Requests(self.0[..end].to_vec())
    }

    /// The requests under `prefix`, counted per kind: `{kind: times}`.
    pub fn per_kind(&self, prefix: &str) -> BTreeMap<Kind, usize> {
        let mut counts = BTreeMap::new();
        for request in self.0.iter().filter(|r| r.key.starts_with(prefix)) {
            *counts.entry(request.kind).or_default() += 1;
        }
        counts
    }
}

/// One line per request, to show in an assertion's message.
impl fmt::Display for Requests {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{} requests:", self.0.len())?;
        for Request { kind, key } in &self.0 {
            writeln!(f, "  {kind:?} {key}")?;
        }
        Ok(())
    }
}

/// A store that forwards every request to `inner` and records it first.
#[derive(Debug)]
pub struct Recording {
    inner: Arc<dyn ObjectStore>,
    // Shared with the streams of `delete_stream`, which outlive the call.
    log: Arc<Mutex<Vec<Request>>>,
}

impl Recording {
    pub fn new(inner: Arc<dyn ObjectStore>) -> Self {
        Recording {
            inner,
            log: Arc::default(),
        }
    }

    /// The requests made since the last `take` (or since the start), and forget them.
    pub fn take(&self) -> Requests {
        Requests(std::mem::take(&mut *lock(&self.log)))
    }

    fn record(&self, kind: Kind, key: impl ToString) {
        push(&self.log, kind, key.to_string());
    }
}

fn lock(log: &Mutex<Vec<Request>>) -> std::sync::MutexGuard<'_, Vec<Request>> {
    // A test that panicked while holding the lock leaves the log as it was: still usable.
    log.lock().unwrap_or_else(|e| e.into_inner())
}

fn push(log: &Mutex<Vec<Request>>, kind: Kind, key: String) {
    lock(log).push(Request { kind, key });
}

fn prefix_key(prefix: Option<&Path>) -> String {
    prefix.map(Path::to_string).unwrap_or_default()
}

impl fmt::Display for Recording {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Recording({})", self.inner)
    }
}

// Only the required methods are forwarded: the provided ones (`get_ranges`,
// `list_with_offset`, `rename_opts`…) are built on these, so they are recorded as the
// requests they make.
#[async_trait::async_trait]
impl ObjectStore for Recording {
    async fn put_opts(
        &self,
        location: &Path,
        payload: PutPayload,
        opts: PutOptions,
    ) -> Result<PutResult> {
        let kind = match opts.mode {
            PutMode::Overwrite => Kind::Put,
            PutMode::Create => Kind::PutIfAbsent,
            PutMode::Update(_) => Kind::PutIfMatch,
        };
        self.record(kind, location);
        self.inner.put_opts(location, payload, opts).await
    }

    async fn put_multipart_opts(
        &self,
        location: &Path,
        opts: PutMultipartOptions,
    ) -> Result<Box<dyn MultipartUpload>> {
        self.record(Kind::Multipart, location);
        self.inner.put_multipart_opts(location, opts).await
    }

    async fn get_opts(&self, location: &Path, options: GetOptions) -> Result<GetResult> {
        let kind = if options.head {
            Kind::Head
        } else if options.range.is_some() {
            Kind::GetRange
        } else {
            Kind::Get
        };
        self.record(kind, location);
        self.inner.get_opts(location, options).await
    }

    fn delete_stream(
        &self,
        locations: BoxStream<'static, Result<Path>>,
    ) -> BoxStream<'static, Result<Path>> {
        let log = Arc::clone(&self.log);
        let recorded = locations
            .inspect(move |location| {
                if let Ok(location) = location {
                    push(&log, Kind::Delete, location.to_string());
                }
            })
            .boxed();
        self.inner.delete_stream(recorded)
    }

    fn list(&self, prefix: Option<&Path>) -> BoxStream<'static, Result<ObjectMeta>> {
        self.record(Kind::List, prefix_key(prefix));
        self.inner.list(prefix)
    }

    async fn list_with_delimiter(&self, prefix: Option<&Path>) -> Result<ListResult> {
        self.record(Kind::ListWithDelimiter, prefix_key(prefix));
        self.inner.list_with_delimiter(prefix).await
    }

    async fn copy_opts(&self, from: &Path, to: &Path, options: CopyOptions) -> Result<()> {
        let kind = match options.mode {
            CopyMode::Overwrite => Kind::Copy,
            CopyMode::Create => Kind::CopyIfAbsent,
        };
        self.record(kind, from);
        self.inner.copy_opts(from, to, options).await
    }
}

#[cfg(test)]
mod tests {
    use futures::StreamExt as _;
    use object_store::ObjectStoreExt as _;
    use object_store::memory::InMemory;

    use super::*;

    /// Each kind of request is recorded as what it is, with its key, in order; `take`
    /// starts a new count.
    #[tokio::test]
    async fn records_every_request_by_kind_and_key() {
        let store = Recording::new(Arc::new(InMemory::new()));
        let a = Path::from("models/m/_log/1.json");
        let b = Path::from("models/m/_index.json");
        store
            .put(&a, PutPayload::from_static(b"one"))
            .await
            .unwrap();
        store
            .put_opts(&b, PutPayload::from_static(b"{}"), PutMode::Create.into())
            .await
            .unwrap();
        store.get(&a).await.unwrap();
        store.get(&a).await.unwrap();
        assert!(
            store
                .get(&Path::from("models/m/_log/2.json"))
                .await
                .is_err()
        );
        store.head(&b).await.unwrap();
        store.get_range(&a, 0..2).await.unwrap();
        let _ = store.list(Some(&Path::from("models"))).count().await;
        store.list_with_delimiter(None).await.unwrap();
        store
            .copy_if_not_exists(&a, &Path::from("c"))
            .await
            .unwrap();
        store.delete(&Path::from("c")).await.unwrap();

        let sent = store.take();
        assert_eq!(
            sent.per_kind(""),
            BTreeMap::from([
                (Kind::Get, 3),
                (Kind::GetRange, 1),
                (Kind::Head, 1),
                (Kind::Put, 1),
                (Kind::PutIfAbsent, 1),
                (Kind::List, 1),
                (Kind::ListWithDelimiter, 1),
                (Kind::CopyIfAbsent, 1),
                (Kind::Delete, 1),
            ]),
            "{sent}"
        );
        assert_eq!(sent.count(Kind::Get, "models/m/_log/"), 3);
        assert_eq!(
            sent.per_key(Kind::Get, "models/"),
            BTreeMap::from([
                ("models/m/_log/1.json".to_string(), 2),
                ("models/m/_log/2.json".to_string(), 1),
            ])
        );
        assert_eq!(sent.count(Kind::List, "models"), 1);
        let before = sent.before(Kind::Head, "models/m/_index.json");
        assert_eq!(before.0.len(), 5, "{before}");
        assert_eq!(sent.before(Kind::Head, "absent"), sent);
        assert_eq!(sent.0[0].kind, Kind::Put, "in order");
        assert_eq!(store.take(), Requests::default(), "take forgets");
    }
}
