use leptos::prelude::*;

use crate::chart::{layout, path};
use crate::text;

const WIDTH: f64 = 640.0;
const HEIGHT: f64 = 220.0;
const MARGIN: f64 = 36.0;

/// A line chart of one metric across versions, drawn as SVG by the app.
#[component]
pub fn Chart(series: Signal<Vec<(u64, f64)>>, metric: Signal<String>) -> impl IntoView {
    view! {
        <svg
            id="metric-chart"
            class="chart"
            viewBox=format!("0 0 {WIDTH} {HEIGHT}")
            role="img"
            aria-label=move || format!("{} across versions", metric.get())
        >
            {move || {
                let data = series.get();
                if data.is_empty() {
                    return view! {
                        <text x="50%" y="50%" text-anchor="middle" class="muted">"no values for this metric"</text>
                    }
                        .into_any();
                }
                let l = layout(&data, WIDTH, HEIGHT, MARGIN);
                let ticks = l
                    .y_ticks
                    .iter()
                    .map(|(y, value)| {
                        view! {
                            <line x1=MARGIN x2=WIDTH - MARGIN y1=*y y2=*y class="grid" />
                            <text x=MARGIN - 6.0 y=*y + 4.0 text-anchor="end" class="tick">{text::number(*value)}</text>
                        }
                    })
                    .collect_view();
                let points = l
                    .points
                    .iter()
                    .map(|p| {
                        view! {
                            <circle class="point" cx=p.x cy=p.y r="4" data-version=p.version.to_string()>
                                <title>{format!("v{}: {}", p.version, text::number(p.value))}</title>
                            </circle>
                            <text x=p.x y=HEIGHT - 10.0 text-anchor="middle" class="tick">{format!("v{}", p.version)}</text>
                        }
                    })
                    .collect_view();
                view! {
                    <g>
                        {ticks}
                        <path d=path(&l.points) class="line" fill="none" />
                        {points}
                    </g>
                }
                    .into_any()
            }}
        </svg>
    }
}
