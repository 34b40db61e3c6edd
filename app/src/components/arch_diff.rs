//! How a model file's architecture changed between two compared versions
//! (docs/format.md §5.5.1.7): parameter count, tensors added, removed, reshaped and
//! retyped, ONNX opsets and graph inputs/outputs, other properties.

use leptos::prelude::*;
use shelf_format::inspect::{Port, shape_text};

use shelf_format::diff::PathDiff;

use crate::provenance::value_text;
use crate::text;

/// Changes listed per kind at most; the rest are counted.
const MAX_CHANGES: usize = 100;

/// A list of changes of one kind, at most [`MAX_CHANGES`] and a count of the rest.
fn capped(mut items: Vec<String>) -> Vec<String> {
    if items.len() > MAX_CHANGES {
        let more = items.len() - MAX_CHANGES;
        items.truncate(MAX_CHANGES);
        items.push(format!("… and {} more", text::thousands(more as u64)));
    }
    items
}

fn counted(what: &str, n: usize) -> String {
    format!("{what} ({})", text::thousands(n as u64))
}

/// The architecture difference of one artifact path, baseline (version `old`) → another
/// version (`new`), as the format's comparison pairs them.
#[component]
pub fn ArchDiffView(diff: PathDiff, old: u64, new: u64) -> impl IntoView {
    let PathDiff { path, diff, .. } = diff;
    let empty = diff.is_empty();
    let parameters = match (diff.parameter_count.old, diff.parameter_count.new) {
        (None, None) => None,
        (o, n) => {
            let side = |c: Option<u64>| c.map(text::count).unwrap_or_else(|| "—".into());
            let delta = diff
                .parameter_delta()
                .map(|d| format!(" ({})", text::count_delta(d)))
                .unwrap_or_default();
            Some(format!("{} → {}{delta}", side(o), side(n)))
        }
    };
    let added = diff
        .tensors_added
        .iter()
        .map(|t| format!("{} {} {}", t.name, t.dtype, shape_text(&t.shape)))
        .collect::<Vec<_>>();
    let removed = diff
        .tensors_removed
        .iter()
        .map(|t| format!("{} {} {}", t.name, t.dtype, shape_text(&t.shape)))
        .collect::<Vec<_>>();
    let reshaped = diff
        .tensors_reshaped
        .iter()
        .map(|r| {
            format!(
                "{}: {} → {}",
                r.name,
                shape_text(&r.old),
                shape_text(&r.new)
            )
        })
        .collect::<Vec<_>>();
    let retyped = diff
        .dtype_changes
        .iter()
        .map(|c| format!("{}: {} → {}", c.name, c.old, c.new))
        .collect::<Vec<_>>();
    let opsets = diff
        .opset_changes
        .iter()
        .map(|o| {
            let side = |v: Option<i64>| v.map_or_else(|| "absent".to_string(), |v| v.to_string());
            format!("{}: {} → {}", o.domain, side(o.old), side(o.new))
        })
        .collect::<Vec<_>>();
    let values = diff
        .value_changes
        .iter()
        .map(|c| {
            let port = match c.port {
                Port::Input => "input",
                Port::Output => "output",
            };
            let side = |v: &Option<shelf_format::inspect::ValueInfo>| {
                v.as_ref().map_or_else(|| "absent".to_string(), value_text)
            };
            format!("{port} {}: {} → {}", c.name, side(&c.old), side(&c.new))
        })
        .collect::<Vec<_>>();
    let fields = diff
        .field_changes
        .iter()
        .map(|f| format!("{}: {} → {}", f.field, f.old, f.new))
        .collect::<Vec<_>>();
    let mut notes: Vec<(&'static str, String)> = Vec::new();
    if let Some(p) = parameters {
        notes.push(("arch-parameters", format!("Parameters: {p}")));
    }
    if empty {
        notes.push(("muted", "No architecture change.".into()));
    }
    if diff.tensors_partial {
        notes.push((
            "muted truncated",
            "A tensor list was truncated by the indexer: the tensor changes cover the listed tensors only.".into(),
        ));
    }
    let kinds = [
        (
            counted("Tensors added", added.len()),
            "tensors-added",
            added,
        ),
        (
            counted("Tensors removed", removed.len()),
            "tensors-removed",
            removed,
        ),
        (
            counted("Tensors reshaped", reshaped.len()),
            "tensors-reshaped",
            reshaped,
        ),
        (
            counted("Tensors retyped", retyped.len()),
            "tensors-retyped",
            retyped,
        ),
        ("Opsets".to_string(), "opsets", opsets),
        ("Inputs and outputs".to_string(), "values", values),
        ("Other properties".to_string(), "fields", fields),
    ];
    let lists = kinds
        .into_iter()
        .filter(|(_, _, items)| !items.is_empty())
        .map(|(title, class, items)| {
            view! {
                <div class=format!("arch-changes {class}")>
                    <h4>{title}</h4>
                    <ul>{capped(items).into_iter().map(|i| view! { <li>{i}</li> }).collect_view()}</ul>
                </div>
            }
        })
        .collect_view();
    view! {
        <section class="arch-diff" data-path=path.clone() data-versions=format!("{old},{new}")>
            <h3><code>{path.clone()}</code> {format!(" v{old} → v{new}")}</h3>
            {notes.into_iter().map(|(class, note)| view! { <p class=class>{note}</p> }).collect_view()}
            {lists}
        </section>
    }
}
