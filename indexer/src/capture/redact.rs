//! Redaction: nothing that looks like a credential lands in the bucket. Every text a writer
//! records (push's and the lifecycle events', see [`crate::texts`]) goes through [`redact`],
//! or [`redact_keyed`] for a value under a key (a param, a label, a tag), before it is
//! written. The rules are in docs/format.md §5.9.

use std::borrow::Cow;
use std::sync::LazyLock;

use regex::{Captures, Regex};

/// What replaces a secret.
pub const MARK: &str = "[REDACTED]";

struct Rule {
    /// Named in tests and in the spec.
    #[allow(dead_code)]
    name: &'static str,
    /// The part replaced is the group named `secret`; the rest of the match is kept.
    pattern: Regex,
}

fn rule(name: &'static str, pattern: &str) -> Rule {
    let pattern = Regex::new(pattern).expect("redaction pattern");
    assert!(
        pattern.capture_names().any(|n| n == Some("secret")),
        "rule {name} has no `secret` group"
    );
    Rule { name, pattern }
}

/// Secret-looking names: a value assigned to one of these is a secret.
const SECRET_NAME: &str = r"(?:password|passwd|pwd|secret|token|api[_-]?key|apikey|access[_-]?key|private[_-]?key|client[_-]?secret|credentials?|auth)";

/// A key names a secret when it ends with one of these words, in any case: `db_password`,
/// `db.password` (a nested params file, flattened), `aws_secret_access_key`,
/// `api.headers.Authorization`. `max_tokens` does not (the key must end with the word).
static SECRET_KEY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!("(?i)(?:{SECRET_NAME}|authorization|cookie)$")).expect("key pattern")
});

/// User names in URLs that are not secrets (`ssh://git@github.com/…`).
const PUBLIC_USERS: [&str; 2] = ["git", "hg"];

static RULES: LazyLock<Vec<Rule>> = LazyLock::new(|| {
    vec![
        rule(
            "private key block",
            r"(?P<secret>-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$))",
        ),
        // scheme://user:password@host keeps the user; scheme://token@host loses the token.
        rule(
            "URL password",
            r"[A-Za-z][A-Za-z0-9+.-]*://[^\s:/@]+:(?P<secret>[^\s/@]+)@",
        ),
        rule(
            "URL token",
            r"[A-Za-z][A-Za-z0-9+.-]*://(?P<secret>[^\s:/@]+)@",
        ),
        // Slack and Discord incoming webhooks: the path is the credential.
        rule(
            "Slack webhook",
            r"(?i)\bhttps?://hooks\.slack\.com/(?:services|workflows|triggers)/(?P<secret>[A-Za-z0-9/_-]+)",
        ),
        rule(
            "Discord webhook",
            r"(?i)\bhttps?://(?:(?:ptb|canary)\.)?discord(?:app)?\.com/api/webhooks/(?P<secret>[A-Za-z0-9/_-]+)",
        ),
        rule(
            "AWS access key id",
            r"\b(?P<secret>(?:AKIA|ASIA|AGPA|AIDA|AROA)[0-9A-Z]{16})\b",
        ),
        rule(
            "GitHub token",
            r"\b(?P<secret>gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{20,})",
        ),
        rule("GitLab token", r"\b(?P<secret>glpat-[A-Za-z0-9_-]{20,})"),
        rule("Slack token", r"\b(?P<secret>xox[abprs]-[A-Za-z0-9-]{10,})"),
        rule("Google API key", r"\b(?P<secret>AIza[0-9A-Za-z_-]{35})"),
        rule("Hugging Face token", r"\b(?P<secret>hf_[A-Za-z0-9]{30,})"),
        rule(
            "sk- API key",
            r"\b(?P<secret>(?:sk|rk)[-_](?:live[-_]|test[-_]|proj[-_])?[A-Za-z0-9_-]{20,})",
        ),
        rule(
            "JSON web token",
            r"\b(?P<secret>eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,})",
        ),
        rule(
            "bearer token",
            r"(?i)\bbearer\s+(?P<secret>[A-Za-z0-9._~+/=-]{8,})",
        ),
        // Authorization: Basic dXNlcjpwYXNz (any scheme; the credentials go).
        rule(
            "authorization header",
            r#"(?i)\b(?:proxy-)?authorization["']?\s*[:=]\s*["']?(?:[A-Za-z][A-Za-z0-9-]*\s+)?(?P<secret>[^\s"']+)"#,
        ),
        // name=value, name: value, "name": "value" where the name says secret.
        rule(
            "secret assignment",
            &format!(
                r#"(?i)[A-Za-z0-9_.-]*{SECRET_NAME}["']?\s*[=:]\s*(?P<secret>"[^"]*"|'[^']*'|[^\s&;,"']+)"#
            ),
        ),
        // --password VALUE, --api-key VALUE on a command line.
        rule(
            "secret flag",
            &format!(r"(?i)--?[A-Za-z0-9_-]*{SECRET_NAME}\s+(?P<secret>[^\s-]\S*)"),
        ),
    ]
});

/// Programs whose `-p` takes no value or a value that is not a password (`mkdir -p DIR`,
/// `git add -p`, `pytest -p PLUGIN`); anywhere else `-p VALUE` is taken as a password
/// (`sshpass -p PW`, `mysql -u root -p PW`, `docker login -u me -p PW`).
const P_IS_NOT_A_PASSWORD: [&str; 13] = [
    "mkdir", "cp", "ls", "tar", "rsync", "install", "git", "read", "patch", "pytest", "scp",
    "xargs", "make",
];

/// `-p VALUE` on a command line, unless VALUE is a port or a port mapping (`-p 8080`,
/// `-p 127.0.0.1:8080:80/tcp`) or the program is one of [`P_IS_NOT_A_PASSWORD`].
fn redact_short_password_flag(text: &str) -> Option<String> {
    static PORT: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"^[0-9][0-9.:-]*(?:/(?:tcp|udp|sctp))?$").expect("port pattern")
    });
    // The words of the text with their byte ranges; a quoted part belongs to its word.
    let mut words = Vec::new();
    let mut start = None;
    let mut quote = None;
    for (i, c) in text.char_indices() {
        if let Some(q) = quote {
            if c == q {
                quote = None;
            }
            continue;
        }
        if c.is_whitespace() {
            if let Some(s) = start.take() {
                words.push((s, i));
            }
            continue;
        }
        if start.is_none() {
            start = Some(i);
        }
        if c == '\'' || c == '"' {
            quote = Some(c);
        }
    }
    if let Some(s) = start {
        words.push((s, text.len()));
    }
    let mut program: Option<&str> = None;
    let mut secrets = Vec::new();
    for (n, &(s, e)) in words.iter().enumerate() {
        let word = &text[s..e];
        if matches!(word, "&&" | "||" | ";" | "|" | "&") || word.ends_with(';') {
            program = None;
            continue;
        }
        if program.is_none() {
            let is_prefix = matches!(word, "sudo" | "env" | "exec" | "time" | "nohup")
                || (word.contains('=') && !word.starts_with('-'));
            if !is_prefix {
                program = Some(word.rsplit('/').next().unwrap_or(word));
            }
            continue;
        }
        if word != "-p" {
            continue;
        }
        let Some(&(vs, ve)) = words.get(n + 1) else {
            continue;
        };
        let value = &text[vs..ve];
        let exempt = program.is_some_and(|p| P_IS_NOT_A_PASSWORD.contains(&p))
            || value.starts_with('-')
            || value.starts_with(MARK)
            || PORT.is_match(value);
        if !exempt {
            secrets.push((vs, ve));
        }
    }
    if secrets.is_empty() {
        return None;
    }
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for (s, e) in secrets {
        out.push_str(&text[at..s]);
        out.push_str(MARK);
        at = e;
    }
    out.push_str(&text[at..]);
    Some(out)
}

/// Whether a key (of a param, a label, a tag) names a secret, so that its whole value is
/// one: it ends with `password`, `secret`, `token`, `api_key`, `access_key`, `auth`,
/// `authorization`, `cookie`… (docs/format.md §5.9).
pub fn is_secret_key(key: &str) -> bool {
    SECRET_KEY.is_match(key)
}

/// A value recorded under `key`: [`MARK`] when the key names a secret ([`is_secret_key`]),
/// else the value with [`redact`]'s rules applied.
pub fn redact_keyed<'a>(key: &str, value: &'a str) -> Cow<'a, str> {
    if is_secret_key(key) && !value.is_empty() && value != MARK {
        Cow::Owned(MARK.to_string())
    } else {
        redact(value)
    }
}

/// `text` with every credential-looking part replaced by [`MARK`].
pub fn redact(text: &str) -> Cow<'_, str> {
    let mut out = Cow::Borrowed(text);
    for rule in RULES.iter() {
        if !rule.pattern.is_match(&out) {
            continue;
        }
        let replaced = rule
            .pattern
            .replace_all(&out, |c: &Captures| {
                let whole = c.get(0).expect("match");
                let secret = c.name("secret").expect("secret group");
                let value = secret.as_str();
                if value.starts_with(MARK) || PUBLIC_USERS.contains(&value) {
                    return whole.as_str().to_string();
                }
                let start = secret.start() - whole.start();
                let end = secret.end() - whole.start();
                format!(
                    "{}{MARK}{}",
                    &whole.as_str()[..start],
                    &whole.as_str()[end..]
                )
            })
            .into_owned();
        if replaced != *out {
            out = Cow::Owned(replaced);
        }
    }
    if let Some(replaced) = redact_short_password_flag(&out) {
        out = Cow::Owned(replaced);
    }
    out
}

/// A repository URL with any credentials removed entirely (not marked):
/// `https://x-access-token:ghs_…@github.com/org/repo.git` → `https://github.com/org/repo.git`.
pub fn strip_url_credentials(url: &str) -> String {
    static USERINFO: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"^([A-Za-z][A-Za-z0-9+.-]*://)[^/@\s]*@").expect("userinfo pattern")
    });
    let stripped = match USERINFO.captures(url) {
        // ssh://git@host keeps its user name: it is not a secret.
        Some(c) if !c[0].ends_with("://git@") => USERINFO.replace(url, "$1").into_owned(),
        _ => url.to_string(),
    };
    redact(&stripped).into_owned()
}

/// Redact a text in place, counting what changed under `what` (for the push's warning).
pub fn redact_in_place(text: &mut String, what: &str, changed: &mut Vec<String>) {
    if let Cow::Owned(new) = redact(text) {
        if new != *text {
            *text = new;
            changed.push(what.to_string());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check(input: &str, expected: &str) {
        assert_eq!(redact(input), expected, "input: {input}");
    }

    #[test]
    fn realistic_secrets_are_redacted() {
        // AWS keys (the documented example key pair).
        check(
            "aws_access_key_id=AKIAIOSFODNN7EXAMPLE",
            "aws_access_key_id=[REDACTED]",
        );
        check(
            "export AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            "export AWS_SECRET_ACCESS_KEY=[REDACTED]",
        );
        check(
            "key id AKIAIOSFODNN7EXAMPLE in a log",
            "key id [REDACTED] in a log",
        );
        // Tokens in git remote URLs.
        check(
            "https://x-access-token:ghs_16C7e42F292c6912E7710c838347Ae178B4a@github.com/acme/fraud.git",
            "https://x-access-token:[REDACTED]@github.com/acme/fraud.git",
        );
        check(
            "https://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@github.com/acme/fraud.git",
            "https://[REDACTED]@github.com/acme/fraud.git",
        );
        check(
            "https://oauth2:glpat-xAbCdEfGhIjKlMnOpQrS@gitlab.example.com/ml/fraud.git",
            "https://oauth2:[REDACTED]@gitlab.example.com/ml/fraud.git",
        );
        // Passwords in DSNs.
        check(
            "postgresql://trainer:S3cr3t!pass@db.internal:5432/features",
            "postgresql://trainer:[REDACTED]@db.internal:5432/features",
        );
        check(
            "mongodb+srv://admin:hunter2@cluster0.example.net/?retryWrites=true",
            "mongodb+srv://admin:[REDACTED]@cluster0.example.net/?retryWrites=true",
        );
        // Command lines and query strings.
        check(
            "python train.py --api-key sk-proj-abcdefghijklmnopqrstuvwx --epochs 10",
            "python train.py --api-key [REDACTED] --epochs 10",
        );
        check(
            "python train.py --db-password hunter2 --lr 0.1",
            "python train.py --db-password [REDACTED] --lr 0.1",
        );
        check(
            "https://mlflow.example.com/#/runs/42?token=abc123def&view=metrics",
            "https://mlflow.example.com/#/runs/42?token=[REDACTED]&view=metrics",
        );
        check(
            "curl -H 'Authorization: Bearer eyJhbGciOi.eyJzdWIiOiIx.SflKxwRJSMeKKF2QT4fw'",
            "curl -H 'Authorization: Bearer [REDACTED]'",
        );
        check(
            "HF_TOKEN hf_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789 used",
            "HF_TOKEN [REDACTED] used",
        );
        check("slack xoxb-1234567890-abcdefghij", "slack [REDACTED]");
        check(
            "-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----",
            "[REDACTED]",
        );
        check(
            r#"{"client_secret": "abc"}"#,
            r#"{"client_secret": [REDACTED]}"#,
        );
    }

    #[test]
    fn authorization_webhooks_and_short_password_flags() {
        check(
            "Authorization: Basic dXNlcjpGTEFHYmFzaWM=",
            "Authorization: Basic [REDACTED]",
        );
        check(
            r#"{"authorization": "Token abc123def456"}"#,
            r#"{"authorization": "Token [REDACTED]"}"#,
        );
        check(
            "curl -H 'Proxy-Authorization: Digest s3cr3t' x",
            "curl -H 'Proxy-Authorization: Digest [REDACTED]' x",
        );
        check(
            "notify https://hooks.slack.com/services/T0001/B0001/FLAGslackHOOKsecret done",
            "notify https://hooks.slack.com/services/[REDACTED] done",
        );
        check(
            "https://discord.com/api/webhooks/123456789/FLAG-discord_token",
            "https://discord.com/api/webhooks/[REDACTED]",
        );
        check(
            "python train.py -u admin -p CMDshortPw --epochs 3",
            "python train.py -u admin -p [REDACTED] --epochs 3",
        );
        check(
            "sshpass -p hunter2 ssh host",
            "sshpass -p [REDACTED] ssh host",
        );
        check(
            "docker login -u me -p 'pw with space' && python t.py",
            "docker login -u me -p [REDACTED] && python t.py",
        );
        check(
            "python t.py --password CMDlongPw",
            "python t.py --password [REDACTED]",
        );
        check(
            "python t.py --password=CMDeqPw",
            "python t.py --password=[REDACTED]",
        );
    }

    #[test]
    fn secret_keys_redact_their_whole_value() {
        for key in [
            "db_password",
            "password",
            "db.password",
            "api_token",
            "flag_aws_secret_access_key",
            "AWS_SECRET_ACCESS_KEY",
            "api.headers.Authorization",
            "session.cookie",
            "oauth",
        ] {
            assert!(is_secret_key(key), "{key}");
            assert_eq!(redact_keyed(key, "plain-looking 123"), MARK, "{key}");
        }
        for key in [
            "max_tokens",
            "tokenizer",
            "learning_rate",
            "author",
            "pwd_dir",
        ] {
            assert!(!is_secret_key(key), "{key}");
            assert_eq!(redact_keyed(key, "plain"), "plain", "{key}");
        }
        assert_eq!(redact_keyed("password", ""), "");
        assert_eq!(
            redact_keyed("note", "db postgres://u:pw@h/d"),
            "db postgres://u:[REDACTED]@h/d"
        );
    }

    #[test]
    fn ordinary_text_is_left_alone() {
        for text in [
            "python train.py --config prod.yaml --epochs 10 --lr 0.001",
            "https://github.com/acme/fraud.git",
            "git@github.com:acme/fraud.git",
            "ssh://git@github.com/acme/fraud.git",
            "numpy==1.26.4",
            "torch @ https://download.pytorch.org/whl/cu121/torch-2.3.0.whl",
            "sha256:0263829989b6fd954f72baaf2fc64bc2e2f01d692d4de72986ea808f6e99813f",
            "max_tokens=512",
            "tokenizer=bpe",
            "9f2c1e7d5b3a4c6e8f0a1b2c3d4e5f6a7b8c9d0e",
            "https://mlflow.example.com/#/experiments/3/runs/9f2c1e7d",
            "s3://datasets/fraud/2026-10/transactions.parquet",
            "mkdir -p out/models && python train.py --out out/models",
            "docker run -p 8080:80 -p 127.0.0.1:9000:9000/tcp trainer",
            "ssh -p 2222 host && git add -p",
            "Basic gradient-boosted model; authorized by risk",
            "https://hooks.example.com/services/x",
        ] {
            assert_eq!(redact(text), text);
        }
    }

    #[test]
    fn repository_urls_lose_their_credentials_entirely() {
        assert_eq!(
            strip_url_credentials(
                "https://x-access-token:ghs_16C7e42F292c6912E7710c838347Ae178B4a@github.com/acme/fraud.git"
            ),
            "https://github.com/acme/fraud.git"
        );
        assert_eq!(
            strip_url_credentials("https://user@dev.azure.com/acme/ml/_git/fraud"),
            "https://dev.azure.com/acme/ml/_git/fraud"
        );
        assert_eq!(
            strip_url_credentials("ssh://git@github.com/acme/fraud.git"),
            "ssh://git@github.com/acme/fraud.git"
        );
        assert_eq!(
            strip_url_credentials("git@github.com:acme/fraud.git"),
            "git@github.com:acme/fraud.git"
        );
    }
}
