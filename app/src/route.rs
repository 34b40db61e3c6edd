//! Hash routes: every page has a permalink that works on a bucket (which can't rewrite
//! paths). Pure functions, tested natively.
//!
//! ```text
//! #/                         catalog          #/?q=f1%3E0.8   catalog with a search
//! #/m/<model>                model            #/m/<model>?at=<time>   the model as of a time
//! #/m/<model>/v/<n>          version          #/m/<model>@<alias>     the version an alias
//!                                             (or `latest`, `sha256:<prefix>`) selects;
//!                                             `#/m/<model>/v/<alias>` works too
//! #/compare/<model>/<n>,<n>[,<n>[,<n>]]       compare 2 to 4 versions
//! ```
//!
//! A model name has at most one `/`, so `<model>/v/<selector>` is never a model name.

use shelf_format::{ModelName, Reference, Selector, Timestamp};

/// The most versions the compare page shows side by side.
pub const MAX_COMPARE: usize = 4;

/// A page of the app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    Catalog {
        query: String,
    },
    Model {
        model: ModelName,
        /// Show the model as of this time (replayed from its log) instead of now.
        at: Option<Timestamp>,
    },
    Version {
        model: ModelName,
        version: u64,
    },
    /// A version selected by an alias, `latest` or a content id prefix, resolved through
    /// the model's state when the page loads. Never a version number (that is `Version`).
    Ref {
        reference: Reference,
    },
    Compare {
        model: ModelName,
        versions: Vec<u64>,
    },
    NotFound {
        hash: String,
    },
}

fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                let hex = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
                match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                    (Some(h), Some(l)) => {
                        out.push(h * 16 + l);
                        i += 3;
                    }
                    _ => {
                        out.push(b'%');
                        i += 1;
                    }
                }
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z'
            | b'a'..=b'z'
            | b'0'..=b'9'
            | b'-'
            | b'_'
            | b'.'
            | b'~'
            | b':'
            | b'='
            | b'/' => out.push(b as char),
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

fn version_number(s: &str) -> Option<u64> {
    (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
        .then(|| s.parse().ok())
        .flatten()
        .filter(|n| *n > 0)
}

/// The route of `<model>@<selector>` (both still percent-encoded), if both are valid.
fn version_route(model: &str, selector: &str) -> Option<Route> {
    let selector = decode(selector);
    // `Reference` accepts a bare model; here a selector is required.
    if selector.is_empty() {
        return None;
    }
    let reference: Reference = format!("{}@{selector}", decode(model)).parse().ok()?;
    Some(match reference.selector {
        Selector::Version(version) => Route::Version {
            model: reference.model,
            version,
        },
        _ => Route::Ref { reference },
    })
}

/// The model route of `<model>[?at=<time>]`; an `at` that is not a timestamp is no route.
fn model_route(model: &str, query: &str) -> Option<Route> {
    let model = ModelName::new(decode(model)).ok()?;
    let at = match query.split('&').find_map(|kv| kv.strip_prefix("at=")) {
        Some(t) => Some(decode(t).parse::<Timestamp>().ok()?),
        None => None,
    };
    Some(Route::Model { model, at })
}

impl Route {
    /// The model page, now.
    pub fn model(model: ModelName) -> Route {
        Route::Model { model, at: None }
    }

    /// Parse `location.hash` (with or without the leading `#`).
    pub fn parse(hash: &str) -> Route {
        let raw = hash.trim_start_matches('#');
        let not_found = || Route::NotFound {
            hash: raw.to_string(),
        };
        let path = raw.trim_start_matches('/');
        if path.is_empty() || path.starts_with('?') {
            let query = path
                .trim_start_matches('?')
                .split('&')
                .find_map(|kv| kv.strip_prefix("q="))
                .map(decode)
                .unwrap_or_default();
            return Route::Catalog { query };
        }
        if let Some(rest) = path.strip_prefix("m/") {
            let (rest, query) = rest.split_once('?').unwrap_or((rest, ""));
            let rest = rest.trim_end_matches('/');
            let route = if let Some((model, selector)) = rest.rsplit_once("/v/") {
                version_route(model, selector)
            } else if let Some((model, selector)) = rest.split_once('@') {
                version_route(model, selector)
            } else {
                model_route(rest, query)
            };
            return route.unwrap_or_else(not_found);
        }
        if let Some(rest) = path.strip_prefix("compare/") {
            let Some((model, list)) = rest.trim_end_matches('/').rsplit_once('/') else {
                return not_found();
            };
            let versions: Option<Vec<u64>> = list.split(',').map(version_number).collect();
            return match (ModelName::new(decode(model)), versions) {
                (Ok(model), Some(versions)) if (1..=MAX_COMPARE).contains(&versions.len()) => {
                    Route::Compare { model, versions }
                }
                _ => not_found(),
            };
        }
        not_found()
    }

    /// The hash of this route, starting with `#`.
    pub fn href(&self) -> String {
        match self {
            Route::Catalog { query } if query.is_empty() => "#/".to_string(),
            Route::Catalog { query } => format!("#/?q={}", encode(query)),
            Route::Model { model, at: None } => format!("#/m/{model}"),
            Route::Model {
                model,
                at: Some(at),
            } => format!("#/m/{model}?at={}", encode(&at.to_string())),
            Route::Version { model, version } => format!("#/m/{model}/v/{version}"),
            Route::Ref { reference } => format!("#/m/{reference}"),
            Route::Compare { model, versions } => {
                let list: Vec<String> = versions.iter().map(u64::to_string).collect();
                format!("#/compare/{model}/{}", list.join(","))
            }
            Route::NotFound { hash } => format!("#{hash}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(s: &str) -> ModelName {
        ModelName::new(s).unwrap()
    }

    fn t(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn r(s: &str) -> Reference {
        s.parse().unwrap()
    }

    #[test]
    fn parses_and_round_trips() {
        let cases = [
            (
                "#/",
                Route::Catalog {
                    query: String::new(),
                },
            ),
            (
                "#/?q=f1%3E0.8+label:team=fraud",
                Route::Catalog {
                    query: "f1>0.8 label:team=fraud".into(),
                },
            ),
            (
                "#/m/fraud-detector",
                Route::Model {
                    model: m("fraud-detector"),
                    at: None,
                },
            ),
            (
                "#/m/team/fraud?at=2026-11-28T10:00:00.123Z",
                Route::Model {
                    model: m("team/fraud"),
                    at: Some(t("2026-11-28T10:00:00.123Z")),
                },
            ),
            (
                "#/m/fraud-detector@production",
                Route::Ref {
                    reference: r("fraud-detector@production"),
                },
            ),
            (
                "#/m/team/fraud@latest",
                Route::Ref {
                    reference: r("team/fraud@latest"),
                },
            ),
            (
                "#/m/team/fraud@sha256:abc123",
                Route::Ref {
                    reference: r("team/fraud@sha256:abc123"),
                },
            ),
            (
                "#/m/team/fraud/v/7",
                Route::Version {
                    model: m("team/fraud"),
                    version: 7,
                },
            ),
            (
                "#/m/team/v/v/3",
                Route::Version {
                    model: m("team/v"),
                    version: 3,
                },
            ),
            (
                "#/compare/fraud-detector/6,7",
                Route::Compare {
                    model: m("fraud-detector"),
                    versions: vec![6, 7],
                },
            ),
            (
                "#/compare/team/fraud/1,2,3,4",
                Route::Compare {
                    model: m("team/fraud"),
                    versions: vec![1, 2, 3, 4],
                },
            ),
        ];
        for (hash, route) in cases {
            assert_eq!(Route::parse(hash), route, "{hash}");
            assert_eq!(Route::parse(&route.href()), route, "{}", route.href());
        }
        assert_eq!(
            Route::parse(""),
            Route::Catalog {
                query: String::new()
            }
        );
        assert_eq!(
            Route::parse("#"),
            Route::Catalog {
                query: String::new()
            }
        );
        assert_eq!(
            Route::parse("#/?q=%E2%82%AC%2"),
            Route::Catalog {
                query: "€%2".into()
            }
        );
        assert_eq!(
            Route::parse("#/?q=%é"),
            Route::Catalog {
                query: "%é".into()
            }
        );
    }

    #[test]
    fn aliases_and_times_in_other_spellings() {
        // `/v/<alias>` is the same page as `@<alias>`; `@<n>` is the version page.
        assert_eq!(
            Route::parse("#/m/team/fraud/v/production"),
            Route::Ref {
                reference: r("team/fraud@production")
            }
        );
        assert_eq!(
            Route::parse("#/m/team/v/v/champion"),
            Route::Ref {
                reference: r("team/v@champion")
            }
        );
        assert_eq!(
            Route::parse("#/m/fraud@7"),
            Route::Version {
                model: m("fraud"),
                version: 7
            }
        );
        // A time with an offset or without milliseconds, percent-encoded or not, is the
        // same instant; the permalink always writes UTC with milliseconds.
        let route = Route::parse("#/m/fraud?at=2026-11-28T11%3A00%3A00%2B01%3A00");
        assert_eq!(
            route,
            Route::Model {
                model: m("fraud"),
                at: Some(t("2026-11-28T10:00:00.000Z")),
            }
        );
        assert_eq!(route.href(), "#/m/fraud?at=2026-11-28T10:00:00.000Z");
        assert_eq!(
            Route::parse("#/m/fraud/?x=1&at=2026-11-28T10:00:00Z"),
            Route::Model {
                model: m("fraud"),
                at: Some(t("2026-11-28T10:00:00Z")),
            }
        );
        assert_eq!(Route::parse("#/m/fraud?"), Route::model(m("fraud")));
    }

    #[test]
    fn bad_routes_are_not_found() {
        for hash in [
            "#/x",
            "#/m/Bad Name",
            "#/m/a/v/0",
            "#/m/a/v/X",
            "#/m/a@",
            "#/m/a@0",
            "#/m/a@sha256:ab",
            "#/m/a@b@c",
            "#/m/a/b/c",
            "#/m/a?at=yesterday",
            "#/m/a?at=",
            "#/compare/a/1,2,3,4,5",
            "#/compare/a/",
            "#/compare/a/1,,2",
        ] {
            assert!(
                matches!(Route::parse(hash), Route::NotFound { .. }),
                "{hash}"
            );
        }
    }
}
