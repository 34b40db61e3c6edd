//! The web app end to end: real headless Chromium over WebDriver, against `shelf serve` and
//! against a bucket on the S3 test server, asserting what the pages render.
//!
//! Needs the app built before `shelf` (`scripts/build-app.sh`, then `cargo build`), the S3
//! test server and chromedriver; `scripts/test.sh` does all of it. A screenshot of every
//! page goes to `target/screenshots/<test>-<page>.png` (and `<test>-failure.png` when a
//! test fails).

mod support;

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::json;
use shelf_format::{
    AliasName, Digest, Event, Key, LogEntry, ModelName, Status, TargetName, Timestamp, encode, keys,
};
use support::browser::{Browser, allow_anonymous_get, preflight, with_browser};
use support::{
    Backend, Served, assert_code, block_on, bytes, http, json, run, s3_endpoint, write_file,
};

const FRAUD: &str = "fraud-detector";
const DEMAND: &str = "demand-forecaster";
const VISION: &str = "vision/defect-classifier";

const ROWS: &str = "#catalog tr.model-row";
const VERSION_ROWS: &str = "#versions tr.version-row";

/// The fraud detector's config: identical in v1 and v2, changed in v3.
const FRAUD_CONFIG: &[u8] = br#"{"trees": 300, "features": 42}"#;
const FRAUD_CONFIG_V3: &[u8] = br#"{"trees": 500, "features": 48}"#;
const FRAUD_V2_DESCRIPTION: &str =
    "Deeper trees; same features.\nRecall up on card-not-present fraud.";

/// The weights of fraud-detector@`version`: different in every version.
fn fraud_weights(version: u64) -> Vec<u8> {
    bytes(version, [2000, 2100, 2300][version as usize - 1])
}

/// Push one version of `model` from a folder holding `files`.
fn push(backend: &Backend, model: &str, files: &[(&str, &[u8])], args: &[&str]) {
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
fn sample_registry(backend: &Backend) {
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

const FRAUD_LITE: &str = "fraud-lite";
/// The reason of the refused deployment written by hand at the end of fraud-detector's log.
const REFUSED_REASON: &str = "Hand-written: more traffic than there is.";

/// Record one lifecycle event of `model` with the library (as the CLI would), then wait
/// a little so that the next entry's millisecond timestamp differs.
fn record(backend: &Backend, model: &str, actor: &str, reason: &str, event: Event) {
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

fn alias(name: &str) -> AliasName {
    AliasName::new(name).unwrap()
}

fn target(name: &str) -> TargetName {
    TargetName::new(name).unwrap()
}

fn metrics(pairs: &[(&str, f64)]) -> BTreeMap<Key, f64> {
    pairs
        .iter()
        .map(|(k, v)| (Key::new(*k).unwrap(), *v))
        .collect()
}

fn at(s: &str) -> Timestamp {
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
fn lifecycle_registry(backend: &Backend) {
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
struct Site {
    // Declared first, so the server stops before its folder is removed.
    served: Served,
    backend: Backend,
}

impl Site {
    fn start(fill: impl FnOnce(&Backend)) -> Site {
        preflight();
        let backend = Backend::local();
        fill(&backend);
        Site {
            served: Served::start(backend.shelf()),
            backend,
        }
    }

    /// The URL of a page: `hash` is a route such as `#/m/fraud-detector`.
    fn page(&self, hash: &str) -> String {
        format!("{}{hash}", self.served.url)
    }

    /// The registry's folder (the local backend).
    fn root(&self) -> std::path::PathBuf {
        match &self.backend {
            Backend::Local(dir) => dir.path().join("registry"),
            _ => unreachable!(),
        }
    }
}

/// Wait for the catalog to list exactly `models`, in this order.
async fn expect_rows(b: &Browser, models: &[&str]) {
    let expected: Vec<String> = models.iter().map(|m| m.to_string()).collect();
    b.eventually("catalog rows", expected, async || {
        b.attrs(ROWS, "data-model").await
    })
    .await;
}

async fn is_pwned(b: &Browser) -> bool {
    b.eval("return window.__pwned === undefined").await != json!(true)
}

/// 60 models, pushed through the library (fast): more than one page of catalog rows.
fn many_models(backend: &Backend) {
    let registry = backend.registry();
    block_on(registry.init(&shelf::InitOptions {
        name: "many".into(),
        actor: "test".into(),
        single_writer: false,
    }))
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = support::write_file(&dir.path().join("w.bin"), b"w");
    for i in 0..60 {
        let model = ModelName::new(format!("model-{i:02}")).unwrap();
        let mut request = shelf::PushRequest::new(model, vec![file.clone()], "test");
        if i % 2 == 0 {
            request.labels = [(Key::new("team").unwrap(), "even".to_string())].into();
        }
        block_on(registry.push(&request, &shelf::Silent)).unwrap();
    }
}

#[test]
fn the_catalog_draws_a_page_of_rows_and_shows_more_on_demand() {
    let site = Site::start(many_models);
    with_browser("show-more", |b| async move {
        b.goto(&site.served.url).await;
        b.eventually("first page", 50, async || b.count(ROWS).await)
            .await;
        b.eventually_texts(
            "#match-count",
            &["60 of 60 models match; showing the first 50"],
        )
        .await;
        assert_eq!(b.texts("#show-more").await, ["Show 10 more"]);
        b.click("#show-more").await;
        b.eventually("all rows", 60, async || b.count(ROWS).await)
            .await;
        b.eventually_texts("#match-count", &["60 of 60 models"])
            .await;
        assert_eq!(b.count("#show-more").await, 0);
        // A new search starts from one page again: 30 match, all drawn.
        let search = b.wait_for("#search").await;
        search.send_keys("label:team=even").await.unwrap();
        b.eventually_texts("#match-count", &["30 of 60 models"])
            .await;
        assert_eq!(b.count(ROWS).await, 30);
        search.clear().await.unwrap();
        search.send_keys("model").await.unwrap();
        b.eventually("one page after a new search", 50, async || {
            b.count(ROWS).await
        })
        .await;
    });
}

#[test]
fn catalog_lists_models_and_searches_as_you_type() {
    let site = Site::start(sample_registry);
    with_browser("catalog", |b| async move {
        b.goto(&site.served.url).await;
        expect_rows(&b, &[DEMAND, FRAUD, VISION]).await;
        assert_eq!(b.texts("#match-count").await, ["3 of 3 models"]);
        assert_eq!(
            b.texts(&format!("{ROWS} td.latest a")).await,
            ["v2", "v3", "v1"]
        );
        assert_eq!(
            b.texts(&format!("{ROWS} td.latest .badge.status")).await,
            ["draft", "draft", "draft"]
        );
        assert_eq!(b.count(&format!("{ROWS} .badge.alias")).await, 0);
        assert_eq!(
            b.texts(&format!("{ROWS} .author")).await,
            ["wei.chen", "bob", "sam"]
        );
        assert_eq!(
            b.texts(&format!("{ROWS} .headline")).await,
            ["mape 7.4", "f1 0.834", "f1 0.91"]
        );
        assert_eq!(
            b.texts(&format!("{ROWS} .labels")).await,
            [
                "team=supply-chain",
                "stage=production team=risk",
                "team=vision"
            ]
        );
        assert_eq!(
            b.texts(&format!("{ROWS} .description")).await,
            [
                "Holiday features: better MAPE, worse RMSE on outliers.",
                "More trees, six new merchant features.",
                "ResNet-18 fine-tuned on line-3 camera images."
            ]
        );
        assert_eq!(
            b.attrs(&format!("{ROWS} td.name a"), "href").await,
            [
                "#/m/demand-forecaster",
                "#/m/fraud-detector",
                "#/m/vision/defect-classifier"
            ]
        );
        b.screenshot("catalog").await;

        // Search as you type: a metric condition and a label.
        let search = b.wait_for("#search").await;
        search.send_keys("f1>0.82 label:team=risk").await.unwrap();
        expect_rows(&b, &[FRAUD]).await;
        b.eventually_texts("#match-count", &["1 of 3 models"]).await;
        // The address bar follows the query (replaceState, not a new history entry).
        b.eventually(
            "hash after a search",
            "#/?q=f1%3E0.82+label:team=risk".to_string(),
            async || b.hash().await,
        )
        .await;
        b.screenshot("search").await;

        search.clear().await.unwrap();
        search.send_keys("author:chen").await.unwrap();
        expect_rows(&b, &[DEMAND]).await;
        b.eventually_texts("#match-count", &["1 of 3 models"]).await;

        let query = "author:chen OR label:team=vision";
        search.clear().await.unwrap();
        search.send_keys(query).await.unwrap();
        expect_rows(&b, &[DEMAND, VISION]).await;
        b.eventually_texts("#match-count", &["2 of 3 models"]).await;
        b.eventually(
            "hash after an OR search",
            "#/?q=author:chen+OR+label:team=vision".to_string(),
            async || b.hash().await,
        )
        .await;

        // The permalink, loaded as a new page, restores the query and the filtered list.
        let permalink = b.url().await;
        b.open_fresh(&permalink).await;
        expect_rows(&b, &[DEMAND, VISION]).await;
        assert_eq!(
            b.eval("return document.querySelector('#search').value")
                .await,
            json!(query)
        );
        assert_eq!(b.texts("#match-count").await, ["2 of 3 models"]);
        b.screenshot("permalink").await;

        // A term that doesn't parse is reported and ignored: the list is not blanked.
        let search = b.wait_for("#search").await;
        search.clear().await.unwrap();
        search.send_keys("f1>high").await.unwrap();
        b.eventually("search errors", 1, async || {
            b.count(".search-errors li").await
        })
        .await;
        expect_rows(&b, &[DEMAND, FRAUD, VISION]).await;

        // Sorting by a metric of the latest versions; models without it come last.
        b.open_fresh(&site.page("#/")).await;
        expect_rows(&b, &[DEMAND, FRAUD, VISION]).await;
        let sort = b.wait_for("#sort").await;
        assert_eq!(
            b.attrs("#sort option", "value").await,
            [
                "name",
                "updated",
                "metric:accuracy",
                "metric:auc",
                "metric:f1",
                "metric:mape",
                "metric:precision",
                "metric:recall",
                "metric:rmse"
            ]
        );
        sort.select_by_value("metric:f1").await.unwrap();
        expect_rows(&b, &[VISION, FRAUD, DEMAND]).await;
        b.screenshot("sorted-by-f1").await;
        sort.select_by_value("metric:auc").await.unwrap();
        expect_rows(&b, &[FRAUD, DEMAND, VISION]).await;
        sort.select_by_value("updated").await.unwrap();
        expect_rows(&b, &[VISION, DEMAND, FRAUD]).await;
        sort.select_by_value("name").await.unwrap();
        expect_rows(&b, &[DEMAND, FRAUD, VISION]).await;
    });
}

#[test]
fn model_page_charts_versions_and_compares_two() {
    let site = Site::start(sample_registry);
    with_browser("model", |b| async move {
        b.goto(&site.page("#/m/fraud-detector")).await;
        b.eventually_attrs(VERSION_ROWS, "data-version", &["3", "2", "1"])
            .await;
        assert_eq!(b.texts("h1.model-name").await, [FRAUD]);
        let cells = |metric: &str| format!("{VERSION_ROWS} td.metric[data-metric=\"{metric}\"]");
        assert_eq!(b.texts(&cells("f1")).await, ["0.834", "0.798", "0.751"]);
        assert_eq!(b.texts(&cells("auc")).await, ["0.93", "0.91", "0.88"]);
        assert_eq!(b.texts(&cells("precision")).await, ["0.86", "0.84", "0.81"]);
        assert_eq!(b.texts(&cells("recall")).await, ["0.81", "0.76", "0.7"]);
        assert_eq!(
            b.texts(&format!("{VERSION_ROWS} td.author")).await,
            ["bob", "alice", "alice"]
        );
        assert_eq!(
            b.texts(&format!("{VERSION_ROWS} td.description")).await,
            [
                "More trees, six new merchant features.",
                "Deeper trees; same features.",
                "Baseline gradient-boosted trees on the Q3 transactions."
            ]
        );

        // The chart: one point per version, of the headline metric by default.
        assert_eq!(
            b.eval("return document.querySelector('#chart-metric').value")
                .await,
            json!("f1")
        );
        b.eventually_attrs(
            "svg#metric-chart circle.point",
            "data-version",
            &["1", "2", "3"],
        )
        .await;
        let titles = async || {
            b.eval(
                "return Array.from(document.querySelectorAll('svg#metric-chart circle.point title'), t => t.textContent)",
            )
            .await
        };
        assert_eq!(
            titles().await,
            json!(["v1: 0.751", "v2: 0.798", "v3: 0.834"])
        );
        b.screenshot("model").await;
        b.wait_for("#chart-metric")
            .await
            .select_by_value("auc")
            .await
            .unwrap();
        b.eventually(
            "chart of auc",
            json!(["v1: 0.88", "v2: 0.91", "v3: 0.93"]),
            titles,
        )
        .await;

        // Pick two versions, compare them.
        assert_eq!(b.texts("#compare-button").await, ["Compare selected (0)"]);
        b.click("input.compare-pick[value=\"2\"]").await;
        b.click("input.compare-pick[value=\"1\"]").await;
        b.eventually_texts("#compare-button", &["Compare selected (2)"])
            .await;
        assert_eq!(
            b.attrs("#compare-button", "href").await,
            ["#/compare/fraud-detector/1,2"]
        );
        b.click("#compare-button").await;
        b.eventually(
            "hash of the compare page",
            "#/compare/fraud-detector/1,2".to_string(),
            async || b.hash().await,
        )
        .await;
        b.wait_for("#compare-metrics tr[data-key=\"f1\"]").await;
        assert_eq!(
            b.texts("section.compare h1").await,
            ["fraud-detector: v1 vs v2"]
        );
        let verdicts = async |table: &str, key: &str| {
            b.attrs(&format!("#{table} tr[data-key=\"{key}\"] td"), "class")
                .await
        };
        // f1 went up: better.
        assert_eq!(
            verdicts("compare-metrics", "f1").await,
            ["value baseline", "value better"]
        );
        assert_eq!(
            b.texts("#compare-metrics tr[data-key=\"f1\"] td.better .delta")
                .await,
            ["+0.047"]
        );
        assert_eq!(
            verdicts("compare-metrics", "recall").await,
            ["value baseline", "value better"]
        );
        // Only max_depth changed between v1 and v2.
        assert_eq!(
            b.attrs("#compare-params tr.changed", "data-key").await,
            ["max_depth"]
        );
        assert_eq!(
            b.texts("#compare-params tr[data-key=\"max_depth\"] td")
                .await,
            ["6", "8"]
        );
        assert_eq!(
            b.attrs("#compare-params tr[data-key]", "data-key").await,
            ["learning_rate", "max_depth", "n_estimators"]
        );
        // Artifacts by hash: the config was kept, the weights were retrained.
        assert_eq!(
            b.attrs(
                "#compare-artifacts tr[data-path=\"config.json\"]",
                "data-status"
            )
            .await,
            ["identical"]
        );
        assert_eq!(
            b.attrs(
                "#compare-artifacts tr[data-path=\"model.bin\"]",
                "data-status"
            )
            .await,
            ["changed"]
        );
        b.screenshot("compare").await;

        // Lower is better for errors: rmse went up (worse), mape went down (better).
        b.open_fresh(&site.page("#/compare/demand-forecaster/1,2"))
            .await;
        b.wait_for("#compare-metrics tr[data-key=\"rmse\"]").await;
        assert_eq!(
            verdicts("compare-metrics", "rmse").await,
            ["value baseline", "value worse"]
        );
        assert_eq!(
            b.texts("#compare-metrics tr[data-key=\"rmse\"] td.worse .delta")
                .await,
            ["+1.4"]
        );
        assert_eq!(
            verdicts("compare-metrics", "mape").await,
            ["value baseline", "value better"]
        );
        assert_eq!(
            b.texts("#compare-metrics tr[data-key=\"mape\"] td.better .delta")
                .await,
            ["-0.7"]
        );
        assert_eq!(b.count("#compare-params tr.changed").await, 0);
        b.screenshot("compare-lower-is-better").await;
    });
}

#[test]
fn version_page_shows_the_manifest_and_downloads_artifacts() {
    let site = Site::start(sample_registry);
    let shown = json(&run(site.backend.shelf().args([
        "--json",
        "show",
        "fraud-detector@2",
    ])));
    let content_id = shown["content_id"].as_str().unwrap().to_string();
    with_browser("version", |b| async move {
        b.goto(&site.page("#/m/fraud-detector/v/2")).await;
        let description = b.wait_for("p.description").await;
        assert_eq!(description.text().await.unwrap(), FRAUD_V2_DESCRIPTION);
        assert_eq!(b.texts(".version-title").await, ["fraud-detector@2"]);
        assert_eq!(b.texts("dl.facts code.digest").await, [content_id.as_str()]);
        assert_eq!(b.texts("dl.facts dd.created").await.len(), 1);
        assert!(
            b.texts("dl.facts dd.created").await[0].ends_with(" by alice"),
            "{:?}",
            b.texts("dl.facts dd.created").await
        );
        let pairs = async |table: &str| {
            let keys = b.attrs(&format!("#{table} tr[data-key]"), "data-key").await;
            let values = b.texts(&format!("#{table} tr[data-key] .value")).await;
            keys.into_iter().zip(values).collect::<Vec<_>>()
        };
        let expect = |pairs: &[(&str, &str)]| {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            pairs("metrics").await,
            expect(&[
                ("auc", "0.91"),
                ("f1", "0.798"),
                ("precision", "0.84"),
                ("recall", "0.76")
            ])
        );
        assert_eq!(
            pairs("params").await,
            expect(&[
                ("learning_rate", "0.1"),
                ("max_depth", "8"),
                ("n_estimators", "300")
            ])
        );
        assert_eq!(
            pairs("labels").await,
            expect(&[("stage", "staging"), ("team", "risk")])
        );

        // Artifacts: sizes, and download links relative to the page that serve the bytes.
        let artifacts = "#artifacts tr.artifact";
        assert_eq!(
            b.attrs(artifacts, "data-path").await,
            ["config.json", "model.bin"]
        );
        assert_eq!(
            b.texts(&format!("{artifacts} td.size")).await,
            [format!("{} B", FRAUD_CONFIG.len()).as_str(), "2.1 KB"]
        );
        let hrefs = b.attrs(&format!("{artifacts} a.download"), "href").await;
        let names = b
            .attrs(&format!("{artifacts} a.download"), "download")
            .await;
        assert_eq!(names, ["config.json", "model.bin"]);
        for (href, content) in hrefs.iter().zip([FRAUD_CONFIG.to_vec(), fraud_weights(2)]) {
            assert_eq!(*href, keys::blob_key(&Digest::of(&content)));
            assert!(href.starts_with("blobs/sha256/"), "{href}");
            let (status, _, body) = http("GET", &site.page(href));
            assert_eq!(status, 200, "GET {href}");
            assert!(body == content, "GET {href}: other bytes");
        }
        assert_eq!(
            b.texts("code#pull-command").await,
            ["shelf pull fraud-detector@2 -o fraud-detector-v2"]
        );
        assert_eq!(
            b.attrs("#compare-previous", "href").await,
            ["#/compare/fraud-detector/1,2"]
        );
        b.screenshot("version").await;

        // A namespaced model's version page.
        b.open_fresh(&site.page("#/m/vision/defect-classifier/v/1"))
            .await;
        b.eventually_texts("#metrics tr[data-key] .value", &["0.95", "0.91"])
            .await;
        assert_eq!(
            b.texts(".version-title").await,
            ["vision/defect-classifier@1"]
        );
        assert_eq!(
            b.texts("code#pull-command").await,
            ["shelf pull vision/defect-classifier@1 -o vision-defect-classifier-v1"]
        );
        assert_eq!(b.count("#compare-previous").await, 0);
        b.screenshot("version-namespaced").await;
    });
}

#[test]
fn back_and_forward_move_between_pages() {
    let site = Site::start(sample_registry);
    with_browser("history", |b| async move {
        b.goto(&site.served.url).await;
        expect_rows(&b, &[DEMAND, FRAUD, VISION]).await;
        b.wait_for("#search")
            .await
            .send_keys("vision")
            .await
            .unwrap();
        expect_rows(&b, &[VISION]).await;

        b.click(&format!("{ROWS}[data-model=\"{VISION}\"] td.name a"))
            .await;
        b.eventually_attrs(VERSION_ROWS, "data-version", &["1"])
            .await;
        assert_eq!(b.hash().await, "#/m/vision/defect-classifier");
        assert_eq!(b.texts("h1.model-name").await, [VISION]);
        b.screenshot("model").await;

        b.click(&format!("{VERSION_ROWS}[data-version=\"1\"] td.version a"))
            .await;
        b.eventually_texts(".version-title", &["vision/defect-classifier@1"])
            .await;
        b.wait_for("#metrics tr[data-key=\"accuracy\"]").await;
        assert_eq!(b.hash().await, "#/m/vision/defect-classifier/v/1");
        b.screenshot("version").await;

        b.client.back().await.unwrap();
        b.eventually_attrs(VERSION_ROWS, "data-version", &["1"])
            .await;
        assert_eq!(b.hash().await, "#/m/vision/defect-classifier");
        assert_eq!(b.count(".version-title").await, 0);

        // Back to the catalog, with the search it had.
        b.client.back().await.unwrap();
        expect_rows(&b, &[VISION]).await;
        assert_eq!(
            b.eval("return document.querySelector('#search').value")
                .await,
            json!("vision")
        );
        assert_eq!(b.hash().await, "#/?q=vision");
        b.screenshot("catalog-after-back").await;

        b.client.forward().await.unwrap();
        b.eventually_attrs(VERSION_ROWS, "data-version", &["1"])
            .await;
        assert_eq!(b.count(ROWS).await, 0);
        b.client.forward().await.unwrap();
        b.eventually_texts(".version-title", &["vision/defect-classifier@1"])
            .await;
        b.wait_for("#metrics tr[data-key=\"accuracy\"]").await;
    });
}

const HOSTILE: &str = r#"<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">"#;
const HOSTILE_LABEL: &str = "<b>bold</b>";
const HOSTILE_PARAM: &str = r#"<img src=y onerror="window.__pwned=3">"#;

#[test]
fn hostile_text_is_shown_literally_and_never_run() {
    let site = Site::start(|backend| {
        assert_code(&run(backend.shelf().arg("init")), 0);
        for (version, seed) in [(1, 30), (2, 31)] {
            push(
                backend,
                "xss-probe",
                &[("model.bin", &bytes(seed, 100))],
                &[
                    "--metric=f1=0.5",
                    &format!("--description={HOSTILE}"),
                    &format!("--label=note={HOSTILE_LABEL}"),
                    &format!("--param=tokenizer={HOSTILE_PARAM}"),
                    &format!("--param=run={version}"),
                    &format!("--author={HOSTILE_LABEL}"),
                ],
            );
        }
        // The lifecycle views show actors, reasons, tags and datasets.
        record(
            backend,
            "xss-probe",
            HOSTILE_LABEL,
            HOSTILE,
            Event::Tag {
                version: 2,
                key: Key::new("reviewer").unwrap(),
                value: HOSTILE_PARAM.into(),
            },
        );
        record(
            backend,
            "xss-probe",
            HOSTILE_LABEL,
            HOSTILE,
            Event::Evaluation {
                version: 2,
                metrics: metrics(&[("f1", 0.45)]),
                dataset: Some(HOSTILE.into()),
                measured_at: at("2026-12-01T00:00:00Z"),
            },
        );
    });
    with_browser("hostile", |b| async move {
        // Nothing the pages show becomes markup: no <img>, <b> or extra <script> anywhere.
        let no_markup = async |page: &str| {
            assert_eq!(b.count("main img, main b, main script").await, 0, "{page}");
            assert_eq!(b.count("img").await, 0, "{page}");
            assert!(!is_pwned(&b).await, "{page}: window.__pwned is set");
        };

        b.goto(&site.served.url).await;
        expect_rows(&b, &["xss-probe"]).await;
        assert_eq!(b.texts(&format!("{ROWS} .description")).await, [HOSTILE]);
        assert_eq!(
            b.texts(&format!("{ROWS} .labels")).await,
            [format!("note={HOSTILE_LABEL}")]
        );
        assert_eq!(b.texts(&format!("{ROWS} .author")).await, [HOSTILE_LABEL]);
        no_markup("catalog").await;
        b.screenshot("catalog").await;

        // Typed into the search (and so into the hash and the error list).
        let search = b.wait_for("#search").await;
        search.send_keys(&format!("f1>{HOSTILE}")).await.unwrap();
        b.eventually("search errors", true, async || {
            b.count(".search-errors li").await > 0
        })
        .await;
        no_markup("catalog with a hostile search").await;

        b.open_fresh(&site.page("#/m/xss-probe")).await;
        b.eventually_attrs(VERSION_ROWS, "data-version", &["2", "1"])
            .await;
        assert_eq!(
            b.texts(&format!("{VERSION_ROWS} td.description")).await,
            [HOSTILE, HOSTILE]
        );
        b.eventually_texts("#timeline li.event .reason", &[HOSTILE, HOSTILE])
            .await;
        assert_eq!(
            b.texts("#timeline li.event .actor").await[..2],
            [HOSTILE_LABEL, HOSTILE_LABEL]
        );
        assert_eq!(
            b.texts(&format!("{VERSION_ROWS} td.tags .tag")).await,
            [format!("reviewer={HOSTILE_PARAM}")]
        );
        no_markup("model").await;

        b.open_fresh(&site.page("#/m/xss-probe/v/2")).await;
        let description = b.wait_for("p.description").await;
        assert_eq!(description.text().await.unwrap(), HOSTILE);
        assert_eq!(
            b.eval("return document.querySelector('p.description').textContent")
                .await,
            json!(HOSTILE)
        );
        assert_eq!(b.count("p.description *").await, 0);
        let label = b.wait_for("#labels tr[data-key=\"note\"] .value").await;
        assert_eq!(label.text().await.unwrap(), HOSTILE_LABEL);
        assert_eq!(b.count("#labels *:not(table, tbody, tr, th, td)").await, 0);
        let param = b
            .wait_for("#params tr[data-key=\"tokenizer\"] .value")
            .await;
        assert_eq!(param.text().await.unwrap(), HOSTILE_PARAM);
        assert_eq!(b.count("#params *:not(table, tbody, tr, th, td)").await, 0);
        assert_eq!(
            b.texts("#tags tr[data-key=\"reviewer\"] .value").await,
            [HOSTILE_PARAM]
        );
        assert_eq!(b.texts("#evaluations td.dataset").await, [HOSTILE]);
        assert_eq!(b.count("svg.eval-chart circle.point").await, 1);
        no_markup("version").await;
        b.screenshot("version").await;

        b.open_fresh(&site.page("#/compare/xss-probe/1,2")).await;
        b.wait_for("#compare-params tr[data-key=\"tokenizer\"]")
            .await;
        assert_eq!(
            b.texts("#compare-labels tr[data-key=\"note\"] td").await,
            [HOSTILE_LABEL, HOSTILE_LABEL]
        );
        assert_eq!(
            b.texts("#compare-params tr[data-key=\"tokenizer\"] td")
                .await,
            [HOSTILE_PARAM, HOSTILE_PARAM]
        );
        no_markup("compare").await;
        b.screenshot("compare").await;
    });
}

#[test]
fn damaged_registries_show_error_cards_and_the_rest_of_the_page() {
    let empty = Site::start(|backend| assert_code(&run(backend.shelf().arg("init")), 0));
    let site = Site::start(sample_registry);
    // A junk index: the app reads the log instead.
    write_file(
        &site.root().join("models/fraud-detector/_index.json"),
        b"\x00\xff{{ not an index",
    );
    // A junk index and a truncated last log entry: the log is read up to the damage.
    let log2 = site
        .root()
        .join("models/demand-forecaster/_log/00000000000000000002.json");
    let entry = std::fs::read(&log2).unwrap();
    std::fs::write(&log2, &entry[..entry.len() / 2]).unwrap();
    write_file(
        &site.root().join("models/demand-forecaster/_index.json"),
        b"garbage",
    );

    with_browser("errors", |b| async move {
        b.goto(&empty.served.url).await;
        let state = b.wait_for(".empty-state").await;
        let text = state.text().await.unwrap();
        assert!(text.contains("shelf push"), "{text}");
        assert_eq!(b.count("#catalog").await, 0);
        b.screenshot("empty").await;

        b.goto(&site.page("#/m/fraud-detector")).await;
        b.eventually_attrs(VERSION_ROWS, "data-version", &["3", "2", "1"])
            .await;
        let warnings = b.texts(".error-card.warning").await;
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(
            warnings[0].contains("models/fraud-detector/_index.json"),
            "{warnings:?}"
        );
        assert_eq!(b.count("svg#metric-chart circle.point").await, 3);
        b.screenshot("junk-index").await;

        b.open_fresh(&site.page("#/m/fraud-detector/v/3")).await;
        b.eventually_texts("#metrics tr[data-key=\"f1\"] .value", &["0.834"])
            .await;
        assert!(
            b.texts(".error-card.warning").await[0].contains("models/fraud-detector/_index.json")
        );

        b.open_fresh(&site.page("#/m/demand-forecaster")).await;
        b.eventually_attrs(VERSION_ROWS, "data-version", &["1"])
            .await;
        let warnings = b.texts(".error-card.warning").await;
        let key = "models/demand-forecaster/_log/00000000000000000002.json";
        assert!(
            warnings.iter().any(|w| w.contains(key)),
            "no warning names {key}: {warnings:?}"
        );
        assert_eq!(
            b.texts(&format!("{VERSION_ROWS} td.metric[data-metric=\"rmse\"]"))
                .await,
            ["12.5"]
        );
        assert_eq!(b.count("svg#metric-chart circle.point").await, 1);
        b.screenshot("truncated-log").await;

        // The catalog (a separate document) still lists both.
        b.open_fresh(&site.page("#/")).await;
        expect_rows(&b, &[DEMAND, FRAUD, VISION]).await;

        b.open_fresh(&site.page("#/m/nope")).await;
        let card = b.wait_for(".error-card").await;
        let text = card.text().await.unwrap();
        assert!(text.contains("nope"), "{text}");
        assert!(text.contains("models/nope/_index.json"), "{text}");
        assert_eq!(b.count(VERSION_ROWS).await, 0);
        b.screenshot("no-such-model").await;

        b.open_fresh(&site.page("#/m/fraud-detector/v/9")).await;
        let card = b.wait_for(".error-card:not(.warning)").await;
        let text = card.text().await.unwrap();
        assert!(text.contains("no version 9"), "{text}");

        b.open_fresh(&site.page("#/nowhere")).await;
        let card = b.wait_for(".error-card").await;
        let text = card.text().await.unwrap();
        assert!(text.contains("#/nowhere"), "{text}");
    });
}

#[test]
fn the_page_works_straight_from_the_bucket() {
    preflight();
    let backend = Backend::s3();
    sample_registry(&backend);
    let Backend::S3 { bucket, prefix } = &backend else {
        unreachable!()
    };
    // Anonymous GET under the prefix and nothing else, as the README asks for hosting;
    // path-style URLs, and the harness's prefix has a space.
    allow_anonymous_get(bucket, prefix);
    let base = format!(
        "{}/{bucket}/{}/",
        s3_endpoint().trim_end_matches('/'),
        prefix.replace(' ', "%20")
    );
    let page = format!("{base}index.html");
    let (status, _, _) = http("GET", &page);
    assert_eq!(status, 200, "GET {page}");

    with_browser("bucket", |b| async move {
        b.goto(&page).await;
        expect_rows(&b, &[DEMAND, FRAUD, VISION]).await;
        assert_eq!(
            b.texts(&format!("{ROWS} td.latest a")).await,
            ["v2", "v3", "v1"]
        );
        b.screenshot("catalog").await;

        b.click(&format!("{ROWS}[data-model=\"{FRAUD}\"] td.name a"))
            .await;
        b.eventually_attrs(VERSION_ROWS, "data-version", &["3", "2", "1"])
            .await;
        b.click(&format!("{VERSION_ROWS}[data-version=\"2\"] td.version a"))
            .await;
        let description = b.wait_for("p.description").await;
        assert_eq!(description.text().await.unwrap(), FRAUD_V2_DESCRIPTION);
        let hrefs = b.attrs("#artifacts a.download", "href").await;
        assert_eq!(hrefs.len(), 2);
        let (status, _, body) = http("GET", &format!("{base}{}", hrefs[1]));
        assert_eq!(status, 200);
        assert!(body == fraud_weights(2), "other bytes from the bucket");
        b.screenshot("version").await;

        // A permalink into the bucket.
        b.open_fresh(&format!("{page}#/compare/fraud-detector/2,3"))
            .await;
        b.wait_for("#compare-metrics tr[data-key=\"f1\"] td.better")
            .await;
        assert_eq!(
            b.attrs("#compare-artifacts tr[data-status]", "data-status")
                .await,
            ["changed", "changed"]
        );
    });
}

#[test]
fn lifecycle_shows_badges_history_and_deployments() {
    let site = Site::start(lifecycle_registry);
    with_browser("lifecycle", |b| async move {
        // Catalog: the model's aliases (linking to model@alias) and its latest's status.
        b.goto(&site.served.url).await;
        expect_rows(&b, &[DEMAND, FRAUD, FRAUD_LITE, VISION]).await;
        let fraud_row = format!("{ROWS}[data-model=\"{FRAUD}\"]");
        assert_eq!(
            b.texts(&format!("{fraud_row} .badge.alias")).await,
            ["production → v3", "staging → v3"]
        );
        assert_eq!(
            b.attrs(&format!("{fraud_row} .badge.alias"), "href").await,
            [
                "#/m/fraud-detector@production",
                "#/m/fraud-detector@staging"
            ]
        );
        assert_eq!(
            b.attrs(&format!("{ROWS} td.latest .badge.status"), "class")
                .await,
            [
                "badge status status-draft",
                "badge status status-experimental",
                "badge status status-draft",
                "badge status status-draft"
            ]
        );
        assert_eq!(
            b.texts(&format!("{fraud_row} td.latest")).await,
            ["v4 experimental"]
        );
        b.screenshot("catalog").await;

        // Model page: caught up past the index (the refused entry 19), newest first.
        b.goto(&site.page("#/m/fraud-detector")).await;
        b.eventually_attrs(VERSION_ROWS, "data-version", &["4", "3", "2", "1"])
            .await;
        b.eventually("timeline entries", 19, async || {
            b.count("#timeline li.event").await
        })
        .await;
        let seqs: Vec<String> = (1..=19).rev().map(|n| n.to_string()).collect();
        assert_eq!(b.attrs("#timeline li.event", "data-seq").await, seqs);
        // Badges in the versions table: aliases by the version, statuses in their column.
        let row = |v: u64| format!("{VERSION_ROWS}[data-version=\"{v}\"]");
        assert_eq!(
            b.texts(&format!("{} td.version .badge.alias", row(3)))
                .await,
            ["production", "staging"]
        );
        assert_eq!(
            b.count(&format!("{VERSION_ROWS} td.version .badge.alias"))
                .await,
            2
        );
        assert_eq!(
            b.texts(&format!("{VERSION_ROWS} td.status")).await,
            ["experimental", "validated", "validated", "draft"]
        );
        assert_eq!(
            b.attrs(&format!("{VERSION_ROWS} td.status .badge"), "class")
                .await,
            [
                "badge status status-experimental",
                "badge status status-validated",
                "badge status status-validated",
                "badge status status-draft"
            ]
        );
        assert_eq!(
            b.texts(&format!("{VERSION_ROWS} td.branch")).await,
            ["exp/deep", "", "", ""]
        );
        assert_eq!(
            b.texts(&format!("{VERSION_ROWS} td.parent")).await,
            ["v3", "", "", ""]
        );
        assert_eq!(
            b.attrs(&format!("{VERSION_ROWS} td.parent a"), "href")
                .await,
            ["#/m/fraud-detector/v/3"]
        );
        assert_eq!(
            b.texts(&format!("{} td.tags .tag", row(3))).await,
            ["approved-by=risk-committee"]
        );
        // The aliases, with where they point.
        assert_eq!(
            b.texts("#aliases li[data-alias] a.alias-version").await,
            ["v3", "v3"]
        );
        assert_eq!(
            b.attrs("#aliases a.alias-permalink", "href").await,
            [
                "#/m/fraud-detector@production",
                "#/m/fraud-detector@staging"
            ]
        );

        // Deployments: targets with their versions' shares, largest first, linked.
        assert_eq!(
            b.attrs("#deployments tr.target-row", "data-target").await,
            ["eu-prod", "us-prod"]
        );
        assert_eq!(
            b.texts("#deployments tr.target-row td.shares").await,
            ["v2 90%, v3 10%", "v3 100%"]
        );
        assert_eq!(
            b.texts("#deployments tr.target-row td.total").await,
            ["100%", "100%"]
        );
        assert_eq!(
            b.attrs("#deployments tr[data-target=\"eu-prod\"] .share a", "href")
                .await,
            ["#/m/fraud-detector/v/2", "#/m/fraud-detector/v/3"]
        );

        // The timeline: who, when, what, why; the refused event is marked and says why.
        let newest = "#timeline li.event:first-child";
        assert_eq!(b.attrs(newest, "class").await, ["event refused"]);
        assert_eq!(b.texts(&format!("{newest} .actor")).await, ["mallory"]);
        assert_eq!(
            b.texts(&format!("{newest} .reason")).await,
            [REFUSED_REASON]
        );
        assert_eq!(b.count(&format!("{newest} .badge.refused")).await, 1);
        let problem = b.texts(&format!("{newest} .problem")).await;
        assert!(
            problem.len() == 1 && problem[0].contains("cannot deploy fraud-detector@4 to eu-prod"),
            "{problem:?}"
        );
        assert_eq!(b.count("#timeline li.event.refused").await, 1);
        let moves = "#timeline li.event[data-type=\"alias-set\"]";
        assert_eq!(
            b.texts(&format!("{moves} .actor")).await,
            ["release-bot", "release-bot", "release-bot"]
        );
        assert_eq!(
            b.texts(&format!("{moves} .reason")).await,
            [
                "Canary in staging looked good.",
                "Shadow traffic first.",
                "Approved in RISK-1234."
            ]
        );
        let summaries = b.texts(&format!("{moves} .summary")).await;
        assert!(
            summaries[0].contains("production") && summaries[0].contains("v3"),
            "{summaries:?}"
        );
        let times = b.texts("#timeline li.event .event-time").await;
        assert!(times.iter().all(|t| t.ends_with(" UTC")), "{times:?}");
        assert_eq!(
            b.texts("#timeline li.event[data-seq=\"1\"] .actor").await,
            ["alice"]
        );
        b.screenshot("model").await;

        // Branch filter.
        let branch = b.wait_for("#branch-filter").await;
        branch.select_by_value("exp/deep").await.unwrap();
        b.eventually_attrs(VERSION_ROWS, "data-version", &["4"])
            .await;
        branch.select_by_value("-").await.unwrap();
        b.eventually_attrs(VERSION_ROWS, "data-version", &["3", "2", "1"])
            .await;
        branch.select_by_value("*").await.unwrap();
        b.eventually_attrs(VERSION_ROWS, "data-version", &["4", "3", "2", "1"])
            .await;

        // Compare columns carry the badges too.
        b.open_fresh(&site.page("#/compare/fraud-detector/2,3"))
            .await;
        b.wait_for("#compare-metrics tr[data-key=\"f1\"]").await;
        assert_eq!(
            b.texts("#compare-metrics th[data-version=\"3\"] .badge.alias")
                .await,
            ["production", "staging"]
        );
        assert_eq!(
            b.texts("#compare-metrics th[data-version] .badge.status")
                .await,
            ["validated", "validated"]
        );
        assert_eq!(
            b.count("#compare-metrics th[data-version=\"2\"] .badge.alias")
                .await,
            0
        );

        // model@alias permalinks, in both spellings, and an alias that isn't set.
        for hash in [
            "#/m/fraud-detector@production",
            "#/m/fraud-detector/v/production",
        ] {
            b.open_fresh(&site.page(hash)).await;
            b.eventually_texts("#metrics tr[data-key=\"f1\"] .value", &["0.834"])
                .await;
            assert_eq!(
                b.texts(".version-title").await,
                ["fraud-detector@production"]
            );
            let resolved = b.texts("#resolved").await;
            assert!(
                resolved.len() == 1
                    && resolved[0].starts_with("production → v3")
                    && resolved[0].contains("release-bot"),
                "{hash}: {resolved:?}"
            );
            assert_eq!(
                b.texts("code#pull-command").await,
                ["shelf pull fraud-detector@3 -o fraud-detector-v3"]
            );
        }
        b.screenshot("alias-permalink").await;
        b.open_fresh(&site.page("#/m/fraud-detector@latest")).await;
        b.eventually_texts("#resolved a", &["v4"]).await;
        b.open_fresh(&site.page("#/m/fraud-detector@canary")).await;
        let card = b.wait_for(".error-card:not(.warning)").await;
        let text = card.text().await.unwrap();
        assert!(
            text.contains("fraud-detector has no alias canary (its aliases: production, staging)"),
            "{text}"
        );
    });
}

#[test]
fn version_page_charts_evaluations_and_shows_lineage() {
    let site = Site::start(lifecycle_registry);
    with_browser("lifecycle-version", |b| async move {
        b.goto(&site.page("#/m/fraud-detector/v/3")).await;
        b.wait_for("#evaluations tr.evaluation").await;
        // The header's badges.
        assert_eq!(
            b.attrs(".version-badges .badge.status", "class").await,
            ["badge status status-validated"]
        );
        assert_eq!(
            b.texts(".version-badges .badge.alias").await,
            ["production", "staging"]
        );
        assert_eq!(
            b.texts("#deployed .deployment").await,
            ["eu-prod 10%", "us-prod 100%"]
        );
        assert_eq!(
            b.texts("#tags tr[data-key=\"approved-by\"] .value").await,
            ["risk-committee"]
        );

        // One chart per evaluated metric, over time, with the training-time value as a
        // reference line.
        assert_eq!(
            b.attrs("svg.eval-chart", "data-metric").await,
            ["auc", "f1"]
        );
        let auc = "svg.eval-chart[data-metric=\"auc\"]";
        assert_eq!(b.count(&format!("{auc} circle.point")).await, 3);
        assert_eq!(
            b.attrs(&format!("{auc} circle.point"), "data-value").await,
            ["0.925", "0.91", "0.89"]
        );
        assert_eq!(
            b.attrs(&format!("{auc} line.reference"), "data-value")
                .await,
            ["0.93"]
        );
        // The reference (0.93, above every evaluation) is drawn above the points, and the
        // points go down as the metric drifts down.
        let ys = b
            .eval_with(
                "const s = document.querySelector(arguments[0]);
                 return { line: +s.querySelector('line.reference').getAttribute('y1'),
                          points: Array.from(s.querySelectorAll('circle.point'), c => +c.getAttribute('cy')),
                          xs: Array.from(s.querySelectorAll('circle.point'), c => +c.getAttribute('cx')) }",
                vec![json!(auc)],
            )
            .await;
        let line = ys["line"].as_f64().unwrap();
        let points: Vec<f64> = ys["points"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect();
        let xs: Vec<f64> = ys["xs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect();
        assert!(points.iter().all(|y| *y > line), "{ys}");
        assert!(points[0] < points[1] && points[1] < points[2], "{ys}");
        // x by measured time: Dec 1 → Dec 15 is 14 days, Dec 15 → Jan 1 is 17.
        let ratio = (xs[1] - xs[0]) / (xs[2] - xs[1]);
        assert!((ratio - 14.0 / 17.0).abs() < 0.01, "{ys}");
        // (SVG text has no innerText.)
        assert_eq!(
            b.eval(
                "return Array.from(document.querySelectorAll('svg.eval-chart .reference-label'), t => t.textContent)"
            )
            .await,
            json!(["at training: 0.93", "at training: 0.834"])
        );
        assert_eq!(
            b.attrs(
                "svg.eval-chart[data-metric=\"f1\"] circle.point",
                "data-value"
            )
            .await,
            ["0.83", "0.8"]
        );
        assert_eq!(
            b.attrs(
                "svg.eval-chart[data-metric=\"f1\"] line.reference",
                "data-value"
            )
            .await,
            ["0.834"]
        );
        // The table, newest measurement first.
        assert_eq!(
            b.texts("#evaluations tr.evaluation td.dataset").await,
            [
                "transactions-2026-12b",
                "transactions-2026-12a",
                "transactions-2026-11"
            ]
        );
        assert_eq!(
            b.texts("#evaluations tr.evaluation td.measured").await,
            [
                "2027-01-01 00:00 UTC",
                "2026-12-15 00:00 UTC",
                "2026-12-01 00:00 UTC"
            ]
        );
        assert_eq!(
            b.texts("#evaluations tr.evaluation td.actor").await,
            ["monitor", "monitor", "monitor"]
        );
        assert_eq!(
            b.texts("#evaluations tr.evaluation td.metrics").await,
            ["auc=0.89 f1=0.8", "auc=0.91", "auc=0.925 f1=0.83"]
        );
        // Lineage: v3 has no parent and one child, v4 in this model.
        assert_eq!(b.count("#parent-link").await, 0);
        assert_eq!(b.texts("#children a.child").await, ["v4"]);
        assert_eq!(
            b.attrs("#children a.child", "href").await,
            ["#/m/fraud-detector/v/4"]
        );
        // Its own history.
        assert_eq!(
            b.attrs("#version-timeline li.event", "data-seq").await,
            ["16", "15", "13", "12", "11", "10", "9", "8", "7", "3"]
        );
        b.screenshot("evaluations").await;

        // v4: branch and parent in the same model, pinned by a content id that matches.
        b.open_fresh(&site.page("#/m/fraud-detector/v/4")).await;
        b.eventually_texts("#parent-link", &["fraud-detector@3"])
            .await;
        assert_eq!(
            b.attrs("#parent-link", "href").await,
            ["#/m/fraud-detector/v/3"]
        );
        assert_eq!(b.texts("#branch").await, ["exp/deep"]);
        assert_eq!(
            b.texts(".version-badges .badge.status").await,
            ["experimental"]
        );
        assert_eq!(b.count(".version-badges .badge.alias").await, 0);
        assert_eq!(b.count("svg.eval-chart").await, 0);
        assert_eq!(b.count("#children").await, 0);
        b.screenshot("lineage").await;

        // A parent in another model: the link crosses models, and checks out.
        b.open_fresh(&site.page("#/m/fraud-lite/v/1")).await;
        b.eventually_texts("#parent-link", &["fraud-detector@2"])
            .await;
        assert_eq!(
            b.attrs("#parent-link", "href").await,
            ["#/m/fraud-detector/v/2"]
        );
        b.click("#parent-link").await;
        b.eventually_texts(".version-title", &["fraud-detector@2"])
            .await;
        b.eventually_texts("#children a.child", &[]).await;
        assert_eq!(b.count(".parent-problem").await, 0);
        // A cross-model child is not listed (finding it would mean reading every model).
        b.wait_for("#metrics tr[data-key=\"f1\"]").await;
        assert_eq!(b.count("#children").await, 0);
    });
}

/// `at` rendered as an `<input type="datetime-local">` value (UTC).
fn input_value(t: Timestamp) -> String {
    t.datetime().format("%Y-%m-%dT%H:%M:%S%.3f").to_string()
}

#[test]
fn as_of_time_travel_shows_the_state_of_then() {
    let site = Site::start(lifecycle_registry);
    let registry = site.backend.registry();
    let index = block_on(registry.model(&ModelName::new(FRAUD).unwrap()))
        .unwrap()
        .index;
    let time = |seq: u64| index.events.iter().find(|e| e.seq == seq).unwrap().time;
    let between = |a: u64, b: u64| {
        let (a, b) = (time(a).millis(), time(b).millis());
        assert!(b - a >= 2, "entries {a} and {b} are less than 2 ms apart");
        Timestamp::from_millis(a + (b - a) / 2).unwrap()
    };
    // After production moved to v2 and v2 went to eu-prod (entries 5, 6), before v3 was
    // validated (7); and after staging was set (9), before production moved to v3 (13).
    let early = between(6, 7);
    let later = between(9, 10);
    let before = Timestamp::from_millis(index.created_at.unwrap().millis() - 1000).unwrap();
    with_browser("as-of", |b| async move {
        // Pick a time in the model page's input: the page moves to its permalink.
        b.goto(&site.page("#/m/fraud-detector")).await;
        b.eventually_attrs(VERSION_ROWS, "data-version", &["4", "3", "2", "1"])
            .await;
        assert_eq!(b.count("#as-of-banner").await, 0);
        assert_eq!(b.attrs("#as-of-now", "class").await, ["button disabled"]);
        b.eval_with(
            "const input = document.querySelector('#as-of');
             input.value = arguments[0];
             input.dispatchEvent(new Event('change', { bubbles: true }));",
            vec![json!(input_value(early))],
        )
        .await;
        b.eventually(
            "hash after picking a time",
            format!("#/m/fraud-detector?at={early}"),
            async || b.hash().await,
        )
        .await;
        b.wait_for("#as-of-banner").await;
        let banner = b.texts("#as-of-banner").await;
        assert!(
            banner[0].starts_with(&format!(
                "As of {} UTC",
                early.datetime().format("%Y-%m-%d %H:%M:%S%.3f")
            )),
            "{banner:?}"
        );
        // Then: v1 to v3, production on v2, v2 validated and all of eu-prod.
        b.eventually_attrs(VERSION_ROWS, "data-version", &["3", "2", "1"])
            .await;
        assert_eq!(
            b.texts("#aliases li[data-alias] a.alias-version").await,
            ["v2"]
        );
        assert_eq!(
            b.attrs("#aliases li[data-alias]", "data-alias").await,
            ["production"]
        );
        assert_eq!(b.count("#aliases a.alias-permalink").await, 0);
        assert_eq!(
            b.texts(&format!("{VERSION_ROWS} td.version .badge.alias"))
                .await,
            ["production"]
        );
        assert_eq!(
            b.attrs(
                &format!("{VERSION_ROWS} td.version:has(.badge.alias) a"),
                "href"
            )
            .await,
            ["#/m/fraud-detector/v/2"]
        );
        assert_eq!(
            b.texts(&format!("{VERSION_ROWS} td.status")).await,
            ["draft", "validated", "draft"]
        );
        assert_eq!(
            b.texts("#deployments tr.target-row td.shares").await,
            ["v2 100%"]
        );
        assert_eq!(
            b.attrs("#timeline li.event", "data-seq").await,
            ["6", "5", "4", "3", "2", "1"]
        );
        assert_eq!(
            b.eval("return document.querySelector('#as-of').value")
                .await,
            json!(input_value(early))
        );
        assert_eq!(b.attrs("#as-of-now", "class").await, ["button"]);
        b.screenshot("early").await;

        // A permalink to a later time: staging set on v3, production still on v2.
        b.open_fresh(&site.page(&format!("#/m/fraud-detector?at={later}")))
            .await;
        b.wait_for("#as-of-banner").await;
        b.eventually_attrs(
            "#aliases li[data-alias]",
            "data-alias",
            &["production", "staging"],
        )
        .await;
        assert_eq!(
            b.texts("#aliases li[data-alias] a.alias-version").await,
            ["v2", "v3"]
        );
        assert_eq!(
            b.texts(&format!("{VERSION_ROWS} td.status")).await,
            ["validated", "validated", "draft"]
        );
        assert_eq!(b.count("#timeline li.event").await, 9);

        // "as of then" on an event of the timeline: the state right after entry 5.
        b.click("#timeline li.event[data-seq=\"5\"] a.as-of-link")
            .await;
        b.eventually(
            "hash of the event's time",
            format!("#/m/fraud-detector?at={}", time(5)),
            async || b.hash().await,
        )
        .await;
        b.eventually_attrs("#timeline li.event", "data-seq", &["5", "4", "3", "2", "1"])
            .await;
        assert_eq!(b.count("#deployments").await, 0);

        // Back to now.
        b.click("#as-of-now").await;
        b.eventually(
            "hash after now",
            "#/m/fraud-detector".to_string(),
            async || b.hash().await,
        )
        .await;
        b.eventually_attrs(VERSION_ROWS, "data-version", &["4", "3", "2", "1"])
            .await;
        assert_eq!(b.count("#as-of-banner").await, 0);
        assert_eq!(
            b.texts("#aliases li[data-alias] a.alias-version").await,
            ["v3", "v3"]
        );

        // Before the first entry: the model did not exist yet.
        b.open_fresh(&site.page(&format!("#/m/fraud-detector?at={before}")))
            .await;
        let banner = b.wait_for("#as-of-banner.did-not-exist").await;
        let text = banner.text().await.unwrap();
        assert!(text.contains("fraud-detector did not exist yet"), "{text}");
        assert_eq!(b.count(VERSION_ROWS).await, 0);
        assert_eq!(b.count("#timeline").await, 0);
        b.screenshot("did-not-exist").await;
    });
}

// What sticks out past the right edge (outside a scrolling box), for the message.
const OVERFLOW: &str = r#"
        const vw = window.innerWidth;
        const scrolls = e => { for (let p = e.parentElement; p; p = p.parentElement) {
            const o = getComputedStyle(p).overflowX;
            if (o === 'auto' || o === 'scroll' || o === 'hidden') return true;
        } return false; };
        const describe = e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
            + (e.className && typeof e.className === 'string' ? '.' + e.className.trim().split(/\s+/).join('.') : '');
        const wide = Array.from(document.querySelectorAll('body *'))
            .filter(e => e.getBoundingClientRect().right > vw + 1 && !scrolls(e))
            .map(e => describe(e) + ' (right edge ' + Math.round(e.getBoundingClientRect().right) + 'px)');
        return { fits: document.documentElement.scrollWidth <= vw + 1,
                 scrollWidth: document.documentElement.scrollWidth, innerWidth: vw,
                 wide: wide.slice(0, 8) };
    "#;

#[test]
fn pages_fit_a_phone_screen() {
    let site = Site::start(lifecycle_registry);
    with_browser("phone", |b| async move {
        b.client.set_window_size(390, 844).await.unwrap();
        b.goto(&site.served.url).await;
        let width = b.eval("return window.innerWidth").await;
        assert!(
            width.as_u64().is_some_and(|w| w <= 400),
            "the window did not shrink to a phone's width: innerWidth {width}"
        );
        let mut overflowing = Vec::new();
        let pages = [
            ("catalog", "#/", ROWS),
            ("model", "#/m/fraud-detector", "#timeline li.event"),
            (
                "model-as-of",
                "#/m/fraud-detector?at=2100-01-01T00:00:00.000Z",
                "#as-of-banner",
            ),
            (
                "version",
                "#/m/fraud-detector/v/3",
                "#evaluations tr.evaluation",
            ),
            (
                "compare",
                "#/compare/fraud-detector/1,2,3",
                "#compare-artifacts tr",
            ),
        ];
        for (name, hash, ready) in pages {
            b.open_fresh(&site.page(hash)).await;
            b.wait_for(ready).await;
            b.screenshot(name).await;
            let report = b.eval(OVERFLOW).await;
            if report["fits"] != json!(true) {
                overflowing.push(format!("{name} ({hash}): {report}"));
            }
        }
        assert!(
            overflowing.is_empty(),
            "pages wider than a 390 px phone screen:\n{}",
            overflowing.join("\n")
        );
    });
}

/// The repository's root (the ML venv and the examples live there).
fn repo_root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The ML venv made by scripts/setup.sh; browser tests never skip silently.
fn ml_python() -> std::path::PathBuf {
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
fn output_of(cmd: &mut std::process::Command) -> String {
    let out = cmd.output().expect("spawn");
    assert!(out.status.success(), "{cmd:?}: {out:?}");
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// Whether the page fits a phone screen, else what sticks out.
async fn fits_a_phone(b: &Browser, name: &str) {
    let report = b.eval(OVERFLOW).await;
    assert_eq!(
        report["fits"],
        json!(true),
        "{name} is wider than a 390 px phone screen: {report}"
    );
}

#[test]
fn the_fraud_example_shows_splits_provenance_datasets_and_who_used_them() {
    let python = ml_python();
    let work = tempfile::tempdir().unwrap();
    let workdir = work.path().join("work");
    let site = Site::start(|backend| {
        let out = run(std::process::Command::new("bash")
            .arg(repo_root().join("examples/fraud/run.sh"))
            .arg(&workdir)
            .env("SHELF", env!("CARGO_BIN_EXE_shelf"))
            .env("SHELF_REGISTRY", backend.url())
            .env("PYTHON", &python)
            .env_remove("SHELF_AUTHOR"));
        assert_code(&out, 0);
    });
    // What the page must show, from the training script's own output and the checkout.
    let written: serde_json::Value =
        serde_json::from_slice(&std::fs::read(workdir.join("out-v2/metrics.json")).unwrap())
            .unwrap();
    let commit = output_of(
        std::process::Command::new("git")
            .arg("-C")
            .arg(repo_root())
            .args(["rev-parse", "HEAD"]),
    );
    let sklearn = output_of(
        std::process::Command::new(&python)
            .args(["-c", "import sklearn; print(sklearn.__version__)"]),
    );
    let test_csv = workdir.join("data/test.csv");
    let test_digest = Digest::of(&std::fs::read(&test_csv).unwrap());
    with_browser("fraud-example", |b| async move {
        b.goto(&site.page("#/m/fraud-detector/v/2")).await;

        // Metrics per split: one row per metric, one column per split, the values written
        // by train.py (exactly, in data-value; rounded to 4 decimals on screen).
        b.eventually_attrs(
            "#split-metrics thead th[data-split]",
            "data-split",
            &["train", "validation", "test"],
        )
        .await;
        assert_eq!(
            b.attrs("#split-metrics tbody tr", "data-metric").await,
            ["auc", "f1", "precision", "recall"]
        );
        for split in ["train", "validation", "test"] {
            for metric in ["precision", "recall", "f1", "auc"] {
                let cell = format!(
                    "#split-metrics tr[data-metric=\"{metric}\"] td[data-split=\"{split}\"]"
                );
                let want = written[split][metric].as_f64().unwrap();
                let exact: f64 = b.attrs(&cell, "data-value").await[0].parse().unwrap();
                assert_eq!(exact, want, "{split}.{metric}");
                let shown: f64 = b.texts(&cell).await[0].parse().unwrap();
                assert!((shown - want).abs() < 5e-5, "{split}.{metric}: {shown}");
            }
        }
        // Every metric of the example has a split: no other metrics table.
        assert_eq!(b.count("#metrics").await, 0);

        // The environment of the interpreter that trained it, the packages filterable.
        assert!(b.texts("#env-python").await[0].starts_with("3."));
        assert_eq!(b.texts("#env-packages-from").await, ["interpreter"]);
        assert_eq!(
            b.texts("#packages tr[data-package=\"scikit-learn\"] td.version")
                .await,
            [sklearn.as_str()]
        );
        let all = b.count("#packages tr.package").await;
        assert!(all > 5, "{all} packages");
        b.wait_for("#package-filter")
            .await
            .send_keys("SCIKIT")
            .await
            .unwrap();
        b.eventually_attrs("#packages tr.package", "data-package", &["scikit-learn"])
            .await;
        assert_eq!(
            b.texts("#package-count").await,
            [format!("1 of {all} packages")]
        );

        // The code: this checkout's commit. The run's command, in a code block.
        assert_eq!(b.texts("#code-commit").await, [commit.as_str()]);
        assert!(
            b.texts("#run-command pre.command").await[0]
                .starts_with("python examples/fraud/train.py train data out"),
            "{:?}",
            b.texts("#run-command").await
        );

        // The datasets: the registered one linked, the test CSV hashed and verified.
        assert_eq!(
            b.attrs("#datasets tr.dataset-link", "data-role").await,
            ["train", "test"]
        );
        let train = "#datasets tr[data-role=\"train\"]";
        assert_eq!(
            b.texts(&format!("{train} a.dataset-ref")).await,
            ["fraud-transactions@1"]
        );
        assert_eq!(
            b.texts(&format!("{train} .badge.check")).await,
            ["verified"]
        );
        let test = "#datasets tr[data-role=\"test\"]";
        assert_eq!(
            b.texts(&format!("{test} td.data")).await,
            [test_csv.display().to_string()]
        );
        assert_eq!(
            b.texts(&format!("{test} td.digest")).await,
            [format!("sha256:{}", &test_digest.hex()[..12])]
        );
        assert_eq!(b.texts(&format!("{test} .badge.check")).await, ["verified"]);

        // The joblib model: flagged unsafe, with what it imports, never loaded.
        assert_eq!(
            b.texts("#artifacts tr[data-path=\"model.joblib\"] .badge.unsafe")
                .await,
            ["unsafe to load"]
        );
        let joblib = ".model-file[data-path=\"model.joblib\"]";
        let warning = b.texts(&format!("{joblib} .unsafe-warning strong")).await;
        assert_eq!(
            warning,
            ["Unsafe to load: loading this file can run arbitrary code."]
        );
        let imports = b
            .texts(&format!("{joblib} .unsafe-warning .imports li"))
            .await;
        assert!(
            imports
                .iter()
                .any(|i| i.starts_with("sklearn.") && i.ends_with("GradientBoostingClassifier")),
            "{imports:?}"
        );
        assert_eq!(b.texts(&format!("{joblib} dd.format")).await, ["pickle"]);
        assert_eq!(b.texts(&format!("{joblib} dd.joblib")).await, ["yes"]);
        b.screenshot("version").await;

        // The version page fits a phone.
        b.client.set_window_size(390, 844).await.unwrap();
        fits_a_phone(&b, "the version page").await;
        b.client.set_window_size(1280, 800).await.unwrap();

        // The dataset link opens the dataset's page, which lists who used it.
        b.click(&format!("{train} a.dataset-ref")).await;
        b.eventually_texts(".version-title", &["fraud-transactions@1"])
            .await;
        assert_eq!(b.hash().await, "#/m/fraud-transactions/v/1");
        b.wait_for(".version-badges .badge.kind-dataset").await;
        b.eventually_attrs("#used-by li.user", "data-version", &["1", "2"])
            .await;
        assert_eq!(
            b.texts("#used-by li.user").await,
            ["fraud-detector@1 as train", "fraud-detector@2 as train"]
        );
        assert_eq!(
            b.attrs("#used-by li.user a", "href").await,
            ["#/m/fraud-detector/v/1", "#/m/fraud-detector/v/2"]
        );
        b.screenshot("dataset").await;

        // Compare v1 and v2: the changed params and provenance.
        b.open_fresh(&site.page("#/compare/fraud-detector/1,2"))
            .await;
        b.wait_for("#compare-provenance").await;
        assert_eq!(
            b.attrs("#compare-params tr.changed", "data-key").await,
            ["model.class_weight", "model.n_estimators"]
        );
        let changed = b.attrs("#compare-provenance tr.changed", "data-key").await;
        for key in ["lineage.branch", "lineage.parent", "run.command"] {
            assert!(changed.iter().any(|k| k == key), "{key} not in {changed:?}");
        }
        for key in ["code.commit", "environment.python", "dataset.train"] {
            assert!(!changed.iter().any(|k| k == key), "{key} in {changed:?}");
        }
        assert_eq!(
            b.texts("#compare-provenance tr[data-key=\"lineage.branch\"] td")
                .await,
            ["main", "exp/class-weights"]
        );
        assert_eq!(
            b.texts("#compare-provenance tr[data-key=\"dataset.train\"] td")
                .await,
            ["fraud-transactions@1", "fraud-transactions@1"]
        );
        // Same interpreter for both: no package differs, until all are shown.
        assert_eq!(b.count("#compare-packages tr[data-key]").await, 0);
        b.click("#packages-all").await;
        b.eventually("all packages", all, async || {
            b.count("#compare-packages tr[data-key]").await
        })
        .await;
        assert_eq!(
            b.texts("#compare-packages tr[data-key=\"scikit-learn\"] td")
                .await,
            [sklearn.as_str(), sklearn.as_str()]
        );
        assert_eq!(
            b.texts(".arch-diff[data-path=\"model.joblib\"] p").await,
            ["No architecture change."]
        );
        b.screenshot("compare").await;

        // The model page groups its metric columns under their splits.
        b.open_fresh(&site.page("#/m/fraud-detector")).await;
        b.eventually_texts(
            "#versions tr.split-groups th.split-group",
            &["train", "validation", "test"],
        )
        .await;
        assert_eq!(
            b.texts("#versions th.metric-header").await[..4],
            ["auc", "f1", "precision", "recall"]
        );
        assert_eq!(
            b.attrs("#versions th.metric-header", "data-metric").await[..5],
            [
                "train.auc",
                "train.f1",
                "train.precision",
                "train.recall",
                "validation.auc"
            ]
        );

        // The catalog: a dataset badge, and kind: in the search language.
        b.open_fresh(&site.served.url).await;
        expect_rows(&b, &["fraud-detector", "fraud-transactions"]).await;
        assert_eq!(
            b.texts(&format!("{ROWS} td.name .badge.kind-dataset"))
                .await,
            ["dataset"]
        );
        let search = b.wait_for("#search").await;
        search.send_keys("kind:dataset").await.unwrap();
        expect_rows(&b, &["fraud-transactions"]).await;
        b.eventually_texts("#match-count", &["1 of 2 models"]).await;
        search.clear().await.unwrap();
        search.send_keys("kind:model").await.unwrap();
        expect_rows(&b, &["fraud-detector"]).await;
        b.screenshot("catalog").await;
    });
}

/// `(name, dtype, shape)` of the tensors of a safetensors file.
type Tensors<'a> = Vec<(&'a str, &'a str, &'a [u64])>;

/// A safetensors file written to the spec: a JSON header of `(name, dtype, shape)`
/// tensors laid out one after the other, then zeroed data.
fn safetensors_file(tensors: &[(&str, &str, &[u64])]) -> Vec<u8> {
    let mut header = serde_json::Map::new();
    let mut offset = 0u64;
    for (name, dtype, shape) in tensors {
        let width = match *dtype {
            "U8" | "I8" | "BOOL" => 1,
            "F16" | "BF16" => 2,
            "F32" | "I32" => 4,
            other => panic!("no width for {other}"),
        };
        let size = shape.iter().product::<u64>() * width;
        header.insert(
            name.to_string(),
            json!({"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + size]}),
        );
        offset += size;
    }
    header.insert("__metadata__".into(), json!({"format": "pt"}));
    let header = serde_json::to_vec(&serde_json::Value::Object(header)).unwrap();
    let mut out = (header.len() as u64).to_le_bytes().to_vec();
    out.extend(header);
    out.resize(out.len() + offset as usize, 0);
    out
}

fn pb_varint(out: &mut Vec<u8>, mut v: u64) {
    loop {
        let b = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(b);
            return;
        }
        out.push(b | 0x80);
    }
}

/// A length-delimited protobuf field.
fn pb_bytes(out: &mut Vec<u8>, field: u64, bytes: &[u8]) {
    pb_varint(out, field << 3 | 2);
    pb_varint(out, bytes.len() as u64);
    out.extend(bytes);
}

/// A varint protobuf field.
fn pb_int(out: &mut Vec<u8>, field: u64, v: u64) {
    pb_varint(out, field << 3);
    pb_varint(out, v);
}

/// A float tensor's `ValueInfoProto`: name, then `[batch, width]`.
fn onnx_value(name: &str, width: u64) -> Vec<u8> {
    let mut batch = Vec::new();
    pb_bytes(&mut batch, 2, b"batch"); // Dimension.dim_param
    let mut fixed = Vec::new();
    pb_int(&mut fixed, 1, width); // Dimension.dim_value
    let mut shape = Vec::new();
    pb_bytes(&mut shape, 1, &batch);
    pb_bytes(&mut shape, 1, &fixed);
    let mut tensor = Vec::new();
    pb_int(&mut tensor, 1, 1); // elem_type float
    pb_bytes(&mut tensor, 2, &shape);
    let mut ty = Vec::new();
    pb_bytes(&mut ty, 1, &tensor); // TypeProto.tensor_type
    let mut value = Vec::new();
    pb_bytes(&mut value, 1, name.as_bytes());
    pb_bytes(&mut value, 2, &ty);
    value
}

/// An ONNX model written byte for byte: opset `opset`, input `X [batch, width]`, a MatMul
/// with the initializer `W [width, 2]`, output `Y [batch, 2]`.
fn onnx_file(opset: u64, width: u64) -> Vec<u8> {
    let mut node = Vec::new();
    pb_bytes(&mut node, 1, b"X");
    pb_bytes(&mut node, 1, b"W");
    pb_bytes(&mut node, 2, b"Y");
    pb_bytes(&mut node, 4, b"MatMul");
    let mut w = Vec::new();
    pb_int(&mut w, 1, width);
    pb_int(&mut w, 1, 2);
    pb_int(&mut w, 2, 1); // float
    pb_bytes(&mut w, 8, b"W");
    let mut graph = Vec::new();
    pb_bytes(&mut graph, 1, &node);
    pb_bytes(&mut graph, 2, b"mlp");
    pb_bytes(&mut graph, 5, &w);
    pb_bytes(&mut graph, 11, &onnx_value("X", width));
    pb_bytes(&mut graph, 12, &onnx_value("Y", 2));
    let mut opset_id = Vec::new();
    pb_bytes(&mut opset_id, 1, b"");
    pb_int(&mut opset_id, 2, opset);
    let mut model = Vec::new();
    pb_int(&mut model, 1, 8); // ir_version
    pb_bytes(&mut model, 2, b"shelf-tests");
    pb_bytes(&mut model, 7, &graph);
    pb_bytes(&mut model, 8, &opset_id);
    model
}

const JS_URL: &str = "javascript:window.__pwned=4";
const LOCK_FILE: &[u8] = b"numpy==1.26.4\nscikit-learn==1.5.1\n";

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
fn arch_registry(backend: &Backend) -> Vec<u8> {
    assert_code(&run(backend.shelf().arg("init")), 0);
    let registry = backend.registry();
    let dir = tempfile::tempdir().unwrap();
    let lock = write_file(&dir.path().join("requirements.txt"), LOCK_FILE);
    let mut layers: Vec<(String, &str, &[u64])> = Vec::new();
    for i in 0..57 {
        layers.push((format!("layers.{i:02}.weight"), "F32", &[1]));
    }
    let v2_tensors: Tensors = [
        ("embed.weight", "U8", &[1000u64, 1300][..]),
        ("head.bias", "F16", &[2][..]),
        ("head.weight", "F32", &[2, 3][..]),
    ]
    .into_iter()
    .chain(layers.iter().map(|(n, d, s)| (n.as_str(), *d, *s)))
    .collect();
    let versions: [(Tensors, u64, u64, &str, &str, f64); 2] = [
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
            &safetensors_file(&tensors),
        );
        write_file(&files.join("model.onnx"), &onnx_file(opset, width));
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

#[test]
fn model_files_and_their_architecture_diff_with_hostile_provenance() {
    let site = Site::start(|backend| {
        arch_registry(backend);
    });
    with_browser("model-files", |b| async move {
        let no_markup = async |page: &str| {
            assert_eq!(b.count("main img, main b, main script").await, 0, "{page}");
            assert!(!is_pwned(&b).await, "{page}: window.__pwned is set");
        };

        // v1: the introspected files, and hostile provenance as text.
        b.goto(&site.page("#/m/arch-probe/v/1")).await;
        let st = ".model-file[data-path=\"model.safetensors\"]";
        b.eventually_texts(&format!("{st} dd.parameters"), &["1.2 M"])
            .await;
        assert_eq!(
            b.attrs(&format!("{st} dd.parameters"), "title").await,
            ["1,200,008 parameters"]
        );
        assert_eq!(b.texts(&format!("{st} dd.tensor-count")).await, ["3"]);
        assert_eq!(
            b.texts(&format!("{st} dd.dtypes")).await,
            ["F32: 2 tensors, 8 parameters; U8: 1 tensor, 1.2 M parameters"]
        );
        assert_eq!(
            b.texts(&format!(
                "{st} table.tensors tbody tr[data-name=\"embed.weight\"] td"
            ))
            .await,
            ["embed.weight", "U8", "[1000, 1200]"]
        );
        assert_eq!(b.count(&format!("{st} .unsafe-warning")).await, 0);
        let onnx = ".model-file[data-path=\"model.onnx\"]";
        assert_eq!(b.texts(&format!("{onnx} dd.opsets")).await, ["ai.onnx 17"]);
        assert_eq!(b.texts(&format!("{onnx} dd.op-types")).await, ["MatMul×1"]);
        assert_eq!(
            b.texts(&format!("{onnx} table.io tbody tr td")).await,
            [
                "X",
                "input",
                "float [batch, 4]",
                "Y",
                "output",
                "float [batch, 2]"
            ]
        );
        assert_eq!(b.texts(&format!("{onnx} dd.parameters")).await, ["8"]);

        // Hostile provenance: literal text, and a javascript: URL is not a link.
        assert_eq!(b.texts("#run-command").await, [HOSTILE]);
        assert_eq!(b.texts("#run-experiment").await, [HOSTILE_LABEL]);
        assert_eq!(b.texts("#run-url").await, [JS_URL]);
        assert_eq!(b.count("#run-url a").await, 0);
        assert_eq!(
            b.attrs("#code-repository a", "href").await,
            ["https://github.com/acme/arch-probe"]
        );
        assert_eq!(b.texts("#code-dirty").await, ["no"]);
        assert_eq!(b.texts("#env-container-image").await, [HOSTILE]);
        assert_eq!(b.texts("#env-cpu").await, [HOSTILE_LABEL]);
        assert_eq!(
            b.texts("#env-gpus").await,
            [format!("{HOSTILE_LABEL} (driver 535.104, 40,960 MiB)")]
        );
        // Packages in name order (`<` sorts before letters).
        assert_eq!(b.texts("#packages td.name").await, [HOSTILE_PARAM, "numpy"]);
        assert_eq!(
            b.attrs("#packages tr.package", "data-package").await,
            [HOSTILE_PARAM, "numpy"]
        );
        let missing = "#datasets tr[data-role=\"test\"]";
        assert_eq!(
            b.texts(&format!("{missing} td.data")).await,
            ["/nonexistent/<b>holdout</b>.csv"]
        );
        assert_eq!(
            b.texts(&format!("{missing} .badge.check")).await,
            ["unverified"]
        );
        // The lock file: a download of its blob, whose bytes are the file's.
        let href = b.attrs("#env-lock-file a.download", "href").await;
        assert_eq!(href, [keys::blob_key(&Digest::of(LOCK_FILE))]);
        assert_eq!(
            b.attrs("#env-lock-file a.download", "download").await,
            ["requirements.txt"]
        );
        let (status, _, body) = http("GET", &site.page(&href[0]));
        assert_eq!(status, 200);
        assert!(body == LOCK_FILE, "the lock file's blob holds other bytes");
        no_markup("version 1").await;
        b.screenshot("version-1").await;

        // v2: a tracker link that is one, a javascript: repository that is not, dirty
        // code, and 60 tensors of which 50 are drawn until "Show all".
        b.open_fresh(&site.page("#/m/arch-probe/v/2")).await;
        b.eventually_texts(&format!("{st} dd.parameters"), &["1.3 M"])
            .await;
        assert_eq!(
            b.attrs("#run-url a", "href").await,
            ["https://tracker.example.com/runs/7"]
        );
        assert_eq!(b.texts("#code-repository").await, ["javascript:alert(1)"]);
        assert_eq!(b.count("#code-repository a").await, 0);
        assert_eq!(
            b.texts("#code-dirty").await,
            [format!(
                "yes: diff sha256:{}",
                &Digest::of(b"the uncommitted diff").hex()[..12]
            )]
        );
        let rows = format!("{st} table.tensors tbody tr");
        assert_eq!(b.count(&rows).await, 50);
        assert_eq!(
            b.texts(&format!("{st} button.show-all")).await,
            ["Show all 60 tensors"]
        );
        b.click(&format!("{st} button.show-all")).await;
        b.eventually("tensor rows after Show all", 60, async || {
            b.count(&rows).await
        })
        .await;
        assert_eq!(
            b.count(&format!("{st} button.show-all:not(.hidden)")).await,
            0
        );
        no_markup("version 2").await;
        b.screenshot("version-2").await;

        // Compare: the architecture difference of each model file.
        b.open_fresh(&site.page("#/compare/arch-probe/1,2")).await;
        let sd = ".arch-diff[data-path=\"model.safetensors\"]";
        b.eventually_texts(
            &format!("{sd} .arch-parameters"),
            &["Parameters: 1.2 M → 1.3 M (+100 K)"],
        )
        .await;
        assert_eq!(
            b.texts(&format!("{sd} .tensors-reshaped li")).await,
            ["embed.weight: [1000, 1200] → [1000, 1300]"]
        );
        assert_eq!(
            b.texts(&format!("{sd} .tensors-retyped li")).await,
            ["head.bias: F32 → F16"]
        );
        assert_eq!(
            b.texts(&format!("{sd} .tensors-added h4")).await,
            ["Tensors added (57)"]
        );
        assert_eq!(
            b.texts(&format!("{sd} .tensors-added li")).await[0],
            "layers.00.weight F32 [1]"
        );
        assert_eq!(b.count(&format!("{sd} .tensors-removed")).await, 0);
        let od = ".arch-diff[data-path=\"model.onnx\"]";
        assert_eq!(
            b.texts(&format!("{od} .opsets li")).await,
            ["ai.onnx: 17 → 18"]
        );
        assert_eq!(
            b.texts(&format!("{od} .values li")).await,
            ["input X: float [batch, 4] → float [batch, 8]"]
        );
        assert_eq!(
            b.texts(&format!("{od} .tensors-reshaped li")).await,
            ["W: [4, 2] → [8, 2]"]
        );
        assert_eq!(
            b.texts(&format!("{od} .arch-parameters")).await,
            ["Parameters: 8 → 16 (+8)"]
        );
        // Provenance rows as text (no links), packages changed by default.
        assert_eq!(
            b.texts("#compare-provenance tr[data-key=\"run.command\"] td")
                .await,
            [HOSTILE, HOSTILE]
        );
        assert_eq!(
            b.texts("#compare-provenance tr[data-key=\"run.url\"] td")
                .await,
            [JS_URL, "https://tracker.example.com/runs/7"]
        );
        assert_eq!(b.count("#compare-provenance tbody a").await, 0);
        assert_eq!(
            b.attrs("#compare-provenance tr.changed", "data-key").await,
            [
                "code.commit",
                "code.repository",
                "code.uncommitted changes",
                "environment.lock_file",
                "run.url"
            ]
        );
        assert_eq!(b.texts("#packages-changed").await, ["1 of 2 changed"]);
        assert_eq!(
            b.attrs("#compare-packages tr[data-key]", "data-key").await,
            ["numpy"]
        );
        b.click("#packages-all").await;
        b.eventually_attrs(
            "#compare-packages tr[data-key]",
            "data-key",
            &[HOSTILE_PARAM, "numpy"],
        )
        .await;
        no_markup("compare").await;
        b.screenshot("compare").await;

        // The model page: metrics grouped by split, sortable by the full key.
        b.open_fresh(&site.page("#/m/arch-probe")).await;
        b.eventually_texts(
            "#versions tr.split-groups th.split-group",
            &["", "train", "test"],
        )
        .await;
        assert_eq!(
            b.attrs("#versions th.metric-header", "data-metric").await,
            ["latency_ms", "train.loss", "test.loss"]
        );
        assert_eq!(
            b.texts("#versions th.metric-header").await,
            ["latency_ms", "loss", "loss"]
        );
        b.eventually_attrs(VERSION_ROWS, "data-version", &["2", "1"])
            .await;
        b.click("#versions th[data-metric=\"test.loss\"] button")
            .await;
        b.eventually_attrs(VERSION_ROWS, "data-version", &["1", "2"])
            .await;
        assert_eq!(
            b.texts(&format!("{VERSION_ROWS} td[data-metric=\"test.loss\"]"))
                .await,
            ["0.4", "0.35"]
        );
        no_markup("model").await;
    });
}
