//! Every fetch the app makes. Paths are relative to the page (the app is served from any
//! bucket prefix), and every failure becomes an [`ApiError`] that names what was loaded.
//! A missing object may answer 404 or 403 (S3 without list permission): both mean absent.

use futures::StreamExt as _;
use gloo_net::http::Request;
use shelf_format::{
    Catalog, CatalogHead, Digest, Document, Event, LogEntry, ModelIndex, ModelName, Timestamp,
    VersionManifest, VersionSummary, decode, keys, state_at,
};

use crate::lifecycle;

/// Log entries time travel requests at once.
const LOG_CONCURRENCY: usize = 6;

/// A document that could not be loaded: the fetch failed, the server answered an error
/// status, or the bytes are not a valid Shelf document of the expected kind and version.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("could not load {path}: {cause}")]
pub struct ApiError {
    pub path: String,
    pub cause: String,
}

impl ApiError {
    pub fn new(path: &str, cause: impl ToString) -> Self {
        ApiError {
            path: path.to_string(),
            cause: cause.to_string(),
        }
    }
}

/// The bytes at `path`, or `None` when absent (404 or 403).
pub async fn fetch_bytes(path: &str) -> Result<Option<Vec<u8>>, ApiError> {
    let response = Request::get(path)
        .send()
        .await
        .map_err(|e| ApiError::new(path, e))?;
    let status = response.status();
    let status_text = response.status_text();
    let bytes = response
        .binary()
        .await
        .map_err(|e| ApiError::new(path, e))?;
    classify(path, status, &status_text, bytes)
}

/// Absent, present, or an error, from a response. Pure, so it is tested natively.
fn classify(
    path: &str,
    status: u16,
    status_text: &str,
    bytes: Vec<u8>,
) -> Result<Option<Vec<u8>>, ApiError> {
    match status {
        200..=299 => Ok(Some(bytes)),
        403 | 404 => Ok(None),
        _ => Err(ApiError::new(path, format!("HTTP {status} {status_text}"))),
    }
}

fn decode_at<T: Document>(path: &str, bytes: &[u8]) -> Result<T, ApiError> {
    decode(path, bytes).map_err(|e| ApiError::new(path, e))
}

/// Fetch the document at `path` and decode it as a `T`; absent is an error.
pub async fn fetch_json<T: Document>(path: &str) -> Result<T, ApiError> {
    match fetch_bytes(path).await? {
        Some(bytes) => decode_at(path, &bytes),
        None => Err(ApiError::new(path, "not found")),
    }
}

/// The newest catalog generation: the head hint, then probing the next generations.
/// `None` when no model was ever pushed.
pub async fn load_catalog() -> Result<Option<Catalog>, ApiError> {
    let hint = match fetch_bytes(keys::CATALOG_HEAD).await? {
        Some(bytes) => decode_at::<CatalogHead>(keys::CATALOG_HEAD, &bytes)?.generation,
        None => 0,
    };
    // Probe forward from the hint (it may lag behind the newest generation); only the
    // newest one found is decoded.
    let mut newest: Option<(String, Vec<u8>)> = None;
    let mut generation = hint.max(1);
    loop {
        let key = keys::catalog_key(generation);
        match fetch_bytes(&key).await? {
            Some(bytes) => {
                newest = Some((key, bytes));
                generation += 1;
            }
            None => break,
        }
    }
    newest
        .map(|(key, bytes)| decode_at::<Catalog>(&key, &bytes))
        .transpose()
}

/// A model's state: its derived index, caught up with the log entries written after it.
/// Entries that can't be read are reported, not fatal.
pub async fn load_model(model: &ModelName) -> Result<(ModelIndex, Vec<String>), ApiError> {
    let key = keys::model_index_key(model);
    let mut problems = Vec::new();
    let mut index = match fetch_bytes(&key).await? {
        Some(bytes) => match decode_at::<ModelIndex>(&key, &bytes) {
            Ok(index) if &index.model == model && !index.predates_lifecycle() => index,
            Ok(_) => ModelIndex::empty(model.clone()),
            Err(e) => {
                problems.push(format!("{e}; reading the log instead"));
                ModelIndex::empty(model.clone())
            }
        },
        None => ModelIndex::empty(model.clone()),
    };
    loop {
        let key = keys::log_key(model, index.next_seq());
        let Some(bytes) = fetch_bytes(&key).await? else {
            break;
        };
        match decode::<LogEntry>(&key, &bytes) {
            Ok(entry) => {
                for p in index.apply(&entry, &bytes) {
                    problems.push(format!("{key}: {p}"));
                }
            }
            Err(e) => {
                let p = index.skip_unreadable(Digest::of(&bytes), e.to_string());
                problems.push(format!("{key}: {p}"));
            }
        }
    }
    if index.head.is_none() {
        return Err(ApiError::new(
            &key,
            format!("there is no model {model} in this registry"),
        ));
    }
    Ok((index, problems))
}

/// The state of a model as of `at` (docs/format.md §7.4), replayed from its log: entries
/// from 1 up to the first one dated after `at`, read `LOG_CONCURRENCY` at a time. `current`
/// (the model's state now) says how far to read first; if the entries read disagree with
/// it, reading goes on until the log does say where `at` falls. A state with no head means
/// the model did not exist yet. Entries that can't be read end the replay, with a warning.
pub async fn load_as_of(
    current: &ModelIndex,
    at: Timestamp,
) -> Result<(ModelIndex, Vec<String>), ApiError> {
    let model = &current.model;
    let head = current.head.map_or(0, |h| h.seq);
    let mut entries: Vec<(LogEntry, Vec<u8>)> = Vec::new();
    let mut problems = Vec::new();
    let (mut from, mut to) = (1, lifecycle::first_read(&current.events, head, at));
    'read: loop {
        let mut fetched = futures::stream::iter(from..=to)
            .map(|seq| async move {
                let key = keys::log_key(model, seq);
                let bytes = fetch_bytes(&key).await;
                (seq, key, bytes)
            })
            .buffered(LOG_CONCURRENCY);
        while let Some((seq, key, bytes)) = fetched.next().await {
            let Some(bytes) = bytes? else {
                if seq <= head {
                    problems.push(format!(
                        "{key}: absent; the state as of {} is replayed up to entry {}",
                        crate::text::time_precise(&at),
                        seq - 1
                    ));
                }
                break 'read;
            };
            match decode::<LogEntry>(&key, &bytes) {
                Ok(entry) => {
                    let later = entry.time > at;
                    entries.push((entry, bytes));
                    if later {
                        break 'read;
                    }
                }
                Err(e) => {
                    problems.push(format!(
                        "{key}: {e}; the state as of {} is replayed up to entry {}",
                        crate::text::time_precise(&at),
                        seq - 1
                    ));
                    break 'read;
                }
            }
        }
        // Every entry read so far is at or before `at`: read on (past the head known when
        // the page loaded, one probe at a time).
        from = to + 1;
        to = if from > head {
            from
        } else {
            (from + LOG_CONCURRENCY as u64 - 1).min(head)
        };
    }
    Ok((state_at(&entries, model, at), problems))
}

/// The model versions that link the dataset version `dataset@version`, per model (in
/// name order), each with the roles it was linked for. The candidates are the models whose
/// catalog entry lists `dataset@version` in `uses`; their indexes are read
/// `LOG_CONCURRENCY` at a time. A candidate that can't be read is reported, not fatal.
pub async fn load_used_by(
    dataset: &ModelName,
    version: u64,
) -> Result<(UsedBy, Vec<String>), ApiError> {
    let Some(catalog) = load_catalog().await? else {
        return Ok((Vec::new(), Vec::new()));
    };
    let candidates = crate::provenance::using_models(&catalog, dataset, version);
    let loaded: Vec<_> = futures::stream::iter(candidates)
        .map(|model| async move {
            let loaded = load_model(&model).await;
            (model, loaded)
        })
        .buffered(LOG_CONCURRENCY)
        .collect()
        .await;
    let mut users = Vec::new();
    let mut problems = Vec::new();
    for (model, loaded) in loaded {
        match loaded {
            Ok((index, _)) => {
                let versions =
                    crate::provenance::linking_versions(&index.versions, dataset, version);
                if !versions.is_empty() {
                    users.push((model, versions));
                }
            }
            Err(e) => problems.push(e.to_string()),
        }
    }
    Ok((users, problems))
}

/// Per model, the versions that link a dataset version and the roles they link it for.
pub type UsedBy = Vec<(ModelName, Vec<(u64, Vec<String>)>)>;

/// The full manifest of a version: its materialised copy when it hashes to the content
/// id, else the log entry that registered it.
pub async fn load_manifest(
    model: &ModelName,
    summary: &VersionSummary,
) -> Result<VersionManifest, ApiError> {
    let key = keys::version_key(model, summary.version);
    if let Some(bytes) = fetch_bytes(&key).await? {
        if Digest::of(&bytes) == summary.content_id {
            return decode_at(&key, &bytes);
        }
    }
    let key = keys::log_key(model, summary.seq);
    let entry: LogEntry = fetch_json(&key).await?;
    match entry.event {
        Event::Register {
            content_id,
            manifest,
            ..
        } if content_id == summary.content_id => Ok(*manifest),
        _ => Err(ApiError::new(
            &key,
            format!("does not register version {}", summary.version),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shelf_format::RegistryDescriptor;

    const SHELF_JSON: &str = r#"{"format":1,"kind":"registry","name":"demo",
        "created_at":"2026-01-01T00:00:00Z","created_by":"me","created_with":"shelf 0.1.0",
        "conditional_writes":"verified","unknown_field":true}"#;

    #[test]
    fn absent_is_404_or_403() {
        assert_eq!(classify("k", 404, "Not Found", vec![]), Ok(None));
        assert_eq!(classify("k", 403, "Forbidden", vec![]), Ok(None));
        assert_eq!(classify("k", 200, "OK", vec![1]), Ok(Some(vec![1])));
        let err = classify("k", 500, "Internal Server Error", vec![]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "could not load k: HTTP 500 Internal Server Error"
        );
    }

    #[test]
    fn decodes_documents_and_names_the_path_on_error() {
        let registry: RegistryDescriptor = decode_at("shelf.json", SHELF_JSON.as_bytes()).unwrap();
        assert_eq!(registry.name, "demo");
        let body = SHELF_JSON.replace(r#""kind":"registry""#, r#""kind":"catalog""#);
        let err = decode_at::<RegistryDescriptor>("shelf.json", body.as_bytes()).unwrap_err();
        assert!(
            err.to_string().starts_with("could not load shelf.json: "),
            "{err}"
        );
        assert!(err.to_string().contains("expected kind"), "{err}");
    }
}
