//! What the pages do with hostile text (shown literally, never run) and with damaged
//! registries (an error card, and the rest of the page).

use serde_json::json;
use shelf_format::{Digest, Event, Key, keys};

use super::fixtures::{
    DEMAND, FRAUD, HOSTILE, HOSTILE_LABEL, HOSTILE_PARAM, Site, VISION, at, metrics, push, record,
    sample_registry,
};
use super::pages::any::{DESCRIPTION, ERROR_CARDS, FAILURE_CARDS, WARNING_CARDS};
use super::pages::catalog::{ROWS, SEARCH, SEARCH_ERRORS};
use super::pages::model::{METRIC_POINTS, VERSION_ROWS};
use super::pages::{expect_rows, is_pwned};
use crate::support::browser::with_browser;
use crate::support::{assert_code, bytes, json, run, write_file};

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
        let search = b.wait_for(SEARCH).await;
        search.send_keys(&format!("f1>{HOSTILE}")).await.unwrap();
        b.eventually("search errors", true, async || {
            b.count(SEARCH_ERRORS).await > 0
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
        let description = b.wait_for(DESCRIPTION).await;
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
        let warnings = b.texts(WARNING_CARDS).await;
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(
            warnings[0].contains("models/fraud-detector/_index.json"),
            "{warnings:?}"
        );
        assert_eq!(b.count(METRIC_POINTS).await, 3);
        b.screenshot("junk-index").await;

        b.open_fresh(&site.page("#/m/fraud-detector/v/3")).await;
        b.eventually_texts("#metrics tr[data-key=\"f1\"] .value", &["0.834"])
            .await;
        assert!(b.texts(WARNING_CARDS).await[0].contains("models/fraud-detector/_index.json"));

        b.open_fresh(&site.page("#/m/demand-forecaster")).await;
        b.eventually_attrs(VERSION_ROWS, "data-version", &["1"])
            .await;
        let warnings = b.texts(WARNING_CARDS).await;
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
        assert_eq!(b.count(METRIC_POINTS).await, 1);
        b.screenshot("truncated-log").await;

        // The catalog (a separate document) still lists both.
        b.open_fresh(&site.page("#/")).await;
        expect_rows(&b, &[DEMAND, FRAUD, VISION]).await;

        b.open_fresh(&site.page("#/m/nope")).await;
        let card = b.wait_for(ERROR_CARDS).await;
        let text = card.text().await.unwrap();
        assert!(text.contains("nope"), "{text}");
        assert!(
            text.contains("models/nope/_log/00000000000000000001.json"),
            "{text}"
        );
        assert_eq!(b.count(VERSION_ROWS).await, 0);
        b.screenshot("no-such-model").await;

        b.open_fresh(&site.page("#/m/fraud-detector/v/9")).await;
        let card = b.wait_for(FAILURE_CARDS).await;
        let text = card.text().await.unwrap();
        assert!(text.contains("no version 9"), "{text}");

        b.open_fresh(&site.page("#/nowhere")).await;
        let card = b.wait_for(ERROR_CARDS).await;
        let text = card.text().await.unwrap();
        assert!(text.contains("#/nowhere"), "{text}");
    });
}

/// The page reads through the same read protocol as the CLI (`shelf_format::read`): an
/// index whose head does not hash to the log's entry is refused, and a catalog hint that
/// names a generation that does not exist does not hide the catalog (spec §7.2, §7.3).
#[test]
fn the_page_refuses_a_forged_index_and_finds_the_catalog_past_a_bad_hint() {
    let site = Site::start(sample_registry);
    let index_path = site.root().join("models/fraud-detector/_index.json");
    let mut forged: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&index_path).unwrap()).unwrap();
    // The forger keeps v1 only, calls it a hotfix, and claims entry 3 with a made-up digest.
    forged["versions"].as_array_mut().unwrap().truncate(1);
    forged["versions"][0]["description"] = json!("forged hotfix");
    forged["head"]["digest"] = json!(Digest::of(b"not entry 3").to_string());
    std::fs::write(&index_path, serde_json::to_vec(&forged).unwrap()).unwrap();
    // The hint names generation 99; the newest written is far below it.
    std::fs::write(
        site.root().join(keys::CATALOG_HEAD),
        br#"{"format":1,"kind":"catalog-head","generation":99}"#,
    )
    .unwrap();

    // The CLI refuses the same index: it replays the log.
    let out = run(site.backend.shelf().args(["versions", FRAUD, "--json"]));
    assert_code(&out, 0);
    let doc = json(&out);
    assert_eq!(doc["versions"].as_array().unwrap().len(), 3, "{doc}");

    with_browser("forged-index", |b| async move {
        b.goto(&site.page("#/m/fraud-detector")).await;
        b.eventually_attrs(VERSION_ROWS, "data-version", &["3", "2", "1"])
            .await;
        let body = b.body_text().await;
        assert!(!body.contains("forged hotfix"), "{body}");
        let warnings = b.texts(".error-card.warning").await;
        assert!(
            warnings.iter().any(|w| w
                .contains("models/fraud-detector/_index.json: its head (entry 3")
                && w.contains("reading the log instead")),
            "{warnings:?}"
        );
        b.screenshot("forged-index").await;

        b.open_fresh(&site.page("#/")).await;
        expect_rows(&b, &[DEMAND, FRAUD, VISION]).await;
        b.screenshot("catalog-past-bad-hint").await;
    });
}
