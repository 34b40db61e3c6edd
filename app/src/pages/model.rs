//! A model: its aliases, what runs where, its versions with status, branch, tags and
//! metrics as sortable columns, a chart of a metric across versions, a way to pick
//! versions to compare, and its history. With an as-of time, the same views show the
//! state of then, replayed from the log.

use std::collections::BTreeMap;
use std::sync::Arc;

use leptos::prelude::*;
use shelf_format::{
    AliasName, ModelIndex, ModelName, Reference, Selector, Subject, Timestamp, VersionSummary,
};

use crate::api::{self, ApiError};
use crate::components::{
    AliasBadge, Chart, DatasetBadge, Deployments, ErrorCards, Problems, StatusBadge, Timeline,
};
use crate::lifecycle::{self, BranchFilter};
use crate::metrics;
use crate::route::{MAX_COMPARE, Route};
use crate::text;

/// What the model page shows: the state now, and the state as of the route's time.
#[derive(Clone)]
struct Loaded {
    current: Arc<ModelIndex>,
    /// `Some` with an as-of time: the replay of the log up to it.
    then: Option<Arc<ModelIndex>>,
    problems: Vec<String>,
}

async fn load(model: ModelName, at: Option<Timestamp>) -> Result<Loaded, ApiError> {
    let (current, mut problems) = api::load_model(&model).await?;
    let then = match at {
        Some(at) => {
            let (then, more) = api::load_as_of(&current, at).await?;
            problems.extend(more);
            Some(Arc::new(then))
        }
        None => None,
    };
    Ok(Loaded {
        current: Arc::new(current),
        then,
        problems,
    })
}

#[component]
pub fn ModelPage(model: ModelName, at: Option<Timestamp>) -> impl IntoView {
    let name = model.clone();
    let state = LocalResource::new(move || load(name.clone(), at));
    let shown_model = model.clone();
    view! {
        <section class="model">
            <nav class="crumbs"><a href="#/">"Models"</a> " / "</nav>
            <h1 class="model-name">{model.to_string()}</h1>
            <AsOfControl model=model.clone() at />
            <Transition fallback=move || view! {
                <p class="loading">{if at.is_some() { "Reading the log…" } else { "Loading versions…" }}</p>
            }>
                <ErrorBoundary fallback=|errors| view! { <ErrorCards errors /> }>
                    {
                        let model = shown_model.clone();
                        move || {
                            let model = model.clone();
                            Suspend::new(async move {
                                let Loaded { current, then, problems } = state.await?;
                                let body = match (at, then) {
                                    (Some(at), Some(then)) if then.head.is_none() => view! {
                                        <p id="as-of-banner" class="as-of-banner did-not-exist">
                                            {format!(
                                                "{model} did not exist yet at {}: its first entry is from {}.",
                                                text::time_precise(&at),
                                                current.created_at.as_ref().map(text::time_precise).unwrap_or_default(),
                                            )}
                                        </p>
                                    }
                                    .into_any(),
                                    (Some(at), Some(then)) => view! {
                                        <p id="as-of-banner" class="as-of-banner">
                                            <strong>{format!("As of {}", text::time_precise(&at))}</strong>
                                            {format!(
                                                ": aliases, statuses, deployments and versions as they were then, replayed from the log (entries 1 to {} of {}).",
                                                then.head.map_or(0, |h| h.seq),
                                                current.head.map_or(0, |h| h.seq),
                                            )}
                                        </p>
                                        <ModelView index=then as_of=true />
                                    }
                                    .into_any(),
                                    _ => view! { <ModelView index=current as_of=false /> }.into_any(),
                                };
                                Ok::<_, ApiError>(view! {
                                    <Problems problems />
                                    {body}
                                })
                            })
                        }
                    }
                </ErrorBoundary>
            </Transition>
        </section>
    }
}

/// The as-of time (UTC): picking one moves to the model's permalink as of then; "now"
/// goes back to the current state.
#[component]
fn AsOfControl(model: ModelName, at: Option<Timestamp>) -> impl IntoView {
    let now_href = Route::model(model.clone()).href();
    let go = move |value: String| {
        let at = if value.trim().is_empty() {
            None
        } else {
            match text::parse_datetime_local(&value) {
                Some(t) => Some(t),
                None => return,
            }
        };
        let href = Route::Model {
            model: model.clone(),
            at,
        }
        .href();
        let _ = window().location().set_hash(&href);
    };
    view! {
        <div class="toolbar as-of">
            <label>
                "As of (UTC) "
                <input
                    id="as-of"
                    type="datetime-local"
                    step="0.001"
                    value=at.as_ref().map(text::datetime_local)
                    on:change=move |ev| go(event_target_value(&ev))
                />
            </label>
            <a id="as-of-now" class="button" class:disabled=at.is_none() href=now_href>"Now"</a>
        </div>
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

/// The aliases of a model's state, with where each points and who moved it there.
#[component]
fn Aliases(index: Arc<ModelIndex>, as_of: bool) -> impl IntoView {
    let model = index.model.clone();
    let items = index
        .aliases
        .iter()
        .map(|(alias, state)| {
            let href = Route::Version {
                model: model.clone(),
                version: state.version,
            }
            .href();
            // The permalink follows the alias; as of a past time it would show today's
            // target, so it is offered only for the current state.
            let permalink = (!as_of).then(|| {
                let href = Route::Ref {
                    reference: Reference {
                        model: model.clone(),
                        selector: Selector::Alias(alias.clone()),
                    },
                }
                .href();
                view! { " " <a class="alias-permalink muted" href=href>{format!("{model}@{alias}")}</a> }
            });
            view! {
                <li data-alias=alias.to_string()>
                    <AliasBadge alias=alias.clone() />
                    " → "
                    <a class="alias-version" href=href>{format!("v{}", state.version)}</a>
                    <span class="muted">
                        {format!(" since {} by {}", text::time(&state.set_at), state.set_by)}
                    </span>
                    {permalink}
                </li>
            }
        })
        .collect_view();
    (!index.aliases.is_empty()).then(|| {
        view! {
            <h2>"Aliases"</h2>
            <ul id="aliases" class="alias-list">{items}</ul>
        }
    })
}

#[component]
fn ModelView(index: Arc<ModelIndex>, as_of: bool) -> impl IntoView {
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
    let branch = RwSignal::new(BranchFilter::All);
    let branch_names = lifecycle::branches(&index.versions);
    let has_branches = !branch_names.is_empty();
    // The aliases of each version, computed once rather than per drawn row.
    let mut aliases_of: BTreeMap<u64, Vec<AliasName>> = BTreeMap::new();
    for (alias, state) in &index.aliases {
        aliases_of
            .entry(state.version)
            .or_default()
            .push(alias.clone());
    }

    let versions = index.versions.clone();
    let rows = move || {
        let filter = branch.get();
        let mut rows: Vec<VersionSummary> = versions
            .iter()
            .filter(|v| filter.keeps(v))
            .cloned()
            .collect();
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
    // Metric columns grouped by split (`train.f1`, `test.f1` under `train`, `test`).
    let columns = metrics::columns(&keys);
    let groups = metrics::groups(&columns);
    let header_columns = columns.clone();
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
    let deployments = lifecycle::deployment_rows(&index.deployments);
    let events = index.events.clone();
    let table_model = model.clone();

    let is_dataset = index
        .versions
        .last()
        .is_some_and(|v| v.subject == Subject::Dataset);
    view! {
        <p class="muted">
            {is_dataset.then(|| view! { <DatasetBadge /> " " })}
            {format!("{} version{}", index.versions.len(), if index.versions.len() == 1 { "" } else { "s" })}
            {index.updated_at.map(|t| format!(", last change {}", text::time(&t)))}
        </p>
        <Aliases index=index.clone() as_of />
        {(!deployments.is_empty()).then(|| view! {
            <h2>"Deployments"</h2>
            <Deployments model=model.clone() rows=deployments />
        })}
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
            {has_branches.then(|| view! {
                <label class="branch-filter">
                    "Branch "
                    <select id="branch-filter" on:change=move |ev| branch.set(BranchFilter::parse(&event_target_value(&ev)))>
                        <option value="*">"all"</option>
                        {branch_names
                            .iter()
                            .map(|b| view! { <option value=b.clone()>{b.clone()}</option> })
                            .collect_view()}
                        <option value="-">"(none)"</option>
                    </select>
                </label>
            })}
        </div>
        <div class="table-scroll">
            <table id="versions" class="table">
                <thead>
                    {(!groups.is_empty()).then(|| view! {
                        <tr class="split-groups">
                            <th colspan="7"></th>
                            {groups.iter().map(|(split, n)| view! {
                                <th class="split-group" colspan=n.to_string() data-split=split.clone().unwrap_or_default()>
                                    {split.clone()}
                                </th>
                            }).collect_view()}
                            <th colspan="2"></th>
                        </tr>
                    })}
                    <tr>
                        <th>"Compare"</th>
                        <th>
                            <button class="sort-header" on:click=move |_| sort_by(SortKey::Version)>"Version"</button>
                        </th>
                        <th>"Status"</th>
                        <th>"Branch"</th>
                        <th>"Parent"</th>
                        <th>"Created"</th>
                        <th>"By"</th>
                        {header_columns
                            .iter()
                            .map(|c| {
                                let key = c.key.clone();
                                view! {
                                    <th class="metric-header" data-metric=c.key.clone() data-split=c.split.clone() title=c.key.clone()>
                                        <button class="sort-header" on:click=move |_| sort_by(SortKey::Metric(key.clone()))>
                                            {c.label.clone()}
                                        </button>
                                    </th>
                                }
                            })
                            .collect_view()}
                        <th>"Tags"</th>
                        <th>"Description"</th>
                    </tr>
                </thead>
                <tbody>
                    {move || {
                        rows()
                            .into_iter()
                            .map(|v| {
                                let version = v.version;
                                let href = Route::Version { model: table_model.clone(), version }.href();
                                let cells = columns
                                    .iter()
                                    .map(|c| {
                                        view! {
                                            <td class="metric" data-metric=c.key.clone()>
                                                {metric(&v, &c.key).map(text::number)}
                                            </td>
                                        }
                                    })
                                    .collect_view();
                                let badges = aliases_of
                                    .get(&version)
                                    .into_iter()
                                    .flatten()
                                    .map(|alias| view! { " " <AliasBadge alias=alias.clone() /> })
                                    .collect_view();
                                let tags = v
                                    .tags
                                    .iter()
                                    .map(|(k, value)| view! { <span class="tag" data-key=k.to_string()>{format!("{k}={value}")}</span> " " })
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
                                        <td class="version"><a href=href>{format!("v{version}")}</a>{badges}</td>
                                        <td class="status"><StatusBadge status=v.effective_status() /></td>
                                        <td class="branch">{v.branch.as_ref().map(|b| b.to_string())}</td>
                                        <td class="parent">
                                            {v.parent.as_ref().map(|p| {
                                                let href = Route::Version { model: p.model.clone(), version: p.version }.href();
                                                let label = if p.model == table_model { format!("v{}", p.version) } else { p.to_string() };
                                                view! { <a href=href>{label}</a> }
                                            })}
                                        </td>
                                        <td class="created">{text::time(&v.created_at)}</td>
                                        <td class="author">{v.created_by.clone()}</td>
                                        {cells}
                                        <td class="tags">{tags}</td>
                                        <td class="description">{text::first_line(&v.description).to_string()}</td>
                                    </tr>
                                }
                            })
                            .collect_view()
                    }}
                </tbody>
            </table>
        </div>
        <h2>"History"</h2>
        <Timeline id="timeline" model events />
    }
}
