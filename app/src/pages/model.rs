//! A model: its versions with metrics as sortable columns, a chart of a metric across
//! versions, and a way to pick versions to compare.

use std::sync::Arc;

use leptos::prelude::*;
use shelf_format::{ModelIndex, ModelName, VersionSummary};

use crate::api::{self, ApiError};
use crate::components::{Chart, ErrorCards, Problems};
use crate::route::{MAX_COMPARE, Route};
use crate::text;

#[component]
pub fn ModelPage(model: ModelName) -> impl IntoView {
    let name = model.clone();
    let state = LocalResource::new(move || {
        let model = name.clone();
        async move { api::load_model(&model).await.map(|(i, p)| (Arc::new(i), p)) }
    });
    view! {
        <section class="model">
            <nav class="crumbs"><a href="#/">"Models"</a> " / "</nav>
            <h1 class="model-name">{model.to_string()}</h1>
            <Transition fallback=|| view! { <p class="loading">"Loading versions…"</p> }>
                <ErrorBoundary fallback=|errors| view! { <ErrorCards errors /> }>
                    {move || Suspend::new(async move {
                        let (index, problems) = state.await?;
                        Ok::<_, ApiError>(view! {
                            <Problems problems />
                            <ModelView index />
                        })
                    })}
                </ErrorBoundary>
            </Transition>
        </section>
    }
}

/// Which column the versions table is sorted by.
#[derive(Debug, Clone, PartialEq)]
enum SortKey {
    Version,
    Metric(String),
}

fn metric(v: &VersionSummary, key: &str) -> Option<f64> {
    v.metrics
        .iter()
        .find(|(k, _)| k.as_str() == key)
        .map(|(_, x)| *x)
}

#[component]
fn ModelView(index: Arc<ModelIndex>) -> impl IntoView {
    let model = index.model.clone();
    let mut keys: Vec<String> = index
        .versions
        .iter()
        .flat_map(|v| v.metrics.keys().map(|k| k.to_string()))
        .collect();
    keys.sort();
    keys.dedup();
    let default_metric = index
        .versions
        .last()
        .and_then(|v| text::headline_metric(&v.metrics).map(|(k, _)| k.to_string()))
        .unwrap_or_default();
    let chart_metric = RwSignal::new(default_metric);
    let sort = RwSignal::new((SortKey::Version, false));
    let picked = RwSignal::new(Vec::<u64>::new());

    let versions = index.versions.clone();
    let rows = move || {
        let mut rows = versions.clone();
        let (key, ascending) = sort.get();
        match &key {
            SortKey::Version => rows.sort_by_key(|v| v.version),
            SortKey::Metric(k) => rows.sort_by(|a, b| match (metric(a, k), metric(b, k)) {
                (Some(x), Some(y)) => x.total_cmp(&y),
                (Some(_), None) => std::cmp::Ordering::Greater,
                (None, Some(_)) => std::cmp::Ordering::Less,
                (None, None) => a.version.cmp(&b.version),
            }),
        }
        if !ascending {
            rows.reverse();
        }
        rows
    };
    let header_keys = keys.clone();
    let series_versions = index.versions.clone();
    let series = Signal::derive(move || {
        let key = chart_metric.get();
        series_versions
            .iter()
            .filter_map(|v| metric(v, &key).map(|x| (v.version, x)))
            .collect::<Vec<_>>()
    });
    let compare_model = model.clone();
    let compare_href = move || {
        let mut versions = picked.get();
        versions.sort();
        Route::Compare {
            model: compare_model.clone(),
            versions,
        }
        .href()
    };
    let toggle = move |version: u64, on: bool| {
        picked.update(|p| {
            p.retain(|v| *v != version);
            if on {
                p.push(version);
            }
        })
    };
    let sort_by = move |key: SortKey| {
        sort.update(|(current, ascending)| {
            if *current == key {
                *ascending = !*ascending;
            } else {
                *current = key;
                *ascending = false;
            }
        })
    };

    view! {
        <p class="muted">
            {format!("{} version{}", index.versions.len(), if index.versions.len() == 1 { "" } else { "s" })}
            {index.updated_at.map(|t| format!(", last change {}", text::time(&t)))}
        </p>
        <div class="chart-box">
            <label>
                "Chart of "
                <select id="chart-metric" on:change=move |ev| chart_metric.set(event_target_value(&ev))>
                    {keys
                        .iter()
                        .map(|k| {
                            let selected = *k == chart_metric.get_untracked();
                            view! { <option value=k.clone() selected=selected>{k.clone()}</option> }
                        })
                        .collect_view()}
                </select>
                " across versions"
            </label>
            <Chart series metric=Signal::derive(move || chart_metric.get()) />
        </div>
        <div class="toolbar">
            <a
                id="compare-button"
                class="button"
                class:disabled=move || !(2..=MAX_COMPARE).contains(&picked.read().len())
                href=compare_href
            >
                {move || format!("Compare selected ({})", picked.read().len())}
            </a>
            <span class="muted">"Tick 2 to 4 versions to compare them side by side."</span>
        </div>
        <div class="table-scroll">
            <table id="versions" class="table">
                <thead>
                    <tr>
                        <th>"Compare"</th>
                        <th>
                            <button class="sort-header" on:click=move |_| sort_by(SortKey::Version)>"Version"</button>
                        </th>
                        <th>"Created"</th>
                        <th>"By"</th>
                        {header_keys
                            .iter()
                            .map(|k| {
                                let key = k.clone();
                                view! {
                                    <th class="metric-header" data-metric=k.clone()>
                                        <button class="sort-header" on:click=move |_| sort_by(SortKey::Metric(key.clone()))>
                                            {k.clone()}
                                        </button>
                                    </th>
                                }
                            })
                            .collect_view()}
                        <th>"Description"</th>
                    </tr>
                </thead>
                <tbody>
                    {move || {
                        rows()
                            .into_iter()
                            .map(|v| {
                                let version = v.version;
                                let href = Route::Version { model: model.clone(), version }.href();
                                let cells = keys
                                    .iter()
                                    .map(|k| {
                                        view! {
                                            <td class="metric" data-metric=k.clone()>
                                                {metric(&v, k).map(text::number)}
                                            </td>
                                        }
                                    })
                                    .collect_view();
                                view! {
                                    <tr class="version-row" data-version=version.to_string()>
                                        <td>
                                            <input
                                                type="checkbox"
                                                class="compare-pick"
                                                aria-label=format!("compare version {version}")
                                                value=version.to_string()
                                                prop:checked=move || picked.read().contains(&version)
                                                on:change=move |ev| toggle(version, event_target_checked(&ev))
                                            />
                                        </td>
                                        <td class="version"><a href=href>{format!("v{version}")}</a></td>
                                        <td class="created">{text::time(&v.created_at)}</td>
                                        <td class="author">{v.created_by.clone()}</td>
                                        {cells}
                                        <td class="description">{text::first_line(&v.description).to_string()}</td>
                                    </tr>
                                }
                            })
                            .collect_view()
                    }}
                </tbody>
            </table>
        </div>
    }
}
