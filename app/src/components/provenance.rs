//! What a version was made with: environment, code, run and datasets. Every value is
//! text; only http(s) URLs become links.

use std::sync::Arc;

use leptos::prelude::*;
use shelf_format::{Code, DatasetLink, Environment, Run, keys};

use crate::provenance::filter_packages;
use crate::route::Route;
use crate::text;

/// How a fact's value is drawn.
enum Value {
    Text(String),
    /// Monospace: a commit.
    Code(String),
    /// A code block: a command.
    Block(String),
    /// A link when it is an http(s) URL, else text.
    MaybeLink(String),
    /// A blob to download, with a note after it.
    Download {
        href: String,
        name: String,
        note: String,
    },
}

/// One line of a facts list (`<dt>`/`<dd>`); the `<dd>` has the id.
struct Fact {
    label: &'static str,
    id: &'static str,
    value: Value,
    class: Option<&'static str>,
    title: Option<String>,
}

fn fact(label: &'static str, id: &'static str, value: Value) -> Fact {
    Fact {
        label,
        id,
        value,
        class: None,
        title: None,
    }
}

fn value_view(value: Value) -> AnyView {
    match value {
        Value::Text(t) => t.into_any(),
        Value::Code(c) => view! { <code>{c}</code> }.into_any(),
        Value::Block(c) => view! { <pre class="command"><code>{c}</code></pre> }.into_any(),
        Value::MaybeLink(v) => match text::http_link(&v) {
            Some(href) => {
                let href = href.to_string();
                view! { <a href=href rel="noopener noreferrer" target="_blank">{v}</a> }.into_any()
            }
            None => v.into_any(),
        },
        Value::Download { href, name, note } => view! {
            <a class="download" href=href download=name.clone()>{name.clone()}</a>
            <span class="muted">{note}</span>
        }
        .into_any(),
    }
}

/// A facts list: every section of the provenance is drawn by this one view.
fn facts_view(id: &'static str, facts: Vec<Fact>) -> impl IntoView {
    let items = facts
        .into_iter()
        .map(|f| {
            view! {
                <dt>{f.label}</dt>
                <dd id=f.id class=f.class title=f.title>{value_view(f.value)}</dd>
            }
        })
        .collect_view();
    view! { <dl id=id class="facts">{items}</dl> }
}

/// The environment: interpreter, OS, hardware, container image, lock file, and the
/// packages with a filter (an environment lists hundreds).
#[component]
pub fn EnvironmentView(env: Environment) -> impl IntoView {
    let gpus = (!env.gpus.is_empty()).then(|| {
        env.gpus
            .iter()
            .map(|g| {
                let mut details = Vec::new();
                if let Some(driver) = &g.driver {
                    details.push(format!("driver {driver}"));
                }
                if let Some(mib) = g.memory_mib {
                    details.push(format!("{} MiB", text::thousands(mib)));
                }
                if details.is_empty() {
                    g.name.clone()
                } else {
                    format!("{} ({})", g.name, details.join(", "))
                }
            })
            .collect::<Vec<_>>()
            .join("; ")
    });
    let texts = [
        ("Python", "env-python", env.python),
        ("Packages from", "env-packages-from", env.packages_from),
        ("OS", "env-os", env.os),
        ("CPU", "env-cpu", env.cpu),
        ("GPUs", "env-gpus", gpus),
        ("CUDA", "env-cuda", env.cuda),
        (
            "Container image",
            "env-container-image",
            env.container_image,
        ),
    ];
    let mut facts: Vec<Fact> = texts
        .into_iter()
        .filter_map(|(label, id, v)| Some(fact(label, id, Value::Text(v?))))
        .collect();
    if let Some(lock) = env.lock_file {
        facts.push(fact(
            "Lock file",
            "env-lock-file",
            Value::Download {
                href: keys::blob_key(&lock.digest),
                name: lock.name,
                note: format!(
                    " {} · {}",
                    text::size(lock.size),
                    text::short_digest(&lock.digest)
                ),
            },
        ));
    }
    let total = env.packages.len();
    let packages = Arc::new(env.packages);
    let filter = RwSignal::new(String::new());
    let shown = Memo::new({
        let packages = packages.clone();
        move |_| {
            filter_packages(&packages, &filter.read())
                .into_iter()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect::<Vec<_>>()
        }
    });
    view! {
        {facts_view("environment", facts)}
        {(total > 0).then(|| view! {
            <h3>"Packages"</h3>
            <div class="toolbar">
                <input
                    id="package-filter"
                    type="search"
                    aria-label="Filter packages"
                    placeholder="Filter packages by name"
                    prop:value=move || filter.get()
                    on:input=move |ev| filter.set(event_target_value(&ev))
                />
                <span id="package-count" class="muted">
                    {move || format!("{} of {total} packages", shown.read().len())}
                </span>
            </div>
            <div class="table-scroll packages-scroll">
                <table id="packages" class="table">
                    <thead><tr><th>"Package"</th><th>"Version"</th></tr></thead>
                    <tbody>
                        {move || shown.get().into_iter().map(|(name, version)| view! {
                            <tr class="package" data-package=name.clone()>
                                <td class="name">{name.clone()}</td>
                                <td class="version">{version}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        })}
    }
}

/// The code: repository (a link only when it is an http(s) URL), commit, branch, and
/// whether tracked files had uncommitted changes.
#[component]
pub fn CodeView(code: Code) -> impl IntoView {
    let mut facts = Vec::new();
    if let Some(r) = code.repository {
        facts.push(fact("Repository", "code-repository", Value::MaybeLink(r)));
    }
    if let Some(c) = code.commit {
        facts.push(fact("Commit", "code-commit", Value::Code(c)));
    }
    if let Some(b) = code.branch {
        facts.push(fact("Branch", "code-branch", Value::Text(b)));
    }
    let dirty = match (code.dirty, code.diff_sha256) {
        (true, Some(d)) => format!("yes: diff {}", text::short_digest(&d)),
        (true, None) => "yes".to_string(),
        (false, _) => "no".to_string(),
    };
    facts.push(Fact {
        class: code.dirty.then_some("dirty"),
        title: code
            .diff_sha256
            .map(|d| format!("sha256 of `git diff HEAD --binary`: {d}")),
        ..fact("Uncommitted changes", "code-dirty", Value::Text(dirty))
    });
    facts_view("code", facts)
}

/// The training run: its command, its page in a tracker, its experiment.
#[component]
pub fn RunView(run: Run) -> impl IntoView {
    let mut facts = Vec::new();
    if let Some(c) = run.command {
        facts.push(fact("Command", "run-command", Value::Block(c)));
    }
    if let Some(u) = run.url {
        facts.push(fact("Tracker", "run-url", Value::MaybeLink(u)));
    }
    if let Some(e) = run.experiment {
        facts.push(fact("Experiment", "run-experiment", Value::Text(e)));
    }
    facts_view("run", facts)
}

/// The datasets, with their roles: a registered one links to its version page; external
/// data shows its URI, digest, size, and whether it was verified at push.
#[component]
pub fn DatasetsView(datasets: Vec<DatasetLink>) -> impl IntoView {
    let rows = datasets
        .into_iter()
        .map(|d| {
            let (data, digest) = match (&d.registered, &d.uri) {
                (Some(r), _) => {
                    let href = Route::Version {
                        model: r.name.clone(),
                        version: r.version,
                    }
                    .href();
                    (
                        view! { <a class="dataset-ref" href=href>{r.version_ref().to_string()}</a> }.into_any(),
                        Some(text::short_digest(&r.content_id)),
                    )
                }
                (None, Some(uri)) => (
                    view! { <span class="uri">{uri.clone()}</span> }.into_any(),
                    d.digest.as_ref().map(text::short_digest),
                ),
                (None, None) => ("—".into_any(), None),
            };
            let (badge, title) = match (d.verified, d.registered.is_some()) {
                (true, true) => ("verified", "registered in this registry, pinned by its content id"),
                (true, false) => ("verified", "hashed at push: the digest says what it held"),
                (false, _) => ("unverified", "could not be read at push: nothing proves what it held"),
            };
            view! {
                <tr class="dataset-link" data-role=d.role.clone()>
                    <td class="role">{d.role.clone()}</td>
                    <td class="data">{data}</td>
                    <td class="digest"><code>{digest}</code></td>
                    <td class="size">{d.size.map(text::size)}</td>
                    <td><span class=format!("badge check {badge}") title=title>{badge}</span></td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="table-scroll">
            <table id="datasets" class="table">
                <thead><tr><th>"Role"</th><th>"Data"</th><th>"Digest"</th><th>"Size"</th><th>"Check"</th></tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}
