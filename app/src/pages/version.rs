//! A version: everything in its manifest.

use leptos::prelude::*;
use shelf_format::{ModelName, VersionManifest, VersionSummary, keys};

use crate::api::{self, ApiError};
use crate::components::{ErrorCards, Problems};
use crate::route::Route;
use crate::text;

async fn load(
    model: ModelName,
    version: u64,
) -> Result<(VersionSummary, VersionManifest, Vec<String>), ApiError> {
    let (index, problems) = api::load_model(&model).await?;
    let summary = index
        .versions
        .iter()
        .find(|v| v.version == version)
        .cloned()
        .ok_or_else(|| {
            ApiError::new(
                &keys::model_index_key(&model),
                format!(
                    "{model} has no version {version} (it has {})",
                    index.versions.len()
                ),
            )
        })?;
    let manifest = api::load_manifest(&model, &summary).await?;
    Ok((summary, manifest, problems))
}

#[component]
pub fn VersionPage(model: ModelName, version: u64) -> impl IntoView {
    let name = model.clone();
    let data = LocalResource::new(move || load(name.clone(), version));
    let model_href = Route::Model {
        model: model.clone(),
    }
    .href();
    view! {
        <section class="version">
            <nav class="crumbs">
                <a href="#/">"Models"</a> " / " <a href=model_href>{model.to_string()}</a> " / "
            </nav>
            <h1 class="version-title">{format!("{model}@{version}")}</h1>
            <Transition fallback=|| view! { <p class="loading">"Loading the manifest…"</p> }>
                <ErrorBoundary fallback=|errors| view! { <ErrorCards errors /> }>
                    {move || Suspend::new(async move {
                        let (summary, manifest, problems) = data.await?;
                        Ok::<_, ApiError>(view! {
                            <Problems problems />
                            <Manifest summary manifest />
                        })
                    })}
                </ErrorBoundary>
            </Transition>
        </section>
    }
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

#[component]
fn Manifest(summary: VersionSummary, manifest: VersionManifest) -> impl IntoView {
    let reference = format!("{}@{}", manifest.model, manifest.version);
    let pull = format!(
        "shelf pull {reference} -o {}-v{}",
        manifest.model.as_str().replace('/', "-"),
        manifest.version
    );
    let metrics = manifest
        .metrics
        .iter()
        .map(|(k, v)| (k.to_string(), text::number(*v)))
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
    let previous = (manifest.version > 1).then(|| {
        let href = Route::Compare {
            model: manifest.model.clone(),
            versions: vec![manifest.version - 1, manifest.version],
        }
        .href();
        view! { <a id="compare-previous" href=href>{format!("Compare with v{}", manifest.version - 1)}</a> }
    });
    view! {
        <dl class="facts">
            <dt>"Content id"</dt><dd><code class="digest">{summary.content_id.to_string()}</code></dd>
            <dt>"Created"</dt><dd class="created">{format!("{} by {}", text::time(&manifest.created_at), manifest.created_by)}</dd>
            <dt>"Size"</dt><dd>{format!("{} in {} artifact{}", text::size(manifest.total_size()), manifest.artifacts.len(), if manifest.artifacts.len() == 1 { "" } else { "s" })}</dd>
        </dl>
        <p>{previous}</p>
        {(!manifest.description.is_empty()).then(|| view! {
            <h2>"Description"</h2>
            <p class="description">{manifest.description.clone()}</p>
        })}
        <h2>"Pull"</h2>
        <pre class="command"><code id="pull-command">{pull}</code></pre>
        {(!manifest.metrics.is_empty()).then(|| view! { <h2>"Metrics"</h2> })}
        {kv_rows("metrics", metrics)}
        {(!manifest.params.is_empty()).then(|| view! { <h2>"Params"</h2> })}
        {kv_rows("params", params)}
        {(!manifest.labels.is_empty()).then(|| view! { <h2>"Labels"</h2> })}
        {kv_rows("labels", labels)}
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
                            view! {
                                <tr class="artifact" data-path=a.path.to_string()>
                                    <td><a class="download" href=keys::blob_key(&a.digest) download=file_name>{a.path.to_string()}</a></td>
                                    <td class="size">{text::size(a.size)}</td>
                                    <td><code class="digest">{a.digest.to_string()}</code></td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </div>
    }
}
