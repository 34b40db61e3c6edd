//! Environment capture at push: the Python interpreter and its packages (or a lock file),
//! the OS, CPU, GPUs and CUDA, a container image. Environment variables are never read
//! for capture, and every text goes through redaction before it is written.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use shelf_format::{Environment, Gpu};

use crate::error::{Error, Result};

/// How long an interpreter or `nvidia-smi` may take to answer.
const PROBE_TIMEOUT: Duration = Duration::from_secs(20);

/// What to capture.
#[derive(Debug, Clone, Default)]
pub struct EnvOptions {
    /// The interpreter to ask for its packages [default: `$VIRTUAL_ENV/bin/python`, then
    /// `python3`, then `python` on PATH].
    pub python: Option<PathBuf>,
    /// A lock file gives the packages (`shelf push` reads and stores it, see
    /// [`read_lock`]): only the interpreter's version is asked for.
    pub packages_from_lock: bool,
    /// A container image reference, pinned by digest.
    pub container_image: Option<String>,
}

/// The lock file formats read.
const LOCK_FORMATS: [&str; 4] = [
    "requirements.txt",
    "uv.lock",
    "poetry.lock",
    "environment.yml",
];

/// Capture the environment. Missing tools (no Python, no GPU) are simply absent; a lock
/// file or image that is given but wrong is a usage error. Returns notes for the user.
pub fn capture(opts: &EnvOptions) -> Result<(Environment, Vec<String>)> {
    let mut env = Environment::default();
    let mut notes = Vec::new();
    if let Some(image) = &opts.container_image {
        check_image(image)?;
        env.container_image = Some(image.clone());
    }
    match opts.packages_from_lock {
        true => {
            if let Some(python) = interpreter(opts.python.as_deref()) {
                env.python = python_version(&python);
            }
        }
        false => match interpreter(opts.python.as_deref()) {
            Some(python) => match python_packages(&python) {
                Ok((version, packages)) => {
                    env.python = Some(version);
                    env.packages = packages;
                    env.packages_from = Some("interpreter".into());
                }
                Err(e) => notes.push(format!(
                    "environment: {} did not list its packages ({e}); give --env-lock or --no-env",
                    python.display()
                )),
            },
            None if opts.python.is_some() => {
                return Err(Error::Usage(format!(
                    "--python {}: no such interpreter",
                    opts.python
                        .as_ref()
                        .map(|p| p.display().to_string())
                        .unwrap_or_default()
                )));
            }
            None => {}
        },
    }
    env.os = os();
    env.cpu = cpu();
    if let Some((gpus, cuda)) = gpus() {
        env.gpus = gpus;
        env.cuda = cuda;
    }
    Ok((env, notes))
}

fn check_image(image: &str) -> Result<()> {
    let pinned = image.rsplit_once("@sha256:").is_some_and(|(name, hex)| {
        !name.is_empty()
            && hex.len() == 64
            && hex
                .chars()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
    });
    if pinned {
        Ok(())
    } else {
        Err(Error::Usage(format!(
            "invalid container image {image:?}: give it pinned by digest, NAME@sha256:<64 hex digits> (a tag can move)"
        )))
    }
}

/// Run `cmd` with a deadline, returning stdout when it exits 0.
fn run(mut cmd: Command) -> std::result::Result<String, String> {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().map_err(|e| e.to_string())?;
    let deadline = std::time::Instant::now() + PROBE_TIMEOUT;
    loop {
        match child.try_wait().map_err(|e| e.to_string())? {
            Some(_) => break,
            None if std::time::Instant::now() > deadline => {
                let _ = child.kill();
                return Err(format!("no answer within {} s", PROBE_TIMEOUT.as_secs()));
            }
            None => std::thread::sleep(Duration::from_millis(20)),
        }
    }
    let out = child.wait_with_output().map_err(|e| e.to_string())?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        return Err(err.lines().last().unwrap_or("failed").to_string());
    }
    String::from_utf8(out.stdout).map_err(|e| e.to_string())
}

/// The interpreter to ask: the one given, the active virtualenv's, then PATH's.
fn interpreter(given: Option<&Path>) -> Option<PathBuf> {
    if let Some(given) = given {
        return given
            .exists()
            .then(|| given.to_path_buf())
            .or_else(|| which(given));
    }
    // The only environment variable read: where the active virtualenv is (not recorded).
    if let Some(venv) = std::env::var_os("VIRTUAL_ENV") {
        let python = Path::new(&venv).join("bin").join("python");
        if python.exists() {
            return Some(python);
        }
    }
    which(Path::new("python3")).or_else(|| which(Path::new("python")))
}

fn which(name: &Path) -> Option<PathBuf> {
    if name.components().count() > 1 {
        return None;
    }
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

const LIST_PACKAGES: &str = r#"
import json, sys
try:
    import importlib.metadata as md
except ImportError:
    md = None
packages = {}
if md is not None:
    for dist in md.distributions():
        name = dist.metadata.get("Name")
        if name:
            packages[name.lower().replace("_", "-")] = dist.version
print(json.dumps({"python": sys.version.split()[0], "packages": packages}))
"#;

fn python_packages(
    python: &Path,
) -> std::result::Result<(String, BTreeMap<String, String>), String> {
    let mut cmd = Command::new(python);
    cmd.args(["-I", "-c", LIST_PACKAGES]);
    let out = run(cmd)?;
    #[derive(serde::Deserialize)]
    struct Listed {
        python: String,
        packages: BTreeMap<String, String>,
    }
    let listed: Listed = serde_json::from_str(out.trim()).map_err(|e| e.to_string())?;
    Ok((listed.python, listed.packages))
}

fn python_version(python: &Path) -> Option<String> {
    let mut cmd = Command::new(python);
    cmd.args(["-I", "-c", "import sys; print(sys.version.split()[0])"]);
    run(cmd).ok().map(|s| s.trim().to_string())
}

/// A lock file, read once: its format, its packages and its text (stored redacted).
#[derive(Debug, Clone)]
pub struct LockFile {
    /// `requirements.txt`, `uv.lock`, `poetry.lock` or `environment.yml`.
    pub format: &'static str,
    /// Name → version or spec.
    pub packages: BTreeMap<String, String>,
    pub text: String,
}

/// Read a lock file: which format, and its packages (name → version or spec).
pub fn read_lock(path: &Path) -> Result<LockFile> {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    let format = match name {
        "uv.lock" => "uv.lock",
        "poetry.lock" => "poetry.lock",
        n if n.ends_with(".yml") || n.ends_with(".yaml") => "environment.yml",
        n if n.ends_with(".txt") || n.ends_with(".in") => "requirements.txt",
        _ => {
            return Err(Error::Usage(format!(
                "--env-lock {}: unknown lock file; shelf reads {}",
                path.display(),
                LOCK_FORMATS.join(", ")
            )));
        }
    };
    let text = std::fs::read_to_string(path).map_err(|e| Error::io("read", path, e))?;
    let bad = |detail: String| Error::Usage(format!("--env-lock {}: {detail}", path.display()));
    let packages = match format {
        "requirements.txt" => requirements(&text),
        "uv.lock" | "poetry.lock" => {
            #[derive(serde::Deserialize)]
            struct Lock {
                #[serde(default)]
                package: Vec<Package>,
            }
            #[derive(serde::Deserialize)]
            struct Package {
                name: String,
                #[serde(default)]
                version: Option<String>,
            }
            let lock: Lock =
                toml::from_str(&text).map_err(|e| bad(format!("not valid TOML: {e}")))?;
            lock.package
                .into_iter()
                .map(|p| (p.name.to_lowercase(), p.version.unwrap_or_default()))
                .collect()
        }
        _ => conda(&text).map_err(bad)?,
    };
    if packages.is_empty() {
        return Err(bad(format!("no packages found in this {format}")));
    }
    Ok(LockFile {
        format,
        packages,
        text,
    })
}

/// `name==1.2`, `name>=1`, `name @ url` lines; comments, options and blank lines skipped.
fn requirements(text: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for line in text.lines() {
        let line = line.split(" #").next().unwrap_or("").trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with('-') {
            continue;
        }
        let line = line.split(';').next().unwrap_or("").trim();
        if let Some((name, url)) = line.split_once(" @ ") {
            out.insert(normalise(name), url.trim().to_string());
            continue;
        }
        let cut = line
            .find(['=', '<', '>', '~', '!', '['])
            .unwrap_or(line.len());
        let (name, spec) = line.split_at(cut);
        let spec =
            spec.trim_start_matches(|c| c != '=' && c != '<' && c != '>' && c != '~' && c != '!');
        let version = spec.strip_prefix("==").unwrap_or(spec).trim().to_string();
        out.insert(normalise(name), version);
    }
    out
}

fn normalise(name: &str) -> String {
    name.trim().to_lowercase().replace('_', "-")
}

/// A conda `environment.yml`: `dependencies` of `name=version[=build]` and a `pip:` list.
fn conda(text: &str) -> std::result::Result<BTreeMap<String, String>, String> {
    let doc: serde_yaml_ng::Value =
        serde_yaml_ng::from_str(text).map_err(|e| format!("not valid YAML: {e}"))?;
    let deps = doc
        .get("dependencies")
        .and_then(|d| d.as_sequence())
        .ok_or("no `dependencies` list")?;
    let mut out = BTreeMap::new();
    for dep in deps {
        if let Some(s) = dep.as_str() {
            let mut parts = s.splitn(3, '=');
            let name = parts.next().unwrap_or_default();
            let name = name.rsplit("::").next().unwrap_or(name);
            let version = parts.next().unwrap_or("").to_string();
            out.insert(normalise(name), version);
        } else if let Some(pip) = dep.get("pip").and_then(|p| p.as_sequence()) {
            let lines: Vec<&str> = pip.iter().filter_map(|l| l.as_str()).collect();
            out.extend(requirements(&lines.join("\n")));
        }
    }
    Ok(out)
}

/// `Debian GNU/Linux 13 (trixie), linux x86_64, kernel 6.1.0-18-amd64`.
fn os() -> Option<String> {
    let mut parts = Vec::new();
    if let Ok(release) = std::fs::read_to_string("/etc/os-release") {
        if let Some(name) = release.lines().find_map(|l| l.strip_prefix("PRETTY_NAME=")) {
            parts.push(name.trim_matches('"').to_string());
        }
    }
    parts.push(format!(
        "{} {}",
        std::env::consts::OS,
        std::env::consts::ARCH
    ));
    if let Ok(kernel) = std::fs::read_to_string("/proc/sys/kernel/osrelease") {
        parts.push(format!("kernel {}", kernel.trim()));
    }
    Some(parts.join(", "))
}

/// `AMD EPYC 7B13 (2 cores)`.
fn cpu() -> Option<String> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, m)| m.trim().to_string())
        });
    Some(match model {
        Some(model) => format!("{model} ({cores} cores)"),
        None => format!("{} ({cores} cores)", std::env::consts::ARCH),
    })
}

/// GPUs and the CUDA version, from `nvidia-smi` when it is installed.
fn gpus() -> Option<(Vec<Gpu>, Option<String>)> {
    let smi = which(Path::new("nvidia-smi"))?;
    let mut query = Command::new(&smi);
    query.args([
        "--query-gpu=name,driver_version,memory.total",
        "--format=csv,noheader,nounits",
    ]);
    let listed = run(query).ok()?;
    let gpus: Vec<Gpu> = parse_gpus(&listed);
    let cuda = run(Command::new(&smi))
        .ok()
        .and_then(|banner| parse_cuda(&banner));
    Some((gpus, cuda))
}

fn parse_gpus(csv: &str) -> Vec<Gpu> {
    csv.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let mut cells = line.split(',').map(str::trim);
            Gpu {
                name: cells.next().unwrap_or_default().to_string(),
                driver: cells.next().filter(|s| !s.is_empty()).map(str::to_string),
                memory_mib: cells.next().and_then(|m| m.parse().ok()),
            }
        })
        .collect()
}

fn parse_cuda(banner: &str) -> Option<String> {
    let at = banner.find("CUDA Version:")?;
    banner[at + "CUDA Version:".len()..]
        .split_whitespace()
        .next()
        .map(|v| v.trim_end_matches('|').to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lock_files_of_each_kind() {
        let dir = tempfile::tempdir().unwrap();
        let write = |name: &str, text: &str| {
            let p = dir.path().join(name);
            std::fs::write(&p, text).unwrap();
            p
        };
        let req = write(
            "requirements.txt",
            "# training deps\nnumpy==1.26.4\nscikit_learn==1.5.1  # pinned\npandas>=2.0\n-r other.txt\n--extra-index-url https://pypi.example.com/simple\nmylib @ git+https://github.com/acme/mylib@v1.2\nrequests[socks]==2.32.3; python_version > \"3.8\"\n",
        );
        let LockFile {
            format,
            packages: p,
            ..
        } = read_lock(&req).unwrap();
        assert_eq!(format, "requirements.txt");
        assert_eq!(p["numpy"], "1.26.4");
        assert_eq!(p["scikit-learn"], "1.5.1");
        assert_eq!(p["pandas"], ">=2.0");
        assert_eq!(p["mylib"], "git+https://github.com/acme/mylib@v1.2");
        assert_eq!(p["requests"], "2.32.3");
        assert_eq!(p.len(), 5);

        let uv = write(
            "uv.lock",
            "version = 1\nrequires-python = \">=3.11\"\n\n[[package]]\nname = \"numpy\"\nversion = \"2.1.0\"\nsource = { registry = \"https://pypi.org/simple\" }\n\n[[package]]\nname = \"fraud-train\"\nversion = \"0.1.0\"\nsource = { editable = \".\" }\n",
        );
        let LockFile {
            format,
            packages: p,
            ..
        } = read_lock(&uv).unwrap();
        assert_eq!(
            (format, p["numpy"].as_str(), p.len()),
            ("uv.lock", "2.1.0", 2)
        );

        let poetry = write(
            "poetry.lock",
            "[[package]]\nname = \"Torch\"\nversion = \"2.3.0\"\ndescription = \"\"\noptional = false\n\n[metadata]\nlock-version = \"2.0\"\n",
        );
        assert_eq!(read_lock(&poetry).unwrap().packages["torch"], "2.3.0");

        let conda = write(
            "environment.yml",
            "name: train\nchannels: [conda-forge]\ndependencies:\n  - python=3.11.7\n  - conda-forge::numpy=1.26.4=py311h64a7726_0\n  - pip\n  - pip:\n    - xgboost==2.0.3\n",
        );
        let LockFile {
            format,
            packages: p,
            ..
        } = read_lock(&conda).unwrap();
        assert_eq!(format, "environment.yml");
        assert_eq!(p["python"], "3.11.7");
        assert_eq!(p["numpy"], "1.26.4");
        assert_eq!(p["xgboost"], "2.0.3");

        let bad = write("Pipfile", "x");
        assert!(
            read_lock(&bad)
                .unwrap_err()
                .to_string()
                .contains("unknown lock file")
        );
        let broken = write("poetry.lock", "[[package]\nname=");
        assert!(
            read_lock(&broken)
                .unwrap_err()
                .to_string()
                .contains("not valid TOML")
        );
        let empty = write("requirements.txt", "# nothing\n");
        assert!(
            read_lock(&empty)
                .unwrap_err()
                .to_string()
                .contains("no packages")
        );
    }

    #[test]
    fn nvidia_smi_output() {
        let gpus = parse_gpus(
            "NVIDIA A100-SXM4-80GB, 535.129.03, 81920\nNVIDIA A100-SXM4-80GB, 535.129.03, 81920\n",
        );
        assert_eq!(gpus.len(), 2);
        assert_eq!(gpus[0].name, "NVIDIA A100-SXM4-80GB");
        assert_eq!(gpus[0].driver.as_deref(), Some("535.129.03"));
        assert_eq!(gpus[0].memory_mib, Some(81920));
        let banner =
            "| NVIDIA-SMI 535.129.03   Driver Version: 535.129.03   CUDA Version: 12.2     |";
        assert_eq!(parse_cuda(banner).as_deref(), Some("12.2"));
    }

    #[test]
    fn images_must_be_pinned_by_digest() {
        let digest = "a".repeat(64);
        assert!(check_image(&format!("ghcr.io/acme/train@sha256:{digest}")).is_ok());
        let err = check_image("ghcr.io/acme/train:latest")
            .unwrap_err()
            .to_string();
        assert!(err.contains("pinned by digest"), "{err}");
        assert!(check_image("train@sha256:abc").is_err());
    }

    #[test]
    fn this_machine_is_described() {
        let (env, _) = capture(&EnvOptions::default()).unwrap();
        assert!(env.os.as_deref().unwrap().contains(std::env::consts::ARCH));
        assert!(env.cpu.as_deref().unwrap().contains("cores"));
    }
}
