//! `shelf serve`: any registry, read-only, over HTTP on this machine.
//!
//! GET (and HEAD) of `/<key>` answers the object at `<key>`; `/` and folders answer their
//! `index.html`. App files missing from the registry are answered from the app embedded
//! in this build, so a registry whose site was never deployed still opens. Nothing else
//! is allowed: no listing, no writes.

use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use futures::StreamExt as _;
use object_store::ObjectStoreExt as _;

use crate::error::{Error, Result};
use crate::registry::{Registry, path};
use crate::site;

/// A bound server, ready to run.
pub struct Server {
    listener: tokio::net::TcpListener,
    registry: Registry,
}

impl Server {
    /// Bind to `addr` (port 0 picks a free port).
    pub async fn bind(registry: Registry, addr: SocketAddr) -> Result<Server> {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|e| Error::Usage(format!("cannot listen on {addr}: {e}")))?;
        Ok(Server { listener, registry })
    }

    /// The address actually bound.
    pub fn local_addr(&self) -> Result<SocketAddr> {
        self.listener
            .local_addr()
            .map_err(|e| Error::Usage(format!("no local address: {e}")))
    }

    /// Serve until `shutdown` completes.
    pub async fn run(
        self,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> Result<()> {
        let app = axum::Router::new()
            .fallback(handle)
            .with_state(self.registry);
        axum::serve(self.listener, app)
            .with_graceful_shutdown(shutdown)
            .await
            .map_err(|e| Error::Usage(format!("server failed: {e}")))
    }
}

/// The registry key a request path names, or `None` when it is not a plain key.
pub fn key_of(uri_path: &str) -> Option<String> {
    let decoded = percent_encoding::percent_decode_str(uri_path)
        .decode_utf8()
        .ok()?;
    let trimmed = decoded.trim_start_matches('/');
    let key = if trimmed.is_empty() || trimmed.ends_with('/') {
        format!("{trimmed}index.html")
    } else {
        trimmed.to_string()
    };
    let ok = key
        .split('/')
        .all(|part| !part.is_empty() && part != "." && part != "..")
        && !key.chars().any(|c| c.is_control() || c == '\\');
    ok.then_some(key)
}

fn plain(status: StatusCode, text: &str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        text.to_string(),
    )
        .into_response()
}

async fn handle(State(registry): State<Registry>, method: Method, uri: Uri) -> Response {
    if method != Method::GET && method != Method::HEAD {
        return plain(
            StatusCode::METHOD_NOT_ALLOWED,
            "read-only: GET and HEAD only\n",
        );
    }
    let Some(key) = key_of(uri.path()) else {
        return plain(StatusCode::BAD_REQUEST, "not a registry key\n");
    };
    let content_type = HeaderValue::from_static(site::content_type(&key));
    match registry.store().get(&path(&key)).await {
        Ok(result) => {
            let size = result.meta.size;
            let body = if method == Method::HEAD {
                Body::empty()
            } else {
                Body::from_stream(
                    result
                        .into_stream()
                        .map(|chunk| chunk.map_err(std::io::Error::other)),
                )
            };
            let mut response = Response::new(body);
            let headers = response.headers_mut();
            headers.insert(header::CONTENT_TYPE, content_type);
            headers.insert(header::CONTENT_LENGTH, HeaderValue::from(size));
            headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
            response
        }
        Err(object_store::Error::NotFound { .. }) => match site::file(&key) {
            Some(bytes) => {
                let body = if method == Method::HEAD {
                    Body::empty()
                } else {
                    Body::from(bytes)
                };
                let mut response = Response::new(body);
                let headers = response.headers_mut();
                headers.insert(header::CONTENT_TYPE, content_type);
                headers.insert(header::CONTENT_LENGTH, HeaderValue::from(bytes.len()));
                headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
                response
            }
            None => plain(StatusCode::NOT_FOUND, "not found\n"),
        },
        Err(e) => {
            tracing::warn!(key, error = %e, "read failed");
            plain(StatusCode::BAD_GATEWAY, "the store failed to answer\n")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_of_paths() {
        assert_eq!(key_of("/").as_deref(), Some("index.html"));
        assert_eq!(
            key_of("/models/a/_index.json").as_deref(),
            Some("models/a/_index.json")
        );
        assert_eq!(key_of("/team%20a/").as_deref(), Some("team a/index.html"));
        assert_eq!(key_of("/../etc/passwd"), None);
        assert_eq!(key_of("/a/%2e%2e/b"), None);
        assert_eq!(key_of("/a//b"), None);
    }
}
