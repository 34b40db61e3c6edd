//! The lifecycle rules shared by writers and replay: statuses and their transitions,
//! alias rollback, traffic shares, and the refusals that name what broke a rule.
//!
//! A writer checks an event with [`ModelIndex::check_event`](crate::ModelIndex::check_event)
//! before committing it; replay applies the same check and reports an event that fails it
//! as a problem, without applying it. So a log written by a correct writer replays without
//! problems, and a hand-written or concurrent event that breaks a rule is visible but inert.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::canonical::Timestamp;
use crate::documents::Event;
use crate::error::{ErrorKind, FormatError};
use crate::names::{AliasName, Key, ModelName, TargetName};

/// The most traffic a target can take, in percent.
pub const MAX_TRAFFIC: f64 = 100.0;
/// Tolerance when adding up the traffic shares of a target (floating-point sums).
pub const TRAFFIC_TOLERANCE: f64 = 1e-9;

/// Where a version stands in its lifecycle. A version that never had a status event is
/// [`Status::Draft`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Draft,
    Experimental,
    Validated,
    Production,
    Deprecated,
    Archived,
}

impl Status {
    /// Every status, in lifecycle order.
    pub const ALL: [Status; 6] = [
        Status::Draft,
        Status::Experimental,
        Status::Validated,
        Status::Production,
        Status::Deprecated,
        Status::Archived,
    ];

    /// The status as written: `draft`, `experimental`, …
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::Experimental => "experimental",
            Status::Validated => "validated",
            Status::Production => "production",
            Status::Deprecated => "deprecated",
            Status::Archived => "archived",
        }
    }

    /// The statuses a version in this status may move to (docs/format.md, §5.3).
    pub fn allowed_moves(self) -> &'static [Status] {
        use Status::*;
        match self {
            Draft => &[Experimental, Validated, Archived],
            Experimental => &[Validated, Deprecated, Archived, Draft],
            Validated => &[Production, Experimental, Deprecated, Archived],
            Production => &[Deprecated, Validated],
            Deprecated => &[Production, Archived],
            Archived => &[],
        }
    }

    /// Whether a version may move from this status to `next`. Never true for the same
    /// status: setting a status a version already has is refused.
    pub fn can_move_to(self, next: Status) -> bool {
        self.allowed_moves().contains(&next)
    }

    /// True for `archived`, which nothing leaves.
    pub fn is_final(self) -> bool {
        self.allowed_moves().is_empty()
    }

    /// Check a move of `model@version` from `from` (`None`: never set, i.e. draft) to `to`,
    /// with a message for the user when it is refused, e.g.
    /// `cannot move fraud@3 from archived to production: archived is final`.
    pub fn check_move(
        model: &ModelName,
        version: u64,
        from: Option<Status>,
        to: Status,
    ) -> Result<(), Refusal> {
        let from = from.unwrap_or(Status::Draft);
        if from == to {
            return Err(Refusal::SameStatus {
                model: model.clone(),
                version,
                status: to,
            });
        }
        if !from.can_move_to(to) {
            return Err(Refusal::Transition {
                model: model.clone(),
                version,
                from,
                to,
            });
        }
        Ok(())
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Status {
    type Err = FormatError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Status::ALL
            .into_iter()
            .find(|status| status.as_str() == s)
            .ok_or_else(|| {
                FormatError::new(ErrorKind::Value {
                    what: "status",
                    value: s.to_string(),
                    rule: format!("a status is one of {}", or_list(&Status::ALL)),
                })
            })
    }
}

/// `a, b or c`.
fn or_list(statuses: &[Status]) -> String {
    match statuses {
        [] => String::new(),
        [one] => one.to_string(),
        [init @ .., last] => {
            let init: Vec<&str> = init.iter().map(|s| s.as_str()).collect();
            format!("{} or {last}", init.join(", "))
        }
    }
}

fn move_hint(from: Status) -> String {
    if from.is_final() {
        format!("{from} is final")
    } else {
        format!(
            "from {from} a version can move to {}",
            or_list(from.allowed_moves())
        )
    }
}

/// A percentage for messages: at most 6 decimals, no trailing zeros (`10`, `33.333333`).
/// A share too small for 6 decimals is written in full in scientific notation (`1e-300`),
/// never as `0`: a recorded share is above 0.
pub fn percent(x: f64) -> String {
    let rounded = (x * 1e6).round() / 1e6;
    if rounded != 0.0 {
        rounded.to_string()
    } else if x == 0.0 {
        "0".to_string()
    } else {
        format!("{x:e}")
    }
}

/// The share of a target's traffic left when others take `others` percent; what
/// floating-point sums leave within [`TRAFFIC_TOLERANCE`] of nothing is nothing.
fn traffic_left(others: f64) -> f64 {
    let left = MAX_TRAFFIC - others;
    if left <= TRAFFIC_TOLERANCE { 0.0 } else { left }
}

/// How far in the future, by a writer's clock, an evaluation's `measured_at` may be:
/// clocks of machines disagree a little.
pub const MAX_CLOCK_SKEW_MS: i64 = 60_000;

/// The earliest `measured_at` of an evaluation: 1970-01-01T00:00:00Z (the Unix epoch).
/// Nothing was measured before; an earlier time is a typo or a broken clock.
pub const EARLIEST_MEASURED_AT_MS: i64 = 0;

/// Check the time an evaluation says its metrics were measured, against the writer's
/// clock `now`: not after `now` (plus [`MAX_CLOCK_SKEW_MS`]), since an evaluation records
/// metrics already measured, and not before [`EARLIEST_MEASURED_AT_MS`]. A writer checks
/// this before committing; replay does not (it has no clock).
pub fn check_measured_at(measured_at: Timestamp, now: Timestamp) -> Result<(), Refusal> {
    if measured_at.millis() > now.millis() + MAX_CLOCK_SKEW_MS {
        return Err(Refusal::MeasuredInFuture { measured_at, now });
    }
    if measured_at.millis() < EARLIEST_MEASURED_AT_MS {
        return Err(Refusal::MeasuredTooEarly { measured_at });
    }
    Ok(())
}

/// The checks a writer makes of a new event against its own clock `now`, besides
/// [`ModelIndex::check_event`](crate::ModelIndex::check_event): an evaluation's
/// `measured_at` ([`check_measured_at`]). Replay does not repeat them (it has no clock),
/// and a library caller recording history on purpose (a test fixture, an import) may
/// skip them; `shelf` applies them to every event it records.
pub fn check_clock(event: &Event, now: Timestamp) -> Result<(), Refusal> {
    match event {
        Event::Evaluation { measured_at, .. } => check_measured_at(*measured_at, now),
        _ => Ok(()),
    }
}

/// What `shelf alias set --expect-current` expects an alias to point at now: a version,
/// or nothing (`none`: the alias is not set).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExpectCurrent {
    /// The alias is not set.
    Unset,
    /// The alias points at this version.
    Version(u64),
}

impl ExpectCurrent {
    /// The state of an alias that points at `current` (`None`: unset).
    pub fn of(current: Option<u64>) -> Self {
        current.map_or(ExpectCurrent::Unset, ExpectCurrent::Version)
    }

    /// Whether an alias that points at `current` is as expected.
    pub fn matches(self, current: Option<u64>) -> bool {
        self == ExpectCurrent::of(current)
    }
}

impl fmt::Display for ExpectCurrent {
    /// `v7`, or `unset`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExpectCurrent::Unset => f.write_str("unset"),
            ExpectCurrent::Version(v) => write!(f, "v{v}"),
        }
    }
}

impl FromStr for ExpectCurrent {
    type Err = FormatError;
    /// `7` or `v7` (a version number from 1), or `none`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s == "none" {
            return Ok(ExpectCurrent::Unset);
        }
        let digits = s.strip_prefix('v').unwrap_or(s);
        match digits.parse::<u64>() {
            Ok(v) if v > 0 && digits.bytes().all(|b| b.is_ascii_digit()) => {
                Ok(ExpectCurrent::Version(v))
            }
            _ => Err(FormatError::new(ErrorKind::Value {
                what: "expected version",
                value: s.to_string(),
                rule: "the version an alias is expected to point at is a version number from 1 (`7` or `v7`), or `none` for an unset alias".into(),
            })),
        }
    }
}

/// Why a lifecycle event cannot be applied to a model's current state. Writers show it
/// and write nothing; replay reports it as [`ReplayProblem::Refused`](crate::ReplayProblem)
/// and skips the event. The message names the model, the version and the rule.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Refusal {
    /// The event names a version that is not registered.
    #[error("{model} has no version {version}")]
    NoSuchVersion { model: ModelName, version: u64 },
    /// Unset or rollback of an alias that is not set.
    #[error("{model} has no alias {alias}")]
    AliasNotSet { model: ModelName, alias: AliasName },
    /// Rollback of an alias that has pointed to one version only since it was set.
    #[error(
        "cannot roll back {model}@{alias}: it has pointed only to v{current} since it was set, so there is nothing to roll back to"
    )]
    NothingToRollBack {
        model: ModelName,
        alias: AliasName,
        current: u64,
    },
    /// A rollback event that does not go to the version before the current one.
    #[error(
        "a rollback of {model}@{alias} goes back to v{expected} (the version before v{current}), not to v{found}"
    )]
    WrongRollbackTarget {
        model: ModelName,
        alias: AliasName,
        current: u64,
        expected: u64,
        found: u64,
    },
    /// Setting the status a version already has.
    #[error("{model}@{version} is already {status}")]
    SameStatus {
        model: ModelName,
        version: u64,
        status: Status,
    },
    /// A status move the transition table does not allow.
    #[error("cannot move {model}@{version} from {from} to {to}: {}", move_hint(*from))]
    Transition {
        model: ModelName,
        version: u64,
        from: Status,
        to: Status,
    },
    /// Untag of a key the version has no tag for.
    #[error("{model}@{version} has no tag {key}")]
    NotTagged {
        model: ModelName,
        version: u64,
        key: Key,
    },
    /// An evaluation without metrics.
    #[error("an evaluation of {model}@{version} records at least one metric")]
    NoMetrics { model: ModelName, version: u64 },
    /// An evaluation metric that is NaN or infinite.
    #[error("metric {key} of an evaluation is {value}; a metric value must be a finite number")]
    MetricNotFinite { key: Key, value: f64 },
    /// A traffic share outside `0 < traffic ≤ 100`.
    #[error("traffic is a percentage above 0 and at most 100, not {traffic}")]
    TrafficRange { traffic: f64 },
    /// A deployment that would take a target's total traffic over 100%.
    #[error(
        "cannot deploy {model}@{version} to {target} at {}%: other versions already take {}% of its traffic, so at most {}% is left",
        percent(*traffic),
        percent(*others),
        percent(traffic_left(*others))
    )]
    TrafficOverLimit {
        model: ModelName,
        version: u64,
        target: TargetName,
        traffic: f64,
        /// The sum of the other versions' shares on the target.
        others: f64,
    },
    /// An evaluation measured after the writer's clock (beyond the skew allowed).
    #[error(
        "an evaluation's time {measured_at} is in the future (now is {now}): an evaluation records metrics already measured"
    )]
    MeasuredInFuture {
        measured_at: Timestamp,
        now: Timestamp,
    },
    /// An evaluation measured before the Unix epoch.
    #[error(
        "an evaluation's time {measured_at} is before 1970-01-01T00:00:00Z: it is when the metrics were measured"
    )]
    MeasuredTooEarly { measured_at: Timestamp },
    /// Undeployment of a version that is not deployed to the target.
    #[error("{model}@{version} is not deployed to {target}")]
    NotDeployed {
        model: ModelName,
        version: u64,
        target: TargetName,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The transition table exactly as docs/format.md §5.3 prints it.
    const DOCUMENTED: &str = "
        draft        -> experimental validated archived
        experimental -> validated deprecated archived draft
        validated    -> production experimental deprecated archived
        production   -> deprecated validated
        deprecated   -> production archived
        archived     ->
    ";

    #[test]
    fn transitions_match_the_documented_table_exhaustively() {
        let mut table = std::collections::BTreeMap::new();
        for line in DOCUMENTED.lines().filter(|l| !l.trim().is_empty()) {
            let (from, to) = line.split_once("->").unwrap();
            let from: Status = from.trim().parse().unwrap();
            let to: Vec<Status> = to.split_whitespace().map(|s| s.parse().unwrap()).collect();
            table.insert(from, to);
        }
        assert_eq!(table.len(), Status::ALL.len());
        let model = ModelName::new("fraud").unwrap();
        for from in Status::ALL {
            for to in Status::ALL {
                let documented = table[&from].contains(&to);
                assert_eq!(from.can_move_to(to), documented, "{from} -> {to}");
                let checked = Status::check_move(&model, 3, Some(from), to);
                assert_eq!(checked.is_ok(), documented, "{from} -> {to}: {checked:?}");
                if from == to {
                    assert_eq!(
                        checked.unwrap_err().to_string(),
                        format!("fraud@3 is already {to}")
                    );
                }
            }
            assert_eq!(from.is_final(), from == Status::Archived);
        }
        // The spec's table in docs/format.md says the same (its rows are checked here).
        let spec = include_str!("../../docs/format.md");
        for from in Status::ALL {
            let cells: Vec<String> = table[&from].iter().map(|s| format!("`{s}`")).collect();
            let row = if cells.is_empty() {
                format!("| `{from}` | nothing: `{from}` is final |")
            } else {
                format!("| `{from}` | {} |", cells.join(", "))
            };
            assert!(spec.contains(&row), "docs/format.md lacks the row {row}");
        }
    }

    #[test]
    fn transition_messages() {
        let model = ModelName::new("fraud").unwrap();
        let msg = |from, to| {
            Status::check_move(&model, 3, from, to)
                .unwrap_err()
                .to_string()
        };
        assert_eq!(
            msg(Some(Status::Archived), Status::Production),
            "cannot move fraud@3 from archived to production: archived is final"
        );
        assert_eq!(
            msg(None, Status::Production),
            "cannot move fraud@3 from draft to production: from draft a version can move to experimental, validated or archived"
        );
        assert_eq!(msg(None, Status::Draft), "fraud@3 is already draft");
        assert!(Status::check_move(&model, 3, None, Status::Validated).is_ok());
    }

    #[test]
    fn statuses_are_written_lowercase() {
        for s in Status::ALL {
            let json = serde_json::to_string(&s).unwrap();
            assert_eq!(json, format!("\"{}\"", s.as_str()));
            assert_eq!(serde_json::from_str::<Status>(&json).unwrap(), s);
            assert_eq!(s.as_str().parse::<Status>().unwrap(), s);
        }
        let err = "Production".parse::<Status>().unwrap_err().to_string();
        assert_eq!(
            err,
            "invalid status \"Production\": a status is one of draft, experimental, validated, production, deprecated or archived"
        );
        assert!(serde_json::from_str::<Status>("\"retired\"").is_err());
    }

    #[test]
    fn percentages_in_messages() {
        assert_eq!(percent(10.0), "10");
        assert_eq!(percent(12.5), "12.5");
        assert_eq!(percent(100.0 / 3.0), "33.333333");
        assert_eq!(percent(0.0), "0");
        // A share too small for 6 decimals is shown as it is, never as "0".
        assert_eq!(percent(1e-300), "1e-300");
        assert_eq!(percent(1.5e-7), "1.5e-7");
        // What floating-point sums leave of a full target is nothing.
        assert_eq!(percent(traffic_left(100.0 - 1e-12)), "0");
        assert_eq!(percent(traffic_left(60.0)), "40");
    }

    #[test]
    fn an_evaluation_is_measured_between_the_epoch_and_now() {
        let now: Timestamp = "2026-11-01T12:00:00Z".parse().unwrap();
        let at = |s: &str| check_measured_at(s.parse().unwrap(), now);
        assert!(at("2026-11-01T12:00:00Z").is_ok());
        assert!(at("2026-11-01T12:00:59Z").is_ok(), "clock skew");
        assert!(at("1970-01-01T00:00:00Z").is_ok());
        assert_eq!(
            at("2999-01-01T00:00:00Z").unwrap_err().to_string(),
            "an evaluation's time 2999-01-01T00:00:00.000Z is in the future (now is 2026-11-01T12:00:00.000Z): an evaluation records metrics already measured"
        );
        assert!(matches!(
            at("2026-11-01T12:01:01Z"),
            Err(Refusal::MeasuredInFuture { .. })
        ));
        assert_eq!(
            at("0000-01-01T00:00:00Z").unwrap_err().to_string(),
            "an evaluation's time 0000-01-01T00:00:00.000Z is before 1970-01-01T00:00:00Z: it is when the metrics were measured"
        );
        assert!(at("1969-12-31T23:59:59.999Z").is_err());
    }

    #[test]
    fn expected_alias_states() {
        assert_eq!(
            "none".parse::<ExpectCurrent>().unwrap(),
            ExpectCurrent::Unset
        );
        assert_eq!(
            "7".parse::<ExpectCurrent>().unwrap(),
            ExpectCurrent::Version(7)
        );
        assert_eq!(
            "v7".parse::<ExpectCurrent>().unwrap(),
            ExpectCurrent::Version(7)
        );
        for bad in ["two", "0", "v0", "", "v", "+7", "-1", "7a", "None", "vv7"] {
            let err = bad.parse::<ExpectCurrent>().unwrap_err().to_string();
            assert!(
                err.starts_with(&format!("invalid expected version {bad:?}: ")),
                "{err}"
            );
        }
        assert!(ExpectCurrent::Unset.matches(None));
        assert!(!ExpectCurrent::Unset.matches(Some(1)));
        assert!(ExpectCurrent::Version(2).matches(Some(2)));
        assert!(!ExpectCurrent::Version(2).matches(Some(1)));
        assert_eq!(ExpectCurrent::of(Some(5)).to_string(), "v5");
        assert_eq!(ExpectCurrent::of(None).to_string(), "unset");
    }
}
