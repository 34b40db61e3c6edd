//! Lifecycle on the pages: badges, the audit trail, deployments, and time travel
//! (`?at=`) showing the state of then.

use serde_json::json;
use shelf_format::{ModelName, Timestamp};

use super::fixtures::{
    DEMAND, FRAUD, FRAUD_LITE, REFUSED_REASON, Site, VISION, lifecycle_registry,
};
use super::pages::any::{AS_OF_BANNER, AS_OF_NOW, FAILURE_CARDS};
use super::pages::catalog::ROWS;
use super::pages::expect_rows;
use super::pages::model::{
    ALIAS_PERMALINKS, ALIAS_VERSIONS, ALIASES, DEPLOYMENT_SHARES, TIMELINE, VERSION_ROWS,
};
use super::pages::version::{PULL_COMMAND, TITLE};
use crate::support::block_on;
use crate::support::browser::with_browser;

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
        b.eventually("timeline entries", 19, async || b.count(TIMELINE).await)
            .await;
        let seqs: Vec<String> = (1..=19).rev().map(|n| n.to_string()).collect();
        assert_eq!(b.attrs(TIMELINE, "data-seq").await, seqs);
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
        assert_eq!(b.texts(ALIAS_VERSIONS).await, ["v3", "v3"]);
        assert_eq!(
            b.attrs(ALIAS_PERMALINKS, "href").await,
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
            b.texts(DEPLOYMENT_SHARES).await,
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
            assert_eq!(b.texts(TITLE).await, ["fraud-detector@production"]);
            let resolved = b.texts("#resolved").await;
            assert!(
                resolved.len() == 1
                    && resolved[0].starts_with("production → v3")
                    && resolved[0].contains("release-bot"),
                "{hash}: {resolved:?}"
            );
            assert_eq!(
                b.texts(PULL_COMMAND).await,
                ["shelf pull fraud-detector@3 -o fraud-detector-v3"]
            );
        }
        b.screenshot("alias-permalink").await;
        b.open_fresh(&site.page("#/m/fraud-detector@latest")).await;
        b.eventually_texts("#resolved a", &["v4"]).await;
        b.open_fresh(&site.page("#/m/fraud-detector@canary")).await;
        let card = b.wait_for(FAILURE_CARDS).await;
        let text = card.text().await.unwrap();
        assert!(
            text.contains("fraud-detector has no alias canary (its aliases: production, staging)"),
            "{text}"
        );
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
        assert_eq!(b.count(AS_OF_BANNER).await, 0);
        assert_eq!(b.attrs(AS_OF_NOW, "class").await, ["button disabled"]);
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
        b.wait_for(AS_OF_BANNER).await;
        let banner = b.texts(AS_OF_BANNER).await;
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
        assert_eq!(b.texts(ALIAS_VERSIONS).await, ["v2"]);
        assert_eq!(b.attrs(ALIASES, "data-alias").await, ["production"]);
        assert_eq!(b.count(ALIAS_PERMALINKS).await, 0);
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
        assert_eq!(b.texts(DEPLOYMENT_SHARES).await, ["v2 100%"]);
        assert_eq!(
            b.attrs(TIMELINE, "data-seq").await,
            ["6", "5", "4", "3", "2", "1"]
        );
        assert_eq!(
            b.eval("return document.querySelector('#as-of').value")
                .await,
            json!(input_value(early))
        );
        assert_eq!(b.attrs(AS_OF_NOW, "class").await, ["button"]);
        b.screenshot("early").await;

        // A permalink to a later time: staging set on v3, production still on v2.
        b.open_fresh(&site.page(&format!("#/m/fraud-detector?at={later}")))
            .await;
        b.wait_for(AS_OF_BANNER).await;
        b.eventually_attrs(ALIASES, "data-alias", &["production", "staging"])
            .await;
        assert_eq!(b.texts(ALIAS_VERSIONS).await, ["v2", "v3"]);
        assert_eq!(
            b.texts(&format!("{VERSION_ROWS} td.status")).await,
            ["validated", "validated", "draft"]
        );
        assert_eq!(b.count(TIMELINE).await, 9);

        // "as of then" on an event of the timeline: the state right after entry 5.
        b.click("#timeline li.event[data-seq=\"5\"] a.as-of-link")
            .await;
        b.eventually(
            "hash of the event's time",
            format!("#/m/fraud-detector?at={}", time(5)),
            async || b.hash().await,
        )
        .await;
        b.eventually_attrs(TIMELINE, "data-seq", &["5", "4", "3", "2", "1"])
            .await;
        assert_eq!(b.count("#deployments").await, 0);

        // Back to now.
        b.click(AS_OF_NOW).await;
        b.eventually(
            "hash after now",
            "#/m/fraud-detector".to_string(),
            async || b.hash().await,
        )
        .await;
        b.eventually_attrs(VERSION_ROWS, "data-version", &["4", "3", "2", "1"])
            .await;
        assert_eq!(b.count(AS_OF_BANNER).await, 0);
        assert_eq!(b.texts(ALIAS_VERSIONS).await, ["v3", "v3"]);

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
