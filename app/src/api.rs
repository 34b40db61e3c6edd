//! Every fetch the app makes. The read protocol itself (which documents to trust, how to
//! catch up, time travel) is `shelf_format::read`, the same code the CLI runs; this module
//! supplies its I/O over HTTP ([`Http`]) and names every failure in an [`ApiError`].
//!
//! Paths are relative to the page (the app is served from any bucket prefix). A missing
//! object may answer 404 or 403 (S3 without list permission): both mean absent.

use bytes::Bytes;
use futures::StreamExt as _;
use gloo_net::http::Request;
use shelf_format::read::{self, Mode, ReadError, SelectError, Source, Start};
use shelf_format::{
    Catalog, ModelIndex, ModelName, Selector, Timestamp, VersionManifest, VersionSummary,
};

/// Requests the page keeps in flight (a browser opens about six connections per host).
const CONCURRENCY: usize = 6;

/// Why something could not be shown.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ApiError {
    /// The request did not complete (offline, blocked, aborted).
    #[error("could not load {path}: {detail}")]
    Network { path: String, detail: String },
    /// The server answered an error status (other than 403/404, which mean absent).
    #[error("could not load {path}: HTTP {code} {text}")]
    Status {
        path: String,
        code: u16,
        text: String,
    },
    /// What the read protocol found: no such model, damaged truth, a newer format.
    #[error(transparent)]
    Read(ReadError<std::convert::Infallible>),
    /// A reference selects no version.
    #[error(transparent)]
    Select(#[from] SelectError),
}

impl From<ReadError<ApiError>> for ApiError {
    fn from(e: ReadError<ApiError>) -> Self {
        e.into_source().unwrap_or_else(ApiError::Read)
    }
}

/// The bucket over HTTP GET, relative to the page.
pub struct Http;

impl Source for Http {
    type Error = ApiError;

    async fn get(&self, key: &str) -> Result<Option<Bytes>, ApiError> {
        Ok(fetch_bytes(key).await?.map(Bytes::from))
    }

    fn concurrency(&self) -> usize {
        CONCURRENCY
    }
}

/// The bytes at `path`, or `None` when absent (404 or 403).
pub async fn fetch_bytes(path: &str) -> Result<Option<Vec<u8>>, ApiError> {
    let network = |e: gloo_net::Error| ApiError::Network {
        path: path.to_string(),
        detail: e.to_string(),
    };
    let response = Request::get(path).send().await.map_err(network)?;
    let status = response.status();
    let status_text = response.status_text();
    let bytes = response.binary().await.map_err(network)?;
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
        code => Err(ApiError::Status {
            path: path.to_string(),
            code,
            text: status_text.to_string(),
        }),
    }
}

/// The newest catalog generation (spec §7.2), `None` when no model was ever pushed, with
/// what could not be read (a damaged hint or generation, skipped).
pub async fn load_catalog() -> Result<(Option<Catalog>, Vec<String>), ApiError> {
    let view = read::load_catalog(&Http).await?;
    Ok((view.catalog, strings(view.problems)))
}

/// A model's state (spec §7.3): its derived index when anchored to the log, caught up
/// with the entries after it. Entries that can't be read are reported, not fatal.
pub async fn load_model(model: &ModelName) -> Result<(ModelIndex, Vec<String>), ApiError> {
    let view = read::load_model(&Http, model, Start::Index, Mode::Lenient).await?;
    Ok((view.index, strings(view.problems)))
}

/// The state of a model as of `at` (spec §7.4), replayed from its log; `current` (its
/// state now) says how far to read first. A state with no head means the model did not
/// exist yet; an entry that can't be read ends the replay, with a warning.
pub async fn load_as_of(
    current: &ModelIndex,
    at: Timestamp,
) -> Result<(ModelIndex, Vec<String>), ApiError> {
    let as_of = read::load_as_of(&Http, &current.model, at, Some(current), Mode::Lenient).await?;
    Ok((as_of.state, strings(as_of.problems)))
}

/// The version `selector` selects in a model's state.
pub fn select<'a>(
    index: &'a ModelIndex,
    selector: &Selector,
) -> Result<&'a VersionSummary, ApiError> {
    Ok(read::select(index, selector)?)
}

/// The model versions that link the dataset version `dataset@version`, per model (in
/// name order), each with the roles it was linked for. The candidates are the models whose
/// catalog entry lists `dataset@version` in `uses`; their states are read
/// [`CONCURRENCY`] at a time. A candidate that can't be read is reported, not fatal.
pub async fn load_used_by(
    dataset: &ModelName,
    version: u64,
) -> Result<(UsedBy, Vec<String>), ApiError> {
    let (Some(catalog), _) = load_catalog().await? else {
        return Ok((Vec::new(), Vec::new()));
    };
    let candidates = crate::provenance::using_models(&catalog, dataset, version);
    let loaded: Vec<_> = futures::stream::iter(candidates)
        .map(|model| async move {
            let loaded = load_model(&model).await;
            (model, loaded)
        })
        .buffered(CONCURRENCY)
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
    Ok(read::load_manifest(&Http, model, summary).await?)
}

fn strings(problems: Vec<read::Problem>) -> Vec<String> {
    problems.into_iter().map(|p| p.to_string()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use shelf_format::{RegistryDescriptor, decode};

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
    fn newer_formats_name_the_key() {
        let registry: RegistryDescriptor = decode("shelf.json", SHELF_JSON.as_bytes()).unwrap();
        assert_eq!(registry.name, "demo");
        let body = SHELF_JSON.replace(r#""format":1"#, r#""format":9"#);
        let error = decode::<RegistryDescriptor>("shelf.json", body.as_bytes()).unwrap_err();
        let err: ApiError = ReadError::<ApiError>::NewerFormat {
            key: "shelf.json".into(),
            error,
        }
        .into();
        assert!(err.to_string().contains("shelf.json"), "{err}");
        assert!(err.to_string().contains("upgrade shelf"), "{err}");
    }

    #[test]
    fn read_errors_become_api_errors() {
        let model = ModelName::new("fraud").unwrap();
        let err: ApiError = ReadError::<ApiError>::NoModel {
            model: model.clone(),
        }
        .into();
        assert_eq!(
            err.to_string(),
            "there is no model fraud in this registry (models/fraud/_log/00000000000000000001.json is absent)"
        );
        let index = ModelIndex::empty(model);
        let err = select(&index, &Selector::Latest).unwrap_err();
        assert_eq!(err.to_string(), "fraud has no versions yet");
    }
}
