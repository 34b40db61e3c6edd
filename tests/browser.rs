//! The web app end to end: real headless Chromium over WebDriver, against `shelf serve` and
//! against a bucket on the S3 test server, asserting what the pages render.
//!
//! Needs the app built before `shelf` (`scripts/build-app.sh`, then `cargo build`), the S3
//! test server and chromedriver; `scripts/test.sh` does all of it. A screenshot of every
//! page goes to `target/screenshots/<test>-<page>.png` (and `<test>-failure.png` when a
//! test fails).

mod support;

use serde_json::json;
use shelf_format::{Digest, keys};
use support::browser::{Browser, allow_anonymous_get, preflight, with_browser};
use support::{Backend, Served, assert_code, bytes, http, json, run, s3_endpoint, write_file};

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

#[test]
fn catalog_lists_models_and_searches_as_you_type() {
    let site = Site::start(sample_registry);
    with_browser("catalog", |b| async move {
        b.goto(&site.served.url).await;
        expect_rows(&b, &[DEMAND, FRAUD, VISION]).await;
        assert_eq!(b.texts("#match-count").await, ["3 of 3 models"]);
        assert_eq!(
            b.texts(&format!("{ROWS} td.latest")).await,
            ["v2", "v3", "v1"]
        );
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
            b.texts(&format!("{ROWS} td.latest")).await,
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
fn pages_fit_a_phone_screen() {
    let site = Site::start(sample_registry);
    with_browser("phone", |b| async move {
        b.client.set_window_size(390, 844).await.unwrap();
        b.goto(&site.served.url).await;
        let width = b.eval("return window.innerWidth").await;
        assert!(
            width.as_u64().is_some_and(|w| w <= 400),
            "the window did not shrink to a phone's width: innerWidth {width}"
        );
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
        let mut overflowing = Vec::new();
        let pages = [
            ("catalog", "#/", ROWS),
            ("model", "#/m/fraud-detector", VERSION_ROWS),
            (
                "version",
                "#/m/fraud-detector/v/3",
                "#artifacts tr.artifact",
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
