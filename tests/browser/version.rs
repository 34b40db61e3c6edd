//! A version's page: the manifest, artifact downloads, evaluations and lineage.

use serde_json::json;
use shelf_format::{Digest, keys};

use super::fixtures::{
    FRAUD_CONFIG, FRAUD_V2_DESCRIPTION, Site, fraud_weights, lifecycle_registry, sample_registry,
};
use super::pages::any::DESCRIPTION;
use super::pages::version::{
    ALIAS_BADGES, CHILD_LINKS, CHILDREN, COMPARE_PREVIOUS, CREATED, EVALUATIONS, PARENT_LINK,
    PULL_COMMAND, STATUS_BADGE, TITLE,
};
use crate::support::browser::with_browser;
use crate::support::{http, json, run};

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
        let description = b.wait_for(DESCRIPTION).await;
        assert_eq!(description.text().await.unwrap(), FRAUD_V2_DESCRIPTION);
        assert_eq!(b.texts(TITLE).await, ["fraud-detector@2"]);
        assert_eq!(b.texts("dl.facts code.digest").await, [content_id.as_str()]);
        assert_eq!(b.texts(CREATED).await.len(), 1);
        assert!(
            b.texts(CREATED).await[0].ends_with(" by alice"),
            "{:?}",
            b.texts(CREATED).await
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
            b.texts(PULL_COMMAND).await,
            ["shelf pull fraud-detector@2 -o fraud-detector-v2"]
        );
        assert_eq!(
            b.attrs(COMPARE_PREVIOUS, "href").await,
            ["#/compare/fraud-detector/1,2"]
        );
        b.screenshot("version").await;

        // A namespaced model's version page.
        b.open_fresh(&site.page("#/m/vision/defect-classifier/v/1"))
            .await;
        b.eventually_texts("#metrics tr[data-key] .value", &["0.95", "0.91"])
            .await;
        assert_eq!(b.texts(TITLE).await, ["vision/defect-classifier@1"]);
        assert_eq!(
            b.texts(PULL_COMMAND).await,
            ["shelf pull vision/defect-classifier@1 -o vision-defect-classifier-v1"]
        );
        assert_eq!(b.count(COMPARE_PREVIOUS).await, 0);
        b.screenshot("version-namespaced").await;
    });
}

#[test]
fn version_page_charts_evaluations_and_shows_lineage() {
    let site = Site::start(lifecycle_registry);
    with_browser("lifecycle-version", |b| async move {
        b.goto(&site.page("#/m/fraud-detector/v/3")).await;
        b.wait_for(EVALUATIONS).await;
        // The header's badges.
        assert_eq!(
            b.attrs(STATUS_BADGE, "class").await,
            ["badge status status-validated"]
        );
        assert_eq!(b.texts(ALIAS_BADGES).await, ["production", "staging"]);
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
        assert_eq!(b.count(PARENT_LINK).await, 0);
        assert_eq!(b.texts(CHILD_LINKS).await, ["v4"]);
        assert_eq!(
            b.attrs(CHILD_LINKS, "href").await,
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
        b.eventually_texts(PARENT_LINK, &["fraud-detector@3"]).await;
        assert_eq!(
            b.attrs(PARENT_LINK, "href").await,
            ["#/m/fraud-detector/v/3"]
        );
        assert_eq!(b.texts("#branch").await, ["exp/deep"]);
        assert_eq!(b.texts(STATUS_BADGE).await, ["experimental"]);
        assert_eq!(b.count(ALIAS_BADGES).await, 0);
        assert_eq!(b.count("svg.eval-chart").await, 0);
        assert_eq!(b.count(CHILDREN).await, 0);
        b.screenshot("lineage").await;

        // A parent in another model: the link crosses models, and checks out.
        b.open_fresh(&site.page("#/m/fraud-lite/v/1")).await;
        b.eventually_texts(PARENT_LINK, &["fraud-detector@2"]).await;
        assert_eq!(
            b.attrs(PARENT_LINK, "href").await,
            ["#/m/fraud-detector/v/2"]
        );
        b.click(PARENT_LINK).await;
        b.eventually_texts(TITLE, &["fraud-detector@2"]).await;
        b.eventually_texts(CHILD_LINKS, &[]).await;
        assert_eq!(b.count(".parent-problem").await, 0);
        // A cross-model child is not listed (finding it would mean reading every model).
        b.wait_for("#metrics tr[data-key=\"f1\"]").await;
        assert_eq!(b.count(CHILDREN).await, 0);
    });
}
