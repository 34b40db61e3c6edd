//! Every reader of stored documents on damaged and arbitrary bytes: an error or a problem,
//! never a panic and never a loop (docs/format.md §7; the red-team report's D2 and D15
//! were readers trusting what they read).
//!
//! A small healthy registry is built in memory (a log with every kind of event, its
//! derived index, a materialised manifest, catalog generations and the catalog hint);
//! proptest then damages one object in one of several ways (arbitrary bytes, bytes
//! flipped, cut short, a JSON value replaced by an arbitrary one, the object removed) and
//! runs every reader of the read protocol over it. Each source allows a bounded number of
//! requests, so a reader that loops fails instead of hanging.

use std::cell::Cell;
use std::collections::BTreeMap;

use proptest::prelude::*;
use serde_json::Value;

use super::*;
use crate::documents::{Artifact, Catalog, LogEntry, ModelIndex, VersionManifest, decode};
use crate::lifecycle::Status;
use crate::names::{ArtifactPath, Key, TargetName};

/// More requests than any reader needs on this registry, by far.
const REQUEST_BUDGET: usize = 10_000;

/// A source over [`Mem`] that panics past [`REQUEST_BUDGET`] requests.
struct Budgeted<'a> {
    mem: &'a Mem,
    left: Cell<usize>,
}

impl Budgeted<'_> {
    fn spend(&self) {
        let left = self.left.get();
        assert!(
            left > 0,
            "a reader made {REQUEST_BUDGET} requests: it loops"
        );
        self.left.set(left - 1);
    }
}

impl Source for Budgeted<'_> {
    type Error = Infallible;
    async fn get(&self, key: &str) -> Result<Option<Bytes>, Infallible> {
        self.spend();
        self.mem.get(key).await
    }
    async fn exists(&self, key: &str) -> Result<bool, Infallible> {
        self.spend();
        self.mem.exists(key).await
    }
    fn concurrency(&self) -> usize {
        4
    }
}

/// The healthy registry: fraud v1..v3 with artifacts, metrics, every lifecycle event, an
/// index, a materialised manifest, two catalog generations and a hint.
fn healthy() -> Mem {
    let mem = Mem::default();
    let mut log = Log::new(&mem, "fraud");
    for (i, time) in [
        "2026-11-01T00:00:00Z",
        "2026-11-02T00:00:00Z",
        "2026-11-03T00:00:00Z",
    ]
    .iter()
    .enumerate()
    {
        let version = i as u64 + 1;
        let manifest = VersionManifest {
            description: format!("version {version}"),
            artifacts: vec![Artifact {
                path: ArtifactPath::new("model.onnx").unwrap(),
                size: 10 + version,
                digest: Digest::of(&[version as u8]),
                media_type: None,
                info: None,
            }],
            metrics: BTreeMap::from([(Key::new("f1").unwrap(), 0.8 + version as f64 / 100.0)]),
            ..VersionManifest::new(name("fraud"), version, t(time), "ci")
        };
        mem.put(
            &keys::version_key(&name("fraud"), version),
            encode(&manifest).unwrap(),
        );
        log.append(
            Event::Register {
                version,
                content_id: manifest.content_id().unwrap(),
                manifest: Box::new(manifest),
            },
            time,
        );
    }
    log.alias("production", 2, "2026-11-04T00:00:00Z");
    log.alias("production", 3, "2026-11-05T00:00:00Z");
    let events = [
        Event::AliasSet {
            alias: AliasName::new("production").unwrap(),
            version: 2,
            rollback: true,
        },
        Event::Status {
            version: 2,
            status: Status::Validated,
        },
        Event::Status {
            version: 2,
            status: Status::Production,
        },
        Event::Tag {
            version: 1,
            key: Key::new("reviewed").unwrap(),
            value: "yes".into(),
        },
        Event::Evaluation {
            version: 2,
            metrics: BTreeMap::from([(Key::new("auc").unwrap(), 0.93)]),
            dataset: Some("november".into()),
            measured_at: t("2026-11-06T00:00:00Z"),
        },
        Event::Deployment {
            version: 2,
            target: TargetName::new("eu-west").unwrap(),
            traffic: 90.0,
        },
        Event::Untag {
            version: 1,
            key: Key::new("reviewed").unwrap(),
        },
    ];
    for (i, event) in events.into_iter().enumerate() {
        log.append(event, &format!("2026-11-{:02}T00:00:00Z", 6 + i));
    }
    let index = log.index();
    let mut catalog = Catalog::empty(1, t("2026-11-12T00:00:00Z"));
    mem.put(&keys::catalog_key(1), encode(&catalog).unwrap());
    catalog.generation = 2;
    catalog
        .models
        .insert(name("fraud"), index.catalog_entry().unwrap());
    mem.put(&keys::catalog_key(2), encode(&catalog).unwrap());
    mem.put(keys::CATALOG_HEAD, encode(&CatalogHead::new(2)).unwrap());
    mem.take();
    mem
}

/// What is done to one stored object.
#[derive(Debug, Clone)]
enum Damage {
    Replace(Vec<u8>),
    Flip(Vec<(usize, u8)>),
    Truncate(usize),
    /// Replace the JSON value at the n-th node (depth first) with this one.
    Splice(usize, Value),
    Remove,
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        prop_oneof![
            ".{0,12}",
            Just("sha256:".to_string()),
            Just("9999-99-99T99:99:99Z".to_string()),
            Just("../../etc".to_string()),
            Just("register".to_string()),
        ]
        .prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map("[a-z_]{1,8}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn damage() -> impl Strategy<Value = Damage> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..512).prop_map(Damage::Replace),
        prop::collection::vec((any::<usize>(), 1..=255u8), 1..8).prop_map(Damage::Flip),
        any::<usize>().prop_map(Damage::Truncate),
        (any::<usize>(), json_value()).prop_map(|(n, v)| Damage::Splice(n, v)),
        Just(Damage::Remove),
    ]
}

/// The n-th node of `value`, depth first (modulo the number of nodes), replaced.
fn splice(value: &mut Value, n: usize, with: Value) {
    fn count(v: &Value) -> usize {
        1 + match v {
            Value::Array(a) => a.iter().map(count).sum(),
            Value::Object(o) => o.values().map(count).sum(),
            _ => 0,
        }
    }
    fn walk(v: &mut Value, n: &mut usize, with: &mut Option<Value>) {
        if *n == 0 {
            if let Some(w) = with.take() {
                *v = w;
            }
            return;
        }
        *n -= 1;
        match v {
            Value::Array(a) => a.iter_mut().for_each(|c| walk(c, n, with)),
            Value::Object(o) => o.values_mut().for_each(|c| walk(c, n, with)),
            _ => {}
        }
    }
    let mut n = n % count(value);
    walk(value, &mut n, &mut Some(with));
}

fn apply(mem: &Mem, key: &str, damage: Damage) {
    let bytes = mem.bytes(key).to_vec();
    match damage {
        Damage::Replace(b) => mem.put(key, b),
        Damage::Flip(flips) => {
            let mut b = bytes;
            if !b.is_empty() {
                for (at, mask) in flips {
                    let len = b.len();
                    b[at % len] ^= mask;
                }
            }
            mem.put(key, b);
        }
        Damage::Truncate(at) => mem.put(key, bytes[..at % (bytes.len() + 1)].to_vec()),
        Damage::Splice(n, with) => {
            let mut value: Value = serde_json::from_slice(&bytes).unwrap();
            splice(&mut value, n, with);
            mem.put(key, serde_json::to_vec(&value).unwrap());
        }
        Damage::Remove => mem.remove(key),
    }
}

/// Run every reader of the read protocol; all that is asked of them is to return.
fn read_everything(mem: &Mem, hint: u64) {
    let src = Budgeted {
        mem,
        left: Cell::new(REQUEST_BUDGET),
    };
    let fraud = name("fraud");
    block_on(async {
        let _ = load_catalog(&src).await;
        for start in [Start::Log, Start::Index] {
            for mode in [Mode::Strict, Mode::Lenient] {
                if let Ok(view) = load_model(&src, &fraud, start, mode).await {
                    for summary in &view.index.versions {
                        let _ = load_manifest(&src, &fraud, summary).await;
                    }
                    let _ = select(&view.index, &Selector::Latest);
                    let _ = view.index.catalog_entry();
                    let _ = load_as_of(
                        &src,
                        &fraud,
                        t("2026-11-05T12:00:00Z"),
                        Some(&view.index),
                        mode,
                    )
                    .await;
                }
            }
        }
        let _ = load_as_of(&src, &fraud, t("2026-11-08T00:00:00Z"), None, Mode::Lenient).await;
        let _ = find_dense_head(&src, |n| keys::log_key(&fraud, n), hint).await;
        let _ = find_dense_head(&src, keys::catalog_key, hint).await;
    });
}

fn stored_keys(mem: &Mem) -> Vec<String> {
    mem.objects.borrow().keys().cloned().collect()
}

#[test]
fn the_healthy_registry_reads_cleanly() {
    let mem = healthy();
    assert_eq!(stored_keys(&mem).len(), 12 + 1 + 3 + 2 + 1);
    let view = block_on(load_model(&mem, &name("fraud"), Start::Index, Mode::Strict)).unwrap();
    assert!(view.problems.is_empty(), "{:?}", view.problems);
    assert_eq!(view.index.versions.len(), 3);
    assert_eq!(
        view.index.aliases[&AliasName::new("production").unwrap()].version,
        2
    );
    read_everything(&mem, 0);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// One stored object damaged: every reader returns.
    #[test]
    fn one_damaged_object_never_panics_a_reader(
        which in any::<prop::sample::Index>(),
        damage in damage(),
        hint in prop_oneof![Just(0u64), 0..20u64, Just(u64::MAX), any::<u64>()],
    ) {
        let mem = healthy();
        let keys = stored_keys(&mem);
        let key = which.get(&keys).clone();
        apply(&mem, &key, damage);
        read_everything(&mem, hint);
    }

    /// Two objects damaged at once (an index and the entry it names, a hint and a
    /// generation…).
    #[test]
    fn two_damaged_objects_never_panic_a_reader(
        first in any::<prop::sample::Index>(),
        second in any::<prop::sample::Index>(),
        d1 in damage(),
        d2 in damage(),
    ) {
        let mem = healthy();
        let keys = stored_keys(&mem);
        let (a, b) = (first.get(&keys).clone(), second.get(&keys).clone());
        apply(&mem, &a, d1);
        if a != b {
            apply(&mem, &b, d2);
        }
        read_everything(&mem, 0);
    }

    /// Every document type on arbitrary bytes and on arbitrary JSON: an error or a value.
    #[test]
    fn decoding_arbitrary_input_never_panics(
        bytes in prop::collection::vec(any::<u8>(), 0..1024),
        value in json_value(),
    ) {
        let json = serde_json::to_vec(&value).unwrap();
        for input in [&bytes, &json] {
            let _ = decode::<LogEntry>("entry", input);
            let _ = decode::<VersionManifest>("manifest", input);
            let _ = decode::<ModelIndex>("index", input);
            let _ = decode::<Catalog>("catalog", input);
            let _ = decode::<CatalogHead>("hint", input);
            let _ = decode::<crate::documents::RegistryDescriptor>("descriptor", input);
        }
    }
}
