//! Opening the object store a registry lives on, from its location.
//!
//! `s3://bucket/prefix`, `gs://bucket/prefix`, `file:///abs/path`, a plain path, or
//! `memory://` (in-process only, for tests). S3 settings come from the standard `AWS_*`
//! variables (`AWS_ENDPOINT_URL`, `AWS_REGION`, `AWS_ALLOW_HTTP`…), GCS from
//! `GOOGLE_APPLICATION_CREDENTIALS` and the `GOOGLE_*` variables, as every cloud tool does.

use std::path::{Path as FsPath, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use object_store::aws::{AmazonS3Builder, AmazonS3ConfigKey};
use object_store::gcp::{GoogleCloudStorageBuilder, GoogleConfigKey};
use object_store::local::LocalFileSystem;
use object_store::memory::InMemory;
use object_store::prefix::PrefixStore;
use object_store::{BackoffConfig, ClientConfigKey, ObjectStore, RetryConfig};

use crate::error::{Error, Result};

/// The registry used when neither `--registry` nor `SHELF_REGISTRY` is given.
pub const DEFAULT_LOCATION: &str = "./shelf-registry";

/// Where a registry lives, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    S3 { bucket: String, prefix: String },
    Gcs { bucket: String, prefix: String },
    Local { path: PathBuf },
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
        let bucket_and_prefix = |rest: &str| -> Result<(String, String)> {
            let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
            if bucket.is_empty() {
                return Err(bad("the URL names no bucket (expected s3://BUCKET/PREFIX)"));
            }
            if !bucket
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_'))
            {
                return Err(bad(
                    "a bucket name is made of letters, digits, `-`, `.` and `_`",
                ));
            }
            Ok((bucket.to_string(), prefix.trim_matches('/').to_string()))
        };
        match scheme.to_ascii_lowercase().as_str() {
            "s3" | "s3a" => {
                let (bucket, prefix) = bucket_and_prefix(rest)?;
                Ok(Location::S3 { bucket, prefix })
            }
            "gs" => {
                let (bucket, prefix) = bucket_and_prefix(rest)?;
                Ok(Location::Gcs { bucket, prefix })
            }
            "file" => {
                if !rest.starts_with('/') {
                    return Err(bad("a file URL has an absolute path: file:///abs/path"));
                }
                Ok(Location::Local {
                    path: PathBuf::from(rest),
                })
            }
            "memory" => Ok(Location::Memory),
            other => Err(bad(&format!(
                "unknown scheme {other:?}; expected s3://, gs://, file://, memory:// or a plain path"
            ))),
        }
    }

    /// A human-readable form of the location.
    pub fn display(&self) -> String {
        match self {
            Location::S3 { bucket, prefix } => format!("s3://{bucket}/{prefix}"),
            Location::Gcs { bucket, prefix } => format!("gs://{bucket}/{prefix}"),
            Location::Local { path } => path.display().to_string(),
            Location::Memory => "memory://".to_string(),
        }
    }

    /// Open the store. With `create`, a local folder is created when missing.
    pub fn open(&self, create: bool) -> Result<Arc<dyn ObjectStore>> {
        let store: Arc<dyn ObjectStore> =
            match self {
                Location::S3 { bucket, prefix } => {
                    let mut builder = AmazonS3Builder::from_env().with_bucket_name(bucket);
                    for (key, value) in TIMEOUTS {
                        builder = builder.with_config(AmazonS3ConfigKey::Client(key), value);
                    }
                    let s3 = builder.with_retry(retry_config()).build().map_err(|e| {
                        Error::Location {
                            location: self.display(),
                            rule: e.to_string(),
                        }
                    })?;
                    with_prefix(Arc::new(s3), prefix)
                }
                Location::Gcs { bucket, prefix } => {
                    let mut builder =
                        GoogleCloudStorageBuilder::from_env().with_bucket_name(bucket);
                    for (key, value) in TIMEOUTS {
                        builder = builder.with_config(GoogleConfigKey::Client(key), value);
                    }
                    let gcs = builder.with_retry(retry_config()).build().map_err(|e| {
                        Error::Location {
                            location: self.display(),
                            rule: e.to_string(),
                        }
                    })?;
                    with_prefix(Arc::new(gcs), prefix)
                }
                Location::Local { path } => Arc::new(open_local(path, create)?),
                Location::Memory => Arc::new(InMemory::new()),
            };
        Ok(store)
    }
}

fn with_prefix(store: Arc<dyn ObjectStore>, prefix: &str) -> Arc<dyn ObjectStore> {
    if prefix.is_empty() {
        store
    } else {
        Arc::new(PrefixStore::new(store, prefix))
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
/// can't be made fails within seconds, a request that stalls within two minutes.
const TIMEOUTS: [(ClientConfigKey, &str); 2] = [
    (ClientConfigKey::ConnectTimeout, "5s"),
    (ClientConfigKey::Timeout, "120s"),
];

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

#[cfg(test)]
mod tests {
    use super::*;

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
        for bad in [
            "s3://",
            "s3:///prefix",
            "ftp://host/x",
            "file://relative",
            "",
        ] {
            let err = Location::parse(bad).unwrap_err().to_string();
            assert!(err.contains("invalid registry location"), "{bad}: {err}");
        }
    }
}
