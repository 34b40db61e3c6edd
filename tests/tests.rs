//! The integration tests of `shelf`, in one test binary (`cargo test -p shelf --test
//! integration`): one link of the library and its dependencies instead of one per file.
//! Each file is a module; run one group by its path, e.g.
//! `cargo test -p shelf --test integration conformance::` or `… browser::catalog::`.
//!
//! | module        | what it runs                                                        |
//! |---------------|---------------------------------------------------------------------|
//! | `conformance` | library scenarios on memory, a local folder, S3 (moto) and Azurite  |
//! | `cli`         | the `shelf` binary: exit codes, `--json`, messages                  |
//! | `lifecycle`   | aliases, statuses, deployments, the audit trail, as CI runs them    |
//! | `provenance`  | environment, code, run and dataset capture                          |
//! | `concurrency` | many processes pushing at once, pushes killed at each failpoint     |
//! | `example`     | the fraud example, end to end                                       |
//! | `serve`       | `shelf serve` over HTTP                                             |
//! | `inspect`     | model-file introspection on files written by the real libraries     |
//! | `integrity`   | truth never taken from derived files; faults never leave a wrong answer |
//! | `faults`      | push, pull, verify, reindex over a fault-injecting proxy in front of S3 |
//! | `security`    | hostile input never runs, misleads or leaks (red-team replays)      |
//! | `stores`      | per-store behaviour: Azure URLs, bad settings, GCS's preconditions  |
//! | `terminal`    | hostile stored text never reaches a terminal raw                    |
//! | `browser`     | the web app in headless Chromium, one module per page               |
//!
//! `support` is the harness they share: backends, the `shelf` runner, test stores.

// Tests report which backend a scenario runs on, and the harness says why it can't run.
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod support;

mod browser;
mod cli;
mod concurrency;
mod conformance;
mod example;
mod faults;
mod inspect;
mod integrity;
mod lifecycle;
mod provenance;
mod security;
mod serve;
mod stores;
mod terminal;
