//! Many `shelf` processes at once, and pushes killed at each step, against a local folder,
//! a real S3 server and Azurite (and real cloud buckets when the environment names them).

use std::collections::BTreeSet;
use std::process::{Child, Stdio};

use crate::support::{Backend, assert_code, block_on, bytes, json, run, write_file};
use shelf::Silent;
use shelf_format::{Key, ModelName, keys};

fn spawn_push(backend: &Backend, model: &str, file: &std::path::Path, writer: usize) -> Child {
    backend
        .shelf()
        .args(["push", model, "--json", "--metric"])
        .arg(format!("writer={writer}"))
        .arg(file)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn shelf push")
}

#[test]
fn sixteen_processes_pushing_one_model_get_versions_1_to_16_once_each() {
    for backend in Backend::shared() {
        assert_code(&run(backend.shelf().arg("init")), 0);
        let dir = tempfile::tempdir().unwrap();
        let children: Vec<Child> = (0..16)
            .map(|i| {
                let file = write_file(
                    &dir.path().join(format!("w{i}.bin")),
                    &bytes(i as u64, 4096),
                );
                spawn_push(&backend, "contended", &file, i)
            })
            .collect();
        let mut versions = Vec::new();
        for child in children {
            let out = child.wait_with_output().unwrap();
            assert_code(&out, 0);
            let doc = json(&out);
            assert!(doc["warnings"].as_array().unwrap().is_empty(), "{doc}");
            versions.push(doc["version"].as_u64().unwrap());
        }
        versions.sort();
        assert_eq!(
            versions,
            (1..=16).collect::<Vec<_>>(),
            "on {}",
            backend.name()
        );

        let registry = backend.registry();
        block_on(async {
            let model = ModelName::new("contended").unwrap();
            let view = registry.model(&model).await.unwrap();
            assert!(view.problems.is_empty());
            let writers: BTreeSet<u64> = view
                .index
                .versions
                .iter()
                .map(|v| v.metrics[&Key::new("writer").unwrap()] as u64)
                .collect();
            assert_eq!(
                writers,
                (0..16).collect(),
                "every writer's manifest is intact"
            );
            let (_, catalog, _) = registry.read_catalog().await.unwrap();
            let entry = &catalog.unwrap().models[&model];
            assert_eq!(entry.versions, 16, "on {}", backend.name());
            assert_eq!(entry.latest.as_ref().unwrap().version, 16);
        });
        let out = run(backend.shelf().args(["verify", "--json"]));
        assert_code(&out, 0);
        let report = json(&out);
        assert_eq!(report["versions"], 16);
        assert!(
            report["warnings"].as_array().unwrap().is_empty(),
            "{report}"
        );
    }
}

#[test]
fn eight_processes_pushing_eight_new_models_all_reach_the_catalog() {
    for backend in Backend::shared() {
        assert_code(&run(backend.shelf().arg("init")), 0);
        let dir = tempfile::tempdir().unwrap();
        let file = write_file(&dir.path().join("w.bin"), b"shared weights");
        let children: Vec<Child> = (0..8)
            .map(|i| spawn_push(&backend, &format!("model-{i}"), &file, i))
            .collect();
        for child in children {
            assert_code(&child.wait_with_output().unwrap(), 0);
        }
        let registry = backend.registry();
        block_on(async {
            let (_, catalog, problems) = registry.read_catalog().await.unwrap();
            assert!(problems.is_empty(), "{problems:?}");
            let names: Vec<String> = catalog
                .unwrap()
                .models
                .keys()
                .map(|m| m.to_string())
                .collect();
            let expected: Vec<String> = (0..8).map(|i| format!("model-{i}")).collect();
            assert_eq!(names, expected, "on {}", backend.name());
        });
        assert_code(&run(backend.shelf().arg("verify")), 0);
    }
}

/// Push with a crash point armed; the process must die there.
fn crashed_push(backend: &Backend, point: &str, file: &std::path::Path) {
    let out = run(backend
        .shelf()
        .env("SHELF_FAILPOINT", point)
        .args(["push", "crashy"])
        .arg(file));
    assert!(
        !out.status.success() && out.status.code().is_none(),
        "the push should have been killed at {point}: {:?}",
        out.status
    );
}

#[test]
fn a_push_killed_at_any_step_leaves_no_partial_version_and_a_rerun_converges() {
    for backend in Backend::shared() {
        assert_code(&run(backend.shelf().arg("init")), 0);
        let dir = tempfile::tempdir().unwrap();
        // Large enough for a multipart upload (the crash point is after the 2nd part).
        let big = write_file(&dir.path().join("big.bin"), &bytes(7, 20 * 1024 * 1024));
        let model = ModelName::new("crashy").unwrap();
        let registry = backend.registry();

        for point in ["upload-part", "before-commit"] {
            crashed_push(&backend, point, &big);
            let out = run(backend.shelf().args(["versions", "crashy"]));
            assert_code(&out, 1); // no version is visible: the model doesn't exist
            block_on(async {
                assert!(
                    registry
                        .get_bytes(&keys::log_key(&model, 1))
                        .await
                        .unwrap()
                        .is_none()
                );
            });
            let out = run(backend.shelf().args(["verify", "--json"]));
            assert_code(&out, 0);
        }

        // Killed after the commit, before the derived files: the version is complete, the
        // derived files lag, readers catch up.
        crashed_push(&backend, "after-commit", &big);
        let out = run(backend.shelf().args(["versions", "crashy", "--json"]));
        assert_code(&out, 0);
        assert_eq!(json(&out)["versions"].as_array().unwrap().len(), 1);
        block_on(async {
            assert!(
                registry
                    .get_bytes(&keys::model_index_key(&model))
                    .await
                    .unwrap()
                    .is_none()
            );
            let (_, catalog, _) = registry.read_catalog().await.unwrap();
            assert!(catalog.is_none_or(|c| !c.models.contains_key(&model)));
        });
        let list = json(&run(backend.shelf().args(["list", "--json"])));
        assert_eq!(list["models"][0]["model"], "crashy");
        assert_eq!(list["models"][0]["versions"], 1);
        let out = run(backend
            .shelf()
            .args(["pull", "crashy@1", "-o"])
            .arg(dir.path().join("out")));
        assert_code(&out, 0);
        assert_eq!(
            std::fs::read(dir.path().join("out/big.bin")).unwrap(),
            std::fs::read(&big).unwrap()
        );

        // Rerunning succeeds and brings everything up to date.
        let out = run(backend.shelf().args(["push", "crashy", "--json"]).arg(&big));
        assert_code(&out, 0);
        assert_eq!(json(&out)["version"], 2);
        assert_eq!(
            json(&out)["bytes_uploaded"],
            0,
            "the blob was already complete"
        );
        let out = run(backend.shelf().args(["verify", "--json"]));
        assert_code(&out, 0);
        let report = json(&out);
        assert_eq!(report["clean"], true);
        block_on(async {
            let (_, catalog, _) = registry.read_catalog().await.unwrap();
            assert_eq!(catalog.unwrap().models[&model].versions, 2);
            let report = registry.verify(&Silent).await.unwrap();
            assert!(report.is_clean());
        });
    }
}

/// Idempotent pushes (docs/format.md §6.2): a CI job retried with the same key gets the
/// version it registered the first time, also when the retries run at once; the same key
/// with other files is refused and writes nothing.
#[test]
fn pushes_with_one_idempotency_key_register_one_version() {
    for backend in [Backend::local(), Backend::s3()] {
        assert_code(&run(backend.shelf().arg("init")), 0);
        let dir = tempfile::tempdir().unwrap();
        let file = write_file(&dir.path().join("model.bin"), &bytes(1, 4096));
        let push = |key: &str, file: &std::path::Path| {
            backend
                .shelf()
                .args(["push", "retried", "--json", "--metric", "f1=0.9"])
                .args(["--idempotency-key", key])
                .arg(file)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("spawn shelf push")
        };
        // Six retries of one job at once: one registers, the others find it.
        let outs: Vec<_> = (0..6)
            .map(|_| push("pipeline-81723/train", &file))
            .collect::<Vec<_>>()
            .into_iter()
            .map(|c| c.wait_with_output().unwrap())
            .collect();
        let mut fresh = 0;
        for out in &outs {
            assert_code(out, 0);
            let doc = json(out);
            assert_eq!(doc["version"], 1, "{}: {doc}", backend.name());
            if doc["already_registered"] == false {
                fresh += 1;
            } else {
                let notes = doc["notes"].to_string();
                assert!(
                    notes.contains("retried@1 was already registered with idempotency key"),
                    "{doc}"
                );
            }
        }
        assert_eq!(fresh, 1, "{}: exactly one push registers", backend.name());
        // Later, once more.
        let again = push("pipeline-81723/train", &file)
            .wait_with_output()
            .unwrap();
        assert_code(&again, 0);
        assert_eq!(json(&again)["already_registered"], true);

        // Another job's key registers the next version; the first key with other bytes
        // is refused, naming the key, the version and what differs.
        let other = push("pipeline-81724/train", &file)
            .wait_with_output()
            .unwrap();
        assert_code(&other, 0);
        assert_eq!(json(&other)["version"], 2);
        let changed = write_file(&dir.path().join("model.bin"), &bytes(2, 4096));
        let refused = push("pipeline-81723/train", &changed)
            .wait_with_output()
            .unwrap();
        assert_code(&refused, 2);
        let err = crate::support::stderr(&refused);
        assert!(
            err.contains("\"pipeline-81723/train\"")
                && err.contains("retried@1")
                && err.contains("artifacts"),
            "{err}"
        );
        let registry = backend.registry();
        let state = block_on(registry.load_model(
            &ModelName::new("retried").unwrap(),
            shelf_format::read::Mode::Strict,
        ))
        .unwrap();
        assert_eq!(state.index.versions.len(), 2, "{}", backend.name());
        assert_eq!(
            state.index.versions[0].idempotency_key.as_deref(),
            Some("pipeline-81723/train")
        );

        for bad in ["", "has space", "semi;colon", &"k".repeat(201)] {
            let out = push(bad, &file).wait_with_output().unwrap();
            assert_code(&out, 2);
            assert!(
                crate::support::stderr(&out).contains("invalid idempotency key"),
                "{bad:?}"
            );
        }
    }
}
