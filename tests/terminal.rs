//! Hostile text never reaches the terminal raw (red-team D5): a registry's text comes from
//! whoever can write to the bucket, so log entries are written here by hand, with a valid
//! chain, carrying escape sequences (ESC/CSI, OSC with BEL), carriage returns, bidi
//! overrides, C1 controls and newlines in every free-text field. `versions`, `show`,
//! `log`, `compare` and `list` print them escaped; a newline in an actor can't forge a
//! line of `shelf log`; `--json` keeps them exact.

use std::path::Path;

use crate::support::{Backend, assert_code, run, stderr, stdout, wire, write_file};
use serde_json::{Value, json};
use shelf_format::{Digest, LogEntry, ModelName, VersionManifest, encode, keys};

/// Clears the screen, retitles the window and rings the bell (OSC … BEL), returns the
/// cursor to the line start, reverses what follows (RLO), starts a new line, and opens a
/// one-byte CSI (C1).
const HOSTILE: &str =
    "\u{1b}[2J\u{1b}]0;pwned\u{7}\r\u{202e}gnp.exe\nFAKE LINE\u{9b}31m\u{2066}x\u{2069}\u{7f}";

/// An actor whose newline would start a line that looks like another `shelf log` entry.
const FORGING_ACTOR: &str = "evil\n2026-01-01T00:00:00.000Z  evil#99  admin  alias production → v2";

const TIME: &str = "2026-11-01T10:00:00.000Z";

/// Write `entries` (JSON log entries without their chain fields) as the log of `model`
/// under the registry folder `root`: seq, prev and versions filled in, canonical bytes.
fn write_log(root: &Path, model: &ModelName, entries: Vec<Value>) {
    let mut prev: Option<Digest> = None;
    let mut versions = 0;
    for (i, mut entry) in entries.into_iter().enumerate() {
        let seq = i as u64 + 1;
        if entry["event"]["type"] == "register" {
            versions += 1;
        }
        entry["format"] = json!(1);
        entry["kind"] = json!("log-entry");
        entry["model"] = json!(model.as_str());
        entry["seq"] = json!(seq);
        entry["prev"] = json!(prev.map(|d| d.to_string()));
        entry["versions"] = json!(versions);
        let entry: LogEntry = serde_json::from_value(entry).unwrap();
        let bytes = encode(&entry).unwrap();
        write_file(&root.join(keys::log_key(model, seq)), &bytes);
        prev = Some(Digest::of(&bytes));
    }
}

/// A manifest of `evil@version` whose every free-text field carries `hostile`.
fn manifest(version: u64, hostile: &str, blob: &[u8]) -> VersionManifest {
    let digest = Digest::of(blob);
    serde_json::from_value(json!({
        "format": 1,
        "kind": "manifest",
        "model": "evil",
        "version": version,
        "created_at": TIME,
        "created_by": hostile,
        "description": format!("first line {hostile}\nsecond line {hostile}"),
        "artifacts": [{"path": "w.bin", "size": blob.len(), "digest": digest.to_string()}],
        "metrics": {"auc": 0.9},
        "params": {"lr": hostile},
        "labels": {"team": hostile},
        "run": {"command": format!("python train.py {hostile}"), "experiment": hostile},
        "code": {"repository": format!("https://example.invalid/{hostile}"), "branch": hostile, "dirty": false},
        "environment": {"python": hostile, "packages": {"numpy": hostile}},
    }))
    .unwrap()
}

fn register(manifest: &VersionManifest, actor: &str) -> Value {
    json!({
        "time": TIME,
        "actor": actor,
        "reason": HOSTILE,
        "event": {
            "type": "register",
            "version": manifest.version,
            "content_id": manifest.content_id().unwrap().to_string(),
            "manifest": manifest,
        },
    })
}

/// A folder registry with `evil@1`, `evil@2` and lifecycle entries, all hand-written.
fn hostile_registry() -> Backend {
    let backend = Backend::local();
    assert_code(&run(backend.shelf().arg("init")), 0);
    let Backend::Local(dir) = &backend else {
        unreachable!()
    };
    let root = dir.path().join("registry");
    let model = ModelName::new("evil").unwrap();
    let (b1, b2) = (b"weights 1".as_slice(), b"weights 2".as_slice());
    for blob in [b1, b2] {
        write_file(&root.join(keys::blob_key(&Digest::of(blob))), blob);
    }
    let v1 = manifest(1, HOSTILE, b1);
    let v2 = manifest(2, &format!("{HOSTILE}2"), b2);
    let lifecycle = |actor: &str, reason: &str, event: Value| json!({"time": TIME, "actor": actor, "reason": reason, "event": event});
    write_log(
        &root,
        &model,
        vec![
            register(&v1, HOSTILE),
            register(&v2, FORGING_ACTOR),
            lifecycle(
                HOSTILE,
                HOSTILE,
                json!({"type": "tag", "version": 1, "key": "note", "value": HOSTILE}),
            ),
            lifecycle(
                FORGING_ACTOR,
                HOSTILE,
                json!({"type": "evaluation", "version": 1, "metrics": {"auc": 0.8},
                       "dataset": HOSTILE, "measured_at": TIME}),
            ),
            lifecycle(
                FORGING_ACTOR,
                &format!("promote\n{TIME}  evil#98  admin  status v2 production"),
                json!({"type": "alias-set", "alias": "production", "version": 1}),
            ),
            lifecycle(
                HOSTILE,
                HOSTILE,
                json!({"type": "deployment", "version": 1, "target": "eu", "traffic": 10.0}),
            ),
        ],
    );
    backend
}

/// The characters a terminal acts on, apart from the newline that ends each line.
fn raw_controls(text: &str) -> Vec<char> {
    text.lines()
        .flat_map(|l| l.chars())
        .filter(|c| shelf_format::units::is_terminal_unsafe(*c))
        .collect()
}

#[test]
fn hostile_text_is_printed_escaped_and_kept_exact_in_json() {
    let backend = hostile_registry();
    let shelf = |args: &[&str]| {
        let out = run(backend.shelf().args(args));
        assert_code(&out, 0);
        out
    };
    for args in [
        vec!["versions", "evil"],
        vec!["show", "evil@1"],
        vec!["show", "evil@production"],
        vec!["show", "evil@2"],
        vec!["log"],
        vec!["log", "evil"],
        vec!["compare", "evil@1", "evil@2"],
        vec!["list"],
        vec!["deployments"],
    ] {
        let out = shelf(&args);
        let (text, err) = (stdout(&out), stderr(&out));
        assert!(
            raw_controls(&text).is_empty() && raw_controls(&err).is_empty(),
            "{args:?} printed {:?} raw:\n{text}\n{err}",
            raw_controls(&text)
        );
        assert!(!text.contains('\r') && !text.contains('\u{1b}'), "{args:?}");
        // What was there is shown, escaped (as `git` shows such names).
        if args[0] != "list" && args[0] != "deployments" {
            assert!(
                text.contains(r"\e[2J\e]0;pwned\x07\r\u{202e}gnp.exe\nFAKE LINE\u{9b}31m"),
                "{args:?}:\n{text}"
            );
        }
        // No line starts where a hostile newline would have started one.
        for line in text.lines() {
            assert!(
                !line.starts_with("FAKE LINE") && !line.starts_with("2026-01-01"),
                "{args:?}: forged line {line:?}"
            );
        }
    }

    // `shelf log`: one line per entry, each the entry's own (time, model#seq); the
    // actor's and the reason's newlines stay inside their line.
    let text = stdout(&shelf(&["log", "evil"]));
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 6, "{text}");
    for (i, line) in lines.iter().enumerate() {
        assert!(
            line.starts_with(&format!("{TIME}  evil#{}  ", i + 1)),
            "{line}"
        );
    }
    assert!(
        lines[1].contains(r"evil\n2026-01-01T00:00:00.000Z  evil#99  admin"),
        "{}",
        lines[1]
    );
    // The description is shown line by line, each escaped.
    let shown = stdout(&shelf(&["show", "evil@1"]));
    assert!(
        shown.contains("\ndescription:\n  first line \\e[2J"),
        "{shown}"
    );
    assert!(shown.contains("\n  second line \\e[2J"), "{shown}");

    // JSON output is exact: the same bytes as stored.
    let json_of = |args: &[&str]| {
        let mut args = args.to_vec();
        args.push("--json");
        wire::document(&args, &shelf(&args))
    };
    let show = json_of(&["show", "evil@1"]);
    assert_eq!(show["manifest"]["labels"]["team"], HOSTILE);
    assert_eq!(show["manifest"]["created_by"], HOSTILE);
    assert_eq!(show["tags"]["note"], HOSTILE);
    assert_eq!(show["evaluations"][0]["dataset"], HOSTILE);
    let log = json_of(&["log", "evil"]);
    assert_eq!(log["events"][1]["actor"], FORGING_ACTOR);
    assert_eq!(log["events"][0]["reason"], HOSTILE);
    let compare = json_of(&["compare", "evil@1", "evil@2"]);
    let command = compare["provenance"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["key"] == "run.command")
        .unwrap();
    assert_eq!(command["values"][0], format!("python train.py {HOSTILE}"));

    // The chain is valid: these are entries a writer could have made.
    let verify = json_of(&["verify"]);
    assert_eq!(verify["clean"], true, "{verify}");
}

#[test]
fn hostile_command_line_values_are_escaped_in_errors() {
    let backend = Backend::local();
    assert_code(&run(backend.shelf().arg("init")), 0);
    for args in [
        vec!["versions", HOSTILE],
        vec!["show", &format!("evil@{HOSTILE}")],
        vec!["log", "--since", HOSTILE],
        vec!["log", "--action", HOSTILE],
        vec![HOSTILE],
        vec!["list", &format!("--{HOSTILE}")],
    ] {
        let out = run(backend.shelf().args(&args));
        assert_code(&out, 2);
        let err = stderr(&out);
        assert!(err.starts_with("error: "), "{args:?}: {err}");
        assert!(raw_controls(&err).is_empty(), "{args:?}: {err:?}");
        assert!(
            !err.lines().any(|l| l.starts_with("FAKE LINE")),
            "{args:?}: {err}"
        );
        assert!(stdout(&out).is_empty());
    }
}
