//! Comparing 2 to 4 versions side by side (the web app's compare view, `shelf compare`).
//!
//! The first version is the baseline: deltas, verdicts and architecture differences are
//! relative to it. [`compare`] is the one place that decides what is compared and how
//! rows pair up; the CLI prints a [`Comparison`] and the web app draws it.

use std::collections::BTreeSet;

use serde::Serialize;

use crate::canonical::Digest;
use crate::documents::VersionManifest;
use crate::inspect::{ArchitectureDiff, ModelFileInfo, architecture_diff};

/// Whether a bigger value of a metric is better.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Direction {
    HigherIsBetter,
    LowerIsBetter,
}

/// Words that, in a metric's name, mean lower is better (errors, losses, costs, latencies).
const LOWER_IS_BETTER: [&str; 14] = [
    "loss",
    "error",
    "err",
    "mae",
    "mse",
    "rmse",
    "mape",
    "wape",
    "smape",
    "latency",
    "perplexity",
    "fpr",
    "fnr",
    "time",
];

/// The direction of a metric, from its name: `val_loss`, `rmse`, `latency_ms` are lower
/// is better; everything else (accuracy, f1, auc, precision…) higher is better.
pub fn metric_direction(key: &str) -> Direction {
    let lower = key.to_ascii_lowercase();
    let lower_is_better = lower
        .split(|c: char| !c.is_ascii_alphanumeric())
        .any(|part| LOWER_IS_BETTER.contains(&part) || part.ends_with("loss"))
        || lower.ends_with("_ms")
        || lower.ends_with("_s");
    if lower_is_better {
        Direction::LowerIsBetter
    } else {
        Direction::HigherIsBetter
    }
}

/// How a value compares with the baseline's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    Baseline,
    Better,
    Worse,
    Same,
    /// One of the two has no value.
    Missing,
}

impl Verdict {
    /// The verdict as written: `baseline`, `better`, `worse`, `same`, `missing`.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Baseline => "baseline",
            Verdict::Better => "better",
            Verdict::Worse => "worse",
            Verdict::Same => "same",
            Verdict::Missing => "missing",
        }
    }
}

/// One metric across the compared versions.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MetricRow {
    pub key: String,
    pub direction: Direction,
    pub values: Vec<Option<f64>>,
    /// Value minus the baseline's value.
    pub deltas: Vec<Option<f64>>,
    pub verdicts: Vec<Verdict>,
}

/// One param or label across the compared versions.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ValueRow {
    pub key: String,
    pub values: Vec<Option<String>>,
    /// True when not every version has the same value.
    pub changed: bool,
}

/// What happened to an artifact path across the compared versions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ArtifactStatus {
    /// Same bytes (same digest) in every version.
    Identical,
    /// Present everywhere, with different bytes somewhere.
    Changed,
    /// Missing from some versions.
    AddedOrRemoved,
}

impl ArtifactStatus {
    /// The status as written: `identical`, `changed`, `added-or-removed`.
    pub fn as_str(self) -> &'static str {
        match self {
            ArtifactStatus::Identical => "identical",
            ArtifactStatus::Changed => "changed",
            ArtifactStatus::AddedOrRemoved => "added-or-removed",
        }
    }
}

/// One artifact path across the compared versions.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ArtifactRow {
    pub path: String,
    pub cells: Vec<Option<(u64, Digest)>>,
    pub status: ArtifactStatus,
}

/// How the architecture of one model file changed from the baseline to another version.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PathDiff {
    /// The artifact path, the same in both versions.
    pub path: String,
    /// The other version's position in [`Comparison::columns`] (1 or more; 0 is the
    /// baseline).
    pub column: usize,
    /// Baseline → that version. May be empty: "no architecture change" is a finding too.
    pub diff: ArchitectureDiff,
}

/// The comparison of versions, in the order given.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison {
    pub columns: Vec<String>,
    pub metrics: Vec<MetricRow>,
    pub params: Vec<ValueRow>,
    pub labels: Vec<ValueRow>,
    pub artifacts: Vec<ArtifactRow>,
    /// Lineage, code, run, environment and datasets, one row per fact
    /// (`code.commit`, `dataset.train`, `environment.python`…).
    pub provenance: Vec<ValueRow>,
    /// Installed packages, name → version, across the versions.
    pub packages: Vec<ValueRow>,
    /// How each model file's architecture changed from the baseline, as
    /// [`architecture_rows`] pairs them.
    pub architecture: Vec<PathDiff>,
}

/// The architecture rows of a comparison, by one rule: for each artifact path of the
/// baseline (the first manifest), in path order, that has an `info` this build can read,
/// and for each other version, in the order given, that has a readable `info` at the same
/// path, the difference baseline → that version, kept even when it is empty. A path only
/// one side introspected, or whose `info` is of a format this build does not know
/// ([`ModelFileInfo::is_known`]), has no row.
pub fn architecture_rows(manifests: &[VersionManifest]) -> Vec<PathDiff> {
    let Some((base, others)) = manifests.split_first() else {
        return Vec::new();
    };
    let mut paths: Vec<(&str, &ModelFileInfo)> = base
        .artifacts
        .iter()
        .filter_map(|a| Some((a.path.as_str(), a.info.as_ref().filter(|i| i.is_known())?)))
        .collect();
    paths.sort_by_key(|(path, _)| *path);
    let mut rows = Vec::new();
    for (path, old) in paths {
        for (i, other) in others.iter().enumerate() {
            let new = other
                .artifacts
                .iter()
                .find(|a| a.path.as_str() == path)
                .and_then(|a| a.info.as_ref())
                .filter(|i| i.is_known());
            if let Some(new) = new {
                rows.push(PathDiff {
                    path: path.to_string(),
                    column: i + 1,
                    diff: architecture_diff(old, new),
                });
            }
        }
    }
    rows
}

/// The provenance facts of a manifest as (row, value) pairs, for comparison.
pub fn provenance_facts(m: &VersionManifest) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut put = |key: &str, value: Option<String>| {
        if let Some(value) = value {
            out.push((key.to_string(), value));
        }
    };
    put("lineage.parent", m.parent.as_ref().map(|p| p.to_string()));
    put("lineage.branch", m.branch.as_ref().map(|b| b.to_string()));
    if let Some(code) = &m.code {
        put("code.repository", code.repository.clone());
        put("code.commit", code.commit.clone());
        put("code.branch", code.branch.clone());
        put(
            "code.uncommitted changes",
            Some(match code.diff_sha256 {
                Some(d) if code.dirty => format!("yes ({})", &d.hex()[..12]),
                _ if code.dirty => "yes".to_string(),
                _ => "no".to_string(),
            }),
        );
    }
    if let Some(run) = &m.run {
        put("run.command", run.command.clone());
        put("run.experiment", run.experiment.clone());
        put("run.url", run.url.clone());
    }
    if let Some(env) = &m.environment {
        put("environment.python", env.python.clone());
        put("environment.os", env.os.clone());
        put("environment.cpu", env.cpu.clone());
        if !env.gpus.is_empty() {
            let gpus: Vec<&str> = env.gpus.iter().map(|g| g.name.as_str()).collect();
            put("environment.gpus", Some(gpus.join(", ")));
        }
        put("environment.cuda", env.cuda.clone());
        put("environment.container_image", env.container_image.clone());
        put(
            "environment.lock_file",
            env.lock_file
                .as_ref()
                .map(|l| format!("{} ({})", l.name, &l.digest.hex()[..12])),
        );
    }
    for d in &m.datasets {
        let value = match (&d.registered, &d.uri) {
            (Some(r), _) => r.version_ref().to_string(),
            (None, Some(uri)) => match d.digest {
                Some(digest) => format!("{uri} ({})", &digest.hex()[..12]),
                None => format!("{uri} (unverified)"),
            },
            (None, None) => continue,
        };
        out.push((format!("dataset.{}", d.role), value));
    }
    out
}

fn value_rows<'a>(
    manifests: &'a [VersionManifest],
    get: impl Fn(&'a VersionManifest) -> Vec<(String, String)>,
) -> Vec<ValueRow> {
    let per: Vec<Vec<(String, String)>> = manifests.iter().map(&get).collect();
    let keys: BTreeSet<&String> = per.iter().flatten().map(|(k, _)| k).collect();
    keys.into_iter()
        .map(|key| {
            let values: Vec<Option<String>> = per
                .iter()
                .map(|kv| kv.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone()))
                .collect();
            let changed = values.windows(2).any(|w| w[0] != w[1]);
            ValueRow {
                key: key.clone(),
                values,
                changed,
            }
        })
        .collect()
}

/// Compare versions; the first is the baseline.
pub fn compare(manifests: &[VersionManifest]) -> Comparison {
    let columns = manifests
        .iter()
        .map(|m| m.version_ref().to_string())
        .collect();

    let metric_keys: BTreeSet<&str> = manifests
        .iter()
        .flat_map(|m| m.metrics.keys().map(|k| k.as_str()))
        .collect();
    let metrics = metric_keys
        .into_iter()
        .map(|key| {
            let direction = metric_direction(key);
            let values: Vec<Option<f64>> = manifests
                .iter()
                .map(|m| {
                    m.metrics
                        .iter()
                        .find(|(k, _)| k.as_str() == key)
                        .map(|(_, v)| *v)
                })
                .collect();
            let base = values.first().copied().flatten();
            let deltas = values
                .iter()
                .map(|v| Some(v.as_ref()? - base?))
                .collect::<Vec<_>>();
            let verdicts = deltas
                .iter()
                .enumerate()
                .map(|(i, d)| match (i, d) {
                    (0, _) => Verdict::Baseline,
                    (_, None) => Verdict::Missing,
                    (_, Some(d)) if *d == 0.0 => Verdict::Same,
                    (_, Some(d)) => match (direction, *d > 0.0) {
                        (Direction::HigherIsBetter, true) | (Direction::LowerIsBetter, false) => {
                            Verdict::Better
                        }
                        _ => Verdict::Worse,
                    },
                })
                .collect();
            MetricRow {
                key: key.to_string(),
                direction,
                values,
                deltas,
                verdicts,
            }
        })
        .collect();

    let params = value_rows(manifests, |m| {
        m.params
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    });
    let labels = value_rows(manifests, |m| {
        m.labels
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect()
    });

    let paths: BTreeSet<&str> = manifests
        .iter()
        .flat_map(|m| m.artifacts.iter().map(|a| a.path.as_str()))
        .collect();
    let artifacts = paths
        .into_iter()
        .map(|path| {
            let cells: Vec<Option<(u64, Digest)>> = manifests
                .iter()
                .map(|m| {
                    m.artifacts
                        .iter()
                        .find(|a| a.path.as_str() == path)
                        .map(|a| (a.size, a.digest))
                })
                .collect();
            let status = if cells.iter().any(Option::is_none) {
                ArtifactStatus::AddedOrRemoved
            } else if cells.windows(2).all(|w| w[0] == w[1]) {
                ArtifactStatus::Identical
            } else {
                ArtifactStatus::Changed
            };
            ArtifactRow {
                path: path.to_string(),
                cells,
                status,
            }
        })
        .collect();

    let provenance = value_rows(manifests, provenance_facts);
    let packages = value_rows(manifests, |m| {
        m.environment
            .iter()
            .flat_map(|e| e.packages.iter().map(|(k, v)| (k.clone(), v.clone())))
            .collect()
    });

    Comparison {
        columns,
        metrics,
        params,
        labels,
        artifacts,
        provenance,
        packages,
        architecture: architecture_rows(manifests),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::documents::{Artifact, ParamValue};
    use crate::names::{ArtifactPath, Key, ModelName};

    fn manifest(
        version: u64,
        metrics: &[(&str, f64)],
        params: &[(&str, &str)],
        files: &[(&str, &[u8])],
    ) -> VersionManifest {
        VersionManifest {
            artifacts: files
                .iter()
                .map(|(p, b)| Artifact {
                    path: ArtifactPath::new(*p).unwrap(),
                    size: b.len() as u64,
                    digest: Digest::of(b),
                    media_type: None,
                    info: None,
                })
                .collect(),
            metrics: metrics
                .iter()
                .map(|(k, v)| (Key::new(*k).unwrap(), *v))
                .collect(),
            params: params
                .iter()
                .map(|(k, v)| (Key::new(*k).unwrap(), ParamValue::String(v.to_string())))
                .collect(),
            ..VersionManifest::new(
                ModelName::new("m").unwrap(),
                version,
                "2026-11-01T00:00:00Z".parse().unwrap(),
                "a",
            )
        }
    }

    #[test]
    fn provenance_and_packages_are_compared() {
        use crate::provenance::{Code, DatasetLink, Environment, RegisteredDataset};
        let mut a = manifest(1, &[], &[], &[]);
        let mut b = manifest(2, &[], &[], &[]);
        let env = |numpy: &str, extra: bool| {
            let mut packages = std::collections::BTreeMap::new();
            packages.insert("numpy".to_string(), numpy.to_string());
            packages.insert("scikit-learn".to_string(), "1.5.1".to_string());
            if extra {
                packages.insert("xgboost".to_string(), "2.0.3".to_string());
            }
            Some(Environment {
                python: Some("3.11.7".into()),
                packages,
                ..Default::default()
            })
        };
        a.environment = env("1.26.4", false);
        b.environment = env("2.1.0", true);
        a.code = Some(Code {
            commit: Some("a".repeat(40)),
            ..Default::default()
        });
        b.code = Some(Code {
            commit: Some("b".repeat(40)),
            dirty: true,
            diff_sha256: Some(Digest::of(b"diff")),
            ..Default::default()
        });
        let link = |version| DatasetLink {
            role: "train".into(),
            registered: Some(RegisteredDataset {
                name: ModelName::new("tx").unwrap(),
                version,
                content_id: Digest::of(&[version as u8]),
            }),
            uri: None,
            digest: None,
            size: None,
            verified: true,
        };
        a.datasets = vec![link(1)];
        b.datasets = vec![link(2)];
        let c = compare(&[a, b]);
        let row = |rows: &[ValueRow], key: &str| {
            rows.iter()
                .find(|r| r.key == key)
                .unwrap_or_else(|| panic!("{key}"))
                .clone()
        };
        assert!(row(&c.provenance, "code.commit").changed);
        assert_eq!(
            row(&c.provenance, "code.uncommitted changes").values,
            vec![
                Some("no".into()),
                Some(format!("yes ({})", &Digest::of(b"diff").hex()[..12]))
            ]
        );
        assert_eq!(
            row(&c.provenance, "dataset.train").values,
            vec![Some("tx@1".into()), Some("tx@2".into())]
        );
        assert!(!row(&c.provenance, "environment.python").changed);
        assert!(row(&c.packages, "numpy").changed);
        assert!(!row(&c.packages, "scikit-learn").changed);
        assert_eq!(
            row(&c.packages, "xgboost").values,
            vec![None, Some("2.0.3".into())]
        );
    }

    fn info(tensors: &[(&str, &[i64])]) -> Option<ModelFileInfo> {
        use crate::inspect::{Dim, SafetensorsInfo, TensorInfo};
        let tensors: Vec<TensorInfo> = tensors
            .iter()
            .map(|(name, shape)| TensorInfo {
                name: name.to_string(),
                dtype: "F32".into(),
                shape: shape.iter().map(|d| Dim::Fixed(*d)).collect(),
            })
            .collect();
        Some(ModelFileInfo::Safetensors(SafetensorsInfo {
            tensor_count: tensors.len() as u64,
            tensors,
            ..Default::default()
        }))
    }

    fn with_infos(version: u64, files: Vec<(&str, Option<ModelFileInfo>)>) -> VersionManifest {
        let mut m = manifest(version, &[], &[], &[]);
        m.artifacts = files
            .into_iter()
            .map(|(path, info)| Artifact {
                path: ArtifactPath::new(path).unwrap(),
                size: 1,
                digest: Digest::of(path.as_bytes()),
                media_type: None,
                info,
            })
            .collect();
        m
    }

    #[test]
    fn architecture_rows_pair_paths_of_the_baseline_with_each_version() {
        let v1 = with_infos(
            1,
            vec![
                ("z.safetensors", info(&[("w", &[2])])),
                ("model.safetensors", info(&[("w", &[2, 3])])),
                ("notes.txt", None),
                ("future.bin", Some(ModelFileInfo::Other)),
                ("only-in-v1.safetensors", info(&[("w", &[1])])),
            ],
        );
        let v2 = with_infos(
            2,
            vec![
                ("model.safetensors", info(&[("w", &[4, 3]), ("b", &[4])])),
                ("z.safetensors", info(&[("w", &[2])])),
                ("future.bin", Some(ModelFileInfo::Other)),
                ("notes.txt", info(&[("w", &[1])])),
            ],
        );
        let v3 = with_infos(
            3,
            vec![
                ("model.safetensors", None),
                ("z.safetensors", info(&[("w", &[3])])),
            ],
        );
        let c = compare(&[v1.clone(), v2, v3]);
        let rows: Vec<(&str, usize, bool)> = c
            .architecture
            .iter()
            .map(|r| (r.path.as_str(), r.column, r.diff.is_empty()))
            .collect();
        // Paths in order, then columns; an unchanged file keeps its (empty) row; a path
        // without a readable `info` on either side, or absent from a version, has none.
        assert_eq!(
            rows,
            [
                ("model.safetensors", 1, false),
                ("z.safetensors", 1, true),
                ("z.safetensors", 2, false),
            ]
        );
        let d = &c.architecture[0].diff;
        assert_eq!(d.tensors_added.len(), 1);
        assert_eq!(d.tensors_reshaped[0].name, "w");
        assert!(architecture_rows(&[v1]).is_empty());
        assert!(architecture_rows(&[]).is_empty());
    }

    #[test]
    fn verdicts_and_statuses_are_written_as_their_names() {
        for v in [
            Verdict::Baseline,
            Verdict::Better,
            Verdict::Worse,
            Verdict::Same,
            Verdict::Missing,
        ] {
            assert_eq!(
                serde_json::to_value(v).unwrap(),
                serde_json::json!(v.as_str())
            );
        }
        for s in [
            ArtifactStatus::Identical,
            ArtifactStatus::Changed,
            ArtifactStatus::AddedOrRemoved,
        ] {
            assert_eq!(
                serde_json::to_value(s).unwrap(),
                serde_json::json!(s.as_str())
            );
        }
        assert_eq!(ArtifactStatus::AddedOrRemoved.as_str(), "added-or-removed");
    }

    #[test]
    fn directions() {
        for k in [
            "val_loss",
            "rmse",
            "test.mape",
            "latency_ms",
            "error_rate",
            "trainloss",
        ] {
            assert_eq!(metric_direction(k), Direction::LowerIsBetter, "{k}");
        }
        for k in [
            "f1",
            "auc",
            "accuracy",
            "precision",
            "recall",
            "test.f1",
            "miou",
        ] {
            assert_eq!(metric_direction(k), Direction::HigherIsBetter, "{k}");
        }
    }

    #[test]
    fn compares_metrics_params_artifacts() {
        let a = manifest(
            6,
            &[("f1", 0.80), ("rmse", 3.0)],
            &[("lr", "0.1"), ("depth", "6")],
            &[("w.bin", b"a"), ("cfg", b"c"), ("old", b"o")],
        );
        let b = manifest(
            7,
            &[("f1", 0.85), ("rmse", 3.5), ("auc", 0.9)],
            &[("lr", "0.05"), ("depth", "6")],
            &[("w.bin", b"b"), ("cfg", b"c"), ("new", b"n")],
        );
        let c = compare(&[a, b]);
        assert_eq!(c.columns, ["m@6", "m@7"]);
        let row = |k: &str| c.metrics.iter().find(|r| r.key == k).unwrap();
        assert_eq!(row("f1").verdicts, [Verdict::Baseline, Verdict::Better]);
        assert!((row("f1").deltas[1].unwrap() - 0.05).abs() < 1e-9);
        assert_eq!(row("rmse").verdicts[1], Verdict::Worse);
        assert_eq!(row("auc").verdicts[1], Verdict::Missing);
        let lr = c.params.iter().find(|r| r.key == "lr").unwrap();
        assert!(lr.changed);
        assert!(!c.params.iter().find(|r| r.key == "depth").unwrap().changed);
        let status = |p: &str| c.artifacts.iter().find(|r| r.path == p).unwrap().status;
        assert_eq!(status("cfg"), ArtifactStatus::Identical);
        assert_eq!(status("w.bin"), ArtifactStatus::Changed);
        assert_eq!(status("old"), ArtifactStatus::AddedOrRemoved);
        assert_eq!(status("new"), ArtifactStatus::AddedOrRemoved);
    }
}
