//! `shelf reproduce`: write what is needed to reproduce a version — the commit to check
//! out, the datasets with their hashes and the commands to fetch them, the params, the
//! environment lock, the training command — as plain files a colleague or an auditor can
//! read and run.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use shelf_format::{
    DatasetLink, Digest, Reference, TextRule, VersionManifest, keys, to_canonical_vec,
    units::human_size,
};

use crate::error::{Error, Result};
use crate::registry::Registry;

/// What `reproduce` wrote.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ReproduceOutcome {
    pub model: shelf_format::ModelName,
    pub version: u64,
    pub content_id: Digest,
    pub directory: PathBuf,
    /// The files written, relative to `directory`.
    pub files: Vec<String>,
    /// What is missing for a faithful reproduction (no code recorded, uncommitted changes,
    /// unverified datasets…).
    pub gaps: Vec<String>,
}

/// Quote `s` for a POSIX shell.
pub fn sh_quote(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:@=+,%".contains(c))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// The name the kit gives a stored lock file: fixed by Shelf from the format its recorded
/// name shows, never the recorded name itself (which could be `checkout.sh`).
pub fn lock_file_name(recorded: &str) -> &'static str {
    let base = recorded.rsplit(['/', '\\']).next().unwrap_or(recorded);
    match base {
        "uv.lock" => "uv.lock",
        "poetry.lock" => "poetry.lock",
        n if n.ends_with(".yml") || n.ends_with(".yaml") => "environment.yml",
        n if n.ends_with(".txt") || n.ends_with(".in") => "requirements.txt",
        _ => "environment.lock",
    }
}

/// A repository a kit may clone: a URL (`https://`, `http://`, `ssh://`, `git://`,
/// `file://`, `git+ssh://`), an scp-like address (`git@github.com:org/repo.git`) or an
/// absolute path; never something git would read as an option (`--upload-pack=…`) or a
/// transport that runs commands (`ext::…`).
pub fn is_repository(repo: &str) -> bool {
    const SCHEMES: [&str; 7] = [
        "https://",
        "http://",
        "ssh://",
        "git://",
        "file://",
        "git+ssh://",
        "ssh+git://",
    ];
    if repo.is_empty()
        || repo.starts_with('-')
        || repo.contains("::")
        || repo.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return false;
    }
    // A host (after any `user@`) that starts with `-` would reach ssh as an option.
    let host_ok = |authority: &str| {
        let host = authority.rsplit('@').next().unwrap_or(authority);
        !host.starts_with('-')
    };
    let lower = repo.to_ascii_lowercase();
    if SCHEMES.iter().any(|s| lower.starts_with(s)) {
        let rest = &repo[lower.find("://").unwrap_or(0) + 3..];
        let authority = rest.split('/').next().unwrap_or_default();
        return !rest.is_empty() && (lower.starts_with("file://") || host_ok(authority));
    }
    if repo.starts_with('/') {
        return true;
    }
    // [user@]host:path, with no `/` before the `:` (git's scp-like syntax).
    match repo.split_once(':') {
        Some((host, path)) => {
            !host.is_empty()
                && !host.contains('/')
                && host_ok(host)
                && !path.is_empty()
                && !repo.contains("://")
        }
        None => false,
    }
}

/// The checks of every recorded value a kit writes. A value that breaks its rule was not
/// written by a Shelf writer (they enforce the rules at push): the kit is refused, naming
/// the field and the value, and nothing is written.
struct Checked<'a> {
    what: &'a str,
    key: String,
}

impl Checked<'_> {
    fn refuse(&self, detail: String) -> Error {
        Error::Integrity {
            key: self.key.clone(),
            detail: format!(
                "refusing to write a reproduction kit of {}: {detail}",
                self.what
            ),
        }
    }

    /// `value` when it follows `rule` (single line, no control characters…).
    fn text<'v>(&self, field: &str, value: &'v str, rule: TextRule) -> Result<&'v str> {
        rule.check(field, value)
            .map_err(|e| self.refuse(e.to_string()))?;
        Ok(value)
    }

    fn commit<'v>(&self, commit: &'v str) -> Result<&'v str> {
        crate::texts::check_commit("code.commit", commit)
            .map_err(|e| self.refuse(e.to_string()))?;
        Ok(commit)
    }

    fn repository<'v>(&self, repo: &'v str) -> Result<&'v str> {
        if is_repository(repo) {
            Ok(repo)
        } else {
            Err(self.refuse(format!(
                "invalid code.repository {repo:?}: a repository is a URL (https://, ssh://, git://, file://), host:path or an absolute path, and does not start with `-`"
            )))
        }
    }

    fn role<'v>(&self, role: &'v str) -> Result<&'v str> {
        crate::datasets::check_role(role).map_err(|e| self.refuse(e.to_string()))?;
        Ok(role)
    }

    /// One line of `requirements.txt`, which pip must read as a requirement and nothing
    /// else: the name is a package name, the version a single line with no part that
    /// starts with `-` (no `--extra-index-url …`, `-e …` smuggled in).
    fn requirement(&self, name: &str, version: &str) -> Result<String> {
        crate::texts::check_package_name(name).map_err(|e| self.refuse(e.to_string()))?;
        let field = format!("environment.packages.{}", name.escape_debug());
        if name.contains(char::is_whitespace) {
            return Err(self.refuse(format!(
                "invalid package name {name:?} ({field}): a requirements.txt line holds a package name without white space"
            )));
        }
        self.text(&field, version, TextRule::LINE)?;
        if version.split_whitespace().any(|part| part.starts_with('-')) {
            return Err(self.refuse(format!(
                "invalid {field} {version:?}: a package version must not hold a pip option (a part starting with `-`)"
            )));
        }
        Ok(if version.is_empty() {
            name.to_string()
        } else if version.contains("://") {
            format!("{name} @ {version}")
        } else if version.starts_with(['<', '>', '=', '!', '~']) {
            format!("{name}{version}")
        } else {
            format!("{name}=={version}")
        })
    }
}

/// Write the reproduction kit of `reference` into `dir`.
///
/// Every recorded value is data: quoted for the shell where a script uses it, on a line
/// of its own in a comment only when it is a single line, checked against its rule
/// (commits are hex, repositories are URLs, `--` comes before git's positional
/// arguments), and restored files get names Shelf fixes. The one recorded value a
/// script runs is the training command, in `train.sh`, as recorded (a single line,
/// shown in `REPRODUCE.md`). A value that can't be made safe refuses the kit, naming
/// it, before anything is written.
pub async fn reproduce(
    registry: &Registry,
    reference: &Reference,
    dir: &Path,
) -> Result<ReproduceOutcome> {
    let (_, summary) = registry.resolve(reference).await?;
    let model = &reference.model;
    let m = registry.manifest(model, &summary).await?;
    let r = format!("{model}@{}", m.version);
    let check = Checked {
        what: &r,
        key: keys::version_key(model, m.version),
    };
    let mut kit: Vec<(String, Vec<u8>, bool)> = Vec::new();
    let mut gaps = Vec::new();
    let reg = sh_quote(registry.location());

    // The code.
    let mut checkout =
        String::from("#!/bin/sh\n# Check out the code this version was trained from.\nset -eu\n");
    match m.code.as_ref().and_then(|c| Some((c, c.commit.as_ref()?))) {
        Some((code, commit)) => {
            let commit = check.commit(commit)?;
            match &code.repository {
                Some(repo) => {
                    let repo = check.repository(repo)?;
                    writeln!(checkout, "git clone -- {} src", sh_quote(repo)).ok()
                }
                None => {
                    gaps.push(
                        "the repository URL was not recorded: clone it yourself into src/".into(),
                    );
                    writeln!(
                        checkout,
                        "# the repository URL was not recorded; clone it into src/ first"
                    )
                    .ok()
                }
            };
            writeln!(checkout, "git -C src checkout {commit}").ok();
            if code.dirty {
                let diff = code
                    .diff_sha256
                    .map_or("unknown".to_string(), |d| d.to_string());
                gaps.push(format!(
                    "the version was trained with uncommitted changes (diff {diff}); they are not in the registry"
                ));
                writeln!(checkout, "echo 'warning: trained with uncommitted changes (git diff HEAD --binary | sha256sum = {diff}); they are not in the registry' >&2").ok();
            }
        }
        None => {
            gaps.push(
                "no code was recorded (pushed outside a git checkout, or with --no-code)".into(),
            );
            checkout.push_str("echo 'no code was recorded for this version' >&2\nexit 1\n");
        }
    }
    kit.push(("checkout.sh".into(), checkout.into_bytes(), true));

    // The data.
    let mut data = String::from(
        "#!/bin/sh\n# Fetch the datasets this version was trained and evaluated on, and check them.\nset -eu\n",
    );
    for link in &m.datasets {
        data.push_str(&dataset_lines(&check, link, &reg, &mut gaps)?);
    }
    if m.datasets.is_empty() {
        gaps.push("no datasets were recorded (push with --dataset ROLE=…)".into());
        data.push_str("echo 'no datasets were recorded for this version' >&2\n");
    }
    kit.push(("datasets.sh".into(), data.into_bytes(), true));

    // The params, exactly as recorded (JSON escapes every control character).
    let mut params_json = to_canonical_vec(&m.params)?;
    params_json.push(b'\n');
    kit.push(("params.json".into(), params_json, false));

    // The environment.
    let env = m.environment.clone().unwrap_or_default();
    let python = env
        .python
        .as_deref()
        .map(|p| check.text("environment.python", p, TextRule::SHORT))
        .transpose()?;
    let mut lock_name = None;
    if let Some(lock) = &env.lock_file {
        check.text("environment.lock_file.name", &lock.name, TextRule::SHORT)?;
        let key = keys::blob_key(&lock.digest);
        let bytes = registry
            .get_bytes(&key)
            .await?
            .ok_or_else(|| Error::Integrity {
                key: key.clone(),
                detail: format!("the lock file {:?} of {r} is missing", lock.name),
            })?;
        if Digest::of(&bytes) != lock.digest {
            return Err(Error::Integrity {
                key,
                detail: "content does not hash to its key".into(),
            });
        }
        let name = lock_file_name(&lock.name);
        lock_name = Some((name, lock.name.as_str()));
        kit.push((name.into(), bytes.to_vec(), false));
    } else if !env.packages.is_empty() {
        let mut req = format!(
            "# The packages installed when {r} was pushed (Python {}).\n",
            python.unwrap_or("unknown")
        );
        for (name, version) in &env.packages {
            let _ = writeln!(req, "{}", check.requirement(name, version)?);
        }
        kit.push(("requirements.txt".into(), req.into_bytes(), false));
    } else {
        gaps.push("no environment was recorded (pushed with --no-env, or no Python found)".into());
    }

    // The training command: the one recorded value a script runs, as recorded.
    let command = m
        .run
        .as_ref()
        .and_then(|r| r.command.as_deref())
        .map(|c| check.text("run.command", c, TextRule::LINE))
        .transpose()?;
    let mut train = String::from(
        "#!/bin/sh\n# Train again, from the checked-out code, with the recorded command.\n",
    );
    match command {
        Some(command) if !command.trim().is_empty() => {
            train.push_str("# The last line is the command recorded at push, as given: read it before you run this.\nset -eu\ncd src\n");
            train.push_str(command);
            train.push('\n');
        }
        _ => {
            gaps.push("the training command was not recorded (push with --command)".into());
            train.push_str(
                "echo 'the training command was not recorded for this version' >&2\nexit 1\n",
            );
        }
    }
    kit.push(("train.sh".into(), train.into_bytes(), true));

    let mut files: Vec<String> = kit.iter().map(|(name, _, _)| name.clone()).collect();
    files.push("REPRODUCE.md".into());
    let readme = readme(
        &check,
        &r,
        &summary.content_id,
        &m,
        Readme {
            command,
            lock: lock_name,
            files: &files,
            gaps: &gaps,
        },
    )?;
    kit.push(("REPRODUCE.md".into(), readme.into_bytes(), false));

    // Everything is checked: now write.
    std::fs::create_dir_all(dir).map_err(|e| Error::io("create", dir, e))?;
    for (name, content, executable) in &kit {
        put(dir, name, content, *executable)?;
    }
    Ok(ReproduceOutcome {
        model: model.clone(),
        version: m.version,
        content_id: summary.content_id,
        directory: dir.to_path_buf(),
        files,
        gaps,
    })
}

/// Write one file of the kit (executable for scripts). A symbolic link already there is
/// replaced, never written through.
fn put(dir: &Path, name: &str, content: &[u8], executable: bool) -> Result<()> {
    let path = dir.join(name);
    if std::fs::symlink_metadata(&path).is_ok_and(|m| m.file_type().is_symlink()) {
        std::fs::remove_file(&path).map_err(|e| Error::io("write", &path, e))?;
    }
    std::fs::write(&path, content).map_err(|e| Error::io("write", &path, e))?;
    #[cfg(unix)]
    if executable {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755))
            .map_err(|e| Error::io("write", &path, e))?;
    }
    #[cfg(not(unix))]
    let _ = executable;
    Ok(())
}

fn dataset_lines(
    check: &Checked<'_>,
    link: &DatasetLink,
    reg: &str,
    gaps: &mut Vec<String>,
) -> Result<String> {
    let role = check.role(&link.role)?;
    let target = sh_quote(&format!("data/{role}"));
    Ok(match (&link.registered, &link.uri) {
        (Some(d), _) => format!(
            "# {role}: dataset {}@{} ({})\nshelf --registry {reg} pull {} -o {target}\n",
            d.name,
            d.version,
            d.content_id,
            sh_quote(&d.version_ref().to_string()),
        ),
        (None, Some(uri)) => {
            let uri = check.text(&format!("datasets.{role}.uri"), uri, TextRule::LINE)?;
            let mut out = format!("# {role}: {uri}");
            if let Some(size) = link.size {
                let _ = write!(out, " ({})", human_size(size));
            }
            out.push('\n');
            match link.digest {
                Some(digest) if link.verified => {
                    let _ = writeln!(
                        out,
                        "# expected sha256: {} (a file: `sha256sum FILE`; a folder or prefix: sha256 of its `sha256sum` listing sorted by path, docs/format.md)",
                        digest.hex()
                    );
                }
                _ => {
                    gaps.push(format!("dataset {role} ({uri}) was not readable at push: nothing proves what it held"));
                    out.push_str("# UNVERIFIED: it could not be read at push, so nothing proves what it held\n");
                }
            }
            let _ = writeln!(
                out,
                "echo {}",
                sh_quote(&format!("fetch {uri} into data/{role}"))
            );
            out
        }
        (None, None) => String::new(),
    })
}

/// What `REPRODUCE.md` lists besides the manifest.
struct Readme<'a> {
    command: Option<&'a str>,
    /// The kit's name of the lock file, and the name it was recorded with.
    lock: Option<(&'static str, &'a str)>,
    files: &'a [String],
    gaps: &'a [String],
}

fn readme(
    check: &Checked<'_>,
    r: &str,
    content_id: &Digest,
    m: &VersionManifest,
    extra: Readme<'_>,
) -> Result<String> {
    let created_by = check.text("created_by", &m.created_by, TextRule::SHORT)?;
    let mut out = format!(
        "# Reproducing {r}\n\nContent id: `{content_id}`; created {} by {created_by}.\n\n",
        m.created_at
    );
    out.push_str("1. `./checkout.sh`: the code, at the recorded commit.\n");
    out.push_str("2. `./datasets.sh`: the data, with the hashes to check it against.\n");
    match extra.lock {
        Some((name, recorded)) => {
            let _ = write!(
                out,
                "3. Install the environment: the lock file `{name}` here (recorded as {recorded:?})"
            );
        }
        None => out.push_str("3. Install the environment: `requirements.txt` here"),
    }
    if let Some(env) = &m.environment {
        if let Some(python) = &env.python {
            let python = check.text("environment.python", python, TextRule::SHORT)?;
            let _ = write!(out, " (Python {python})");
        }
        if let Some(image) = &env.container_image {
            let image = check.text("environment.container_image", image, TextRule::LINE)?;
            let _ = write!(out, ", inside `{image}`");
        }
        if !env.gpus.is_empty() {
            let names = env
                .gpus
                .iter()
                .map(|g| check.text("environment.gpus.name", &g.name, TextRule::SHORT))
                .collect::<Result<Vec<_>>>()?;
            let _ = write!(out, "; trained on {}", names.join(", "));
            if let Some(cuda) = &env.cuda {
                let cuda = check.text("environment.cuda", cuda, TextRule::SHORT)?;
                let _ = write!(out, " with CUDA {cuda}");
            }
        }
    }
    out.push_str(".\n4. `./train.sh`: the recorded training command, with `params.json`.\n\n");
    if let Some(command) = extra.command {
        let _ = writeln!(
            out,
            "Training command (`train.sh` runs it as recorded; read it first):\n\n    {command}\n"
        );
    }
    if let Some(run) = &m.run {
        if let Some(url) = &run.url {
            let url = check.text("run.url", url, TextRule::LINE)?;
            let _ = writeln!(out, "Run page: {url}");
        }
        if let Some(experiment) = &run.experiment {
            let experiment = check.text("run.experiment", experiment, TextRule::SHORT)?;
            let _ = writeln!(out, "Experiment: {experiment}");
        }
    }
    if !m.metrics.is_empty() {
        out.push_str("\nExpected metrics:\n\n");
        for (k, v) in &m.metrics {
            let _ = writeln!(out, "- {k} = {v}");
        }
    }
    if !extra.gaps.is_empty() {
        out.push_str("\nWhat is missing for a faithful reproduction:\n\n");
        for g in extra.gaps {
            let _ = writeln!(out, "- {g}");
        }
    }
    let _ = writeln!(out, "\nFiles: {}", extra.files.join(", "));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::sh_quote;

    #[test]
    fn shell_quoting() {
        assert_eq!(sh_quote("fraud@3"), "fraud@3");
        assert_eq!(sh_quote("s3://b/p"), "s3://b/p");
        assert_eq!(sh_quote("team a"), "'team a'");
        assert_eq!(sh_quote("it's"), r"'it'\''s'");
        assert_eq!(sh_quote("$(rm -rf /)"), "'$(rm -rf /)'");
        assert_eq!(sh_quote(""), "''");
        assert_eq!(sh_quote("a\nb"), "'a\nb'");
    }

    #[test]
    fn repositories() {
        for ok in [
            "https://github.com/acme/fraud.git",
            "ssh://git@github.com/acme/fraud.git",
            "git@github.com:acme/fraud.git",
            "file:///srv/git/fraud.git",
            "/srv/git/fraud.git",
        ] {
            assert!(super::is_repository(ok), "{ok}");
        }
        for bad in [
            "--upload-pack=touch /tmp/x;",
            "-u",
            "ext::sh -c touch% /tmp/pwned",
            "fd::17",
            "https://a b",
            "relative/path",
            "https://",
            "",
            "https://h/x\n-u",
            "ssh://-oProxyCommand=touch%20x/repo",
            "ssh://git@-oProxyCommand=x/repo",
            "-oProxyCommand=x:repo",
        ] {
            assert!(!super::is_repository(bad), "{bad:?}");
        }
    }

    #[test]
    fn lock_files_get_fixed_names() {
        for (recorded, kit) in [
            ("requirements.txt", "requirements.txt"),
            ("checkout.sh", "environment.lock"),
            ("train.sh", "environment.lock"),
            ("../../x/uv.lock", "uv.lock"),
            ("poetry.lock", "poetry.lock"),
            ("conda.yaml", "environment.yml"),
            ("params.json", "environment.lock"),
            ("dev.in", "requirements.txt"),
        ] {
            assert_eq!(super::lock_file_name(recorded), kit, "{recorded}");
        }
    }
}
