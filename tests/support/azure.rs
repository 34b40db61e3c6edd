//! Azurite, the Azure Blob Storage emulator (npm `azurite`, pinned in scripts/setup.sh),
//! started by `scripts/test.sh` through `scripts/lib/azurite.sh`, which exports
//! `SHELF_TEST_AZURE_URL` and `AZURITE_BLOB_STORAGE_URL` (its blob endpoint). Each test
//! creates its own container on it.

use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::process::Command;
use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use object_store::ObjectStore;
use object_store::azure::MicrosoftAzureBuilder;
use sha2::{Digest as _, Sha256};

/// Azurite's well-known development account and key (public, documented by Microsoft).
pub const ACCOUNT: &str = "devstoreaccount1";
pub const KEY: &str =
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

/// The blob endpoint of the emulator. Panics with instructions when it is not running:
/// Azure tests are never silently skipped.
pub fn endpoint() -> String {
    let url = std::env::var("SHELF_TEST_AZURE_URL").unwrap_or_else(|_| {
        panic!(
            "SHELF_TEST_AZURE_URL is not set: run the tests with scripts/test.sh, which installs and starts Azurite (or `source scripts/lib/azurite.sh && azurite_start`)"
        )
    });
    // object_store reads the emulator's address from this variable, not from a setting.
    assert_eq!(
        std::env::var("AZURITE_BLOB_STORAGE_URL").ok().as_deref(),
        Some(url.as_str()),
        "AZURITE_BLOB_STORAGE_URL must be the emulator's URL too (scripts/lib/azurite.sh exports both)"
    );
    url.trim_end_matches('/').to_string()
}

/// A container name unique to this test run (Azure: lowercase letters, digits, `-`).
pub fn unique_container() -> String {
    let id: u64 = rand::random();
    format!("shelf-test-{id:016x}")
}

/// Create a container, signed with the account key (Azurite refuses unsigned requests and
/// object_store has no call for it). `public`: anyone may GET its blobs, not list them.
pub fn create_container(container: &str, public: bool) {
    let endpoint = endpoint();
    let addr = endpoint.trim_start_matches("http://");
    let date = chrono::Utc::now()
        .format("%a, %d %b %Y %H:%M:%S GMT")
        .to_string();
    let mut ms_headers = vec![("x-ms-date", date.as_str()), ("x-ms-version", "2021-08-06")];
    if public {
        ms_headers.push(("x-ms-blob-public-access", "blob"));
    }
    ms_headers.sort();
    let canonical: String = ms_headers
        .iter()
        .map(|(k, v)| format!("{k}:{v}\n"))
        .collect();
    // VERB, then 11 standard headers (all empty: no body, no conditions), the x-ms-
    // headers, and the resource.
    let to_sign = format!(
        "PUT\n{}{canonical}/{ACCOUNT}/{ACCOUNT}/{container}\nrestype:container",
        "\n".repeat(11)
    );
    let key = BASE64.decode(KEY).unwrap();
    let signature = BASE64.encode(hmac_sha256(&key, to_sign.as_bytes()));
    let mut stream = TcpStream::connect(addr).expect("connect to Azurite");
    let mut request = format!(
        "PUT /{ACCOUNT}/{container}?restype=container HTTP/1.1\r\nHost: {addr}\r\nContent-Length: 0\r\nConnection: close\r\nAuthorization: SharedKey {ACCOUNT}:{signature}\r\n"
    );
    for (k, v) in &ms_headers {
        request.push_str(&format!("{k}: {v}\r\n"));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes()).unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    assert!(
        response.starts_with("HTTP/1.1 201"),
        "creating container {container}: {response}"
    );
}

/// HMAC-SHA256 (RFC 2104), for the SharedKey signature.
fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    let mut block = [0u8; 64];
    if key.len() > block.len() {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let pad = |byte: u8| block.iter().map(|b| b ^ byte).collect::<Vec<u8>>();
    let inner = Sha256::new()
        .chain_update(pad(0x36))
        .chain_update(message)
        .finalize();
    Sha256::new()
        .chain_update(pad(0x5c))
        .chain_update(inner)
        .finalize()
        .into()
}

/// A registry backend in a fresh container whose blobs anyone may GET (not list), as for
/// hosting the page.
pub fn public_backend() -> super::Backend {
    let container = unique_container();
    create_container(&container, true);
    super::Backend::Azure {
        container,
        prefix: "registries/team a".into(),
    }
}

/// The whole container, through object_store in emulator mode.
pub fn container_store(container: &str) -> Arc<dyn ObjectStore> {
    endpoint();
    let azure = MicrosoftAzureBuilder::new()
        .with_use_emulator(true)
        .with_container_name(container)
        .build()
        .unwrap();
    Arc::new(azure)
}

/// Point a command at the emulator, as a user of Azurite would: `AZURE_STORAGE_USE_EMULATOR`
/// (account devstoreaccount1 and its key). Azure settings of the caller's environment are
/// removed, so that a real account configured there is not mixed in.
pub fn emulator_env(cmd: &mut Command) {
    for (key, _) in std::env::vars_os() {
        if key.to_str().is_some_and(|k| k.starts_with("AZURE_")) {
            cmd.env_remove(&key);
        }
    }
    cmd.env_remove("IDENTITY_ENDPOINT")
        .env("AZURE_STORAGE_USE_EMULATOR", "true")
        .env("AZURITE_BLOB_STORAGE_URL", endpoint());
}
