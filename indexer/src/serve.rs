//! `shelf serve`: any registry, read-only, over HTTP on this machine.
//!
//! GET (and HEAD) of `/<key>` answers the object at `<key>`; `/` and folders answer their
//! `index.html`. App files missing from the registry are answered from the app embedded
//! in this build, so a registry whose site was never deployed still opens. Nothing else
//! is allowed: no listing, no writes.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderName, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use futures::StreamExt as _;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use object_store::ObjectStoreExt as _;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::{Semaphore, watch};

use crate::error::{Error, Result};
use crate::registry::{Registry, path};
use crate::site;

/// What the page may load and do: its own scripts, WebAssembly, style sheet, images
/// and JSON, from the origin it is served from; nothing inline, no frames, no plugins, no
/// forms. The app (trunk's build of `app/`) needs exactly this.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// The headers on every response: the policy above, no content sniffing (a blob is
/// `application/octet-stream`, never guessed to be HTML), no framing, no referrer.
pub const SECURITY_HEADERS: [(&str, &str); 4] = [
    ("content-security-policy", CONTENT_SECURITY_POLICY),
    ("x-content-type-options", "nosniff"),
    ("x-frame-options", "DENY"),
    ("referrer-policy", "no-referrer"),
];

/// How long and how many connections `serve` accepts. The defaults keep a local tool from
/// being wedged by idle or trickling clients.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// From the moment a connection waits for a request (a new connection, or one kept
    /// alive after a response), its whole head must arrive within this time, else the
    /// connection is closed: an idle or trickling (slowloris) client does not hold it.
    pub request_head: Duration,
    /// A client that takes no byte of a response for this long is dropped.
    pub stalled_write: Duration,
    /// Connections served at once; one more is answered 503 and closed.
    pub max_connections: usize,
    /// Longest request path, in bytes; a longer one is answered 414. Registry keys are
    /// far shorter (a model name is at most 128 bytes).
    pub max_path: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            request_head: Duration::from_secs(10),
            stalled_write: Duration::from_secs(60),
            max_connections: 128,
            max_path: 2048,
        }
    }
}

/// A bound server, ready to run.
pub struct Server {
    listener: tokio::net::TcpListener,
    registry: Registry,
    limits: Limits,
}

impl Server {
    /// Bind to `addr` (port 0 picks a free port), with the default [`Limits`].
    pub async fn bind(registry: Registry, addr: SocketAddr) -> Result<Server> {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|e| Error::Usage(format!("cannot listen on {addr}: {e}")))?;
        Ok(Server {
            listener,
            registry,
            limits: Limits::default(),
        })
    }

    /// The same server with other limits.
    pub fn with_limits(self, limits: Limits) -> Server {
        Server { limits, ..self }
    }

    /// The address actually bound.
    pub fn local_addr(&self) -> Result<SocketAddr> {
        self.listener
            .local_addr()
            .map_err(|e| Error::Usage(format!("no local address: {e}")))
    }

    /// Serve until `shutdown` completes; connections in flight finish their responses.
    pub async fn run(self, shutdown: impl Future<Output = ()> + Send + 'static) -> Result<()> {
        let limits = self.limits;
        let app = axum::Router::new().fallback(handle).with_state(Served {
            registry: self.registry,
            max_path: limits.max_path,
        });
        let slots = Arc::new(Semaphore::new(limits.max_connections));
        let (stop_tx, stop_rx) = watch::channel(false);
        let mut shutdown = std::pin::pin!(shutdown);
        loop {
            let (stream, _) = tokio::select! {
                accepted = self.listener.accept() => match accepted {
                    Ok(conn) => conn,
                    Err(e) => {
                        // Out of file descriptors and the like: wait, don't spin.
                        tracing::warn!(error = %e, "accept failed");
                        tokio::time::sleep(Duration::from_millis(100)).await;
                        continue;
                    }
                },
                () = &mut shutdown => break,
            };
            let Ok(slot) = slots.clone().try_acquire_owned() else {
                busy(stream).await;
                continue;
            };
            let service = TowerToHyperService::new(app.clone());
            let mut stop = stop_rx.clone();
            tokio::spawn(async move {
                let _slot = slot;
                let io = TokioIo::new(StallLimit::new(stream, limits.stalled_write));
                let mut builder = hyper::server::conn::http1::Builder::new();
                builder
                    .timer(TokioTimer::new())
                    .header_read_timeout(limits.request_head);
                let conn = builder.serve_connection(io, service);
                let mut conn = std::pin::pin!(conn);
                tokio::select! {
                    result = conn.as_mut() => {
                        if let Err(e) = result {
                            tracing::debug!(error = %e, "connection closed");
                        }
                        return;
                    }
                    _ = stop.wait_for(|stopping| *stopping) => {}
                }
                conn.as_mut().graceful_shutdown();
                let _ = conn.await;
            });
        }
        let _ = stop_tx.send(true);
        // Wait for the connections in flight (each holds a slot).
        let _ = slots
            .acquire_many(limits.max_connections as u32)
            .await
            .map_err(|e| Error::Usage(format!("server failed: {e}")))?;
        Ok(())
    }
}

/// Answer a connection over the limit with 503 and close it, without waiting on the client.
async fn busy(stream: tokio::net::TcpStream) {
    let mut head = String::from(
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: text/plain; charset=utf-8\r\nconnection: close\r\nretry-after: 1\r\n",
    );
    for (name, value) in SECURITY_HEADERS {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    let body = "too many connections; try again\n";
    head.push_str(&format!("content-length: {}\r\n\r\n{body}", body.len()));
    let _ = stream.try_write(head.as_bytes());
    let _ = tokio::time::timeout(Duration::from_millis(100), stream.writable()).await;
    drop(stream);
}

/// A connection whose writes fail once the peer has taken no byte for `limit`.
struct StallLimit<S> {
    inner: S,
    limit: Duration,
    stalled_since: Option<Pin<Box<tokio::time::Sleep>>>,
}

impl<S> StallLimit<S> {
    fn new(inner: S, limit: Duration) -> Self {
        StallLimit {
            inner,
            limit,
            stalled_since: None,
        }
    }

    /// After a write that could not proceed: pending, or an error once it has been so
    /// for the limit.
    fn stalled<T>(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<T>> {
        let limit = self.limit;
        let sleep = self
            .stalled_since
            .get_or_insert_with(|| Box::pin(tokio::time::sleep(limit)));
        match sleep.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "the client took no data for too long",
            ))),
            Poll::Pending => Poll::Pending,
        }
    }

    fn progressed<T>(&mut self, ready: io::Result<T>) -> Poll<io::Result<T>> {
        self.stalled_since = None;
        Poll::Ready(ready)
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for StallLimit<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for StallLimit<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match Pin::new(&mut self.inner).poll_write(cx, buf) {
            Poll::Ready(ready) => self.progressed(ready),
            Poll::Pending => self.stalled(cx),
        }
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        match Pin::new(&mut self.inner).poll_write_vectored(cx, bufs) {
            Poll::Ready(ready) => self.progressed(ready),
            Poll::Pending => self.stalled(cx),
        }
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match Pin::new(&mut self.inner).poll_flush(cx) {
            Poll::Ready(ready) => self.progressed(ready),
            Poll::Pending => self.stalled(cx),
        }
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// What the handler needs.
#[derive(Clone)]
struct Served {
    registry: Registry,
    max_path: usize,
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

/// Put [`SECURITY_HEADERS`] on a response (a page's own policy, from
/// [`policy_for_page`], is kept).
fn secured(mut response: Response) -> Response {
    let headers = response.headers_mut();
    for (name, value) in SECURITY_HEADERS {
        headers
            .entry(HeaderName::from_static(name))
            .or_insert(HeaderValue::from_static(value));
    }
    response
}

/// Largest page whose inline scripts are looked for.
const MAX_PAGE: u64 = 1024 * 1024;

/// [`CONTENT_SECURITY_POLICY`], with the hash of each inline script of `page` allowed.
pub fn policy_for_page(page: &[u8]) -> String {
    use sha2::Digest as _;
    let text = String::from_utf8_lossy(page);
    let mut hashes = String::new();
    for script in inline_scripts(&text) {
        let digest = sha2::Sha256::digest(script.as_bytes());
        hashes.push_str(&format!(" 'sha256-{}'", base64(&digest)));
    }
    CONTENT_SECURITY_POLICY.replacen(
        "script-src 'self' 'wasm-unsafe-eval'",
        &format!("script-src 'self' 'wasm-unsafe-eval'{hashes}"),
        1,
    )
}

/// The text of each `<script>` element without a `src`.
fn inline_scripts(html: &str) -> Vec<&str> {
    let lower = html.to_ascii_lowercase();
    let mut out = Vec::new();
    let mut at = 0;
    while let Some(open) = lower[at..].find("<script") {
        let open = at + open;
        let Some(tag_end) = lower[open..].find('>') else {
            break;
        };
        let tag_end = open + tag_end + 1;
        let Some(close) = lower[tag_end..].find("</script") else {
            break;
        };
        let close = tag_end + close;
        if !lower[open..tag_end].contains(" src=") {
            out.push(&html[tag_end..close]);
        }
        at = close;
    }
    out
}

/// Standard base64 with padding (what a CSP hash source is written in).
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i)) as usize & 63] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn plain(status: StatusCode, text: &str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        text.to_string(),
    )
        .into_response()
}

async fn handle(State(served): State<Served>, method: Method, uri: Uri) -> Response {
    secured(answer(&served, method, uri).await)
}

async fn answer(served: &Served, method: Method, uri: Uri) -> Response {
    let registry = &served.registry;
    if method != Method::GET && method != Method::HEAD {
        return plain(
            StatusCode::METHOD_NOT_ALLOWED,
            "read-only: GET and HEAD only\n",
        );
    }
    if uri.path().len() > served.max_path {
        return plain(
            StatusCode::URI_TOO_LONG,
            &format!(
                "the path is longer than {} bytes: no registry key is\n",
                served.max_path
            ),
        );
    }
    let Some(key) = key_of(uri.path()) else {
        return plain(StatusCode::BAD_REQUEST, "not a registry key\n");
    };
    let content_type = HeaderValue::from_static(site::content_type(&key));
    // No registry key has a part longer than a file name may be (a local folder would
    // fail to look it up).
    if key.split('/').any(|part| part.len() > 255) {
        return plain(StatusCode::NOT_FOUND, "not found\n");
    }
    match registry.store().get(&path(&key)).await {
        Ok(result)
            if content_type.as_bytes().starts_with(b"text/html")
                && result.meta.size <= MAX_PAGE =>
        {
            // A page published by an older shelf may load the app with an inline script:
            // allow exactly the inline scripts it holds, by their hash.
            let bytes = match result.bytes().await {
                Ok(bytes) => bytes,
                Err(e) => {
                    tracing::warn!(key, error = %e, "read failed");
                    return plain(StatusCode::BAD_GATEWAY, "the store failed to answer\n");
                }
            };
            let policy = policy_for_page(&bytes);
            let size = bytes.len();
            let body = if method == Method::HEAD {
                Body::empty()
            } else {
                Body::from(bytes)
            };
            let mut response = Response::new(body);
            let headers = response.headers_mut();
            headers.insert(header::CONTENT_TYPE, content_type);
            headers.insert(header::CONTENT_LENGTH, HeaderValue::from(size));
            headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
            if let Ok(policy) = HeaderValue::from_str(&policy) {
                headers.insert(header::CONTENT_SECURITY_POLICY, policy);
            }
            response
        }
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

    #[test]
    fn base64_and_page_policies() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
        // The hash CSP gives `alert(1)` (sha256, base64).
        assert_eq!(
            policy_for_page(b"<p><script>alert(1)</script><script src=\"./a.js\"></script>"),
            CONTENT_SECURITY_POLICY.replace(
                "'wasm-unsafe-eval'",
                "'wasm-unsafe-eval' 'sha256-bhHHL3z2vDgxUt0W3dWQOrprscmda2Y5pLsLg4GF+pI='"
            )
        );
        assert_eq!(
            policy_for_page(b"<p>no script</p>"),
            CONTENT_SECURITY_POLICY
        );
    }
}
