//! Print what introspection reads from model files, with the time it took and the
//! process's peak memory: `cargo run --release -p shelf-inspect --example inspect -- FILE...`.
//!
//! One JSON line per file: `{"file", "ms", "info"}`, or `"warning"` for a malformed file,
//! or neither for a file that is not a model file; then `{"peak_rss_kib"}` (Linux).
//! `scripts/bench-inspect.sh` runs it on large sparse files.

// A command-line tool: its output is the point.
#![allow(clippy::print_stdout)]

use std::time::Instant;

use serde_json::json;
use shelf_inspect::{Inspection, inspect_file};

fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn main() {
    for arg in std::env::args_os().skip(1) {
        let path = std::path::PathBuf::from(arg);
        let start = Instant::now();
        let inspection = inspect_file(&path);
        let ms = start.elapsed().as_secs_f64() * 1000.0;
        let line = match &inspection {
            Inspection::Info(info) => json!({"file": path, "ms": ms, "info": info}),
            Inspection::Malformed { warning, .. } => {
                json!({"file": path, "ms": ms, "warning": warning})
            }
            Inspection::NotAModel => json!({"file": path, "ms": ms}),
        };
        println!("{line}");
    }
    println!("{}", json!({"peak_rss_kib": peak_rss_kib()}));
}
