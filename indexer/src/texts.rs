//! One pipeline for every text Shelf records. Whatever reaches the bucket (a push's
//! description, labels, params, command, URLs, dataset URIs, captured environment and code;
//! a lifecycle event's actor, reason, tag value and evaluation dataset; a registry's name)
//! passes through [`Texts::text`] or [`Texts::keyed`] first: redacted (docs/format.md §5.9),
//! then checked against its rule (§3.4). The check runs on the redacted text, so an error
//! message never repeats a secret. A text that breaks its rule is a usage error naming the
//! field, the value and the rule, and nothing is written.

use shelf_format::names::TextRule;
use shelf_format::{Event, ParamValue};

use crate::capture::redact::{MARK, is_secret_key, redact, redact_keyed, strip_url_credentials};
use crate::error::{Error, Result};
use crate::push::PushRequest;

/// Redacts and checks texts, remembering which fields it redacted.
#[derive(Debug, Default)]
pub struct Texts {
    redacted: Vec<String>,
}

impl Texts {
    pub fn new() -> Texts {
        Texts::default()
    }

    /// Redact `value`, recorded as `field`, in place; then check it against `rule`.
    pub fn text(&mut self, field: &str, value: &mut String, rule: TextRule) -> Result<()> {
        let redacted = redact(value).into_owned();
        self.replace(field, value, redacted);
        rule.check(field, value)?;
        Ok(())
    }

    /// [`Texts::text`] for an optional value.
    pub fn optional(
        &mut self,
        field: &str,
        value: Option<&mut String>,
        rule: TextRule,
    ) -> Result<()> {
        match value {
            Some(value) => self.text(field, value, rule),
            None => Ok(()),
        }
    }

    /// A value recorded under `key` (a label, a tag, a string param): wholly redacted when
    /// the key names a secret (`db_password`, `db.password`, `api_token`…), else as
    /// [`Texts::text`].
    pub fn keyed(
        &mut self,
        field: &str,
        key: &str,
        value: &mut String,
        rule: TextRule,
    ) -> Result<()> {
        let redacted = redact_keyed(key, value).into_owned();
        self.replace(field, value, redacted);
        rule.check(field, value)?;
        Ok(())
    }

    /// A repository URL: its credentials removed entirely (not marked), then checked.
    pub fn repository(&mut self, field: &str, value: &mut String) -> Result<()> {
        let stripped = strip_url_credentials(value);
        self.replace(field, value, stripped);
        TextRule::LINE.check(field, value)?;
        Ok(())
    }

    /// Where a redaction happened, in order (`params.db_password`, `run.command`…).
    pub fn redacted(&self) -> &[String] {
        &self.redacted
    }

    pub fn into_redacted(self) -> Vec<String> {
        self.redacted
    }

    fn replace(&mut self, field: &str, value: &mut String, redacted: String) {
        if redacted != *value {
            *value = redacted;
            self.redacted.push(field.to_string());
        }
    }
}

/// A field name with a part taken from the input (a package name), shown escaped so that a
/// message cannot carry control characters.
fn field(prefix: &str, part: &str) -> String {
    format!("{prefix}.{}", part.escape_debug())
}

/// A copy of `req` with every text redacted and checked, and the fields redacted
/// (`labels.password`, `run.command`…).
pub fn push_request(req: &PushRequest) -> Result<(PushRequest, Vec<String>)> {
    let mut req = req.clone();
    let mut t = Texts::new();
    t.text("description", &mut req.description, TextRule::DESCRIPTION)?;
    t.text("author", &mut req.author, TextRule::ACTOR)?;
    for (key, value) in req.metrics.iter() {
        shelf_format::names::check_metric_value(key, *value)?;
    }
    for (key, value) in req.labels.iter_mut() {
        t.keyed(
            &format!("labels.{key}"),
            key.as_str(),
            value,
            TextRule::SHORT,
        )?;
    }
    for (key, value) in req.params.iter_mut() {
        let name = format!("params.{key}");
        match value {
            ParamValue::String(text) => {
                t.keyed(&name, key.as_str(), text, TextRule::DESCRIPTION)?;
            }
            ParamValue::Float(x) if !x.is_finite() => {
                return Err(Error::Usage(format!(
                    "invalid {name} {x}: a param value is a finite number"
                )));
            }
            // A number under a secret name (a PIN, a numeric password) is a secret too.
            ParamValue::Int(_) | ParamValue::Float(_) if is_secret_key(key.as_str()) => {
                *value = ParamValue::String(MARK.to_string());
                t.redacted.push(name);
            }
            _ => {}
        }
    }
    if let Some(env) = req.environment.as_mut() {
        environment(&mut t, env)?;
    }
    if let Some(code) = req.code.as_mut() {
        if let Some(repo) = code.repository.as_mut() {
            t.repository("code.repository", repo)?;
        }
        if let Some(commit) = &code.commit {
            check_commit("code.commit", commit)?;
        }
        t.optional("code.branch", code.branch.as_mut(), TextRule::SHORT)?;
    }
    if let Some(run) = req.run.as_mut() {
        t.optional("run.command", run.command.as_mut(), TextRule::LINE)?;
        t.optional("run.url", run.url.as_mut(), TextRule::LINE)?;
        t.optional("run.experiment", run.experiment.as_mut(), TextRule::SHORT)?;
    }
    for spec in req.datasets.iter_mut() {
        crate::datasets::check_role(&spec.role)?;
        t.text(
            &format!("datasets.{}", spec.role),
            &mut spec.target,
            TextRule::LINE,
        )?;
    }
    Ok((req, t.into_redacted()))
}

/// The captured (or given) environment: every string is a short line, package versions and
/// the container image may be as long as a URL; package names are refused when they could
/// be read as an option (`-e …`, `--index-url …`).
pub fn environment(t: &mut Texts, env: &mut shelf_format::Environment) -> Result<()> {
    t.optional("environment.python", env.python.as_mut(), TextRule::SHORT)?;
    t.optional(
        "environment.packages_from",
        env.packages_from.as_mut(),
        TextRule::SHORT,
    )?;
    let packages = std::mem::take(&mut env.packages);
    for (name, mut version) in packages {
        check_package_name(&name)?;
        t.text(
            &field("environment.packages", &name),
            &mut version,
            TextRule::LINE,
        )?;
        env.packages.insert(name, version);
    }
    t.optional("environment.os", env.os.as_mut(), TextRule::SHORT)?;
    t.optional("environment.cpu", env.cpu.as_mut(), TextRule::SHORT)?;
    t.optional("environment.cuda", env.cuda.as_mut(), TextRule::SHORT)?;
    t.optional(
        "environment.container_image",
        env.container_image.as_mut(),
        TextRule::LINE,
    )?;
    for gpu in env.gpus.iter_mut() {
        t.text("environment.gpus.name", &mut gpu.name, TextRule::SHORT)?;
        t.optional(
            "environment.gpus.driver",
            gpu.driver.as_mut(),
            TextRule::SHORT,
        )?;
    }
    if let Some(lock) = env.lock_file.as_mut() {
        t.text(
            "environment.lock_file.name",
            &mut lock.name,
            TextRule::SHORT,
        )?;
    }
    Ok(())
}

/// A package name: a short line that is not blank and has no part that starts with `-` (so
/// that a requirements file made from it cannot carry a pip option).
pub fn check_package_name(name: &str) -> Result<()> {
    let f = field("environment.packages", name);
    TextRule::SHORT.check(&f, name)?;
    if name.trim().is_empty() || name.split_whitespace().any(|part| part.starts_with('-')) {
        return Err(Error::Usage(format!(
            "invalid package name {name:?} ({f}): a package name is not blank and has no part that starts with `-`"
        )));
    }
    Ok(())
}

/// A commit: 40 (SHA-1) or 64 (SHA-256) lowercase hex digits.
pub fn check_commit(field: &str, commit: &str) -> Result<()> {
    let hex = commit
        .chars()
        .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c));
    if hex && matches!(commit.len(), 40 | 64) {
        Ok(())
    } else {
        Err(Error::Usage(format!(
            "invalid {field} {commit:?}: a commit is 40 (or 64) lowercase hex digits"
        )))
    }
}

/// Events whose writers require a reason (docs/format.md §5.3).
pub const REASON_REQUIRED: [&str; 4] = ["alias-set", "status", "deployment", "undeployment"];

/// The texts of a lifecycle event, redacted and checked before it is committed: the actor
/// (a short line, not blank), the reason (a description that is not blank; required for
/// [`REASON_REQUIRED`] events), a tag's value (a short line, wholly redacted under a secret
/// key) and an evaluation's dataset (a short line).
pub fn lifecycle(
    actor: &str,
    reason: Option<String>,
    mut event: Event,
) -> Result<(String, Option<String>, Event)> {
    let mut t = Texts::new();
    let mut actor = actor.to_string();
    t.text("actor", &mut actor, TextRule::ACTOR)?;
    let mut reason = reason;
    match reason.as_mut() {
        Some(reason) => t.text("reason", reason, TextRule::REASON)?,
        None if REASON_REQUIRED.contains(&event.type_name()) => {
            return Err(Error::Usage(format!(
                "a reason is required for a {} event (why the change is made)",
                event.type_name()
            )));
        }
        None => {}
    }
    match &mut event {
        Event::Tag { key, value, .. } => {
            t.keyed(&format!("tags.{key}"), key.as_str(), value, TextRule::SHORT)?;
        }
        Event::Evaluation { dataset, .. } => {
            t.optional("dataset", dataset.as_mut(), TextRule::SHORT)?;
        }
        _ => {}
    }
    Ok((actor, reason, event))
}

/// The texts of a new registry's descriptor: its name and who created it.
pub fn registry(name: &str, actor: &str) -> Result<(String, String)> {
    let mut t = Texts::new();
    let (mut name, mut actor) = (name.to_string(), actor.to_string());
    t.text("registry name", &mut name, TextRule::SHORT)?;
    t.text("actor", &mut actor, TextRule::ACTOR)?;
    Ok((name, actor))
}

#[cfg(test)]
mod tests {
    use super::*;
    use shelf_format::{Key, Timestamp};

    #[test]
    fn lifecycle_texts_are_redacted_and_checked() {
        let (actor, reason, event) = lifecycle(
            "ci ghp_ACTORmmmmmmmmmmmmmmmmmmmmmmmmmmmmmm",
            Some("db postgres://u:REASONdsnPw@h/d".into()),
            Event::Tag {
                version: 1,
                key: Key::new("note").unwrap(),
                value: "Bearer TAGbearerTOKEN12345".into(),
            },
        )
        .unwrap();
        assert_eq!(actor, "ci [REDACTED]");
        assert_eq!(reason.as_deref(), Some("db postgres://u:[REDACTED]@h/d"));
        let Event::Tag { value, .. } = event else {
            panic!()
        };
        assert_eq!(value, "Bearer [REDACTED]");

        let (_, _, event) = lifecycle(
            "ci",
            None,
            Event::Tag {
                version: 1,
                key: Key::new("db_password").unwrap(),
                value: "hunter2".into(),
            },
        )
        .unwrap();
        assert!(matches!(event, Event::Tag { value, .. } if value == MARK));

        let eval = |dataset: &str| Event::Evaluation {
            version: 1,
            metrics: [(Key::new("auc").unwrap(), 0.9)].into(),
            dataset: Some(dataset.into()),
            measured_at: Timestamp::from_millis(0).unwrap(),
        };
        let (_, _, event) = lifecycle("ci", None, eval("https://u:EVALpw@h/ds")).unwrap();
        assert!(
            matches!(event, Event::Evaluation { dataset: Some(d), .. } if d == "https://u:[REDACTED]@h/ds")
        );
        let err = lifecycle("ci", None, eval("a\nb")).unwrap_err().to_string();
        assert!(err.contains(r#"invalid dataset "a\nb""#), "{err}");

        let status = || Event::Status {
            version: 1,
            status: shelf_format::Status::Validated,
        };
        for (actor, reason, says) in [
            ("evil\u{1b}[31m\nFAKE", Some("x"), "invalid actor"),
            (&*"a".repeat(257), Some("x"), "actor is at most 256 bytes"),
            ("", Some("x"), "actor must not be empty"),
            ("ci", Some(""), "reason must not be empty or blank"),
            ("ci", Some("  "), "reason must not be empty or blank"),
            ("ci", Some("ok\u{1b}[2J"), "U+001B"),
            ("ci", Some("fine\rEVIL"), "U+000D"),
            ("ci", None, "a reason is required for a status event"),
        ] {
            let err = lifecycle(actor, reason.map(String::from), status())
                .unwrap_err()
                .to_string();
            assert!(err.contains(says), "{actor:?} {reason:?}: {err}");
        }
    }

    #[test]
    fn commits_and_package_names() {
        assert!(check_commit("code.commit", &"a".repeat(40)).is_ok());
        assert!(check_commit("code.commit", &"0".repeat(64)).is_ok());
        for bad in ["--orphan=x", "$(touch x)", "HEAD", &"A".repeat(40), "abc"] {
            assert!(check_commit("code.commit", bad).is_err(), "{bad}");
        }
        assert!(check_package_name("numpy").is_ok());
        assert!(check_package_name("odd name").is_ok());
        for bad in [
            "-e",
            "--extra-index-url",
            "a\nb",
            "",
            " ",
            "a --index-url=x",
        ] {
            assert!(check_package_name(bad).is_err(), "{bad:?}");
        }
    }
}
