//! References to versions: `model@7`, `model@latest`, `model@production` (an alias),
//! `model@sha256:ab12…`, or a bare `model` (the latest version); and [`VersionRef`], the
//! one pinned form `model@7` that documents and output write when they name a version.

use std::fmt;
use std::str::FromStr;

use crate::error::{ErrorKind, FormatError};
use crate::names::{AliasName, ModelName};

/// Shortest content-id prefix accepted in a reference, in hex digits.
pub const MIN_CONTENT_ID_PREFIX: usize = 6;

/// Which version of a model a reference selects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selector {
    /// `@7`
    Version(u64),
    /// `@latest`, or no `@` at all.
    Latest,
    /// `@sha256:<hex prefix>`: the version whose content id starts with the prefix.
    ContentId(String),
    /// `@production`: the version the alias points to (in the replayed state).
    Alias(AliasName),
}

/// A parsed reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    pub model: ModelName,
    pub selector: Selector,
}

impl FromStr for Reference {
    type Err = FormatError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = |rule: &'static str| {
            FormatError::new(ErrorKind::Reference {
                value: s.to_string(),
                rule,
            })
        };
        let (model, selector) = match s.split_once('@') {
            None => (s, None),
            Some((m, sel)) => (m, Some(sel)),
        };
        let model = ModelName::new(model)?;
        let selector = match selector {
            None | Some("latest") => Selector::Latest,
            Some(sel) if sel.starts_with("sha256:") => {
                let prefix = &sel["sha256:".len()..];
                if prefix.len() < MIN_CONTENT_ID_PREFIX
                    || prefix.len() > 64
                    || !prefix
                        .bytes()
                        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
                {
                    return Err(err(
                        "a content id reference is `sha256:` followed by 6 to 64 lowercase hex digits",
                    ));
                }
                Selector::ContentId(prefix.to_string())
            }
            Some(sel) if !sel.is_empty() && sel.bytes().all(|b| b.is_ascii_digit()) => {
                match sel.parse::<u64>() {
                    Ok(0) => return Err(err("version numbers start at 1")),
                    Err(_) => return Err(err("the version number is too large")),
                    Ok(n) => Selector::Version(n),
                }
            }
            Some(sel) => match AliasName::new(sel) {
                Ok(alias) => Selector::Alias(alias),
                Err(_) => {
                    return Err(err(
                        "after `@` comes a version number, `latest`, `sha256:<prefix of the content id>` or an alias (lowercase a-z, 0-9, `.`, `_`, `-`, starting with a letter)",
                    ));
                }
            },
        };
        Ok(Reference { model, selector })
    }
}

impl fmt::Display for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.selector {
            Selector::Version(n) => write!(f, "{}@{n}", self.model),
            Selector::Latest => write!(f, "{}@latest", self.model),
            Selector::ContentId(p) => write!(f, "{}@sha256:{p}", self.model),
            Selector::Alias(a) => write!(f, "{}@{a}", self.model),
        }
    }
}

/// One version of one model, written `model@7`: how documents (the catalog's `uses`) and
/// output name a version. Parsing accepts only a version number after the `@`; use
/// [`Reference`] for what a user types.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct VersionRef {
    pub model: ModelName,
    pub version: u64,
}

impl VersionRef {
    pub fn new(model: ModelName, version: u64) -> Self {
        VersionRef { model, version }
    }
}

impl fmt::Display for VersionRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}@{}", self.model, self.version)
    }
}

impl FromStr for VersionRef {
    type Err = FormatError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.parse::<Reference>()? {
            Reference {
                model,
                selector: Selector::Version(version),
            } => Ok(VersionRef { model, version }),
            _ => Err(FormatError::new(ErrorKind::Reference {
                value: s.to_string(),
                rule: "a version reference is `model@N`, with N a version number",
            })),
        }
    }
}

impl From<VersionRef> for Reference {
    fn from(r: VersionRef) -> Self {
        Reference {
            model: r.model,
            selector: Selector::Version(r.version),
        }
    }
}

impl serde::Serialize for VersionRef {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for VersionRef {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses() {
        let r: Reference = "team/fraud@7".parse().unwrap();
        assert_eq!(r.model.as_str(), "team/fraud");
        assert_eq!(r.selector, Selector::Version(7));
        assert_eq!(
            "fraud".parse::<Reference>().unwrap().selector,
            Selector::Latest
        );
        assert_eq!(
            "fraud@latest".parse::<Reference>().unwrap().selector,
            Selector::Latest
        );
        assert_eq!(
            "fraud@sha256:abcdef12"
                .parse::<Reference>()
                .unwrap()
                .selector,
            Selector::ContentId("abcdef12".into())
        );
        assert_eq!(
            "fraud@7".parse::<Reference>().unwrap().to_string(),
            "fraud@7"
        );
    }

    #[test]
    fn aliases() {
        let r: Reference = "team/fraud@production".parse().unwrap();
        assert_eq!(r.model.as_str(), "team/fraud");
        assert_eq!(
            r.selector,
            Selector::Alias(AliasName::new("production").unwrap())
        );
        assert_eq!(r.to_string(), "team/fraud@production");
        for ok in [
            "fraud@staging",
            "fraud@champion-eu",
            "fraud@v2",
            "fraud@latest-good",
        ] {
            let r: Reference = ok.parse().unwrap();
            assert!(matches!(r.selector, Selector::Alias(_)), "{ok}");
            assert_eq!(r.to_string(), ok);
        }
        // The other selectors keep their meaning: never an alias.
        assert_eq!(
            "fraud@latest".parse::<Reference>().unwrap().selector,
            Selector::Latest
        );
        assert_eq!(
            "fraud@007".parse::<Reference>().unwrap().selector,
            Selector::Version(7)
        );
        assert!(matches!(
            "fraud@sha256:abcdef".parse::<Reference>().unwrap().selector,
            Selector::ContentId(_)
        ));
        let err = "fraud@prod uction".parse::<Reference>().unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid reference \"fraud@prod uction\": after `@` comes a version number, `latest`, `sha256:<prefix of the content id>` or an alias (lowercase a-z, 0-9, `.`, `_`, `-`, starting with a letter)"
        );
    }

    #[test]
    fn rejects() {
        for bad in [
            "fraud@0",
            "fraud@",
            "fraud@-1",
            "fraud@sha256:ab",
            "fraud@sha256:XYZXYZ",
            "Fraud@1",
            "fraud@1@2",
            "fraud@99999999999999999999999",
            "fraud@prod uction",
            "fraud@Production",
            "fraud@prod/eu",
            "fraud@sha256abcdef",
            "fraud@sha256",
            "fraud@7a",
            "fraud@_prod",
            "fraud@prod.",
        ] {
            let err = bad.parse::<Reference>().unwrap_err();
            let msg = err.to_string();
            assert!(
                msg.starts_with(&format!("invalid reference {bad:?}: "))
                    || msg.starts_with("invalid model name"),
                "{bad}: {err}"
            );
        }
    }

    #[test]
    fn version_refs_are_model_at_a_number() {
        let r: VersionRef = "team/fraud@7".parse().unwrap();
        assert_eq!((r.model.as_str(), r.version), ("team/fraud", 7));
        assert_eq!(r.to_string(), "team/fraud@7");
        assert_eq!(serde_json::to_string(&r).unwrap(), "\"team/fraud@7\"");
        assert_eq!(
            serde_json::from_str::<VersionRef>("\"team/fraud@7\"").unwrap(),
            r
        );
        for bad in [
            "fraud",
            "fraud@latest",
            "fraud@production",
            "fraud@0",
            "Fraud@1",
        ] {
            let e = bad.parse::<VersionRef>().unwrap_err().to_string();
            // The message names the whole value, or the part of it that breaks a rule.
            assert!(e.contains(bad.split('@').next().unwrap()), "{bad}: {e}");
        }
        assert!(serde_json::from_str::<VersionRef>("\"fraud@staging\"").is_err());
    }
}
