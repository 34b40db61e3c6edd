//! `shelf compare --json`, from [`shelf_format::diff::Comparison`].

use serde::Serialize;
use shelf_format::Digest;
use shelf_format::diff::{Comparison, Direction, ValueRow};
use shelf_format::inspect::ArchitectureDiff;

/// `shelf compare`: 2 to 4 versions, the first the baseline.
#[derive(Debug, Serialize)]
pub struct Compare {
    /// The versions compared, `model@N`, in the order given.
    pub columns: Vec<String>,
    /// Every metric any of them has, by key.
    pub metrics: Vec<Metric>,
    /// Every param, by key.
    pub params: Vec<Row>,
    /// Every label, by key.
    pub labels: Vec<Row>,
    /// Lineage, code, run, environment and datasets, one row per fact (`code.commit`,
    /// `dataset.train`…).
    pub provenance: Vec<Row>,
    /// Installed packages whose version differs (changed rows only).
    pub packages: Vec<Row>,
    /// Every artifact path, by path.
    pub artifacts: Vec<Artifact>,
    /// For each model file of the baseline with a readable introspection, and each other
    /// version with one at the same path: how its architecture changed (empty diffs
    /// included). Paths in order, then versions as given.
    pub architecture: Vec<Architecture>,
}

/// One metric across the versions.
#[derive(Debug, Serialize)]
pub struct Metric {
    pub key: String,
    /// False for losses, errors, latencies (from the metric's name).
    pub higher_is_better: bool,
    /// One per column; null where a version lacks the metric.
    pub values: Vec<Option<f64>>,
    /// Value minus the baseline's; null where either is missing.
    pub deltas: Vec<Option<f64>>,
    /// `baseline` (column 0), `better`, `worse`, `same`, `missing`.
    pub verdicts: Vec<&'static str>,
}

/// One param, label, provenance fact or package across the versions.
#[derive(Debug, Serialize)]
pub struct Row {
    pub key: String,
    /// One per column, as text; null where a version lacks it.
    pub values: Vec<Option<String>>,
    /// True when not every version has the same value.
    pub changed: bool,
}

/// One artifact path across the versions.
#[derive(Debug, Serialize)]
pub struct Artifact {
    pub path: String,
    /// `identical`, `changed`, `added-or-removed`.
    pub status: &'static str,
    /// One per column; null where a version lacks the path.
    pub cells: Vec<Option<Cell>>,
}

#[derive(Debug, Serialize)]
pub struct Cell {
    pub size: u64,
    pub digest: Digest,
}

/// How one model file changed, baseline → one other version.
#[derive(Debug, Serialize)]
pub struct Architecture {
    pub path: String,
    /// The other version, as in `columns`.
    pub version: String,
    /// As `architecture_diff` in docs/format.md §5.5.1.
    pub diff: ArchitectureDiff,
}

fn rows(rows: &[ValueRow], changed_only: bool) -> Vec<Row> {
    rows.iter()
        .filter(|r| r.changed || !changed_only)
        .map(|r| Row {
            key: r.key.clone(),
            values: r.values.clone(),
            changed: r.changed,
        })
        .collect()
}

impl From<&Comparison> for Compare {
    fn from(c: &Comparison) -> Self {
        Compare {
            columns: c.columns.clone(),
            metrics: c
                .metrics
                .iter()
                .map(|m| Metric {
                    key: m.key.clone(),
                    higher_is_better: m.direction == Direction::HigherIsBetter,
                    values: m.values.clone(),
                    deltas: m.deltas.clone(),
                    verdicts: m.verdicts.iter().map(|v| v.as_str()).collect(),
                })
                .collect(),
            params: rows(&c.params, false),
            labels: rows(&c.labels, false),
            provenance: rows(&c.provenance, false),
            packages: rows(&c.packages, true),
            artifacts: c
                .artifacts
                .iter()
                .map(|a| Artifact {
                    path: a.path.clone(),
                    status: a.status.as_str(),
                    cells: a
                        .cells
                        .iter()
                        .map(|cell| cell.map(|(size, digest)| Cell { size, digest }))
                        .collect(),
                })
                .collect(),
            architecture: c
                .architecture
                .iter()
                .map(|row| Architecture {
                    path: row.path.clone(),
                    version: c.columns[row.column].clone(),
                    diff: row.diff.clone(),
                })
                .collect(),
        }
    }
}
