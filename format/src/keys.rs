//! The key layout of a registry, in one place. No other code spells a key.
//!
//! Keys are relative to the registry root and `/`-separated; the indexer turns them into
//! `object_store::path::Path`, the app into relative URLs. Sequence numbers, version numbers
//! and generations are zero-padded to 20 digits so that keys sort in numeric order.
//!
//! Parts that Shelf itself names inside a model's folder start with `_` (`_log`,
//! `_versions`, `_index.json`); a model name part never does, so a model's own files never
//! collide with a namespaced model (`team` and `team/fraud` can both exist).

use crate::canonical::Digest;
use crate::names::ModelName;

/// The registry descriptor.
pub const DESCRIPTOR: &str = "shelf.json";
/// Where every model's folder lives.
pub const MODELS_PREFIX: &str = "models";
/// Where artifact bytes live.
pub const BLOBS_PREFIX: &str = "blobs/sha256";
/// Where catalog generations live.
pub const CATALOG_PREFIX: &str = "catalog";
/// The catalog head hint: the newest catalog generation known to its writer.
pub const CATALOG_HEAD: &str = "catalog/head.json";
/// Staging area for uploads in progress; never referenced by any document.
pub const UPLOADS_PREFIX: &str = "uploads";
/// Where `shelf init` probes conditional writes.
pub const PROBES_PREFIX: &str = "probes";

/// Name of the log folder inside a model's folder.
pub const LOG_DIR: &str = "_log";
/// Name of the folder of materialised manifests inside a model's folder.
pub const VERSIONS_DIR: &str = "_versions";
/// Name of the derived model index inside a model's folder.
pub const INDEX_FILE: &str = "_index.json";

/// `models/<model>`
pub fn model_prefix(model: &ModelName) -> String {
    format!("{MODELS_PREFIX}/{model}")
}

/// `models/<model>/_log`
pub fn log_prefix(model: &ModelName) -> String {
    format!("{MODELS_PREFIX}/{model}/{LOG_DIR}")
}

/// `models/<model>/_log/<seq, 20 digits>.json`: entry `seq` (from 1) of the model's log.
pub fn log_key(model: &ModelName, seq: u64) -> String {
    format!("{MODELS_PREFIX}/{model}/{LOG_DIR}/{seq:020}.json")
}

/// The sequence number of a log key's file name (`00000000000000000007.json` → 7).
pub fn parse_log_file_name(name: &str) -> Option<u64> {
    let digits = name.strip_suffix(".json")?;
    if digits.len() != 20 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// What a key inside a model's folder is (see [`parse_model_key`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModelKey<'a> {
    /// A file of `_log/`: the entry's position, `None` for a name that is not an entry's.
    Log(Option<u64>),
    /// A file of `_versions/`: the version, `None` for a name that is not a version's.
    Version(Option<u64>),
    /// `_index.json`.
    Index,
    /// Anything else, relative to the model's folder.
    Other(&'a str),
}

/// The model a key under `models/` belongs to, and what the key is in its folder. The
/// model part ends before the first part starting with `_` (a model name part never
/// does), so `models/team/_log/…` is model `team` and `models/team/fraud/_log/…` model
/// `team/fraud`.
pub fn parse_model_key(key: &str) -> Option<(ModelName, ModelKey<'_>)> {
    let rest = key.strip_prefix(MODELS_PREFIX)?.strip_prefix('/')?;
    let cut = rest.find("/_")?;
    let model = ModelName::new(&rest[..cut]).ok()?;
    let inside = &rest[cut + 1..];
    let number = |name: &str| {
        let digits = name.strip_suffix(".json")?;
        (digits.len() == 20 && digits.bytes().all(|b| b.is_ascii_digit()))
            .then(|| digits.parse().ok())
            .flatten()
    };
    let what = if let Some(file) = inside
        .strip_prefix(LOG_DIR)
        .and_then(|r| r.strip_prefix('/'))
    {
        ModelKey::Log(number(file))
    } else if let Some(file) = inside
        .strip_prefix(VERSIONS_DIR)
        .and_then(|r| r.strip_prefix('/'))
    {
        ModelKey::Version(number(file))
    } else if inside == INDEX_FILE {
        ModelKey::Index
    } else {
        ModelKey::Other(inside)
    };
    Some((model, what))
}

/// True for keys of truth (docs/format.md §2.1): the descriptor, blobs, log entries.
/// They are created with put-if-absent and never overwritten.
pub fn is_truth(key: &str) -> bool {
    key == DESCRIPTOR
        || key.starts_with(&format!("{BLOBS_PREFIX}/"))
        || matches!(parse_model_key(key), Some((_, ModelKey::Log(_))))
}

/// `models/<model>/_versions/<version, 20 digits>.json`: the materialised manifest.
pub fn version_key(model: &ModelName, version: u64) -> String {
    format!("{MODELS_PREFIX}/{model}/{VERSIONS_DIR}/{version:020}.json")
}

/// `models/<model>/_index.json`: the derived per-model index.
pub fn model_index_key(model: &ModelName) -> String {
    format!("{MODELS_PREFIX}/{model}/{INDEX_FILE}")
}

/// `blobs/sha256/<first two hex digits>/<64 hex digits>`: the bytes of an artifact.
pub fn blob_key(digest: &Digest) -> String {
    let hex = digest.hex();
    format!("{BLOBS_PREFIX}/{}/{hex}", &hex[..2])
}

/// The digest a blob key names, if it is one.
pub fn parse_blob_key(key: &str) -> Option<Digest> {
    let rest = key.strip_prefix(BLOBS_PREFIX)?.strip_prefix('/')?;
    let (dir, hex) = rest.split_once('/')?;
    let digest: Digest = format!("sha256:{hex}").parse().ok()?;
    (dir == &hex[..2]).then_some(digest)
}

/// `catalog/<generation, 20 digits>.json`: one immutable generation of the catalog.
pub fn catalog_key(generation: u64) -> String {
    format!("{CATALOG_PREFIX}/{generation:020}.json")
}

/// `uploads/<id>`: a staging object for an upload in progress.
pub fn upload_key(id: &str) -> String {
    format!("{UPLOADS_PREFIX}/{id}")
}

/// `probes/<id>`: a scratch object used to probe conditional writes.
pub fn probe_key(id: &str) -> String {
    format!("{PROBES_PREFIX}/{id}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout() {
        let m = ModelName::new("team/fraud").unwrap();
        assert_eq!(
            log_key(&m, 7),
            "models/team/fraud/_log/00000000000000000007.json"
        );
        assert_eq!(
            version_key(&m, 12),
            "models/team/fraud/_versions/00000000000000000012.json"
        );
        assert_eq!(model_index_key(&m), "models/team/fraud/_index.json");
        assert_eq!(catalog_key(3), "catalog/00000000000000000003.json");
        assert_eq!(parse_log_file_name("00000000000000000007.json"), Some(7));
        assert_eq!(parse_log_file_name("7.json"), None);
        assert_eq!(
            parse_model_key("models/team/fraud/_log/00000000000000000007.json"),
            Some((m.clone(), ModelKey::Log(Some(7))))
        );
        assert_eq!(
            parse_model_key("models/team/_log/x.json"),
            Some((ModelName::new("team").unwrap(), ModelKey::Log(None)))
        );
        assert_eq!(
            parse_model_key("models/team/fraud/_index.json"),
            Some((m.clone(), ModelKey::Index))
        );
        assert_eq!(parse_model_key("blobs/sha256/ab/x"), None);
        assert!(is_truth("shelf.json"));
        assert!(is_truth(&log_key(&m, 1)));
        assert!(!is_truth(&model_index_key(&m)));
        assert!(!is_truth(&catalog_key(1)));
        let d = Digest::of(b"x");
        let k = blob_key(&d);
        assert!(k.starts_with("blobs/sha256/2d/2d711642"));
        assert_eq!(parse_blob_key(&k), Some(d));
        assert_eq!(
            parse_blob_key(
                "blobs/sha256/00/2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881"
            ),
            None
        );
    }
}
