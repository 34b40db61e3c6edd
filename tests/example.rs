//! The real example (examples/fraud): scikit-learn trains two versions of a fraud model on
//! generated data; the script pushes them with metrics per split, params, environment,
//! code, command, datasets and lineage. Checks what landed in the registry.

use std::path::{Path, PathBuf};

use crate::support::{assert_code, json, run, shelf_command};
use serde_json::Value;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The ML venv made by scripts/setup.sh; tests never skip silently.
fn python() -> PathBuf {
    let python = root().join(".tools/ml-venv/bin/python");
    assert!(
        python.exists(),
        "{} is missing: run the tests with scripts/test.sh, which runs scripts/setup.sh",
        python.display()
    );
    python
}

#[test]
fn the_fraud_example_trains_pushes_and_records_everything() {
    let dir = tempfile::tempdir().unwrap();
    let registry = dir.path().join("registry");
    let work = dir.path().join("work");
    let out = run(std::process::Command::new("bash")
        .arg(root().join("examples/fraud/run.sh"))
        .arg(&work)
        .env("SHELF", env!("CARGO_BIN_EXE_shelf"))
        .env("SHELF_REGISTRY", &registry)
        .env("PYTHON", python())
        .env_remove("SHELF_AUTHOR"));
    assert_code(&out, 0);
    let shelf = |args: &[&str]| {
        let out = run(shelf_command().arg("--registry").arg(&registry).args(args));
        assert_code(&out, 0);
        json(&out)
    };

    // The dataset, registered.
    let data = shelf(&["show", "fraud-transactions@1", "--json"]);
    assert_eq!(data["manifest"]["subject"], "dataset");
    let files: Vec<&str> = data["manifest"]["artifacts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["path"].as_str().unwrap())
        .collect();
    assert_eq!(files, ["test.csv", "train.csv"]);

    // Two versions, with exactly the metrics the training script wrote, per split.
    for version in [1, 2] {
        let shown = shelf(&["show", &format!("fraud-detector@{version}"), "--json"]);
        let m = &shown["manifest"];
        let written: Value = serde_json::from_slice(
            &std::fs::read(work.join(format!("out-v{version}/metrics.json"))).unwrap(),
        )
        .unwrap();
        for split in ["train", "validation", "test"] {
            for metric in ["precision", "recall", "f1", "auc"] {
                let key = format!("{split}.{metric}");
                assert_eq!(
                    m["metrics"][&key], written[split][metric],
                    "v{version} {key}"
                );
                let x = m["metrics"][&key].as_f64().unwrap();
                assert!((0.0..=1.0).contains(&x), "{key} = {x}");
            }
        }
        assert_eq!(m["params"]["model.type"], "GradientBoostingClassifier");
        // The model file, introspected without loading it: a joblib pickle, unsafe.
        let info = &m["artifacts"][0]["info"];
        assert_eq!(info["format"], "pickle", "{info}");
        assert_eq!(info["unsafe_to_load"], true);
        assert_eq!(info["joblib"], true);
        let imports: Vec<&str> = info["imports"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i.as_str().unwrap())
            .collect();
        assert!(
            imports
                .iter()
                .any(|i| i.ends_with("GradientBoostingClassifier")),
            "{imports:?}"
        );
        assert_eq!(m["params"]["model.max_depth"], 3);
        // The environment of the interpreter that trained it.
        let env = &m["environment"];
        assert_eq!(env["packages_from"], "interpreter");
        assert!(env["packages"]["scikit-learn"].as_str().is_some(), "{env}");
        assert!(env["python"].as_str().unwrap().starts_with("3."));
        // The code: this repository's commit.
        assert_eq!(m["code"]["commit"].as_str().unwrap().len(), 40);
        assert!(
            m["run"]["command"]
                .as_str()
                .unwrap()
                .starts_with("python examples/fraud/train.py train data out")
        );
        // The datasets: the registered one pinned, the test file hashed.
        let datasets = m["datasets"].as_array().unwrap();
        assert_eq!(datasets[0]["role"], "train");
        assert_eq!(datasets[0]["registered"]["name"], "fraud-transactions");
        assert_eq!(datasets[0]["registered"]["content_id"], data["content_id"]);
        assert_eq!(datasets[1]["role"], "test");
        assert_eq!(datasets[1]["verified"], true);
        let test_csv = std::fs::read(work.join("data/test.csv")).unwrap();
        assert_eq!(
            datasets[1]["digest"].as_str().unwrap(),
            shelf_format::Digest::of(&test_csv).to_string()
        );
    }
    let v2 = shelf(&["show", "fraud-detector@production", "--json"]);
    assert_eq!(v2["manifest"]["version"], 2);
    assert_eq!(v2["manifest"]["parent"]["version"], 1);
    assert_eq!(v2["manifest"]["branch"], "exp/class-weights");
    assert_eq!(v2["status"], "validated");
    assert_eq!(v2["manifest"]["params"]["model.class_weight"], "balanced");

    // The reproduction kit points at the same commit and data.
    let kit = dir.path().join("kit");
    let out = run(shelf_command()
        .arg("--registry")
        .arg(&registry)
        .args(["reproduce", "fraud-detector@production", "-o"])
        .arg(&kit));
    assert_code(&out, 0);
    let datasets_sh = std::fs::read_to_string(kit.join("datasets.sh")).unwrap();
    assert!(
        datasets_sh.contains("pull fraud-transactions@1 -o data/train"),
        "{datasets_sh}"
    );
    let requirements = std::fs::read_to_string(kit.join("requirements.txt")).unwrap();
    assert!(requirements.contains("scikit-learn=="), "{requirements}");
    assert_eq!(shelf(&["verify", "--json"])["clean"], true);
}
