//! `shelf reproduce`: write what is needed to reproduce a version — the commit to check
//! out, the datasets with their hashes and the commands to fetch them, the params, the
//! environment lock, the training command — as plain files a colleague or an auditor can
//! read and run.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use shelf_format::{
    DatasetLink, Digest, Reference, VersionManifest, keys, to_canonical_vec, units::human_size,
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

impl Registry {
    /// Write the reproduction kit of `reference` into `dir`.
    pub async fn reproduce(&self, reference: &Reference, dir: &Path) -> Result<ReproduceOutcome> {
        let (_, summary) = self.resolve(reference).await?;
        let model = &reference.model;
        let m = self.manifest(model, &summary).await?;
        std::fs::create_dir_all(dir).map_err(|e| Error::io("create", dir, e))?;
        let mut files = Vec::new();
        let mut gaps = Vec::new();
        let reg = sh_quote(self.location());
        let r = format!("{model}@{}", m.version);

        // The code.
        let mut checkout = String::from(
            "#!/bin/sh\n# Check out the code this version was trained from.\nset -eu\n",
        );
        match m.code.as_ref().and_then(|c| Some((c, c.commit.as_ref()?))) {
            Some((code, commit)) => {
                match &code.repository {
                    Some(repo) => writeln!(checkout, "git clone {} src", sh_quote(repo)).ok(),
                    None => {
                        gaps.push(
                            "the repository URL was not recorded: clone it yourself into src/"
                                .into(),
                        );
                        writeln!(
                            checkout,
                            "# the repository URL was not recorded; clone it into src/ first"
                        )
                        .ok()
                    }
                };
                writeln!(checkout, "git -C src checkout {}", sh_quote(commit)).ok();
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
                    "no code was recorded (pushed outside a git checkout, or with --no-code)"
                        .into(),
                );
                checkout.push_str("echo 'no code was recorded for this version' >&2\nexit 1\n");
            }
        }
        put(dir, &mut files, "checkout.sh", checkout.as_bytes(), true)?;

        // The data.
        let mut data = String::from(
            "#!/bin/sh\n# Fetch the datasets this version was trained and evaluated on, and check them.\nset -eu\n",
        );
        for link in &m.datasets {
            data.push_str(&dataset_lines(link, &reg, &mut gaps));
        }
        if m.datasets.is_empty() {
            gaps.push("no datasets were recorded (push with --dataset ROLE=…)".into());
            data.push_str("echo 'no datasets were recorded for this version' >&2\n");
        }
        put(dir, &mut files, "datasets.sh", data.as_bytes(), true)?;

        // The params, exactly as recorded.
        let mut params_json = to_canonical_vec(&m.params)?;
        params_json.push(b'\n');
        put(dir, &mut files, "params.json", &params_json, false)?;

        // The environment.
        let env = m.environment.clone().unwrap_or_default();
        if let Some(lock) = &env.lock_file {
            let key = keys::blob_key(&lock.digest);
            let bytes = self
                .get_bytes(&key)
                .await?
                .ok_or_else(|| Error::Integrity {
                    key: key.clone(),
                    detail: format!("the lock file {} of {r} is missing", lock.name),
                })?;
            if Digest::of(&bytes) != lock.digest {
                return Err(Error::Integrity {
                    key,
                    detail: "content does not hash to its key".into(),
                });
            }
            let name = Path::new(&lock.name)
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or("environment.lock")
                .to_string();
            put(dir, &mut files, &name, &bytes, false)?;
        } else if !env.packages.is_empty() {
            let mut req = format!(
                "# The packages installed when {r} was pushed (Python {}).\n",
                env.python.as_deref().unwrap_or("unknown")
            );
            for (name, version) in &env.packages {
                if version.contains("://") {
                    let _ = writeln!(req, "{name} @ {version}");
                } else {
                    let _ = writeln!(req, "{name}=={version}");
                }
            }
            put(dir, &mut files, "requirements.txt", req.as_bytes(), false)?;
        } else {
            gaps.push(
                "no environment was recorded (pushed with --no-env, or no Python found)".into(),
            );
        }

        // The training command.
        let command = m.run.as_ref().and_then(|r| r.command.clone());
        let mut train = String::from(
            "#!/bin/sh\n# Train again, from the checked-out code, with the recorded command.\nset -eu\ncd src\n",
        );
        match &command {
            Some(command) => {
                train.push_str(command);
                train.push('\n');
            }
            None => {
                gaps.push("the training command was not recorded (push with --command)".into());
                train.push_str(
                    "echo 'the training command was not recorded for this version' >&2\nexit 1\n",
                );
            }
        }
        put(dir, &mut files, "train.sh", train.as_bytes(), true)?;

        files.push("REPRODUCE.md".into());
        let readme = readme(&r, &summary.content_id, &m, &files, &gaps);
        files.pop();
        put(dir, &mut files, "REPRODUCE.md", readme.as_bytes(), false)?;
        Ok(ReproduceOutcome {
            model: model.clone(),
            version: m.version,
            content_id: summary.content_id,
            directory: dir.to_path_buf(),
            files,
            gaps,
        })
    }
}

/// Write one file of the kit (executable for scripts) and remember its name.
fn put(
    dir: &Path,
    files: &mut Vec<String>,
    name: &str,
    content: &[u8],
    executable: bool,
) -> Result<()> {
    let path = dir.join(name);
    std::fs::write(&path, content).map_err(|e| Error::io("write", &path, e))?;
    #[cfg(unix)]
    if executable {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755))
            .map_err(|e| Error::io("write", &path, e))?;
    }
    #[cfg(not(unix))]
    let _ = executable;
    files.push(name.to_string());
    Ok(())
}

fn dataset_lines(link: &DatasetLink, reg: &str, gaps: &mut Vec<String>) -> String {
    let role = &link.role;
    let target = sh_quote(&format!("data/{role}"));
    match (&link.registered, &link.uri) {
        (Some(d), _) => format!(
            "# {role}: dataset {}@{} ({})\nshelf --registry {reg} pull {} -o {target}\n",
            d.name,
            d.version,
            d.content_id,
            sh_quote(&format!("{}@{}", d.name, d.version)),
        ),
        (None, Some(uri)) => {
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
    }
}

fn readme(
    r: &str,
    content_id: &Digest,
    m: &VersionManifest,
    files: &[String],
    gaps: &[String],
) -> String {
    let mut out = format!(
        "# Reproducing {r}\n\nContent id: `{content_id}`; created {} by {}.\n\n",
        m.created_at, m.created_by
    );
    out.push_str("1. `./checkout.sh`: the code, at the recorded commit.\n");
    out.push_str("2. `./datasets.sh`: the data, with the hashes to check it against.\n");
    out.push_str("3. Install the environment: the lock file or `requirements.txt` here");
    if let Some(env) = &m.environment {
        if let Some(python) = &env.python {
            let _ = write!(out, " (Python {python})");
        }
        if let Some(image) = &env.container_image {
            let _ = write!(out, ", inside `{image}`");
        }
        if !env.gpus.is_empty() {
            let names: Vec<&str> = env.gpus.iter().map(|g| g.name.as_str()).collect();
            let _ = write!(out, "; trained on {}", names.join(", "));
            if let Some(cuda) = &env.cuda {
                let _ = write!(out, " with CUDA {cuda}");
            }
        }
    }
    out.push_str(".\n4. `./train.sh`: the recorded training command, with `params.json`.\n\n");
    if let Some(run) = &m.run {
        if let Some(url) = &run.url {
            let _ = writeln!(out, "Run page: {url}");
        }
        if let Some(experiment) = &run.experiment {
            let _ = writeln!(out, "Experiment: {experiment}");
        }
    }
    if !m.metrics.is_empty() {
        out.push_str("\nExpected metrics:\n\n");
        for (k, v) in &m.metrics {
            let _ = writeln!(out, "- {k} = {v}");
        }
    }
    if !gaps.is_empty() {
        out.push_str("\nWhat is missing for a faithful reproduction:\n\n");
        for g in gaps {
            let _ = writeln!(out, "- {g}");
        }
    }
    let _ = writeln!(out, "\nFiles: {}", files.join(", "));
    out
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
    }
}
