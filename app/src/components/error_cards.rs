use leptos::prelude::*;

/// One card per error caught by an `<ErrorBoundary>` (its `fallback`).
#[component]
pub fn ErrorCards(errors: ArcRwSignal<Errors>) -> impl IntoView {
    let cards = move || {
        errors.with(|errors| {
            errors
                .iter()
                .map(|(_, error)| view! { <p class="error-card" role="alert">{error.to_string()}</p> })
                .collect::<Vec<_>>()
        })
    };
    view! { <div class="errors">{cards}</div> }
}
