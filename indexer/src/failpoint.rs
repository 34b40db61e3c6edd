//! Crash points for fault-injection tests.
//!
//! With `SHELF_FAILPOINT=<name>` in the environment, the process aborts at once when it
//! reaches the point of that name, as a `kill -9` would stop it there. Points:
//! `upload-part` (after the first part of a multipart upload), `before-commit` (all
//! artifacts uploaded, nothing committed), `after-commit` (the log entry written, no
//! derived file yet).

use std::sync::OnceLock;

/// Abort the process when `SHELF_FAILPOINT` names this point.
pub fn hit(name: &str) {
    static ARMED: OnceLock<Option<String>> = OnceLock::new();
    let armed = ARMED.get_or_init(|| std::env::var("SHELF_FAILPOINT").ok());
    if armed.as_deref() == Some(name) {
        tracing::error!(failpoint = name, "failpoint hit: aborting");
        std::process::abort();
    }
}
