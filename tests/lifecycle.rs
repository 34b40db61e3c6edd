//! The lifecycle commands of the `shelf` binary (aliases, rollback, statuses, tags,
//! evaluations, deployments, the audit trail, time travel, lineage), run as a CI job runs
//! them: separate processes against a local folder and the real S3 server.

use std::process::Output;

use serde_json::Value;

use crate::support::{
    Backend, all_keys, assert_code, block_on, run, stderr, stdout, wire, write_file,
};

/// A `shelf` invocation against `backend`, run to completion.
fn shelf(backend: &Backend, args: &[&str]) -> Output {
    run(backend.shelf().args(args))
}

/// Run, expect success, and parse the `--json` document strictly as that command's
/// (support/wire.rs).
#[track_caller]
fn ok_json(backend: &Backend, args: &[&str]) -> Value {
    let mut args = args.to_vec();
    args.push("--json");
    let out = shelf(backend, &args);
    assert_code(&out, 0);
    wire::document(&args, &out)
}

/// Run, expect exit `code`, and return stderr, which must name `needle`.
#[track_caller]
fn refused(backend: &Backend, args: &[&str], code: i32, needle: &str) -> String {
    let out = shelf(backend, args);
    assert_code(&out, code);
    let err = stderr(&out);
    assert!(err.starts_with("error: "), "{args:?}: {err}");
    assert!(
        err.contains(needle),
        "{args:?}: expected {needle:?} in:\n{err}"
    );
    err
}

/// A registry with `versions` versions of model `fraud` (one file each).
fn registry_with(backend: &Backend, versions: u64) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    assert_code(&shelf(backend, &["init"]), 0);
    for v in 1..=versions {
        let file = write_file(
            &dir.path().join("model.bin"),
            format!("weights {v}").as_bytes(),
        );
        let out = run(backend
            .shelf()
            .args(["push", "fraud"])
            .arg(&file)
            .args(["--metric", &format!("auc={}", 0.80 + v as f64 / 100.0)]));
        assert_code(&out, 0);
    }
    dir
}

/// fraud@1 goes live: the alias production, then a deployment to eu-prod with the
/// `deploy` arguments given (`--traffic`, `--reason`…).
fn launch(backend: &Backend, deploy: &[&str]) {
    ok_json(
        backend,
        &[
            "alias",
            "set",
            "fraud@1",
            "production",
            "--reason",
            "launch",
        ],
    );
    let mut args = vec!["deploy", "fraud@1", "--target", "eu-prod"];
    args.extend_from_slice(deploy);
    ok_json(backend, &args);
}

fn keys(backend: &Backend) -> Vec<String> {
    block_on(all_keys(&backend.store()))
}

/// The entries of `shelf log fraud --json`.
fn log(backend: &Backend, extra: &[&str]) -> Vec<Value> {
    let mut args = vec!["log"];
    args.extend_from_slice(extra);
    ok_json(backend, &args)["events"]
        .as_array()
        .unwrap()
        .clone()
}

#[test]
fn every_lifecycle_command_records_one_event_and_the_state_follows() {
    for backend in Backend::shared() {
        eprintln!("-- on {}", backend.name());
        let _dir = registry_with(&backend, 3);

        // Aliases: set, move, `model@alias` everywhere a REF goes, rollback walks back.
        let e = ok_json(
            &backend,
            &["alias", "set", "fraud@1", "production", "--reason", "first"],
        );
        assert_eq!(e["type"], "alias-set");
        assert_eq!(e["summary"], "alias production → v1");
        for v in ["2", "3"] {
            let out = shelf(
                &backend,
                &[
                    "alias",
                    "set",
                    &format!("fraud@{v}"),
                    "production",
                    "--reason",
                    "better",
                ],
            );
            assert_code(&out, 0);
        }
        assert_eq!(
            ok_json(&backend, &["show", "fraud@production"])["manifest"]["version"],
            3
        );
        let out = shelf(
            &backend,
            &["rollback", "fraud", "production", "--reason", "auc drop"],
        );
        assert_code(&out, 0);
        assert_eq!(
            stdout(&out).trim(),
            "fraud: rolled back alias production from v3 to v2"
        );
        let out = shelf(
            &backend,
            &["rollback", "fraud", "production", "--reason", "again"],
        );
        assert_eq!(
            stdout(&out).trim(),
            "fraud: rolled back alias production from v2 to v1"
        );
        refused(
            &backend,
            &["rollback", "fraud", "production", "--reason", "once more"],
            2,
            "nothing to roll back to",
        );
        let pulled = tempfile::tempdir().unwrap();
        let out = run(backend
            .shelf()
            .args(["pull", "fraud@production", "-o"])
            .arg(pulled.path()));
        assert_code(&out, 0);
        assert_eq!(
            std::fs::read(pulled.path().join("model.bin")).unwrap(),
            b"weights 1"
        );
        ok_json(
            &backend,
            &["alias", "set", "fraud@2", "staging", "--reason", "try"],
        );
        ok_json(
            &backend,
            &["alias", "rm", "fraud", "staging", "--reason", "done"],
        );
        refused(
            &backend,
            &["show", "fraud@staging"],
            1,
            "fraud has no alias staging",
        );

        // Compare takes aliases like any REF.
        let c = ok_json(&backend, &["compare", "fraud@production", "fraud@latest"]);
        assert_eq!(c["columns"], serde_json::json!(["fraud@1", "fraud@3"]));
        assert_eq!(c["metrics"][0]["key"], "auc");
        assert_eq!(
            c["metrics"][0]["verdicts"],
            serde_json::json!(["baseline", "better"])
        );

        // --expect-current: a job refuses to move an alias that moved under it.
        refused(
            &backend,
            &[
                "alias",
                "set",
                "fraud@3",
                "production",
                "--reason",
                "x",
                "--expect-current",
                "2",
            ],
            1,
            "moved under you: expected v2, found v1",
        );
        ok_json(
            &backend,
            &[
                "alias",
                "set",
                "fraud@3",
                "production",
                "--reason",
                "x",
                "--expect-current",
                "1",
            ],
        );

        // Status, with the transition table.
        let e = ok_json(
            &backend,
            &["status", "fraud@3", "validated", "--reason", "offline eval"],
        );
        assert_eq!(e["summary"], "status v3 validated (was draft)");
        ok_json(
            &backend,
            &["status", "fraud@production", "production", "--reason", "go"],
        );
        refused(
            &backend,
            &["status", "fraud@3", "draft", "--reason", "x"],
            2,
            "cannot move fraud@3 from production to draft",
        );

        // Tags after the fact: the manifest stays immutable.
        let manifest_before = ok_json(&backend, &["show", "fraud@3"])["manifest"].clone();
        let e = ok_json(
            &backend,
            &["tag", "fraud@3", "reviewed=yes", "ticket=RISK-42"],
        );
        assert_eq!(e["events"].as_array().unwrap().len(), 2);
        ok_json(
            &backend,
            &["untag", "fraud@3", "ticket", "--reason", "closed"],
        );
        let shown = ok_json(&backend, &["show", "fraud@3"]);
        assert_eq!(shown["tags"], serde_json::json!({"reviewed": "yes"}));
        assert_eq!(shown["manifest"], manifest_before);
        assert_eq!(shown["status"], "production");
        assert_eq!(shown["aliases"], serde_json::json!(["production"]));

        // Evaluations, many per version over time.
        ok_json(
            &backend,
            &[
                "eval",
                "fraud@3",
                "--metric",
                "auc=0.86",
                "--dataset",
                "prod-2026-10",
                "--at",
                "2026-10-31T23:00:00Z",
            ],
        );
        ok_json(
            &backend,
            &[
                "eval",
                "fraud@production",
                "--metric",
                "auc=0.84",
                "--metric",
                "f1=0.7",
            ],
        );
        let evaluations = ok_json(&backend, &["show", "fraud@3"])["evaluations"].clone();
        assert_eq!(evaluations.as_array().unwrap().len(), 2);
        assert_eq!(evaluations[0]["measured_at"], "2026-10-31T23:00:00.000Z");
        assert_eq!(evaluations[0]["dataset"], "prod-2026-10");
        assert_eq!(evaluations[1]["metrics"]["f1"], 0.7);

        // Deployments: shares on a target never exceed 100%.
        ok_json(
            &backend,
            &[
                "deploy",
                "fraud@2",
                "--target",
                "eu-prod",
                "--traffic",
                "90",
                "--reason",
                "stable",
            ],
        );
        ok_json(
            &backend,
            &[
                "deploy",
                "fraud@3",
                "--target",
                "eu-prod",
                "--traffic",
                "10",
                "--reason",
                "canary",
            ],
        );
        ok_json(
            &backend,
            &[
                "deploy",
                "fraud@3",
                "--target",
                "fleet/line-7",
                "--reason",
                "all in",
            ],
        );
        refused(
            &backend,
            &[
                "deploy",
                "fraud@1",
                "--target",
                "eu-prod",
                "--traffic",
                "1",
                "--reason",
                "x",
            ],
            2,
            "other versions already take 100% of its traffic, so at most 0% is left",
        );
        let table = stdout(&shelf(&backend, &["deployments"]));
        let rows: Vec<Vec<&str>> = table
            .lines()
            .skip(1)
            .map(|l| l.split_whitespace().collect())
            .collect();
        assert_eq!(
            rows,
            vec![
                vec!["eu-prod", "fraud", "2", "90%"],
                vec!["eu-prod", "fraud", "3", "10%"],
                vec!["fleet/line-7", "fraud", "3", "100%"],
            ],
            "{table}"
        );
        ok_json(
            &backend,
            &[
                "undeploy", "fraud@2", "--target", "eu-prod", "--reason", "retired",
            ],
        );
        ok_json(
            &backend,
            &[
                "deploy",
                "fraud@3",
                "--target",
                "eu-prod",
                "--reason",
                "full rollout",
            ],
        );
        let now = ok_json(&backend, &["deployments", "fraud"]);
        let shares: Vec<(String, u64, f64)> = now["deployments"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["target"].as_str().unwrap().to_string(),
                    r["version"].as_u64().unwrap(),
                    r["traffic"].as_f64().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            shares,
            vec![
                ("eu-prod".into(), 3, 100.0),
                ("fleet/line-7".into(), 3, 100.0)
            ]
        );

        // The audit trail: every change, who, when, why; filters.
        let all = log(&backend, &[]);
        let types: Vec<&str> = all.iter().map(|e| e["type"].as_str().unwrap()).collect();
        assert_eq!(types.iter().filter(|t| **t == "register").count(), 3);
        assert_eq!(types.iter().filter(|t| **t == "deployment").count(), 4);
        assert_eq!(types.len(), 3 + 6 + 2 + 2 + 2 + 1 + 2 + 4 + 1, "{types:?}");
        assert!(
            all.iter()
                .all(|e| e["actor"] == "test-runner" && e["model"] == "fraud")
        );
        let rollbacks: Vec<&Value> = all.iter().filter(|e| e["reason"] == "auc drop").collect();
        assert_eq!(rollbacks.len(), 1);
        assert_eq!(
            log(&backend, &["fraud", "--action", "undeployment"]).len(),
            1
        );
        assert_eq!(log(&backend, &["--actor", "someone-else"]).len(), 0);
        let last_time = all.last().unwrap()["time"].as_str().unwrap().to_string();
        let since = log(&backend, &["--since", &last_time]);
        assert_eq!(
            since.last().unwrap()["summary"],
            "deployed v3 to eu-prod at 100% (was 10%)"
        );
        let text = stdout(&shelf(&backend, &["log", "fraud", "--action", "status"]));
        assert!(
            text.contains("status v3 validated (was draft)  — offline eval"),
            "{text}"
        );

        // Every entry is a valid chain link; the state is the replay.
        let verify = ok_json(&backend, &["verify"]);
        assert_eq!(verify["clean"], true, "{verify}");
    }
}

#[test]
fn time_travel_answers_from_the_log() {
    for backend in Backend::shared() {
        eprintln!("-- on {}", backend.name());
        let _dir = registry_with(&backend, 2);
        launch(&backend, &["--reason", "launch"]);
        // Keep the next entries' millisecond times strictly after the previous ones.
        std::thread::sleep(std::time::Duration::from_millis(5));
        ok_json(
            &backend,
            &[
                "alias",
                "set",
                "fraud@2",
                "production",
                "--reason",
                "retrain",
            ],
        );
        ok_json(
            &backend,
            &[
                "undeploy", "fraud@1", "--target", "eu-prod", "--reason", "retrain",
            ],
        );
        ok_json(
            &backend,
            &[
                "deploy", "fraud@2", "--target", "eu-prod", "--reason", "retrain",
            ],
        );
        let events = log(&backend, &["fraud"]);
        let time = |seq: usize| events[seq - 1]["time"].as_str().unwrap().to_string();

        // As of the first deployment (entry 4): production was v1, v1 ran on eu-prod.
        let then = time(4);
        let shown = ok_json(&backend, &["show", "fraud@production", "--at", &then]);
        assert_eq!(shown["manifest"]["version"], 1);
        assert_eq!(shown["as_of"], then.as_str());
        let text = stdout(&shelf(
            &backend,
            &["show", "fraud@production", "--at", &then],
        ));
        assert!(
            text.starts_with(&format!("fraud@1\nas of:       {then}\n")),
            "{text}"
        );
        let d = ok_json(&backend, &["deployments", "--at", &then]);
        assert_eq!(d["deployments"][0]["version"], 1);
        assert_eq!(d["deployments"].as_array().unwrap().len(), 1);
        // Now: v2, and only v2 runs there.
        assert_eq!(
            ok_json(&backend, &["show", "fraud@production"])["manifest"]["version"],
            2
        );
        let d = ok_json(&backend, &["deployments", "fraud"]);
        assert_eq!(d["deployments"][0]["version"], 2);
        assert_eq!(d["deployments"].as_array().unwrap().len(), 1);
        // As of entry 6 (v1 undeployed, v2 not yet deployed): nothing ran there.
        let d = ok_json(&backend, &["deployments", "fraud", "--at", &time(6)]);
        assert_eq!(d["deployments"], serde_json::json!([]), "{d}");
        let out = shelf(&backend, &["deployments", "fraud", "--at", &time(6)]);
        assert_eq!(
            stderr(&out).trim(),
            format!("nothing was deployed as of {}", time(6))
        );
        // Before the model existed: a clear error, exit 2.
        refused(
            &backend,
            &["show", "fraud@production", "--at", "2020-01-01T00:00:00Z"],
            2,
            "fraud did not exist at 2020-01-01T00:00:00.000Z: its first entry is dated",
        );
        refused(
            &backend,
            &["deployments", "fraud", "--at", "2020-01-01T00:00:00Z"],
            2,
            "did not exist",
        );
        // Malformed times name the flag and the value.
        refused(
            &backend,
            &["show", "fraud@1", "--at", "yesterday"],
            2,
            "invalid value 'yesterday' for '--at <TIME>': invalid time \"yesterday\"",
        );
        refused(
            &backend,
            &["log", "--since", "2026-13-01"],
            2,
            "invalid time \"2026-13-01\"",
        );
    }
}

#[test]
fn refused_lifecycle_input_names_the_value_and_writes_nothing() {
    for backend in Backend::shared() {
        eprintln!("-- on {}", backend.name());
        let dir = registry_with(&backend, 2);
        launch(&backend, &["--traffic", "60", "--reason", "a/b"]);
        ok_json(
            &backend,
            &["status", "fraud@1", "archived", "--reason", "old"],
        );
        let before = keys(&backend);
        let file = write_file(&dir.path().join("next.bin"), b"next");
        let file = file.to_str().unwrap();
        let cases: Vec<(Vec<&str>, i32, &str)> = vec![
            // Unknown aliases and versions.
            (
                vec![
                    "alias",
                    "set",
                    "fraud@staging",
                    "production",
                    "--reason",
                    "x",
                ],
                1,
                "fraud has no alias staging (its aliases: production)",
            ),
            (
                vec!["alias", "set", "fraud@9", "production", "--reason", "x"],
                1,
                "fraud@9 not found: fraud has no version 9 (it has 2)",
            ),
            (
                vec!["alias", "rm", "fraud", "staging"],
                2,
                "fraud has no alias staging",
            ),
            (
                vec!["rollback", "fraud", "staging", "--reason", "x"],
                2,
                "fraud has no alias staging",
            ),
            (
                vec!["rollback", "fraud", "production", "--reason", "x"],
                2,
                "it has pointed only to v1",
            ),
            (
                vec!["alias", "set", "fraud@1", "Prod", "--reason", "x"],
                2,
                "invalid alias name \"Prod\"",
            ),
            (
                vec!["alias", "set", "fraud@1", "latest", "--reason", "x"],
                2,
                "`latest` is reserved",
            ),
            (
                vec![
                    "alias",
                    "set",
                    "fraud@1",
                    "production",
                    "--reason",
                    "x",
                    "--expect-current",
                    "two",
                ],
                2,
                "invalid value 'two' for '--expect-current <VERSION>'",
            ),
            // Statuses.
            (
                vec!["status", "fraud@1", "production", "--reason", "x"],
                2,
                "cannot move fraud@1 from archived to production: archived is final",
            ),
            (
                vec!["status", "fraud@2", "production", "--reason", "x"],
                2,
                "from draft a version can move to experimental, validated or archived",
            ),
            (
                vec!["status", "fraud@2", "draft", "--reason", "x"],
                2,
                "fraud@2 is already draft",
            ),
            (
                vec!["status", "fraud@2", "retired", "--reason", "x"],
                2,
                "invalid status \"retired\": a status is one of draft",
            ),
            // Tags and evaluations.
            (
                vec!["untag", "fraud@2", "ticket"],
                2,
                "fraud@2 has no tag ticket",
            ),
            (
                vec!["tag", "fraud@2", "ticket"],
                2,
                "invalid value 'ticket' for '<KEY=VALUE>...': \"ticket\" is not of the form key=value",
            ),
            (
                vec!["tag", "fraud@2", "bad key=1"],
                2,
                "invalid key \"bad key\"",
            ),
            (
                vec!["eval", "fraud@2", "--metric", "auc=nan"],
                2,
                "not a finite number",
            ),
            (
                vec![
                    "eval",
                    "fraud@2",
                    "--metric",
                    "auc=0.8",
                    "--at",
                    "2999-01-01T00:00:00Z",
                ],
                2,
                "an evaluation's time 2999-01-01T00:00:00.000Z is in the future",
            ),
            (
                vec![
                    "eval",
                    "fraud@2",
                    "--metric",
                    "auc=0.8",
                    "--at",
                    "0000-01-01T00:00:00Z",
                ],
                2,
                "an evaluation's time 0000-01-01T00:00:00.000Z is before 1970-01-01T00:00:00Z",
            ),
            (
                vec![
                    "eval",
                    "fraud@2",
                    "--metric",
                    "auc=0.8",
                    "--at",
                    "last week",
                ],
                2,
                "invalid time \"last week\"",
            ),
            // Deployments.
            (
                vec![
                    "deploy",
                    "fraud@2",
                    "--target",
                    "eu-prod",
                    "--traffic",
                    "50",
                    "--reason",
                    "x",
                ],
                2,
                "cannot deploy fraud@2 to eu-prod at 50%: other versions already take 60% of its traffic, so at most 40% is left",
            ),
            (
                vec![
                    "deploy",
                    "fraud@2",
                    "--target",
                    "eu-prod",
                    "--traffic",
                    "150",
                    "--reason",
                    "x",
                ],
                2,
                "traffic is a percentage above 0 and at most 100, not 150",
            ),
            (
                vec![
                    "deploy",
                    "fraud@2",
                    "--target",
                    "eu-prod",
                    "--traffic",
                    "0",
                    "--reason",
                    "x",
                ],
                2,
                "traffic is a percentage above 0 and at most 100, not 0",
            ),
            (
                vec![
                    "deploy",
                    "fraud@2",
                    "--target",
                    "eu-prod",
                    "--traffic",
                    "nan",
                    "--reason",
                    "x",
                ],
                2,
                "traffic is a percentage above 0 and at most 100, not NaN",
            ),
            (
                vec!["deploy", "fraud@2", "--target", "eu prod", "--reason", "x"],
                2,
                "invalid target name \"eu prod\"",
            ),
            (
                vec!["deploy", "fraud@2", "--target", "eu-prod"],
                2,
                "--reason",
            ),
            (
                vec![
                    "undeploy", "fraud@2", "--target", "eu-prod", "--reason", "x",
                ],
                2,
                "fraud@2 is not deployed to eu-prod",
            ),
            // History queries.
            (
                vec!["log", "--action", "promote"],
                2,
                "invalid action \"promote\": an action is one of register, alias-set",
            ),
            (
                vec!["log", "--since", "2026-02-30T00:00:00Z"],
                2,
                "invalid time",
            ),
            (
                vec!["show", "fraud@production", "--at", "2020-01-01T00:00:00Z"],
                2,
                "fraud did not exist at 2020-01-01T00:00:00.000Z",
            ),
            (
                vec!["deployments", "fraud", "--at", "1 Oct"],
                2,
                "invalid value '1 Oct' for '--at <TIME>'",
            ),
            (
                vec!["versions", "fraud", "--branch=-x"],
                2,
                "invalid branch name \"-x\"",
            ),
            // Lineage.
            (
                vec!["push", "fraud", file, "--parent", "fraud@7"],
                2,
                "parent fraud@7 not found: fraud has no version 7 (it has 2)",
            ),
            (
                vec!["push", "fraud", file, "--parent", "base@1"],
                2,
                "parent model base not found",
            ),
            (
                vec!["push", "fraud", file, "--branch", "exp lr"],
                2,
                "invalid branch name \"exp lr\"",
            ),
        ];
        for (args, code, needle) in cases {
            refused(&backend, &args, code, needle);
            assert_eq!(keys(&backend), before, "{args:?} wrote something");
        }
    }
}

#[test]
fn concurrent_jobs_moving_one_alias_all_land_and_expect_current_refuses_the_loser() {
    for backend in Backend::shared() {
        eprintln!("-- on {}", backend.name());
        let _dir = registry_with(&backend, 8);
        // 8 CI jobs move the same alias at once: 8 entries, none lost, state = replay.
        let jobs: Vec<_> = (1..=8)
            .map(|v| {
                backend
                    .shelf()
                    .args([
                        "alias",
                        "set",
                        &format!("fraud@{v}"),
                        "production",
                        "--reason",
                        "job",
                    ])
                    .stdout(std::process::Stdio::piped())
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for job in jobs {
            assert_code(&job.wait_with_output().unwrap(), 0);
        }
        let moves: Vec<Value> = log(&backend, &["fraud", "--action", "alias-set"]);
        assert_eq!(moves.len(), 8);
        let mut versions: Vec<u64> = moves
            .iter()
            .map(|e| e["version"].as_u64().unwrap())
            .collect();
        let last_in_log =
            moves.iter().max_by_key(|e| e["seq"].as_u64()).unwrap()["version"].clone();
        versions.sort();
        assert_eq!(versions, (1..=8).collect::<Vec<_>>());
        let current =
            ok_json(&backend, &["show", "fraud@production"])["manifest"]["version"].clone();
        assert_eq!(current, last_in_log);

        // Two jobs that both expect the alias at v5: exactly one moves it, the other is
        // refused with exit 1 and writes nothing.
        ok_json(
            &backend,
            &["alias", "set", "fraud@5", "production", "--reason", "reset"],
        );
        let racers: Vec<_> = ["1", "2"]
            .into_iter()
            .map(|v| {
                backend
                    .shelf()
                    .args([
                        "alias",
                        "set",
                        &format!("fraud@{v}"),
                        "production",
                        "--reason",
                        "race",
                    ])
                    .args(["--expect-current", "5"])
                    .stdout(std::process::Stdio::piped())
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        let outcomes: Vec<Output> = racers
            .into_iter()
            .map(|r| r.wait_with_output().unwrap())
            .collect();
        let codes: Vec<Option<i32>> = outcomes.iter().map(|o| o.status.code()).collect();
        let mut sorted = codes.clone();
        sorted.sort();
        assert_eq!(sorted, vec![Some(0), Some(1)], "{codes:?}");
        let winner = if codes[0] == Some(0) { 1 } else { 2 };
        let loser = &outcomes[if winner == 1 { 1 } else { 0 }];
        assert!(
            stderr(loser).contains(&format!("moved under you: expected v5, found v{winner}")),
            "{}",
            stderr(loser)
        );
        assert_eq!(
            ok_json(&backend, &["show", "fraud@production"])["manifest"]["version"],
            winner
        );
        assert_eq!(
            log(&backend, &["fraud", "--action", "alias-set"]).len(),
            8 + 1 + 1
        );
        assert_eq!(ok_json(&backend, &["verify"])["clean"], true);
    }
}

#[test]
fn a_tiny_traffic_share_is_shown_as_it_is_never_as_zero() {
    let backend = Backend::local();
    let _dir = registry_with(&backend, 1);
    let e = ok_json(
        &backend,
        &[
            "deploy",
            "fraud@1",
            "--target",
            "eu",
            "--traffic",
            "1e-300",
            "--reason",
            "x",
        ],
    );
    assert_eq!(e["summary"], "deployed v1 to eu at 1e-300%");
    let table = stdout(&shelf(&backend, &["deployments"]));
    assert!(table.lines().any(|l| l.ends_with(" 1e-300%")), "{table}");
    let shown = stdout(&shelf(&backend, &["show", "fraud@1"]));
    assert!(shown.contains("\n  eu 1e-300%\n"), "{shown}");
    assert_eq!(
        ok_json(&backend, &["deployments"])["deployments"][0]["traffic"],
        1e-300
    );
}
