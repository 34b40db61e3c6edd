//! References to versions: `model@7`, `model@latest`, `model@sha256:ab12…`, or a bare
//! `model` (the latest version).

use std::fmt;
use std::str::FromStr;

use crate::error::{ErrorKind, FormatError};
use crate::names::ModelName;

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
            Some(_) => {
                return Err(err(
                    "after `@` comes a version number, `latest` or `sha256:<prefix of the content id>`",
                ));
            }
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
        }
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
        ] {
            let err = bad.parse::<Reference>().unwrap_err();
            assert!(err.to_string().contains("invalid"), "{bad}: {err}");
        }
    }
}
