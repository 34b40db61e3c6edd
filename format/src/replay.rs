//! Replaying a model's log into its state (the per-model index).
//!
//! Replay is tolerant: it applies what it can and returns every problem it saw, so a
//! reader can show the rest of a damaged log; writers and `verify` treat any problem as
//! an error.

use std::fmt;

use crate::canonical::{Digest, Timestamp, to_canonical_vec};
use crate::documents::{CatalogEntry, Event, LogEntry, LogHead, ModelIndex, VersionSummary};

/// Something wrong with one log entry, found while replaying.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReplayProblem {
    /// The entry names another model.
    WrongModel { seq: u64, found: String },
    /// The entry's `seq` field does not match its position.
    WrongSeq { seq: u64, found: u64 },
    /// `prev` is not the sha256 of the previous entry's bytes.
    BrokenChain {
        seq: u64,
        expected: Option<Digest>,
        found: Option<Digest>,
    },
    /// A register event whose version is not the next one.
    WrongVersion { seq: u64, expected: u64, found: u64 },
    /// The entry's `versions` count disagrees with the replay.
    WrongCount { seq: u64, expected: u64, found: u64 },
    /// The register event's content id is not the hash of its manifest.
    WrongContentId { seq: u64, version: u64 },
    /// The manifest inside names another model or version.
    ManifestMismatch { seq: u64, detail: String },
    /// The entry could not be read at all.
    Unreadable { seq: u64, detail: String },
}

impl ReplayProblem {
    pub fn seq(&self) -> u64 {
        match self {
            ReplayProblem::WrongModel { seq, .. }
            | ReplayProblem::WrongSeq { seq, .. }
            | ReplayProblem::BrokenChain { seq, .. }
            | ReplayProblem::WrongVersion { seq, .. }
            | ReplayProblem::WrongCount { seq, .. }
            | ReplayProblem::WrongContentId { seq, .. }
            | ReplayProblem::ManifestMismatch { seq, .. }
            | ReplayProblem::Unreadable { seq, .. } => *seq,
        }
    }
}

impl fmt::Display for ReplayProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let show = |d: &Option<Digest>| d.map_or("null".to_string(), |d| d.to_string());
        match self {
            ReplayProblem::WrongModel { found, .. } => {
                write!(f, "entry belongs to model {found:?}")
            }
            ReplayProblem::WrongSeq { found, .. } => {
                write!(f, "entry says seq {found}, but sits at another position")
            }
            ReplayProblem::BrokenChain {
                expected, found, ..
            } => write!(
                f,
                "broken chain: prev is {}, but the previous entry hashes to {}",
                show(found),
                show(expected)
            ),
            ReplayProblem::WrongVersion {
                expected, found, ..
            } => write!(f, "registers version {found}, expected version {expected}"),
            ReplayProblem::WrongCount {
                expected, found, ..
            } => write!(
                f,
                "says {found} versions registered so far, replay counts {expected}"
            ),
            ReplayProblem::WrongContentId { version, .. } => write!(
                f,
                "content id of version {version} is not the sha256 of its manifest"
            ),
            ReplayProblem::ManifestMismatch { detail, .. } => write!(f, "{detail}"),
            ReplayProblem::Unreadable { detail, .. } => write!(f, "unreadable: {detail}"),
        }
    }
}

/// The content id of the manifest inside a stored register entry: the sha256 of the
/// canonical form of the manifest's JSON value as stored (so fields this build doesn't
/// know still count). `None` when the bytes hold no manifest.
pub fn stored_manifest_content_id(stored: &[u8]) -> Option<Digest> {
    let value: serde_json::Value = serde_json::from_slice(stored).ok()?;
    let manifest = value.get("event")?.get("manifest")?;
    Some(Digest::of(&to_canonical_vec(manifest).ok()?))
}

impl ModelIndex {
    /// The number of the last registered version (0 for none).
    pub fn latest_version(&self) -> u64 {
        self.versions.last().map_or(0, |v| v.version)
    }

    /// The sequence number the next log entry must have.
    pub fn next_seq(&self) -> u64 {
        self.head.map_or(1, |h| h.seq + 1)
    }

    /// Apply `entry`, decoded from `stored` (its exact bytes). The entry must be the next
    /// one in position (`self.next_seq()`); whatever else is wrong with it is returned as
    /// problems, and what can be applied is applied.
    pub fn apply(&mut self, entry: &LogEntry, stored: &[u8]) -> Vec<ReplayProblem> {
        let digest = Digest::of(stored);
        let seq = self.next_seq();
        let mut problems = Vec::new();
        if entry.model != self.model {
            problems.push(ReplayProblem::WrongModel {
                seq,
                found: entry.model.to_string(),
            });
        }
        if entry.seq != seq {
            problems.push(ReplayProblem::WrongSeq {
                seq,
                found: entry.seq,
            });
        }
        let expected_prev = self.head.map(|h| h.digest);
        if entry.prev != expected_prev {
            problems.push(ReplayProblem::BrokenChain {
                seq,
                expected: expected_prev,
                found: entry.prev,
            });
        }
        let mut count = self.versions.len() as u64;
        match &entry.event {
            Event::Register {
                version,
                content_id,
                manifest,
            } => {
                let expected = self.latest_version() + 1;
                if *version != expected {
                    problems.push(ReplayProblem::WrongVersion {
                        seq,
                        expected,
                        found: *version,
                    });
                }
                if manifest.version != *version || manifest.model != self.model {
                    problems.push(ReplayProblem::ManifestMismatch {
                        seq,
                        detail: format!(
                            "register event for version {version} carries the manifest of {}@{}",
                            manifest.model, manifest.version
                        ),
                    });
                }
                if stored_manifest_content_id(stored) != Some(*content_id) {
                    problems.push(ReplayProblem::WrongContentId {
                        seq,
                        version: *version,
                    });
                }
                if *version > self.latest_version() {
                    self.versions
                        .push(VersionSummary::of(manifest, *content_id, seq));
                    count += 1;
                }
            }
            Event::Unknown => {}
        }
        if entry.versions != count {
            problems.push(ReplayProblem::WrongCount {
                seq,
                expected: count,
                found: entry.versions,
            });
        }
        self.advance(seq, digest, entry.time);
        problems
    }

    /// Step over entry `seq` that could not be read (its bytes hash to `digest`).
    pub fn skip_unreadable(&mut self, digest: Digest, detail: String) -> ReplayProblem {
        let seq = self.next_seq();
        self.head = Some(LogHead { seq, digest });
        ReplayProblem::Unreadable { seq, detail }
    }

    fn advance(&mut self, seq: u64, digest: Digest, time: Timestamp) {
        self.head = Some(LogHead { seq, digest });
        if self.created_at.is_none() {
            self.created_at = Some(time);
        }
        self.updated_at = Some(time);
    }

    /// This model's entry in the catalog, once its log has at least one entry.
    pub fn catalog_entry(&self) -> Option<CatalogEntry> {
        Some(CatalogEntry {
            head: self.head?,
            versions: self.versions.len() as u64,
            created_at: self.created_at?,
            updated_at: self.updated_at?,
            latest: self.versions.last().cloned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::documents::{FORMAT_VERSION, VersionManifest, encode, manifest_kind};
    use crate::names::ModelName;

    fn register(model: &str, seq: u64, prev: Option<Digest>, version: u64) -> LogEntry {
        let manifest = VersionManifest {
            format: FORMAT_VERSION,
            kind: manifest_kind(),
            model: ModelName::new(model).unwrap(),
            version,
            created_at: "2026-11-01T00:00:00Z".parse().unwrap(),
            created_by: "ci".into(),
            description: String::new(),
            artifacts: vec![],
            metrics: Default::default(),
            params: Default::default(),
            labels: Default::default(),
        };
        LogEntry::new(
            ModelName::new(model).unwrap(),
            seq,
            prev,
            manifest.created_at,
            "ci".into(),
            None,
            version,
            Event::Register {
                version,
                content_id: manifest.content_id().unwrap(),
                manifest: Box::new(manifest),
            },
        )
    }

    #[test]
    fn a_clean_chain_replays_without_problems() {
        let mut state = ModelIndex::empty(ModelName::new("m").unwrap());
        let e1 = register("m", 1, None, 1);
        let b1 = encode(&e1).unwrap();
        assert!(state.apply(&e1, &b1).is_empty());
        let e2 = register("m", 2, Some(Digest::of(&b1)), 2);
        assert!(state.apply(&e2, &encode(&e2).unwrap()).is_empty());
        assert_eq!(state.latest_version(), 2);
        assert_eq!(state.next_seq(), 3);
        assert_eq!(state.catalog_entry().unwrap().versions, 2);
    }

    #[test]
    fn problems_are_named() {
        let mut state = ModelIndex::empty(ModelName::new("m").unwrap());
        let e1 = register("m", 1, None, 1);
        state.apply(&e1, &encode(&e1).unwrap());
        // wrong prev, skipped version number
        let e2 = register("m", 2, Some(Digest::of(b"other")), 3);
        let problems = state.apply(&e2, &encode(&e2).unwrap());
        assert!(
            problems
                .iter()
                .any(|p| matches!(p, ReplayProblem::BrokenChain { seq: 2, .. }))
        );
        assert!(problems.iter().any(|p| matches!(
            p,
            ReplayProblem::WrongVersion {
                seq: 2,
                expected: 2,
                found: 3
            }
        )));
        // a manifest field this build doesn't know still counts in the content id
        let mut e3 = register("m", 3, state.head.map(|h| h.digest), 2);
        e3.versions = 2;
        let mut raw = serde_json::to_value(&e3).unwrap();
        raw["event"]["manifest"]["future"] = serde_json::json!("x");
        let raw_id = Digest::of(&to_canonical_vec(&raw["event"]["manifest"]).unwrap());
        raw["event"]["content_id"] = serde_json::json!(raw_id.to_string());
        let bytes = to_canonical_vec(&raw).unwrap();
        let decoded: LogEntry = crate::documents::decode("k", &bytes).unwrap();
        let problems = state.apply(&decoded, &bytes);
        assert!(
            !problems
                .iter()
                .any(|p| matches!(p, ReplayProblem::WrongContentId { .. })),
            "{problems:?}"
        );
        let p = state.skip_unreadable(Digest::of(b"junk"), "truncated".into());
        assert_eq!(p.seq(), 4);
        assert_eq!(state.next_seq(), 5);
    }
}
