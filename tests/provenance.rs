//! What a version carries for auditors and for reproducing it: metrics and params files,
//! environment and code capture, datasets, redaction of secrets, `shelf reproduce` — run as
//! a CI job runs them, against a local folder and the real S3 server.

use std::path::Path;
use std::process::Command;

use crate::support::{Backend, all_keys, assert_code, block_on, json, run, stderr, write_file};
use serde_json::Value;

fn git(dir: &Path, args: &[&str]) {
    let ok = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .env("GIT_AUTHOR_NAME", "ci")
        .env("GIT_AUTHOR_EMAIL", "ci@example.com")
        .env("GIT_COMMITTER_NAME", "ci")
        .env("GIT_COMMITTER_EMAIL", "ci@example.com")
        .output()
        .unwrap()
        .status
        .success();
    assert!(ok, "git {args:?}");
}

/// Realistic secrets, each of which must never reach the bucket.
const SECRETS: [&str; 6] = [
    "ghs_16C7e42F292c6912E7710c838347Ae178B4a",
    "AKIAIOSFODNN7EXAMPLE",
    "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "S3cr3tPa55",
    "sk-proj-abcdefghijklmnopqrstuvwx",
    "hunter2-token-value",
];

/// Every byte stored in the registry, as text (lossy), for secret scanning.
fn everything_stored(backend: &Backend) -> String {
    let store = backend.store();
    let mut all = String::new();
    for key in block_on(all_keys(&store)) {
        let bytes = block_on(async {
            use object_store::ObjectStoreExt as _;
            store
                .get(&object_store::path::Path::from(key.as_str()))
                .await
                .unwrap()
                .bytes()
                .await
                .unwrap()
        });
        all.push_str(&String::from_utf8_lossy(&bytes));
    }
    all
}

#[test]
fn a_version_carries_its_provenance_without_secrets_and_can_be_reproduced() {
    for backend in Backend::shared() {
        eprintln!("-- on {}", backend.name());
        let shelf = || backend.shelf();
        assert_code(&run(shelf().arg("init")), 0);
        let work = tempfile::tempdir().unwrap();
        let w = work.path();

        // A git checkout with a token in its remote URL, and an uncommitted change.
        let repo = w.join("repo");
        std::fs::create_dir_all(&repo).unwrap();
        git(&repo, &["init", "-q", "-b", "main"]);
        write_file(&repo.join("train.py"), b"print('train')\n");
        git(&repo, &["add", "train.py"]);
        git(&repo, &["commit", "-q", "-m", "train"]);
        git(
            &repo,
            &[
                "remote",
                "add",
                "origin",
                &format!(
                    "https://x-access-token:{}@github.com/acme/fraud.git",
                    SECRETS[0]
                ),
            ],
        );
        write_file(&repo.join("train.py"), b"print('train v2')\n");

        // A dataset version, registered.
        let data = w.join("data");
        write_file(&data.join("train.csv"), b"amount,label\n1,0\n");
        let out = run(shelf()
            .args(["dataset", "push", "transactions"])
            .arg(&data)
            .args([
                "--description",
                "card transactions, October",
                "--metric",
                "rows=1",
                "--no-code",
            ])
            .arg("--json"));
        assert_code(&out, 0);

        // Metrics per split and params, nested, in JSON and YAML; a lock file with a
        // password in an index URL; a command with an API key; a DSN with a password.
        let metrics = write_file(
            &w.join("metrics.json"),
            br#"{"train": {"f1": 0.95, "auc": 0.99}, "test": {"f1": 0.91, "auc": 0.97}, "model": "gbt"}"#,
        );
        let validation = write_file(&w.join("val.yaml"), b"f1: 0.92\nauc: 0.975\n");
        let params = write_file(
            &w.join("params.yaml"),
            format!("model:\n  max_depth: 6\n  learning_rate: 0.05\nfeatures:\n  db: postgresql://trainer:{}@db.internal/features\n", SECRETS[3]).as_bytes(),
        );
        let lock = write_file(
            &w.join("requirements.txt"),
            format!("--extra-index-url https://ci:{}@pypi.example.com/simple\nnumpy==1.26.4\nscikit-learn==1.5.1\n", SECRETS[5]).as_bytes(),
        );
        let test_data = write_file(&w.join("test.csv"), b"amount,label\n2,1\n");
        let model = write_file(&w.join("model.bin"), b"weights");
        let image = format!("ghcr.io/acme/train@sha256:{}", "a".repeat(64));
        let out = run(shelf()
            .args(["push", "fraud"])
            .arg(&model)
            .arg("--metrics")
            .arg(&metrics)
            .arg("--metrics")
            .arg(format!("validation={}", validation.display()))
            .arg("--params")
            .arg(&params)
            .arg("--env-lock")
            .arg(&lock)
            .args(["--image", &image])
            .arg("--code-dir")
            .arg(&repo)
            .args([
                "--command",
                &format!(
                    "python train.py --api-key {} --aws-key {} AWS_SECRET_ACCESS_KEY={}",
                    SECRETS[4], SECRETS[1], SECRETS[2]
                ),
            ])
            .args([
                "--run-url",
                "https://mlflow.example.com/#/experiments/3/runs/9f2c",
            ])
            .args(["--experiment", "fraud-q4"])
            .args(["--dataset", "train=transactions@latest"])
            .arg("--dataset")
            .arg(format!("test={}", test_data.display()))
            .args([
                "--dataset",
                "holdout=s3://no-such-bucket-here/holdout.parquet",
            ])
            .arg("--json"));
        assert_code(&out, 0);
        let pushed = json(&out);
        let notes = pushed["notes"].as_array().unwrap();
        assert_eq!(notes.len(), 1, "{notes:?}");
        assert!(notes[0].as_str().unwrap().starts_with(
            "dataset holdout=s3://no-such-bucket-here/holdout.parquet linked unverified"
        ));
        let redacted: Vec<&str> = pushed["redacted"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        for field in ["run.command", "params.features.db", "environment.lock_file"] {
            assert!(redacted.contains(&field), "{field} not in {redacted:?}");
        }
        let shown = json(&run(shelf().args(["show", "fraud@1", "--json"])));
        let m = &shown["manifest"];
        // Metrics per split, kept apart; the non-number skipped.
        let keys: Vec<&str> = m["metrics"]
            .as_object()
            .unwrap()
            .keys()
            .map(|k| k.as_str())
            .collect();
        assert_eq!(
            keys,
            [
                "test.auc",
                "test.f1",
                "train.auc",
                "train.f1",
                "validation.auc",
                "validation.f1"
            ]
        );
        assert_eq!(m["params"]["model.max_depth"], 6);
        assert_eq!(m["params"]["model.learning_rate"], 0.05);
        assert_eq!(
            m["params"]["features.db"],
            "postgresql://trainer:[REDACTED]@db.internal/features"
        );
        // Environment: the lock file's packages, the file stored as a blob; this machine.
        let env = &m["environment"];
        assert_eq!(env["packages_from"], "requirements.txt");
        assert_eq!(env["packages"]["numpy"], "1.26.4");
        assert_eq!(env["lock_file"]["name"], "requirements.txt");
        assert_eq!(env["container_image"], image.as_str());
        assert!(env["os"].as_str().unwrap().contains(std::env::consts::ARCH));
        assert!(env["cpu"].as_str().unwrap().contains("cores"));
        // Code: credentials stripped, commit, branch, dirty with a diff hash.
        let code = &m["code"];
        assert_eq!(code["repository"], "https://github.com/acme/fraud.git");
        assert_eq!(code["branch"], "main");
        assert_eq!(code["commit"].as_str().unwrap().len(), 40);
        assert_eq!(code["dirty"], true);
        assert!(code["diff_sha256"].as_str().unwrap().starts_with("sha256:"));
        // The run.
        assert_eq!(m["run"]["experiment"], "fraud-q4");
        assert_eq!(
            m["run"]["command"],
            "python train.py --api-key [REDACTED] --aws-key [REDACTED] AWS_SECRET_ACCESS_KEY=[REDACTED]"
        );
        // Datasets: registered (pinned), local (hashed), unreachable (unverified).
        let datasets = m["datasets"].as_array().unwrap();
        let by_role = |role: &str| datasets.iter().find(|d| d["role"] == role).unwrap().clone();
        let train = by_role("train");
        assert_eq!(train["registered"]["name"], "transactions");
        assert_eq!(train["registered"]["version"], 1);
        assert_eq!(train["verified"], true);
        let test = by_role("test");
        assert_eq!(test["size"], 17);
        assert_eq!(
            test["digest"].as_str().unwrap(),
            shelf_format::Digest::of(b"amount,label\n2,1\n").to_string()
        );
        let holdout = by_role("holdout");
        assert_eq!(holdout["verified"], false);
        assert!(holdout.get("digest").is_none());
        // The catalog says which models use the dataset version.
        let (_, catalog, _) = block_on(backend.registry().read_catalog()).unwrap();
        let catalog = catalog.unwrap();
        let fraud = shelf_format::ModelName::new("fraud").unwrap();
        assert_eq!(
            catalog.models[&fraud].uses,
            ["transactions@1"
                .parse::<shelf_format::VersionRef>()
                .unwrap()]
        );
        let transactions = shelf_format::ModelName::new("transactions").unwrap();
        let latest = catalog.models[&transactions].latest.as_ref().unwrap();
        assert_eq!(latest.subject, shelf_format::Subject::Dataset);
        // No secret anywhere in the bucket.
        let stored = everything_stored(&backend);
        for secret in SECRETS {
            assert!(!stored.contains(secret), "{secret} reached the bucket");
        }
        // A model can't link a model as a dataset, nor be pushed as a dataset.
        let out = run(shelf().args(["push", "other"]).arg(&model).args([
            "--dataset",
            "train=fraud@1",
            "--no-code",
        ]));
        assert_code(&out, 2);
        assert!(
            stderr(&out).contains("fraud is a model, not a dataset"),
            "{}",
            stderr(&out)
        );
        let out = run(shelf()
            .args(["dataset", "push", "fraud"])
            .arg(&data)
            .arg("--no-code"));
        assert_code(&out, 2);
        assert!(
            stderr(&out).contains("fraud is a model, not a dataset"),
            "{}",
            stderr(&out)
        );

        // The reproduction kit.
        let kit = w.join("kit");
        let out = run(shelf()
            .args(["reproduce", "fraud@1", "-o"])
            .arg(&kit)
            .arg("--json"));
        assert_code(&out, 0);
        let outcome: Value = json(&out);
        let files: Vec<&str> = outcome["files"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f.as_str().unwrap())
            .collect();
        assert_eq!(
            files,
            [
                "checkout.sh",
                "datasets.sh",
                "params.json",
                "requirements.txt",
                "train.sh",
                "REPRODUCE.md"
            ]
        );
        let read = |name: &str| std::fs::read_to_string(kit.join(name)).unwrap();
        let checkout = read("checkout.sh");
        assert!(
            checkout.contains("git clone -- https://github.com/acme/fraud.git src"),
            "{checkout}"
        );
        assert!(checkout.contains(&format!(
            "git -C src checkout {}",
            code["commit"].as_str().unwrap()
        )));
        assert!(checkout.contains("uncommitted changes"));
        let data_sh = read("datasets.sh");
        assert!(
            data_sh.contains("pull transactions@1 -o data/train"),
            "{data_sh}"
        );
        assert!(data_sh.contains(&format!(
            "# expected sha256: {}",
            shelf_format::Digest::of(b"amount,label\n2,1\n").hex()
        )));
        assert!(data_sh.contains("UNVERIFIED"));
        // The lock file comes back as stored: redacted (its index URL held a password).
        let given = std::fs::read_to_string(&lock).unwrap();
        assert_eq!(
            read("requirements.txt"),
            given.replace(SECRETS[5], "[REDACTED]")
        );
        assert_eq!(read("params.json"), r#"{"features.db":"postgresql://trainer:[REDACTED]@db.internal/features","model.learning_rate":0.05,"model.max_depth":6}"#.to_owned() + "\n");
        assert!(read("train.sh").contains("python train.py --api-key [REDACTED]"));
        let readme = read("REPRODUCE.md");
        assert!(readme.contains("- test.f1 = 0.91"), "{readme}");
        assert!(readme.contains(
            "dataset holdout (s3://no-such-bucket-here/holdout.parquet) was not readable at push"
        ));
        // And everything verifies, the lock file blob included.
        let verify = json(&run(shelf().args(["verify", "--json"])));
        assert_eq!(verify["clean"], true, "{verify}");
        // A registered dataset deleted by hand: verify names the version that pinned it.
        block_on(async {
            use object_store::ObjectStoreExt as _;
            let store = backend.store();
            for key in all_keys(&store).await {
                if key.starts_with("models/transactions/") {
                    store
                        .delete(&object_store::path::Path::from(key.as_str()))
                        .await
                        .unwrap();
                }
            }
        });
        let out = run(shelf().args(["verify", "--json"]));
        assert_code(&out, 1);
        let problems = json(&out)["problems"].clone();
        assert!(
            problems.as_array().unwrap().iter().any(|p| p["key"]
                == "models/fraud/_log/00000000000000000001.json"
                && p["message"] == "the dataset of v1, transactions@1, is not registered"),
            "{problems}"
        );
    }
}

#[test]
fn model_files_are_introspected_at_push_and_a_malformed_one_still_pushes() {
    let backend = Backend::local();
    let shelf = || backend.shelf();
    assert_code(&run(shelf().arg("init")), 0);
    let dir = tempfile::tempdir().unwrap();
    // A safetensors file written byte for byte to the spec: two F32 tensors.
    let header = br#"{"__metadata__":{"arch":"tiny"},"a.weight":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]},"b.bias":{"dtype":"F32","shape":[3],"data_offsets":[24,36]}}"#;
    let mut file = (header.len() as u64).to_le_bytes().to_vec();
    file.extend_from_slice(header);
    file.extend_from_slice(&[0u8; 36]);
    let good = write_file(&dir.path().join("model.safetensors"), &file);
    // A truncated copy: its header says more than the file holds.
    let bad = write_file(&dir.path().join("broken.safetensors"), &file[..20]);
    let out = run(shelf().args(["push", "tiny"]).arg(&good).arg(&bad).args([
        "--no-env",
        "--no-code",
        "--json",
    ]));
    assert_code(&out, 0);
    let pushed = json(&out);
    let notes: Vec<&str> = pushed["notes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap())
        .collect();
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert!(
        notes[0].starts_with("broken.safetensors: safetensors: "),
        "{notes:?}"
    );
    assert!(
        notes[0].ends_with("; pushed without its introspection"),
        "{notes:?}"
    );
    let shown = json(&run(shelf().args(["show", "tiny@1", "--json"])));
    let artifacts = shown["manifest"]["artifacts"].as_array().unwrap();
    let by_path = |p: &str| artifacts.iter().find(|a| a["path"] == p).unwrap().clone();
    let info = by_path("model.safetensors")["info"].clone();
    assert_eq!(info["format"], "safetensors", "{info}");
    assert_eq!(info["parameter_count"], 9);
    assert_eq!(info["metadata"]["arch"], "tiny");
    assert!(by_path("broken.safetensors").get("info").is_none());

    // v2: a.weight reshaped to [3, 3], c.weight added; compare names the differences.
    let header = br#"{"a.weight":{"dtype":"F32","shape":[3,3],"data_offsets":[0,36]},"b.bias":{"dtype":"F32","shape":[3],"data_offsets":[36,48]},"c.weight":{"dtype":"F16","shape":[4],"data_offsets":[48,56]}}"#;
    let mut file = (header.len() as u64).to_le_bytes().to_vec();
    file.extend_from_slice(header);
    file.extend_from_slice(&[0u8; 56]);
    let v2 = write_file(&dir.path().join("v2/model.safetensors"), &file);
    let out = run(shelf().args(["push", "tiny"]).arg(&v2).args([
        "--no-env",
        "--no-code",
        "--param",
        "lr=0.1",
    ]));
    assert_code(&out, 0);
    let out = run(shelf().args(["compare", "tiny@1", "tiny@latest", "--json"]));
    assert_code(&out, 0);
    let c = json(&out);
    assert_eq!(c["columns"], serde_json::json!(["tiny@1", "tiny@2"]));
    let arch = &c["architecture"][0];
    assert_eq!(arch["path"], "model.safetensors");
    let diff = &arch["diff"];
    assert_eq!(
        diff["parameter_count"],
        serde_json::json!({"old": 9, "new": 16})
    );
    assert_eq!(diff["tensors_added"][0]["name"], "c.weight");
    assert_eq!(
        diff["tensors_reshaped"][0],
        serde_json::json!({"name": "a.weight", "old": [2, 3], "new": [3, 3]})
    );
    let params = c["params"].as_array().unwrap();
    assert_eq!(
        params[0],
        serde_json::json!({"key": "lr", "values": [null, "0.1"], "changed": true})
    );
    let text =
        String::from_utf8(run(shelf().args(["compare", "tiny@1", "tiny@2"])).stdout).unwrap();
    for line in [
        "architecture of model.safetensors: tiny@1 → tiny@2",
        "  parameters 9 → 16 (+7, 77.8%)",
        "  + c.weight F16 [4]",
        "  ~ a.weight [2, 3] → [3, 3]",
    ] {
        assert!(text.lines().any(|l| l == line), "{line:?} not in:\n{text}");
    }
    let out = run(shelf().args(["compare", "tiny@1"]));
    assert_code(&out, 2);
    let out = run(shelf().args(["compare", "tiny@1", "tiny@7"]));
    assert_code(&out, 1);
    assert!(stderr(&out).contains("tiny@7"), "{}", stderr(&out));
}

#[test]
fn external_datasets_on_s3_and_azure_are_hashed_object_or_prefix() {
    for backend in [Backend::s3(), Backend::azure()] {
        let root = match &backend {
            Backend::S3 { bucket, .. } => format!("s3://{bucket}"),
            Backend::Azure { container, .. } => format!("az://{container}"),
            _ => unreachable!(),
        };
        external_datasets_are_hashed(&backend, &root);
    }
}

/// Data outside the registry, in the same bucket or container (`root`).
fn external_datasets_are_hashed(backend: &Backend, root: &str) {
    let store = backend.bucket_store().unwrap();
    let parts: [(&str, &[u8]); 2] = [
        ("part-0.csv", b"a,b\n1,0\n"),
        ("sub/part-1.csv", b"a,b\n2,1\n"),
    ];
    block_on(async {
        use object_store::ObjectStoreExt as _;
        for (name, bytes) in parts {
            let path = object_store::path::Path::from(format!("external/holdout/{name}"));
            store.put(&path, bytes.to_vec().into()).await.unwrap();
        }
    });
    assert_code(&run(backend.shelf().arg("init")), 0);
    let dir = tempfile::tempdir().unwrap();
    let model = write_file(&dir.path().join("m.bin"), b"m");
    let out = run(backend
        .shelf()
        .args(["push", "fraud"])
        .arg(&model)
        .args(["--no-env", "--no-code", "--json"])
        .arg(format!("--dataset=one={root}/external/holdout/part-0.csv"))
        .arg(format!("--dataset=all={root}/external/holdout")));
    assert_code(&out, 0);
    assert_eq!(
        json(&out)["notes"],
        serde_json::json!([]),
        "{}",
        backend.name()
    );
    let shown = json(&run(backend.shelf().args(["show", "fraud@1", "--json"])));
    let datasets = shown["manifest"]["datasets"].as_array().unwrap().clone();
    let one = datasets.iter().find(|d| d["role"] == "one").unwrap();
    assert_eq!(one["verified"], true);
    assert_eq!(one["size"], parts[0].1.len());
    assert_eq!(
        one["digest"],
        shelf_format::Digest::of(parts[0].1).to_string()
    );
    // A prefix: the sha256 of its sha256sum-style listing, paths relative to the prefix.
    let listing: String = parts
        .iter()
        .map(|(name, bytes)| format!("{}  {name}\n", shelf_format::Digest::of(bytes).hex()))
        .collect();
    let all = datasets.iter().find(|d| d["role"] == "all").unwrap();
    assert_eq!(all["verified"], true);
    assert_eq!(all["size"], parts[0].1.len() + parts[1].1.len());
    assert_eq!(
        all["digest"],
        shelf_format::Digest::of(listing.as_bytes()).to_string()
    );
}
