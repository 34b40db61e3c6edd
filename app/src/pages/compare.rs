//! 2 to 4 versions side by side: metric deltas coloured better/worse, changed params
//! highlighted, artifacts changed or identical by hash, provenance and packages, and how
//! each model file's architecture changed.

use std::sync::Arc;

use leptos::prelude::*;
use shelf_format::diff::{Comparison, ValueRow, Verdict, compare};
use shelf_format::{ModelIndex, ModelName, Selector, VersionManifest};

use crate::api::{self, ApiError};
use crate::components::{AliasBadge, ArchDiffView, ErrorCards, Problems, StatusBadge};
use crate::provenance::shown_rows;
use crate::route::Route;
use crate::text;

async fn load(
    model: ModelName,
    versions: Vec<u64>,
) -> Result<(Arc<ModelIndex>, Vec<VersionManifest>, Vec<String>), ApiError> {
    let (index, problems) = api::load_model(&model).await?;
    let mut manifests = Vec::new();
    for version in versions {
        let summary = api::select(&index, &Selector::Version(version))?;
        manifests.push(api::load_manifest(&model, summary).await?);
    }
    Ok((Arc::new(index), manifests, problems))
}

#[component]
pub fn ComparePage(model: ModelName, versions: Vec<u64>) -> impl IntoView {
    let name = model.clone();
    let wanted = versions.clone();
    let data = LocalResource::new(move || load(name.clone(), wanted.clone()));
    let model_href = Route::model(model.clone()).href();
    let title = format!(
        "{model}: {}",
        versions
            .iter()
            .map(|v| format!("v{v}"))
            .collect::<Vec<_>>()
            .join(" vs ")
    );
    view! {
        <section class="compare">
            <nav class="crumbs">
                <a href="#/">"Models"</a> " / " <a href=model_href>{model.to_string()}</a> " / "
            </nav>
            <h1>{title}</h1>
            {(versions.len() < 2).then(|| view! { <p class="muted">"Pick at least two versions to compare."</p> })}
            <Transition fallback=|| view! { <p class="loading">"Loading the versions…"</p> }>
                <ErrorBoundary fallback=|errors| view! { <ErrorCards errors /> }>
                    {move || Suspend::new(async move {
                        let (index, manifests, problems) = data.await?;
                        let comparison = compare(&manifests);
                        Ok::<_, ApiError>(view! {
                            <Problems problems />
                            <CompareView index comparison manifests />
                        })
                    })}
                </ErrorBoundary>
            </Transition>
        </section>
    }
}

/// One row of values across versions, highlighted when they differ.
fn value_row(row: ValueRow) -> impl IntoView {
    view! {
        <tr data-key=row.key.clone() class:changed=row.changed>
            <th>{row.key.clone()}</th>
            {row.values.into_iter().map(|v| view! { <td>{v.unwrap_or_else(|| "—".into())}</td> }).collect_view()}
        </tr>
    }
}

/// A titled table of values (params, labels) across versions, changed rows highlighted.
fn value_table(
    title: &'static str,
    id: &'static str,
    first: &'static str,
    heads: impl IntoView,
    rows: Vec<ValueRow>,
) -> impl IntoView {
    view! {
        <h2>{title}</h2>
        <div class="table-scroll">
            <table id=id class="table compare-table">
                <thead><tr><th>{first}</th>{heads}</tr></thead>
                <tbody>{rows.into_iter().map(value_row).collect_view()}</tbody>
            </table>
        </div>
    }
}

#[component]
fn CompareView(
    index: Arc<ModelIndex>,
    comparison: Comparison,
    manifests: Vec<VersionManifest>,
) -> impl IntoView {
    let versions: Vec<u64> = manifests.iter().map(|m| m.version).collect();
    let heads = move || {
        manifests
            .iter()
            .map(|m| {
                let href = Route::Version { model: m.model.clone(), version: m.version }.href();
                let status = index.version(m.version).map(|v| v.effective_status());
                let aliases = index
                    .aliases_of(m.version)
                    .into_iter()
                    .map(|alias| view! { " " <AliasBadge alias=alias.clone() /> })
                    .collect_view();
                view! {
                    <th data-version=m.version.to_string()>
                        <a href=href>{format!("v{}", m.version)}</a>
                        <div class="badges">{status.map(|status| view! { <StatusBadge status /> })}{aliases}</div>
                        <div class="muted">{text::time(&m.created_at)} " · " {m.created_by.clone()}</div>
                    </th>
                }
            })
            .collect_view()
    };
    let heads2 = heads.clone();
    let heads3 = heads.clone();
    let heads4 = heads.clone();
    let heads5 = heads.clone();
    let heads6 = heads.clone();
    let Comparison {
        metrics,
        params,
        labels,
        artifacts,
        provenance,
        packages,
        architecture,
        ..
    } = comparison;
    let packages_view = (!packages.is_empty()).then(|| {
        let total = packages.len();
        let changed = packages.iter().filter(|r| r.changed).count();
        let all = RwSignal::new(false);
        let columns = (packages[0].values.len() + 1).to_string();
        let packages = Arc::new(packages);
        view! {
            <h2>"Packages"</h2>
            <div class="toolbar">
                <label>
                    <input
                        id="packages-all"
                        type="checkbox"
                        prop:checked=move || all.get()
                        on:change=move |ev| all.set(event_target_checked(&ev))
                    />
                    {format!(" Show all {total} packages")}
                </label>
                <span id="packages-changed" class="muted">
                    {format!("{changed} of {total} changed")}
                </span>
            </div>
            <div class="table-scroll">
                <table id="compare-packages" class="table compare-table">
                    <thead><tr><th>"Package"</th>{heads6()}</tr></thead>
                    <tbody>
                        {move || {
                            let rows = shown_rows(&packages, all.get());
                            let none = rows.is_empty().then(|| view! {
                                <tr class="none"><td colspan=columns.clone()>"No package version differs."</td></tr>
                            });
                            (none, rows.into_iter().map(value_row).collect_view())
                        }}
                    </tbody>
                </table>
            </div>
        }
    });
    let architecture_view = (!architecture.is_empty()).then(|| {
        view! {
            <h2>"Model files"</h2>
            <p class="muted">"How each model file's architecture changed from the first version, read from the files' headers."</p>
            {architecture.into_iter().map(|diff| {
                let (old, new) = (versions[0], versions[diff.column]);
                view! { <ArchDiffView diff old new /> }
            }).collect_view()}
        }
    });
    view! {
        <h2>"Metrics"</h2>
        <div class="table-scroll">
            <table id="compare-metrics" class="table compare-table">
                <thead><tr><th>"Metric"</th>{heads}</tr></thead>
                <tbody>
                    {metrics.iter().map(|row| {
                        let cells = row.values.iter().zip(&row.deltas).zip(&row.verdicts).map(|((value, delta), verdict)| {
                            let class = format!("value {}", verdict.as_str());
                            view! {
                                <td class=class>
                                    {value.map(text::number).unwrap_or_else(|| "—".to_string())}
                                    {(!matches!(verdict, Verdict::Baseline | Verdict::Missing)).then(|| {
                                        view! { <span class="delta">{delta.map(text::delta)}</span> }
                                    })}
                                </td>
                            }
                        }).collect_view();
                        view! { <tr data-key=row.key.clone()><th>{row.key.clone()}</th>{cells}</tr> }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
        {value_table("Params", "compare-params", "Param", heads2(), params)}
        {(!labels.is_empty())
            .then(|| value_table("Labels", "compare-labels", "Label", heads3(), labels))}
        <h2>"Artifacts"</h2>
        <div class="table-scroll">
            <table id="compare-artifacts" class="table compare-table">
                <thead><tr><th>"Path"</th>{heads4}</tr></thead>
                <tbody>
                    {artifacts.iter().map(|row| {
                        let status = row.status.as_str();
                        view! {
                            <tr data-path=row.path.clone() data-status=status class=status>
                                <th>{row.path.clone()} <span class="muted status">{status.replace('-', " ")}</span></th>
                                {row.cells.iter().map(|c| view! {
                                    <td>{c.map(|(size, digest)| format!("{} · {}", text::size(size), text::short_digest(&digest))).unwrap_or_else(|| "absent".into())}</td>
                                }).collect_view()}
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
        {architecture_view}
        {(!provenance.is_empty())
            .then(|| value_table("Provenance", "compare-provenance", "Fact", heads5(), provenance))}
        {packages_view}
    }
}
