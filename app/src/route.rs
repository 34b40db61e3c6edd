//! Hash routes: every page has a permalink that works on a bucket (which can't rewrite
//! paths). Pure functions, tested natively.
//!
//! ```text
//! #/                         catalog          #/?q=f1%3E0.8   catalog with a search
//! #/m/<model>                model            #/m/<model>/v/<n>   version
//! #/compare/<model>/<n>,<n>[,<n>[,<n>]]       compare 2 to 4 versions
//! ```

use shelf_format::ModelName;

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
    },
    Version {
        model: ModelName,
        version: u64,
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

impl Route {
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
            let rest = rest.trim_end_matches('/');
            if let Some((model, version)) = rest.rsplit_once("/v/") {
                return match (ModelName::new(decode(model)), version_number(version)) {
                    (Ok(model), Some(version)) => Route::Version { model, version },
                    _ => not_found(),
                };
            }
            return match ModelName::new(decode(rest)) {
                Ok(model) => Route::Model { model },
                Err(_) => not_found(),
            };
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
            Route::Model { model } => format!("#/m/{model}"),
            Route::Version { model, version } => format!("#/m/{model}/v/{version}"),
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
    fn bad_routes_are_not_found() {
        for hash in [
            "#/x",
            "#/m/Bad Name",
            "#/m/a/v/0",
            "#/m/a/v/x",
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
