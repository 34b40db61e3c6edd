//! The search language of the catalog, shared by the web app and the CLI.
//!
//! ```text
//! fraud                 a word: in the name, description, author, a label, an alias, the
//!                       status or a tag
//! f1>0.8  auc>=0.9      a metric condition: > >= < <= = != against a number; a name without
//!                       a split (`f1`) also matches its split forms (`test.f1`, `val.f1`)
//! team=risk             a label with that value, as the page shows labels (also
//!                       label:team=risk;  label:team  a label present)
//! alias:production      the models with that alias
//! status:production     the models whose latest version has that status
//! tag:reviewed  tag:ticket=RISK-230   a tag of the latest version (present, or with that value)
//! author:alice          the author of the latest version (also by:alice);  name:fraud  the name
//! kind:dataset          datasets only;  kind:model  models only
//! updated:<7d           updated in the last 7 days (h, d, w);  updated:>30d  not since then
//! since:2026-11-01      updated on or after that day (UTC) or time;  before:2026-11-01
//! -word  -label:x=y     negation of any term
//! a b OR c d            terms are ANDed; OR separates alternatives
//! ```
//!
//! Words match case-insensitively as substrings; names after `alias:`, `status:`, `tag:`
//! and `label:` match whole. A term that doesn't parse (`f1>high`, `owner:bob`) is
//! reported, naming the term and the rule, and ignored.

use std::fmt;

use std::collections::BTreeMap;

use crate::canonical::Timestamp;
use crate::documents::{CatalogEntry, VersionSummary};
use crate::lifecycle::Status;
use crate::names::{AliasName, Key, ModelName};
use crate::provenance::Subject as Kind;

/// A comparison of a metric with a number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Gt,
    Ge,
    Lt,
    Le,
    Eq,
    Ne,
}

impl Op {
    fn holds(self, left: f64, right: f64) -> bool {
        match self {
            Op::Gt => left > right,
            Op::Ge => left >= right,
            Op::Lt => left < right,
            Op::Le => left <= right,
            Op::Eq => left == right,
            Op::Ne => left != right,
        }
    }
}

/// One condition of a query.
#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    Text(String),
    Name(String),
    Author(String),
    Label {
        key: String,
        value: Option<String>,
    },
    Metric {
        key: String,
        op: Op,
        value: f64,
    },
    /// A model or a dataset (the `subject` of the latest version; a name without
    /// versions counts as a model).
    Kind(Kind),
    /// The model has this alias.
    Alias(String),
    /// The latest version has this status (never set: draft).
    Status(Status),
    /// A tag of the latest version, with that value if given.
    Tag {
        key: String,
        value: Option<String>,
    },
    /// Last updated at or after this time (milliseconds since the epoch).
    UpdatedSince(i64),
    /// Last updated before this time.
    UpdatedBefore(i64),
    /// Any of these (`team=0.5`: a label with that value or a metric equal to it).
    Any(Vec<Condition>),
}

/// The prefixes a term may have, for the message about an unknown one.
const PREFIXES: &str =
    "alias:, status:, tag:, label:, author:, by:, name:, kind:, updated:, since:, before:";

/// A condition, possibly negated.
#[derive(Debug, Clone, PartialEq)]
pub struct Term {
    pub negated: bool,
    pub condition: Condition,
}

/// A parsed query: alternatives (OR) of conjunctions (AND) of terms.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Query {
    pub alternatives: Vec<Vec<Term>>,
    /// Terms that did not parse, with why; they are ignored.
    pub errors: Vec<String>,
}

/// What a query is matched against: a model, its latest version, its aliases and when it
/// was last updated.
#[derive(Debug, Clone, Copy)]
pub struct Subject<'a> {
    pub name: &'a str,
    pub latest: Option<&'a VersionSummary>,
    pub aliases: Option<&'a BTreeMap<AliasName, u64>>,
    pub updated_at: Option<Timestamp>,
}

impl<'a> Subject<'a> {
    pub fn new(name: &'a ModelName, latest: Option<&'a VersionSummary>) -> Self {
        Subject {
            name: name.as_str(),
            latest,
            aliases: None,
            updated_at: None,
        }
    }

    /// A model as the catalog lists it.
    pub fn of(name: &'a ModelName, entry: &'a CatalogEntry) -> Self {
        Subject {
            name: name.as_str(),
            latest: entry.latest.as_ref(),
            aliases: Some(&entry.aliases),
            updated_at: Some(entry.updated_at),
        }
    }
}

/// `7d`, `12h`, `2w` in milliseconds.
fn parse_age(s: &str) -> Option<i64> {
    let unit = match s.chars().last()? {
        'h' => 3_600_000,
        'd' => 86_400_000,
        'w' => 7 * 86_400_000,
        _ => return None,
    };
    let n: i64 = s[..s.len() - 1].parse().ok().filter(|n| *n >= 0)?;
    n.checked_mul(unit)
}

/// `2026-11-01` (midnight UTC) or a full RFC 3339 time, in milliseconds.
fn parse_when(s: &str) -> Option<i64> {
    let full = if s.len() == 10 {
        format!("{s}T00:00:00Z")
    } else {
        s.to_uppercase()
    };
    full.parse::<Timestamp>().ok().map(|t| t.millis())
}

fn parse_op(s: &str) -> Option<(usize, usize, Op)> {
    // Two-character operators first.
    for (pat, op) in [(">=", Op::Ge), ("<=", Op::Le), ("!=", Op::Ne)] {
        if let Some(i) = s.find(pat) {
            return Some((i, i + 2, op));
        }
    }
    for (pat, op) in [('>', Op::Gt), ('<', Op::Lt), ('=', Op::Eq)] {
        if let Some(i) = s.find(pat) {
            return Some((i, i + 1, op));
        }
    }
    None
}

/// `KEY` or `KEY=VALUE` after a prefix, lower-cased.
fn key_value(rest: &str) -> Option<(String, Option<String>)> {
    match rest.split_once('=') {
        Some((k, v)) if !k.is_empty() => Some((k.to_lowercase(), Some(v.to_lowercase()))),
        None if !rest.is_empty() => Some((rest.to_lowercase(), None)),
        _ => None,
    }
}

fn parse_term(raw: &str, now: Option<Timestamp>) -> Result<Term, String> {
    let (negated, body) = match raw.strip_prefix('-') {
        Some(rest) if !rest.is_empty() => (true, rest),
        _ => (false, raw),
    };
    let lower = body.to_lowercase();
    let condition = if let Some(rest) = lower.strip_prefix("alias:") {
        if rest.is_empty() {
            return Err(format!("{raw}: expected alias:NAME"));
        }
        Condition::Alias(rest.to_string())
    } else if let Some(rest) = lower.strip_prefix("status:") {
        match serde_json::from_value::<Status>(serde_json::Value::String(rest.to_string())) {
            Ok(status) => Condition::Status(status),
            Err(_) => {
                return Err(format!(
                    "{raw}: expected status:S, S one of draft, experimental, validated, production, deprecated, archived"
                ));
            }
        }
    } else if let Some(rest) = lower.strip_prefix("tag:").map(|_| &body["tag:".len()..]) {
        match key_value(rest) {
            Some((key, value)) => Condition::Tag { key, value },
            None => return Err(format!("{raw}: expected tag:KEY or tag:KEY=VALUE")),
        }
    } else if let Some(rest) = lower.strip_prefix("updated:") {
        let (since, age) = match rest.as_bytes().first() {
            Some(b'<') => (true, &rest[1..]),
            Some(b'>') => (false, &rest[1..]),
            _ => (true, rest),
        };
        let Some(age) = parse_age(age) else {
            return Err(format!(
                "{raw}: expected updated:<AGE or updated:>AGE, AGE like 12h, 7d, 2w"
            ));
        };
        let Some(now) = now else {
            return Err(format!("{raw}: an age needs the current time"));
        };
        let at = now.millis().saturating_sub(age);
        if since {
            Condition::UpdatedSince(at)
        } else {
            Condition::UpdatedBefore(at)
        }
    } else if let Some((prefix, rest)) = ["since:", "after:", "before:"]
        .iter()
        .find_map(|p| lower.strip_prefix(p).map(|rest| (*p, rest)))
    {
        let Some(at) = parse_when(rest) else {
            return Err(format!(
                "{raw}: expected {prefix}DATE, DATE like 2026-11-01 or 2026-11-01T12:00:00Z"
            ));
        };
        if prefix == "before:" {
            Condition::UpdatedBefore(at)
        } else {
            Condition::UpdatedSince(at)
        }
    } else if let Some(rest) = lower
        .strip_prefix("label:")
        .map(|_| &body["label:".len()..])
    {
        match rest.split_once('=') {
            Some((k, v)) if !k.is_empty() => Condition::Label {
                key: k.to_lowercase(),
                value: Some(v.to_lowercase()),
            },
            None if !rest.is_empty() => Condition::Label {
                key: rest.to_lowercase(),
                value: None,
            },
            _ => return Err(format!("{raw}: expected label:KEY or label:KEY=VALUE")),
        }
    } else if let Some(rest) = lower
        .strip_prefix("author:")
        .or_else(|| lower.strip_prefix("by:"))
    {
        if rest.is_empty() {
            return Err(format!("{raw}: expected author:NAME"));
        }
        Condition::Author(rest.to_string())
    } else if let Some(rest) = lower.strip_prefix("kind:") {
        match rest {
            "model" | "models" => Condition::Kind(Kind::Model),
            "dataset" | "datasets" => Condition::Kind(Kind::Dataset),
            _ => return Err(format!("{raw}: expected kind:model or kind:dataset")),
        }
    } else if let Some(rest) = lower.strip_prefix("name:") {
        if rest.is_empty() {
            return Err(format!("{raw}: expected name:TEXT"));
        }
        Condition::Name(rest.to_string())
    } else if let Some((start, end, op)) = parse_op(body) {
        let key = &body[..start];
        let value = &body[end..];
        if key.is_empty() || Key::new(key).is_err() {
            return Err(format!(
                "{raw}: expected a metric or label name before the comparison"
            ));
        }
        let label = Condition::Label {
            key: key.to_lowercase(),
            value: Some(value.to_lowercase()),
        };
        match (value.parse::<f64>(), op) {
            (Ok(v), Op::Eq) if v.is_finite() => Condition::Any(vec![
                Condition::Metric {
                    key: key.to_string(),
                    op,
                    value: v,
                },
                label,
            ]),
            (Ok(v), _) if v.is_finite() => Condition::Metric {
                key: key.to_string(),
                op,
                value: v,
            },
            // `team=risk`: a label, as the page shows labels.
            (_, Op::Eq) if !value.is_empty() => label,
            _ => return Err(format!("{raw}: expected a number after the comparison")),
        }
    } else if let Some((prefix, _)) = lower
        .split_once(':')
        .filter(|(p, _)| !p.is_empty() && p.chars().all(|c| c.is_ascii_alphabetic()))
    {
        return Err(format!("{raw}: unknown term {prefix}: (known: {PREFIXES})"));
    } else {
        Condition::Text(lower)
    };
    Ok(Term { negated, condition })
}

impl Query {
    /// Parse a query without the current time (ages such as `updated:<7d` are errors).
    /// Never fails: bad terms are listed in `errors` and ignored.
    pub fn parse(text: &str) -> Query {
        Query::parse_at(text, None)
    }

    /// Parse a query; `now` resolves ages (`updated:<7d`). Never fails: bad terms are
    /// listed in `errors` and ignored.
    pub fn parse_at(text: &str, now: Option<Timestamp>) -> Query {
        let mut query = Query::default();
        let mut current = Vec::new();
        for token in text.split_whitespace() {
            if token == "OR" || token == "|" {
                if !current.is_empty() {
                    query.alternatives.push(std::mem::take(&mut current));
                }
                continue;
            }
            match parse_term(token, now) {
                Ok(term) => current.push(term),
                Err(e) => query.errors.push(e),
            }
        }
        if !current.is_empty() {
            query.alternatives.push(current);
        }
        query
    }

    /// True for a query with no terms: everything matches.
    pub fn is_empty(&self) -> bool {
        self.alternatives.is_empty()
    }

    /// Whether `subject` matches.
    pub fn matches(&self, subject: &Subject<'_>) -> bool {
        self.matches_prepared(&Prepared::new(subject))
    }

    /// Whether a prepared subject matches (no allocation per comparison: prepare every
    /// model once, then match each keystroke's query against all of them).
    pub fn matches_prepared(&self, p: &Prepared) -> bool {
        self.is_empty()
            || self
                .alternatives
                .iter()
                .any(|all| all.iter().all(|t| t.condition.matches(p) != t.negated))
    }
}

/// A model's searchable text, lower-cased once.
#[derive(Debug, Clone, PartialEq)]
pub struct Prepared {
    name: String,
    description: String,
    author: String,
    labels: Vec<(String, String)>,
    metrics: Vec<(String, f64)>,
    kind: Kind,
    aliases: Vec<String>,
    status: Status,
    tags: Vec<(String, String)>,
    updated_at: Option<i64>,
}

impl Prepared {
    pub fn new(subject: &Subject<'_>) -> Self {
        let v = subject.latest;
        Prepared {
            name: subject.name.to_lowercase(),
            description: v.map(|v| v.description.to_lowercase()).unwrap_or_default(),
            author: v.map(|v| v.created_by.to_lowercase()).unwrap_or_default(),
            labels: v
                .map(|v| {
                    v.labels
                        .iter()
                        .map(|(k, x)| (k.as_str().to_lowercase(), x.to_lowercase()))
                        .collect()
                })
                .unwrap_or_default(),
            metrics: v
                .map(|v| v.metrics.iter().map(|(k, x)| (k.to_string(), *x)).collect())
                .unwrap_or_default(),
            kind: v.map(|v| v.subject).unwrap_or_default(),
            aliases: subject
                .aliases
                .map(|a| a.keys().map(|k| k.as_str().to_lowercase()).collect())
                .unwrap_or_default(),
            status: v.map_or(Status::Draft, |v| v.effective_status()),
            tags: v
                .map(|v| {
                    v.tags
                        .iter()
                        .map(|(k, x)| (k.as_str().to_lowercase(), x.to_lowercase()))
                        .collect()
                })
                .unwrap_or_default(),
            updated_at: subject
                .updated_at
                .or(v.map(|v| v.created_at))
                .map(|t| t.millis()),
        }
    }
}

impl Condition {
    fn matches(&self, p: &Prepared) -> bool {
        match self {
            Condition::Text(word) => {
                let word = word.as_str();
                p.name.contains(word)
                    || p.description.contains(word)
                    || p.author.contains(word)
                    || p.labels
                        .iter()
                        .chain(&p.tags)
                        .any(|(k, v)| k.contains(word) || v.contains(word))
                    || p.aliases.iter().any(|a| a.contains(word))
                    || p.status.as_str().contains(word)
            }
            Condition::Name(word) => p.name.contains(word.as_str()),
            Condition::Author(word) => p.author.contains(word.as_str()),
            Condition::Label { key, value } => p
                .labels
                .iter()
                .any(|(k, v)| k == key && value.as_ref().is_none_or(|want| v == want)),
            Condition::Metric { key, op, value } => {
                // The key itself, else (for a key without a split) its split forms.
                let exact: Vec<f64> = p
                    .metrics
                    .iter()
                    .filter(|(k, _)| k == key)
                    .map(|(_, x)| *x)
                    .collect();
                let candidates = if exact.is_empty() && !key.contains('.') {
                    p.metrics
                        .iter()
                        .filter(|(k, _)| k.rsplit('.').next() == Some(key.as_str()))
                        .map(|(_, x)| *x)
                        .collect()
                } else {
                    exact
                };
                candidates.into_iter().any(|x| op.holds(x, *value))
            }
            Condition::Kind(kind) => p.kind == *kind,
            Condition::Alias(alias) => p.aliases.iter().any(|a| a == alias),
            Condition::Status(status) => p.status == *status,
            Condition::Tag { key, value } => p
                .tags
                .iter()
                .any(|(k, v)| k == key && value.as_ref().is_none_or(|want| v == want)),
            Condition::UpdatedSince(at) => p.updated_at.is_some_and(|u| u >= *at),
            Condition::UpdatedBefore(at) => p.updated_at.is_some_and(|u| u < *at),
            Condition::Any(any) => any.iter().any(|c| c.matches(p)),
        }
    }
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Op::Gt => ">",
            Op::Ge => ">=",
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Eq => "=",
            Op::Ne => "!=",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::canonical::Digest;

    fn summary(
        author: &str,
        description: &str,
        metrics: &[(&str, f64)],
        labels: &[(&str, &str)],
    ) -> VersionSummary {
        VersionSummary {
            version: 1,
            content_id: Digest::of(b"x"),
            seq: 1,
            created_at: "2026-11-01T00:00:00Z".parse().unwrap(),
            created_by: author.into(),
            description: description.into(),
            metrics: metrics
                .iter()
                .map(|(k, v)| (Key::new(*k).unwrap(), *v))
                .collect(),
            labels: labels
                .iter()
                .map(|(k, v)| (Key::new(*k).unwrap(), v.to_string()))
                .collect(),
            artifacts: 1,
            size: 1,
            status: None,
            tags: Default::default(),
            evaluations: Vec::new(),
            parent: None,
            branch: None,
            subject: Default::default(),
            datasets: Vec::new(),
            idempotency_key: None,
        }
    }

    /// The names whose latest version `query` matches.
    fn matching<'a>(entries: &[(&'a str, Option<&VersionSummary>)], query: &str) -> Vec<&'a str> {
        let q = Query::parse(query);
        entries
            .iter()
            .filter(|(name, latest)| {
                q.matches(&Subject {
                    name,
                    latest: *latest,
                    aliases: None,
                    updated_at: None,
                })
            })
            .map(|(name, _)| *name)
            .collect()
    }

    fn hits(query: &str) -> Vec<&'static str> {
        let fraud = summary(
            "Alice",
            "Gradient boosted trees",
            &[("f1", 0.84), ("auc", 0.95)],
            &[("team", "Fraud")],
        );
        let demand = summary(
            "chen",
            "LightGBM weekly demand",
            &[("mape", 0.12), ("f1", 0.5)],
            &[("team", "supply")],
        );
        let models = [
            ("fraud-detector", Some(&fraud)),
            ("demand-forecaster", Some(&demand)),
            ("empty", None),
        ];
        matching(&models, query)
    }

    #[test]
    fn words_metrics_labels_authors() {
        assert_eq!(hits(""), ["fraud-detector", "demand-forecaster", "empty"]);
        assert_eq!(hits("FRAUD"), ["fraud-detector"]);
        assert_eq!(hits("boosted"), ["fraud-detector"]);
        assert_eq!(hits("f1>0.8"), ["fraud-detector"]);
        assert_eq!(hits("f1>=0.5"), ["fraud-detector", "demand-forecaster"]);
        assert_eq!(hits("f1<0.5"), Vec::<&str>::new());
        assert_eq!(hits("mape<=0.12"), ["demand-forecaster"]);
        assert_eq!(hits("label:team=fraud"), ["fraud-detector"]);
        assert_eq!(hits("label:team"), ["fraud-detector", "demand-forecaster"]);
        assert_eq!(hits("author:chen"), ["demand-forecaster"]);
        assert_eq!(hits("by:alice"), ["fraud-detector"]);
        assert_eq!(
            hits("name:e"),
            ["fraud-detector", "demand-forecaster", "empty"]
        );
        assert_eq!(hits("-fraud"), ["demand-forecaster", "empty"]);
    }

    #[test]
    fn and_or() {
        assert_eq!(hits("f1>0.8 label:team=fraud"), ["fraud-detector"]);
        assert_eq!(hits("f1>0.8 label:team=supply"), Vec::<&str>::new());
        assert_eq!(
            hits("f1>0.8 OR mape<0.2"),
            ["fraud-detector", "demand-forecaster"]
        );
        assert_eq!(hits("OR empty OR"), ["empty"]);
    }

    #[test]
    fn bad_terms_are_reported_and_ignored() {
        let q = Query::parse("f1>high fraud label:");
        assert_eq!(q.errors.len(), 2, "{:?}", q.errors);
        assert!(q.errors[0].contains("expected a number"));
        assert_eq!(hits("f1>high fraud"), ["fraud-detector"]);
    }

    #[test]
    fn kind_separates_models_and_datasets() {
        let model = summary("alice", "fraud model", &[("f1", 0.9)], &[]);
        let mut data = summary("alice", "fraud transactions", &[("rows", 6000.0)], &[]);
        data.subject = Kind::Dataset;
        let entries = [
            ("fraud-detector", Some(&model)),
            ("fraud-transactions", Some(&data)),
            ("empty", None),
        ];
        let hits = |query: &str| -> Vec<&str> {
            assert!(Query::parse(query).errors.is_empty(), "{query}");
            matching(&entries, query)
        };
        assert_eq!(hits("kind:dataset"), ["fraud-transactions"]);
        assert_eq!(hits("KIND:Datasets"), ["fraud-transactions"]);
        // A name without versions has no subject yet: it counts as a model.
        assert_eq!(hits("kind:model"), ["fraud-detector", "empty"]);
        assert_eq!(hits("-kind:dataset fraud"), ["fraud-detector"]);
        assert_eq!(
            hits("kind:dataset OR f1>0.5"),
            ["fraud-detector", "fraud-transactions"]
        );
        assert_eq!(hits("fraud kind:dataset"), ["fraud-transactions"]);
        let q = Query::parse("kind:table fraud");
        assert_eq!(
            q.errors,
            ["kind:table: expected kind:model or kind:dataset"]
        );
        assert_eq!(q.alternatives.len(), 1);
        assert_eq!(q.alternatives[0].len(), 1);
    }

    /// The catalog of the UX review: what release managers ask for.
    fn catalog_hits(query: &str) -> Vec<&'static str> {
        let mut fraud = summary(
            "alice",
            "Gradient boosted trees",
            &[("test.f1", 0.84), ("val.f1", 0.8)],
            &[("team", "risk")],
        );
        fraud.status = Some(Status::Production);
        fraud
            .tags
            .insert(Key::new("ticket").unwrap(), "RISK-230".into());
        let demand = summary(
            "chen",
            "weekly demand",
            &[("f1", 0.5)],
            &[("team", "supply")],
        );
        let entry =
            |latest: &VersionSummary, aliases: &[(&str, u64)], updated: &str| CatalogEntry {
                head: crate::documents::LogHead {
                    seq: 1,
                    digest: Digest::of(b"x"),
                },
                versions: 1,
                created_at: "2026-10-01T00:00:00Z".parse().unwrap(),
                updated_at: updated.parse().unwrap(),
                latest: Some(latest.clone()),
                aliases: aliases
                    .iter()
                    .map(|(a, v)| (AliasName::new(*a).unwrap(), *v))
                    .collect(),
                uses: Vec::new(),
            };
        let models = [
            (
                ModelName::new("fraud-detector").unwrap(),
                entry(
                    &fraud,
                    &[("production", 3), ("staging", 4)],
                    "2026-11-30T10:00:00Z",
                ),
            ),
            (
                ModelName::new("demand-forecaster").unwrap(),
                entry(&demand, &[("staging", 2)], "2026-11-01T00:00:00Z"),
            ),
        ];
        let now: Timestamp = "2026-12-04T00:00:00Z".parse().unwrap();
        let q = Query::parse_at(query, Some(now));
        assert!(q.errors.is_empty(), "{query}: {:?}", q.errors);
        models
            .iter()
            .filter(|(name, entry)| q.matches(&Subject::of(name, entry)))
            .map(|(name, _)| {
                if name.as_str() == "fraud-detector" {
                    "fraud-detector"
                } else {
                    "demand-forecaster"
                }
            })
            .collect()
    }

    #[test]
    fn aliases_statuses_tags_and_times() {
        let none = Vec::<&str>::new();
        // A word finds aliases and statuses too.
        assert_eq!(catalog_hits("production"), ["fraud-detector"]);
        assert_eq!(
            catalog_hits("staging"),
            ["fraud-detector", "demand-forecaster"]
        );
        assert_eq!(catalog_hits("alias:production"), ["fraud-detector"]);
        assert_eq!(catalog_hits("alias:PRODUCTION"), ["fraud-detector"]);
        assert_eq!(catalog_hits("alias:prod"), none, "alias names match whole");
        assert_eq!(catalog_hits("-alias:production"), ["demand-forecaster"]);
        assert_eq!(catalog_hits("status:production"), ["fraud-detector"]);
        assert_eq!(catalog_hits("status:draft"), ["demand-forecaster"]);
        assert_eq!(catalog_hits("tag:ticket"), ["fraud-detector"]);
        assert_eq!(catalog_hits("tag:ticket=risk-230"), ["fraud-detector"]);
        assert_eq!(catalog_hits("RISK-230"), ["fraud-detector"]);
        assert_eq!(catalog_hits("updated:<7d"), ["fraud-detector"]);
        assert_eq!(catalog_hits("updated:7d"), ["fraud-detector"]);
        assert_eq!(catalog_hits("updated:>7d"), ["demand-forecaster"]);
        assert_eq!(catalog_hits("updated:<1w"), ["fraud-detector"]);
        assert_eq!(catalog_hits("updated:<48h"), none);
        assert_eq!(catalog_hits("since:2026-11-30"), ["fraud-detector"]);
        assert_eq!(catalog_hits("since:2026-11-30T10:00:01Z"), none);
        assert_eq!(catalog_hits("before:2026-11-02"), ["demand-forecaster"]);
        assert_eq!(
            catalog_hits("author:alice since:2026-11-15"),
            ["fraud-detector"]
        );
    }

    #[test]
    fn labels_as_shown_and_metrics_by_their_split_forms() {
        // `team=risk` is how the page shows a label: typed back, it is a label term.
        assert_eq!(catalog_hits("team=risk"), ["fraud-detector"]);
        assert_eq!(catalog_hits("TEAM=Risk"), ["fraud-detector"]);
        assert_eq!(catalog_hits("team=supply"), ["demand-forecaster"]);
        // `f1` finds test.f1 and val.f1 where there is no plain f1; a split is exact.
        assert_eq!(catalog_hits("f1>0.82"), ["fraud-detector"]);
        assert_eq!(
            catalog_hits("f1>=0.5"),
            ["fraud-detector", "demand-forecaster"]
        );
        assert_eq!(catalog_hits("val.f1>0.82"), Vec::<&str>::new());
        assert_eq!(catalog_hits("test.f1>0.82"), ["fraud-detector"]);
        // `=` with a number: a metric equal to it, or a label with that value.
        assert_eq!(catalog_hits("f1=0.5"), ["demand-forecaster"]);
    }

    #[test]
    fn unknown_prefixes_and_bad_values_say_what_is_wrong() {
        let now = Some("2026-12-04T00:00:00Z".parse().unwrap());
        let errors = |q: &str| Query::parse_at(q, now).errors;
        assert_eq!(
            errors("owner:bob"),
            [
                "owner:bob: unknown term owner: (known: alias:, status:, tag:, label:, author:, by:, name:, kind:, updated:, since:, before:)"
            ]
        );
        assert!(errors("status:live")[0].contains("S one of draft"));
        assert!(errors("updated:soon")[0].contains("AGE like 12h, 7d, 2w"));
        assert!(errors("since:yesterday")[0].contains("DATE like 2026-11-01"));
        assert!(errors("alias:")[0].contains("expected alias:NAME"));
        assert!(errors("tag:")[0].contains("expected tag:KEY"));
        assert!(errors("f1>")[0].contains("expected a number"));
        // An age needs the time now; a URL-like word is a word.
        assert!(Query::parse("updated:<7d").errors[0].contains("needs the current time"));
        assert!(errors("s3://bucket/x").is_empty());
    }
}
