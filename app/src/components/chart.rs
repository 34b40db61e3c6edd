use leptos::prelude::*;
use shelf_format::Timestamp;

use crate::chart::{layout, path, time_layout};
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
                let ticks = y_grid(&l.y_ticks);
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
                        <path d=path(l.points.iter().map(|p| (p.x, p.y))) class="line" fill="none" />
                        {points}
                    </g>
                }
                    .into_any()
            }}
        </svg>
    }
}

/// One evaluated metric of a version over time (when it was measured), with the value it
/// had at training time (from the manifest) as a dashed reference line.
#[component]
pub fn EvalChart(
    metric: String,
    /// (measured at, value, dataset) of each evaluation that has the metric.
    points: Vec<(Timestamp, f64, Option<String>)>,
    reference: Option<f64>,
) -> impl IntoView {
    let series: Vec<(i64, f64)> = points.iter().map(|(t, v, _)| (t.millis(), *v)).collect();
    let l = time_layout(&series, reference, WIDTH, HEIGHT, MARGIN);
    let ticks = y_grid(&l.y_ticks);
    let span = match l.x_ticks.as_slice() {
        [(_, a), (_, b)] => b - a,
        _ => 0,
    };
    let x_ticks = l
        .x_ticks
        .iter()
        .map(|(x, millis)| {
            view! {
                <text x=*x y=HEIGHT - 10.0 text-anchor="middle" class="tick">{text::axis_time(*millis, span)}</text>
            }
        })
        .collect_view();
    let reference_line = l.reference_y.zip(reference).map(|(y, value)| {
        view! {
            <line class="reference" x1=MARGIN x2=WIDTH - MARGIN y1=y y2=y data-value=value.to_string() />
            <text class="reference-label" x=MARGIN + 4.0 y=y - 5.0 text-anchor="start">
                {format!("at training: {}", text::number(value))}
            </text>
        }
    });
    // Each point's tooltip, in time order like the layout's points.
    let mut sorted: Vec<&(Timestamp, f64, Option<String>)> =
        points.iter().filter(|(_, v, _)| v.is_finite()).collect();
    sorted.sort_by_key(|(t, _, _)| *t);
    let circles = l
        .points
        .iter()
        .zip(sorted)
        .map(|(p, (t, value, dataset))| {
            let title = match dataset {
                Some(d) => format!("{}: {} on {d}", text::time(t), text::number(*value)),
                None => format!("{}: {}", text::time(t), text::number(*value)),
            };
            view! {
                <circle class="point" cx=p.x cy=p.y r="4" data-value=value.to_string()>
                    <title>{title}</title>
                </circle>
            }
        })
        .collect_view();
    view! {
        <svg
            class="chart eval-chart"
            data-metric=metric.clone()
            viewBox=format!("0 0 {WIDTH} {HEIGHT}")
            role="img"
            aria-label=format!("{metric} over time")
        >
            {ticks}
            {reference_line}
            <path d=path(l.points.iter().map(|p| (p.x, p.y))) class="line" fill="none" />
            {circles}
            {x_ticks}
        </svg>
    }
}

/// The horizontal grid lines of a chart and their values, at (y, value) ticks.
fn y_grid(ticks: &[(f64, f64)]) -> impl IntoView + use<> {
    ticks
        .iter()
        .map(|(y, value)| {
            view! {
                <line x1=MARGIN x2=WIDTH - MARGIN y1=*y y2=*y class="grid" />
                <text x=MARGIN - 6.0 y=*y + 4.0 text-anchor="end" class="tick">{text::number(*value)}</text>
            }
        })
        .collect_view()
}
