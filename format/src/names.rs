//! Validated names: model names, artifact paths, keys of metrics, params and labels,
//! alias names and deployment target names.
//!
//! Each type validates on construction and on every deserialize (`try_from = "String"`),
//! so a hand-edited document with a bad name is rejected with a message naming it.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::{ErrorKind, FormatError};

/// Longest model name, in bytes.
pub const MAX_MODEL_NAME: usize = 128;
/// Longest segment of a model name, in bytes.
pub const MAX_MODEL_SEGMENT: usize = 64;
/// Longest artifact path, in bytes.
pub const MAX_ARTIFACT_PATH: usize = 1024;
/// Longest key of a metric, param or label, in bytes.
pub const MAX_KEY: usize = 128;
/// Longest alias name, in bytes.
pub const MAX_ALIAS_NAME: usize = 64;
/// Longest deployment target name, in bytes.
pub const MAX_TARGET_NAME: usize = 128;

const MODEL_RULE: &str = "a model name is 1 to 128 characters: one name or `namespace/name`, each part 1 to 64 of lowercase a-z, 0-9, `.`, `_`, `-`, starting with a letter or digit, not ending with `.`, with no `..`";

/// The conversions every validated name shares, written once: `Display`, `FromStr` and
/// `TryFrom<String>` (both through the type's `new`, which checks its rule; serde's
/// `try_from` runs it on every deserialize) and `From<T> for String`.
macro_rules! str_newtype {
    ($($name:ident),* $(,)?) => {
        $(
            impl fmt::Display for $name {
                fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    f.write_str(&self.0)
                }
            }

            impl FromStr for $name {
                type Err = FormatError;
                fn from_str(s: &str) -> Result<Self, Self::Err> {
                    $name::new(s)
                }
            }

            impl TryFrom<String> for $name {
                type Error = FormatError;
                fn try_from(value: String) -> Result<Self, Self::Error> {
                    $name::new(value)
                }
            }

            impl From<$name> for String {
                fn from(value: $name) -> Self {
                    value.0
                }
            }
        )*
    };
}

str_newtype!(
    ModelName,
    ArtifactPath,
    Key,
    AliasName,
    TargetName,
    BranchName
);

/// The name of a model: `fraud-detector` or `team/fraud-detector`.
///
/// Lowercase only, so that names never collide on case-insensitive file systems.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ModelName(String);

impl ModelName {
    /// Validate `value` as a model name.
    pub fn new(value: impl Into<String>) -> Result<Self, FormatError> {
        let value = value.into();
        let err = |rule: &'static str| {
            Err(FormatError::new(ErrorKind::ModelName {
                value: value.clone(),
                rule,
            }))
        };
        if value.is_empty() {
            return err("a model name must not be empty");
        }
        if value.len() > MAX_MODEL_NAME {
            return err("a model name is at most 128 characters");
        }
        if value.contains("..") {
            return err("a model name must not contain `..`");
        }
        let segments: Vec<&str> = value.split('/').collect();
        if segments.len() > 2 {
            return err("a model name has at most one `/` (one namespace level)");
        }
        for segment in &segments {
            if segment.is_empty() {
                return err(
                    "a model name must not have an empty part (leading, trailing or double `/`)",
                );
            }
            if segment.len() > MAX_MODEL_SEGMENT {
                return err("each part of a model name is at most 64 characters");
            }
            if segment.chars().any(|c| c.is_ascii_uppercase()) {
                return err(
                    "a model name is lowercase (names must not collide on case-insensitive file systems)",
                );
            }
            if !segment.chars().all(|c| {
                c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-')
            }) {
                return err(MODEL_RULE);
            }
            let first = segment.chars().next().unwrap_or('-');
            if !(first.is_ascii_lowercase() || first.is_ascii_digit()) {
                return err("each part of a model name starts with a letter or a digit");
            }
            if segment.ends_with('.') {
                return err("a part of a model name must not end with `.`");
            }
        }
        Ok(ModelName(value))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The path of an artifact inside a version: relative, `/`-separated, e.g. `weights/model.onnx`.
///
/// Any Unicode text is allowed, spaces included, except control characters and `\`;
/// no part may be empty, `.` or `..`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ArtifactPath(String);

impl ArtifactPath {
    pub fn new(value: impl Into<String>) -> Result<Self, FormatError> {
        let value = value.into();
        let err = |rule: &'static str| {
            Err(FormatError::new(ErrorKind::ArtifactPath {
                value: value.clone(),
                rule,
            }))
        };
        if value.is_empty() {
            return err("an artifact path must not be empty");
        }
        if value.len() > MAX_ARTIFACT_PATH {
            return err("an artifact path is at most 1024 bytes");
        }
        if value.starts_with('/') {
            return err("an artifact path is relative (no leading `/`)");
        }
        if value.chars().any(|c| c.is_control()) {
            return err("an artifact path must not contain control characters");
        }
        if value.contains('\\') {
            return err("an artifact path uses `/` as separator and must not contain `\\`");
        }
        for segment in value.split('/') {
            if segment.is_empty() {
                return err("an artifact path must not have empty parts (trailing or double `/`)");
            }
            if segment == "." || segment == ".." {
                return err("an artifact path must not have `.` or `..` parts");
            }
            if segment.len() > 255 {
                return err("each part of an artifact path is at most 255 bytes");
            }
        }
        Ok(ArtifactPath(value))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The parts of the path, in order.
    pub fn segments(&self) -> impl Iterator<Item = &str> {
        self.0.split('/')
    }
}

/// The key of a metric, param or label: `f1`, `test.auc`, `learning_rate`, `team`.
///
/// 1 to 128 characters of ASCII letters, digits and `_ . - / :`, starting with a letter,
/// a digit or `_`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Key(String);

impl Key {
    pub fn new(value: impl Into<String>) -> Result<Self, FormatError> {
        let value = value.into();
        let err = |rule: &'static str| {
            Err(FormatError::new(ErrorKind::Key {
                value: value.clone(),
                rule,
            }))
        };
        if value.is_empty() {
            return err("a key must not be empty");
        }
        if value.len() > MAX_KEY {
            return err("a key is at most 128 characters");
        }
        if !value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-' | '/' | ':'))
        {
            return err("a key is made of ASCII letters, digits and `_ . - / :`");
        }
        let first = value.chars().next().unwrap_or('-');
        if !(first.is_ascii_alphanumeric() || first == '_') {
            return err("a key starts with a letter, a digit or `_`");
        }
        Ok(Key(value))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

const ALIAS_RULE: &str = "an alias name is 1 to 64 characters of lowercase a-z, 0-9, `.`, `_`, `-`, starting with a letter, not ending with `.`, with no `..`; it is not `latest` and does not start with `sha256`";

/// The name of an alias: `production`, `staging`, `champion-eu`.
///
/// Like a part of a model name, but starting with a letter, so that `model@<alias>` is
/// never a version number; `latest` and names starting with `sha256` are reserved for the
/// other selectors of a reference.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct AliasName(String);

impl AliasName {
    /// Validate `value` as an alias name.
    pub fn new(value: impl Into<String>) -> Result<Self, FormatError> {
        let value = value.into();
        let err = |rule: &'static str| {
            Err(FormatError::new(ErrorKind::AliasName {
                value: value.clone(),
                rule,
            }))
        };
        if value.is_empty() {
            return err("an alias name must not be empty");
        }
        if value.len() > MAX_ALIAS_NAME {
            return err("an alias name is at most 64 characters");
        }
        if value.chars().any(|c| c.is_ascii_uppercase()) {
            return err("an alias name is lowercase");
        }
        if !value
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'))
        {
            return err(ALIAS_RULE);
        }
        if !value.starts_with(|c: char| c.is_ascii_lowercase()) {
            return err("an alias name starts with a letter (so it is never a version number)");
        }
        if value == "latest" {
            return err("`latest` is reserved: `model@latest` is the highest version");
        }
        if value.starts_with("sha256") {
            return err("an alias name must not start with `sha256` (reserved for content ids)");
        }
        if value.contains("..") {
            return err("an alias name must not contain `..`");
        }
        if value.ends_with('.') {
            return err("an alias name must not end with `.`");
        }
        Ok(AliasName(value))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The name of a deployment target (an environment, a fleet, a vehicle line): `eu-prod`,
/// `fleet/line-7`, `k8s:prod-eu-1`.
///
/// 1 to 128 characters of ASCII letters, digits and `. _ - / :`, starting with a letter or
/// a digit. Case-sensitive.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TargetName(String);

impl TargetName {
    /// Validate `value` as a target name.
    pub fn new(value: impl Into<String>) -> Result<Self, FormatError> {
        let value = value.into();
        let err = |rule: &'static str| {
            Err(FormatError::new(ErrorKind::TargetName {
                value: value.clone(),
                rule,
            }))
        };
        if value.is_empty() {
            return err("a target name must not be empty");
        }
        if value.len() > MAX_TARGET_NAME {
            return err("a target name is at most 128 characters");
        }
        if !value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '/' | ':'))
        {
            return err("a target name is made of ASCII letters, digits and `. _ - / :`");
        }
        if !value.starts_with(|c: char| c.is_ascii_alphanumeric()) {
            return err("a target name starts with a letter or a digit");
        }
        Ok(TargetName(value))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Longest branch name, in bytes.
pub const MAX_BRANCH_NAME: usize = 128;

/// The experiment branch a version was trained on: `main`, `exp/lr-sweep`, `retrain:2026-q4`.
///
/// 1 to 128 characters of ASCII letters, digits and `. _ - / :`, starting with a letter or
/// a digit. Case-sensitive (the same rule as a target name, so git branch names fit).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct BranchName(String);

impl BranchName {
    /// Validate `value` as a branch name.
    pub fn new(value: impl Into<String>) -> Result<Self, FormatError> {
        let value = value.into();
        let rule = if value.is_empty() {
            Some("a branch name must not be empty")
        } else if value.len() > MAX_BRANCH_NAME {
            Some("a branch name is at most 128 characters")
        } else if !value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '/' | ':'))
        {
            Some("a branch name is made of ASCII letters, digits and `. _ - / :`")
        } else if !value.starts_with(|c: char| c.is_ascii_alphanumeric()) {
            Some("a branch name starts with a letter or a digit")
        } else {
            None
        };
        match rule {
            Some(rule) => Err(FormatError::new(ErrorKind::Value {
                what: "branch name",
                value,
                rule: rule.to_string(),
            })),
            None => Ok(BranchName(value)),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Longest single-line text of a few words, in bytes: an actor, a label or tag value, an
/// evaluation's dataset, an experiment, a captured environment string (§3.4).
pub const MAX_SHORT_TEXT: usize = 256;
/// Longest single-line command or address, in bytes: the training command, the run's URL,
/// a dataset URI, the code's repository (§3.4).
pub const MAX_LINE: usize = 4096;
/// Longest multi-line text, in bytes: a description, a reason, a string param value (§3.4).
pub const MAX_DESCRIPTION: usize = 64 * 1024;

/// The rule a recorded text follows (docs/format.md §3.4). Writers check every text they
/// record against its rule; readers accept any JSON string.
///
/// Every rule refuses control characters (C0, DEL, C1) except newline and tab in multi-line
/// text, the bidirectional embeddings, overrides and isolates (U+202A to U+202E, U+2066 to
/// U+2069: they reorder what a terminal or a page shows), and the Unicode line and
/// paragraph separators (U+2028, U+2029).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TextRule {
    /// Longest text, in bytes.
    pub max_bytes: usize,
    /// Newline and tab are allowed (never carriage return).
    pub multiline: bool,
    /// The text must hold something other than white space.
    pub required: bool,
}

impl TextRule {
    /// A label or tag value, an evaluation's dataset, an experiment, a captured string.
    pub const SHORT: TextRule = TextRule {
        max_bytes: MAX_SHORT_TEXT,
        multiline: false,
        required: false,
    };
    /// An actor (`actor`, `created_by`): a short line that is not blank.
    pub const ACTOR: TextRule = TextRule {
        required: true,
        ..TextRule::SHORT
    };
    /// A command, a URL, a URI.
    pub const LINE: TextRule = TextRule {
        max_bytes: MAX_LINE,
        multiline: false,
        required: false,
    };
    /// A description or a string param value.
    pub const DESCRIPTION: TextRule = TextRule {
        max_bytes: MAX_DESCRIPTION,
        multiline: true,
        required: false,
    };
    /// The reason of an event: a description that is not blank (`--reason ""` is no reason).
    pub const REASON: TextRule = TextRule {
        required: true,
        ..TextRule::DESCRIPTION
    };

    /// Check `value`, the text recorded as `field` (`description`, `labels.team`…). The
    /// error names the field, the value and the rule.
    pub fn check(&self, field: &str, value: &str) -> Result<(), FormatError> {
        let err = |rule: String| {
            Err(FormatError::new(ErrorKind::Text {
                field: field.to_string(),
                value: value.to_string(),
                rule,
            }))
        };
        if value.len() > self.max_bytes {
            return err(format!(
                "{field} is at most {} bytes, this is {}",
                self.max_bytes,
                value.len()
            ));
        }
        if self.required && value.trim().is_empty() {
            return err(format!("{field} must not be empty or blank"));
        }
        if let Some((at, c)) = value.char_indices().find(|&(_, c)| !self.allows(c)) {
            let code = format!("U+{:04X} at byte {at}", c as u32);
            return err(if is_bidi_control(c) {
                format!(
                    "must not contain bidirectional controls (found {code}): they reorder how the text is shown"
                )
            } else if matches!(c, '\u{2028}' | '\u{2029}') {
                format!("must not contain line or paragraph separators (found {code})")
            } else if self.multiline {
                format!(
                    "must not contain control characters other than newline and tab (found {code})"
                )
            } else {
                format!("is a single line and must not contain control characters (found {code})")
            });
        }
        Ok(())
    }

    /// Whether the rule allows the character `c`.
    pub fn allows(&self, c: char) -> bool {
        if c.is_control() {
            return self.multiline && (c == '\n' || c == '\t');
        }
        !(is_bidi_control(c) || matches!(c, '\u{2028}' | '\u{2029}'))
    }
}

/// The bidirectional embeddings, overrides and isolates (U+202A to U+202E, U+2066 to
/// U+2069), which make a text display in another order than it reads.
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Check free text against a length and the text rules of §3.4: [`TextRule::check`] with a
/// rule that does not require the text.
pub fn check_text(
    what: &str,
    value: &str,
    max_bytes: usize,
    multiline: bool,
) -> Result<(), FormatError> {
    TextRule {
        max_bytes,
        multiline,
        required: false,
    }
    .check(what, value)
}

/// Check that a metric value is a finite number.
pub fn check_metric_value(key: &Key, value: f64) -> Result<(), FormatError> {
    if value.is_finite() {
        Ok(())
    } else {
        Err(FormatError::new(ErrorKind::Value {
            what: "metric value",
            value: format!("{key}={value}"),
            rule: "a metric value must be a finite number".to_string(),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn model_names() {
        for ok in [
            "fraud",
            "fraud-detector",
            "team/fraud_v2.1",
            "a",
            "0model",
            &"a".repeat(64),
            &format!("{}/{}", "a".repeat(63), "b".repeat(64)),
        ] {
            assert!(ModelName::new(ok).is_ok(), "{ok} should be valid");
        }
        for bad in [
            "",
            "Fraud",
            "a/b/c",
            "a//b",
            "/a",
            "a/",
            "a..b",
            "..",
            "-a",
            ".a",
            "a.",
            "a b",
            "a\nb",
            "modèle",
            &"a".repeat(65),
        ] {
            let err = ModelName::new(bad).unwrap_err();
            assert!(
                err.to_string().contains(&format!("{bad:?}")),
                "error names the value: {err}"
            );
        }
    }

    #[test]
    fn model_name_validated_on_deserialize() {
        let err = serde_json::from_str::<ModelName>("\"../etc\"").unwrap_err();
        assert!(err.to_string().contains("invalid model name"), "{err}");
    }

    #[test]
    fn artifact_paths() {
        for ok in [
            "model.onnx",
            "weights/part 1.bin",
            "données/模型.pt",
            "a/.hidden",
        ] {
            assert!(ArtifactPath::new(ok).is_ok(), "{ok}");
        }
        for bad in ["", "/abs", "a//b", "a/", "../x", "a/./b", "a\\b", "a\u{7}b"] {
            assert!(ArtifactPath::new(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn keys_and_values() {
        assert!(Key::new("test.f1").is_ok());
        assert!(Key::new("_private").is_ok());
        assert!(Key::new("a b").is_err());
        assert!(Key::new("").is_err());
        assert!(Key::new("-x").is_err());
        let k = Key::new("f1").unwrap();
        assert!(check_metric_value(&k, 0.5).is_ok());
        assert!(check_metric_value(&k, f64::NAN).is_err());
        assert!(check_metric_value(&k, f64::INFINITY).is_err());
        assert!(check_text("description", "line\nline", 100, true).is_ok());
        assert!(check_text("label value", "line\nline", 100, false).is_err());
    }

    #[test]
    fn text_rules() {
        let ok = |rule: TextRule, value: &str| rule.check("f", value).is_ok();
        assert!(ok(TextRule::SHORT, "risk team (EU) — été"));
        assert!(ok(TextRule::SHORT, ""));
        assert!(ok(TextRule::DESCRIPTION, "two\nlines\twith a tab"));
        assert!(ok(TextRule::LINE, &"x".repeat(MAX_LINE)));
        for (rule, bad, found) in [
            (TextRule::SHORT, "a\nb", "U+000A at byte 1"),
            (TextRule::SHORT, "tab\there", "U+0009"),
            (TextRule::SHORT, "esc\u{1b}[2J", "U+001B"),
            (TextRule::SHORT, "del\u{7f}", "U+007F"),
            (TextRule::SHORT, "csi\u{9b}", "U+009B"),
            (TextRule::DESCRIPTION, "safe model\rEVIL!", "U+000D"),
            (TextRule::DESCRIPTION, "bell\u{7}", "U+0007"),
            (TextRule::DESCRIPTION, "abc\u{202E}fed", "U+202E"),
            (TextRule::SHORT, "iso\u{2066}x", "U+2066"),
            (TextRule::DESCRIPTION, "line\u{2028}sep", "U+2028"),
        ] {
            let msg = rule.check("labels.team", bad).unwrap_err().to_string();
            assert!(
                msg.starts_with(&format!("invalid labels.team {bad:?}: ")),
                "names the field and the value: {msg}"
            );
            assert!(msg.contains(found), "{msg} should say {found}");
        }
        let long = TextRule::SHORT
            .check("actor", &"a".repeat(257))
            .unwrap_err();
        assert!(
            long.to_string()
                .contains("actor is at most 256 bytes, this is 257"),
            "{long}"
        );
        for blank in ["", "   ", "\n\t"] {
            let msg = TextRule::REASON
                .check("reason", blank)
                .unwrap_err()
                .to_string();
            assert!(msg.contains("reason must not be empty or blank"), "{msg}");
        }
        assert!(TextRule::ACTOR.check("actor", " ").is_err());
        assert!(TextRule::REASON.check("reason", "ok").is_ok());
    }

    #[test]
    fn alias_names() {
        for ok in [
            "production",
            "staging",
            "champion-eu",
            "a",
            "v2",
            "canary_1.b",
            "sha25",
            "latest-good",
            &"a".repeat(64),
        ] {
            assert!(AliasName::new(ok).is_ok(), "{ok} should be valid");
        }
        for (bad, rule) in [
            ("", "must not be empty"),
            (&*"a".repeat(65), "at most 64"),
            ("Production", "lowercase"),
            ("prod uction", "1 to 64 characters"),
            ("prod/eu", "1 to 64 characters"),
            ("prodé", "1 to 64 characters"),
            ("7", "starts with a letter"),
            ("123", "starts with a letter"),
            ("1abc", "starts with a letter"),
            ("-prod", "starts with a letter"),
            ("_prod", "starts with a letter"),
            ("latest", "reserved"),
            ("sha256", "sha256"),
            ("sha256abc", "sha256"),
            ("a..b", "`..`"),
            ("prod.", "end with"),
        ] {
            let err = AliasName::new(bad).unwrap_err();
            let msg = err.to_string();
            assert!(
                msg.starts_with(&format!("invalid alias name {bad:?}: ")),
                "error names the value: {msg}"
            );
            assert!(msg.contains(rule), "{bad:?}: {msg} should mention {rule:?}");
        }
        let err = serde_json::from_str::<AliasName>("\"latest\"").unwrap_err();
        assert!(err.to_string().contains("invalid alias name"), "{err}");
        assert_eq!(
            "production".parse::<AliasName>().unwrap().to_string(),
            "production"
        );
    }

    #[test]
    fn target_names() {
        for ok in [
            "eu-prod",
            "EU-Prod",
            "fleet/line-7",
            "k8s:prod-eu-1",
            "7series",
            "a.b_c",
            &"t".repeat(128),
        ] {
            assert!(TargetName::new(ok).is_ok(), "{ok} should be valid");
        }
        for (bad, rule) in [
            ("", "must not be empty"),
            (&*"t".repeat(129), "at most 128"),
            ("eu prod", "ASCII letters, digits"),
            ("eu\nprod", "ASCII letters, digits"),
            ("prodé", "ASCII letters, digits"),
            ("-eu", "starts with a letter or a digit"),
            ("/eu", "starts with a letter or a digit"),
            (":eu", "starts with a letter or a digit"),
        ] {
            let msg = TargetName::new(bad).unwrap_err().to_string();
            assert!(
                msg.starts_with(&format!("invalid target name {bad:?}: ")),
                "error names the value: {msg}"
            );
            assert!(msg.contains(rule), "{bad:?}: {msg} should mention {rule:?}");
        }
        let err = serde_json::from_str::<TargetName>("\"a b\"").unwrap_err();
        assert!(err.to_string().contains("invalid target name"), "{err}");
    }
}
