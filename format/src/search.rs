//! The search language of the catalog, shared by the web app and the CLI.
//!
//! ```text
//! fraud                 a word: in the name, description, author, or a label key or value
//! f1>0.8  auc>=0.9      a metric condition: > >= < <= = != against a number
//! label:team=fraud      a label with that value;  label:team  a label present
//! author:alice          the author (also by:alice);  name:fraud  the name only
//! kind:dataset          datasets only;  kind:model  models only
//! -word  -label:x=y     negation of any term
//! a b OR c d            terms are ANDed; OR separates alternatives
//! ```
//!
//! Words match case-insensitively as substrings. A term that doesn't parse (`f1>high`) is
//! reported and ignored, so typing never blanks the list.

use std::fmt;

use crate::documents::VersionSummary;
use crate::names::{Key, ModelName};
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
}

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

/// What a query is matched against: a model and its latest version.
#[derive(Debug, Clone, Copy)]
pub struct Subject<'a> {
    pub name: &'a str,
    pub latest: Option<&'a VersionSummary>,
}

impl<'a> Subject<'a> {
    pub fn new(name: &'a ModelName, latest: Option<&'a VersionSummary>) -> Self {
        Subject {
            name: name.as_str(),
            latest,
        }
    }
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

fn parse_term(raw: &str) -> Result<Term, String> {
    let (negated, body) = match raw.strip_prefix('-') {
        Some(rest) if !rest.is_empty() => (true, rest),
        _ => (false, raw),
    };
    let lower = body.to_lowercase();
    let condition = if let Some(rest) = lower
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
                "{raw}: expected a metric name before the comparison"
            ));
        }
        match value.parse::<f64>() {
            Ok(v) if v.is_finite() => Condition::Metric {
                key: key.to_string(),
                op,
                value: v,
            },
            _ => return Err(format!("{raw}: expected a number after the comparison")),
        }
    } else {
        Condition::Text(lower)
    };
    Ok(Term { negated, condition })
}

impl Query {
    /// Parse a query. Never fails: bad terms are listed in `errors` and ignored.
    pub fn parse(text: &str) -> Query {
        let mut query = Query::default();
        let mut current = Vec::new();
        for token in text.split_whitespace() {
            if token == "OR" || token == "|" {
                if !current.is_empty() {
                    query.alternatives.push(std::mem::take(&mut current));
                }
                continue;
            }
            match parse_term(token) {
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
        }
    }
}

impl Condition {
    fn matches(&self, p: &Prepared) -> bool {
        match self {
            Condition::Text(word) => {
                p.name.contains(word.as_str())
                    || p.description.contains(word.as_str())
                    || p.author.contains(word.as_str())
                    || p.labels
                        .iter()
                        .any(|(k, v)| k.contains(word.as_str()) || v.contains(word.as_str()))
            }
            Condition::Name(word) => p.name.contains(word.as_str()),
            Condition::Author(word) => p.author.contains(word.as_str()),
            Condition::Label { key, value } => p
                .labels
                .iter()
                .any(|(k, v)| k == key && value.as_ref().is_none_or(|want| v == want)),
            Condition::Metric { key, op, value } => p
                .metrics
                .iter()
                .find(|(k, _)| k == key)
                .is_some_and(|(_, x)| op.holds(*x, *value)),
            Condition::Kind(kind) => p.kind == *kind,
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
}
