//! The site as a whole: back and forward between pages, the page straight from a
//! bucket, and every page on a phone screen.

use serde_json::json;

use super::fixtures::{
    DEMAND, FRAUD, FRAUD_V2_DESCRIPTION, Site, VISION, fraud_weights, lifecycle_registry,
    sample_registry,
};
use super::pages::any::{AS_OF_BANNER, DESCRIPTION};
use super::pages::catalog::{ROWS, SEARCH};
use super::pages::model::{MODEL_NAME, TIMELINE, VERSION_ROWS};
use super::pages::version::{EVALUATIONS, TITLE};
use super::pages::{OVERFLOW, expect_rows};
use crate::support::browser::{allow_anonymous_get, preflight, with_browser};
use crate::support::{Backend, http, s3_endpoint};

#[test]
fn back_and_forward_move_between_pages() {
    let site = Site::start(sample_registry);
    with_browser("history", |b| async move {
        b.goto(&site.served.url).await;
        expect_rows(&b, &[DEMAND, FRAUD, VISION]).await;
        b.wait_for(SEARCH).await.send_keys("vision").await.unwrap();
        expect_rows(&b, &[VISION]).await;

        b.click(&format!("{ROWS}[data-model=\"{VISION}\"] td.name a"))
            .await;
        b.eventually_attrs(VERSION_ROWS, "data-version", &["1"])
            .await;
        assert_eq!(b.hash().await, "#/m/vision/defect-classifier");
        assert_eq!(b.texts(MODEL_NAME).await, [VISION]);
        b.screenshot("model").await;

        b.click(&format!("{VERSION_ROWS}[data-version=\"1\"] td.version a"))
            .await;
        b.eventually_texts(TITLE, &["vision/defect-classifier@1"])
            .await;
        b.wait_for("#metrics tr[data-key=\"accuracy\"]").await;
        assert_eq!(b.hash().await, "#/m/vision/defect-classifier/v/1");
        b.screenshot("version").await;

        b.client.back().await.unwrap();
        b.eventually_attrs(VERSION_ROWS, "data-version", &["1"])
            .await;
        assert_eq!(b.hash().await, "#/m/vision/defect-classifier");
        assert_eq!(b.count(TITLE).await, 0);

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
        b.eventually_texts(TITLE, &["vision/defect-classifier@1"])
            .await;
        b.wait_for("#metrics tr[data-key=\"accuracy\"]").await;
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
    // (moto checks no permissions, so that a listing is refused is shown on Azurite only.)
    the_page_works_from("bucket", &base, None);
}

#[test]
fn the_page_works_straight_from_azure_blob_storage() {
    preflight();
    // A container whose blobs anyone may GET (public access "blob": no listing), as the
    // README asks for hosting on Azure.
    let backend = crate::support::azure::public_backend();
    sample_registry(&backend);
    let Backend::Azure { container, prefix } = &backend else {
        unreachable!()
    };
    let base = format!(
        "{}/{}/{container}/{}/",
        crate::support::azure::endpoint(),
        crate::support::azure::ACCOUNT,
        prefix.replace(' ', "%20")
    );
    let listing = format!(
        "{}/{}/{container}?restype=container&comp=list",
        crate::support::azure::endpoint(),
        crate::support::azure::ACCOUNT
    );
    the_page_works_from("azure", &base, Some(&listing));
}

/// Browse the sample registry from the page at `base` (a bucket's or container's URL of
/// the registry's prefix, served by the store itself), where anonymous readers may not
/// list (`listing`, when given, is refused).
fn the_page_works_from(test: &'static str, base: &str, listing: Option<&str>) {
    if let Some(listing) = listing {
        let (status, _, _) = http("GET", listing);
        assert_eq!(status, 403, "anonymous GET {listing}");
    }
    // What `shelf site deploy` wrote comes back with its content type and `no-cache`.
    for (name, _) in shelf::site::files() {
        let (status, headers, _) = http("GET", &format!("{base}{name}"));
        assert_eq!(status, 200, "GET {base}{name}");
        let header = |key: &str| {
            headers
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.as_str())
        };
        assert_eq!(
            header("content-type"),
            Some(shelf::site::content_type(name)),
            "{name}"
        );
        assert_eq!(header("cache-control"), Some("no-cache"), "{name}");
    }
    let page = format!("{base}index.html");
    let (status, _, _) = http("GET", &page);
    assert_eq!(status, 200, "GET {page}");
    let base = base.to_string();
    with_browser(test, |b| async move {
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
        let description = b.wait_for(DESCRIPTION).await;
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
            ("model", "#/m/fraud-detector", TIMELINE),
            (
                "model-as-of",
                "#/m/fraud-detector?at=2100-01-01T00:00:00.000Z",
                AS_OF_BANNER,
            ),
            ("version", "#/m/fraud-detector/v/3", EVALUATIONS),
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
