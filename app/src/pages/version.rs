//! A version: everything in its manifest, and its lifecycle: status, aliases, where it
//! runs, lineage, tags, evaluations charted against the training-time metrics, history.

use std::collections::BTreeSet;
use std::sync::Arc;

use leptos::prelude::*;
use shelf_format::{
    Evaluation, ModelIndex, ModelName, Parent, Reference, Selector, Subject, VersionManifest,
    VersionSummary, keys,
};

use crate::api::{self, ApiError};
use crate::components::{
    AliasBadge, CodeView, DatasetBadge, DatasetsView, EnvironmentView, ErrorCards, EvalChart,
    ModelFile, Problems, RunView, StatusBadge, Timeline,
};
use crate::lifecycle;
use crate::metrics::{SplitTable, by_split};
use crate::route::Route;
use crate::text;

#[derive(Clone)]
struct Loaded {
    index: Arc<ModelIndex>,
    summary: VersionSummary,
    manifest: VersionManifest,
    problems: Vec<String>,
}

async fn load(model: ModelName, selector: Selector) -> Result<Loaded, ApiError> {
    let (index, problems) = api::load_model(&model).await?;
    let summary = api::select(&index, &selector)?.clone();
    let manifest = api::load_manifest(&model, &summary).await?;
    Ok(Loaded {
        index: Arc::new(index),
        summary,
        manifest,
        problems,
    })
}

/// The version page of `model@<selector>`: a version number, or an alias, `latest` or a
/// content id prefix resolved through the model's current state.
#[component]
pub fn VersionPage(model: ModelName, selector: Selector) -> impl IntoView {
    let name = model.clone();
    let wanted = selector.clone();
    let data = LocalResource::new(move || load(name.clone(), wanted.clone()));
    let model_href = Route::model(model.clone()).href();
    let reference = Reference {
        model: model.clone(),
        selector: selector.clone(),
    };
    let title = match &selector {
        Selector::Version(n) => format!("{model}@{n}"),
        _ => reference.to_string(),
    };
    view! {
        <section class="version">
            <nav class="crumbs">
                <a href="#/">"Models"</a> " / " <a href=model_href>{model.to_string()}</a> " / "
            </nav>
            <h1 class="version-title">{title}</h1>
            <Transition fallback=|| view! { <p class="loading">"Loading the manifest…"</p> }>
                <ErrorBoundary fallback=|errors| view! { <ErrorCards errors /> }>
                    {
                        let selector = selector.clone();
                        move || {
                            let selector = selector.clone();
                            Suspend::new(async move {
                                let Loaded { index, summary, manifest, problems } = data.await?;
                                let resolved = resolved_note(&index, &selector, &summary);
                                Ok::<_, ApiError>(view! {
                                    <Problems problems />
                                    {resolved}
                                    <Manifest index summary manifest />
                                })
                            })
                        }
                    }
                </ErrorBoundary>
            </Transition>
        </section>
    }
}

/// What a reference other than a version number selected: `production → v3 (set … by …)`.
fn resolved_note(
    index: &ModelIndex,
    selector: &Selector,
    summary: &VersionSummary,
) -> Option<impl IntoView + use<>> {
    let href = Route::Version {
        model: index.model.clone(),
        version: summary.version,
    }
    .href();
    let (what, detail) = match selector {
        Selector::Version(_) => return None,
        Selector::Latest => ("latest".to_string(), " (the highest version)".to_string()),
        Selector::ContentId(prefix) => (format!("sha256:{prefix}…"), String::new()),
        Selector::Alias(alias) => {
            let detail = index
                .aliases
                .get(alias)
                .map(|s| format!(" (since {} by {})", text::time(&s.set_at), s.set_by))
                .unwrap_or_default();
            (alias.to_string(), detail)
        }
    };
    Some(view! {
        <p id="resolved" class="resolved">
            {what} " → " <a href=href>{format!("v{}", summary.version)}</a> {detail}
        </p>
    })
}

/// A value as text, or as a link when it is an http(s) URL.
fn value_view(v: String) -> AnyView {
    match text::http_link(&v) {
        Some(href) => {
            let href = href.to_string();
            view! { <a href=href rel="noopener noreferrer" target="_blank">{v}</a> }.into_any()
        }
        None => v.into_any(),
    }
}

/// Rows of a key/value table.
fn kv_rows(id: &'static str, rows: Vec<(String, String)>) -> impl IntoView {
    (!rows.is_empty()).then(|| {
        view! {
            <table id=id class="table kv">
                <tbody>
                    {rows
                        .into_iter()
                        .map(|(k, v)| (k, value_view(v)))
                        .map(|(k, v)| { let key = k.clone(); view! { <tr data-key=key><th>{k}</th><td class="value">{v}</td></tr> } })
                        .collect_view()}
                </tbody>
            </table>
        }
    })
}

/// Whether the parent a manifest names is the version registered under that number:
/// `None` when it is, else why not.
async fn check_parent(parent: Parent, same_model: Option<Arc<ModelIndex>>) -> Option<String> {
    let index = match same_model {
        Some(index) => index,
        None => match api::load_model(&parent.model).await {
            Ok((index, _)) => Arc::new(index),
            Err(e) => return Some(format!("broken link: {e}")),
        },
    };
    match index.version(parent.version) {
        None => Some(format!(
            "broken link: {} has no version {}",
            parent.model, parent.version
        )),
        Some(v) if v.content_id != parent.content_id => Some(format!(
            "broken link: {parent} is registered with content id {}, not {}",
            text::short_digest(&v.content_id),
            text::short_digest(&parent.content_id)
        )),
        Some(_) => None,
    }
}

/// The parent link, checked against the parent's registered content id.
#[component]
fn ParentLink(parent: Parent, same_model: Option<Arc<ModelIndex>>) -> impl IntoView {
    let href = Route::Version {
        model: parent.model.clone(),
        version: parent.version,
    }
    .href();
    let label = parent.to_string();
    let check = LocalResource::new({
        let parent = parent.clone();
        move || check_parent(parent.clone(), same_model.clone())
    });
    view! {
        <a id="parent-link" href=href>{label}</a>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                check.await.map(|problem| view! { " " <span class="parent-problem error-text">{problem}</span> })
            })}
        </Suspense>
    }
}

/// Each metric that has evaluations: its values over time (measured at), with the
/// training-time value as reference.
fn evaluation_charts(
    manifest: &VersionManifest,
    evaluations: &[Evaluation],
) -> impl IntoView + use<> {
    let metrics: BTreeSet<String> = evaluations
        .iter()
        .flat_map(|e| e.metrics.keys().map(|k| k.to_string()))
        .collect();
    metrics
        .into_iter()
        .map(|key| {
            let points = evaluations
                .iter()
                .filter_map(|e| {
                    e.metrics
                        .iter()
                        .find(|(k, _)| k.as_str() == key)
                        .map(|(_, v)| (e.measured_at, *v, e.dataset.clone()))
                })
                .collect();
            let reference = manifest
                .metrics
                .iter()
                .find(|(k, _)| k.as_str() == key)
                .map(|(_, v)| *v);
            view! {
                <figure class="eval-figure">
                    <figcaption>
                        {key.clone()}
                        <span class="muted">
                            {match reference {
                                Some(r) => format!(" over time; dashed: {} at training", text::number(r)),
                                None => " over time (no training-time value)".to_string(),
                            }}
                        </span>
                    </figcaption>
                    <EvalChart metric=key points reference />
                </figure>
            }
        })
        .collect_view()
}

/// Metrics measured on splits (`train.f1`, `test.f1`): one row per metric, one column per
/// split.
fn split_metrics(table: SplitTable) -> impl IntoView {
    (!table.is_empty()).then(|| {
        let splits = table.splits.clone();
        view! {
            <div class="table-scroll">
                <table id="split-metrics" class="table split-metrics">
                    <thead>
                        <tr>
                            <th>"Metric"</th>
                            {table.splits.iter().map(|s| view! { <th data-split=s.clone()>{s.clone()}</th> }).collect_view()}
                        </tr>
                    </thead>
                    <tbody>
                        {table.rows.into_iter().map(|row| {
                            let cells = row.values.iter().zip(&splits).map(|(v, split)| match v {
                                Some(v) => view! {
                                    <td class="value" data-split=split.clone() data-value=v.to_string()>{text::number(*v)}</td>
                                }.into_any(),
                                None => view! { <td class="value missing" data-split=split.clone()>"—"</td> }.into_any(),
                            }).collect_view();
                            view! { <tr data-metric=row.metric.clone()><th>{row.metric.clone()}</th>{cells}</tr> }
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        }
    })
}

/// The model versions that link this dataset version (from the catalog's `uses`, then
/// the models' indexes).
#[component]
fn UsedBy(dataset: ModelName, version: u64) -> impl IntoView {
    let users = LocalResource::new(move || {
        let dataset = dataset.clone();
        async move { api::load_used_by(&dataset, version).await }
    });
    view! {
        <Transition fallback=|| view! { <p class="loading">"Looking for the model versions that use it…"</p> }>
            <ErrorBoundary fallback=|errors| view! { <ErrorCards errors /> }>
                {move || Suspend::new(async move {
                    let (users, problems) = users.await?;
                    let body = if users.is_empty() {
                        view! { <p id="used-by-none" class="muted">"No model version in the catalog links this dataset version."</p> }.into_any()
                    } else {
                        view! {
                            <ul id="used-by" class="used-by">
                                {users.into_iter().flat_map(|(model, versions)| {
                                    versions.into_iter().map(move |(v, roles)| {
                                        let href = Route::Version { model: model.clone(), version: v }.href();
                                        view! {
                                            <li class="user" data-model=model.to_string() data-version=v.to_string()>
                                                <a href=href>{format!("{model}@{v}")}</a>
                                                <span class="muted roles">{format!(" as {}", roles.join(", "))}</span>
                                            </li>
                                        }
                                    })
                                }).collect_view()}
                            </ul>
                        }.into_any()
                    };
                    Ok::<_, ApiError>(view! { <Problems problems /> {body} })
                })}
            </ErrorBoundary>
        </Transition>
    }
}

#[component]
fn Manifest(
    index: Arc<ModelIndex>,
    summary: VersionSummary,
    manifest: VersionManifest,
) -> impl IntoView {
    let model = manifest.model.clone();
    let version = manifest.version;
    let reference = format!("{model}@{version}");
    let pull = format!(
        "shelf pull {reference} -o {}-v{}",
        model.as_str().replace('/', "-"),
        version
    );
    let (split_table, other_metrics) =
        by_split(manifest.metrics.iter().map(|(k, v)| (k.as_str(), *v)));
    let metrics = other_metrics
        .into_iter()
        .map(|(k, v)| (k, text::number(v)))
        .collect();
    let params = manifest
        .params
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let labels = manifest
        .labels
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect();
    let tags: Vec<(String, String)> = summary
        .tags
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect();
    let previous = (version > 1).then(|| {
        let href = Route::Compare {
            model: model.clone(),
            versions: vec![version - 1, version],
        }
        .href();
        view! { <a id="compare-previous" href=href>{format!("Compare with v{}", version - 1)}</a> }
    });
    let aliases: Vec<_> = index.aliases_of(version).into_iter().cloned().collect();
    let alias_badges = aliases
        .iter()
        .map(|alias| view! { <AliasBadge alias=alias.clone() /> " " })
        .collect_view();
    let deployed = lifecycle::deployed_to(&index.deployments, version);
    let deployed_view = (!deployed.is_empty()).then(|| {
        let items = deployed
            .into_iter()
            .enumerate()
            .map(|(i, (target, share))| {
                view! {
                    {(i > 0).then_some(", ")}
                    <span class="deployment" data-target=target.to_string()>
                        {format!("{target} {}", text::percent(share))}
                    </span>
                }
            })
            .collect_view();
        view! { <dt>"Deployed"</dt><dd id="deployed">{items}</dd> }
    });
    let parent = summary.parent.clone().map(|parent| {
        let same_model = (parent.model == model).then(|| index.clone());
        view! { <dt>"Parent"</dt><dd class="parent"><ParentLink parent same_model /></dd> }
    });
    let branch = summary.branch.as_ref().map(|b| {
        view! { <dt>"Branch"</dt><dd id="branch" class="branch">{b.to_string()}</dd> }
    });
    let children = lifecycle::children(&index.versions, &model, version);
    let children_view = (!children.is_empty()).then(|| {
        let links = children
            .into_iter()
            .enumerate()
            .map(|(i, child)| {
                let href = Route::Version {
                    model: model.clone(),
                    version: child,
                }
                .href();
                view! { {(i > 0).then_some(", ")} <a class="child" href=href>{format!("v{child}")}</a> }
            })
            .collect_view();
        view! { <dt>"Children"</dt><dd id="children">{links}</dd> }
    });
    let evaluations = summary.evaluations.clone();
    let model_files: Vec<_> = manifest
        .artifacts
        .iter()
        .filter_map(|a| Some((a.path.to_string(), a.info.clone().filter(|i| i.is_known())?)))
        .collect();
    let is_dataset = manifest.subject == Subject::Dataset;
    let history: Vec<_> = index
        .events
        .iter()
        .filter(|e| e.version == Some(version))
        .cloned()
        .collect();
    view! {
        <div class="version-badges">
            {is_dataset.then(|| view! { <DatasetBadge /> " " })}
            <StatusBadge status=summary.effective_status() />
            " "
            {alias_badges}
        </div>
        <dl class="facts">
            <dt>"Content id"</dt><dd><code class="digest">{summary.content_id.to_string()}</code></dd>
            <dt>"Created"</dt><dd class="created">{format!("{} by {}", text::time(&manifest.created_at), manifest.created_by)}</dd>
            <dt>"Size"</dt><dd>{format!("{} in {} artifact{}", text::size(manifest.total_size()), manifest.artifacts.len(), if manifest.artifacts.len() == 1 { "" } else { "s" })}</dd>
            {deployed_view}
            {branch}
            {parent}
            {children_view}
        </dl>
        <p>{previous}</p>
        {(!manifest.description.is_empty()).then(|| view! {
            <h2>"Description"</h2>
            <p class="description">{manifest.description.clone()}</p>
        })}
        <h2>"Pull"</h2>
        <pre class="command"><code id="pull-command">{pull}</code></pre>
        {(!manifest.metrics.is_empty()).then(|| view! { <h2>"Metrics"</h2> })}
        {split_metrics(split_table)}
        {kv_rows("metrics", metrics)}
        {(!evaluations.is_empty()).then(|| view! {
            <h2>"Evaluations"</h2>
            <div class="eval-charts">{evaluation_charts(&manifest, &evaluations)}</div>
            <div class="table-scroll">
                <table id="evaluations" class="table">
                    <thead><tr><th>"Measured"</th><th>"Dataset"</th><th>"By"</th><th>"Metrics"</th></tr></thead>
                    <tbody>
                        {evaluations.iter().rev().map(|e| view! {
                            <tr class="evaluation" data-seq=e.seq.to_string()>
                                <td class="measured" title=format!("recorded {}", text::time_precise(&e.recorded_at))>{text::time(&e.measured_at)}</td>
                                <td class="dataset">{e.dataset.clone()}</td>
                                <td class="actor">{e.actor.clone()}</td>
                                <td class="metrics">
                                    {e.metrics.iter().map(|(k, v)| format!("{k}={}", text::number(*v))).collect::<Vec<_>>().join(" ")}
                                </td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        })}
        {(!manifest.params.is_empty()).then(|| view! { <h2>"Params"</h2> })}
        {kv_rows("params", params)}
        {(!manifest.labels.is_empty()).then(|| view! { <h2>"Labels"</h2> })}
        {kv_rows("labels", labels)}
        {(!tags.is_empty()).then(|| view! { <h2>"Tags"</h2> })}
        {kv_rows("tags", tags)}
        {(!manifest.datasets.is_empty()).then(|| view! {
            <h2>"Datasets"</h2>
            <DatasetsView datasets=manifest.datasets.clone() />
        })}
        {manifest.code.clone().map(|code| view! { <h2>"Code"</h2><CodeView code /> })}
        {manifest.run.clone().map(|run| view! { <h2>"Run"</h2><RunView run /> })}
        {manifest.environment.clone().map(|env| view! { <h2>"Environment"</h2><EnvironmentView env /> })}
        <h2>"Artifacts"</h2>
        <div class="table-scroll">
            <table id="artifacts" class="table">
                <thead><tr><th>"Path"</th><th>"Size"</th><th>"sha256"</th></tr></thead>
                <tbody>
                    {manifest
                        .artifacts
                        .iter()
                        .map(|a| {
                            let file_name = a.path.segments().last().unwrap_or("artifact").to_string();
                            let info = a.info.as_ref().filter(|i| i.is_known());
                            let format = info.map(|i| view! { " " <span class="badge format-badge">{i.format_name()}</span> });
                            let unsafe_badge = info.filter(|i| i.unsafe_to_load()).map(|_| view! {
                                " " <span class="badge unsafe" title="loading this file can run arbitrary code">"unsafe to load"</span>
                            });
                            view! {
                                <tr class="artifact" data-path=a.path.to_string()>
                                    <td><a class="download" href=keys::blob_key(&a.digest) download=file_name>{a.path.to_string()}</a>{format}{unsafe_badge}</td>
                                    <td class="size">{text::size(a.size)}</td>
                                    <td><code class="digest">{a.digest.to_string()}</code></td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </div>
        {(!model_files.is_empty()).then(|| view! {
            <h2>"Model files"</h2>
            <p class="muted">"Read from the files' headers at push; nothing was loaded or run."</p>
            {model_files.into_iter().map(|(path, info)| view! { <ModelFile path info /> }).collect_view()}
        })}
        {is_dataset.then(|| view! {
            <h2>"Used by"</h2>
            <UsedBy dataset=model.clone() version />
        })}
        {(!history.is_empty()).then(|| view! {
            <h2>"History"</h2>
            <Timeline id="version-timeline" model=model.clone() events=history />
        })}
    }
}
