//! Push, pull, verify and reindex over a fault-injecting proxy in front of the S3 test
//! server (`support::proxy`): bodies cut by a TCP reset, answers lost after the request
//! was applied, a store unavailable for a while, slow and stalled links, listings broken
//! midway. The red-team defects D3, D8, D12, D13 and D14 of
//! `shared/reviews/redteam-turn2.md`, and interrupted transfers that resume.
//!
//! Each test has its own bucket; its commands reach the bucket through the proxy with a
//! short idle timeout (`SHELF_IDLE_TIMEOUT=1s`) and their own upload state folder.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use crate::support::proxy::{Fault, Proxy, Rule};
use crate::support::{Backend, assert_code, bytes, json, run, s3_endpoint, s3_env, stderr};

const MB: usize = 1024 * 1024;

struct Faulty {
    backend: Backend,
    proxy: Proxy,
    state: tempfile::TempDir,
    work: tempfile::TempDir,
}

impl Faulty {
    /// A fresh registry on the S3 test server (created directly, not through the proxy).
    fn new() -> Faulty {
        let backend = Backend::s3();
        assert_code(&run(backend.shelf().arg("init")), 0);
        Faulty {
            backend,
            proxy: Proxy::start(&s3_endpoint()),
            state: tempfile::tempdir().unwrap(),
            work: tempfile::tempdir().unwrap(),
        }
    }

    /// `shelf` reaching the bucket through the proxy.
    fn shelf(&self) -> Command {
        let mut cmd = self.backend.shelf();
        s3_env(&mut cmd, &self.proxy.endpoint);
        cmd.env("SHELF_STATE_DIR", self.state.path())
            .env("SHELF_IDLE_TIMEOUT", "1s");
        cmd
    }

    fn file(&self, name: &str, seed: u64, len: usize) -> PathBuf {
        let path = self.work.path().join(name);
        std::fs::write(&path, bytes(seed, len)).unwrap();
        path
    }

    /// Push directly (no faults), returning the version.
    fn push_direct(&self, model: &str, file: &Path) -> u64 {
        let out = run(self
            .backend
            .shelf()
            .args(["push", model, "--json"])
            .arg(file));
        assert_code(&out, 0);
        json(&out)["version"].as_u64().unwrap()
    }

    fn out_dir(&self, name: &str) -> PathBuf {
        self.work.path().join(name)
    }

    fn pull(&self, reference: &str, dir: &Path) -> Output {
        run(self.shelf().args(["pull", reference, "-o"]).arg(dir))
    }

    fn blob_gets(&self) -> Vec<crate::support::proxy::Seen> {
        self.proxy
            .seen()
            .into_iter()
            .filter(|s| s.method == "GET" && s.target.contains("/blobs/"))
            .collect()
    }
}

#[track_caller]
fn assert_same_file(a: &Path, b: &Path) {
    let (x, y) = (std::fs::read(a).unwrap(), std::fs::read(b).unwrap());
    assert!(
        x == y,
        "{} ({} bytes) differs from {} ({} bytes)",
        a.display(),
        x.len(),
        b.display(),
        y.len()
    );
}

/// D3: a big download over a slow link that keeps flowing is not cut by a total
/// deadline; only a link idle for longer than the idle timeout is.
#[test]
fn a_slow_link_that_keeps_flowing_is_not_cut() {
    let f = Faulty::new();
    let file = f.file("weights.bin", 1, 2 * MB);
    f.push_direct("slow", &file);
    // 2 MB at 64 KB every 100 ms: about 3 s, three times the idle timeout of 1 s.
    f.proxy.inject(Rule::new(
        "GET",
        "/blobs/",
        1,
        Fault::Throttle {
            bytes: 64 * 1024,
            every: Duration::from_millis(100),
        },
    ));
    let dir = f.out_dir("out");
    let started = Instant::now();
    let out = f.pull("slow@1", &dir);
    assert_code(&out, 0);
    assert!(
        started.elapsed() > Duration::from_secs(2),
        "the throttle did not apply"
    );
    assert_same_file(&file, &dir.join("weights.bin"));
    assert_eq!(f.proxy.faulted().len(), 1);
}

/// A body that stops flowing is abandoned after the idle timeout and continued with a
/// ranged GET from the last byte received, not waited on and not restarted.
#[test]
fn a_stalled_download_continues_with_a_ranged_get() {
    let f = Faulty::new();
    let file = f.file("weights.bin", 2, 3 * MB);
    f.push_direct("stall", &file);
    f.proxy.inject(Rule::new(
        "GET",
        "/blobs/",
        1,
        Fault::Stall {
            after: 300 * 1024,
            pause: Duration::from_secs(20),
        },
    ));
    let dir = f.out_dir("out");
    let started = Instant::now();
    let out = f.pull("stall@1", &dir);
    assert_code(&out, 0);
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "the pull waited on the stalled body ({:?})",
        started.elapsed()
    );
    assert_same_file(&file, &dir.join("weights.bin"));
    let gets = f.blob_gets();
    let continued: Vec<_> = gets.iter().filter_map(|s| s.range.clone()).collect();
    assert!(
        continued.iter().any(|r| {
            let from: u64 = r
                .trim_start_matches("bytes=")
                .split('-')
                .next()
                .unwrap()
                .parse()
                .unwrap();
            from >= 300 * 1024
        }),
        "no ranged GET from the stall point: {gets:?}"
    );
}

/// Bodies cut by a TCP reset, several times: pull and verify continue each from where
/// the body broke and end with the right bytes.
#[test]
fn reset_bodies_are_continued_by_pull_and_verify() {
    let f = Faulty::new();
    let file = f.file("weights.bin", 3, 4 * MB);
    f.push_direct("reset", &file);
    f.proxy
        .inject(Rule::new("GET", "/blobs/", 3, Fault::ResetAfter(MB)));
    let dir = f.out_dir("out");
    assert_code(&f.pull("reset@1", &dir), 0);
    assert_same_file(&file, &dir.join("weights.bin"));
    assert_eq!(f.proxy.faulted().len(), 3);

    f.proxy.clear();
    f.proxy
        .inject(Rule::new("GET", "/blobs/", 2, Fault::ResetAfter(MB)));
    let out = run(f.shelf().args(["verify", "--json"]));
    assert_code(&out, 0);
    let report = json(&out);
    assert_eq!(report["clean"], true, "{report}");
    assert_eq!(report["bytes_hashed"], 4 * MB as u64);
}

/// D12, D13: an interrupted pull keeps what it received in `<dir>/.shelf-partial/`, not
/// beside the artifacts; the next pull continues it with a ranged GET and the partial
/// folder is gone afterwards.
#[test]
fn an_interrupted_pull_resumes_on_the_next_run() {
    let f = Faulty::new();
    let file = f.file("weights.bin", 4, 6 * MB);
    let version = f.push_direct("resume", &file);
    assert_eq!(version, 1);
    // The first GET breaks after 2 MB, and then the store is down for this run.
    f.proxy
        .inject(Rule::new("GET", "/blobs/", 1, Fault::ResetAfter(2 * MB)));
    f.proxy
        .inject(Rule::new("GET", "/blobs/", 1000, Fault::Unavailable));
    let dir = f.out_dir("out");
    let out = f.pull("resume@1", &dir);
    assert_code(&out, 1);
    assert!(
        !dir.join("weights.bin").exists(),
        "a partial file took the artifact's name"
    );
    let partial = dir.join(".shelf-partial");
    let kept: Vec<_> = std::fs::read_dir(&partial)
        .unwrap_or_else(|e| panic!("{} is missing ({e}): {}", partial.display(), stderr(&out)))
        .map(|e| e.unwrap())
        .collect();
    assert_eq!(kept.len(), 1, "{kept:?}");
    // What the broken body brought (a reset may discard bytes still in flight).
    let received = kept[0].metadata().unwrap().len();
    assert!(
        received > 0 && received <= 2 * MB as u64,
        "{received} bytes kept"
    );
    let name = kept[0].file_name().into_string().unwrap();
    assert_eq!(name.len(), 64, "named by the artifact's digest: {name}");

    f.proxy.clear();
    let before = f.proxy.seen().len();
    assert_code(&f.pull("resume@1", &dir), 0);
    assert_same_file(&file, &dir.join("weights.bin"));
    assert!(!partial.exists(), "the partial folder is left behind");
    let resumed: Vec<_> = f.proxy.seen()[before..]
        .iter()
        .filter(|s| s.method == "GET" && s.target.contains("/blobs/"))
        .cloned()
        .collect();
    assert_eq!(resumed.len(), 1, "{resumed:?}");
    assert_eq!(
        resumed[0].range.as_deref(),
        Some(format!("bytes={received}-").as_str()),
        "the second pull must continue from the bytes kept"
    );
}

/// D14: a listing broken midway (a reset inside the answer) is listed again, so verify
/// and reindex see every model, never a short registry.
#[test]
fn a_listing_broken_midway_is_listed_again() {
    let f = Faulty::new();
    for (i, model) in ["alpha", "beta", "gamma"].iter().enumerate() {
        let file = f.file(&format!("{model}.bin"), 10 + i as u64, 1000);
        f.push_direct(model, &file);
    }
    for command in ["verify", "reindex"] {
        f.proxy.clear();
        let before = f.proxy.faulted().len();
        f.proxy
            .inject(Rule::new("GET", "list-type=2", 1, Fault::ResetAfter(200)));
        let out = run(f.shelf().args([command, "--json"]));
        assert_code(&out, 0);
        let report = json(&out);
        assert_eq!(
            f.proxy.faulted().len() - before,
            1,
            "{command}: the reset did not apply"
        );
        match command {
            "verify" => {
                assert_eq!(report["clean"], true, "{report}");
                assert_eq!(report["models"], 3, "{report}");
            }
            _ => assert_eq!(report["models"].as_array().unwrap().len(), 3, "{report}"),
        }
    }
}

/// A multipart push whose creation is reset and whose completion answer is lost (the
/// store completed it) still commits exactly one version with the right bytes.
#[test]
fn a_multipart_push_survives_a_reset_creation_and_a_lost_completion() {
    let f = Faulty::new();
    let file = f.file("weights.bin", 5, 20 * MB);
    f.proxy
        .inject(Rule::new("POST", "?uploads", 1, Fault::ResetAfter(0)));
    f.proxy
        .inject(Rule::new("POST", "uploadId=", 1, Fault::AnswerLost));
    let out = run(f.shelf().args(["push", "big", "--json"]).arg(&file));
    assert_code(&out, 0);
    assert_eq!(json(&out)["version"], 1);
    assert_eq!(f.proxy.faulted().len(), 2, "{:?}", f.proxy.faulted());

    f.proxy.clear();
    let verify = json(&run(f.shelf().args(["verify", "--json"])));
    assert_eq!(verify["clean"], true, "{verify}");
    assert_eq!(verify["versions"], 1, "{verify}");
    let dir = f.out_dir("out");
    assert_code(&f.pull("big@1", &dir), 0);
    assert_same_file(&file, &dir.join("weights.bin"));
}

/// A multipart push interrupted after some parts landed: run again on the same file, it
/// sends only the missing parts and says so.
#[test]
fn an_interrupted_push_resumes_and_sends_only_the_missing_parts() {
    let f = Faulty::new();
    // 8 MB parts: 8 + 8 + 4.
    let file = f.file("weights.bin", 6, 20 * MB);
    f.proxy
        .inject(Rule::new("PUT", "partNumber=3", 1000, Fault::Unavailable));
    let out = run(f.shelf().args(["push", "resumed"]).arg(&file));
    assert_code(&out, 1);
    let state: Vec<_> = std::fs::read_dir(f.state.path().join("uploads"))
        .unwrap()
        .collect();
    assert_eq!(state.len(), 1, "one upload state file");

    f.proxy.clear();
    let before = f.proxy.seen().len();
    let out = run(f.shelf().args(["push", "resumed", "--json"]).arg(&file));
    assert_code(&out, 0);
    let pushed = json(&out);
    assert_eq!(pushed["version"], 1);
    let notes = pushed["notes"].to_string();
    assert!(
        notes.contains("resumed an interrupted upload (2 of 3 parts were already uploaded)"),
        "{pushed}"
    );
    let parts: Vec<_> = f.proxy.seen()[before..]
        .iter()
        .filter(|s| s.method == "PUT" && s.target.contains("partNumber="))
        .cloned()
        .collect();
    assert_eq!(parts.len(), 1, "only the missing part is sent: {parts:?}");
    assert!(parts[0].target.contains("partNumber=3"), "{parts:?}");
    assert_eq!(
        std::fs::read_dir(f.state.path().join("uploads"))
            .unwrap()
            .count(),
        0,
        "the state file of a finished upload is removed"
    );
    let dir = f.out_dir("out");
    assert_code(&f.pull("resumed@1", &dir), 0);
    assert_same_file(&file, &dir.join("weights.bin"));
}

/// D8: the answer to the log entry's put-if-absent is lost after the store applied it:
/// the read-back finds our own bytes, so the push succeeds with one entry, not two
/// versions and not an error.
#[test]
fn a_lost_answer_to_the_commit_is_read_back() {
    let f = Faulty::new();
    let file = f.file("weights.bin", 7, 1000);
    f.proxy
        .inject(Rule::new("PUT", "/_log/", 1, Fault::AnswerLost));
    let out = run(f.shelf().args(["push", "lost", "--json"]).arg(&file));
    assert_code(&out, 0);
    assert_eq!(json(&out)["version"], 1);
    assert_eq!(f.proxy.faulted().len(), 1);
    f.proxy.clear();
    let log = json(&run(f.shelf().args(["log", "lost", "--json"])));
    assert_eq!(log["events"].as_array().unwrap().len(), 1, "{log}");
    assert_eq!(log["problems"].as_array().unwrap().len(), 0, "{log}");
}

#[test]
fn a_bad_idle_timeout_is_refused_naming_the_variable() {
    let f = Faulty::new();
    for bad in ["soon", "-1s", "0"] {
        let out = run(f.shelf().env("SHELF_IDLE_TIMEOUT", bad).arg("verify"));
        assert_code(&out, 2);
        let err = stderr(&out);
        assert!(
            err.contains("SHELF_IDLE_TIMEOUT") && err.contains(bad),
            "{bad}: {err}"
        );
    }
}

/// D12, D13: an artifact with a 250-byte name, and artifacts named `X` and
/// `X.shelf-partial`, push and pull; a path inside `.shelf-partial/` is refused.
#[test]
fn long_and_look_alike_names_pull_and_the_partial_folder_is_reserved() {
    let f = Faulty::new();
    let src = f.work.path().join("src");
    let long = format!("{}.bin", "w".repeat(246));
    assert_eq!(long.len(), 250);
    std::fs::create_dir_all(&src).unwrap();
    for (i, name) in [long.as_str(), "model.bin", "model.bin.shelf-partial"]
        .iter()
        .enumerate()
    {
        std::fs::write(src.join(name), bytes(20 + i as u64, 5000)).unwrap();
    }
    assert_code(&run(f.shelf().args(["push", "names"]).arg(&src)), 0);
    let dir = f.out_dir("out");
    let out = f.pull("names@1", &dir);
    assert_code(&out, 0);
    for name in [long.as_str(), "model.bin", "model.bin.shelf-partial"] {
        let pulled = walk(&dir)
            .into_iter()
            .find(|p| p.file_name().unwrap() == name)
            .unwrap_or_else(|| panic!("{name} was not pulled: {:?}", walk(&dir)));
        assert_same_file(
            &walk(&src).into_iter().find(|p| p.ends_with(name)).unwrap(),
            &pulled,
        );
    }

    let reserved = f.work.path().join("reserved");
    std::fs::create_dir_all(reserved.join(".shelf-partial")).unwrap();
    std::fs::write(reserved.join(".shelf-partial").join("x"), b"x").unwrap();
    let out = run(f.shelf().args(["push", "reserved"]).arg(&reserved));
    assert_code(&out, 2);
    assert!(stderr(&out).contains(".shelf-partial"), "{}", stderr(&out));
    let log = run(f.shelf().args(["log", "reserved"]));
    assert_code(&log, 1);
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}

/// Lifecycle commands over a faulty network: the log entry's answer lost, the log's
/// entries cut mid-body while the writer replays: each event is recorded exactly once.
#[test]
fn lifecycle_events_are_recorded_once_through_faults() {
    let f = Faulty::new();
    let file = f.file("weights.bin", 8, 1000);
    f.push_direct("life", &file);
    let commands: [&[&str]; 4] = [
        &["alias", "set", "life@1", "production", "--reason", "first"],
        &["status", "life@1", "validated", "--reason", "offline eval"],
        &[
            "deploy",
            "life@1",
            "--target",
            "eu-prod",
            "--traffic",
            "100",
            "--reason",
            "go",
        ],
        &["tag", "life@1", "reviewed=yes"],
    ];
    for args in commands {
        f.proxy.clear();
        let before = f.proxy.faulted().len();
        f.proxy
            .inject(Rule::new("GET", "/_log/", 1, Fault::ResetAfter(20)));
        f.proxy
            .inject(Rule::new("PUT", "/_log/", 1, Fault::AnswerLost));
        let out = run(f.shelf().args(args).arg("--json"));
        assert_code(&out, 0);
        assert_eq!(
            f.proxy.faulted().len() - before,
            2,
            "{args:?}: both faults hit"
        );
    }
    f.proxy.clear();
    let log = json(&run(f.shelf().args(["log", "life", "--json"])));
    let types: Vec<_> = log["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        types,
        ["register", "alias-set", "status", "deployment", "tag"],
        "{log}"
    );
    let verify = json(&run(f.shelf().args(["verify", "--json"])));
    assert_eq!(verify["clean"], true, "{verify}");
}
