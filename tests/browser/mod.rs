//! The web app end to end: real headless Chromium over WebDriver, against `shelf serve` and
//! against a bucket on the S3 test server, asserting what the pages render.
//!
//! Needs the app built before `shelf` (`scripts/build-app.sh`, then `cargo build`), the S3
//! test server and chromedriver; `scripts/test.sh` does all of it. A screenshot of every
//! page goes to `target/screenshots/<test>-<page>.png` (and `<test>-failure.png` when a
//! test fails).
//!
//! One file per page (`catalog`, `model`, `version`, `compare`, `lifecycle`,
//! `provenance`), plus the site as a whole (`site`) and hostile or damaged registries
//! (`robustness`). The registries they open are built in `fixtures`; the selectors of what
//! each page draws are named once in `pages` (page objects).

mod catalog;
mod compare;
mod fixtures;
mod lifecycle;
mod model;
mod pages;
mod provenance;
mod robustness;
mod site;
mod version;
