//! Page objects: the selectors of what each page of the web app draws, named once, so a
//! renamed element is changed here and not in every test. A selector used by one check
//! only stays in its test. Below them, checks that any page's test makes.

use serde_json::json;

use crate::support::browser::Browser;

/// The catalog (`#/`): one row per model, the search box and what it matched.
pub mod catalog {
    /// One row per model drawn, `data-model` naming it.
    pub const ROWS: &str = "#catalog tr.model-row";
    pub const SEARCH: &str = "#search";
    /// "N of M models", and what is drawn of them.
    pub const MATCH_COUNT: &str = "#match-count";
    pub const SHOW_MORE: &str = "#show-more";
    /// Terms of the search that did not parse.
    pub const SEARCH_ERRORS: &str = ".search-errors li";
}

/// A model's page (`#/m/<model>`): versions, chart, aliases, deployments, timeline.
pub mod model {
    pub const MODEL_NAME: &str = "h1.model-name";
    /// One row per version, `data-version` giving its number.
    pub const VERSION_ROWS: &str = "#versions tr.version-row";
    pub const METRIC_HEADERS: &str = "#versions th.metric-header";
    pub const SPLIT_GROUPS: &str = "#versions tr.split-groups th.split-group";
    pub const METRIC_POINTS: &str = "svg#metric-chart circle.point";
    pub const COMPARE_BUTTON: &str = "#compare-button";
    pub const ALIASES: &str = "#aliases li[data-alias]";
    pub const ALIAS_VERSIONS: &str = "#aliases li[data-alias] a.alias-version";
    pub const ALIAS_PERMALINKS: &str = "#aliases a.alias-permalink";
    pub const DEPLOYMENT_SHARES: &str = "#deployments tr.target-row td.shares";
    /// The audit trail: one item per log entry, `data-seq` and `data-type` on each.
    pub const TIMELINE: &str = "#timeline li.event";
}

/// A version's page (`#/m/<model>/v/<n>`): the manifest, artifacts, provenance, lineage.
pub mod version {
    /// `model@version`.
    pub const TITLE: &str = ".version-title";
    pub const STATUS_BADGE: &str = ".version-badges .badge.status";
    pub const ALIAS_BADGES: &str = ".version-badges .badge.alias";
    pub const CREATED: &str = "dl.facts dd.created";
    pub const PULL_COMMAND: &str = "code#pull-command";
    pub const PARENT_LINK: &str = "#parent-link";
    pub const CHILDREN: &str = "#children";
    pub const CHILD_LINKS: &str = "#children a.child";
    pub const EVALUATIONS: &str = "#evaluations tr.evaluation";
    pub const PACKAGES: &str = "#packages tr.package";
    pub const PACKAGES_ALL: &str = "#packages-all";
    pub const ENV_LOCK: &str = "#env-lock-file a.download";
    pub const RUN_COMMAND: &str = "#run-command";
    pub const RUN_URL: &str = "#run-url a";
    pub const CODE_REPOSITORY: &str = "#code-repository a";
    pub const CODE_DIRTY: &str = "#code-dirty";
    /// Versions of other models that used a dataset this version registered.
    pub const USED_BY: &str = "#used-by li.user";
    /// The link to the comparison with the version before.
    pub const COMPARE_PREVIOUS: &str = "#compare-previous";
}

/// The comparison (`#/compare/<model>/<a>,<b>…`).
pub mod compare {
    pub const PARAMS_CHANGED: &str = "#compare-params tr.changed";
    pub const PACKAGE_ROWS: &str = "#compare-packages tr[data-key]";
    pub const PROVENANCE_CHANGED: &str = "#compare-provenance tr.changed";
}

/// What any page may show: a description, the as-of banner of time travel, error cards.
pub mod any {
    pub const DESCRIPTION: &str = "p.description";
    pub const AS_OF_BANNER: &str = "#as-of-banner";
    /// The banner's link back to the present.
    pub const AS_OF_NOW: &str = "#as-of-now";
    pub const ERROR_CARDS: &str = ".error-card";
    pub const WARNING_CARDS: &str = ".error-card.warning";
    pub const FAILURE_CARDS: &str = ".error-card:not(.warning)";
}

// ---- Checks on any page ---------------------------------------------------------------

/// Wait for the catalog to list exactly `models`, in this order.
pub async fn expect_rows(b: &Browser, models: &[&str]) {
    let expected: Vec<String> = models.iter().map(|m| m.to_string()).collect();
    b.eventually("catalog rows", expected, async || {
        b.attrs(catalog::ROWS, "data-model").await
    })
    .await;
}

/// Whether a script from the registry's text ran (it sets `window.__pwned`).
pub async fn is_pwned(b: &Browser) -> bool {
    b.eval("return window.__pwned === undefined").await != json!(true)
}

// What sticks out past the right edge (outside a scrolling box), for the message.
pub const OVERFLOW: &str = r#"
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

/// Whether the page fits a phone screen, else what sticks out.
pub async fn fits_a_phone(b: &Browser, name: &str) {
    let report = b.eval(OVERFLOW).await;
    assert_eq!(
        report["fits"],
        json!(true),
        "{name} is wider than a 390 px phone screen: {report}"
    );
}
