//! The `shelf` binary: exit codes, strict `--json` documents, clear errors on bad input,
//! nothing written when the input is refused.

use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::support::{
    Backend, assert_code, json, run, shelf_command, stderr, stdout, wire, write_file,
};

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

/// Run `shelf ARGS --json` on `backend`: the exit code must be `code`, and stdout one
/// document of exactly that command's shape (support/wire.rs).
#[track_caller]
fn doc(backend: &Backend, args: &[&str], code: i32) -> Value {
    let mut args = args.to_vec();
    args.push("--json");
    let out = run(backend.shelf().args(&args));
    assert_code(&out, code);
    wire::document(&args, &out)
}

#[test]
fn json_documents_of_every_command() {
    for backend in Backend::shared() {
        let shelf = || backend.shelf();
        let doc = |args: &[&str]| doc(&backend, args, 0);
        let init = doc(&["init"]);
        assert_eq!(init["created"], true);
        assert_eq!(init["descriptor"]["format"], 1);
        assert_eq!(init["descriptor"]["kind"], "registry");
        assert_eq!(init["descriptor"]["conditional_writes"], "verified");
        assert_eq!(
            init["site"]["files"].as_array().unwrap().is_empty(),
            shelf::site::files().is_empty()
        );
        let again = doc(&["init"]);
        assert_eq!(again["created"], false);
        assert_eq!(again["descriptor"], init["descriptor"]);
        assert!(again["site"].is_null(), "a second init changes nothing");

        let dir = tempfile::tempdir().unwrap();
        let file = write_file(&dir.path().join("model.bin"), b"weights v1");
        let f = file.to_str().unwrap();
        let push = doc(&[
            "push",
            "fraud",
            f,
            "--metric",
            "f1=0.9",
            "--param",
            "lr=0.010",
            "--label",
            "team=risk",
            "--description",
            "first",
        ]);
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

        let data = write_file(&dir.path().join("rows.csv"), b"a,b\n1,2\n");
        let dataset = doc(&["dataset", "push", "tx", data.to_str().unwrap(), "--no-code"]);
        assert_eq!(dataset["ref"], "tx@1");

        let list = doc(&["list"]);
        assert_eq!(list["models"][0]["model"], "fraud");
        assert_eq!(list["models"][0]["versions"], 2);
        assert_eq!(list["models"][0]["latest"]["version"], 2);
        assert!(list["problems"].as_array().unwrap().is_empty());

        let versions = doc(&["versions", "fraud"]);
        assert_eq!(versions["versions"].as_array().unwrap().len(), 2);
        assert_eq!(versions["versions"][0]["metrics"]["f1"], 0.9);

        let prefix = &content_id["sha256:".len()..][..8];
        let show = doc(&["show", &format!("fraud@sha256:{prefix}")]);
        assert_eq!(show["ref"], "fraud@1");
        assert!(show["as_of"].is_null());
        assert_eq!(show["content_id"], content_id.as_str());
        assert_eq!(
            show["manifest"]["params"]["lr"], "0.010",
            "params are kept as given"
        );
        assert_eq!(show["manifest"]["labels"]["team"], "risk");
        assert_eq!(show["manifest"]["description"], "first");

        let out_dir = tempfile::tempdir().unwrap();
        let pulled = out_dir.path().to_str().unwrap();
        let pull = doc(&["pull", "fraud@1", "-o", pulled]);
        assert_eq!(pull["files"][0]["path"], "model.bin");
        assert_eq!(pull["files"][0]["downloaded"], true);
        assert_eq!(
            std::fs::read(out_dir.path().join("model.bin")).unwrap(),
            b"weights v1"
        );

        let compare = doc(&["compare", "fraud@1", "fraud@2"]);
        assert_eq!(
            compare["columns"],
            serde_json::json!(["fraud@1", "fraud@2"])
        );
        assert_eq!(
            compare["metrics"][0]["verdicts"],
            serde_json::json!(["baseline", "missing"])
        );
        assert_eq!(compare["artifacts"][0]["status"], "identical");

        let kit = out_dir.path().join("kit");
        let reproduce = doc(&["reproduce", "fraud@1", "-o", kit.to_str().unwrap()]);
        assert!(
            reproduce["files"]
                .as_array()
                .unwrap()
                .iter()
                .any(|f| f == "REPRODUCE.md"),
            "{reproduce}"
        );

        let verify = doc(&["verify"]);
        assert_eq!(verify["clean"], true);
        assert_eq!(verify["versions"], 3);

        let reindex = doc(&["reindex"]);
        assert_eq!(reindex["models"][0]["model"], "fraud");
        assert_eq!(reindex["models"][0]["versions"], 2);

        // The web app: published, or (a shelf built without it) an error document.
        let site = self::doc(
            &backend,
            &["site", "deploy"],
            if shelf::site::files().is_empty() {
                1
            } else {
                0
            },
        );
        assert!(site.is_object());

        // serve: one line, the URL, as soon as it listens.
        let mut served = shelf()
            .args(["serve", "--addr", "127.0.0.1:0", "--json"])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let mut line = String::new();
        std::io::BufRead::read_line(
            &mut std::io::BufReader::new(served.stdout.take().unwrap()),
            &mut line,
        )
        .unwrap();
        let _ = served.kill();
        let _ = served.wait();
        let serving: Value = serde_json::from_str(&line).unwrap();
        wire::check(&["serve"], Some(0), &serving);
        assert!(
            serving["url"]
                .as_str()
                .unwrap()
                .starts_with("http://127.0.0.1:")
        );

        // Errors, from the library and from the command line, are one document too.
        let error = self::doc(&backend, &["show", "fraud@9"], 1);
        assert!(
            error["error"]["message"]
                .as_str()
                .unwrap()
                .contains("fraud@9")
        );
        let error = self::doc(&backend, &["show", "fraud@0"], 2);
        assert!(
            error["error"]["message"]
                .as_str()
                .unwrap()
                .contains("version numbers start at 1"),
            "{error}"
        );
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

/// The same session of commands on a fresh registry, each of which prints something on
/// stderr without `-q` (the needle), with or without `-q`: (args, needle, output).
fn noisy_session(quiet: bool) -> Vec<(Vec<String>, &'static str, std::process::Output)> {
    let dir = tempfile::tempdir().unwrap();
    let registry = dir.path().join("reg");
    let file = write_file(&dir.path().join("w.bin"), b"w");
    let metrics = write_file(
        &dir.path().join("metrics.json"),
        br#"{"f1": 0.9, "note": "not a number"}"#,
    );
    let path = |p: &std::path::Path| p.display().to_string();
    let steps: Vec<(Vec<String>, &'static str)> = vec![
        // "web app published", or a note that this shelf has none.
        (vec!["init".into()], ""),
        (vec!["list".into()], "no models yet"),
        (
            vec![
                "push".into(),
                "m".into(),
                path(&file),
                "--no-env".into(),
                "--metrics".into(),
                path(&metrics),
                "--param".into(),
                "db_url=postgres://admin:hunter2secret@db.internal/prod".into(),
            ],
            "note: redacted what looked like credentials",
        ),
        (
            vec![
                "reproduce".into(),
                "m@1".into(),
                "-o".into(),
                path(&dir.path().join("kit")),
            ],
            "missing: ",
        ),
        (
            vec![
                "pull".into(),
                "m@1".into(),
                "-o".into(),
                path(&dir.path().join("out")),
            ],
            "1 file verified",
        ),
        (vec!["deployments".into()], "nothing is deployed"),
        (
            vec!["log".into(), "--actor".into(), "nobody".into()],
            "no matching entries",
        ),
        (vec!["verify".into()], "warning: "),
    ];
    let mut outputs = Vec::new();
    for (args, needle) in steps {
        if args[0] == "verify" {
            // A leftover of an interrupted upload: `verify` warns about it.
            write_file(&registry.join("uploads/leftover"), b"partial");
        }
        let mut c = shelf_command();
        c.arg("--registry").arg(&registry).args(&args);
        if quiet {
            c.arg("-q");
        }
        let out = run(&mut c);
        assert_code(&out, 0);
        outputs.push((args, needle, out));
    }
    outputs
}

/// `-q` silences notes, warnings and summaries on stderr; results on stdout and errors
/// still print.
#[test]
fn quiet_prints_only_results_and_errors() {
    let loud = noisy_session(false);
    for (args, needle, out) in &loud {
        let err = stderr(out);
        assert!(!err.is_empty(), "{args:?} printed nothing on stderr");
        assert!(err.contains(needle), "{args:?}: {needle:?} not in {err}");
    }
    // The push: a non-number of the metrics file skipped with a note, and a summary.
    let push = stderr(&loud[2].2);
    assert!(
        push.contains("note: metrics.json") || push.contains("note: "),
        "{push}"
    );
    assert!(push.contains("1 artifact, 1 B uploaded"), "{push}");

    let quiet = noisy_session(true);
    for ((args, _, loud), (_, _, quiet)) in loud.iter().zip(&quiet) {
        assert_eq!(stderr(quiet), "", "{args:?} -q printed on stderr");
        // The results are the same lines (up to the content ids and times).
        assert_eq!(
            stdout(quiet).lines().count(),
            stdout(loud).lines().count(),
            "{args:?}: {}",
            stdout(quiet)
        );
    }
    assert!(stdout(&quiet[2].2).starts_with("m@1 sha256:"));
    assert!(stdout(&quiet[4].2).contains("w.bin"));
    assert!(
        stdout(&quiet[7].2).starts_with("ok: "),
        "{}",
        stdout(&quiet[7].2)
    );
    // Errors still print with -q.
    let dir = tempfile::tempdir().unwrap();
    let out = run(shelf_command()
        .arg("--registry")
        .arg(dir.path())
        .args(["list", "-q"]));
    assert_code(&out, 1);
    assert!(
        stderr(&out).starts_with("error: no registry at"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn shell_completions_and_the_manual_page_name_every_command() {
    let commands = [
        "init",
        "push",
        "list",
        "versions",
        "show",
        "pull",
        "compare",
        "reproduce",
        "verify",
        "reindex",
        "alias",
        "rollback",
        "status",
        "dataset",
        "tag",
        "untag",
        "eval",
        "deploy",
        "undeploy",
        "deployments",
        "log",
        "serve",
        "site",
        "completions",
        "man",
    ];
    let dir = tempfile::tempdir().unwrap();
    for shell in ["bash", "zsh", "fish"] {
        let out = run(shelf_command().args(["completions", shell]));
        assert_code(&out, 0);
        let script = stdout(&out);
        for command in commands {
            assert!(script.contains(command), "{shell}: {command} missing");
        }
        if shell == "bash" {
            // The script is valid bash and registers the completion for `shelf`.
            let path = write_file(&dir.path().join("shelf.bash"), script.as_bytes());
            let check = std::process::Command::new("bash")
                .arg("-n")
                .arg(&path)
                .output()
                .unwrap();
            assert!(check.status.success(), "{}", stderr(&check));
            assert!(script.contains("complete -F _shelf"), "{script}");
            // Sourced, it completes `shelf al` to `alias`.
            let probe = format!(
                "source {}; COMP_WORDS=(shelf al); COMP_CWORD=1; COMP_LINE='shelf al'; COMP_POINT=8; _shelf shelf al shelf; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
                path.display()
            );
            let completed = std::process::Command::new("bash")
                .args(["-c", &probe])
                .output()
                .unwrap();
            assert!(
                stdout(&completed).lines().any(|l| l == "alias"),
                "{}{}",
                stdout(&completed),
                stderr(&completed)
            );
        }
    }
    let out = run(shelf_command().args(["completions", "tcsh"]));
    assert_code(&out, 2);
    assert!(stderr(&out).contains("tcsh"), "{}", stderr(&out));
    let out = run(shelf_command().args(["completions", "bash", "--json"]));
    assert_code(&out, 2);
    assert!(
        json(&out)["error"]["message"]
            .as_str()
            .unwrap()
            .contains("--json")
    );

    // shelf(1): a roff page naming every command.
    let out = run(shelf_command().arg("man"));
    assert_code(&out, 0);
    let page = stdout(&out);
    assert!(
        page.starts_with(".ie") || page.contains(".TH shelf"),
        "{page}"
    );
    for command in commands {
        assert!(page.contains(command), "man page lacks {command}");
    }
    // One page per command with --dir.
    let man = dir.path().join("man1");
    let out = run(shelf_command().arg("man").arg("--dir").arg(&man));
    assert_code(&out, 0);
    for page in [
        "shelf.1",
        "shelf-push.1",
        "shelf-alias-set.1",
        "shelf-deploy.1",
    ] {
        let text =
            std::fs::read_to_string(man.join(page)).unwrap_or_else(|e| panic!("{page}: {e}"));
        assert!(text.contains(".TH"), "{page}");
    }
}
