//! Strict copies of every `shelf --json` document (indexer/src/cli/output, README "JSON
//! output"), for the tests to parse stdout into: unknown fields are refused, and fields
//! printed even when null are required, so an added, renamed or dropped field fails a
//! test (as ripgrep's tests/json.rs does for its wire format).
//!
//! Documents the format crate specifies (a manifest, an architecture diff, a dataset link)
//! are checked by decoding them as the format's type and encoding them back unchanged.

use std::collections::BTreeMap;
use std::process::Output;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

/// A field that is always printed, `null` when it has no value: absent is an error.
fn required<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<T>, D::Error> {
    Option::<T>::deserialize(d)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Problem {
    pub key: String,
    pub message: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ErrorDoc {
    pub error: ErrorBody,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ErrorBody {
    pub message: String,
    pub causes: Vec<String>,
    pub exit_code: i32,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Site {
    pub files: Vec<String>,
    pub bytes: u64,
}

#[derive(Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Descriptor {
    pub format: u32,
    pub kind: String,
    pub name: String,
    pub created_at: String,
    pub created_by: String,
    pub created_with: String,
    pub conditional_writes: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Init {
    pub registry: String,
    pub created: bool,
    pub descriptor: Descriptor,
    #[serde(deserialize_with = "required")]
    pub site: Option<Site>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SiteDeploy {
    pub registry: String,
    pub site: Site,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Serving {
    pub url: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PushedArtifact {
    pub path: String,
    pub size: u64,
    pub digest: String,
    pub uploaded: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Push {
    #[serde(rename = "ref")]
    pub reference: String,
    pub model: String,
    pub version: u64,
    pub content_id: String,
    pub seq: u64,
    pub created_at: String,
    pub created_by: String,
    pub artifacts: Vec<PushedArtifact>,
    pub bytes_uploaded: u64,
    pub attempts: u32,
    pub already_registered: bool,
    pub warnings: Vec<String>,
    pub redacted: Vec<String>,
    pub notes: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Parent {
    pub model: String,
    pub version: u64,
    pub content_id: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Evaluation {
    pub seq: u64,
    pub measured_at: String,
    pub recorded_at: String,
    pub actor: String,
    #[serde(default)]
    pub dataset: Option<String>,
    pub metrics: BTreeMap<String, f64>,
}

/// A version as the derived index lists it; `?` fields are omitted when empty.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VersionSummary {
    pub version: u64,
    pub content_id: String,
    pub seq: u64,
    pub created_at: String,
    pub created_by: String,
    pub description: String,
    pub metrics: BTreeMap<String, f64>,
    pub labels: BTreeMap<String, String>,
    pub artifacts: u64,
    pub size: u64,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    #[serde(default)]
    pub evaluations: Vec<Evaluation>,
    #[serde(default)]
    pub parent: Option<Parent>,
    #[serde(default)]
    pub branch: Option<String>,
    #[serde(default)]
    pub subject: Option<String>,
    /// Dataset links, as docs/format.md §5.10 (checked with [`exact`]).
    #[serde(default)]
    pub datasets: Vec<Value>,
    #[serde(default)]
    pub idempotency_key: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListedModel {
    pub model: String,
    pub versions: u64,
    #[serde(deserialize_with = "required")]
    pub latest: Option<VersionSummary>,
    #[serde(deserialize_with = "required")]
    pub created_at: Option<String>,
    #[serde(deserialize_with = "required")]
    pub updated_at: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct List {
    pub models: Vec<ListedModel>,
    pub problems: Vec<Problem>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AliasState {
    pub version: u64,
    pub stack: Vec<u64>,
    pub set_at: String,
    pub set_by: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Versions {
    pub model: String,
    pub versions: Vec<VersionSummary>,
    pub aliases: BTreeMap<String, AliasState>,
    pub problems: Vec<Problem>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Show {
    #[serde(rename = "ref")]
    pub reference: String,
    #[serde(deserialize_with = "required")]
    pub as_of: Option<String>,
    pub content_id: String,
    pub seq: u64,
    pub status: String,
    pub aliases: Vec<String>,
    pub tags: BTreeMap<String, String>,
    pub evaluations: Vec<Evaluation>,
    /// `[target, traffic]` pairs.
    pub deployments: Vec<(String, f64)>,
    /// The manifest exactly as docs/format.md (checked with [`exact`]).
    pub manifest: Value,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PulledFile {
    pub path: String,
    pub size: u64,
    pub digest: String,
    pub downloaded: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pull {
    pub model: String,
    pub version: u64,
    pub content_id: String,
    pub directory: String,
    pub files: Vec<PulledFile>,
    pub bytes_downloaded: u64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CompareMetric {
    pub key: String,
    pub higher_is_better: bool,
    pub values: Vec<Option<f64>>,
    pub deltas: Vec<Option<f64>>,
    pub verdicts: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Row {
    pub key: String,
    pub values: Vec<Option<String>>,
    pub changed: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cell {
    pub size: u64,
    pub digest: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CompareArtifact {
    pub path: String,
    pub status: String,
    pub cells: Vec<Option<Cell>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Architecture {
    pub path: String,
    pub version: String,
    /// As `architecture_diff` in docs/format.md §5.5.1 (checked with [`exact`]).
    pub diff: Value,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Compare {
    pub columns: Vec<String>,
    pub metrics: Vec<CompareMetric>,
    pub params: Vec<Row>,
    pub labels: Vec<Row>,
    pub provenance: Vec<Row>,
    pub packages: Vec<Row>,
    pub artifacts: Vec<CompareArtifact>,
    pub architecture: Vec<Architecture>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reproduce {
    pub model: String,
    pub version: u64,
    pub content_id: String,
    pub directory: String,
    pub files: Vec<String>,
    pub gaps: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Verify {
    pub clean: bool,
    pub models: u64,
    pub log_entries: u64,
    pub versions: u64,
    pub blobs: u64,
    pub bytes_hashed: u64,
    pub problems: Vec<Problem>,
    pub warnings: Vec<Problem>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogHead {
    pub seq: u64,
    pub digest: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reindexed {
    pub model: String,
    pub versions: u64,
    #[serde(deserialize_with = "required")]
    pub head: Option<LogHead>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reindex {
    pub models: Vec<Reindexed>,
    #[serde(deserialize_with = "required")]
    pub catalog_generation: Option<u64>,
    pub problems: Vec<Problem>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Event {
    pub model: String,
    pub seq: u64,
    #[serde(rename = "type")]
    pub event_type: String,
    pub summary: String,
    #[serde(deserialize_with = "required")]
    pub version: Option<u64>,
    pub attempts: u32,
    pub warnings: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tags {
    pub events: Vec<Event>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Deployment {
    pub target: String,
    pub model: String,
    pub version: u64,
    pub traffic: f64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Deployments {
    #[serde(default)]
    pub at: Option<String>,
    pub deployments: Vec<Deployment>,
    pub problems: Vec<Problem>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogLine {
    pub model: String,
    pub seq: u64,
    pub time: String,
    pub actor: String,
    #[serde(rename = "type")]
    pub event_type: String,
    #[serde(default)]
    pub version: Option<u64>,
    pub summary: String,
    #[serde(default)]
    pub reason: Option<String>,
    #[serde(default)]
    pub problem: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Log {
    pub events: Vec<LogLine>,
    pub problems: Vec<Problem>,
}

/// Parse a document strictly as `T`, naming the document and the output when it fails.
#[track_caller]
pub fn parse<T: DeserializeOwned>(what: &str, value: &Value) -> T {
    T::deserialize(value).unwrap_or_else(|e| panic!("{what}: {e}\n{value:#}"))
}

/// Decode `value` as the format crate's `T` and check that it encodes back to exactly the
/// same JSON: nothing the format does not define, nothing it defines left out.
#[track_caller]
pub fn exact<T: DeserializeOwned + Serialize>(what: &str, value: &Value) -> T {
    let decoded: T = parse(what, value);
    let again = serde_json::to_value(&decoded).unwrap();
    assert_eq!(&again, value, "{what} is not exactly the format's document");
    decoded
}

/// The command an argument list runs (`alias set`, `push`…), skipping global flags.
fn command_of(args: &[&str]) -> String {
    const TWO_WORDS: [&str; 3] = ["alias", "dataset", "site"];
    let words: Vec<&str> = args
        .iter()
        .copied()
        .filter(|a| !a.starts_with('-'))
        .collect();
    match words.as_slice() {
        [first, second, ..] if TWO_WORDS.contains(first) => format!("{first} {second}"),
        [first, ..] => first.to_string(),
        [] => String::new(),
    }
}

/// The `--json` document of `shelf ARGS`: stdout parsed strictly as the document of that
/// command (or as the error document when it failed), returned as a JSON value for the
/// test's own assertions.
#[track_caller]
pub fn document(args: &[&str], output: &Output) -> Value {
    let text = String::from_utf8(output.stdout.clone()).expect("stdout is UTF-8");
    let value: Value = serde_json::from_str(&text).unwrap_or_else(|e| {
        panic!(
            "{args:?}: stdout is not one JSON document ({e}):\n{text}\nstderr:\n{}",
            String::from_utf8_lossy(&output.stderr)
        )
    });
    check(args, output.status.code(), &value);
    value
}

/// Check `value` strictly against the document `shelf ARGS` prints for exit code `code`.
#[track_caller]
pub fn check(args: &[&str], code: Option<i32>, value: &Value) {
    let command = command_of(args);
    let what = format!("`shelf {}`", args.join(" "));
    if code != Some(0) {
        let doc: ErrorDoc = parse(&what, value);
        assert_eq!(Some(doc.error.exit_code), code, "{what}");
        return;
    }
    match command.as_str() {
        "init" => drop(parse::<Init>(&what, value)),
        "site deploy" => drop(parse::<SiteDeploy>(&what, value)),
        "serve" => drop(parse::<Serving>(&what, value)),
        "push" | "dataset push" => drop(parse::<Push>(&what, value)),
        "list" => {
            let list: List = parse(&what, value);
            for (m, raw) in list.models.iter().zip(value["models"].as_array().unwrap()) {
                if let Some(latest) = &m.latest {
                    check_summary(&what, latest, &raw["latest"]);
                }
            }
        }
        "versions" => {
            let versions: Versions = parse(&what, value);
            for (v, raw) in versions
                .versions
                .iter()
                .zip(value["versions"].as_array().unwrap())
            {
                check_summary(&what, v, raw);
            }
        }
        "show" => {
            let show: Show = parse(&what, value);
            exact::<shelf_format::VersionManifest>(&what, &show.manifest);
        }
        "pull" => drop(parse::<Pull>(&what, value)),
        "compare" => {
            let compare: Compare = parse(&what, value);
            for row in &compare.architecture {
                exact::<shelf_format::ArchitectureDiff>(&what, &row.diff);
            }
        }
        "reproduce" => drop(parse::<Reproduce>(&what, value)),
        "verify" => drop(parse::<Verify>(&what, value)),
        "reindex" => drop(parse::<Reindex>(&what, value)),
        "alias set" | "alias rm" | "rollback" | "status" | "untag" | "eval" | "deploy"
        | "undeploy" => drop(parse::<Event>(&what, value)),
        "tag" => drop(parse::<Tags>(&what, value)),
        "deployments" => drop(parse::<Deployments>(&what, value)),
        "log" => drop(parse::<Log>(&what, value)),
        other => panic!("{what}: no wire copy for the command {other:?}"),
    }
}

/// The dataset links of a version summary are exactly the format's.
#[track_caller]
fn check_summary(what: &str, summary: &VersionSummary, raw: &Value) {
    for link in &summary.datasets {
        exact::<shelf_format::DatasetLink>(what, link);
    }
    assert!(raw.is_object(), "{what}: a version summary is an object");
}
