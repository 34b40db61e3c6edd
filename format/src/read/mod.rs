//! The read protocol of docs/format.md §7, written once against a [`Source`].
//!
//! A [`Source`] is anything that answers "the bytes at this key, or absent": the indexer
//! implements it over `object_store`, the web app over HTTP GET, an audit snapshot over
//! its archive. Everything a reader does with those bytes lives here, so the CLI and the
//! page refuse a forged or stale derived file the same way:
//!
//! - [`find_dense_head`]: the last position of a dense sequence without listing (§7.1);
//! - [`load_catalog`]: the newest readable catalog generation (§7.2);
//! - [`load_model`]: a model's state, replayed from its log ([`Start::Log`]: writers and
//!   every command that acts on the state) or from its derived index once the index is
//!   anchored to the log ([`Start::Index`]: the page, for speed) (§7.3);
//! - [`load_manifest`]: a version's manifest, the materialised copy when it hashes to
//!   the content id, else the register entry (§7.4);
//! - [`load_as_of`]: the state of a model as of a past time (§7.4);
//! - [`select`]: the version a reference selects in a state, or a typed [`SelectError`].
//!
//! Entries are requested [`Source::concurrency`] at a time; each batch is one round trip.

use std::fmt;

use bytes::Bytes;
use futures::StreamExt as _;

use crate::canonical::{Digest, Timestamp};
use crate::documents::{
    Catalog, CatalogHead, Event, LogEntry, ModelIndex, VersionManifest, VersionSummary, decode,
};
use crate::error::FormatError;
use crate::keys;
use crate::names::{AliasName, ModelName};
use crate::refs::{Reference, Selector};
use crate::replay::ReplayProblem;

/// Where a reader gets bytes: `get(key)` → the bytes, or `None` when absent.
///
/// No `Send` bound, so one implementation style serves tokio and wasm; callers that need
/// `Send` futures get them when their implementation's futures are `Send`.
#[allow(async_fn_in_trait)]
pub trait Source {
    /// Why a request failed (the network, the store). Absent is not an error.
    type Error;

    /// The bytes at `key`, or `None` when absent (HTTP readers: 404 and 403 both mean
    /// absent, §7).
    async fn get(&self, key: &str) -> Result<Option<Bytes>, Self::Error>;

    /// Whether `key` exists. Defaults to a GET; sources with a cheaper HEAD override it.
    async fn exists(&self, key: &str) -> Result<bool, Self::Error> {
        Ok(self.get(key).await?.is_some())
    }

    /// How many requests a reader keeps in flight.
    fn concurrency(&self) -> usize {
        8
    }
}

/// A problem found in a stored object, named by its key. Readers show problems as
/// warnings; writers and verifiers treat integrity problems as errors.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Problem {
    pub key: String,
    pub message: String,
}

impl Problem {
    pub fn new(key: impl Into<String>, message: impl Into<String>) -> Self {
        Problem {
            key: key.into(),
            message: message.into(),
        }
    }

    /// A replay problem of `model`'s log, named by the key of its entry.
    pub fn at_entry(model: &ModelName, p: &ReplayProblem) -> Self {
        Problem::new(keys::log_key(model, p.seq()), p.to_string())
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.key, self.message)
    }
}

/// Why the read protocol could not give an answer.
#[derive(Debug, Clone, PartialEq)]
pub enum ReadError<E> {
    /// The source failed.
    Source(E),
    /// The registry holds no model of this name: its log has no entry 1.
    NoModel { model: ModelName },
    /// Stored truth is damaged where the caller needs it whole (a writer's log, the
    /// entry that registered a version, the log before a time-travel point).
    Integrity { key: String, detail: String },
    /// A stored document is of a newer major format than this build reads.
    NewerFormat { key: String, error: FormatError },
}

impl<E> ReadError<E> {
    fn integrity(problem: Problem) -> Self {
        ReadError::Integrity {
            key: problem.key,
            detail: problem.message,
        }
    }

    /// Splits the source's own failure (`Ok`) from what the protocol found (`Err`): for a
    /// caller that keeps the protocol's findings as they are, in one variant of its own.
    pub fn into_source(self) -> Result<E, ReadError<std::convert::Infallible>> {
        match self {
            ReadError::Source(e) => Ok(e),
            ReadError::NoModel { model } => Err(ReadError::NoModel { model }),
            ReadError::Integrity { key, detail } => Err(ReadError::Integrity { key, detail }),
            ReadError::NewerFormat { key, error } => Err(ReadError::NewerFormat { key, error }),
        }
    }

    /// This error as a caller's error type: `source` maps the source's own failures,
    /// the caller's [`ReadErrors`] the protocol's.
    pub fn into_error<T: ReadErrors>(self, source: impl FnOnce(E) -> T) -> T {
        match self {
            ReadError::Source(e) => source(e),
            ReadError::NoModel { model } => T::no_model(model),
            ReadError::Integrity { key, detail } => T::integrity(key, detail),
            ReadError::NewerFormat { key, error } => T::newer_format(key, error),
        }
    }
}

/// An error type that can say what the read protocol found: how the CLI's and the page's
/// errors take a [`ReadError`] (through [`ReadError::into_error`]), each in its own words.
pub trait ReadErrors {
    /// The registry holds no model of this name.
    fn no_model(model: ModelName) -> Self;
    /// Stored truth at `key` is damaged.
    fn integrity(key: String, detail: String) -> Self;
    /// The document at `key` is of a newer major format.
    fn newer_format(key: String, error: FormatError) -> Self;
}

impl<E> From<E> for ReadError<E> {
    fn from(e: E) -> Self {
        ReadError::Source(e)
    }
}

impl<E: fmt::Display> fmt::Display for ReadError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadError::Source(e) => write!(f, "{e}"),
            ReadError::NoModel { model } => write!(
                f,
                "there is no model {model} in this registry ({} is absent)",
                crate::keys::log_key(model, 1)
            ),
            ReadError::Integrity { key, detail } => {
                write!(f, "integrity error at {key}: {detail}")
            }
            ReadError::NewerFormat { error, .. } => write!(f, "{error}"),
        }
    }
}

impl<E: std::error::Error + 'static> std::error::Error for ReadError<E> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ReadError::Source(e) => Some(e),
            ReadError::NewerFormat { error, .. } => Some(error),
            _ => None,
        }
    }
}

/// Whether a load must refuse a damaged log (writers) or show what it can (readers).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Any integrity problem, a gap or an entry of a newer format is an error.
    Strict,
    /// Problems are collected and the rest of the log is shown.
    Lenient,
}

/// Where replay starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Start {
    /// From entry 1: the state is the replay of truth alone. Writers, `verify` and every
    /// command that acts on the state start here (§2.1: a derived file is never truth).
    Log,
    /// From the derived `_index.json` when it is anchored to the log (the entry at its
    /// head hashes to the digest it records, §7.3 step 2), catching up after it. Protects
    /// against stale and damaged indexes, not against a forger with write access; the
    /// page starts here for speed.
    Index,
}

/// A model's state as read, with what could not be read.
#[derive(Debug, Clone)]
pub struct ModelView {
    pub index: ModelIndex,
    /// Problems found while replaying; empty for a healthy log.
    pub problems: Vec<Problem>,
    /// Log entries read and applied by this load (past the derived index, if it started
    /// from one).
    pub caught_up: u64,
    /// The first problem other than a refused lifecycle event, if any: then the state is
    /// what could be read, not the whole log, and must not be written as derived data.
    pub damage: Option<Problem>,
}

impl ModelView {
    /// The state of a model with an empty log.
    pub fn empty(model: ModelName) -> Self {
        ModelView {
            index: ModelIndex::empty(model),
            problems: Vec::new(),
            caught_up: 0,
            damage: None,
        }
    }
}

/// The newest catalog, as [`load_catalog`] found it.
#[derive(Debug, Clone)]
pub struct CatalogView {
    /// The number of the newest generation written (readable or not); 0 for none.
    pub newest: u64,
    /// The newest readable generation, `None` when there is none.
    pub catalog: Option<Catalog>,
    /// What could not be read (a damaged hint, unreadable generations skipped).
    pub problems: Vec<Problem>,
}

// ---- §7.1 ------------------------------------------------------------------------------

/// The last position of a dense sequence (log entries, catalog generations), from a hint,
/// with existence probes only: gallop forward until a gap, then binary search (§7.1).
/// A hint that does not exist bounds the search from above. 0 for an empty sequence.
pub async fn find_dense_head<S: Source>(
    src: &S,
    key_of: impl Fn(u64) -> String,
    hint: u64,
) -> Result<u64, S::Error> {
    let exists = |n: u64| src.exists_owned(key_of(n));
    let mut lo = 0u64; // exists (or 0)
    let mut hi = None; // absent
    if hint > 0 {
        if exists(hint).await? {
            lo = hint;
        } else {
            hi = Some(hint);
        }
    }
    let mut hi = match hi {
        Some(h) => h,
        None => {
            let mut step = 1u64;
            loop {
                let probe = lo.saturating_add(step);
                if probe == lo || !exists(probe).await? {
                    break probe;
                }
                lo = probe;
                step = step.saturating_mul(2);
            }
        }
    };
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if exists(mid).await? {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    Ok(lo)
}

trait SourceExt: Source {
    async fn exists_owned(&self, key: String) -> Result<bool, Self::Error> {
        self.exists(&key).await
    }
    async fn get_owned(&self, key: String) -> Result<(String, Option<Bytes>), Self::Error> {
        let bytes = self.get(&key).await?;
        Ok((key, bytes))
    }
}

impl<S: Source + ?Sized> SourceExt for S {}

// ---- §7.2 ------------------------------------------------------------------------------

/// The newest readable catalog generation (§7.2): from `catalog/head.json`'s generation
/// (0 when the hint is absent, unreadable or names a generation that does not exist),
/// searching forward; a newest generation that can't be read is reported and the one
/// before it is tried.
pub async fn load_catalog<S: Source>(src: &S) -> Result<CatalogView, S::Error> {
    let mut problems = Vec::new();
    let hint = match src.get(keys::CATALOG_HEAD).await? {
        Some(bytes) => match decode::<CatalogHead>(keys::CATALOG_HEAD, &bytes) {
            Ok(head) => head.generation,
            Err(e) => {
                problems.push(Problem::new(keys::CATALOG_HEAD, e.to_string()));
                0
            }
        },
        None => 0,
    };
    let newest = find_dense_head(src, keys::catalog_key, hint).await?;
    let mut generation = newest;
    while generation > 0 {
        let key = keys::catalog_key(generation);
        if let Some(bytes) = src.get(&key).await? {
            match decode::<Catalog>(&key, &bytes) {
                Ok(catalog) => {
                    return Ok(CatalogView {
                        newest,
                        catalog: Some(catalog),
                        problems,
                    });
                }
                Err(e) => problems.push(Problem::new(key, e.to_string())),
            }
        }
        generation -= 1;
    }
    Ok(CatalogView {
        newest,
        catalog: None,
        problems,
    })
}

// ---- §7.3 ------------------------------------------------------------------------------

/// A model's state (§7.3): replayed from entry 1 ([`Start::Log`]) or from its anchored
/// derived index ([`Start::Index`]), then every entry after, in order. A model whose log
/// has no entry is [`ReadError::NoModel`]. In [`Mode::Strict`] a gap, an entry that
/// fails a replay check of §7.3 (refused lifecycle events excepted: they are inert) or an
/// entry of a newer format is an error; in [`Mode::Lenient`] they are problems.
pub async fn load_model<S: Source>(
    src: &S,
    model: &ModelName,
    start: Start,
    mode: Mode,
) -> Result<ModelView, ReadError<S::Error>> {
    let mut view = match start {
        Start::Log => ModelView::empty(model.clone()),
        Start::Index => {
            let (index, problem) = anchored_index(src, model).await?;
            ModelView {
                index,
                problems: problem.into_iter().collect(),
                caught_up: 0,
                damage: None,
            }
        }
    };
    let known = match start {
        // The page: find the head from the index's (§7.1), then read up to it.
        Start::Index => Some(
            find_dense_head(
                src,
                |n| keys::log_key(model, n),
                view.index.head.map_or(0, |h| h.seq),
            )
            .await?,
        ),
        Start::Log => None,
    };
    catch_up(src, &mut view, known, mode).await?;
    if view.index.head.is_none() {
        return Err(ReadError::NoModel {
            model: model.clone(),
        });
    }
    Ok(view)
}

/// Apply the entries after `view`'s head. With `known` (a head found by probing, §7.1),
/// every entry up to it; an absent one among them is a gap. Without it (replay from entry
/// 1), entries [`Source::concurrency`] at a time until the first absent one, after which
/// [`GAP_PROBES`] positions are probed: an entry there means the log has a gap (a deleted
/// entry), which would hide the entries after it.
pub async fn catch_up<S: Source>(
    src: &S,
    view: &mut ModelView,
    known: Option<u64>,
    mode: Mode,
) -> Result<(), ReadError<S::Error>> {
    let model = view.index.model.clone();
    let most = src.concurrency().max(1) as u64;
    // Without a known head, the first round reads a few entries and each next round
    // twice as many, up to the concurrency: a short log costs few reads past its end.
    let mut batch = most.min(GAP_PROBES as u64);
    loop {
        let from = view.index.next_seq();
        let to = match known {
            Some(head) if head < from => return Ok(()),
            Some(head) => head,
            None => from + batch - 1,
        };
        batch = (batch * 2).min(most);
        let mut reads = futures::stream::iter(from..=to)
            .map(|seq| src.get_owned(keys::log_key(&model, seq)))
            .buffered(most as usize);
        while let Some(read) = reads.next().await {
            let (key, bytes) = read?;
            let Some(bytes) = bytes else {
                if known.is_some() {
                    return gap(view, &key, mode);
                }
                drop(reads);
                if probe_gap(src, view, mode).await? {
                    // Appended meanwhile: read on.
                    break;
                }
                return Ok(());
            };
            apply_entry(view, &key, &bytes, mode)?;
        }
    }
}

/// How many positions after the end of a log replayed from entry 1 are probed for a gap.
pub const GAP_PROBES: usize = 4;

/// After the first absent entry of a log replayed from entry 1: is there an entry among
/// the next [`GAP_PROBES`] positions? If so and the absent one is still absent,
/// the log has a gap; if it exists now, concurrent writers appended meanwhile (not a gap)
/// and replay goes on.
async fn probe_gap<S: Source>(
    src: &S,
    view: &mut ModelView,
    mode: Mode,
) -> Result<bool, ReadError<S::Error>> {
    let model = view.index.model.clone();
    let batch = src.concurrency().clamp(1, GAP_PROBES) as u64;
    let end = view.index.next_seq();
    let found = futures::stream::iter(end + 1..=end + batch)
        .map(|seq| src.exists_owned(keys::log_key(&model, seq)))
        .buffered(batch as usize)
        .collect::<Vec<_>>()
        .await;
    let mut later = false;
    for exists in found {
        later |= exists?;
    }
    if !later {
        return Ok(false);
    }
    let key = keys::log_key(&model, end);
    if src.exists(&key).await? {
        return Ok(true);
    }
    gap(view, &key, mode)?;
    Ok(false)
}

fn gap<E>(view: &mut ModelView, key: &str, mode: Mode) -> Result<(), ReadError<E>> {
    let problem = Problem::new(key, "missing: the log has entries after it");
    if mode == Mode::Strict {
        return Err(ReadError::integrity(problem));
    }
    view.damage.get_or_insert_with(|| problem.clone());
    view.problems.push(problem);
    Ok(())
}

/// Apply one stored entry (its exact bytes) at the view's next position.
pub fn apply_entry<E>(
    view: &mut ModelView,
    key: &str,
    bytes: &[u8],
    mode: Mode,
) -> Result<(), ReadError<E>> {
    let found = match decode::<LogEntry>(key, bytes) {
        Ok(entry) => view.index.apply(&entry, bytes),
        Err(error) if error.is_unsupported_format() && mode == Mode::Strict => {
            return Err(ReadError::NewerFormat {
                key: key.to_string(),
                error,
            });
        }
        Err(e) => vec![view.index.skip_unreadable(Digest::of(bytes), e.to_string())],
    };
    view.caught_up += 1;
    // A refused lifecycle event is inert (not applied); only integrity problems stop a
    // writer.
    if mode == Mode::Strict {
        if let Some(p) = found.iter().find(|p| p.is_integrity_problem()) {
            return Err(ReadError::Integrity {
                key: key.to_string(),
                detail: p.to_string(),
            });
        }
    }
    let model = view.index.model.clone();
    if let Some(p) = found.iter().find(|p| p.is_integrity_problem()) {
        view.damage
            .get_or_insert_with(|| Problem::at_entry(&model, p));
    }
    view.problems
        .extend(found.iter().map(|p| Problem::at_entry(&model, p)));
    Ok(())
}

/// The derived index of `model` when it is anchored to the log (§7.3 steps 1-3): it
/// decodes, names this model, has an audit trail, and the entry at its head hashes to the
/// digest it records. Otherwise the empty state (replay from entry 1), with a problem
/// saying why when the index is damaged or contradicts the log (a stale index of a build
/// that predates lifecycle events is replaced silently).
async fn anchored_index<S: Source>(
    src: &S,
    model: &ModelName,
) -> Result<(ModelIndex, Option<Problem>), S::Error> {
    let key = keys::model_index_key(model);
    let empty = || ModelIndex::empty(model.clone());
    let instead = |why: String| {
        Some(Problem::new(
            &key,
            format!("{why}; reading the log instead"),
        ))
    };
    let Some(bytes) = src.get(&key).await? else {
        return Ok((empty(), None));
    };
    let index = match decode::<ModelIndex>(&key, &bytes) {
        Ok(index) if index.predates_lifecycle() => return Ok((empty(), None)),
        Ok(index) if &index.model == model => index,
        Ok(index) => {
            return Ok((
                empty(),
                instead(format!("is the index of model {}", index.model)),
            ));
        }
        // Derived data: a damaged index is a warning, not an error.
        Err(e) => return Ok((empty(), instead(e.to_string()))),
    };
    let Some(head) = index.head else {
        return Ok((empty(), None));
    };
    match src.get(&keys::log_key(model, head.seq)).await? {
        Some(entry) if Digest::of(&entry) == head.digest => Ok((index, None)),
        _ => Ok((
            empty(),
            instead(format!(
                "its head (entry {}, {}) is not in the log",
                head.seq, head.digest
            )),
        )),
    }
}

// ---- §7.4 ------------------------------------------------------------------------------

/// The full manifest of a version (§7.4): its materialised copy when that hashes to the
/// content id and decodes, else the register event of the entry at the summary's `seq`.
pub async fn load_manifest<S: Source>(
    src: &S,
    model: &ModelName,
    summary: &VersionSummary,
) -> Result<VersionManifest, ReadError<S::Error>> {
    let key = keys::version_key(model, summary.version);
    if let Some(bytes) = src.get(&key).await? {
        if Digest::of(&bytes) == summary.content_id {
            if let Ok(manifest) = decode::<VersionManifest>(&key, &bytes) {
                return Ok(manifest);
            }
        }
    }
    let key = keys::log_key(model, summary.seq);
    let integrity = |detail: String| ReadError::Integrity {
        key: key.clone(),
        detail,
    };
    let bytes = src.get(&key).await?.ok_or_else(|| {
        integrity("the entry that registered this version is missing".to_string())
    })?;
    let entry = match decode::<LogEntry>(&key, &bytes) {
        Ok(entry) => entry,
        Err(error) if error.is_unsupported_format() => {
            return Err(ReadError::NewerFormat {
                key: key.clone(),
                error,
            });
        }
        Err(e) => return Err(integrity(e.to_string())),
    };
    match entry.event {
        Event::Register {
            content_id,
            manifest,
            ..
        } if content_id == summary.content_id => Ok(*manifest),
        _ => Err(integrity(format!(
            "does not register version {} with content id {}",
            summary.version, summary.content_id
        ))),
    }
}

/// The state of a model as of a time, as [`load_as_of`] replayed it.
#[derive(Debug, Clone)]
pub struct AsOf {
    /// The replay of the entries before the first one dated after the time; `head` is
    /// `None` when the model did not exist yet.
    pub state: ModelIndex,
    /// When the model's first entry is dated (`None` for an unreadable first entry).
    pub first: Option<Timestamp>,
    /// What could not be read (in [`Mode::Lenient`]; the replay stops there).
    pub problems: Vec<Problem>,
}

/// The state of `model` as of `at` (§7.4): the replay, from entry 1, of the entries
/// before the first one dated after `at`, reading stopping there. `guide` (the model's
/// state now, if the caller has it) says how far to read in the first round: up to the
/// first entry its audit trail dates after `at`. A model with no log is
/// [`ReadError::NoModel`]. An entry that can't be read ends the replay: an error in
/// [`Mode::Strict`], a problem in [`Mode::Lenient`].
pub async fn load_as_of<S: Source>(
    src: &S,
    model: &ModelName,
    at: Timestamp,
    guide: Option<&ModelIndex>,
    mode: Mode,
) -> Result<AsOf, ReadError<S::Error>> {
    let batch = src.concurrency().max(1) as u64;
    let mut state = ModelIndex::empty(model.clone());
    let mut problems = Vec::new();
    let mut first = None;
    let mut to = guide.map_or(batch, |g| first_read(g, at));
    'read: loop {
        let from = state.next_seq();
        let mut reads = futures::stream::iter(from..=to.max(from))
            .map(|seq| src.get_owned(keys::log_key(model, seq)))
            .buffered(batch as usize);
        while let Some(read) = reads.next().await {
            let (key, bytes) = read?;
            let Some(bytes) = bytes else {
                if state.head.is_none() && from == 1 && first.is_none() {
                    return Err(ReadError::NoModel {
                        model: model.clone(),
                    });
                }
                break 'read;
            };
            let stop = |problem: Problem, problems: &mut Vec<Problem>| match mode {
                Mode::Strict => Err(ReadError::integrity(problem)),
                Mode::Lenient => {
                    problems.push(problem);
                    Ok(())
                }
            };
            let entry = match decode::<LogEntry>(&key, &bytes) {
                Ok(entry) => entry,
                Err(e) => {
                    stop(
                        Problem::new(
                            key,
                            format!(
                                "{e}; the state as of {at} is replayed up to entry {}",
                                state.next_seq() - 1
                            ),
                        ),
                        &mut problems,
                    )?;
                    break 'read;
                }
            };
            first.get_or_insert(entry.time);
            if entry.time > at {
                break 'read;
            }
            for p in state.apply(&entry, &bytes) {
                let problem = Problem::at_entry(model, &p);
                if p.is_integrity_problem() && mode == Mode::Strict {
                    return Err(ReadError::integrity(problem));
                }
                problems.push(problem);
            }
        }
        to = state.next_seq() + batch - 1;
    }
    Ok(AsOf {
        state,
        first,
        problems,
    })
}

/// How far time travel to `at` reads the log first, guided by the current state: up to
/// the first entry its audit trail dates after `at` (that entry is read too, so the
/// replay sees where it stops), or to its head when there is none.
pub fn first_read(current: &ModelIndex, at: Timestamp) -> u64 {
    let head = current.head.map_or(0, |h| h.seq);
    current
        .events
        .iter()
        .find(|e| e.time > at)
        .map_or(head, |e| e.seq.min(head))
        .max(1)
}

// ---- references --------------------------------------------------------------------------

/// Why a reference selects no version in a state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SelectError {
    /// `@latest` of a model with no versions.
    NoVersions { model: ModelName },
    /// `@N` beyond the versions registered.
    NoVersion {
        model: ModelName,
        version: u64,
        count: u64,
    },
    /// `@alias` of an alias that is not set; `set` lists those that are.
    NoAlias {
        model: ModelName,
        alias: AliasName,
        set: Vec<AliasName>,
    },
    /// `@sha256:prefix` that no content id starts with.
    NoContentId { model: ModelName, prefix: String },
    /// `@sha256:prefix` that several content ids start with.
    Ambiguous {
        model: ModelName,
        prefix: String,
        versions: Vec<u64>,
    },
}

impl fmt::Display for SelectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SelectError::NoVersions { model } => write!(f, "{model} has no versions yet"),
            SelectError::NoVersion {
                model,
                version,
                count,
            } => write!(
                f,
                "{model}@{version} not found: {model} has no version {version} (it has {count})"
            ),
            SelectError::NoAlias { model, alias, set } => {
                write!(f, "{model} has no alias {alias} (")?;
                if set.is_empty() {
                    write!(f, "it has no aliases)")
                } else {
                    let set: Vec<&str> = set.iter().map(AliasName::as_str).collect();
                    write!(f, "its aliases: {})", set.join(", "))
                }
            }
            SelectError::NoContentId { model, prefix } => write!(
                f,
                "{model}@sha256:{prefix} not found (no version of {model} has a content id starting with it)"
            ),
            SelectError::Ambiguous {
                model,
                prefix,
                versions,
            } => {
                let list: Vec<String> = versions.iter().map(|v| format!("{model}@{v}")).collect();
                write!(
                    f,
                    "{model}@sha256:{prefix} is ambiguous: it matches {}; give more digits",
                    list.join(", ")
                )
            }
        }
    }
}

impl std::error::Error for SelectError {}

/// The version `selector` selects in `state` (the replay of a model's log).
pub fn select<'a>(
    state: &'a ModelIndex,
    selector: &Selector,
) -> Result<&'a VersionSummary, SelectError> {
    let model = || state.model.clone();
    match selector {
        Selector::Latest => state
            .versions
            .last()
            .ok_or_else(|| SelectError::NoVersions { model: model() }),
        Selector::Version(n) => state.version(*n).ok_or_else(|| SelectError::NoVersion {
            model: model(),
            version: *n,
            count: state.versions.len() as u64,
        }),
        Selector::Alias(alias) => state
            .resolve_alias(alias)
            .ok_or_else(|| SelectError::NoAlias {
                model: model(),
                alias: alias.clone(),
                set: state.aliases.keys().cloned().collect(),
            }),
        Selector::ContentId(prefix) => {
            let found: Vec<&VersionSummary> = state
                .versions
                .iter()
                .filter(|v| v.content_id.hex().starts_with(prefix.as_str()))
                .collect();
            match found.as_slice() {
                [one] => Ok(one),
                [] => Err(SelectError::NoContentId {
                    model: model(),
                    prefix: prefix.clone(),
                }),
                many => Err(SelectError::Ambiguous {
                    model: model(),
                    prefix: prefix.clone(),
                    versions: many.iter().map(|v| v.version).collect(),
                }),
            }
        }
    }
}

/// [`select`] for a whole reference (its model must be the state's).
pub fn select_ref<'a>(
    state: &'a ModelIndex,
    reference: &Reference,
) -> Result<&'a VersionSummary, SelectError> {
    select(state, &reference.selector)
}

#[cfg(test)]
mod tests;
