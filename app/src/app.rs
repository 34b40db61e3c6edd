//! The root component: hash routing by hand (a bucket can't rewrite paths, and
//! leptos_router has no hash mode), a header, and the page of the current route.

use leptos::ev;
use leptos::prelude::*;
use shelf_format::{Reference, Selector};

use crate::pages::{CatalogPage, ComparePage, ModelPage, VersionPage};
use crate::route::Route;

fn current_route() -> Route {
    Route::parse(&window().location().hash().unwrap_or_default())
}

/// Change the address bar's hash without adding a history entry or a `hashchange`
/// (used while typing a search, so the permalink follows the query).
pub fn replace_hash(href: &str) {
    if let Ok(history) = window().history() {
        let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(href));
    }
}

#[component]
pub fn App() -> impl IntoView {
    let route = RwSignal::new(current_route());
    let handle = window_event_listener(ev::hashchange, move |_| route.set(current_route()));
    on_cleanup(move || handle.remove());

    view! {
        <header class="top">
            <a class="brand" href="#/">"Shelf"</a>
            <span class="tagline">"model registry"</span>
        </header>
        <main class="shelf">
            {move || match route.get() {
                Route::Catalog { query } => view! { <CatalogPage query /> }.into_any(),
                Route::Model { model, at } => view! { <ModelPage model at /> }.into_any(),
                Route::Version { model, version } => {
                    view! { <VersionPage model selector=Selector::Version(version) /> }.into_any()
                }
                Route::Ref { reference } => {
                    let Reference { model, selector } = reference;
                    view! { <VersionPage model selector /> }.into_any()
                }
                Route::Compare { model, versions } => {
                    view! { <ComparePage model versions /> }.into_any()
                }
                Route::NotFound { hash } => {
                    view! {
                        <p class="error-card" role="alert">
                            "No page at #" {hash} ". " <a href="#/">"Back to the catalog"</a>
                        </p>
                    }
                        .into_any()
                }
            }}
        </main>
    }
}
