//! The fraud example (examples/fraud, trained with scikit-learn): data splits,
//! provenance, datasets, and the versions that used them.

use shelf_format::Digest;

use super::fixtures::{Site, ml_python, output_of, repo_root};
use super::pages::catalog::{MATCH_COUNT, ROWS, SEARCH};
use super::pages::compare::{PACKAGE_ROWS, PARAMS_CHANGED, PROVENANCE_CHANGED};
use super::pages::model::{METRIC_HEADERS, SPLIT_GROUPS};
use super::pages::version::{PACKAGES, PACKAGES_ALL, RUN_COMMAND, TITLE, USED_BY};
use super::pages::{expect_rows, fits_a_phone};
use crate::support::browser::with_browser;
use crate::support::{assert_code, run};

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
        let all = b.count(PACKAGES).await;
        assert!(all > 5, "{all} packages");
        b.wait_for("#package-filter")
            .await
            .send_keys("SCIKIT")
            .await
            .unwrap();
        b.eventually_attrs(PACKAGES, "data-package", &["scikit-learn"])
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
            b.texts(RUN_COMMAND).await
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
        b.eventually_texts(TITLE, &["fraud-transactions@1"]).await;
        assert_eq!(b.hash().await, "#/m/fraud-transactions/v/1");
        b.wait_for(".version-badges .badge.kind-dataset").await;
        b.eventually_attrs(USED_BY, "data-version", &["1", "2"])
            .await;
        assert_eq!(
            b.texts(USED_BY).await,
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
            b.attrs(PARAMS_CHANGED, "data-key").await,
            ["model.class_weight", "model.n_estimators"]
        );
        let changed = b.attrs(PROVENANCE_CHANGED, "data-key").await;
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
        assert_eq!(b.count(PACKAGE_ROWS).await, 0);
        b.click(PACKAGES_ALL).await;
        b.eventually("all packages", all, async || b.count(PACKAGE_ROWS).await)
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
        b.eventually_texts(SPLIT_GROUPS, &["train", "validation", "test"])
            .await;
        assert_eq!(
            b.texts(METRIC_HEADERS).await[..4],
            ["auc", "f1", "precision", "recall"]
        );
        assert_eq!(
            b.attrs(METRIC_HEADERS, "data-metric").await[..5],
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
        let search = b.wait_for(SEARCH).await;
        search.send_keys("kind:dataset").await.unwrap();
        expect_rows(&b, &["fraud-transactions"]).await;
        b.eventually_texts(MATCH_COUNT, &["1 of 2 models"]).await;
        search.clear().await.unwrap();
        search.send_keys("kind:model").await.unwrap();
        expect_rows(&b, &["fraud-detector"]).await;
        b.screenshot("catalog").await;
    });
}
