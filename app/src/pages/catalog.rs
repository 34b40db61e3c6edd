//! The catalog: every model, a search box that filters as you type, sorting.

use std::sync::Arc;

use leptos::prelude::*;
use shelf_format::search::{Prepared, Query, Subject};
use shelf_format::{Catalog, CatalogEntry, ModelName, Reference, Selector, Subject as Kind};

use crate::api::{self, ApiError};
use crate::app::replace_hash;
use crate::components::{AliasBadge, DatasetBadge, ErrorCards, Problems, StatusBadge};
use crate::route::Route;
use crate::text;

/// Rows drawn at most; a search narrows the rest.
/// Rows drawn at first, and added by each "Show more": drawing fewer rows keeps a
/// keystroke under one frame budget on 10,000 models (docs/benchmarks.md).
const PAGE_ROWS: usize = 50;

#[derive(Debug, Clone, PartialEq)]
enum Sort {
    Name,
    Updated,
    Metric(String),
}

impl Sort {
    fn parse(s: &str) -> Sort {
        match s {
            "updated" => Sort::Updated,
            _ => match s.strip_prefix("metric:") {
                Some(k) => Sort::Metric(k.to_string()),
                None => Sort::Name,
            },
        }
    }
}

fn metric_of(entry: &CatalogEntry, key: &str) -> Option<f64> {
    entry
        .latest
        .as_ref()?
        .metrics
        .iter()
        .find(|(k, _)| k.as_str() == key)
        .map(|(_, v)| *v)
}

/// The models matching `query`, sorted, at most `limit`, and how many matched.
/// `prepared` holds each model's searchable text, in the catalog's order.
fn select(
    catalog: &Catalog,
    prepared: &[Prepared],
    query: &str,
    sort: &Sort,
    limit: usize,
) -> (Vec<(ModelName, CatalogEntry)>, usize, Vec<String>) {
    let now = shelf_format::Timestamp::from_millis(js_sys::Date::now() as i64);
    let query = Query::parse_at(query, now);
    // A term that is not understood is not ignored: the list would show what was not
    // asked for. The errors say what to fix.
    if !query.errors.is_empty() {
        return (Vec::new(), 0, query.errors);
    }
    let mut hits: Vec<(&ModelName, &CatalogEntry)> = catalog
        .models
        .iter()
        .zip(prepared)
        .filter(|(_, p)| query.matches_prepared(p))
        .map(|(model, _)| model)
        .collect();
    match sort {
        Sort::Name => {}
        Sort::Updated => hits.sort_by_key(|h| std::cmp::Reverse(h.1.updated_at)),
        Sort::Metric(key) => {
            let lower_first = shelf_format::diff::metric_direction(key)
                == shelf_format::diff::Direction::LowerIsBetter;
            hits.sort_by(|a, b| match (metric_of(a.1, key), metric_of(b.1, key)) {
                (Some(x), Some(y)) if lower_first => x.total_cmp(&y),
                (Some(x), Some(y)) => y.total_cmp(&x),
                (Some(_), None) => std::cmp::Ordering::Less,
                (None, Some(_)) => std::cmp::Ordering::Greater,
                (None, None) => a.0.cmp(b.0),
            })
        }
    }
    let total = hits.len();
    let rows = hits
        .into_iter()
        .take(limit)
        .map(|(n, e)| (n.clone(), e.clone()))
        .collect();
    (rows, total, query.errors)
}

#[component]
pub fn CatalogPage(query: String) -> impl IntoView {
    let catalog = LocalResource::new(|| async {
        api::load_catalog()
            .await
            .map(|(catalog, problems)| (catalog.map(Arc::new), problems))
    });
    let query = RwSignal::new(query);
    let sort = RwSignal::new(Sort::Name);

    view! {
        <section class="catalog">
            <h1>"Models"</h1>
            <Transition fallback=|| view! { <p class="loading">"Loading the catalog…"</p> }>
                <ErrorBoundary fallback=|errors| view! { <ErrorCards errors /> }>
                    {move || Suspend::new(async move {
                        let (catalog, problems) = catalog.await?;
                        let body = match catalog {
                            None => view! {
                                <div class="empty-state">
                                    <p>"No models yet."</p>
                                    <p>"Push one: " <code>"shelf push MODEL FILE… --metric f1=0.9"</code></p>
                                </div>
                            }.into_any(),
                            Some(catalog) => view! { <CatalogView catalog query sort /> }.into_any(),
                        };
                        Ok::<_, ApiError>(view! { <Problems problems /> {body} })
                    })}
                </ErrorBoundary>
            </Transition>
        </section>
    }
}

#[component]
fn CatalogView(
    catalog: Arc<Catalog>,
    query: RwSignal<String>,
    sort: RwSignal<Sort>,
) -> impl IntoView {
    let metric_keys: Vec<String> = {
        let mut keys: Vec<String> = catalog
            .models
            .values()
            .filter_map(|e| e.latest.as_ref())
            .flat_map(|v| v.metrics.keys().map(|k| k.to_string()))
            .collect();
        keys.sort();
        keys.dedup();
        keys.truncate(50);
        keys
    };
    let total_models = catalog.models.len();
    // Lower-cased once, so a keystroke only compares.
    let prepared: Vec<Prepared> = catalog
        .models
        .iter()
        .map(|(name, entry)| Prepared::new(&Subject::of(name, entry)))
        .collect();
    let limit = RwSignal::new(PAGE_ROWS);
    let selection = Memo::new(move |_| {
        select(
            &catalog,
            &prepared,
            &query.read(),
            &sort.read(),
            limit.get(),
        )
    });

    view! {
        <div class="toolbar">
            <input
                id="search"
                type="search"
                aria-label="Search models"
                placeholder="Search: fraud   alias:production   f1>0.8   team=risk   author:alice   updated:<7d   … OR …"
                prop:value=move || query.get()
                on:input=move |ev| {
                    let q = event_target_value(&ev);
                    replace_hash(&Route::Catalog { query: q.clone() }.href());
                    limit.set(PAGE_ROWS);
                    query.set(q);
                }
            />
            <label class="sort">
                "Sort by "
                <select id="sort" on:change=move |ev| {
                    limit.set(PAGE_ROWS);
                    sort.set(Sort::parse(&event_target_value(&ev)));
                }>
                    <option value="name">"name"</option>
                    <option value="updated">"last update"</option>
                    {metric_keys
                        .into_iter()
                        .map(|k| view! { <option value=format!("metric:{k}")>{k.clone()}</option> })
                        .collect_view()}
                </select>
            </label>
        </div>
        <SearchHelp />
        <p id="match-count" class="muted" role="status" aria-live="polite">
            {move || {
                selection
                    .with(|(rows, total, errors)| {
                        if !errors.is_empty() {
                            "fix the search to see results".to_string()
                        } else if rows.len() < *total {
                            format!(
                                "{total} of {total_models} models match; showing the first {}",
                                rows.len(),
                            )
                        } else {
                            format!("{total} of {total_models} models")
                        }
                    })
            }}
        </p>
        <ul class="search-errors" role="alert">
            {move || {
                selection
                    .with(|(_, _, errors)| {
                        errors.iter().map(|e| view! { <li>{e.clone()}</li> }).collect_view()
                    })
            }}
        </ul>
        <table id="catalog" class="table">
            <thead>
                <tr>
                    <th>"Model"</th>
                    <th>"Latest"</th>
                    <th>"Headline"</th>
                    <th>"Labels"</th>
                    <th>"By"</th>
                    <th>"Updated"</th>
                </tr>
            </thead>
            <tbody>
                <For
                    each=move || selection.get().0
                    key=|(name, entry)| (name.clone(), entry.head.seq)
                    children=|(name, entry)| view! { <CatalogRow name entry /> }
                />
            </tbody>
        </table>
        {move || {
            let (drawn, total) = selection.with(|(rows, total, _)| (rows.len(), *total));
            (drawn < total)
                .then(|| {
                    let more = PAGE_ROWS.min(total - drawn);
                    view! {
                        <button
                            id="show-more"
                            class="show-more"
                            on:click=move |_| limit.update(|l| *l += PAGE_ROWS)
                        >
                            {format!("Show {more} more")}
                        </button>
                    }
                })
        }}
    }
}

#[component]
fn CatalogRow(name: ModelName, entry: CatalogEntry) -> impl IntoView {
    let latest = entry.latest.clone();
    let headline = latest
        .as_ref()
        .and_then(|v| {
            text::headline_metric(&v.metrics).map(|(k, x)| format!("{k} {}", text::number(x)))
        })
        .unwrap_or_default();
    // A couple of badges per drawn row (PAGE_ROWS rows until "Show more"): the aliases of the model,
    // each linking to the version it selects, the status of the latest version, and
    // `dataset` for a dataset.
    let aliases = entry
        .aliases
        .iter()
        .map(|(alias, version)| {
            let href = Route::Ref {
                reference: Reference {
                    model: name.clone(),
                    selector: Selector::Alias(alias.clone()),
                },
            }
            .href();
            view! { " " <AliasBadge alias=alias.clone() version=*version href /> }
        })
        .collect_view();
    let dataset = latest
        .as_ref()
        .is_some_and(|v| v.subject == Kind::Dataset)
        .then(|| view! { " " <DatasetBadge /> });
    view! {
        <tr class="model-row" data-model=name.to_string()>
            <td class="name">
                <a href=Route::model(name.clone()).href()>{name.to_string()}</a>
                {dataset}
                {aliases}
                <div class="muted description">
                    {latest.as_ref().map(|v| text::first_line(&v.description).to_string())}
                </div>
            </td>
            <td class="latest">
                {latest.as_ref().map(|v| {
                    let href = Route::Version { model: name.clone(), version: v.version }.href();
                    view! {
                        <a href=href>{format!("v{}", v.version)}</a>
                        " "
                        <StatusBadge status=v.effective_status() />
                    }
                })}
            </td>
            <td class="headline">{headline}</td>
            <td class="labels">{latest.as_ref().map(text::labels)}</td>
            <td class="author">{latest.as_ref().map(|v| v.created_by.clone())}</td>
            <td class="updated">{text::time(&entry.updated_at)}</td>
        </tr>
    }
}

/// The search syntax, on demand (a disclosure: keyboard and screen readers get it too).
#[component]
fn SearchHelp() -> impl IntoView {
    const TERMS: &[(&str, &str)] = &[
        (
            "fraud",
            "a word in the name, description, author, a label, an alias, the status or a tag",
        ),
        ("alias:production", "models with that alias"),
        (
            "status:validated",
            "models whose latest version has that status",
        ),
        (
            "tag:ticket   tag:ticket=RISK-230",
            "a tag of the latest version",
        ),
        (
            "team=risk   label:team",
            "a label with that value, or present",
        ),
        (
            "f1>0.8   test.auc>=0.9",
            "a metric of the latest version (> >= < <= = !=); f1 also finds test.f1, val.f1",
        ),
        ("author:alice   by:alice", "who pushed the latest version"),
        (
            "updated:<7d   updated:>30d",
            "updated within, or not within, 12h, 7d, 2w…",
        ),
        (
            "since:2026-11-01   before:2026-11-01",
            "updated on or after, or before, a day (UTC) or a time",
        ),
        (
            "kind:dataset   name:fraud",
            "datasets or models only; the name only",
        ),
        ("-word", "not: any term negated"),
        (
            "a b OR c",
            "terms are all required; OR separates alternatives",
        ),
    ];
    view! {
        <details class="search-help">
            <summary>"Search help"</summary>
            <table class="table">
                <tbody>
                    {TERMS
                        .iter()
                        .map(|(term, what)| view! {
                            <tr><td><code>{*term}</code></td><td>{*what}</td></tr>
                        })
                        .collect_view()}
                </tbody>
            </table>
        </details>
    }
}
