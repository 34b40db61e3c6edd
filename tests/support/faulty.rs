//! A store with injected faults, in memory: the ways real stores misbehave that Shelf
//! must survive or refuse, one switch each (and one named test each, in conformance).

use futures::stream::BoxStream;
use object_store::memory::InMemory;
use object_store::path::Path;
use object_store::{ObjectStore, PutPayload};

/// A store with injected faults: one that silently ignores put-if-absent (like some
/// S3-compatible proxies), or one whose server-side copy fails (like S3 past 5 GiB).
#[derive(Debug, Default)]
pub struct Faulty {
    /// Where the objects are.
    pub inner: InMemory,
    pub ignores_conditional_writes: bool,
    pub copy_fails: bool,
    /// Log entries are written, but the answer says the key was taken, as when the HTTP
    /// client retries a put whose first answer was lost.
    pub log_answers_lost: bool,
}

impl std::fmt::Display for Faulty {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{self:?}")
    }
}

#[async_trait::async_trait]
impl ObjectStore for Faulty {
    async fn put_opts(
        &self,
        location: &Path,
        payload: PutPayload,
        mut opts: object_store::PutOptions,
    ) -> object_store::Result<object_store::PutResult> {
        if self.ignores_conditional_writes {
            opts.mode = object_store::PutMode::Overwrite;
        }
        let result = self.inner.put_opts(location, payload, opts).await;
        if self.log_answers_lost && result.is_ok() && location.as_ref().contains("/_log/") {
            return Err(object_store::Error::AlreadyExists {
                path: location.to_string(),
                source: "412 on the retried request".into(),
            });
        }
        result
    }
    async fn put_multipart_opts(
        &self,
        location: &Path,
        opts: object_store::PutMultipartOptions,
    ) -> object_store::Result<Box<dyn object_store::MultipartUpload>> {
        self.inner.put_multipart_opts(location, opts).await
    }
    async fn get_opts(
        &self,
        location: &Path,
        options: object_store::GetOptions,
    ) -> object_store::Result<object_store::GetResult> {
        self.inner.get_opts(location, options).await
    }
    fn delete_stream(
        &self,
        locations: BoxStream<'static, object_store::Result<Path>>,
    ) -> BoxStream<'static, object_store::Result<Path>> {
        self.inner.delete_stream(locations)
    }
    fn list(
        &self,
        prefix: Option<&Path>,
    ) -> BoxStream<'static, object_store::Result<object_store::ObjectMeta>> {
        self.inner.list(prefix)
    }
    async fn list_with_delimiter(
        &self,
        prefix: Option<&Path>,
    ) -> object_store::Result<object_store::ListResult> {
        self.inner.list_with_delimiter(prefix).await
    }
    async fn copy_opts(
        &self,
        from: &Path,
        to: &Path,
        options: object_store::CopyOptions,
    ) -> object_store::Result<()> {
        if self.copy_fails {
            return Err(object_store::Error::Generic {
                store: "Faulty",
                source: "copy source too large".into(),
            });
        }
        self.inner.copy_opts(from, to, options).await
    }
}
