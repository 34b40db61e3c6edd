//! Test harness: the stores every scenario runs against (in-memory, a local temp folder,
//! a real S3 server and a real Azure Blob Storage emulator over HTTP, and real cloud
//! buckets when the environment names them), and a runner for the `shelf` binary.
//!
//! The S3 server (moto) and Azurite are started by `scripts/test.sh`, which exports
//! `SHELF_TEST_S3_ENDPOINT` and `SHELF_TEST_AZURE_URL`; each test creates its own bucket
//! or container on them.

#![allow(dead_code)]

/// Azurite, the Azure Blob Storage emulator.
pub mod azure;
/// Headless Chromium over WebDriver, for the web app's end-to-end tests.
pub mod browser;
/// Real S3, GCS and Azure buckets, when the environment names them.
pub mod clouds;
/// A store with injected faults.
pub mod faulty;
/// An initialised registry with files to push, for library scenarios.
pub mod fixture;
/// A local stand-in for Google Cloud Storage's XML API.
pub mod gcs;
/// A private S3 server that checks request signatures.
pub mod moto_auth;
/// A fault-injecting HTTP proxy in front of the S3 test server.
pub mod proxy;
/// A store that records requests, to pin what an operation costs.
pub mod recording;
/// Strict copies of the `--json` documents.
pub mod wire;

use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;

use object_store::ObjectStore;
use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::memory::InMemory;
use shelf::Registry;

/// The S3 endpoint of the test server. Panics with instructions when it is not running:
/// S3 tests are never silently skipped.
pub fn s3_endpoint() -> String {
    std::env::var("SHELF_TEST_S3_ENDPOINT").unwrap_or_else(|_| {
        panic!(
            "SHELF_TEST_S3_ENDPOINT is not set: run the tests with scripts/test.sh, which installs and starts the S3 test server"
        )
    })
}

/// A bucket name unique to this test run.
pub fn unique(prefix: &str) -> String {
    let id: u64 = rand::random();
    format!("{prefix}-{id:016x}")
}

/// Create a bucket on the test S3 server (moto accepts unsigned requests).
pub fn create_bucket(bucket: &str) {
    let endpoint = s3_endpoint();
    let addr = endpoint.trim_start_matches("http://").trim_end_matches('/');
    let mut stream = TcpStream::connect(addr).expect("connect to the S3 test server");
    write!(
        stream,
        "PUT /{bucket} HTTP/1.1\r\nHost: {addr}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    assert!(
        response.starts_with("HTTP/1.1 200") || response.starts_with("HTTP/1.0 200"),
        "creating bucket {bucket}: {response}"
    );
}

/// Where a test registry lives.
pub enum Backend {
    Memory,
    Local(tempfile::TempDir),
    S3 {
        bucket: String,
        prefix: String,
    },
    /// A container on Azurite.
    Azure {
        container: String,
        prefix: String,
    },
    /// A real bucket or container (see [`clouds`]).
    Cloud(clouds::RealCloud),
}

impl Backend {
    pub fn memory() -> Self {
        Backend::Memory
    }

    pub fn local() -> Self {
        Backend::Local(tempfile::tempdir().unwrap())
    }

    /// A fresh bucket, with a prefix so that registries under a prefix are exercised too.
    pub fn s3() -> Self {
        let bucket = unique("shelf-test");
        create_bucket(&bucket);
        Backend::S3 {
            bucket,
            prefix: "registries/team a".into(),
        }
    }

    /// A fresh container on Azurite, with a prefix like [`Backend::s3`].
    pub fn azure() -> Self {
        let container = azure::unique_container();
        azure::create_container(&container, false);
        Backend::Azure {
            container,
            prefix: "registries/team a".into(),
        }
    }

    /// Every backend: memory, local, S3 (moto), Azure (Azurite), and the real clouds the
    /// environment names.
    pub fn all() -> Vec<Backend> {
        let mut all = vec![
            Backend::memory(),
            Backend::local(),
            Backend::s3(),
            Backend::azure(),
        ];
        all.extend(clouds::available().into_iter().map(Backend::Cloud));
        all
    }

    /// The backends a separate process can share (all but memory).
    pub fn shared() -> Vec<Backend> {
        let mut shared = vec![Backend::local(), Backend::s3(), Backend::azure()];
        shared.extend(clouds::available().into_iter().map(Backend::Cloud));
        shared
    }

    pub fn name(&self) -> &'static str {
        match self {
            Backend::Memory => "memory",
            Backend::Local(_) => "local",
            Backend::S3 { .. } => "s3",
            Backend::Azure { .. } => "azure",
            Backend::Cloud(cloud) => cloud.cloud.name(),
        }
    }

    /// The `--registry` value for the CLI.
    pub fn url(&self) -> String {
        match self {
            Backend::Memory => "memory://".into(),
            Backend::Local(dir) => dir.path().join("registry").display().to_string(),
            Backend::S3 { bucket, prefix } => format!("s3://{bucket}/{prefix}"),
            Backend::Azure { container, prefix } => format!("az://{container}/{prefix}"),
            Backend::Cloud(cloud) => cloud.url(),
        }
    }

    /// A store on the registry root (unprefixed for memory, prefixed for the others).
    pub fn store(&self) -> Arc<dyn ObjectStore> {
        match self {
            Backend::Memory => Arc::new(InMemory::new()),
            Backend::Local(dir) => {
                let root = dir.path().join("registry");
                std::fs::create_dir_all(&root).unwrap();
                Arc::new(LocalFileSystem::new_with_prefix(root).unwrap())
            }
            Backend::S3 { prefix, .. }
            | Backend::Azure { prefix, .. }
            | Backend::Cloud(clouds::RealCloud { prefix, .. }) => {
                Arc::new(object_store::prefix::PrefixStore::new(
                    self.bucket_store().expect("a cloud backend has a bucket"),
                    prefix.as_str(),
                ))
            }
        }
    }

    /// The whole bucket or container of a cloud backend (outside the registry's prefix),
    /// to put data a registry links to.
    pub fn bucket_store(&self) -> Option<Arc<dyn ObjectStore>> {
        let bucket = match self {
            Backend::S3 { bucket, .. } => bucket,
            Backend::Azure { container, .. } => return Some(azure::container_store(container)),
            Backend::Cloud(cloud) => return Some(cloud.bucket_store()),
            Backend::Memory | Backend::Local(_) => return None,
        };
        let s3 = AmazonS3Builder::new()
            .with_endpoint(s3_endpoint())
            .with_allow_http(true)
            .with_bucket_name(bucket)
            .with_region("us-east-1")
            .with_access_key_id("testing")
            .with_secret_access_key("testing")
            .build()
            .unwrap();
        Some(Arc::new(s3))
    }

    /// A registry object on this backend (for memory, each call is a new empty store, so
    /// keep the one you get).
    pub fn registry(&self) -> Registry {
        Registry::new(self.store(), self.url())
    }

    /// A `shelf` command with the registry and S3 settings of this backend.
    pub fn shelf(&self) -> Command {
        let mut cmd = shelf_command();
        cmd.env("SHELF_REGISTRY", self.url());
        match self {
            Backend::S3 { .. } => s3_env(&mut cmd, &s3_endpoint()),
            Backend::Azure { .. } => azure::emulator_env(&mut cmd),
            Backend::Cloud(cloud) => cloud.env(&mut cmd),
            Backend::Memory | Backend::Local(_) => {}
        }
        cmd
    }
}

/// Point a command at an S3 endpoint with test credentials.
pub fn s3_env(cmd: &mut Command, endpoint: &str) {
    cmd.env("AWS_ENDPOINT_URL", endpoint)
        .env("AWS_ALLOW_HTTP", "true")
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_EC2_METADATA_DISABLED", "true");
}

/// The `shelf` binary with a clean environment for registry settings.
pub fn shelf_command() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_shelf"));
    for var in [
        "SHELF_REGISTRY",
        "SHELF_FAILPOINT",
        "SHELF_AUTHOR",
        "AWS_ENDPOINT_URL",
        "AWS_ENDPOINT",
        "AWS_PROFILE",
    ] {
        cmd.env_remove(var);
    }
    cmd.env("SHELF_AUTHOR", "test-runner");
    cmd
}

/// Run, returning the output; the command's stderr is kept for messages.
pub fn run(cmd: &mut Command) -> Output {
    cmd.output().expect("spawn shelf")
}

/// Parse stdout strictly as one JSON document.
pub fn json(output: &Output) -> serde_json::Value {
    let text = String::from_utf8(output.stdout.clone()).expect("stdout is UTF-8");
    serde_json::from_str(&text).unwrap_or_else(|e| {
        panic!(
            "stdout is not one JSON document ({e}):\n{text}\nstderr:\n{}",
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Assert an exit code, showing the output when it differs.
#[track_caller]
pub fn assert_code(output: &Output, code: i32) {
    assert_eq!(
        output.status.code(),
        Some(code),
        "expected exit code {code}\nstdout:\n{}\nstderr:\n{}",
        stdout(output),
        stderr(output)
    );
}

/// Write a file with given content, creating parent folders.
pub fn write_file(path: &Path, content: &[u8]) -> PathBuf {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    std::fs::write(path, content).unwrap();
    path.to_path_buf()
}

/// Deterministic pseudo-random bytes.
pub fn bytes(seed: u64, len: usize) -> Vec<u8> {
    let mut x = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

/// Every key in the store, sorted.
pub async fn all_keys(store: &Arc<dyn ObjectStore>) -> Vec<String> {
    use futures::TryStreamExt as _;
    let mut keys: Vec<String> = store
        .list(None)
        .map_ok(|m| m.location.to_string())
        .try_collect()
        .await
        .unwrap();
    keys.sort();
    keys
}

/// A multi-threaded runtime for tests that mix processes and async checks.
pub fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(f)
}

/// A minimal HTTP/1.1 request: (status, lower-cased headers, body).
pub fn http(method: &str, url: &str) -> (u16, Vec<(String, String)>, Vec<u8>) {
    let rest = url.strip_prefix("http://").expect("http URL");
    let (host, path) = rest
        .split_once('/')
        .map_or((rest, "/".to_string()), |(h, p)| (h, format!("/{p}")));
    let mut stream = TcpStream::connect(host).expect("connect");
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"
    )
    .unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("header end");
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.lines();
    let status: u16 = lines
        .next()
        .unwrap()
        .split_whitespace()
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    (status, headers, raw[split + 4..].to_vec())
}

/// `shelf serve` on a free port, killed on drop.
pub struct Served {
    pub child: std::process::Child,
    pub url: String,
}

impl Served {
    pub fn start(mut cmd: Command) -> Served {
        use std::io::BufRead as _;
        let mut child = cmd
            .args(["serve", "--addr", "127.0.0.1:0"])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("spawn shelf serve");
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        assert!(
            line.starts_with("http://127.0.0.1:"),
            "serve printed {line:?}"
        );
        Served {
            child,
            url: line.trim().to_string(),
        }
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
