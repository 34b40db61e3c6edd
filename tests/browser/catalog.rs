//! The catalog (`#/`): rows, paging, search as you type, permalinks, sorting.

use serde_json::json;

use super::fixtures::{
    DEMAND, FRAUD, FRAUD_LITE, Site, VISION, lifecycle_registry, many_models, sample_registry,
};
use super::pages::catalog::{MATCH_COUNT, ROWS, SEARCH, SEARCH_ERRORS, SHOW_MORE};
use super::pages::expect_rows;
use crate::support::browser::with_browser;

#[test]
fn the_catalog_draws_a_page_of_rows_and_shows_more_on_demand() {
    let site = Site::start(many_models);
    with_browser("show-more", |b| async move {
        b.goto(&site.served.url).await;
        b.eventually("first page", 50, async || b.count(ROWS).await)
            .await;
        b.eventually_texts(
            MATCH_COUNT,
            &["60 of 60 models match; showing the first 50"],
        )
        .await;
        assert_eq!(b.texts(SHOW_MORE).await, ["Show 10 more"]);
        b.click(SHOW_MORE).await;
        b.eventually("all rows", 60, async || b.count(ROWS).await)
            .await;
        b.eventually_texts(MATCH_COUNT, &["60 of 60 models"]).await;
        assert_eq!(b.count(SHOW_MORE).await, 0);
        // A new search starts from one page again: 30 match, all drawn.
        let search = b.wait_for(SEARCH).await;
        search.send_keys("label:team=even").await.unwrap();
        b.eventually_texts(MATCH_COUNT, &["30 of 60 models"]).await;
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
        assert_eq!(b.texts(MATCH_COUNT).await, ["3 of 3 models"]);
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
        let search = b.wait_for(SEARCH).await;
        search.send_keys("f1>0.82 label:team=risk").await.unwrap();
        expect_rows(&b, &[FRAUD]).await;
        b.eventually_texts(MATCH_COUNT, &["1 of 3 models"]).await;
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
        b.eventually_texts(MATCH_COUNT, &["1 of 3 models"]).await;

        let query = "author:chen OR label:team=vision";
        search.clear().await.unwrap();
        search.send_keys(query).await.unwrap();
        expect_rows(&b, &[DEMAND, VISION]).await;
        b.eventually_texts(MATCH_COUNT, &["2 of 3 models"]).await;
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
        assert_eq!(b.texts(MATCH_COUNT).await, ["2 of 3 models"]);
        b.screenshot("permalink").await;

        // The label as the catalog shows it, typed back, is a label term.
        let search = b.wait_for(SEARCH).await;
        search.clear().await.unwrap();
        search.send_keys("team=risk").await.unwrap();
        expect_rows(&b, &[FRAUD]).await;
        b.eventually_texts(MATCH_COUNT, &["1 of 3 models"]).await;

        // A term that doesn't parse says what is wrong, and nothing is listed that was not
        // asked for.
        search.clear().await.unwrap();
        search.send_keys("owner:bob").await.unwrap();
        b.eventually_texts(
            SEARCH_ERRORS,
            &["owner:bob: unknown term owner: (known: alias:, status:, tag:, label:, author:, by:, name:, kind:, updated:, since:, before:)"],
        )
        .await;
        expect_rows(&b, &[]).await;
        b.eventually_texts(MATCH_COUNT, &["fix the search to see results"])
            .await;
        search.clear().await.unwrap();
        search.send_keys("f1>high").await.unwrap();
        b.eventually("search errors", 1, async || b.count(SEARCH_ERRORS).await)
            .await;
        expect_rows(&b, &[]).await;
        search.clear().await.unwrap();
        search.send_keys(" ").await.unwrap();
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

/// What release managers ask for (the UX review's F1): aliases, statuses and times are
/// search terms, a word finds an alias, and the syntax is on the page.
#[test]
fn search_finds_aliases_statuses_and_recent_updates() {
    let site = Site::start(lifecycle_registry);
    with_browser("search-lifecycle", |b| async move {
        b.goto(&site.served.url).await;
        expect_rows(&b, &[DEMAND, FRAUD, FRAUD_LITE, VISION]).await;
        let search = b.wait_for(SEARCH).await;
        for (query, rows) in [
            ("alias:production", &[FRAUD][..]),
            ("alias:staging", &[FRAUD][..]),
            ("-alias:production", &[DEMAND, FRAUD_LITE, VISION][..]),
            ("status:experimental", &[FRAUD][..]),
            ("status:draft", &[DEMAND, FRAUD_LITE, VISION][..]),
            ("production", &[FRAUD][..]),
            // Every model of the fixture was written just now.
            ("updated:<1d", &[DEMAND, FRAUD, FRAUD_LITE, VISION][..]),
            ("updated:>1d", &[][..]),
            ("since:2000-01-01 alias:production", &[FRAUD][..]),
        ] {
            search.clear().await.unwrap();
            search.send_keys(query).await.unwrap();
            expect_rows(&b, rows).await;
            assert_eq!(b.count(SEARCH_ERRORS).await, 0, "{query}");
        }
        // The syntax, on demand.
        assert_eq!(b.texts(".search-help summary").await, ["Search help"]);
        b.click(".search-help summary").await;
        let help = b.texts(".search-help code").await;
        assert!(help.iter().any(|t| t == "alias:production"), "{help:?}");
        assert!(help.iter().any(|t| t.contains("updated:<7d")), "{help:?}");
        b.screenshot("search-help").await;
    });
}
