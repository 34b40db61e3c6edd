//! `shelf compare REF REF [REF REF]`: versions side by side — metrics with deltas and
//! verdicts against the first, what changed in params, labels, provenance, packages and
//! artifacts, and the architecture of model files present in both.

use serde_json::{Value, json};
use shelf_format::diff::{ArtifactStatus, Comparison, Direction, ValueRow, Verdict};
use shelf_format::inspect::{ArchitectureDiff, architecture_diff, shape_text};
use shelf_format::lifecycle::percent;
use shelf_format::{VersionManifest, units::human_size};

/// Architecture differences between the baseline and each other version, per artifact
/// path both have `info` for.
pub fn architecture(manifests: &[VersionManifest]) -> Vec<(String, String, ArchitectureDiff)> {
    let Some((base, rest)) = manifests.split_first() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for other in rest {
        for a in &base.artifacts {
            let Some(old) = &a.info else { continue };
            let found = other.artifacts.iter().find(|b| b.path == a.path);
            if let Some(new) = found.and_then(|b| b.info.as_ref()) {
                let diff = architecture_diff(old, new);
                if !diff.is_empty() {
                    out.push((
                        a.path.to_string(),
                        format!("{}@{}", other.model, other.version),
                        diff,
                    ));
                }
            }
        }
    }
    out
}

fn verdict(v: Verdict) -> &'static str {
    match v {
        Verdict::Baseline => "baseline",
        Verdict::Better => "better",
        Verdict::Worse => "worse",
        Verdict::Same => "same",
        Verdict::Missing => "missing",
    }
}

fn rows_json(rows: &[ValueRow], changed_only: bool) -> Value {
    rows.iter()
        .filter(|r| r.changed || !changed_only)
        .map(|r| json!({"key": r.key, "values": r.values, "changed": r.changed}))
        .collect()
}

/// The `--json` document.
pub fn to_json(c: &Comparison, arch: &[(String, String, ArchitectureDiff)]) -> Value {
    json!({
        "columns": c.columns,
        "metrics": c.metrics.iter().map(|m| json!({
            "key": m.key,
            "higher_is_better": m.direction == Direction::HigherIsBetter,
            "values": m.values,
            "deltas": m.deltas,
            "verdicts": m.verdicts.iter().map(|v| verdict(*v)).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "params": rows_json(&c.params, false),
        "labels": rows_json(&c.labels, false),
        "provenance": rows_json(&c.provenance, false),
        "packages": rows_json(&c.packages, true),
        "artifacts": c.artifacts.iter().map(|a| json!({
            "path": a.path,
            "status": match a.status {
                ArtifactStatus::Identical => "identical",
                ArtifactStatus::Changed => "changed",
                ArtifactStatus::AddedOrRemoved => "added-or-removed",
            },
            "cells": a.cells.iter().map(|c| c.map(|(size, digest)| json!({"size": size, "digest": digest}))).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "architecture": arch.iter().map(|(path, against, diff)| json!({
            "path": path, "version": against, "diff": diff,
        })).collect::<Vec<_>>(),
    })
}

/// Width of a version's column in the text table.
const CELL: usize = 22;

/// The text table.
pub fn to_text(c: &Comparison, arch: &[(String, String, ArchitectureDiff)]) -> String {
    let mut lines = Vec::new();
    let cell = |s: String| format!("{s:<width$}", width = CELL);
    let header: String = c.columns.iter().map(|col| cell(col.clone())).collect();
    lines.push(format!("{:<28}{header}", ""));
    if !c.metrics.is_empty() {
        lines.push("metrics".into());
        for m in &c.metrics {
            let cells: String = m
                .values
                .iter()
                .zip(&m.deltas)
                .zip(&m.verdicts)
                .map(|((v, d), verdict)| {
                    let value = v.map_or("-".to_string(), |v| v.to_string());
                    let text = match (verdict, d) {
                        (Verdict::Better | Verdict::Worse, Some(d)) => format!(
                            "{value} ({}{}, {})",
                            if *d > 0.0 { "+" } else { "" },
                            (d * 1e6).round() / 1e6,
                            if *verdict == Verdict::Better {
                                "better"
                            } else {
                                "worse"
                            }
                        ),
                        _ => value,
                    };
                    cell(text)
                })
                .collect();
            lines.push(format!("  {:<26}{cells}", m.key));
        }
    }
    for (title, rows) in [
        ("params", &c.params),
        ("labels", &c.labels),
        ("provenance", &c.provenance),
        ("packages", &c.packages),
    ] {
        let changed: Vec<&ValueRow> = rows.iter().filter(|r| r.changed).collect();
        if changed.is_empty() {
            continue;
        }
        lines.push(format!("{title} (changed)"));
        for r in changed {
            let values: Vec<String> = r
                .values
                .iter()
                .map(|v| v.clone().unwrap_or_else(|| "-".into()))
                .collect();
            if values.iter().all(|v| v.chars().count() < CELL) {
                let cells: String = values.into_iter().map(cell).collect();
                lines.push(format!("  {:<26}{cells}", r.key));
            } else {
                // Too long for a column (a command, a URL): one line per version.
                lines.push(format!("  {}", r.key));
                for (column, value) in c.columns.iter().zip(values) {
                    lines.push(format!("    {column}: {value}"));
                }
            }
        }
    }
    let changed: Vec<_> = c
        .artifacts
        .iter()
        .filter(|a| a.status != ArtifactStatus::Identical)
        .collect();
    if !changed.is_empty() {
        lines.push("artifacts (changed)".into());
        for a in changed {
            let cells: String = a
                .cells
                .iter()
                .map(|c| {
                    cell(c.map_or("-".into(), |(size, d)| {
                        format!("{} {}", human_size(size), &d.hex()[..8])
                    }))
                })
                .collect();
            lines.push(format!("  {:<26}{cells}", a.path));
        }
    }
    for (path, against, d) in arch {
        lines.push(format!(
            "architecture of {path}: {} → {against}",
            c.columns[0]
        ));
        if let (Some(old), Some(new)) = (d.parameter_count.old, d.parameter_count.new) {
            if old != new {
                let delta = new as i128 - old as i128;
                lines.push(format!(
                    "  parameters {old} → {new} ({}{delta}, {}%)",
                    if delta > 0 { "+" } else { "" },
                    percent((delta as f64 * 1000.0 / old.max(1) as f64).round() / 10.0)
                ));
            }
        }
        for t in &d.tensors_added {
            lines.push(format!(
                "  + {} {} {}",
                t.name,
                t.dtype,
                shape_text(&t.shape)
            ));
        }
        for t in &d.tensors_removed {
            lines.push(format!(
                "  - {} {} {}",
                t.name,
                t.dtype,
                shape_text(&t.shape)
            ));
        }
        for r in &d.tensors_reshaped {
            lines.push(format!(
                "  ~ {} {} → {}",
                r.name,
                shape_text(&r.old),
                shape_text(&r.new)
            ));
        }
        for t in &d.dtype_changes {
            lines.push(format!("  ~ {} {} → {}", t.name, t.old, t.new));
        }
        for o in &d.opset_changes {
            let show = |v: Option<i64>| v.map_or("-".to_string(), |v| v.to_string());
            lines.push(format!(
                "  opset {} {} → {}",
                if o.domain.is_empty() {
                    "ai.onnx"
                } else {
                    &o.domain
                },
                show(o.old),
                show(o.new)
            ));
        }
        for v in &d.value_changes {
            let show = |x: &Option<shelf_format::inspect::ValueInfo>| {
                x.as_ref().map_or("-".to_string(), |x| {
                    let shape = x.shape.as_deref().map(shape_text).unwrap_or_default();
                    format!("{} {shape}", x.elem_type.as_deref().unwrap_or("?"))
                })
            };
            lines.push(
                format!(
                    "  {:?} {}: {} → {}",
                    v.port,
                    v.name,
                    show(&v.old),
                    show(&v.new)
                )
                .to_lowercase(),
            );
        }
        for f in &d.field_changes {
            lines.push(format!("  {}: {} → {}", f.field, f.old, f.new));
        }
        if d.tensors_partial {
            lines.push(
                "  (tensor lists were truncated: differences cover the listed tensors)".into(),
            );
        }
    }
    lines
        .iter()
        .map(|l| l.trim_end())
        .collect::<Vec<_>>()
        .join("\n")
}
