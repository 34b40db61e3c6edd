//! Datasets a version links to (`shelf push --dataset ROLE=…`): a dataset registered in
//! this registry (`NAME@VERSION`, any REF), pinned by content id; or an external one (an
//! `s3://`, `gs://`, `az://`, `file://` URI or a local path), hashed when it can be read and
//! recorded as unverified when it cannot.
//!
//! The digest of a folder or prefix is the sha256 of its `sha256sum`-style listing
//! (`<hex>  <relative path>\n` per file, sorted by path), so anyone can recompute it with
//! `sha256sum` (docs/format.md §5.10).

use std::path::Path;

use futures::StreamExt;
use object_store::path::Path as StorePath;
use object_store::{ObjectStore, ObjectStoreExt as _};
use shelf_format::{DatasetLink, Digest, Reference, RegisteredDataset, Subject};

use crate::error::{Error, Result};
use crate::location::Location;
use crate::registry::Registry;
use crate::verify::hash_stored;

/// External data larger than this is linked without hashing (recorded unverified).
pub const MAX_HASHED_DATASET: u64 = 10 * 1024 * 1024 * 1024;

/// A `--dataset ROLE=TARGET` as given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatasetSpec {
    pub role: String,
    pub target: String,
}

impl std::str::FromStr for DatasetSpec {
    type Err = Error;
    fn from_str(raw: &str) -> Result<Self> {
        let bad = |rule: &str| Error::Usage(format!("invalid --dataset {raw:?}: {rule}"));
        let (role, target) = raw.split_once('=').ok_or_else(|| {
            bad("expected ROLE=NAME@VERSION or ROLE=URI, e.g. train=transactions@3")
        })?;
        if !is_role(role) {
            return Err(bad(ROLE_RULE));
        }
        if target.trim().is_empty() {
            return Err(bad("nothing after `=`"));
        }
        Ok(DatasetSpec {
            role: role.to_string(),
            target: target.to_string(),
        })
    }
}

const ROLE_RULE: &str = "a role is 1 to 64 characters of lowercase a-z, 0-9, `_ - .`, starting with a letter (train, validation, test)";

fn is_role(role: &str) -> bool {
    !role.is_empty()
        && role.len() <= 64
        && role.starts_with(|c: char| c.is_ascii_lowercase())
        && role
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '_' | '-' | '.'))
}

/// Check the role of a dataset link (`train`, `validation`…): the rule of docs/format.md §5.10.
pub fn check_role(role: &str) -> Result<()> {
    if is_role(role) {
        Ok(())
    } else {
        Err(Error::Usage(format!(
            "invalid dataset role {role:?}: {ROLE_RULE}"
        )))
    }
}

/// Whether `target` names external data rather than a registry reference.
fn is_external(target: &str) -> bool {
    target.contains("://")
        || target.starts_with('/')
        || target.starts_with('.')
        || Path::new(target).exists()
}

/// Resolve every `--dataset` of a push. A registered dataset that does not exist, or a
/// REF that names a model, is a usage error (nothing is written); external data that
/// cannot be read is linked unverified, with a note.
pub async fn link_datasets(
    registry: &Registry,
    specs: &[DatasetSpec],
) -> Result<(Vec<DatasetLink>, Vec<String>)> {
    let mut links = Vec::with_capacity(specs.len());
    let mut notes = Vec::new();
    for spec in specs {
        if links.iter().any(|l: &DatasetLink| l.role == spec.role) {
            return Err(Error::Usage(format!(
                "--dataset role {} is given twice",
                spec.role
            )));
        }
        if is_external(&spec.target) {
            let (link, note) = link_external(&spec.role, &spec.target).await;
            notes.extend(note);
            links.push(link);
            continue;
        }
        let reference: Reference = spec
            .target
            .parse()
            .map_err(|e| Error::Usage(format!("--dataset {}={}: {e}", spec.role, spec.target)))?;
        let (_, summary) = registry.resolve(&reference).await.map_err(|e| match e {
            e @ (Error::NoModel { .. } | Error::Select { .. }) => Error::Usage(format!(
                "--dataset {}: {e} (register it with `shelf dataset push`, or give a URI)",
                spec.role
            )),
            other => other,
        })?;
        if summary.subject != Subject::Dataset {
            return Err(Error::Usage(format!(
                "--dataset {}={}: {} is a model, not a dataset",
                spec.role, spec.target, reference.model
            )));
        }
        links.push(DatasetLink {
            role: spec.role.clone(),
            registered: Some(RegisteredDataset {
                name: reference.model.clone(),
                version: summary.version,
                content_id: summary.content_id,
            }),
            uri: None,
            digest: None,
            size: None,
            verified: true,
        });
    }
    Ok((links, notes))
}

/// Link external data: hash it when it can be read.
async fn link_external(role: &str, uri: &str) -> (DatasetLink, Option<String>) {
    let mut link = DatasetLink {
        role: role.to_string(),
        registered: None,
        uri: Some(uri.to_string()),
        digest: None,
        size: None,
        verified: false,
    };
    match hash_external(uri).await {
        Ok((size, digest)) => {
            link.size = Some(size);
            link.digest = Some(digest);
            link.verified = true;
            (link, None)
        }
        Err(why) => (
            link,
            Some(format!("dataset {role}={uri} linked unverified: {why}")),
        ),
    }
}

/// Size and digest of a file, folder, object or prefix.
async fn hash_external(uri: &str) -> std::result::Result<(u64, Digest), String> {
    let location = Location::parse(uri).map_err(|e| format!("cannot read it ({e})"))?;
    match location {
        Location::Local { path } => {
            let meta = std::fs::metadata(&path).map_err(|e| format!("cannot read it ({e})"))?;
            let dir = if meta.is_dir() {
                path.clone()
            } else {
                path.parent().map(Path::to_path_buf).unwrap_or_default()
            };
            let store = object_store::local::LocalFileSystem::new_with_prefix(&dir)
                .map_err(|e| format!("cannot read it ({e})"))?;
            let key = if meta.is_dir() {
                None
            } else {
                Some(StorePath::from(
                    path.file_name()
                        .and_then(|n| n.to_str())
                        .unwrap_or_default(),
                ))
            };
            hash_in(&store, key, &StorePath::default()).await
        }
        Location::S3 { .. } | Location::Gcs { .. } | Location::Azure { .. } => {
            let store = location
                .root()
                .open(false)
                .map_err(|e| format!("cannot open it ({e})"))?;
            let key = StorePath::from(location.prefix());
            match store.head(&key).await {
                Ok(_) => hash_in(store.as_ref(), Some(key), &StorePath::default()).await,
                Err(object_store::Error::NotFound { .. }) => {
                    hash_in(store.as_ref(), None, &key).await
                }
                Err(e) => Err(format!("cannot read it ({e})")),
            }
        }
        Location::Memory => Err("memory:// holds nothing outside this process".into()),
    }
}

/// Hash one object, or every object under `prefix` (sha256sum-style listing).
async fn hash_in(
    store: &dyn ObjectStore,
    object: Option<StorePath>,
    prefix: &StorePath,
) -> std::result::Result<(u64, Digest), String> {
    if let Some(object) = object {
        let meta = store
            .head(&object)
            .await
            .map_err(|e| format!("cannot read it ({e})"))?;
        if meta.size > MAX_HASHED_DATASET {
            return Err(too_large(meta.size));
        }
        return hash_stored(store, &object)
            .await
            .map_err(|e| format!("cannot read it ({e})"));
    }
    let mut objects = Vec::new();
    let mut listing = store.list(Some(prefix));
    while let Some(meta) = listing.next().await {
        objects.push(meta.map_err(|e| format!("cannot list it ({e})"))?);
    }
    if objects.is_empty() {
        return Err("nothing there".into());
    }
    let total: u64 = objects.iter().map(|m| m.size).sum();
    if total > MAX_HASHED_DATASET {
        return Err(too_large(total));
    }
    let mut lines = Vec::with_capacity(objects.len());
    for meta in &objects {
        let (_, digest) = hash_stored(store, &meta.location)
            .await
            .map_err(|e| format!("cannot read {} ({e})", meta.location))?;
        let relative = meta
            .location
            .prefix_match(prefix)
            .map(|parts| {
                parts
                    .map(|p| p.as_ref().to_string())
                    .collect::<Vec<_>>()
                    .join("/")
            })
            .unwrap_or_else(|| meta.location.to_string());
        lines.push(format!("{}  {relative}\n", digest.hex()));
    }
    lines.sort_by(|a, b| a[66..].cmp(&b[66..]));
    Ok((total, Digest::of(lines.concat().as_bytes())))
}

fn too_large(size: u64) -> String {
    format!(
        "{} is more than the {} hashed at push; register it with `shelf dataset push`",
        shelf_format::units::human_size(size),
        shelf_format::units::human_size(MAX_HASHED_DATASET)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_name_the_rule() {
        let ok: DatasetSpec = "train=transactions@3".parse().unwrap();
        assert_eq!(
            (ok.role.as_str(), ok.target.as_str()),
            ("train", "transactions@3")
        );
        for (bad, rule) in [
            ("transactions@3", "expected ROLE=NAME@VERSION"),
            ("Train=x@1", "a role is 1 to 64 characters"),
            ("train=", "nothing after"),
        ] {
            let err = bad.parse::<DatasetSpec>().unwrap_err().to_string();
            assert!(err.contains(rule), "{bad}: {err}");
        }
    }

    #[tokio::test]
    async fn a_folder_hashes_like_sha256sum_of_its_listing() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("part")).unwrap();
        std::fs::write(dir.path().join("b.csv"), "b\n").unwrap();
        std::fs::write(dir.path().join("part/a.csv"), "a\n").unwrap();
        let (size, digest) = hash_external(dir.path().to_str().unwrap()).await.unwrap();
        assert_eq!(size, 4);
        let listing = format!(
            "{}  b.csv\n{}  part/a.csv\n",
            Digest::of(b"b\n").hex(),
            Digest::of(b"a\n").hex()
        );
        assert_eq!(digest, Digest::of(listing.as_bytes()));
        // The recipe docs/format.md §5.10 gives auditors recomputes it with coreutils.
        let recipe =
            "(find . -type f | sed 's|^./||' | LC_ALL=C sort | xargs sha256sum) | sha256sum";
        let out = std::process::Command::new("sh")
            .args(["-c", recipe])
            .current_dir(dir.path())
            .output()
            .unwrap();
        let printed = String::from_utf8(out.stdout).unwrap();
        assert_eq!(
            printed.split_whitespace().next(),
            Some(digest.hex().as_str())
        );
        let file = dir.path().join("b.csv");
        let (size, digest) = hash_external(file.to_str().unwrap()).await.unwrap();
        assert_eq!((size, digest), (2, Digest::of(b"b\n")));
        let (link, note) = link_external("test", "/no/such/data.parquet").await;
        assert!(!link.verified && link.digest.is_none());
        assert!(note.unwrap().contains("linked unverified: cannot read it"));
        let (link, note) = link_external("test", "https://example.com/data.csv").await;
        assert!(!link.verified);
        assert!(note.unwrap().contains("unknown scheme"));
    }
}
