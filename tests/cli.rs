//! The `shelf` binary: exit codes, strict `--json` documents, clear errors on bad input,
//! nothing written when the input is refused.

use std::path::Path;
use std::time::{Duration, Instant};

use crate::support::{Backend, assert_code, json, run, shelf_command, stderr, stdout, write_file};

fn files_under(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    if dir.exists() {
        for entry in walk(dir) {
            out.push(entry.strip_prefix(dir).unwrap().display().to_string());
        }
    }
    out.sort();
    out
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[test]
fn help_documents_exit_codes() {
    let out = run(shelf_command().arg("--help"));
    assert_code(&out, 0);
    let text = stdout(&out);
    for needle in [
        "Exit codes",
        "0  success",
        "1  the operation failed",
        "2  invalid",
    ] {
        assert!(text.contains(needle), "{needle} missing from:\n{text}");
    }
}

#[test]
fn json_documents_of_every_command() {
    for backend in Backend::shared() {
        let shelf = || backend.shelf();
        let out = run(shelf().args(["init", "--json"]));
        assert_code(&out, 0);
        let doc = json(&out);
        assert_eq!(doc["created"], true);
        assert_eq!(doc["descriptor"]["format"], 1);
        assert_eq!(doc["descriptor"]["kind"], "registry");
        assert_eq!(doc["descriptor"]["conditional_writes"], "verified");
        assert_eq!(
            doc["site"]["files"].as_array().unwrap().is_empty(),
            shelf::site::files().is_empty()
        );
        let again = json(&run(shelf().args(["init", "--json"])));
        assert_eq!(again["created"], false);
        assert_eq!(again["descriptor"], doc["descriptor"]);
        assert!(again["site"].is_null(), "a second init changes nothing");

        let dir = tempfile::tempdir().unwrap();
        let file = write_file(&dir.path().join("model.bin"), b"weights v1");
        let out = run(shelf()
            .args([
                "push",
                "fraud",
                "--json",
                "--metric",
                "f1=0.9",
                "--param",
                "lr=0.010",
                "--label",
                "team=risk",
                "--description",
                "first",
            ])
            .arg(&file));
        assert_code(&out, 0);
        let push = json(&out);
        assert_eq!(push["ref"], "fraud@1");
        assert_eq!(push["model"], "fraud");
        assert_eq!(push["version"], 1);
        assert_eq!(push["created_by"], "test-runner");
        let content_id = push["content_id"].as_str().unwrap().to_string();
        assert!(content_id.starts_with("sha256:") && content_id.len() == 71);
        assert_eq!(push["artifacts"][0]["path"], "model.bin");
        assert_eq!(push["artifacts"][0]["size"], 10);
        assert_eq!(push["artifacts"][0]["uploaded"], true);
        assert_eq!(push["bytes_uploaded"], 10);
        assert!(push["warnings"].as_array().unwrap().is_empty());

        // Human output: MODEL@N and the content id.
        let out = run(shelf().args(["push", "fraud"]).arg(&file));
        assert_code(&out, 0);
        let line = stdout(&out);
        assert!(line.starts_with("fraud@2 sha256:"), "{line}");
        assert!(stderr(&out).contains("0 B uploaded"), "{}", stderr(&out));

        let list = json(&run(shelf().args(["list", "--json"])));
        assert_eq!(list["models"][0]["model"], "fraud");
        assert_eq!(list["models"][0]["versions"], 2);
        assert_eq!(list["models"][0]["latest"]["version"], 2);
        assert!(list["problems"].as_array().unwrap().is_empty());

        let versions = json(&run(shelf().args(["versions", "fraud", "--json"])));
        assert_eq!(versions["versions"].as_array().unwrap().len(), 2);
        assert_eq!(versions["versions"][0]["metrics"]["f1"], 0.9);

        let prefix = &content_id["sha256:".len()..][..8];
        let show = json(&run(shelf().args([
            "show",
            &format!("fraud@sha256:{prefix}"),
            "--json",
        ])));
        assert_eq!(show["ref"], "fraud@1");
        assert_eq!(show["content_id"], content_id.as_str());
        assert_eq!(
            show["manifest"]["params"]["lr"], "0.010",
            "params are kept as given"
        );
        assert_eq!(show["manifest"]["labels"]["team"], "risk");
        assert_eq!(show["manifest"]["description"], "first");

        let out_dir = tempfile::tempdir().unwrap();
        let pull = json(&run(shelf()
            .args(["pull", "fraud@1", "--json", "-o"])
            .arg(out_dir.path())));
        assert_eq!(pull["files"][0]["path"], "model.bin");
        assert_eq!(pull["files"][0]["downloaded"], true);
        assert_eq!(
            std::fs::read(out_dir.path().join("model.bin")).unwrap(),
            b"weights v1"
        );

        let out = run(shelf().args(["verify", "--json"]));
        assert_code(&out, 0);
        let verify = json(&out);
        assert_eq!(verify["clean"], true);
        assert_eq!(verify["versions"], 2);

        let reindex = json(&run(shelf().args(["reindex", "--json"])));
        assert_eq!(reindex["models"][0]["model"], "fraud");
        assert_eq!(reindex["models"][0]["versions"], 2);
    }
}

#[test]
fn default_registry_is_shelf_registry_in_the_current_folder() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(shelf_command().arg("init").current_dir(dir.path()));
    assert_code(&out, 0);
    assert!(dir.path().join("shelf-registry/shelf.json").is_file());
    let before = files_under(&dir.path().join("shelf-registry"));
    assert!(
        !before.iter().any(|f| f.starts_with("probes")),
        "{before:?}"
    );
    assert_code(&run(shelf_command().arg("init").current_dir(dir.path())), 0);
    assert_eq!(
        files_under(&dir.path().join("shelf-registry")),
        before,
        "a second init changes nothing"
    );
}

#[test]
fn bad_input_is_refused_with_a_clear_error_and_nothing_written() {
    let dir = tempfile::tempdir().unwrap();
    let registry = dir.path().join("reg");
    let shelf = || {
        let mut c = shelf_command();
        c.arg("--registry").arg(&registry);
        c
    };
    assert_code(&run(shelf().arg("init")), 0);
    let file = write_file(&dir.path().join("w.bin"), b"w");
    assert_code(&run(shelf().args(["push", "m"]).arg(&file)), 0);
    let before = files_under(&registry);

    let f = file.to_str().unwrap();
    let long_name = "x".repeat(129);
    let missing = dir.path().join("missing.bin");
    let missing = missing.to_str().unwrap();
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["push", "Fraud", f], "invalid model name \"Fraud\""),
        (vec!["push", "a/b/c", f], "invalid model name \"a/b/c\""),
        (vec!["push", "../etc", f], "invalid model name \"../etc\""),
        (vec!["push", "a..b", f], "must not contain `..`"),
        (vec!["push", "bad\u{1}name", f], "invalid model name"),
        (vec!["push", &long_name, f], "at most 128"),
        (vec!["push", "m", f, missing], "missing.bin"),
        (
            vec!["push", "m", f, "--metric", "f1=nan"],
            "not a finite number",
        ),
        (
            vec!["push", "m", f, "--metric", "f1=inf"],
            "not a finite number",
        ),
        (
            vec!["push", "m", f, "--metric", "f1=high"],
            "is not a number",
        ),
        (
            vec!["push", "m", f, "--metric", "f1=0.9", "--metric", "f1=0.8"],
            "given twice",
        ),
        (vec!["push", "m", f, "--metric", "f1"], "key=value"),
        (
            vec!["push", "m", f, "--label", "bad key=x"],
            "invalid key \"bad key\"",
        ),
        (vec!["show", "m@0"], "version numbers start at 1"),
        (vec!["show", "m@prod uction"], "invalid reference"),
    ];
    for (args, needle) in cases {
        let out = run(shelf().args(&args));
        assert_code(&out, 2);
        let err = stderr(&out);
        assert!(err.starts_with("error: "), "{args:?}: {err}");
        assert!(
            err.contains(needle),
            "{args:?}: expected {needle:?} in {err}"
        );
        assert_eq!(files_under(&registry), before, "{args:?} wrote something");
    }

    // A REF that doesn't exist: exit 1, names it.
    for (reference, needle) in [
        ("m@9", "m@9"),
        ("nope@1", "model nope not found"),
        ("m@sha256:ffffff", "m@sha256:ffffff"),
    ] {
        let out = run(shelf().args(["show", reference]));
        assert_code(&out, 1);
        assert!(stderr(&out).contains(needle), "{}", stderr(&out));
        let out = run(shelf()
            .args(["pull", reference, "-o"])
            .arg(dir.path().join("out")));
        assert_code(&out, 1);
    }
    assert!(!dir.path().join("out").exists() || files_under(&dir.path().join("out")).is_empty());
    assert_eq!(files_under(&registry), before);

    // --json still prints one document on failure.
    let out = run(shelf().args(["show", "m@9", "--json"]));
    assert_code(&out, 1);
    let doc = json(&out);
    assert_eq!(doc["error"]["exit_code"], 1);
    assert!(doc["error"]["message"].as_str().unwrap().contains("m@9"));
}

#[test]
fn bad_locations_are_refused() {
    let cases = [
        ("ftp://host/path", "unknown scheme \"ftp\""),
        ("s3://", "names no bucket"),
        ("s3:///prefix", "names no bucket"),
        ("gs://", "names no bucket"),
        ("file://relative/path", "absolute path"),
    ];
    for (location, needle) in cases {
        let out = run(shelf_command().args(["--registry", location, "list"]));
        assert_code(&out, 2);
        assert!(
            stderr(&out).contains(needle),
            "{location}: {}",
            stderr(&out)
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let out = run(shelf_command()
        .arg("--registry")
        .arg(dir.path())
        .arg("list"));
    assert_code(&out, 1);
    assert!(stderr(&out).contains("no registry at"), "{}", stderr(&out));
    assert!(stderr(&out).contains("shelf init"), "{}", stderr(&out));
}

#[test]
fn an_s3_endpoint_that_does_not_answer_fails_within_seconds() {
    // Nothing listens: connection refused.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let closed_port = closed.local_addr().unwrap().port();
    drop(closed);
    // Something accepts connections and never answers.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let silent_port = silent.local_addr().unwrap().port();
    let _keep = std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in silent.incoming().flatten() {
            held.push(stream);
        }
    });
    for port in [closed_port, silent_port] {
        let mut cmd = shelf_command();
        crate::support::s3_env(&mut cmd, &format!("http://127.0.0.1:{port}"));
        let started = Instant::now();
        let out = run(cmd.args(["--registry", "s3://bucket/prefix", "list"]));
        let took = started.elapsed();
        assert_code(&out, 1);
        assert!(took < Duration::from_secs(30), "took {took:?}");
        let err = stderr(&out);
        assert!(err.starts_with("error: "), "{err}");
        assert!(
            err.contains("127.0.0.1") || err.contains("did not answer"),
            "{err}"
        );
    }
}

#[test]
fn init_refuses_nothing_on_a_good_store_and_records_the_probe() {
    for backend in Backend::shared() {
        let out = run(backend.shelf().args(["init"]));
        assert_code(&out, 0);
        assert!(
            stdout(&out).contains("conditional writes: verified"),
            "{}: {}",
            backend.name(),
            stdout(&out)
        );
    }
}
