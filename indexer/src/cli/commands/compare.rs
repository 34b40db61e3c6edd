//! `shelf compare REF REF [REF REF]`: versions side by side. The comparison (metrics with
//! deltas and verdicts, changed params, labels, provenance, packages and artifacts, and
//! the architecture of model files) is [`shelf_format::diff::compare`]'s, the same the web
//! app's compare page draws; this prints it as a table.

use anyhow::Result;
use clap::Args;
use shelf_format::Reference;
use shelf_format::diff::{ArtifactStatus, Comparison, ValueRow, Verdict};
use shelf_format::inspect::{ArchitectureDiff, shape_text};
use shelf_format::lifecycle::percent;
use shelf_format::units::human_size;

use super::super::{Context, ExitStatus, output};

#[derive(Debug, Args)]
pub struct CompareArgs {
    /// 2 to 4 REFs, e.g. fraud@production fraud@latest (any models)
    #[arg(value_name = "REF", num_args = 2..=4, required = true)]
    pub references: Vec<Reference>,
}

pub async fn run(args: CompareArgs, ctx: &Context) -> Result<ExitStatus> {
    let registry = ctx.registry()?;
    let mut manifests = Vec::with_capacity(args.references.len());
    for reference in &args.references {
        let (_, summary) = registry.resolve(reference).await?;
        manifests.push(registry.manifest(&reference.model, &summary).await?);
    }
    let comparison = shelf_format::diff::compare(&manifests);
    if ctx.printer.json() {
        ctx.printer.document(&output::Compare::from(&comparison))?;
        return Ok(ExitStatus::Success);
    }
    for line in text(&comparison) {
        ctx.printer.line(line.trim_end())?;
    }
    Ok(ExitStatus::Success)
}

/// Width of a version's column in the text table.
const CELL: usize = 22;

fn cell(s: String) -> String {
    format!("{s:<width$}", width = CELL)
}

/// The text table, line by line.
fn text(c: &Comparison) -> Vec<String> {
    let mut lines = Vec::new();
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
                            verdict.as_str()
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
    for row in &c.architecture {
        lines.push(format!(
            "architecture of {}: {} → {}",
            row.path, c.columns[0], c.columns[row.column]
        ));
        architecture_lines(&row.diff, &mut lines);
    }
    lines
}

/// What changed in one model file's architecture, one line per change.
fn architecture_lines(d: &ArchitectureDiff, lines: &mut Vec<String>) {
    if d.is_empty() {
        lines.push("  no architecture change".into());
        return;
    }
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
        lines.push("  (tensor lists were truncated: differences cover the listed tensors)".into());
    }
}
