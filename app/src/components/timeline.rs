use leptos::prelude::*;
use shelf_format::{EventSummary, ModelName};

use crate::lifecycle::newest_first;
use crate::route::Route;
use crate::text;

/// A model's audit trail, newest first: when, who, what, why; events replay refused are
/// marked and say why. Each links to the model as of its time.
#[component]
pub fn Timeline(id: &'static str, model: ModelName, events: Vec<EventSummary>) -> impl IntoView {
    let items = newest_first(&events)
        .into_iter()
        .map(|e| {
            let refused = e.problem.is_some();
            let version = e.version.map(|version| {
                let href = Route::Version { model: model.clone(), version }.href();
                view! { <a class="event-version" href=href>{format!("v{version}")}</a> }
            });
            let as_of = Route::Model { model: model.clone(), at: Some(e.time) }.href();
            view! {
                <li class="event" class:refused=refused data-seq=e.seq.to_string() data-type=e.event_type.clone()>
                    <div class="event-head">
                        <time class="event-time" datetime=e.time.to_string() title=text::time_precise(&e.time)>
                            {text::time(&e.time)}
                        </time>
                        " · "
                        <span class="actor">{e.actor.clone()}</span>
                        {refused.then(|| view! { " " <span class="badge refused">"refused"</span> })}
                        " · "
                        <a class="as-of-link" href=as_of title="The model as it was right after this event">"as of then"</a>
                    </div>
                    <div class="what">
                        {version}
                        {e.version.is_some().then_some(" ")}
                        <span class="summary">{e.summary.clone()}</span>
                    </div>
                    {e.reason.clone().map(|r| view! {
                        <div class="why"><span class="muted">"why: "</span><span class="reason">{r}</span></div>
                    })}
                    {e.problem.clone().map(|p| view! {
                        <div class="not-applied">"not applied: " <span class="problem">{p}</span></div>
                    })}
                </li>
            }
        })
        .collect_view();
    view! { <ol id=id class="timeline">{items}</ol> }
}
