use leptos::prelude::*;

/// Warnings about log entries that could not be read; the rest of the page still works.
#[component]
pub fn Problems(problems: Vec<String>) -> impl IntoView {
    (!problems.is_empty()).then(|| {
        view! {
            <div class="problems">
                {problems
                    .into_iter()
                    .map(|p| view! { <p class="error-card warning" role="alert">{p}</p> })
                    .collect_view()}
            </div>
        }
    })
}
