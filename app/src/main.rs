//! The Shelf web app: a Leptos client-side-rendered app that reads a registry straight from
//! its bucket. Built with trunk (`scripts/build-app.sh`); every URL it fetches is relative to
//! the page, so the same build works under any bucket prefix.

mod api;
mod app;
mod chart;
mod components;
mod lifecycle;
mod metrics;
mod pages;
mod provenance;
mod route;
mod text;

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(app::App);
}
