//! `shelf push`: check and read the inputs, upload the artifacts, then commit the next
//! version through the commit pipeline ([`crate::commit`]) and refresh the derived files.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path as FsPath, PathBuf};

use shelf_format::{
    Artifact, ArtifactPath, BranchName, Code, Digest, Environment, Event, Key, ModelIndex,
    ModelName, ParamValue, Parent, Reference, Run, StoredFile, Subject, VersionManifest,
    VersionSummary,
};

use crate::capture::environment::{LockFile, read_lock};
use crate::capture::redact::redact_in_place;
use crate::commit::Appender;
use crate::datasets::DatasetSpec;
use crate::error::{Error, Result};
use crate::failpoint;
use crate::progress::Reporter;
use crate::registry::Registry;

/// What to push.
#[derive(Debug, Clone)]
pub struct PushRequest {
    pub model: ModelName,
    /// Files and folders; a folder is taken recursively, paths relative to it.
    pub paths: Vec<PathBuf>,
    pub description: String,
    pub metrics: BTreeMap<Key, f64>,
    pub params: BTreeMap<Key, ParamValue>,
    pub labels: BTreeMap<Key, String>,
    pub author: String,
    /// The version this one comes from (fine-tune, retrain); resolved and pinned to its
    /// content id before anything is uploaded.
    pub parent: Option<Reference>,
    /// The experiment branch.
    pub branch: Option<BranchName>,
    /// A model (the default) or a dataset (`shelf dataset push`).
    pub subject: Subject,
    /// The environment captured by the caller (see [`crate::capture::environment`]).
    pub environment: Option<Environment>,
    /// A lock file to store with the version (recorded as `environment.lock_file`); its
    /// packages are recorded when `environment` has none.
    pub env_lock: Option<PathBuf>,
    /// The code state captured by the caller (see [`crate::capture::code`]).
    pub code: Option<Code>,
    /// The training run: command, tracker link, experiment.
    pub run: Option<Run>,
    /// `--dataset ROLE=…` links, resolved at push.
    pub datasets: Vec<DatasetSpec>,
    /// Follow symbolic links that leave a pushed folder (each one is listed in the
    /// outcome's notes); without it such a link is refused.
    pub follow_symlinks: bool,
    /// Recorded in the manifest; a version of this model already registered with it is
    /// returned instead of registering another (docs/format.md §6.2).
    pub idempotency_key: Option<String>,
}

impl PushRequest {
    /// A request with nothing but the essentials; fill the rest with struct update syntax.
    pub fn new(model: ModelName, paths: Vec<PathBuf>, author: impl Into<String>) -> Self {
        PushRequest {
            model,
            paths,
            description: String::new(),
            metrics: BTreeMap::new(),
            params: BTreeMap::new(),
            labels: BTreeMap::new(),
            author: author.into(),
            parent: None,
            branch: None,
            subject: Subject::Model,
            environment: None,
            env_lock: None,
            code: None,
            run: None,
            datasets: Vec::new(),
            follow_symlinks: false,
            idempotency_key: None,
        }
    }
}

/// A local file and the artifact path it gets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputFile {
    pub source: PathBuf,
    pub path: ArtifactPath,
    pub size: u64,
}

/// One artifact of a push.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PushedArtifact {
    pub path: ArtifactPath,
    pub size: u64,
    pub digest: Digest,
    /// False when the blob was already in the registry.
    pub uploaded: bool,
}

/// What a push did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PushOutcome {
    pub model: ModelName,
    pub version: u64,
    pub content_id: Digest,
    /// The log entry that committed it.
    pub seq: u64,
    pub created_at: shelf_format::Timestamp,
    pub created_by: String,
    pub artifacts: Vec<PushedArtifact>,
    pub bytes_uploaded: u64,
    /// Commit attempts (more than 1 when other writers committed first).
    pub attempts: u32,
    /// True when the request's idempotency key had registered this version already:
    /// nothing new was committed.
    pub already_registered: bool,
    /// Derived files that could not be refreshed (the version is committed all the same).
    pub warnings: Vec<String>,
    /// Where credential-looking text was redacted before writing (`run.command`…).
    pub redacted: Vec<String>,
    /// Things the user should know (a dataset linked unverified…); the push succeeded.
    pub notes: Vec<String>,
}

/// The files of a push, and what the user should know about how they were found.
#[derive(Debug, Clone, Default)]
pub struct Inputs {
    pub files: Vec<InputFile>,
    /// Hidden files uploaded, symbolic links followed out of a folder, special files
    /// (FIFOs, sockets, devices) skipped.
    pub notes: Vec<String>,
}

/// At most this many paths are named in one note.
const NAMED_IN_A_NOTE: usize = 10;

/// `paths` joined for a note, the first [`NAMED_IN_A_NOTE`] of them.
fn listed(paths: &[String]) -> String {
    let mut out = paths
        .iter()
        .take(NAMED_IN_A_NOTE)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if paths.len() > NAMED_IN_A_NOTE {
        out.push_str(&format!(" and {} more", paths.len() - NAMED_IN_A_NOTE));
    }
    out
}

/// Expand files and folders into the list of artifacts, checking that each is readable
/// and that no two get the same artifact path. Nothing is written.
///
/// A file or folder named on the command line is taken as it is, a symbolic link included.
/// Inside a folder, a symbolic link whose target is inside that folder is followed; one that
/// leaves it is refused, all of them named, unless `follow_symlinks` (then each is named in
/// a note); a link that cannot be resolved (a loop, a dangling link) or that points to a
/// folder containing it is refused at once. FIFOs, sockets and devices are never read: they
/// are named in a note. Hidden files (`.env`…) are uploaded like any file, and named in a
/// note.
pub fn collect_inputs(paths: &[PathBuf], follow_symlinks: bool) -> Result<Inputs> {
    if paths.is_empty() {
        return Err(Error::Usage(
            "nothing to push: give at least one file or folder".into(),
        ));
    }
    let mut files = Vec::new();
    let mut notes = Vec::new();
    for root in paths {
        let meta = std::fs::metadata(root).map_err(|e| Error::io("read", root, e))?;
        if meta.is_dir() {
            let canonical = std::fs::canonicalize(root).map_err(|e| Error::io("read", root, e))?;
            let mut walk = Walk {
                root,
                canonical_root: canonical.clone(),
                follow_symlinks,
                files: Vec::new(),
                outside: Vec::new(),
                followed: Vec::new(),
                special: Vec::new(),
                hidden: Vec::new(),
                stack: vec![canonical],
            };
            walk.dir(root)?;
            let shown = root.display();
            if !walk.outside.is_empty() {
                return Err(Error::Usage(format!(
                    "{shown} holds symbolic links that leave it: {}; refusing to upload what they point to (remove them, or pass --follow-symlinks to upload it)",
                    walk.outside.join(", ")
                )));
            }
            if !walk.followed.is_empty() {
                notes.push(format!(
                    "followed symbolic links out of {shown} (--follow-symlinks): {}",
                    listed(&walk.followed)
                ));
            }
            if !walk.special.is_empty() {
                notes.push(format!(
                    "skipped special files in {shown} (only regular files are uploaded): {}",
                    listed(&walk.special)
                ));
            }
            if !walk.hidden.is_empty() {
                notes.push(format!(
                    "uploaded hidden files of {shown} (like any other file; move them out of the folder to leave them out): {}",
                    listed(&walk.hidden)
                ));
            }
            if walk.files.is_empty() {
                return Err(Error::Usage(format!(
                    "folder {shown} holds no files to push"
                )));
            }
            files.extend(walk.files);
        } else if meta.is_file() {
            let name = root.file_name().and_then(|n| n.to_str()).ok_or_else(|| {
                Error::Usage(format!("{} has no UTF-8 file name", root.display()))
            })?;
            files.push(InputFile {
                source: root.clone(),
                path: ArtifactPath::new(name)?,
                size: meta.len(),
            });
        } else {
            return Err(Error::Usage(format!(
                "{} is neither a file nor a folder",
                root.display()
            )));
        }
    }
    let mut seen: HashMap<&ArtifactPath, &FsPath> = HashMap::new();
    for f in &files {
        if let Some(other) = seen.insert(&f.path, &f.source) {
            return Err(Error::Usage(format!(
                "two files would both be stored as artifact {:?}: {} and {}",
                f.path.as_str(),
                other.display(),
                f.source.display()
            )));
        }
        std::fs::File::open(&f.source).map_err(|e| Error::io("open", &f.source, e))?;
    }
    Ok(Inputs { files, notes })
}

/// The walk of one pushed folder.
struct Walk<'a> {
    root: &'a FsPath,
    canonical_root: PathBuf,
    follow_symlinks: bool,
    files: Vec<InputFile>,
    /// Links that leave the folder (`link -> target`), refused without `follow_symlinks`.
    outside: Vec<String>,
    /// Links that left the folder and were followed.
    followed: Vec<String>,
    /// FIFOs, sockets, devices: `path (kind)`.
    special: Vec<String>,
    /// Uploaded files with a part starting with `.`.
    hidden: Vec<String>,
    /// The canonical paths of the folders being walked, outermost first: a link to one of
    /// them is a loop.
    stack: Vec<PathBuf>,
}

impl Walk<'_> {
    /// `path` relative to the pushed folder, `/`-separated, as shown in messages.
    fn relative(&self, path: &FsPath) -> String {
        let rel = path.strip_prefix(self.root).unwrap_or(path);
        rel.to_string_lossy()
            .replace('\\', "/")
            .escape_debug()
            .to_string()
    }

    fn dir(&mut self, dir: &FsPath) -> Result<()> {
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .map_err(|e| Error::io("read", dir, e))?
            .collect::<std::io::Result<_>>()
            .map_err(|e| Error::io("read", dir, e))?;
        entries.sort_by_key(|e| e.file_name());
        let here = self.stack.last().cloned().unwrap_or_default();
        for entry in entries {
            let path = entry.path();
            let own = std::fs::symlink_metadata(&path).map_err(|e| Error::io("read", &path, e))?;
            let (meta, canonical) = if own.file_type().is_symlink() {
                let rel = self.relative(&path);
                let target = std::fs::canonicalize(&path).map_err(|e| {
                    Error::Usage(format!(
                        "{} holds the symbolic link {rel}, which cannot be resolved ({e}): refusing to push a link loop or a dangling link",
                        self.root.display()
                    ))
                })?;
                if let Some(ancestor) = self.stack.iter().find(|d| **d == target) {
                    return Err(Error::Usage(format!(
                        "{} holds the symbolic link {rel} -> {}, a folder that contains it: refusing to push a link loop",
                        self.root.display(),
                        ancestor.display()
                    )));
                }
                if !target.starts_with(&self.canonical_root) {
                    let shown = format!("{rel} -> {}", target.display());
                    if !self.follow_symlinks {
                        self.outside.push(shown);
                        continue;
                    }
                    self.followed.push(shown);
                }
                let meta = std::fs::metadata(&path).map_err(|e| Error::io("read", &path, e))?;
                (meta, target)
            } else {
                (own, here.join(entry.file_name()))
            };
            if meta.is_dir() {
                self.stack.push(canonical);
                self.dir(&path)?;
                self.stack.pop();
            } else if meta.is_file() {
                let rel = path.strip_prefix(self.root).unwrap_or(&path);
                let parts: Option<Vec<&str>> =
                    rel.components().map(|c| c.as_os_str().to_str()).collect();
                let parts = parts.ok_or_else(|| {
                    Error::Usage(format!("{} has no UTF-8 file name", path.display()))
                })?;
                if parts.iter().any(|p| p.starts_with('.')) {
                    self.hidden.push(parts.join("/"));
                }
                self.files.push(InputFile {
                    source: path.clone(),
                    path: ArtifactPath::new(parts.join("/"))?,
                    size: meta.len(),
                });
            } else {
                let kind = special_kind(&meta.file_type());
                self.special
                    .push(format!("{} ({kind})", self.relative(&path)));
            }
        }
        Ok(())
    }
}

/// What a file that is neither a regular file nor a folder is.
fn special_kind(file_type: &std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt as _;
        if file_type.is_fifo() {
            return "FIFO";
        }
        if file_type.is_socket() {
            return "socket";
        }
        if file_type.is_block_device() {
            return "block device";
        }
        if file_type.is_char_device() {
            return "character device";
        }
    }
    let _ = file_type;
    "special file"
}

/// Read `--env-lock` once, before anything is written: its name, format, packages and text,
/// the packages checked and redacted like every recorded text, the text redacted (it is
/// stored as the lock file's blob).
fn read_env_lock(path: &FsPath, redacted: &mut Vec<String>) -> Result<(String, LockFile)> {
    if !path.is_file() {
        return Err(Error::Usage(format!(
            "--env-lock {}: no such file",
            path.display()
        )));
    }
    let size = std::fs::metadata(path)
        .map_err(|e| Error::io("read", path, e))?
        .len();
    if size > crate::upload::PART_SIZE as u64 {
        return Err(Error::Usage(format!(
            "--env-lock {}: a lock file is at most {} bytes",
            path.display(),
            crate::upload::PART_SIZE
        )));
    }
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("lock")
        .to_string();
    shelf_format::names::TextRule::SHORT.check("environment.lock_file.name", &name)?;
    let mut lock = read_lock(path)?;
    let mut texts = crate::texts::Texts::new();
    let packages = std::mem::take(&mut lock.packages);
    for (package, mut version) in packages {
        crate::texts::check_package_name(&package)?;
        texts.text(
            &format!("environment.packages.{package}"),
            &mut version,
            shelf_format::names::TextRule::LINE,
        )?;
        lock.packages.insert(package, version);
    }
    redacted.extend(texts.into_redacted());
    // A lock file can carry an index URL with a password: it is stored redacted.
    redact_in_place(&mut lock.text, "environment.lock_file", redacted);
    Ok((name, lock))
}

/// A push in three stages, each in its own type: [`Push::prepare`] checks and reads
/// everything and writes nothing, [`PreparedPush::upload`] uploads the blobs
/// (content-addressed, write-once: a failure after it leaves no visible version),
/// [`UploadedPush::commit`] commits the log entry through the commit pipeline
/// ([`crate::commit`]) and refreshes the derived files.
pub struct Push;

impl Push {
    /// Validate and redact the request, collect the files, read the lock file, link the
    /// datasets, resolve the parent, and open the model's log (replayed from entry 1).
    /// Nothing is written.
    pub async fn prepare<'r>(
        registry: &'r Registry,
        req: &PushRequest,
    ) -> Result<PreparedPush<'r>> {
        if let Some(key) = &req.idempotency_key {
            shelf_format::documents::check_idempotency_key(key).map_err(Error::Usage)?;
        }
        let (req, mut redacted) = crate::texts::push_request(req)?;
        let Inputs {
            files: inputs,
            notes: input_notes,
        } = collect_inputs(&req.paths, req.follow_symlinks)?;
        if let Some(conflict) =
            shelf_format::documents::path_conflict(inputs.iter().map(|i| &i.path))
        {
            return Err(Error::Usage(format!(
                "cannot push these files together: {conflict}"
            )));
        }
        if let Some(reserved) = inputs
            .iter()
            .find_map(|i| shelf_format::documents::reserved_path(&i.path))
        {
            return Err(Error::Usage(format!("cannot push this file: {reserved}")));
        }
        let lock = req
            .env_lock
            .as_deref()
            .map(|path| read_env_lock(path, &mut redacted))
            .transpose()?;
        registry.descriptor().await?;
        let (datasets, dataset_notes) =
            crate::datasets::link_datasets(registry, &req.datasets).await?;
        let mut notes = input_notes;
        notes.extend(dataset_notes);
        let parent = match &req.parent {
            Some(reference) => {
                let (_, summary) = registry.resolve(reference).await.map_err(|e| match e {
                    e @ (Error::NoModel { .. } | Error::Select { .. }) => Error::BadReference {
                        what: "parent",
                        source: Box::new(e),
                    },
                    other => other,
                })?;
                Some(Parent {
                    model: reference.model.clone(),
                    version: summary.version,
                    content_id: summary.content_id,
                })
            }
            None => None,
        };
        let appender = Appender::open(registry, &req.model, true).await?;
        if let Some(first) = appender.state().versions.first() {
            if first.subject != req.subject {
                return Err(Error::Usage(format!(
                    "{} is a {}, not a {}: {}",
                    req.model,
                    first.subject,
                    req.subject,
                    match req.subject {
                        Subject::Dataset => "push its versions with `shelf push`",
                        Subject::Model => "push its versions with `shelf dataset push`",
                    }
                )));
            }
        }
        let previous: HashMap<ArtifactPath, u64> = match appender.state().versions.last() {
            Some(summary) => registry
                .manifest(&req.model, summary)
                .await?
                .artifacts
                .into_iter()
                .map(|a| (a.path, a.size))
                .collect(),
            None => HashMap::new(),
        };
        Ok(PreparedPush {
            registry,
            req,
            redacted,
            inputs,
            lock,
            datasets,
            parent,
            notes,
            appender,
            previous,
        })
    }
}

/// A push checked and read, nothing written yet.
pub struct PreparedPush<'r> {
    registry: &'r Registry,
    req: PushRequest,
    redacted: Vec<String>,
    inputs: Vec<InputFile>,
    lock: Option<(String, LockFile)>,
    datasets: Vec<shelf_format::DatasetLink>,
    parent: Option<Parent>,
    notes: Vec<String>,
    appender: Appender<'r>,
    /// Path → size of the previous version's artifacts (likely unchanged files).
    previous: HashMap<ArtifactPath, u64>,
}

impl<'r> PreparedPush<'r> {
    /// The files that will be pushed, with their artifact paths.
    pub fn inputs(&self) -> &[InputFile] {
        &self.inputs
    }

    /// Inspect and upload every file (and the lock file) to its blob. Blobs are truth but
    /// unreferenced until the commit: a failure from here on leaves no visible version.
    pub async fn upload(self, reporter: &dyn Reporter) -> Result<UploadedPush<'r>> {
        let PreparedPush {
            registry,
            req,
            redacted,
            inputs,
            lock,
            datasets,
            parent,
            mut notes,
            appender,
            previous,
        } = self;
        let mut artifacts = Vec::with_capacity(inputs.len());
        let mut pushed = Vec::with_capacity(inputs.len());
        let mut bytes_uploaded = 0;
        for input in &inputs {
            // What the file's headers say; a malformed model file is pushed without it.
            let inspection = crate::inspect::inspect_file(&input.source);
            if let Some(warning) = inspection.warning() {
                let warning =
                    warning.replace(&input.source.display().to_string(), input.path.as_str());
                notes.push(format!("{warning}; pushed without its introspection"));
            }
            let info = inspection.into_info();
            if info.as_ref().is_some_and(|i| i.unsafe_to_load()) {
                notes.push(format!(
                    "{} is a {}: loading it can run arbitrary code; load it only from a source you trust",
                    input.path,
                    info.as_ref().map_or("pickle", |i| i.format_name())
                ));
            }
            let likely_unchanged = previous.get(&input.path) == Some(&input.size);
            let up = crate::upload::upload_file(
                registry,
                &input.source,
                input.path.as_str(),
                likely_unchanged,
                reporter,
            )
            .await?;
            bytes_uploaded += up.bytes_uploaded;
            notes.extend(up.note.clone());
            artifacts.push(Artifact {
                path: input.path.clone(),
                size: up.size,
                digest: up.digest,
                media_type: None,
                info,
            });
            pushed.push(PushedArtifact {
                path: input.path.clone(),
                size: up.size,
                digest: up.digest,
                uploaded: up.bytes_uploaded > 0,
            });
        }
        let mut environment = req.environment.clone();
        if let Some((name, lock)) = lock {
            // The lock's packages, unless the caller recorded packages already.
            let env = environment.get_or_insert_with(Environment::default);
            if env.packages.is_empty() {
                env.packages_from = Some(lock.format.to_string());
                env.packages.extend(lock.packages);
            }
            // Redacted when it was read (read_env_lock).
            let up = crate::upload::upload_bytes(registry, lock.text.into_bytes(), &name, reporter)
                .await?;
            bytes_uploaded += up.bytes_uploaded;
            environment
                .get_or_insert_with(Environment::default)
                .lock_file = Some(StoredFile {
                name,
                size: up.size,
                digest: up.digest,
            });
        }
        Ok(UploadedPush {
            req,
            redacted,
            datasets,
            parent,
            notes,
            appender,
            artifacts,
            pushed,
            bytes_uploaded,
            environment,
        })
    }
}

/// A push whose blobs are uploaded: what remains is the commit.
pub struct UploadedPush<'r> {
    req: PushRequest,
    redacted: Vec<String>,
    datasets: Vec<shelf_format::DatasetLink>,
    parent: Option<Parent>,
    notes: Vec<String>,
    appender: Appender<'r>,
    artifacts: Vec<Artifact>,
    pushed: Vec<PushedArtifact>,
    bytes_uploaded: u64,
    environment: Option<Environment>,
}

impl UploadedPush<'_> {
    /// Commit version N+1 (numbered from the log, again after every lost race), then
    /// refresh the derived files.
    pub async fn commit(mut self) -> Result<PushOutcome> {
        failpoint::hit("before-commit");
        if let Some(existing) = self.registered_with_key(self.appender.state()) {
            return self.already_registered(existing).await;
        }
        let req = &self.req;
        let (artifacts, environment, parent, datasets) = (
            &self.artifacts,
            &self.environment,
            &self.parent,
            &self.datasets,
        );
        // A writer with the same key may commit first (a CI job retried while the first
        // attempt still ran): after every lost race the replayed log is looked at again.
        let mut found = None;
        let key = req.idempotency_key.as_deref();
        let committed = self
            .appender
            .commit(&req.author, None, |index, time| {
                if let Some(existing) = key.and_then(|k| index.registered_with_key(k)) {
                    found = Some(existing.clone());
                    return Err(Error::Usage(format!(
                        "idempotency key {:?} was used by another writer",
                        key.unwrap_or_default()
                    )));
                }
                let version = index.latest_version() + 1;
                let manifest = VersionManifest {
                    description: req.description.clone(),
                    artifacts: artifacts.clone(),
                    metrics: req.metrics.clone(),
                    params: req.params.clone(),
                    labels: req.labels.clone(),
                    parent: parent.clone(),
                    branch: req.branch.clone(),
                    subject: req.subject,
                    environment: environment.clone(),
                    code: req.code.clone(),
                    run: req.run.clone(),
                    datasets: datasets.clone(),
                    idempotency_key: req.idempotency_key.clone(),
                    ..VersionManifest::new(req.model.clone(), version, time, req.author.clone())
                };
                let event = Event::Register {
                    version,
                    content_id: manifest.content_id()?,
                    manifest: Box::new(manifest.clone()),
                };
                Ok((event, manifest))
            })
            .await;
        let committed = match (committed, found) {
            (Err(_), Some(existing)) => return self.already_registered(existing).await,
            (committed, _) => committed?,
        };
        failpoint::hit("after-commit");
        let manifest = committed.extra;
        let content_id = manifest.content_id()?;
        let warnings = self.appender.refresh_derived(Some(&manifest)).await;
        Ok(PushOutcome {
            model: self.req.model.clone(),
            version: manifest.version,
            content_id,
            seq: committed.entry.seq,
            created_at: manifest.created_at,
            created_by: manifest.created_by.clone(),
            artifacts: self.pushed,
            bytes_uploaded: self.bytes_uploaded,
            attempts: committed.attempts,
            already_registered: false,
            warnings,
            redacted: self.redacted,
            notes: self.notes,
        })
    }

    /// The version the request's idempotency key registered, in this replayed state.
    fn registered_with_key(&self, state: &ModelIndex) -> Option<VersionSummary> {
        let key = self.req.idempotency_key.as_deref()?;
        state.registered_with_key(key).cloned()
    }

    /// The outcome of a push whose idempotency key registered `existing` already: the
    /// same request again returns it; other files or values under the same key are
    /// refused, naming the first difference.
    async fn already_registered(self, existing: VersionSummary) -> Result<PushOutcome> {
        let req = &self.req;
        let key = req.idempotency_key.clone().unwrap_or_default();
        let manifest = self
            .appender
            .registry()
            .manifest(&req.model, &existing)
            .await?;
        let files = |artifacts: &[Artifact]| -> Vec<(ArtifactPath, u64, Digest)> {
            artifacts
                .iter()
                .map(|a| (a.path.clone(), a.size, a.digest))
                .collect()
        };
        let differs = [
            (
                "artifacts",
                files(&manifest.artifacts) != files(&self.artifacts),
            ),
            ("description", manifest.description != req.description),
            ("metrics", manifest.metrics != req.metrics),
            ("params", manifest.params != req.params),
            ("labels", manifest.labels != req.labels),
            ("parent", manifest.parent != self.parent),
            ("branch", manifest.branch != req.branch),
            ("datasets", manifest.datasets != self.datasets),
        ]
        .into_iter()
        .find_map(|(what, differs)| differs.then_some(what));
        if let Some(what) = differs {
            return Err(Error::Usage(format!(
                "idempotency key {key:?} already registered {}@{} with other {what}: use a new key for a new version",
                req.model, existing.version
            )));
        }
        let mut notes = self.notes;
        notes.push(format!(
            "{}@{} was already registered with idempotency key {key:?} (at {}, by {}); nothing new was committed",
            req.model, existing.version, existing.created_at, existing.created_by
        ));
        Ok(PushOutcome {
            model: req.model.clone(),
            version: existing.version,
            content_id: existing.content_id,
            seq: existing.seq,
            created_at: existing.created_at,
            created_by: existing.created_by.clone(),
            artifacts: self.pushed,
            bytes_uploaded: self.bytes_uploaded,
            attempts: 0,
            already_registered: true,
            warnings: Vec::new(),
            redacted: self.redacted,
            notes,
        })
    }
}
