use leptos::prelude::*;
use shelf_format::ModelName;

use crate::lifecycle::TargetRow;
use crate::route::Route;
use crate::text;

/// What runs where: one row per target, its versions with their share of its traffic
/// (largest first) as text and as a bar.
#[component]
pub fn Deployments(model: ModelName, rows: Vec<TargetRow>) -> impl IntoView {
    let rows = rows
        .into_iter()
        .map(|row| {
            let shares = row
                .shares
                .iter()
                .enumerate()
                .map(|(i, (version, share))| {
                    let href = Route::Version { model: model.clone(), version: *version }.href();
                    view! {
                        {(i > 0).then_some(", ")}
                        <span class="share" data-version=version.to_string()>
                            <a href=href>{format!("v{version}")}</a>
                            " "
                            <span class="percent">{text::percent(*share)}</span>
                        </span>
                    }
                })
                .collect_view();
            let bar = row
                .shares
                .iter()
                .enumerate()
                .map(|(i, (version, share))| {
                    view! {
                        <span
                            class=format!("segment segment-{}", i % 4)
                            style:width=format!("{:.3}%", share.clamp(0.0, 100.0))
                            title=format!("v{version}: {}", text::percent(*share))
                        ></span>
                    }
                })
                .collect_view();
            view! {
                <tr class="target-row" data-target=row.target.to_string()>
                    <th class="target">{row.target.to_string()}</th>
                    <td class="shares">{shares}</td>
                    <td class="total">{text::percent(row.total)}</td>
                    <td class="bar-cell"><div class="traffic-bar" aria-hidden="true">{bar}</div></td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="table-scroll">
            <table id="deployments" class="table">
                <thead>
                    <tr><th>"Target"</th><th>"Versions (share of traffic)"</th><th>"Total"</th><th></th></tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}
