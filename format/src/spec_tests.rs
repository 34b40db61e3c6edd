//! The examples of docs/format.md, checked against the crate: each decodes, re-encodes to
//! the same canonical JSON, and the derived examples are what replay gives.

use serde_json::Value;

use crate::canonical::{Timestamp, to_canonical_vec};
use crate::documents::{
    CatalogEntry, Event, LogEntry, ModelIndex, VersionManifest, VersionSummary, decode, encode,
};
use crate::lifecycle::Status;
use crate::names::{AliasName, Key, ModelName, TargetName};

const SPEC: &str = include_str!("../../docs/format.md");

/// The ```json blocks of the section whose heading starts with `heading`, up to the next
/// section of the same or a higher level.
fn json_blocks(heading: &str) -> Vec<Value> {
    let start = SPEC
        .find(&format!("\n{heading}"))
        .unwrap_or_else(|| panic!("docs/format.md has no section {heading}"));
    let level = heading.split(' ').next().unwrap();
    let rest = &SPEC[start + 1 + heading.len()..];
    let end = rest
        .match_indices("\n#")
        .find(|(i, _)| {
            let line = rest[i + 1..].split(' ').next().unwrap();
            line.chars().all(|c| c == '#') && line.len() <= level.len()
        })
        .map_or(rest.len(), |(i, _)| i);
    rest[..end]
        .split("```json\n")
        .skip(1)
        .map(|block| {
            let json = &block[..block.find("```").unwrap()];
            serde_json::from_str(json).unwrap_or_else(|e| panic!("{e}:\n{json}"))
        })
        .collect()
}

fn canonical(v: &impl serde::Serialize) -> String {
    String::from_utf8(to_canonical_vec(v).unwrap()).unwrap()
}

/// Decode `value` as `T` and check that it re-encodes to the same canonical bytes.
fn round_trip<T: serde::Serialize + serde::de::DeserializeOwned>(value: &Value) -> T {
    let decoded: T = serde_json::from_value(value.clone())
        .unwrap_or_else(|e| panic!("{e}: {}", canonical(value)));
    assert_eq!(canonical(&decoded), canonical(value));
    decoded
}

fn t(s: &str) -> Timestamp {
    s.parse().unwrap()
}

/// The history the examples of §5.3 and §5.6 describe: `team/fraud`, two versions, then
/// entries 3 to 7.
fn spec_history() -> ModelIndex {
    let model = ModelName::new("team/fraud").unwrap();
    let mut state = ModelIndex::empty(model.clone());
    let key = |s: &str| Key::new(s).unwrap();
    let register = |version: u64| {
        let manifest = VersionManifest {
            ..VersionManifest::new(
                model.clone(),
                version,
                t("2026-11-27T21:09:03.123Z"),
                "ci@example.com",
            )
        };
        Event::Register {
            version,
            content_id: manifest.content_id().unwrap(),
            manifest: Box::new(manifest),
        }
    };
    let script: Vec<(&str, &str, Option<&str>, Event)> = vec![
        (
            "2026-11-27T21:09:03.123Z",
            "ci@example.com",
            None,
            register(1),
        ),
        (
            "2026-11-28T08:15:42.007Z",
            "ci@example.com",
            None,
            register(2),
        ),
        (
            "2026-11-28T10:00:00.000Z",
            "release-bot@example.com",
            Some("Offline AUC +0.4 pt; approved in RISK-1234."),
            Event::AliasSet {
                alias: AliasName::new("production").unwrap(),
                version: 2,
                rollback: false,
            },
        ),
        (
            "2026-11-28T10:05:00.000Z",
            "alice@example.com",
            Some("Passed the fairness review."),
            Event::Status {
                version: 2,
                status: Status::Validated,
            },
        ),
        (
            "2026-11-28T11:00:00.000Z",
            "release-bot@example.com",
            Some("Canary."),
            Event::Deployment {
                version: 2,
                target: TargetName::new("eu-prod").unwrap(),
                traffic: 10.0,
            },
        ),
        (
            "2026-12-15T06:00:00.000Z",
            "monitor@example.com",
            None,
            Event::Evaluation {
                version: 2,
                metrics: [(key("auc"), 0.951), (key("precision"), 0.88)].into(),
                dataset: Some("transactions-2026-12".into()),
                measured_at: t("2026-12-15T00:00:00.000Z"),
            },
        ),
        (
            "2026-12-16T09:00:00.000Z",
            "alice@example.com",
            None,
            Event::Tag {
                version: 2,
                key: key("approved-by"),
                value: "risk-committee".into(),
            },
        ),
    ];
    for (time, actor, reason, event) in script {
        let versions =
            state.versions.len() as u64 + u64::from(matches!(event, Event::Register { .. }));
        let entry = LogEntry::new(
            model.clone(),
            state.next_seq(),
            state.head.map(|h| h.digest),
            t(time),
            actor.into(),
            reason.map(str::to_string),
            versions,
            event,
        );
        let problems = state.apply(&entry, &encode(&entry).unwrap());
        assert!(problems.is_empty(), "{problems:?}");
    }
    state
}

#[test]
fn event_examples_decode_and_reencode_canonically() {
    let blocks = json_blocks("### 5.3");
    let mut types = Vec::new();
    for block in &blocks {
        let event = if block.get("kind").is_some() {
            let entry: LogEntry = round_trip(block);
            assert_eq!(entry.versions, 2);
            assert_eq!(entry.seq, 3);
            // It follows entry 2 of the §5.6 example.
            let index = &json_blocks("### 5.6")[0];
            assert_eq!(block["prev"], index["head"]["digest"]);
            // Stored bytes are the canonical form; decode() reads them.
            let bytes = encode(&entry).unwrap();
            assert_eq!(decode::<LogEntry>("entry 3", &bytes).unwrap(), entry);
            entry.event
        } else {
            round_trip::<Event>(block)
        };
        assert_ne!(event, Event::Unknown, "{}", canonical(block));
        assert_eq!(event.type_name(), block_type(block));
        types.push(event.type_name());
    }
    types.sort();
    types.dedup();
    assert_eq!(
        types,
        [
            "alias-set",
            "alias-unset",
            "deployment",
            "evaluation",
            "status",
            "tag",
            "undeployment",
            "untag"
        ]
    );
}

fn block_type(block: &Value) -> &str {
    block
        .get("event")
        .unwrap_or(block)
        .get("type")
        .and_then(Value::as_str)
        .unwrap()
}

#[test]
fn the_register_example_still_decodes() {
    let blocks = json_blocks("### 5.2");
    let entry: LogEntry = round_trip(&blocks[0]);
    assert_eq!(entry.event.type_name(), "register");
}

#[test]
fn index_examples_are_what_replay_gives() {
    let blocks = json_blocks("### 5.6");
    assert_eq!(blocks.len(), 3);
    let index: ModelIndex = round_trip(&blocks[0]);
    assert!(!index.predates_lifecycle());
    assert_eq!(index.events.len(), 2);
    assert_eq!(index.events[1].summary, "registered v2");

    let replayed = spec_history();
    let value = serde_json::to_value(&replayed).unwrap();
    let fragment = &blocks[1];
    assert_eq!(
        canonical(&fragment["aliases"]),
        canonical(&value["aliases"])
    );
    assert_eq!(
        canonical(&fragment["deployments"]),
        canonical(&value["deployments"])
    );
    let later: Vec<&Value> = value["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["seq"].as_u64().unwrap() >= 3)
        .collect();
    assert_eq!(canonical(&fragment["events"]), canonical(&later));

    let gains = &blocks[2];
    let v2 = &value["versions"][1];
    for field in ["evaluations", "status", "tags"] {
        assert_eq!(canonical(&gains[field]), canonical(&v2[field]), "{field}");
    }
    assert_eq!(gains.as_object().unwrap().len(), 3);

    // The fragment completes the first example into a document that decodes.
    let mut whole = blocks[0].clone();
    for (k, v) in fragment.as_object().unwrap() {
        whole[k] = v.clone();
    }
    let whole: ModelIndex = round_trip(&whole);
    assert_eq!(
        whole.catalog_entry().unwrap().aliases,
        [(AliasName::new("production").unwrap(), 2)].into()
    );
}

/// An `_index.json` and a catalog written before lifecycle events (no `aliases`,
/// `deployments`, `events`, `status`, `tags`, `evaluations`) still decode.
#[test]
fn documents_from_before_lifecycle_events_still_decode() {
    const OLD_INDEX: &str = r#"{"created_at":"2026-11-27T21:09:03.123Z","format":1,"head":{"digest":"sha256:440c373b2e77cdcf20eb078254be0ac9a8ad0e1afafb44063a1033558e107437","seq":2},"kind":"model-index","model":"team/fraud","updated_at":"2026-11-28T08:15:42.007Z","versions":[{"artifacts":2,"content_id":"sha256:711d83256b3fdf2e211fd8be50c7460714085d8dc56cb9895fe10220706289b3","created_at":"2026-11-27T21:09:03.123Z","created_by":"ci@example.com","description":"Baseline gradient-boosted model.\nTrained on Q3 data.","labels":{"team":"risk"},"metrics":{"test.auc":0.97,"test.f1":0.912},"seq":1,"size":9,"version":1},{"artifacts":2,"content_id":"sha256:39ee63a14f0fd2433ade14c718510f787ee8a3249b20f81b2180d0450e587059","created_at":"2026-11-28T08:15:42.007Z","created_by":"ci@example.com","description":"Retrained with October data.","labels":{"team":"risk"},"metrics":{"test.auc":0.97,"test.f1":0.9134},"seq":2,"size":9,"version":2}]}"#;
    let index: ModelIndex = decode("models/team/fraud/_index.json", OLD_INDEX.as_bytes()).unwrap();
    assert!(index.aliases.is_empty());
    assert!(index.deployments.is_empty());
    assert!(index.events.is_empty());
    for v in &index.versions {
        assert_eq!(v.status, None);
        assert_eq!(v.effective_status(), Status::Draft);
        assert!(v.tags.is_empty());
        assert!(v.evaluations.is_empty());
    }
    // Re-encoded to the same bytes; but it has no audit trail (and may have skipped
    // lifecycle events as unknown), so readers replay the log instead of trusting it.
    assert_eq!(encode(&index).unwrap(), OLD_INDEX.as_bytes());
    assert!(index.predates_lifecycle());
    assert!(!ModelIndex::empty(index.model.clone()).predates_lifecycle());

    let catalog = &json_blocks("### 5.7")[0];
    let decoded: crate::documents::Catalog = round_trip(catalog);
    let entry: &CatalogEntry = decoded.models.values().next().unwrap();
    assert!(entry.aliases.is_empty());
    let latest: &VersionSummary = entry.latest.as_ref().unwrap();
    assert_eq!(latest.status, None);
}

#[test]
fn refused_problems_do_not_count_against_integrity() {
    let mut state = ModelIndex::empty(ModelName::new("m").unwrap());
    let entry = LogEntry::new(
        ModelName::new("m").unwrap(),
        1,
        None,
        t("2026-11-01T00:00:00Z"),
        "x".into(),
        None,
        0,
        Event::AliasSet {
            alias: AliasName::new("production").unwrap(),
            version: 1,
            rollback: false,
        },
    );
    let problems = state.apply(&entry, &encode(&entry).unwrap());
    assert_eq!(problems.len(), 1);
    assert!(!problems[0].is_integrity_problem());
    assert_eq!(
        problems[0].to_string(),
        "alias-set not applied: m has no version 1"
    );
    assert!(crate::ReplayProblem::WrongSeq { seq: 1, found: 2 }.is_integrity_problem());
}

#[test]
fn model_file_info_examples_round_trip() {
    use crate::documents::Artifact;
    use crate::inspect::{ModelFileInfo, architecture_diff};

    let blocks = json_blocks("#### 5.5.1");
    assert_eq!(blocks.len(), 4);
    // The first is an artifact with its info; the artifact's own fields are §5.5's.
    let artifact = &blocks[0];
    let mut bare = artifact.clone();
    bare.as_object_mut().unwrap().remove("info");
    round_trip::<Artifact>(&bare);
    let infos: Vec<ModelFileInfo> = std::iter::once(&artifact["info"])
        .chain(&blocks[1..])
        .map(round_trip::<ModelFileInfo>)
        .collect();
    let formats: Vec<&str> = infos.iter().map(ModelFileInfo::format_name).collect();
    assert_eq!(formats, ["onnx", "gguf", "pickle", "pytorch"]);
    assert_eq!(infos[0].parameter_count(), Some(64));
    assert!(infos[2].unsafe_to_load());
    assert!(!infos[3].unsafe_to_load());
    assert!(architecture_diff(&infos[0], &infos[0]).is_empty());
}
