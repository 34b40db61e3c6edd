//! The web app: the files embedded at build time, published at the registry root.

use object_store::{Attribute, Attributes, PutOptions, PutPayload};
use shelf_format::keys;

use crate::error::{Error, Result};
use crate::registry::{Registry, path};

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/site_files.rs"));
}

/// The app's files, as embedded in this build (empty when built without the app).
pub fn files() -> &'static [(&'static str, &'static [u8])] {
    embedded::FILES
}

/// The embedded file at `path`, if any.
pub fn file(path: &str) -> Option<&'static [u8]> {
    files().iter().find(|(p, _)| *p == path).map(|(_, b)| *b)
}

/// The media type of a file, from its extension.
pub fn content_type(path: &str) -> &'static str {
    let ext = path.rsplit_once('.').map_or("", |(_, e)| e);
    match ext.to_ascii_lowercase().as_str() {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "wasm" => "application/wasm",
        "css" => "text/css; charset=utf-8",
        "json" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// What `site deploy` wrote.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SiteOutcome {
    pub files: Vec<String>,
    pub bytes: u64,
}

/// Publish the embedded web app at the registry root (overwriting a previous one).
/// Files get their content type and `Cache-Control: no-cache` where the store keeps
/// such attributes (S3 and GCS as object metadata, Azure as the blob's
/// `x-ms-blob-content-type` and `x-ms-blob-cache-control`, served back by its blob and
/// static website endpoints), so browsers always check for a newer app.
pub async fn deploy_site(registry: &Registry) -> Result<SiteOutcome> {
    registry.descriptor().await?;
    if files().is_empty() {
        return Err(Error::Usage(
            "this shelf was built without the web app: run scripts/build-app.sh, then rebuild shelf".into(),
        ));
    }
    let mut outcome = SiteOutcome {
        files: Vec::new(),
        bytes: 0,
    };
    for (name, bytes) in files() {
        debug_assert!(!name.starts_with(keys::MODELS_PREFIX));
        let mut attributes = Attributes::new();
        attributes.insert(Attribute::ContentType, content_type(name).into());
        attributes.insert(Attribute::CacheControl, "no-cache".into());
        let opts = PutOptions {
            attributes,
            ..Default::default()
        };
        let location = path(name);
        let payload = PutPayload::from_static(bytes);
        match registry
            .store()
            .put_opts(&location, payload.clone(), opts)
            .await
        {
            Ok(_) => {}
            // Local folders keep no attributes.
            Err(object_store::Error::NotImplemented { .. }) => {
                registry
                    .store()
                    .put_opts(&location, payload, PutOptions::default())
                    .await?;
            }
            Err(e) => return Err(e.into()),
        }
        outcome.files.push((*name).to_string());
        outcome.bytes += bytes.len() as u64;
    }
    Ok(outcome)
}
