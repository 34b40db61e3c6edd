//! A stand-in for Google Cloud Storage's XML API on 127.0.0.1, for the calls object_store's
//! GCS client makes (object_store 0.14 speaks the XML API: `PUT /BUCKET/KEY`, `GET`,
//! `HEAD`, `DELETE`, `GET /BUCKET?list-type=2`, copies with `x-goog-copy-source`).
//!
//! Why a stand-in: no GCS emulator installable here speaks that API (fake-gcs-server
//! rejects every XML write, gcp-storage-emulator ignores preconditions; see
//! /work/shared/research/emulators-gcs-azure.md). This one answers as GCS documents it:
//! a write with `x-goog-if-generation-match: 0` succeeds only if the object does not
//! exist, otherwise `412 Precondition Failed` with `<Code>PreconditionFailed</Code>`;
//! every object has a generation (`x-goog-generation`) and an ETag; an unknown bucket is
//! `404 NoSuchBucket`; a request without the expected bearer token is `401`.
//!
//! What it proves: what Shelf (through object_store) *sends* GCS, and that Shelf reads
//! GCS's *answers* right (a 412 on a create is "exists", a 404 NoSuchBucket or a 401 is a
//! setting to fix). What it does not prove: that real GCS is atomic under load (it is by
//! documentation; here one lock serialises every request), multipart (XML multipart
//! uploads are not implemented, so tests push files under 8 MiB), authentication, or the
//! exact bytes of GCS's responses. The opt-in real-GCS suite (`SHELF_TEST_GCS_BUCKET`)
//! covers those.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};

/// The bearer token the stand-in expects (`GOOGLE_BEARER_TOKEN`).
pub const TOKEN: &str = "stand-in-token";

#[derive(Debug, Clone)]
struct Object {
    bytes: Bytes,
    generation: u64,
    content_type: Option<String>,
    cache_control: Option<String>,
}

/// One request, as the stand-in saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    /// The object key (empty for bucket-level requests such as listing).
    pub key: String,
    /// `x-goog-if-generation-match`, if sent.
    pub generation_match: Option<String>,
    pub content_type: Option<String>,
    pub cache_control: Option<String>,
    pub copy_source: Option<String>,
    pub status: u16,
}

#[derive(Default)]
struct State {
    bucket: String,
    objects: BTreeMap<String, Object>,
    generation: u64,
    seen: Vec<Seen>,
    /// Behave like a store that ignores preconditions (every create succeeds).
    ignore_preconditions: bool,
    /// Hold creates of log entries until this many are waiting for the same key, then
    /// answer them in arrival order: a race of that many writers, every time.
    race_log_writers: usize,
    waiting: BTreeMap<String, usize>,
}

/// A running stand-in, stopped on drop.
pub struct FakeGcs {
    pub url: String,
    pub bucket: String,
    state: Arc<Mutex<State>>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl FakeGcs {
    /// Serve bucket `bucket` (every other bucket is unknown).
    pub fn start(bucket: &str) -> FakeGcs {
        Self::with(bucket, false, 0)
    }

    /// A stand-in that ignores `x-goog-if-generation-match` (what no real GCS does): a
    /// store `shelf init` must refuse.
    pub fn ignoring_preconditions(bucket: &str) -> FakeGcs {
        Self::with(bucket, true, 0)
    }

    /// A stand-in that makes the first `writers` creates of a log entry meet: they are held
    /// until all arrived, then answered in order, so one wins and the others get 412.
    pub fn racing_log_writers(bucket: &str, writers: usize) -> FakeGcs {
        Self::with(bucket, false, writers)
    }

    fn with(bucket: &str, ignore_preconditions: bool, race_log_writers: usize) -> FakeGcs {
        let state = Arc::new(Mutex::new(State {
            bucket: bucket.to_string(),
            ignore_preconditions,
            race_log_writers,
            ..Default::default()
        }));
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let addr: SocketAddr = listener.local_addr().unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let shared = Arc::clone(&state);
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).unwrap();
                let app = axum::Router::new().fallback(
                    move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
                        let state = Arc::clone(&shared);
                        async move { handle(&state, method, uri, headers, body).await }
                    },
                );
                axum::serve(listener, app)
                    .with_graceful_shutdown(async {
                        let _ = stopped.await;
                    })
                    .await
                    .unwrap();
            });
        });
        FakeGcs {
            url: format!("http://{addr}"),
            bucket: bucket.to_string(),
            state,
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    /// Every request so far.
    pub fn seen(&self) -> Vec<Seen> {
        self.state.lock().unwrap().seen.clone()
    }

    /// The keys stored.
    pub fn keys(&self) -> Vec<String> {
        self.state.lock().unwrap().objects.keys().cloned().collect()
    }

    /// The bytes stored at `key`.
    pub fn object(&self, key: &str) -> Option<Bytes> {
        let state = self.state.lock().unwrap();
        state.objects.get(key).map(|o| o.bytes.clone())
    }

    /// Point a `shelf` command at the stand-in, as a user would point object_store at any
    /// GCS endpoint: `GOOGLE_BASE_URL` and a static token.
    pub fn env(&self, cmd: &mut std::process::Command) {
        for (key, _) in std::env::vars() {
            if key.starts_with("GOOGLE_") || key.starts_with("GCE_") {
                cmd.env_remove(key);
            }
        }
        cmd.env("GOOGLE_BASE_URL", &self.url)
            .env("GOOGLE_BEARER_TOKEN", TOKEN);
    }

    /// The bucket through object_store's GCS client.
    pub fn store(&self) -> Arc<dyn object_store::ObjectStore> {
        let gcs = object_store::gcp::GoogleCloudStorageBuilder::new()
            .with_bucket_name(&self.bucket)
            .with_config(object_store::gcp::GoogleConfigKey::BaseUrl, &self.url)
            .with_bearer_token(TOKEN)
            .build()
            .unwrap();
        Arc::new(gcs)
    }
}

impl Drop for FakeGcs {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn xml_error(status: StatusCode, code: &str, message: &str) -> Response {
    let body = format!(
        "<?xml version='1.0' encoding='UTF-8'?><Error><Code>{code}</Code><Message>{message}</Message></Error>"
    );
    (
        status,
        [("content-type", "application/xml; charset=UTF-8")],
        body,
    )
        .into_response()
}

fn header(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

fn decode(text: &str) -> String {
    percent_encoding::percent_decode_str(text)
        .decode_utf8_lossy()
        .into_owned()
}

fn xml_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn etag(object: &Object) -> String {
    format!("\"{:x}-{}\"", object.bytes.len(), object.generation)
}

/// RFC 2822 dates, as GCS sends `Last-Modified` (a fixed one: nothing here needs times).
const LAST_MODIFIED: &str = "Fri, 04 Dec 2026 10:00:00 GMT";

async fn handle(
    state: &Arc<Mutex<State>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path().trim_start_matches('/');
    let (bucket, key) = path.split_once('/').unwrap_or((path, ""));
    let bucket = decode(bucket);
    let key = decode(key);
    let mut seen = Seen {
        method: method.to_string(),
        key: key.clone(),
        generation_match: header(&headers, "x-goog-if-generation-match"),
        content_type: header(&headers, "content-type"),
        cache_control: header(&headers, "cache-control"),
        copy_source: header(&headers, "x-goog-copy-source"),
        status: 0,
    };
    // A race of writers on one log entry: wait (bounded) until they are all here.
    let racing = method == Method::PUT
        && key.contains("/_log/")
        && seen.generation_match.as_deref() == Some("0")
        && {
            let mut s = state.lock().unwrap();
            if s.race_log_writers > 1 {
                *s.waiting.entry(key.clone()).or_default() += 1;
                true
            } else {
                false
            }
        };
    if racing {
        for _ in 0..200 {
            let arrived = {
                let s = state.lock().unwrap();
                s.waiting.get(&key).copied().unwrap_or(0) >= s.race_log_writers
            };
            if arrived {
                // One race is enough: later entries (the loser's retry) go straight through.
                state.lock().unwrap().race_log_writers = 0;
                break;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }
    let mut s = state.lock().unwrap();
    let response = answer(&mut s, &method, &uri, &headers, &bucket, &key, body);
    seen.status = response.status().as_u16();
    s.seen.push(seen);
    response
}

fn answer(
    s: &mut State,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    bucket: &str,
    key: &str,
    body: Bytes,
) -> Response {
    if header(headers, "authorization").as_deref() != Some(&format!("Bearer {TOKEN}")) {
        return xml_error(
            StatusCode::UNAUTHORIZED,
            "AuthenticationRequired",
            "Authentication required.",
        );
    }
    if bucket != s.bucket {
        return xml_error(
            StatusCode::NOT_FOUND,
            "NoSuchBucket",
            "The specified bucket does not exist.",
        );
    }
    if key.is_empty() {
        return match *method {
            Method::GET => list(s, uri),
            _ => StatusCode::METHOD_NOT_ALLOWED.into_response(),
        };
    }
    let exists_with = |s: &State| s.objects.get(key).map(|o| o.generation);
    match *method {
        Method::PUT => {
            if let Some(wanted) = header(headers, "x-goog-if-generation-match") {
                let current = exists_with(s).unwrap_or(0);
                if !s.ignore_preconditions && wanted != current.to_string() {
                    return xml_error(
                        StatusCode::PRECONDITION_FAILED,
                        "PreconditionFailed",
                        "At least one of the pre-conditions you specified did not hold.",
                    );
                }
            }
            let (bytes, content_type, cache_control) = match header(headers, "x-goog-copy-source") {
                Some(source) => {
                    let source = decode(&source);
                    let from = source
                        .strip_prefix(&format!("{}/", s.bucket))
                        .unwrap_or(&source);
                    match s.objects.get(from) {
                        Some(o) => (
                            o.bytes.clone(),
                            o.content_type.clone(),
                            o.cache_control.clone(),
                        ),
                        None => {
                            return xml_error(
                                StatusCode::NOT_FOUND,
                                "NoSuchKey",
                                "The specified key does not exist.",
                            );
                        }
                    }
                }
                None => (
                    body,
                    header(headers, "content-type"),
                    header(headers, "cache-control"),
                ),
            };
            s.generation += 1;
            let object = Object {
                bytes,
                generation: s.generation,
                content_type,
                cache_control,
            };
            let tag = etag(&object);
            let generation = object.generation.to_string();
            s.objects.insert(key.to_string(), object);
            (
                StatusCode::OK,
                [("etag", tag), ("x-goog-generation", generation)],
            )
                .into_response()
        }
        Method::GET | Method::HEAD => match s.objects.get(key) {
            Some(o) => {
                let mut response = (
                    StatusCode::OK,
                    [
                        ("etag", etag(o)),
                        ("x-goog-generation", o.generation.to_string()),
                        ("last-modified", LAST_MODIFIED.to_string()),
                        (
                            "content-type",
                            o.content_type
                                .clone()
                                .unwrap_or_else(|| "application/octet-stream".into()),
                        ),
                    ],
                    if *method == Method::GET {
                        o.bytes.clone()
                    } else {
                        Bytes::new()
                    },
                )
                    .into_response();
                if *method == Method::HEAD {
                    response
                        .headers_mut()
                        .insert("content-length", o.bytes.len().to_string().parse().unwrap());
                }
                response
            }
            None => xml_error(
                StatusCode::NOT_FOUND,
                "NoSuchKey",
                "The specified key does not exist.",
            ),
        },
        Method::DELETE => {
            s.objects.remove(key);
            StatusCode::NO_CONTENT.into_response()
        }
        _ => StatusCode::METHOD_NOT_ALLOWED.into_response(),
    }
}

/// `GET /BUCKET?list-type=2&prefix=P[&delimiter=/]`, in one page.
fn list(s: &State, uri: &Uri) -> Response {
    let query: BTreeMap<String, String> = uri
        .query()
        .unwrap_or_default()
        .split('&')
        .filter_map(|pair| pair.split_once('=').or(Some((pair, ""))))
        .map(|(k, v)| (decode(k), decode(&v.replace('+', " "))))
        .collect();
    if query.get("list-type").map(String::as_str) != Some("2") {
        return xml_error(
            StatusCode::BAD_REQUEST,
            "InvalidArgument",
            "list-type=2 expected",
        );
    }
    let prefix = query.get("prefix").cloned().unwrap_or_default();
    let delimiter = query.get("delimiter").cloned().filter(|d| !d.is_empty());
    let mut contents = String::new();
    let mut prefixes = std::collections::BTreeSet::new();
    for (key, object) in s.objects.range(prefix.clone()..) {
        let Some(rest) = key.strip_prefix(&prefix) else {
            break;
        };
        if let Some(d) = &delimiter
            && let Some(at) = rest.find(d.as_str())
        {
            prefixes.insert(format!("{prefix}{}", &rest[..at + d.len()]));
            continue;
        }
        contents.push_str(&format!(
            "<Contents><Key>{}</Key><Generation>{}</Generation><LastModified>2026-12-04T10:00:00.000Z</LastModified><ETag>{}</ETag><Size>{}</Size></Contents>",
            xml_escape(key),
            object.generation,
            xml_escape(&etag(object)),
            object.bytes.len()
        ));
    }
    let common: String = prefixes
        .iter()
        .map(|p| {
            format!(
                "<CommonPrefixes><Prefix>{}</Prefix></CommonPrefixes>",
                xml_escape(p)
            )
        })
        .collect();
    let body = format!(
        "<?xml version='1.0' encoding='UTF-8'?><ListBucketResult xmlns='http://doc.s3.amazonaws.com/2006-03-01'><Name>{}</Name><Prefix>{}</Prefix><IsTruncated>false</IsTruncated>{contents}{common}</ListBucketResult>",
        xml_escape(&s.bucket),
        xml_escape(&prefix)
    );
    (
        StatusCode::OK,
        [("content-type", "application/xml; charset=UTF-8")],
        body,
    )
        .into_response()
}
