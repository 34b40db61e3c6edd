//! The registries the browser tests open, built through the CLI and the library, and
//! the site that serves one (`shelf serve` on a local folder).

use std::collections::BTreeMap;
use std::time::Duration;

use shelf_format::{
    AliasName, Digest, Event, Key, LogEntry, ModelName, Status, TargetName, Timestamp, encode, keys,
};
use shelf_testkit::onnx;
use shelf_testkit::safetensors::{self, Tensor};

use crate::support::browser::preflight;
use crate::support::{Backend, Served, assert_code, block_on, bytes, run, write_file};

pub const FRAUD: &str = "fraud-detector";
pub const DEMAND: &str = "demand-forecaster";
pub const VISION: &str = "vision/defect-classifier";

/// The fraud detector's config: identical in v1 and v2, changed in v3.
pub const FRAUD_CONFIG: &[u8] = br#"{"trees": 300, "features": 42}"#;
pub const FRAUD_CONFIG_V3: &[u8] = br#"{"trees": 500, "features": 48}"#;
pub const FRAUD_V2_DESCRIPTION: &str =
    "Deeper trees; same features.\nRecall up on card-not-present fraud.";

/// The weights of fraud-detector@`version`: different in every version.
pub fn fraud_weights(version: u64) -> Vec<u8> {
    bytes(version, [2000, 2100, 2300][version as usize - 1])
}

/// Push one version of `model` from a folder holding `files`.
pub fn push(backend: &Backend, model: &str, files: &[(&str, &[u8])], args: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    for (name, content) in files {
        write_file(&dir.path().join(name), content);
    }
    assert_code(
        &run(backend
            .shelf()
            .args(["push", model])
            .arg(dir.path())
            .args(args)),
        0,
    );
}

/// A registry of three models, six versions:
///
/// | model                    | versions | by            | latest headline | labels          |
/// |--------------------------|----------|---------------|-----------------|-----------------|
/// | demand-forecaster        | 2        | wei.chen      | mape 7.4        | team=supply-chain |
/// | fraud-detector           | 3        | alice, bob    | f1 0.834        | team=risk       |
/// | vision/defect-classifier | 1        | sam           | f1 0.91         | team=vision     |
pub fn sample_registry(backend: &Backend) {
    assert_code(&run(backend.shelf().arg("init")), 0);
    let w1 = fraud_weights(1);
    let w2 = fraud_weights(2);
    let w3 = fraud_weights(3);
    push(
        backend,
        FRAUD,
        &[("model.bin", &w1), ("config.json", FRAUD_CONFIG)],
        &[
            "--metric=precision=0.81",
            "--metric=recall=0.7",
            "--metric=f1=0.751",
            "--metric=auc=0.88",
            "--param=learning_rate=0.1",
            "--param=max_depth=6",
            "--param=n_estimators=300",
            "--label=team=risk",
            "--label=stage=staging",
            "--author=alice",
            "--description=Baseline gradient-boosted trees on the Q3 transactions.",
        ],
    );
    push(
        backend,
        FRAUD,
        &[("model.bin", &w2), ("config.json", FRAUD_CONFIG)],
        &[
            "--metric=precision=0.84",
            "--metric=recall=0.76",
            "--metric=f1=0.798",
            "--metric=auc=0.91",
            "--param=learning_rate=0.1",
            "--param=max_depth=8",
            "--param=n_estimators=300",
            "--label=team=risk",
            "--label=stage=staging",
            "--author=alice",
            &format!("--description={FRAUD_V2_DESCRIPTION}"),
        ],
    );
    push(
        backend,
        FRAUD,
        &[("model.bin", &w3), ("config.json", FRAUD_CONFIG_V3)],
        &[
            "--metric=precision=0.86",
            "--metric=recall=0.81",
            "--metric=f1=0.834",
            "--metric=auc=0.93",
            "--param=learning_rate=0.05",
            "--param=max_depth=8",
            "--param=n_estimators=500",
            "--label=team=risk",
            "--label=stage=production",
            "--author=bob",
            "--description=More trees, six new merchant features.",
        ],
    );
    push(
        backend,
        DEMAND,
        &[("weights.onnx", &bytes(10, 3000))],
        &[
            "--metric=mape=8.1",
            "--metric=rmse=12.5",
            "--param=horizon_days=28",
            "--label=team=supply-chain",
            "--author=wei.chen",
            "--description=Weekly demand per store, gradient boosting.",
        ],
    );
    push(
        backend,
        DEMAND,
        &[("weights.onnx", &bytes(11, 3100))],
        &[
            "--metric=mape=7.4",
            "--metric=rmse=13.9",
            "--param=horizon_days=28",
            "--label=team=supply-chain",
            "--author=wei.chen",
            "--description=Holiday features: better MAPE, worse RMSE on outliers.",
        ],
    );
    push(
        backend,
        VISION,
        &[("model.pt", &bytes(20, 1500))],
        &[
            "--metric=accuracy=0.95",
            "--metric=f1=0.91",
            "--label=team=vision",
            "--author=sam",
            "--description=ResNet-18 fine-tuned on line-3 camera images.",
        ],
    );
}

pub const FRAUD_LITE: &str = "fraud-lite";
/// The reason of the refused deployment written by hand at the end of fraud-detector's log.
pub const REFUSED_REASON: &str = "Hand-written: more traffic than there is.";

/// Record one lifecycle event of `model` with the library (as the CLI would), then wait
/// a little so that the next entry's millisecond timestamp differs.
pub fn record(backend: &Backend, model: &str, actor: &str, reason: &str, event: Event) {
    let registry = backend.registry();
    let model = ModelName::new(model).unwrap();
    block_on(
        registry.append_event(&model, actor, Some(reason.to_string()), move |_| {
            Ok(event.clone())
        }),
    )
    .unwrap_or_else(|e| panic!("recording an event of {model}: {e}"));
    std::thread::sleep(Duration::from_millis(20));
}

pub fn alias(name: &str) -> AliasName {
    AliasName::new(name).unwrap()
}

pub fn target(name: &str) -> TargetName {
    TargetName::new(name).unwrap()
}

pub fn metrics(pairs: &[(&str, f64)]) -> BTreeMap<Key, f64> {
    pairs
        .iter()
        .map(|(k, v)| (Key::new(*k).unwrap(), *v))
        .collect()
}

pub fn at(s: &str) -> Timestamp {
    s.parse().unwrap()
}

/// The sample registry, then a release history of fraud-detector, in this order (entries
/// 4 to 19 of its log; entries 1 to 3 register v1 to v3):
///
/// | seq | actor       | event                                             |
/// |-----|-------------|---------------------------------------------------|
/// | 4   | alice       | status v2 validated                               |
/// | 5   | release-bot | alias production → v2                             |
/// | 6   | release-bot | deployment v2 to eu-prod at 100%                  |
/// | 7   | alice       | status v3 validated                               |
/// | 8   | alice       | tag v3 approved-by=risk-committee                 |
/// | 9   | release-bot | alias staging → v3                                |
/// | 10  | monitor     | evaluation v3 (auc, f1) measured 2026-12-01       |
/// | 11  | monitor     | evaluation v3 (auc) measured 2026-12-15           |
/// | 12  | monitor     | evaluation v3 (auc, f1) measured 2027-01-01       |
/// | 13  | release-bot | alias production → v3                             |
/// | 14  | release-bot | deployment v2 to eu-prod at 90%                   |
/// | 15  | release-bot | deployment v3 to eu-prod at 10%                   |
/// | 16  | release-bot | deployment v3 to us-prod at 100%                  |
/// | 17  | carol       | registers v4 (branch exp/deep, parent v3)         |
/// | 18  | carol       | status v4 experimental                            |
/// | 19  | mallory     | deployment v4 to eu-prod at 50%: refused (written by hand, past the index) |
///
/// and fraud-lite@1, whose parent is fraud-detector@2 (another model).
pub fn lifecycle_registry(backend: &Backend) {
    sample_registry(backend);
    let e = |actor: &str, reason: &str, event: Event| record(backend, FRAUD, actor, reason, event);
    e(
        "alice",
        "Passed the fairness review.",
        Event::Status {
            version: 2,
            status: Status::Validated,
        },
    );
    e(
        "release-bot",
        "Approved in RISK-1234.",
        Event::AliasSet {
            alias: alias("production"),
            version: 2,
            rollback: false,
        },
    );
    e(
        "release-bot",
        "Full rollout in the EU.",
        Event::Deployment {
            version: 2,
            target: target("eu-prod"),
            traffic: 100.0,
        },
    );
    e(
        "alice",
        "Offline AUC +2 pt.",
        Event::Status {
            version: 3,
            status: Status::Validated,
        },
    );
    e(
        "alice",
        "Risk committee of 28 November.",
        Event::Tag {
            version: 3,
            key: Key::new("approved-by").unwrap(),
            value: "risk-committee".into(),
        },
    );
    e(
        "release-bot",
        "Shadow traffic first.",
        Event::AliasSet {
            alias: alias("staging"),
            version: 3,
            rollback: false,
        },
    );
    for (measured, dataset, values) in [
        (
            "2026-12-01T00:00:00Z",
            "transactions-2026-11",
            &[("auc", 0.925), ("f1", 0.83)][..],
        ),
        (
            "2026-12-15T00:00:00Z",
            "transactions-2026-12a",
            &[("auc", 0.91)][..],
        ),
        (
            "2027-01-01T00:00:00Z",
            "transactions-2026-12b",
            &[("auc", 0.89), ("f1", 0.8)][..],
        ),
    ] {
        e(
            "monitor",
            "Weekly drift check.",
            Event::Evaluation {
                version: 3,
                metrics: metrics(values),
                dataset: Some(dataset.into()),
                measured_at: at(measured),
            },
        );
    }
    e(
        "release-bot",
        "Canary in staging looked good.",
        Event::AliasSet {
            alias: alias("production"),
            version: 3,
            rollback: false,
        },
    );
    for (version, target_name, traffic, reason) in [
        (2, "eu-prod", 90.0, "Make room for the canary."),
        (3, "eu-prod", 10.0, "Canary."),
        (3, "us-prod", 100.0, "US launch."),
    ] {
        e(
            "release-bot",
            reason,
            Event::Deployment {
                version,
                target: target(target_name),
                traffic,
            },
        );
    }
    push(
        backend,
        FRAUD,
        &[
            ("model.bin", &bytes(4, 2400)),
            ("config.json", FRAUD_CONFIG_V3),
        ],
        &[
            "--metric=f1=0.84",
            "--metric=auc=0.935",
            "--label=team=risk",
            "--author=carol",
            "--branch=exp/deep",
            "--parent=fraud-detector@3",
            "--description=Deeper trees on the exp/deep branch.",
        ],
    );
    std::thread::sleep(Duration::from_millis(20));
    e(
        "carol",
        "Try it on shadow traffic.",
        Event::Status {
            version: 4,
            status: Status::Experimental,
        },
    );

    // A deployment no writer would accept (v2 and v3 already take all of eu-prod),
    // appended by hand after the derived index: replay shows it, refused, and ignores it.
    let registry = backend.registry();
    let model = ModelName::new(FRAUD).unwrap();
    let index = block_on(registry.model(&model)).unwrap().index;
    let head = index.head.unwrap();
    let entry = LogEntry::new(
        model.clone(),
        head.seq + 1,
        Some(head.digest),
        Timestamp::from_millis(index.updated_at.unwrap().millis() + 20).unwrap(),
        "mallory".into(),
        Some(REFUSED_REASON.into()),
        index.versions.len() as u64,
        Event::Deployment {
            version: 4,
            target: target("eu-prod"),
            traffic: 50.0,
        },
    );
    let Backend::Local(dir) = backend else {
        unreachable!("the lifecycle registry is a local folder")
    };
    write_file(
        &dir.path()
            .join("registry")
            .join(keys::log_key(&model, head.seq + 1)),
        &encode(&entry).unwrap(),
    );

    push(
        backend,
        FRAUD_LITE,
        &[("model.bin", &bytes(40, 900))],
        &[
            "--metric=f1=0.79",
            "--author=dana",
            "--parent=fraud-detector@2",
            "--description=Distilled from fraud-detector v2.",
        ],
    );
}

/// A registry in a local folder, served by `shelf serve`.
pub struct Site {
    // Declared first, so the server stops before its folder is removed.
    pub served: Served,
    pub backend: Backend,
}

impl Site {
    pub fn start(fill: impl FnOnce(&Backend)) -> Site {
        preflight();
        let backend = Backend::local();
        fill(&backend);
        Site {
            served: Served::start(backend.shelf()),
            backend,
        }
    }

    /// The URL of a page: `hash` is a route such as `#/m/fraud-detector`.
    pub fn page(&self, hash: &str) -> String {
        format!("{}{hash}", self.served.url)
    }

    /// The registry's folder (the local backend).
    pub fn root(&self) -> std::path::PathBuf {
        match &self.backend {
            Backend::Local(dir) => dir.path().join("registry"),
            _ => unreachable!(),
        }
    }
}

/// 60 models, pushed through the library (fast): more than one page of catalog rows.
pub fn many_models(backend: &Backend) {
    let registry = backend.registry();
    block_on(registry.init(&shelf::InitOptions {
        name: "many".into(),
        actor: "test".into(),
        single_writer: false,
    }))
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = write_file(&dir.path().join("w.bin"), b"w");
    for i in 0..60 {
        let model = ModelName::new(format!("model-{i:02}")).unwrap();
        let mut request = shelf::PushRequest::new(model, vec![file.clone()], "test");
        if i % 2 == 0 {
            request.labels = [(Key::new("team").unwrap(), "even".to_string())].into();
        }
        block_on(registry.push(&request, &shelf::Silent)).unwrap();
    }
}

pub const HOSTILE: &str =
    r#"<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">"#;
pub const HOSTILE_LABEL: &str = "<b>bold</b>";
pub const HOSTILE_PARAM: &str = r#"<img src=y onerror="window.__pwned=3">"#;

/// The repository's root (the ML venv and the examples live there).
pub fn repo_root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The ML venv made by scripts/setup.sh; browser tests never skip silently.
pub fn ml_python() -> std::path::PathBuf {
    let python = repo_root().join(".tools/ml-venv/bin/python");
    assert!(
        python.exists(),
        "{} is missing: the fraud example trains with scikit-learn from the ML venv; run \
         `bash scripts/setup.sh` (or the tests with scripts/test.sh)",
        python.display()
    );
    python
}

/// The standard output of a command that must succeed, trimmed.
pub fn output_of(cmd: &mut std::process::Command) -> String {
    let out = cmd.output().expect("spawn");
    assert!(out.status.success(), "{cmd:?}: {out:?}");
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// The tensors of a safetensors file, `(name, dtype, shape)`.
type Tensors<'a> = Vec<Tensor<'a>>;

pub const JS_URL: &str = "javascript:window.__pwned=4";
pub const LOCK_FILE: &[u8] = b"numpy==1.26.4\nscikit-learn==1.5.1\n";

/// Two versions of `arch-probe` pushed with the library, with hand-made model files and
/// hostile provenance:
///
/// | | v1 | v2 |
/// |---|---|---|
/// | model.safetensors | embed.weight U8 [1000, 1200], head.weight F32 [2, 3], head.bias F32 [2] | embed.weight [1000, 1300] (reshaped), head.bias F16 (retyped), 57 `layers.NN.weight` added: 60 tensors |
/// | model.onnx | opset 17, X [batch, 4], W [4, 2] | opset 18, X [batch, 8], W [8, 2] |
/// | run | command HOSTILE, url `javascript:` | command HOSTILE, url https |
/// | code | repository https, clean | repository `javascript:`, dirty |
/// | environment | numpy 1.26.4 and a package named HOSTILE_PARAM; a lock file | numpy 2.1.0 |
/// | datasets | test = a missing file with markup in its name (unverified) | the same |
/// | metrics | latency_ms, train.loss, test.loss | the same, other values |
pub fn arch_registry(backend: &Backend) -> Vec<u8> {
    assert_code(&run(backend.shelf().arg("init")), 0);
    let registry = backend.registry();
    let dir = tempfile::tempdir().unwrap();
    let lock = write_file(&dir.path().join("requirements.txt"), LOCK_FILE);
    let mut layers: Vec<(String, &str, &[u64])> = Vec::new();
    for i in 0..57 {
        layers.push((format!("layers.{i:02}.weight"), "F32", &[1]));
    }
    let v2_tensors: Tensors<'_> = [
        ("embed.weight", "U8", &[1000u64, 1300][..]),
        ("head.bias", "F16", &[2][..]),
        ("head.weight", "F32", &[2, 3][..]),
    ]
    .into_iter()
    .chain(layers.iter().map(|(n, d, s)| (n.as_str(), *d, *s)))
    .collect();
    let versions: [(Tensors<'_>, u64, u64, &str, &str, f64); 2] = [
        (
            vec![
                ("embed.weight", "U8", &[1000, 1200]),
                ("head.bias", "F32", &[2]),
                ("head.weight", "F32", &[2, 3]),
            ],
            17,
            4,
            JS_URL,
            "https://github.com/acme/arch-probe",
            0.4,
        ),
        (
            v2_tensors,
            18,
            8,
            "https://tracker.example.com/runs/7",
            "javascript:alert(1)",
            0.35,
        ),
    ];
    for (i, (tensors, opset, width, url, repository, test_loss)) in versions.into_iter().enumerate()
    {
        let version = i as u64 + 1;
        let files = dir.path().join(format!("v{version}"));
        write_file(
            &files.join("model.safetensors"),
            &safetensors::file(&tensors),
        );
        write_file(&files.join("model.onnx"), &onnx::matmul(opset, width));
        let mut packages = BTreeMap::new();
        packages.insert(
            "numpy".to_string(),
            if version == 1 { "1.26.4" } else { "2.1.0" }.to_string(),
        );
        packages.insert(HOSTILE_PARAM.to_string(), HOSTILE_LABEL.to_string());
        let req = shelf::PushRequest {
            description: format!("Architecture probe v{version}."),
            metrics: metrics(&[
                ("latency_ms", 12.0 + version as f64),
                ("train.loss", 0.3 - 0.05 * version as f64),
                ("test.loss", test_loss),
            ]),
            environment: Some(shelf_format::Environment {
                python: Some("3.11.7".into()),
                packages,
                packages_from: Some("requirements.txt".into()),
                os: Some("Debian GNU/Linux 12 (bookworm), linux x86_64".into()),
                cpu: Some(HOSTILE_LABEL.into()),
                gpus: vec![shelf_format::Gpu {
                    name: HOSTILE_LABEL.into(),
                    driver: Some("535.104".into()),
                    memory_mib: Some(40960),
                }],
                cuda: Some("12.2".into()),
                container_image: Some(HOSTILE.into()),
                ..Default::default()
            }),
            env_lock: (version == 1).then(|| lock.clone()),
            code: Some(shelf_format::Code {
                repository: Some(repository.into()),
                commit: Some(if version == 1 { "a" } else { "b" }.repeat(40)),
                branch: Some("main".into()),
                dirty: version == 2,
                diff_sha256: (version == 2).then(|| Digest::of(b"the uncommitted diff")),
            }),
            run: Some(shelf_format::Run {
                command: Some(HOSTILE.into()),
                url: Some(url.into()),
                experiment: Some(HOSTILE_LABEL.into()),
            }),
            datasets: vec![shelf::datasets::DatasetSpec {
                role: "test".into(),
                target: "/nonexistent/<b>holdout</b>.csv".into(),
            }],
            ..shelf::PushRequest::new(ModelName::new("arch-probe").unwrap(), vec![files], "probe")
        };
        let outcome = block_on(registry.push(&req, &shelf::Silent))
            .unwrap_or_else(|e| panic!("pushing arch-probe v{version}: {e}"));
        assert_eq!(outcome.version, version);
    }
    LOCK_FILE.to_vec()
}
