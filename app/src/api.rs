//! Every fetch the app makes. Paths are relative to the page (the app is served from any
//! bucket prefix), and every failure becomes an [`ApiError`] that names what was loaded.

use gloo_net::http::Request;
use shelf_format::Document;

/// A document that could not be loaded: the fetch failed, the server answered an error
/// status, or the bytes are not a valid Shelf document of the expected kind and version.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("could not load {path}: {cause}")]
pub struct ApiError {
    pub path: String,
    pub cause: String,
}

impl ApiError {
    fn new(path: &str, cause: impl ToString) -> Self {
        ApiError {
            path: path.to_string(),
            cause: cause.to_string(),
        }
    }
}

/// Fetch the document at `path` (relative to the page) and decode it as a `T`.
pub async fn fetch_json<T: Document>(path: &str) -> Result<T, ApiError> {
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
    decode_response(path, status, &status_text, &bytes)
}

/// The document in a response, or why there is none. Pure, so it is tested natively.
fn decode_response<T: Document>(
    path: &str,
    status: u16,
    status_text: &str,
    bytes: &[u8],
) -> Result<T, ApiError> {
    if !(200..300).contains(&status) {
        return Err(ApiError::new(path, format!("HTTP {status} {status_text}")));
    }
    shelf_format::decode(path, bytes).map_err(|e| ApiError::new(path, e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use shelf_format::RegistryDescriptor;

    const SHELF_JSON: &str = r#"{"format":1,"kind":"registry","name":"demo",
        "created_at":"2026-01-01T00:00:00Z","created_by":"me","created_with":"shelf 0.1.0",
        "conditional_writes":"verified","unknown_field":true}"#;

    #[test]
    fn decodes_a_registry_descriptor() {
        let registry: RegistryDescriptor =
            decode_response("shelf.json", 200, "OK", SHELF_JSON.as_bytes()).unwrap();
        assert_eq!(registry.name, "demo");
    }

    #[test]
    fn an_error_status_names_the_path_and_status() {
        let err =
            decode_response::<RegistryDescriptor>("shelf.json", 404, "Not Found", b"").unwrap_err();
        assert_eq!(
            err.to_string(),
            "could not load shelf.json: HTTP 404 Not Found"
        );
    }

    #[test]
    fn a_document_of_another_kind_is_refused() {
        let body = SHELF_JSON.replace(r#""kind":"registry""#, r#""kind":"catalog""#);
        let err = decode_response::<RegistryDescriptor>("shelf.json", 200, "OK", body.as_bytes())
            .unwrap_err();
        assert!(
            err.to_string().starts_with("could not load shelf.json: "),
            "{err}"
        );
        assert!(err.to_string().contains("expected kind"), "{err}");
    }
}
