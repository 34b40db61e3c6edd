use leptos::prelude::*;
use shelf_format::{AliasName, Status};

/// A version's lifecycle status: `<span class="badge status status-production">`.
#[component]
pub fn StatusBadge(status: Status) -> impl IntoView {
    let name = status.as_str();
    view! { <span class=format!("badge status status-{name}") data-status=name>{name}</span> }
}

/// An alias pointing at a version: `<span class="badge alias">`, or a link with `href`.
/// `version` is written in the badge where the badge stands apart from its version
/// (`production → v3` in catalog rows).
#[component]
pub fn AliasBadge(
    alias: AliasName,
    #[prop(optional)] version: Option<u64>,
    #[prop(optional)] href: Option<String>,
) -> impl IntoView {
    let label = match version {
        Some(v) => format!("{alias} → v{v}"),
        None => alias.to_string(),
    };
    let name = alias.to_string();
    match href {
        Some(href) => {
            view! { <a class="badge alias" data-alias=name href=href>{label}</a> }.into_any()
        }
        None => view! { <span class="badge alias" data-alias=name>{label}</span> }.into_any(),
    }
}

/// Marks a registry entry that is a dataset (its versions hold data that model versions
/// link to), not a model.
#[component]
pub fn DatasetBadge() -> impl IntoView {
    view! { <span class="badge kind-dataset" title="a dataset: model versions link its versions">"dataset"</span> }
}
