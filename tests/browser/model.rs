//! A model's page: the versions table, the metric chart, and comparing two versions.

use serde_json::json;

use super::fixtures::{FRAUD, Site, sample_registry};
use super::pages::compare::PARAMS_CHANGED;
use super::pages::model::{COMPARE_BUTTON, METRIC_POINTS, MODEL_NAME, VERSION_ROWS};
use crate::support::browser::with_browser;

#[test]
fn model_page_charts_versions_and_compares_two() {
    let site = Site::start(sample_registry);
    with_browser("model", |b| async move {
        b.goto(&site.page("#/m/fraud-detector")).await;
        b.eventually_attrs(VERSION_ROWS, "data-version", &["3", "2", "1"])
            .await;
        assert_eq!(b.texts(MODEL_NAME).await, [FRAUD]);
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
        b.eventually_attrs(METRIC_POINTS, "data-version", &["1", "2", "3"])
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
        assert_eq!(b.texts(COMPARE_BUTTON).await, ["Compare selected (0)"]);
        b.click("input.compare-pick[value=\"2\"]").await;
        b.click("input.compare-pick[value=\"1\"]").await;
        b.eventually_texts(COMPARE_BUTTON, &["Compare selected (2)"])
            .await;
        assert_eq!(
            b.attrs(COMPARE_BUTTON, "href").await,
            ["#/compare/fraud-detector/1,2"]
        );
        b.click(COMPARE_BUTTON).await;
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
        assert_eq!(b.attrs(PARAMS_CHANGED, "data-key").await, ["max_depth"]);
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
        assert_eq!(b.count(PARAMS_CHANGED).await, 0);
        b.screenshot("compare-lower-is-better").await;
    });
}
