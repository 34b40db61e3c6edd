//! Code capture at push, in a git checkout: the remote (credentials stripped), the commit,
//! the branch, whether tracked files had uncommitted changes, and a hash of those changes.

use std::path::Path;
use std::process::{Command, Stdio};

use shelf_format::{Code, Digest};

use super::redact::strip_url_credentials;

fn git(dir: &Path, args: &[&str]) -> Option<Vec<u8>> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    out.status.success().then_some(out.stdout)
}

fn git_text(dir: &Path, args: &[&str]) -> Option<String> {
    let text = String::from_utf8(git(dir, args)?).ok()?;
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_string())
}

/// The code state of the git checkout `dir` is in; `None` outside a checkout (or without
/// git, or in a repository with no commit yet).
pub fn capture(dir: &Path) -> Option<Code> {
    if git_text(dir, &["rev-parse", "--is-inside-work-tree"])?.as_str() != "true" {
        return None;
    }
    let commit = git_text(dir, &["rev-parse", "--verify", "-q", "HEAD"])?;
    let branch = git_text(dir, &["symbolic-ref", "--short", "-q", "HEAD"]);
    let remote = git_text(dir, &["remote", "get-url", "origin"]).or_else(|| {
        let first = git_text(dir, &["remote"])?.lines().next()?.to_string();
        git_text(dir, &["remote", "get-url", &first])
    });
    let dirty = git(dir, &["status", "--porcelain", "--untracked-files=no"])
        .is_some_and(|out| !out.is_empty());
    let diff_sha256 = if dirty {
        git(dir, &["diff", "HEAD", "--binary"]).map(|diff| Digest::of(&diff))
    } else {
        None
    };
    Some(Code {
        repository: remote.map(|r| strip_url_credentials(&r)),
        commit: Some(commit),
        branch,
        dirty,
        diff_sha256,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sh(dir: &Path, args: &[&str]) {
        let ok = Command::new("git")
            .arg("-C")
            .arg(dir)
            .args(args)
            .env("GIT_AUTHOR_NAME", "t")
            .env("GIT_AUTHOR_EMAIL", "t@example.com")
            .env("GIT_COMMITTER_NAME", "t")
            .env("GIT_COMMITTER_EMAIL", "t@example.com")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .unwrap()
            .success();
        assert!(ok, "git {args:?}");
    }

    #[test]
    fn a_checkout_is_described_without_its_credentials() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        assert_eq!(capture(d), None, "not a checkout yet");
        sh(d, &["init", "-q", "-b", "exp/lr"]);
        std::fs::write(d.join("train.py"), "print('v1')\n").unwrap();
        sh(d, &["add", "train.py"]);
        sh(d, &["commit", "-q", "-m", "one"]);
        sh(
            d,
            &[
                "remote",
                "add",
                "origin",
                "https://x-access-token:ghs_16C7e42F292c6912E7710c838347Ae178B4a@github.com/acme/fraud.git",
            ],
        );
        let code = capture(d).unwrap();
        assert_eq!(
            code.repository.as_deref(),
            Some("https://github.com/acme/fraud.git")
        );
        assert_eq!(code.branch.as_deref(), Some("exp/lr"));
        assert_eq!(code.commit.as_ref().unwrap().len(), 40);
        assert!(!code.dirty);
        assert_eq!(code.diff_sha256, None);
        // An uncommitted change: dirty, with a hash that changes with the diff.
        std::fs::write(d.join("train.py"), "print('v2')\n").unwrap();
        let first = capture(d).unwrap();
        assert!(first.dirty);
        std::fs::write(d.join("train.py"), "print('v3')\n").unwrap();
        let second = capture(d).unwrap();
        assert!(second.diff_sha256.is_some() && second.diff_sha256 != first.diff_sha256);
        // Untracked files do not make it dirty.
        sh(d, &["checkout", "-q", "train.py"]);
        std::fs::write(d.join("notes.txt"), "x").unwrap();
        assert!(!capture(d).unwrap().dirty);
    }
}
