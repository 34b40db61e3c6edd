//! Metrics per split: `train.f1`, `validation.f1`, `test.f1` are one metric (`f1`) measured
//! on three splits. The version page shows them as a table metric × split, the model page
//! groups its metric columns under their split. Pure, tested natively.

/// The first dotted segments that name a split, and the column each sorts into: the
/// training data first, then validation, test, evaluation and holdout data.
const SPLITS: [(&str, u8); 11] = [
    ("train", 0),
    ("training", 0),
    ("val", 1),
    ("valid", 1),
    ("validation", 1),
    ("dev", 1),
    ("test", 2),
    ("eval", 3),
    ("evaluation", 3),
    ("holdout", 4),
    ("oot", 4),
];

fn split_rank(segment: &str) -> Option<u8> {
    SPLITS
        .iter()
        .find(|(name, _)| segment.eq_ignore_ascii_case(name))
        .map(|(_, rank)| *rank)
}

/// `(split, metric)` when the key's first dotted segment names a split and something
/// follows it: `test.f1` → `("test", "f1")`, `val.class.auc` → `("val", "class.auc")`;
/// `f1`, `test` and `model.f1` are not split metrics.
pub fn split_of(key: &str) -> Option<(&str, &str)> {
    let (first, rest) = key.split_once('.')?;
    (!rest.is_empty() && split_rank(first).is_some()).then_some((first, rest))
}

/// Sort splits as a reader expects (train, validation, test, eval…), then by name.
fn sort_splits(splits: &mut [String]) {
    splits.sort_by(|a, b| {
        (split_rank(a).unwrap_or(u8::MAX), a.as_str()).cmp(&(split_rank(b).unwrap_or(u8::MAX), b))
    });
}

/// One metric across the splits of a [`SplitTable`].
#[derive(Debug, Clone, PartialEq)]
pub struct SplitRow {
    /// The metric without its split: `f1`.
    pub metric: String,
    /// Its value on each split of the table, in the table's order.
    pub values: Vec<Option<f64>>,
}

/// Metrics measured on splits, as a table metric × split.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SplitTable {
    /// The splits, as written in the keys (`train`, `validation`, `test`), in reading order.
    pub splits: Vec<String>,
    /// One row per metric, by name.
    pub rows: Vec<SplitRow>,
}

impl SplitTable {
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }
}

/// Split the metrics of a version into the split table and the other metrics (in the
/// order given).
pub fn by_split<'a>(
    metrics: impl IntoIterator<Item = (&'a str, f64)>,
) -> (SplitTable, Vec<(String, f64)>) {
    let mut per_split: Vec<(&str, &str, f64)> = Vec::new();
    let mut others = Vec::new();
    for (key, value) in metrics {
        match split_of(key) {
            Some((split, metric)) => per_split.push((split, metric, value)),
            None => others.push((key.to_string(), value)),
        }
    }
    let mut splits: Vec<String> = per_split.iter().map(|(s, _, _)| s.to_string()).collect();
    sort_splits(&mut splits);
    splits.dedup();
    let mut names: Vec<&str> = per_split.iter().map(|(_, m, _)| *m).collect();
    names.sort_unstable();
    names.dedup();
    let rows = names
        .into_iter()
        .map(|metric| SplitRow {
            metric: metric.to_string(),
            values: splits
                .iter()
                .map(|split| {
                    per_split
                        .iter()
                        .find(|(s, m, _)| s == split && *m == metric)
                        .map(|(_, _, v)| *v)
                })
                .collect(),
        })
        .collect();
    (SplitTable { splits, rows }, others)
}

/// A metric column of the model page's versions table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    /// The full metric key, what the column sorts by: `test.f1`.
    pub key: String,
    /// The split it was measured on, if any: `test`.
    pub split: Option<String>,
    /// The header: the metric without its split (`f1`), or the whole key.
    pub label: String,
}

/// The metric columns for `keys` (each once): metrics without a split first, by name, then
/// one group per split (train, validation, test…), by metric name within a group.
pub fn columns(keys: &[String]) -> Vec<Column> {
    let mut columns: Vec<Column> = keys
        .iter()
        .map(|key| match split_of(key) {
            Some((split, metric)) => Column {
                key: key.clone(),
                split: Some(split.to_string()),
                label: metric.to_string(),
            },
            None => Column {
                key: key.clone(),
                split: None,
                label: key.clone(),
            },
        })
        .collect();
    columns.sort_by(|a, b| {
        let rank = |c: &Column| {
            c.split
                .as_deref()
                .map_or((0, 0), |s| (1, split_rank(s).unwrap_or(u8::MAX)))
        };
        (rank(a), &a.split, &a.label).cmp(&(rank(b), &b.split, &b.label))
    });
    columns.dedup_by(|a, b| a.key == b.key);
    columns
}

/// The header groups over [`columns`]: each run of columns of one split (or of no split)
/// and its width, left to right. Empty when no column has a split (no group row needed).
pub fn groups(columns: &[Column]) -> Vec<(Option<String>, usize)> {
    if columns.iter().all(|c| c.split.is_none()) {
        return Vec::new();
    }
    let mut groups: Vec<(Option<String>, usize)> = Vec::new();
    for c in columns {
        match groups.last_mut() {
            Some((split, n)) if *split == c.split => *n += 1,
            _ => groups.push((c.split.clone(), 1)),
        }
    }
    groups
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_are_the_first_segment() {
        assert_eq!(split_of("test.f1"), Some(("test", "f1")));
        assert_eq!(split_of("Validation.auc"), Some(("Validation", "auc")));
        assert_eq!(split_of("val.class.auc"), Some(("val", "class.auc")));
        assert_eq!(split_of("f1"), None);
        assert_eq!(split_of("test"), None);
        assert_eq!(split_of("test."), None);
        assert_eq!(split_of("model.f1"), None);
        assert_eq!(split_of("testing.f1"), None);
    }

    #[test]
    fn a_version_s_metrics_become_a_table_and_the_rest() {
        let metrics = [
            ("latency_ms", 12.0),
            ("test.auc", 0.97),
            ("test.f1", 0.91),
            ("train.auc", 0.99),
            ("train.f1", 0.95),
            ("train.loss", 0.1),
            ("validation.f1", 0.92),
        ];
        let (table, others) = by_split(metrics.iter().map(|(k, v)| (*k, *v)));
        assert_eq!(table.splits, ["train", "validation", "test"]);
        let row = |m: &str| {
            table
                .rows
                .iter()
                .find(|r| r.metric == m)
                .unwrap()
                .values
                .clone()
        };
        assert_eq!(
            table
                .rows
                .iter()
                .map(|r| r.metric.as_str())
                .collect::<Vec<_>>(),
            ["auc", "f1", "loss"]
        );
        assert_eq!(row("f1"), [Some(0.95), Some(0.92), Some(0.91)]);
        assert_eq!(row("auc"), [Some(0.99), None, Some(0.97)]);
        assert_eq!(row("loss"), [Some(0.1), None, None]);
        assert_eq!(others, [("latency_ms".to_string(), 12.0)]);

        let (table, others) = by_split([("f1", 0.8), ("auc", 0.9)]);
        assert!(table.is_empty());
        assert!(table.splits.is_empty());
        assert_eq!(others.len(), 2);

        // Unknown splits never appear; known ones in reading order whatever the names.
        let (table, _) = by_split([("holdout.f1", 0.7), ("eval.f1", 0.8), ("dev.f1", 0.9)]);
        assert_eq!(table.splits, ["dev", "eval", "holdout"]);
    }

    #[test]
    fn model_columns_are_grouped_by_split() {
        let keys: Vec<String> = [
            "test.f1",
            "auc",
            "train.f1",
            "test.auc",
            "validation.f1",
            "latency_ms",
        ]
        .iter()
        .map(|k| k.to_string())
        .collect();
        let cols = columns(&keys);
        assert_eq!(
            cols.iter().map(|c| c.key.as_str()).collect::<Vec<_>>(),
            [
                "auc",
                "latency_ms",
                "train.f1",
                "validation.f1",
                "test.auc",
                "test.f1"
            ]
        );
        assert_eq!(
            cols.iter().map(|c| c.label.as_str()).collect::<Vec<_>>(),
            ["auc", "latency_ms", "f1", "f1", "auc", "f1"]
        );
        assert_eq!(
            groups(&cols),
            [
                (None, 2),
                (Some("train".to_string()), 1),
                (Some("validation".to_string()), 1),
                (Some("test".to_string()), 2),
            ]
        );
        let plain = columns(&["f1".to_string(), "auc".to_string()]);
        assert_eq!(plain[0].key, "auc");
        assert!(groups(&plain).is_empty());
    }
}
