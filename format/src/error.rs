//! The error of the format crate: one opaque type whose message names the offending value
//! and the rule it broke.

use std::fmt;

/// An invalid name, reference, key, value or document.
///
/// The message always names the value that was rejected and the rule it broke, so it can
/// be shown to a user as it is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind}")]
pub struct FormatError {
    kind: ErrorKind,
}

/// What kind of value was rejected. Matchable, so callers can branch on it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// A model name that breaks the naming rule.
    ModelName { value: String, rule: &'static str },
    /// An artifact path that breaks the path rule.
    ArtifactPath { value: String, rule: &'static str },
    /// A metric, param or label key that breaks the key rule.
    Key { value: String, rule: &'static str },
    /// An alias name (`production`) that breaks the alias rule.
    AliasName { value: String, rule: &'static str },
    /// A deployment target name (`eu-prod`) that breaks the target rule.
    TargetName { value: String, rule: &'static str },
    /// A value (metric, label, description, actor) that breaks its rule.
    Value {
        what: &'static str,
        value: String,
        rule: String,
    },
    /// A recorded text (a description, an actor, a reason, a label value…) that breaks its
    /// rule (§3.4); `field` says where it goes (`labels.team`, `run.command`…).
    Text {
        field: String,
        value: String,
        rule: String,
    },
    /// A reference (`model@7`, `model@latest`, `model@production`, `model@sha256:ab12`)
    /// that does not parse.
    Reference { value: String, rule: &'static str },
    /// A digest that is not `sha256:` followed by 64 lowercase hex digits.
    Digest { value: String },
    /// A timestamp that is not RFC 3339.
    Timestamp { value: String },
    /// A document that is not valid JSON of the expected shape.
    Document { what: String, detail: String },
    /// A document written by a newer, incompatible version of the format.
    UnsupportedFormat {
        what: String,
        found: u32,
        supported: u32,
    },
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ErrorKind::ModelName { value, rule } => {
                write!(f, "invalid model name {value:?}: {rule}")
            }
            ErrorKind::ArtifactPath { value, rule } => {
                write!(f, "invalid artifact path {value:?}: {rule}")
            }
            ErrorKind::Key { value, rule } => write!(f, "invalid key {value:?}: {rule}"),
            ErrorKind::AliasName { value, rule } => {
                write!(f, "invalid alias name {value:?}: {rule}")
            }
            ErrorKind::TargetName { value, rule } => {
                write!(f, "invalid target name {value:?}: {rule}")
            }
            ErrorKind::Value { what, value, rule } => {
                write!(f, "invalid {what} {value:?}: {rule}")
            }
            ErrorKind::Text { field, value, rule } => {
                write!(f, "invalid {field} {:?}: {rule}", shorten(value))
            }
            ErrorKind::Reference { value, rule } => {
                write!(f, "invalid reference {value:?}: {rule}")
            }
            ErrorKind::Digest { value } => write!(
                f,
                "invalid digest {value:?}: expected \"sha256:\" followed by 64 lowercase hex digits"
            ),
            ErrorKind::Timestamp { value } => write!(
                f,
                "invalid time {value:?}: expected RFC 3339, e.g. 2026-10-01T12:00:00Z"
            ),
            ErrorKind::Document { what, detail } => write!(f, "invalid {what}: {detail}"),
            ErrorKind::UnsupportedFormat {
                what,
                found,
                supported,
            } => write!(
                f,
                "{what} has format version {found}, newer than the {supported} this build reads; upgrade shelf"
            ),
        }
    }
}

/// A value shown in a message: whole up to 200 bytes, else its start and its size.
fn shorten(value: &str) -> std::borrow::Cow<'_, str> {
    const SHOWN: usize = 200;
    if value.len() <= SHOWN {
        return value.into();
    }
    let mut end = 120;
    while !value.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}… ({} bytes)", &value[..end], value.len()).into()
}

impl FormatError {
    pub(crate) fn new(kind: ErrorKind) -> Self {
        FormatError { kind }
    }

    /// What was rejected.
    pub fn kind(&self) -> &ErrorKind {
        &self.kind
    }

    /// Build a document error (used by readers of documents).
    pub fn document(what: impl Into<String>, detail: impl fmt::Display) -> Self {
        FormatError::new(ErrorKind::Document {
            what: what.into(),
            detail: detail.to_string(),
        })
    }

    /// True when the document is of a newer major format version than this build reads.
    pub fn is_unsupported_format(&self) -> bool {
        matches!(self.kind, ErrorKind::UnsupportedFormat { .. })
    }
}
