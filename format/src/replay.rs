//! Replaying a model's log into its state (the per-model index).
//!
//! Replay is tolerant: it applies what it can and returns every problem it saw, so a
//! reader can show the rest of a damaged log; writers and `verify` treat any problem as
//! an error.
//!
//! Lifecycle events (aliases, statuses, tags, evaluations, deployments) are checked
//! against the state before them with [`ModelIndex::check_event`], the same check writers
//! make before committing; an event that fails it is reported and not applied.

use std::fmt;

use crate::canonical::{Digest, Timestamp, to_canonical_vec};
use crate::documents::{
    AliasState, CatalogEntry, Document as _, Evaluation, Event, EventSummary, FORMAT_VERSION,
    LogEntry, LogHead, ModelIndex, VersionSummary,
};
use crate::lifecycle::{MAX_TRAFFIC, Refusal, Status, TRAFFIC_TOLERANCE, percent};
use crate::names::{AliasName, ModelName, TargetName};

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
    /// A lifecycle event that breaks a rule given the state before it (an alias set to a
    /// version that doesn't exist, a status move the table forbids, traffic over 100%, …).
    /// It was not applied. `event` is its type, `detail` the [`Refusal`]'s message.
    Refused {
        seq: u64,
        event: &'static str,
        detail: String,
    },
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
            | ReplayProblem::Unreadable { seq, .. }
            | ReplayProblem::Refused { seq, .. } => *seq,
        }
    }

    /// False for [`ReplayProblem::Refused`]: a lifecycle event that broke a rule is inert
    /// and says nothing about the integrity of the log, so writers still append after it
    /// and verifiers report it as a warning (docs/format.md §7.3). Every other problem is
    /// an error for writers and verifiers.
    pub fn is_integrity_problem(&self) -> bool {
        !matches!(self, ReplayProblem::Refused { .. })
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
            ReplayProblem::Refused { event, detail, .. } => {
                write!(f, "{event} not applied: {detail}")
            }
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

    /// The version registered with this idempotency key, if any (§6.2): the first, when
    /// a hand-written log holds it twice.
    pub fn registered_with_key(&self, key: &str) -> Option<&VersionSummary> {
        self.versions
            .iter()
            .find(|v| v.idempotency_key.as_deref() == Some(key))
    }

    /// The sequence number the next log entry must have.
    pub fn next_seq(&self) -> u64 {
        self.head.map_or(1, |h| h.seq + 1)
    }

    /// The time the next entry gets when written at `now`: `now`, or the last entry's
    /// time if that is later (entry times never go backwards within a log).
    pub fn next_time(&self, now: Timestamp) -> Timestamp {
        self.updated_at.map_or(now, |last| last.max(now))
    }

    /// The entry that appends `event` to this log: the inverse of [`ModelIndex::apply`].
    /// It fills what the state determines (`seq`, `prev`, the `versions` count, counting
    /// `event` if it registers a version) and dates the entry `time`, or the previous
    /// entry's time if that is later: entry times never go backwards within a log, so
    /// time travel (§7.4) has one answer.
    pub fn next_entry(
        &self,
        event: Event,
        time: Timestamp,
        actor: impl Into<String>,
        reason: Option<String>,
    ) -> LogEntry {
        let registers = u64::from(matches!(event, Event::Register { .. }));
        LogEntry {
            format: FORMAT_VERSION,
            kind: LogEntry::KIND.to_string(),
            model: self.model.clone(),
            seq: self.next_seq(),
            prev: self.head.map(|h| h.digest),
            time: self.next_time(time),
            actor: actor.into(),
            reason,
            versions: self.versions.len() as u64 + registers,
            event,
        }
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
        // The audit trail's line, described against the state before the event.
        let mut line = EventSummary {
            seq,
            time: entry.time,
            actor: entry.actor.clone(),
            event_type: entry.event.type_name().to_string(),
            version: entry.event.version(),
            summary: self.describe(&entry.event),
            reason: entry.reason.clone(),
            problem: None,
        };
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
                } else {
                    line.problem = Some(format!("version {version} is already registered"));
                }
            }
            Event::Unknown => {
                let found = stored_event_type(stored).unwrap_or_else(|| "unknown".to_string());
                line.summary = format!("event of type {found:?}, unknown to this reader");
                line.event_type = found;
            }
            lifecycle => match self.check_event(lifecycle) {
                Ok(()) => self.apply_lifecycle(entry, seq),
                Err(refusal) => {
                    let detail = refusal.to_string();
                    line.problem = Some(detail.clone());
                    problems.push(ReplayProblem::Refused {
                        seq,
                        event: lifecycle.type_name(),
                        detail,
                    });
                }
            },
        }
        self.events.push(line);
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

    /// True for an index written by a build that predates lifecycle events: it covers
    /// entries (its head is set) but has no audit trail (`events`). Such a build skipped
    /// lifecycle events as unknown and wrote no trail, so readers MUST NOT trust its state
    /// and replay the log from entry 1 (docs/format.md §7.3).
    pub fn predates_lifecycle(&self) -> bool {
        self.head.is_some() && self.events.is_empty()
    }

    /// This model's entry in the catalog, once its log has at least one entry.
    pub fn catalog_entry(&self) -> Option<CatalogEntry> {
        Some(CatalogEntry {
            head: self.head?,
            versions: self.versions.len() as u64,
            created_at: self.created_at?,
            updated_at: self.updated_at?,
            latest: self.versions.last().cloned(),
            aliases: self
                .aliases
                .iter()
                .map(|(alias, state)| (alias.clone(), state.version))
                .collect(),
            uses: self
                .versions
                .iter()
                .flat_map(|v| &v.datasets)
                .filter_map(|link| link.registered.as_ref())
                .map(|d| d.version_ref())
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .collect(),
        })
    }

    /// The summary of `version`, if it is registered.
    pub fn version(&self, version: u64) -> Option<&VersionSummary> {
        // Versions are dense from 1 in a log without problems; search to be safe.
        match self.versions.get((version as usize).wrapping_sub(1)) {
            Some(v) if v.version == version => Some(v),
            _ => self.versions.iter().find(|v| v.version == version),
        }
    }

    fn version_mut(&mut self, version: u64) -> Option<&mut VersionSummary> {
        self.versions.iter_mut().find(|v| v.version == version)
    }

    /// The version `alias` points to, if it is set.
    pub fn alias_version(&self, alias: &AliasName) -> Option<u64> {
        self.aliases.get(alias).map(|a| a.version)
    }

    /// The summary of the version `alias` points to, if it is set: what `model@<alias>`
    /// selects.
    pub fn resolve_alias(&self, alias: &AliasName) -> Option<&VersionSummary> {
        self.version(self.alias_version(alias)?)
    }

    /// The aliases pointing to `version`.
    pub fn aliases_of(&self, version: u64) -> Vec<&AliasName> {
        self.aliases
            .iter()
            .filter(|(_, state)| state.version == version)
            .map(|(alias, _)| alias)
            .collect()
    }

    /// The sum of the traffic shares on `target`, in percent (0 when nothing runs there).
    pub fn traffic_on(&self, target: &TargetName) -> f64 {
        self.deployments
            .get(target)
            .map_or(0.0, |shares| shares.values().sum())
    }

    /// Where a rollback of `alias` goes: `(from, to)`, the current version and the one it
    /// pointed to before. A writer rolls back by committing
    /// `Event::AliasSet { alias, version: to, rollback: true }`.
    pub fn rollback_target(&self, alias: &AliasName) -> Result<(u64, u64), Refusal> {
        let state = self
            .aliases
            .get(alias)
            .ok_or_else(|| Refusal::AliasNotSet {
                model: self.model.clone(),
                alias: alias.clone(),
            })?;
        match state.stack.as_slice() {
            [.., to, from] => Ok((*from, *to)),
            _ => Err(Refusal::NothingToRollBack {
                model: self.model.clone(),
                alias: alias.clone(),
                current: state.version,
            }),
        }
    }

    /// Check a status move of `version` to `status`, for writers:
    /// `cannot move fraud@3 from archived to production: archived is final`.
    pub fn check_status(&self, version: u64, status: Status) -> Result<(), String> {
        self.check_event(&Event::Status { version, status })
            .map_err(|r| r.to_string())
    }

    /// Check a deployment of `version` to `target` at `traffic` percent, for writers: the
    /// version exists, `0 < traffic ≤ 100`, and the target's shares (this one replacing the
    /// version's current share there) add up to at most 100.
    pub fn check_deployment(
        &self,
        target: &TargetName,
        version: u64,
        traffic: f64,
    ) -> Result<(), String> {
        self.check_event(&Event::Deployment {
            version,
            target: target.clone(),
            traffic,
        })
        .map_err(|r| r.to_string())
    }

    /// Check a lifecycle event against the current state: what a writer MUST check before
    /// committing it, and what replay checks before applying it. `register` and unknown
    /// events pass (their checks are the chain's, see [`ModelIndex::apply`]).
    pub fn check_event(&self, event: &Event) -> Result<(), Refusal> {
        let model = &self.model;
        let no_such_version = |version: u64| Refusal::NoSuchVersion {
            model: model.clone(),
            version,
        };
        let summary = |version: u64| {
            self.version(version)
                .ok_or_else(|| no_such_version(version))
        };
        match event {
            Event::Register { .. } | Event::Unknown => Ok(()),
            Event::AliasSet {
                version,
                rollback: false,
                ..
            } => summary(*version).map(|_| ()),
            Event::AliasSet {
                alias,
                version,
                rollback: true,
            } => {
                let (current, expected) = self.rollback_target(alias)?;
                if *version != expected {
                    return Err(Refusal::WrongRollbackTarget {
                        model: model.clone(),
                        alias: alias.clone(),
                        current,
                        expected,
                        found: *version,
                    });
                }
                Ok(())
            }
            Event::AliasUnset { alias } => match self.aliases.contains_key(alias) {
                true => Ok(()),
                false => Err(Refusal::AliasNotSet {
                    model: model.clone(),
                    alias: alias.clone(),
                }),
            },
            Event::Status { version, status } => {
                Status::check_move(model, *version, summary(*version)?.status, *status)
            }
            Event::Tag { version, .. } => summary(*version).map(|_| ()),
            Event::Untag { version, key } => match summary(*version)?.tags.contains_key(key) {
                true => Ok(()),
                false => Err(Refusal::NotTagged {
                    model: model.clone(),
                    version: *version,
                    key: key.clone(),
                }),
            },
            Event::Evaluation {
                version, metrics, ..
            } => {
                summary(*version)?;
                if metrics.is_empty() {
                    return Err(Refusal::NoMetrics {
                        model: model.clone(),
                        version: *version,
                    });
                }
                match metrics.iter().find(|(_, value)| !value.is_finite()) {
                    Some((key, value)) => Err(Refusal::MetricNotFinite {
                        key: key.clone(),
                        value: *value,
                    }),
                    None => Ok(()),
                }
            }
            Event::Deployment {
                version,
                target,
                traffic,
            } => {
                summary(*version)?;
                let traffic = *traffic;
                if !(traffic > 0.0 && traffic <= MAX_TRAFFIC) {
                    return Err(Refusal::TrafficRange { traffic });
                }
                let others: f64 = self.deployments.get(target).map_or(0.0, |shares| {
                    shares
                        .iter()
                        .filter(|(v, _)| **v != *version)
                        .map(|(_, share)| share)
                        .sum()
                });
                if others + traffic > MAX_TRAFFIC + TRAFFIC_TOLERANCE {
                    return Err(Refusal::TrafficOverLimit {
                        model: model.clone(),
                        version: *version,
                        target: target.clone(),
                        traffic,
                        others,
                    });
                }
                Ok(())
            }
            Event::Undeployment { version, target } => {
                summary(*version)?;
                let deployed = self
                    .deployments
                    .get(target)
                    .is_some_and(|shares| shares.contains_key(version));
                match deployed {
                    true => Ok(()),
                    false => Err(Refusal::NotDeployed {
                        model: model.clone(),
                        version: *version,
                        target: target.clone(),
                    }),
                }
            }
        }
    }

    /// Apply a lifecycle event that passed [`ModelIndex::check_event`].
    fn apply_lifecycle(&mut self, entry: &LogEntry, seq: u64) {
        match &entry.event {
            Event::Register { .. } | Event::Unknown => {}
            Event::AliasSet {
                alias,
                version,
                rollback,
            } => {
                let moved = |state: &mut AliasState, version: u64| {
                    state.version = version;
                    state.set_at = entry.time;
                    state.set_by = entry.actor.clone();
                };
                match self.aliases.get_mut(alias) {
                    Some(state) if *rollback => {
                        state.stack.pop();
                        moved(state, *version);
                    }
                    Some(state) if state.version == *version => {}
                    Some(state) => {
                        state.stack.push(*version);
                        moved(state, *version);
                    }
                    None => {
                        self.aliases.insert(
                            alias.clone(),
                            AliasState {
                                version: *version,
                                stack: vec![*version],
                                set_at: entry.time,
                                set_by: entry.actor.clone(),
                            },
                        );
                    }
                }
            }
            Event::AliasUnset { alias } => {
                self.aliases.remove(alias);
            }
            Event::Status { version, status } => {
                if let Some(v) = self.version_mut(*version) {
                    v.status = Some(*status);
                }
            }
            Event::Tag {
                version,
                key,
                value,
            } => {
                if let Some(v) = self.version_mut(*version) {
                    v.tags.insert(key.clone(), value.clone());
                }
            }
            Event::Untag { version, key } => {
                if let Some(v) = self.version_mut(*version) {
                    v.tags.remove(key);
                }
            }
            Event::Evaluation {
                version,
                metrics,
                dataset,
                measured_at,
            } => {
                if let Some(v) = self.version_mut(*version) {
                    v.evaluations.push(Evaluation {
                        seq,
                        measured_at: *measured_at,
                        recorded_at: entry.time,
                        actor: entry.actor.clone(),
                        dataset: dataset.clone(),
                        metrics: metrics.clone(),
                    });
                }
            }
            Event::Deployment {
                version,
                target,
                traffic,
            } => {
                self.deployments
                    .entry(target.clone())
                    .or_default()
                    .insert(*version, *traffic);
            }
            Event::Undeployment { version, target } => {
                if let Some(shares) = self.deployments.get_mut(target) {
                    shares.remove(version);
                    if shares.is_empty() {
                        self.deployments.remove(target);
                    }
                }
            }
        }
    }

    /// A few words on what `event` does to the current state, for the audit trail.
    fn describe(&self, event: &Event) -> String {
        let was = |v: Option<u64>| v.map_or(String::new(), |v| format!(" (was v{v})"));
        match event {
            Event::Register { version, .. } => format!("registered v{version}"),
            Event::AliasSet {
                alias,
                version,
                rollback: true,
            } => match self.alias_version(alias) {
                Some(from) => format!("rolled back alias {alias} from v{from} to v{version}"),
                None => format!("rolled back alias {alias} to v{version}"),
            },
            Event::AliasSet { alias, version, .. } => match self.alias_version(alias) {
                Some(current) if current == *version => {
                    format!("alias {alias} → v{version} (unchanged)")
                }
                current => format!("alias {alias} → v{version}{}", was(current)),
            },
            Event::AliasUnset { alias } => {
                format!("removed alias {alias}{}", was(self.alias_version(alias)))
            }
            Event::Status { version, status } => {
                let from = self.version(*version).map(|v| v.effective_status());
                match from {
                    Some(from) => format!("status v{version} {status} (was {from})"),
                    None => format!("status v{version} {status}"),
                }
            }
            Event::Tag {
                version,
                key,
                value,
            } => {
                let old = self.version(*version).and_then(|v| v.tags.get(key));
                match old {
                    Some(old) if old != value => {
                        format!("tagged v{version} {key}={value} (was {old})")
                    }
                    _ => format!("tagged v{version} {key}={value}"),
                }
            }
            Event::Untag { version, key } => {
                let old = self.version(*version).and_then(|v| v.tags.get(key));
                match old {
                    Some(old) => format!("untagged v{version} {key} (was {old})"),
                    None => format!("untagged v{version} {key}"),
                }
            }
            Event::Evaluation {
                version,
                metrics,
                dataset,
                ..
            } => {
                const SHOWN: usize = 4;
                let mut shown: Vec<String> = metrics
                    .iter()
                    .take(SHOWN)
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect();
                if metrics.len() > SHOWN {
                    shown.push("…".to_string());
                }
                let on = dataset
                    .as_ref()
                    .map_or(String::new(), |d| format!(" on {d}"));
                format!("evaluated v{version}{on}: {}", shown.join(", "))
            }
            Event::Deployment {
                version,
                target,
                traffic,
            } => {
                let old = self.deployments.get(target).and_then(|s| s.get(version));
                let was = old.map_or(String::new(), |old| format!(" (was {}%)", percent(*old)));
                format!(
                    "deployed v{version} to {target} at {}%{was}",
                    percent(*traffic)
                )
            }
            Event::Undeployment { version, target } => {
                let old = self.deployments.get(target).and_then(|s| s.get(version));
                let was = old.map_or(String::new(), |old| format!(" (was {}%)", percent(*old)));
                format!("undeployed v{version} from {target}{was}")
            }
            Event::Unknown => "event unknown to this reader".to_string(),
        }
    }
}

/// The `type` of the event in stored entry bytes, as written.
fn stored_event_type(stored: &[u8]) -> Option<String> {
    let value: serde_json::Value = serde_json::from_slice(stored).ok()?;
    Some(value.get("event")?.get("type")?.as_str()?.to_string())
}

/// Time travel: the state of `model` as of `at`.
///
/// `entries` are the log's entries with their stored bytes, in log order (seq 1, 2, …).
/// Entry times come from writers' clocks, which may disagree, while the log's order is its
/// `seq`; so the state as of `at` is the replay, in `seq` order, of every entry before the
/// first one whose `time` is later than `at` (an entry after that one is not applied even
/// if its own time is earlier). Before the model's first entry, the state is empty
/// (`head` is `None`). Replay problems are ignored here: replay the whole log to see them.
pub fn state_at(entries: &[(LogEntry, Vec<u8>)], model: &ModelName, at: Timestamp) -> ModelIndex {
    let mut state = ModelIndex::empty(model.clone());
    for (entry, stored) in entries.iter().take_while(|(entry, _)| entry.time <= at) {
        state.apply(entry, stored);
    }
    state
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::documents::{VersionManifest, encode};
    use crate::names::{Key, ModelName};
    use std::collections::BTreeMap;

    fn register(model: &str, seq: u64, prev: Option<Digest>, version: u64) -> LogEntry {
        let manifest = VersionManifest {
            ..VersionManifest::new(
                ModelName::new(model).unwrap(),
                version,
                "2026-11-01T00:00:00Z".parse().unwrap(),
                "ci",
            )
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

    fn t(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn alias(s: &str) -> AliasName {
        AliasName::new(s).unwrap()
    }

    fn target(s: &str) -> TargetName {
        TargetName::new(s).unwrap()
    }

    fn key(s: &str) -> Key {
        Key::new(s).unwrap()
    }

    fn set(a: &str, version: u64) -> Event {
        Event::AliasSet {
            alias: alias(a),
            version,
            rollback: false,
        }
    }

    fn rollback(a: &str, version: u64) -> Event {
        Event::AliasSet {
            alias: alias(a),
            version,
            rollback: true,
        }
    }

    fn status(version: u64, status: Status) -> Event {
        Event::Status { version, status }
    }

    fn deploy(version: u64, to: &str, traffic: f64) -> Event {
        Event::Deployment {
            version,
            target: target(to),
            traffic,
        }
    }

    fn undeploy(version: u64, from: &str) -> Event {
        Event::Undeployment {
            version,
            target: target(from),
        }
    }

    /// A model's log being written by a correct writer, replayed as it grows.
    struct Log {
        model: ModelName,
        entries: Vec<(LogEntry, Vec<u8>)>,
        state: ModelIndex,
        clock: i64,
    }

    impl Log {
        fn new(model: &str) -> Self {
            Log {
                model: ModelName::new(model).unwrap(),
                entries: Vec::new(),
                state: ModelIndex::empty(ModelName::new(model).unwrap()),
                clock: t("2026-11-01T00:00:00Z").millis(),
            }
        }

        /// Append `event` at `time` (each entry one minute after the previous one when
        /// `None`) and replay it; returns the problems.
        fn at(&mut self, time: Option<&str>, event: Event) -> Vec<ReplayProblem> {
            self.clock = match time {
                Some(time) => t(time).millis(),
                None => self.clock + 60_000,
            };
            let time = Timestamp::from_millis(self.clock).unwrap();
            let seq = self.state.next_seq();
            let prev = self.state.head.map(|h| h.digest);
            let mut versions = self.state.versions.len() as u64;
            let event = match event {
                Event::Register { version, .. } => {
                    versions += 1;
                    let manifest = VersionManifest {
                        ..VersionManifest::new(self.model.clone(), version, time, "ci")
                    };
                    Event::Register {
                        version,
                        content_id: manifest.content_id().unwrap(),
                        manifest: Box::new(manifest),
                    }
                }
                other => other,
            };
            let entry = LogEntry::new(
                self.model.clone(),
                seq,
                prev,
                time,
                "alice".into(),
                Some(format!("reason {seq}")),
                versions,
                event,
            );
            let bytes = encode(&entry).unwrap();
            let problems = self.state.apply(&entry, &bytes);
            self.entries.push((entry, bytes));
            problems
        }

        fn push(&mut self, event: Event) -> Vec<ReplayProblem> {
            self.at(None, event)
        }

        /// Append and expect no problem.
        fn ok(&mut self, event: Event) {
            let problems = self.push(event);
            assert!(problems.is_empty(), "{problems:?}");
        }

        /// Append and expect exactly one refusal, returning its message. The state must
        /// not change except for its head, times and audit trail.
        fn refused(&mut self, event: Event) -> String {
            let before = self.state.clone();
            let type_name = event.type_name();
            let problems = self.push(event);
            match problems.as_slice() {
                [ReplayProblem::Refused { seq, event, detail }] => {
                    assert_eq!(*seq, self.state.head.unwrap().seq);
                    assert_eq!(*event, type_name);
                    assert_eq!(
                        problems[0].to_string(),
                        format!("{type_name} not applied: {detail}")
                    );
                    assert_eq!(self.state.versions, before.versions);
                    assert_eq!(self.state.aliases, before.aliases);
                    assert_eq!(self.state.deployments, before.deployments);
                    let line = self.state.events.last().unwrap();
                    assert_eq!(line.problem.as_deref(), Some(detail.as_str()));
                    detail.clone()
                }
                other => panic!("expected one refusal, got {other:?}"),
            }
        }

        fn register(&mut self, n: u64) {
            for _ in 0..n {
                let version = self.state.latest_version() + 1;
                self.ok(Event::Register {
                    version,
                    content_id: Digest::of(b""),
                    manifest: Box::new(VersionManifest {
                        ..VersionManifest::new(
                            self.model.clone(),
                            version,
                            Timestamp::from_millis(0).unwrap(),
                            String::new(),
                        )
                    }),
                });
            }
        }

        fn stack(&self, a: &str) -> Vec<u64> {
            self.state
                .aliases
                .get(&alias(a))
                .map_or(vec![], |s| s.stack.clone())
        }

        fn last_summary(&self) -> &str {
            &self.state.events.last().unwrap().summary
        }
    }

    #[test]
    fn aliases_move_and_repeated_rollbacks_walk_back() {
        let mut log = Log::new("fraud");
        log.register(4);
        let prod = alias("production");
        assert!(matches!(
            log.state.rollback_target(&prod),
            Err(Refusal::AliasNotSet { .. })
        ));
        log.ok(set("production", 1));
        assert_eq!(log.last_summary(), "alias production → v1");
        assert_eq!(
            log.state.rollback_target(&prod).unwrap_err().to_string(),
            "cannot roll back fraud@production: it has pointed only to v1 since it was set, so there is nothing to roll back to"
        );
        log.ok(set("production", 2));
        assert_eq!(log.last_summary(), "alias production → v2 (was v1)");
        log.ok(set("production", 3));
        assert_eq!(log.stack("production"), [1, 2, 3]);
        // Setting the current version again is allowed and pushes nothing.
        let moved_at = log.state.aliases[&prod].set_at;
        log.ok(set("production", 3));
        assert_eq!(log.last_summary(), "alias production → v3 (unchanged)");
        assert_eq!(log.stack("production"), [1, 2, 3]);
        assert_eq!(log.state.aliases[&prod].set_at, moved_at);

        assert_eq!(log.state.rollback_target(&prod).unwrap(), (3, 2));
        log.ok(rollback("production", 2));
        assert_eq!(
            log.last_summary(),
            "rolled back alias production from v3 to v2"
        );
        assert_eq!(log.state.alias_version(&prod), Some(2));
        assert_eq!(log.state.rollback_target(&prod).unwrap(), (2, 1));
        log.ok(rollback("production", 1));
        assert_eq!(log.stack("production"), [1]);
        assert!(matches!(
            log.state.rollback_target(&prod),
            Err(Refusal::NothingToRollBack { current: 1, .. })
        ));
        let msg = log.refused(rollback("production", 1));
        assert!(msg.contains("nothing to roll back to"), "{msg}");

        log.ok(set("production", 4));
        assert_eq!(log.stack("production"), [1, 4]);
        assert_eq!(log.state.rollback_target(&prod).unwrap(), (4, 1));
        log.ok(rollback("production", 1));
        assert_eq!(log.stack("production"), [1]);

        // A move to the version below the top is a move, not a rollback.
        log.ok(set("production", 2));
        log.ok(set("production", 1));
        assert_eq!(log.stack("production"), [1, 2, 1]);
        assert_eq!(log.state.rollback_target(&prod).unwrap(), (1, 2));

        // The state records who moved it and when.
        let state = &log.state.aliases[&prod];
        assert_eq!(state.version, 1);
        assert_eq!(state.set_by, "alice");
        assert_eq!(state.set_at, log.entries.last().unwrap().0.time);
        assert_eq!(log.state.aliases_of(1), vec![&prod]);
        assert_eq!(log.state.resolve_alias(&prod).unwrap().version, 1);
        assert_eq!(log.state.resolve_alias(&alias("staging")), None);
        assert_eq!(
            log.state.catalog_entry().unwrap().aliases,
            BTreeMap::from([(prod.clone(), 1)])
        );
    }

    #[test]
    fn alias_rules_are_enforced() {
        let mut log = Log::new("fraud");
        log.register(3);
        assert_eq!(log.refused(set("production", 9)), "fraud has no version 9");
        assert!(log.state.aliases.is_empty());
        assert_eq!(
            log.refused(rollback("production", 1)),
            "fraud has no alias production"
        );
        assert_eq!(
            log.refused(Event::AliasUnset {
                alias: alias("production")
            }),
            "fraud has no alias production"
        );
        log.ok(set("production", 1));
        log.ok(set("production", 2));
        log.ok(set("production", 3));
        assert_eq!(
            log.refused(rollback("production", 1)),
            "a rollback of fraud@production goes back to v2 (the version before v3), not to v1"
        );
        assert_eq!(log.stack("production"), [1, 2, 3]);
        log.ok(set("staging", 3));
        log.ok(Event::AliasUnset {
            alias: alias("production"),
        });
        assert_eq!(log.last_summary(), "removed alias production (was v3)");
        assert!(!log.state.aliases.contains_key(&alias("production")));
        assert_eq!(log.state.alias_version(&alias("staging")), Some(3));
        // Set again after an unset: a new stack, nothing to roll back to.
        log.ok(set("production", 2));
        assert_eq!(log.stack("production"), [2]);
        assert!(log.state.rollback_target(&alias("production")).is_err());
        // The writer-side check says the same as replay.
        assert_eq!(
            log.state.check_event(&set("production", 7)).unwrap_err(),
            Refusal::NoSuchVersion {
                model: log.model.clone(),
                version: 7
            }
        );
    }

    #[test]
    fn statuses_follow_the_transition_table() {
        let mut log = Log::new("fraud");
        log.register(2);
        assert_eq!(
            log.state.version(1).unwrap().effective_status(),
            Status::Draft
        );
        assert_eq!(log.state.version(1).unwrap().status, None);
        assert_eq!(
            log.refused(status(1, Status::Production)),
            "cannot move fraud@1 from draft to production: from draft a version can move to experimental, validated or archived"
        );
        assert_eq!(
            log.refused(status(1, Status::Draft)),
            "fraud@1 is already draft"
        );
        log.ok(status(1, Status::Validated));
        assert_eq!(log.last_summary(), "status v1 validated (was draft)");
        assert_eq!(
            log.refused(status(1, Status::Validated)),
            "fraud@1 is already validated"
        );
        log.ok(status(1, Status::Production));
        log.ok(status(1, Status::Deprecated));
        log.ok(status(1, Status::Archived));
        assert_eq!(
            log.refused(status(1, Status::Production)),
            "cannot move fraud@1 from archived to production: archived is final"
        );
        assert_eq!(log.state.version(1).unwrap().status, Some(Status::Archived));
        assert_eq!(log.state.version(2).unwrap().status, None);
        assert_eq!(
            log.refused(status(3, Status::Validated)),
            "fraud has no version 3"
        );
        // The writer's check, as a message.
        assert_eq!(
            log.state.check_status(1, Status::Validated).unwrap_err(),
            "cannot move fraud@1 from archived to validated: archived is final"
        );
        assert!(log.state.check_status(2, Status::Experimental).is_ok());
        // Every pair of the table, through replay, from every reachable status.
        for from in Status::ALL {
            for to in Status::ALL {
                let mut log = Log::new("m");
                log.register(1);
                // Reach `from` along allowed moves.
                let path: &[Status] = match from {
                    Status::Draft => &[],
                    Status::Experimental => &[Status::Experimental],
                    Status::Validated => &[Status::Validated],
                    Status::Production => &[Status::Validated, Status::Production],
                    Status::Deprecated => &[Status::Experimental, Status::Deprecated],
                    Status::Archived => &[Status::Archived],
                };
                for step in path {
                    log.ok(status(1, *step));
                }
                let problems = log.push(status(1, to));
                assert_eq!(problems.is_empty(), from.can_move_to(to), "{from} -> {to}");
                let expected = if from.can_move_to(to) { to } else { from };
                assert_eq!(log.state.version(1).unwrap().effective_status(), expected);
            }
        }
    }

    #[test]
    fn tags_and_untags() {
        let mut log = Log::new("fraud");
        log.register(1);
        let tag = |k: &str, v: &str| Event::Tag {
            version: 1,
            key: key(k),
            value: v.into(),
        };
        log.ok(tag("approved-by", "risk"));
        assert_eq!(log.last_summary(), "tagged v1 approved-by=risk");
        log.ok(tag("approved-by", "board"));
        assert_eq!(log.last_summary(), "tagged v1 approved-by=board (was risk)");
        assert_eq!(
            log.state.version(1).unwrap().tags[&key("approved-by")],
            "board"
        );
        log.ok(Event::Untag {
            version: 1,
            key: key("approved-by"),
        });
        assert_eq!(log.last_summary(), "untagged v1 approved-by (was board)");
        assert!(log.state.version(1).unwrap().tags.is_empty());
        assert_eq!(
            log.refused(Event::Untag {
                version: 1,
                key: key("approved-by")
            }),
            "fraud@1 has no tag approved-by"
        );
        assert_eq!(
            log.refused(Event::Tag {
                version: 2,
                key: key("a"),
                value: "b".into()
            }),
            "fraud has no version 2"
        );
    }

    #[test]
    fn evaluations_accumulate() {
        let mut log = Log::new("fraud");
        log.register(1);
        let eval = |metrics: &[(&str, f64)], dataset: Option<&str>| Event::Evaluation {
            version: 1,
            metrics: metrics.iter().map(|(k, v)| (key(k), *v)).collect(),
            dataset: dataset.map(str::to_string),
            measured_at: t("2026-10-01T12:00:00Z"),
        };
        log.ok(eval(&[("auc", 0.91)], Some("holdout")));
        assert_eq!(log.last_summary(), "evaluated v1 on holdout: auc=0.91");
        log.ok(eval(
            &[("a", 1.0), ("b", 2.0), ("c", 3.0), ("d", 4.0), ("e", 5.5)],
            None,
        ));
        assert_eq!(log.last_summary(), "evaluated v1: a=1, b=2, c=3, d=4, …");
        let evaluations = &log.state.version(1).unwrap().evaluations;
        assert_eq!(evaluations.len(), 2);
        let (entry, _) = &log.entries[1];
        assert_eq!(
            evaluations[0],
            Evaluation {
                seq: 2,
                measured_at: t("2026-10-01T12:00:00Z"),
                recorded_at: entry.time,
                actor: "alice".into(),
                dataset: Some("holdout".into()),
                metrics: [(key("auc"), 0.91)].into(),
            }
        );
        assert_eq!(
            log.refused(eval(&[], None)),
            "an evaluation of fraud@1 records at least one metric"
        );
        // NaN cannot be stored (JSON has none); a writer is stopped before encoding.
        let err = log
            .state
            .check_event(&eval(&[("auc", f64::NAN)], None))
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "metric auc of an evaluation is NaN; a metric value must be a finite number"
        );
    }

    #[test]
    fn traffic_on_a_target_never_exceeds_100_percent() {
        let mut log = Log::new("fraud");
        log.register(3);
        let eu = target("eu-prod");
        log.ok(deploy(1, "eu-prod", 90.0));
        assert_eq!(log.last_summary(), "deployed v1 to eu-prod at 90%");
        assert_eq!(
            log.refused(deploy(2, "eu-prod", 20.0)),
            "cannot deploy fraud@2 to eu-prod at 20%: other versions already take 90% of its traffic, so at most 10% is left"
        );
        assert_eq!(
            log.state.check_deployment(&eu, 2, 20.0).unwrap_err(),
            "cannot deploy fraud@2 to eu-prod at 20%: other versions already take 90% of its traffic, so at most 10% is left"
        );
        log.ok(deploy(2, "eu-prod", 10.0));
        assert_eq!(log.state.traffic_on(&eu), 100.0);
        // A redeployment replaces the version's share.
        log.ok(deploy(1, "eu-prod", 50.0));
        assert_eq!(
            log.last_summary(),
            "deployed v1 to eu-prod at 50% (was 90%)"
        );
        log.ok(deploy(2, "eu-prod", 50.0));
        assert_eq!(
            log.state.deployments[&eu],
            BTreeMap::from([(1, 50.0), (2, 50.0)])
        );
        assert!(log.state.check_deployment(&eu, 1, 50.0).is_ok());
        assert!(log.state.check_deployment(&eu, 1, 50.5).is_err());
        // Other targets are independent.
        log.ok(deploy(3, "us-prod", 100.0));
        // Out of range.
        for bad in [0.0, -5.0, 100.5, f64::NAN, f64::INFINITY] {
            let err = log.state.check_deployment(&eu, 3, bad).unwrap_err();
            assert!(
                err.starts_with("traffic is a percentage above 0 and at most 100, not "),
                "{err}"
            );
        }
        assert_eq!(
            log.refused(deploy(3, "eu-prod", 0.0)),
            "traffic is a percentage above 0 and at most 100, not 0"
        );
        assert_eq!(
            log.refused(deploy(9, "eu-prod", 1.0)),
            "fraud has no version 9"
        );
        // Undeployment.
        assert_eq!(
            log.refused(undeploy(3, "eu-prod")),
            "fraud@3 is not deployed to eu-prod"
        );
        log.ok(undeploy(1, "eu-prod"));
        assert_eq!(log.last_summary(), "undeployed v1 from eu-prod (was 50%)");
        log.ok(undeploy(2, "eu-prod"));
        assert!(!log.state.deployments.contains_key(&eu));
        assert_eq!(log.state.traffic_on(&eu), 0.0);
        // Thirds add up to 100 within the tolerance.
        for v in 1..=3 {
            log.ok(deploy(v, "thirds", 100.0 / 3.0));
        }
        assert!(
            log.state
                .check_deployment(&target("thirds"), 1, 100.0 / 3.0 + 1e-6)
                .is_err()
        );
    }

    #[test]
    fn lifecycle_events_do_not_change_the_versions_count() {
        let mut log = Log::new("fraud");
        log.register(2);
        log.ok(set("production", 2));
        log.ok(deploy(2, "eu", 100.0));
        assert_eq!(log.state.versions.len(), 2);
        assert_eq!(log.entries.last().unwrap().0.versions, 2);
        // A lifecycle entry claiming a new version is a wrong count (and still applied).
        let mut entry = LogEntry::new(
            log.model.clone(),
            log.state.next_seq(),
            log.state.head.map(|h| h.digest),
            t("2026-12-01T00:00:00Z"),
            "mallory".into(),
            None,
            3,
            set("staging", 1),
        );
        let bytes = encode(&entry).unwrap();
        let problems = log.state.apply(&entry, &bytes);
        assert_eq!(
            problems,
            vec![ReplayProblem::WrongCount {
                seq: entry.seq,
                expected: 2,
                found: 3
            }]
        );
        assert_eq!(log.state.alias_version(&alias("staging")), Some(1));
        // A refused lifecycle event with a wrong count reports both.
        entry.seq += 1;
        entry.prev = log.state.head.map(|h| h.digest);
        entry.event = set("staging", 7);
        let bytes = encode(&entry).unwrap();
        let problems = log.state.apply(&entry, &bytes);
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(matches!(
            problems[0],
            ReplayProblem::Refused {
                event: "alias-set",
                ..
            }
        ));
        assert!(matches!(problems[1], ReplayProblem::WrongCount { .. }));
    }

    #[test]
    fn the_audit_trail_has_every_readable_entry() {
        let mut log = Log::new("fraud");
        log.register(1);
        log.ok(set("production", 1));
        // An event type from a newer writer: skipped, but in the trail with its type.
        let mut raw = serde_json::to_value(LogEntry::new(
            log.model.clone(),
            3,
            log.state.head.map(|h| h.digest),
            t("2026-12-01T00:00:00Z"),
            "bob".into(),
            Some("signed off".into()),
            1,
            Event::Unknown,
        ))
        .unwrap();
        raw["event"] = serde_json::json!({"type": "approval", "by": "bob"});
        let bytes = to_canonical_vec(&raw).unwrap();
        let entry: LogEntry = crate::documents::decode("k", &bytes).unwrap();
        assert!(log.state.apply(&entry, &bytes).is_empty());
        log.refused(set("production", 5));
        type Line<'a> = (u64, &'a str, Option<u64>, &'a str, Option<&'a str>);
        let trail: Vec<Line> = log
            .state
            .events
            .iter()
            .map(|e| {
                (
                    e.seq,
                    e.event_type.as_str(),
                    e.version,
                    e.summary.as_str(),
                    e.problem.as_deref(),
                )
            })
            .collect();
        assert_eq!(
            trail,
            vec![
                (1, "register", Some(1), "registered v1", None),
                (2, "alias-set", Some(1), "alias production → v1", None),
                (
                    3,
                    "approval",
                    None,
                    "event of type \"approval\", unknown to this reader",
                    None
                ),
                (
                    4,
                    "alias-set",
                    Some(5),
                    "alias production → v5 (was v1)",
                    Some("fraud has no version 5")
                ),
            ]
        );
        assert_eq!(log.state.events[2].actor, "bob");
        assert_eq!(log.state.events[2].reason.as_deref(), Some("signed off"));
        assert_eq!(log.state.events[1].reason.as_deref(), Some("reason 2"));
    }

    /// A scripted history with known answers (clocks that disagree included).
    #[test]
    fn time_travel_on_a_scripted_history() {
        let mut log = Log::new("fraud");
        let script: &[(&str, Event)] = &[
            (
                "2026-10-01T09:00:00Z",
                Event::Register {
                    version: 1,
                    content_id: Digest::of(b""),
                    manifest: Box::new(dummy(1)),
                },
            ),
            ("2026-10-01T10:00:00Z", set("production", 1)),
            ("2026-10-01T11:00:00Z", deploy(1, "eu-prod", 100.0)),
            (
                "2026-10-02T09:00:00Z",
                Event::Register {
                    version: 2,
                    content_id: Digest::of(b""),
                    manifest: Box::new(dummy(2)),
                },
            ),
            ("2026-10-02T12:00:00Z", set("production", 2)),
            ("2026-10-02T12:00:00Z", deploy(1, "eu-prod", 90.0)),
            ("2026-10-02T12:30:00Z", deploy(2, "eu-prod", 10.0)),
            // This writer's clock runs 2 hours behind: seq order still wins.
            ("2026-10-02T11:00:00Z", status(2, Status::Validated)),
            ("2026-10-03T08:00:00Z", rollback("production", 1)),
            ("2026-10-03T08:05:00Z", undeploy(2, "eu-prod")),
        ];
        for (time, event) in script {
            let problems = log.at(Some(time), event.clone());
            assert!(problems.is_empty(), "{time}: {problems:?}");
        }
        let model = log.model.clone();
        let at = |time: &str| state_at(&log.entries, &model, t(time));
        let prod = alias("production");
        let eu = target("eu-prod");

        // Before the model existed: the empty state.
        let s = at("2026-09-30T00:00:00Z");
        assert_eq!(s.head, None);
        assert!(s.versions.is_empty());

        // Exactly at an entry's time: that entry is included.
        let s = at("2026-10-01T10:00:00Z");
        assert_eq!(s.head.unwrap().seq, 2);
        assert_eq!(s.alias_version(&prod), Some(1));
        assert!(s.deployments.is_empty());

        let s = at("2026-10-01T23:59:59Z");
        assert_eq!(s.alias_version(&prod), Some(1));
        assert_eq!(s.deployments[&eu], BTreeMap::from([(1, 100.0)]));
        assert_eq!(s.versions.len(), 1);

        // Two entries with the same time: both included.
        let s = at("2026-10-02T12:00:00Z");
        assert_eq!(s.head.unwrap().seq, 6);
        assert_eq!(s.alias_version(&prod), Some(2));
        assert_eq!(s.deployments[&eu], BTreeMap::from([(1, 90.0)]));

        // Between 12:30 and the late-clock entry: the entry at 12:30 (seq 7) is in; the
        // status entry (seq 8, stamped 11:00) comes after it in the log, so it is in too.
        let s = at("2026-10-02T12:45:00Z");
        assert_eq!(s.head.unwrap().seq, 8);
        assert_eq!(s.deployments[&eu], BTreeMap::from([(1, 90.0), (2, 10.0)]));
        assert_eq!(s.version(2).unwrap().status, Some(Status::Validated));

        // At 11:30 the status entry's own time has passed, but replay stops at seq 5
        // (12:00), the first entry later than 11:30: the status is not applied.
        let s = at("2026-10-02T11:30:00Z");
        assert_eq!(s.head.unwrap().seq, 4);
        assert_eq!(s.alias_version(&prod), Some(1));
        assert_eq!(s.version(2).unwrap().status, None);

        let s = at("2026-10-03T08:00:00Z");
        assert_eq!(s.alias_version(&prod), Some(1));
        assert_eq!(s.aliases[&prod].stack, [1]);
        assert_eq!(s.deployments[&eu], BTreeMap::from([(1, 90.0), (2, 10.0)]));

        // After the last entry: the full replay.
        let s = at("2027-01-01T00:00:00Z");
        assert_eq!(s, log.state);
        assert_eq!(s.deployments[&eu], BTreeMap::from([(1, 90.0)]));
    }

    fn dummy(version: u64) -> VersionManifest {
        VersionManifest {
            ..VersionManifest::new(
                ModelName::new("fraud").unwrap(),
                version,
                t("2026-10-01T00:00:00Z"),
                "ci",
            )
        }
    }
}
