//! Real cloud buckets, for whoever holds credentials: the suites that run on the local
//! servers also run on
//!
//! - a real S3 bucket when `SHELF_TEST_S3_BUCKET` is set, with the caller's `AWS_*`
//!   settings (`scripts/lib/s3.sh` keeps them as `SHELF_TEST_REAL_AWS_*` before pointing
//!   `AWS_*` at the local S3 server);
//! - a real GCS bucket when `SHELF_TEST_GCS_BUCKET` is set, with the caller's `GOOGLE_*`
//!   settings (`GOOGLE_APPLICATION_CREDENTIALS`, `GOOGLE_SERVICE_ACCOUNT`…);
//! - a real Azure container when `SHELF_TEST_AZURE_CONTAINER` is set, with the caller's
//!   `AZURE_*` settings (`AZURE_STORAGE_ACCOUNT_NAME`, `AZURE_STORAGE_ACCOUNT_KEY`…).
//!
//! Each backend works under a fresh prefix (`shelf-test-<random>/…`) and deletes what it
//! wrote when dropped. When a variable is not set, that cloud is skipped and a line on
//! the terminal says so (written past the test harness's capture: never silently).

use std::io::Write as _;
use std::process::Command;
use std::sync::{Arc, Once};

use object_store::ObjectStore;
use object_store::aws::{AmazonS3Builder, AmazonS3ConfigKey};
use object_store::azure::MicrosoftAzureBuilder;
use object_store::gcp::GoogleCloudStorageBuilder;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cloud {
    S3,
    Gcs,
    Azure,
}

impl Cloud {
    const ALL: [Cloud; 3] = [Cloud::S3, Cloud::Gcs, Cloud::Azure];

    fn variable(self) -> &'static str {
        match self {
            Cloud::S3 => "SHELF_TEST_S3_BUCKET",
            Cloud::Gcs => "SHELF_TEST_GCS_BUCKET",
            Cloud::Azure => "SHELF_TEST_AZURE_CONTAINER",
        }
    }

    fn credentials(self) -> &'static str {
        match self {
            Cloud::S3 => "AWS_* credentials",
            Cloud::Gcs => "GOOGLE_APPLICATION_CREDENTIALS",
            Cloud::Azure => "AZURE_STORAGE_ACCOUNT_NAME and a key or token",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Cloud::S3 => "real s3",
            Cloud::Gcs => "real gcs",
            Cloud::Azure => "real azure",
        }
    }
}

/// A registry location under a fresh prefix of a real bucket or container.
pub struct RealCloud {
    pub cloud: Cloud,
    pub bucket: String,
    pub prefix: String,
}

/// The real clouds named by the environment (usually none).
pub fn available() -> Vec<RealCloud> {
    static NOTE: Once = Once::new();
    let mut found = Vec::new();
    let mut skipped = Vec::new();
    for cloud in Cloud::ALL {
        match std::env::var(cloud.variable()) {
            Ok(bucket) if !bucket.is_empty() => {
                let id: u64 = rand::random();
                found.push(RealCloud {
                    cloud,
                    bucket,
                    prefix: format!("shelf-test-{id:016x}/registries/team a"),
                });
            }
            _ => skipped.push(cloud),
        }
    }
    NOTE.call_once(|| {
        let mut terminal = std::io::stderr();
        for cloud in &skipped {
            let _ = writeln!(
                terminal,
                "note: {} skipped: {} is not set (set it and {} to run these tests on it too)",
                cloud.name(),
                cloud.variable(),
                cloud.credentials()
            );
        }
    });
    found
}

impl RealCloud {
    /// The `--registry` value.
    pub fn url(&self) -> String {
        let scheme = match self.cloud {
            Cloud::S3 => "s3",
            Cloud::Gcs => "gs",
            Cloud::Azure => "az",
        };
        format!("{scheme}://{}/{}", self.bucket, self.prefix)
    }

    /// The whole bucket or container.
    pub fn bucket_store(&self) -> Arc<dyn ObjectStore> {
        match self.cloud {
            Cloud::S3 => {
                let mut builder = AmazonS3Builder::new().with_bucket_name(&self.bucket);
                for (key, value) in real_aws_env() {
                    if let Ok(key) = key.to_ascii_lowercase().parse::<AmazonS3ConfigKey>() {
                        builder = builder.with_config(key, value);
                    }
                }
                Arc::new(builder.build().expect("the real S3 bucket's settings"))
            }
            Cloud::Gcs => Arc::new(
                GoogleCloudStorageBuilder::from_env()
                    .with_bucket_name(&self.bucket)
                    .build()
                    .expect("the real GCS bucket's settings"),
            ),
            Cloud::Azure => Arc::new(
                MicrosoftAzureBuilder::from_env()
                    .with_container_name(&self.bucket)
                    .build()
                    .expect("the real Azure container's settings"),
            ),
        }
    }

    /// Give a command the real cloud's settings (GCS and Azure ones are inherited).
    pub fn env(&self, cmd: &mut Command) {
        if self.cloud == Cloud::S3 {
            for (key, _) in std::env::vars() {
                if key.starts_with("AWS_") {
                    cmd.env_remove(key);
                }
            }
            cmd.envs(real_aws_env());
        }
    }
}

/// The caller's own `AWS_*` settings, as they were before the local S3 server's replaced
/// them (scripts/lib/s3.sh keeps them as `SHELF_TEST_REAL_AWS_*`).
fn real_aws_env() -> Vec<(String, String)> {
    let saved = std::env::var_os("SHELF_TEST_REAL_AWS_SAVED").is_some();
    std::env::vars()
        .filter_map(|(key, value)| {
            if saved {
                let name = key.strip_prefix("SHELF_TEST_REAL_")?;
                (name.starts_with("AWS_") && name != "AWS_SAVED").then(|| (name.to_string(), value))
            } else {
                key.starts_with("AWS_").then_some((key, value))
            }
        })
        .collect()
}

impl Drop for RealCloud {
    /// Delete everything under the test's prefix (on a thread of its own: tests drop
    /// backends inside their async runtime).
    fn drop(&mut self) {
        use futures::{StreamExt as _, TryStreamExt as _};
        let store = self.bucket_store();
        let root = self
            .prefix
            .split('/')
            .next()
            .unwrap_or_default()
            .to_string();
        let cleanup = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async {
                let prefix = object_store::path::Path::from(root.as_str());
                let keys = store.list(Some(&prefix)).map_ok(|m| m.location).boxed();
                let mut deleted = store.delete_stream(keys);
                while let Some(result) = deleted.next().await {
                    if let Err(e) = result {
                        eprintln!("cleaning up {prefix}: {e}");
                    }
                }
            });
        });
        let _ = cleanup.join();
    }
}
