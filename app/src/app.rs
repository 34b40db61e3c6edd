//! The root component.

use leptos::prelude::*;
use shelf_format::RegistryDescriptor;

use crate::api;
use crate::components::ErrorCards;

/// The registry's descriptor, read from `shelf.json` next to the page.
#[component]
pub fn App() -> impl IntoView {
    let registry = LocalResource::new(|| api::fetch_json::<RegistryDescriptor>("shelf.json"));

    view! {
        <main class="shelf">
            <h1>"Shelf"</h1>
            <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                <ErrorBoundary fallback=|errors| view! { <ErrorCards errors /> }>
                    {move || Suspend::new(async move {
                        registry
                            .await
                            .map(|registry| {
                                view! { <p class="registry-name">{registry.name}</p> }
                            })
                    })}
                </ErrorBoundary>
            </Transition>
        </main>
    }
}
