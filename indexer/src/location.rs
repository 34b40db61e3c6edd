//! Opening the object store a registry lives on, from its location.
//!
//! `s3://bucket/prefix`, `gs://bucket/prefix`, `az://container/prefix` (and the Azure URLs
//! users paste: `abfss://container@account.dfs.core.windows.net/prefix`,
//! `https://account.blob.core.windows.net/container/prefix`), `file:///abs/path`, a plain
//! path, or `memory://` (in-process only, for tests). URLs are classified by object_store's
//! own [`ObjectStoreScheme`]; settings come from the standard variables, as every cloud tool
//! reads them: S3 from `AWS_*` (`AWS_ENDPOINT_URL`, `AWS_REGION`, `AWS_ALLOW_HTTP`…), GCS
//! from `GOOGLE_APPLICATION_CREDENTIALS` and the `GOOGLE_*` variables, Azure from
//! `AZURE_STORAGE_*` and the other `AZURE_*` variables object_store reads.

use std::path::{Path as FsPath, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use object_store::aws::{AmazonS3Builder, AmazonS3ConfigKey};
use object_store::azure::{AzureConfigKey, MicrosoftAzureBuilder};
use object_store::gcp::{GoogleCloudStorageBuilder, GoogleConfigKey};
use object_store::local::LocalFileSystem;
use object_store::memory::InMemory;
use object_store::multipart::MultipartStore;
use object_store::prefix::PrefixStore;
use object_store::{
    BackoffConfig, ClientConfigKey, ObjectStore, ObjectStoreExt as _, ObjectStoreScheme,
    RetryConfig,
};

use crate::error::{Error, Result};

/// The registry used when neither `--registry` nor `SHELF_REGISTRY` is given.
pub const DEFAULT_LOCATION: &str = "./shelf-registry";

/// Where a registry lives, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    S3 {
        bucket: String,
        prefix: String,
    },
    Gcs {
        bucket: String,
        prefix: String,
    },
    /// Azure Blob Storage. `store` is the URL up to the container (`az://c`,
    /// `abfss://c@a.dfs.core.windows.net`, `https://a.blob.core.windows.net/c`), handed to
    /// object_store's builder as is; `account` is set when the URL names it.
    Azure {
        store: String,
        container: String,
        account: Option<String>,
        prefix: String,
    },
    Local {
        path: PathBuf,
    },
    Memory,
}

impl Location {
    /// Parse a registry location.
    pub fn parse(location: &str) -> Result<Location> {
        let bad = |rule: &str| Error::Location {
            location: location.to_string(),
            rule: rule.to_string(),
        };
        if location.trim().is_empty() {
            return Err(bad("the location is empty"));
        }
        let Some((scheme, rest)) = location.split_once("://") else {
            return Ok(Location::Local {
                path: PathBuf::from(location),
            });
        };
        match scheme.to_ascii_lowercase().as_str() {
            "file" => {
                if !rest.starts_with('/') {
                    return Err(bad("a file URL has an absolute path: file:///abs/path"));
                }
                Ok(Location::Local {
                    path: PathBuf::from(rest),
                })
            }
            "memory" => Ok(Location::Memory),
            _ => parse_cloud(location).map_err(|rule| bad(&rule)),
        }
    }

    /// A human-readable form of the location.
    pub fn display(&self) -> String {
        match self {
            Location::S3 { bucket, prefix } => format!("s3://{bucket}/{prefix}"),
            Location::Gcs { bucket, prefix } => format!("gs://{bucket}/{prefix}"),
            Location::Azure { store, prefix, .. } => format!("{store}/{prefix}"),
            Location::Local { path } => path.display().to_string(),
            Location::Memory => "memory://".to_string(),
        }
    }

    /// What kind of store this is, for messages.
    pub fn store_name(&self) -> &'static str {
        match self {
            Location::S3 { .. } => "Amazon S3 or an S3-compatible store",
            Location::Gcs { .. } => "Google Cloud Storage",
            Location::Azure { .. } => "Azure Blob Storage",
            Location::Local { .. } => "a local folder",
            Location::Memory => "in-process memory",
        }
    }

    /// Where this store's settings come from, for messages.
    fn settings(&self) -> &'static str {
        match self {
            Location::S3 { .. } => "check the AWS_* settings",
            Location::Gcs { .. } => {
                "check GOOGLE_APPLICATION_CREDENTIALS, GOOGLE_SERVICE_ACCOUNT and the other GOOGLE_* settings"
            }
            Location::Azure { .. } => "check the AZURE_* settings",
            Location::Local { .. } | Location::Memory => "check the path",
        }
    }

    /// The same store with no prefix: the whole bucket or container (a local folder or
    /// memory stays as it is).
    pub fn root(&self) -> Location {
        let mut root = self.clone();
        match &mut root {
            Location::S3 { prefix, .. }
            | Location::Gcs { prefix, .. }
            | Location::Azure { prefix, .. } => prefix.clear(),
            Location::Local { .. } | Location::Memory => {}
        }
        root
    }

    /// The prefix inside the bucket or container (empty for local folders and memory).
    pub fn prefix(&self) -> &str {
        match self {
            Location::S3 { prefix, .. }
            | Location::Gcs { prefix, .. }
            | Location::Azure { prefix, .. } => prefix,
            Location::Local { .. } | Location::Memory => "",
        }
    }

    /// Open the store. With `create`, a local folder is created when missing.
    pub fn open(&self, create: bool) -> Result<Arc<dyn ObjectStore>> {
        Ok(self.open_stores(create)?.0)
    }

    /// A [`Registry`](crate::Registry) on this location, with the store's multipart API
    /// where it has one.
    pub fn registry(&self, create: bool) -> Result<crate::Registry> {
        let (store, parts) = self.open_stores(create)?;
        let registry = crate::Registry::new(store, self.display());
        Ok(match parts {
            Some(parts) => registry.with_parts(parts),
            None => registry,
        })
    }

    /// The store, and its multipart API when it has one (the cloud stores).
    fn open_stores(&self, create: bool) -> Result<Stores> {
        let refused = |e: object_store::Error| Error::Location {
            location: self.display(),
            rule: format!("{e} ({})", self.settings()),
        };
        let store: Stores = match self {
            Location::S3 { bucket, prefix } => {
                let mut builder = AmazonS3Builder::from_env().with_bucket_name(bucket);
                for (key, value) in timeouts()? {
                    builder = builder.with_config(AmazonS3ConfigKey::Client(key), value);
                }
                let s3 = builder
                    .with_retry(retry_config())
                    .build()
                    .map_err(refused)?;
                both(s3, prefix)
            }
            Location::Gcs { bucket, prefix } => {
                let mut builder = GoogleCloudStorageBuilder::from_env().with_bucket_name(bucket);
                for (key, value) in timeouts()? {
                    builder = builder.with_config(GoogleConfigKey::Client(key), value);
                }
                let gcs = builder
                    .with_retry(retry_config())
                    .build()
                    .map_err(refused)?;
                both(gcs, prefix)
            }
            Location::Azure {
                store,
                account,
                prefix,
                ..
            } => {
                let mut builder = MicrosoftAzureBuilder::from_env().with_url(store);
                for (key, value) in timeouts()? {
                    builder = builder.with_config(AzureConfigKey::Client(key), value);
                }
                let emulator = builder
                    .get_config_value(&AzureConfigKey::UseEmulator)
                    .is_some_and(|v| truthy(&v));
                let account_set = account.is_some()
                    || builder
                        .get_config_value(&AzureConfigKey::AccountName)
                        .is_some_and(|a| !a.is_empty());
                if !emulator && !account_set {
                    return Err(Error::Location {
                        location: self.display(),
                        rule: "no Azure storage account: set AZURE_STORAGE_ACCOUNT_NAME, or name it in the location (https://ACCOUNT.blob.core.windows.net/CONTAINER/PREFIX); for the Azurite emulator set AZURE_STORAGE_USE_EMULATOR=true".into(),
                    });
                }
                let azure = builder
                    .with_retry(retry_config())
                    .build()
                    .map_err(refused)?;
                both(azure, prefix)
            }
            Location::Local { path } => (Arc::new(open_local(path, create)?), None),
            Location::Memory => (Arc::new(InMemory::new()), None),
        };
        Ok(store)
    }
}

/// A URL of a cloud store, classified by object_store. The error is the rule it broke.
fn parse_cloud(location: &str) -> std::result::Result<Location, String> {
    let url = url::Url::parse(location).map_err(|e| format!("not a valid URL ({e})"))?;
    let unknown = || {
        format!(
            "unknown scheme {:?}; expected s3://, gs://, az://, abfss://, https://ACCOUNT.blob.core.windows.net/…, file://, memory:// or a plain path",
            url.scheme()
        )
    };
    let host = url.host_str().unwrap_or_default();
    let (kind, path) = match ObjectStoreScheme::parse(&url) {
        Ok(parsed) => parsed,
        // object_store recognises a cloud scheme only with a host: say what is missing.
        Err(_) if host.is_empty() => {
            return Err(match url.scheme() {
                "s3" | "s3a" => "the URL names no bucket (expected s3://BUCKET/PREFIX)".into(),
                "gs" => "the URL names no bucket (expected gs://BUCKET/PREFIX)".into(),
                "az" | "azure" | "adl" | "abfs" | "abfss" => {
                    "the URL names no container (expected az://CONTAINER/PREFIX)".into()
                }
                _ => unknown(),
            });
        }
        Err(_) => return Err(unknown()),
    };
    if url.query().is_some() || url.fragment().is_some() {
        return Err("a location has no ?query or #fragment (write `?` and `#` in a prefix as %3F and %23; give an Azure SAS token in AZURE_STORAGE_SAS_TOKEN)".into());
    }
    let prefix = path.as_ref().to_string();
    match kind {
        ObjectStoreScheme::AmazonS3 if matches!(url.scheme(), "s3" | "s3a") => Ok(Location::S3 {
            bucket: bucket_name(host, "s3://BUCKET/PREFIX")?,
            prefix,
        }),
        ObjectStoreScheme::AmazonS3 => Err(
            "write an S3 location as s3://BUCKET/PREFIX (the endpoint and region come from AWS_ENDPOINT_URL and AWS_REGION)"
                .into(),
        ),
        ObjectStoreScheme::GoogleCloudStorage => Ok(Location::Gcs {
            bucket: bucket_name(host, "gs://BUCKET/PREFIX")?,
            prefix,
        }),
        ObjectStoreScheme::MicrosoftAzure => parse_azure(&url, prefix),
        _ => Err(unknown()),
    }
}

fn bucket_name(name: &str, form: &str) -> std::result::Result<String, String> {
    if name.is_empty() {
        return Err(format!("the URL names no bucket (expected {form})"));
    }
    if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_'))
    {
        return Err("a bucket name is made of letters, digits, `-`, `.` and `_`".into());
    }
    Ok(name.to_string())
}

/// The container and account of an Azure URL, by the rules of object_store's
/// `MicrosoftAzureBuilder::with_url` (which gets the URL itself to build the store).
fn parse_azure(url: &url::Url, prefix: String) -> std::result::Result<Location, String> {
    let host = url.host_str().unwrap_or_default();
    let account = |host: &str| host.split_once('.').map(|(a, _)| a.to_string());
    let (container, account, store) = match url.scheme() {
        "https" => {
            let container = url
                .path_segments()
                .and_then(|mut s| s.next())
                .unwrap_or_default()
                .to_string();
            let store = format!("https://{host}/{container}");
            (container, account(host), store)
        }
        scheme if !url.username().is_empty() => {
            let container = url.username().to_string();
            (
                container.clone(),
                account(host),
                format!("{scheme}://{container}@{host}"),
            )
        }
        scheme => (host.to_string(), None, format!("{scheme}://{host}")),
    };
    if container.is_empty() {
        return Err(
            "the URL names no container (expected az://CONTAINER/PREFIX or https://ACCOUNT.blob.core.windows.net/CONTAINER/PREFIX)".into(),
        );
    }
    let name = container.strip_prefix('$').unwrap_or(&container);
    if !(3..=63).contains(&name.len())
        || !name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        return Err(format!(
            "an Azure container name is 3 to 63 lowercase letters, digits and `-` (or $web, $root), not {container:?}"
        ));
    }
    Ok(Location::Azure {
        store,
        container,
        account,
        prefix,
    })
}

/// object_store's reading of a boolean setting.
fn truthy(value: &str) -> bool {
    matches!(
        value.to_ascii_lowercase().as_str(),
        "1" | "true" | "on" | "yes" | "y"
    )
}

/// A store, and its multipart API when it has one.
type Stores = (Arc<dyn ObjectStore>, Option<Arc<dyn MultipartStore>>);

/// A cloud store under the registry's prefix, as objects and as parts.
fn both<T: ObjectStore + MultipartStore>(
    store: T,
    prefix: &str,
) -> (Arc<dyn ObjectStore>, Option<Arc<dyn MultipartStore>>) {
    if prefix.is_empty() {
        let store = Arc::new(store);
        (store.clone(), Some(store))
    } else {
        let store = Arc::new(PrefixStore::new(store, prefix));
        (store.clone(), Some(store))
    }
}

fn open_local(path: &FsPath, create: bool) -> Result<LocalFileSystem> {
    if create {
        std::fs::create_dir_all(path).map_err(|e| Error::io("create folder", path, e))?;
    } else if !path.is_dir() {
        return Err(Error::NotARegistry {
            location: path.display().to_string(),
        });
    }
    LocalFileSystem::new_with_prefix(path)
        .map(|fs| fs.with_automatic_cleanup(true))
        .map_err(|e| Error::Location {
            location: path.display().to_string(),
            rule: e.to_string(),
        })
}

/// Timeouts, set on top of the settings read from the environment: a connection that
/// can't be made fails within seconds, a request that receives no byte for the idle
/// timeout (`SHELF_IDLE_TIMEOUT`, 30 s) fails then, and a transfer that keeps flowing is
/// never cut short (the overall limit is a year: it only bounds a request that trickles
/// forever).
fn timeouts() -> Result<[(ClientConfigKey, String); 3]> {
    let idle = crate::transfer::idle_timeout()?;
    Ok([
        (ClientConfigKey::ConnectTimeout, "5s".into()),
        (
            ClientConfigKey::ReadTimeout,
            format!("{}ms", idle.as_millis()),
        ),
        (ClientConfigKey::Timeout, "365d".into()),
    ])
}

fn retry_config() -> RetryConfig {
    RetryConfig {
        backoff: BackoffConfig {
            init_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(2),
            base: 2.0,
        },
        max_retries: 3,
        retry_timeout: Duration::from_secs(15),
    }
}

// ---- answers that mean the settings are wrong ------------------------------------------

/// Read `key`, the first request of a command (`None` when absent). An answer that means
/// the location's settings are wrong (an unknown bucket or container, credentials that
/// are refused) becomes an [`Error::Location`] that names the setting to fix, instead of
/// "no registry" or a raw HTTP error.
pub(crate) async fn first_read(
    store: &dyn ObjectStore,
    location: &str,
    key: &str,
) -> Result<Option<Bytes>> {
    let answer = match store.get(&object_store::path::Path::from(key)).await {
        Ok(result) => result.bytes().await,
        Err(e) => Err(e),
    };
    match answer {
        Ok(bytes) => Ok(Some(bytes)),
        Err(e) => match misconfiguration(location, &e) {
            Some(rule) => Err(Error::Location {
                location: location.to_string(),
                rule,
            }),
            None if matches!(e, object_store::Error::NotFound { .. }) => Ok(None),
            None => Err(e.into()),
        },
    }
}

/// What a store's refusal says about the settings, if it is about them.
fn misconfiguration(location: &str, error: &object_store::Error) -> Option<String> {
    let parsed = Location::parse(location).ok()?;
    let text = chain(error);
    let code = error_code(&text);
    let code = code.as_deref().unwrap_or("");
    let status = match error {
        object_store::Error::NotFound { .. } => "404",
        object_store::Error::PermissionDenied { .. } => "403",
        object_store::Error::Unauthenticated { .. } => "401",
        _ => "",
    };
    let answered = |what: &str| {
        if code.is_empty() {
            format!("{what} answered {status}")
        } else {
            format!("{what} answered {status} {code}")
        }
    };
    let refused = !status.is_empty() && status != "404";
    // No credentials were set, so object_store asked the machine's metadata service (an
    // instance role, a managed identity), which gave none.
    let no_credentials = text.contains("token request")
        || text.contains("/latest/api/token")
        || text.contains("/latest/meta-data/")
        || text.contains("169.254.");
    if no_credentials {
        let (store, variables) = match &parsed {
            Location::S3 { .. } => ("S3", "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"),
            Location::Gcs { .. } => (
                "GCS",
                "set GOOGLE_APPLICATION_CREDENTIALS to a service account key file, or GOOGLE_SERVICE_ACCOUNT_KEY",
            ),
            Location::Azure { .. } => (
                "Azure",
                "set AZURE_STORAGE_ACCOUNT_KEY, AZURE_STORAGE_SAS_TOKEN, AZURE_STORAGE_TOKEN, or AZURE_CLIENT_ID with AZURE_CLIENT_SECRET and AZURE_TENANT_ID",
            ),
            Location::Local { .. } | Location::Memory => return None,
        };
        return Some(format!(
            "no {store} credentials are set and the machine's metadata service gave none ({error}); {variables}"
        ));
    }
    match &parsed {
        Location::S3 { bucket, .. } => match code {
            "NoSuchBucket" => Some(format!(
                "the bucket {bucket} does not exist ({}); check the bucket in the location, AWS_ENDPOINT_URL and AWS_REGION",
                answered("S3")
            )),
            "InvalidAccessKeyId" => Some(format!(
                "S3 does not know the access key ({}); check AWS_ACCESS_KEY_ID",
                answered("S3")
            )),
            "SignatureDoesNotMatch" => Some(format!(
                "S3 refused the request signature ({}); check AWS_SECRET_ACCESS_KEY",
                answered("S3")
            )),
            "ExpiredToken" | "InvalidToken" | "TokenRefreshRequired" => Some(format!(
                "S3 refused the session token ({}); check AWS_SESSION_TOKEN",
                answered("S3")
            )),
            "AuthorizationHeaderMalformed"
            | "PermanentRedirect"
            | "IllegalLocationConstraintException" => Some(format!(
                "the bucket {bucket} is in another region ({}); check AWS_REGION",
                answered("S3")
            )),
            _ if refused => Some(format!(
                "S3 refused access to the bucket {bucket} ({}); check the credentials (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN) and that they may read and write under the registry's prefix",
                answered("S3")
            )),
            _ => None,
        },
        Location::Gcs { bucket, .. } => match code {
            "NoSuchBucket" => Some(format!(
                "the bucket {bucket} does not exist ({}); check the bucket in the location",
                answered("GCS")
            )),
            _ if refused => Some(format!(
                "GCS refused access to the bucket {bucket} ({}); check the credentials (GOOGLE_APPLICATION_CREDENTIALS, GOOGLE_SERVICE_ACCOUNT) and that they may read and write objects in the bucket",
                answered("GCS")
            )),
            _ => None,
        },
        Location::Azure {
            container, account, ..
        } => {
            let emulator = std::env::var("AZURE_STORAGE_USE_EMULATOR").is_ok_and(|v| truthy(&v));
            let account = account
                .clone()
                .or_else(|| std::env::var("AZURE_STORAGE_ACCOUNT_NAME").ok())
                .map(|a| format!("account {a}"))
                .unwrap_or_else(|| {
                    if emulator {
                        "the emulator's account devstoreaccount1".into()
                    } else {
                        "the account".into()
                    }
                });
            match code {
                "ContainerNotFound" => Some(format!(
                    "the container {container} does not exist in {account} ({}); check the container in the location and AZURE_STORAGE_ACCOUNT_NAME",
                    answered("Azure")
                )),
                "ResourceNotFound" | "AccountIsDisabled" | "InvalidUri" => Some(format!(
                    "Azure does not serve the container {container} of {account} ({}); check AZURE_STORAGE_ACCOUNT_NAME and AZURE_STORAGE_ENDPOINT",
                    answered("Azure")
                )),
                "AuthenticationFailed" | "InvalidAuthenticationInfo" | "AuthorizationFailure"
                    if refused =>
                {
                    Some(format!(
                        "Azure refused the credentials for {account} ({}); check AZURE_STORAGE_ACCOUNT_KEY (or AZURE_STORAGE_SAS_TOKEN, AZURE_STORAGE_TOKEN, AZURE_CLIENT_ID with AZURE_CLIENT_SECRET and AZURE_TENANT_ID) and AZURE_STORAGE_ACCOUNT_NAME",
                        answered("Azure")
                    ))
                }
                _ if refused => Some(format!(
                    "Azure refused access to the container {container} of {account} ({}); check that the credentials may read and write blobs in it",
                    answered("Azure")
                )),
                _ => None,
            }
        }
        Location::Local { .. } | Location::Memory => None,
    }
}

/// An error and its sources, as one line.
fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(e) = source {
        text.push_str(": ");
        text.push_str(&e.to_string());
        source = e.source();
    }
    text
}

/// The error code of an S3, GCS (XML API) or Azure error body: `<Code>NoSuchBucket</Code>`.
fn error_code(text: &str) -> Option<String> {
    let start = text.find("<Code>")? + "<Code>".len();
    let end = start + text[start..].find("</Code>")?;
    Some(text[start..end].trim().to_string()).filter(|c| !c.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// D3: a 120 s overall deadline cut every download longer than that, however fast
    /// its bytes flowed. The limits are a connect timeout and an idle timeout; the overall
    /// one only bounds a request that trickles for a year. (`tests/faults.rs` drives
    /// throttled and stalled bodies through a proxy.)
    #[test]
    fn a_transfer_is_bounded_by_inactivity_not_by_its_length() {
        let limits = timeouts().unwrap();
        let limit = |key: ClientConfigKey| {
            limits
                .iter()
                .find(|(k, _)| *k == key)
                .map(|(_, v)| v.clone())
                .unwrap()
        };
        assert_eq!(limit(ClientConfigKey::ConnectTimeout), "5s");
        assert_eq!(limit(ClientConfigKey::ReadTimeout), "30000ms");
        assert_eq!(limit(ClientConfigKey::Timeout), "365d");
    }

    #[test]
    fn parses_locations() {
        assert_eq!(
            Location::parse("s3://bucket/some/prefix/").unwrap(),
            Location::S3 {
                bucket: "bucket".into(),
                prefix: "some/prefix".into()
            }
        );
        assert_eq!(
            Location::parse("s3a://bucket/registries/team a").unwrap(),
            Location::S3 {
                bucket: "bucket".into(),
                prefix: "registries/team a".into()
            }
        );
        assert_eq!(
            Location::parse("gs://b").unwrap(),
            Location::Gcs {
                bucket: "b".into(),
                prefix: String::new()
            }
        );
        assert_eq!(
            Location::parse("file:///tmp/x").unwrap(),
            Location::Local {
                path: "/tmp/x".into()
            }
        );
        assert_eq!(
            Location::parse("./reg").unwrap(),
            Location::Local {
                path: "./reg".into()
            }
        );
        assert_eq!(Location::parse("memory://").unwrap(), Location::Memory);
        for (bad, rule) in [
            ("s3://", "names no bucket"),
            ("s3:///prefix", "names no bucket"),
            ("gs://", "names no bucket"),
            ("ftp://host/x", "unknown scheme \"ftp\""),
            ("file://relative", "absolute path"),
            ("", "empty"),
            ("s3://bucket/a?b", "no ?query"),
            ("s3://bucket/team#1", "#fragment"),
            ("s3://bu cket/x", "not a valid URL"),
            ("https://example.com/registry", "unknown scheme \"https\""),
            (
                "https://bucket.s3.amazonaws.com/prefix",
                "s3://BUCKET/PREFIX",
            ),
            ("az://UpperCase/x", "lowercase letters"),
            ("az://a.b/x", "lowercase letters"),
            ("az://", "names no container"),
            ("https://acct.blob.core.windows.net/", "names no container"),
            (
                "https://acct.blob.core.windows.net/c/x?sv=2022&sig=abc",
                "AZURE_STORAGE_SAS_TOKEN",
            ),
        ] {
            let err = Location::parse(bad).unwrap_err().to_string();
            assert!(err.contains("invalid registry location"), "{bad}: {err}");
            assert!(err.contains(rule), "{bad}: {err}");
        }
    }

    #[test]
    fn parses_azure_locations_as_object_store_does() {
        let azure =
            |store: &str, container: &str, account: Option<&str>, prefix: &str| Location::Azure {
                store: store.into(),
                container: container.into(),
                account: account.map(Into::into),
                prefix: prefix.into(),
            };
        for (url, expected) in [
            (
                "az://models/registries/team a/",
                azure("az://models", "models", None, "registries/team a"),
            ),
            (
                "azure://models",
                azure("azure://models", "models", None, ""),
            ),
            (
                "abfss://models@acct.dfs.core.windows.net/reg",
                azure(
                    "abfss://models@acct.dfs.core.windows.net",
                    "models",
                    Some("acct"),
                    "reg",
                ),
            ),
            (
                "https://acct.blob.core.windows.net/models/reg/x",
                azure(
                    "https://acct.blob.core.windows.net/models",
                    "models",
                    Some("acct"),
                    "reg/x",
                ),
            ),
            (
                "az://$web/registry",
                azure("az://$web", "$web", None, "registry"),
            ),
            (
                "https://acct.blob.core.windows.net/$web",
                azure(
                    "https://acct.blob.core.windows.net/$web",
                    "$web",
                    Some("acct"),
                    "",
                ),
            ),
        ] {
            let parsed = Location::parse(url).unwrap();
            assert_eq!(parsed, expected, "{url}");
            // The display form parses back to the same location.
            assert_eq!(Location::parse(&parsed.display()).unwrap(), parsed, "{url}");
            assert_eq!(parsed.store_name(), "Azure Blob Storage");
        }
    }

    #[test]
    fn reads_error_codes_of_every_store() {
        let s3 = "Server returned non-2xx status code: 404 Not Found: <?xml version=\"1.0\"?><Error><Code>NoSuchBucket</Code><Message>The specified bucket does not exist</Message></Error>";
        assert_eq!(error_code(s3).as_deref(), Some("NoSuchBucket"));
        let azure = "403 Forbidden: \u{feff}<?xml version=\"1.0\" encoding=\"utf-8\"?><Error><Code>AuthorizationFailure</Code><Message>x</Message></Error>";
        assert_eq!(error_code(azure).as_deref(), Some("AuthorizationFailure"));
        assert_eq!(error_code("connection refused"), None);
        assert_eq!(error_code("<Code></Code>"), None);
    }
}
