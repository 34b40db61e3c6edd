//! The read protocol over an in-memory source that counts requests.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::convert::Infallible;

use futures::executor::block_on;

use super::*;
use crate::documents::{AliasState, CatalogHead, encode};
use crate::names::AliasName;

/// A bucket in memory; every request is counted.
#[derive(Default)]
struct Mem {
    objects: RefCell<BTreeMap<String, Bytes>>,
    gets: RefCell<Vec<String>>,
    probes: RefCell<Vec<String>>,
}

impl Mem {
    fn put(&self, key: &str, bytes: Vec<u8>) {
        self.objects
            .borrow_mut()
            .insert(key.to_string(), Bytes::from(bytes));
    }
    fn remove(&self, key: &str) {
        self.objects.borrow_mut().remove(key);
    }
    fn bytes(&self, key: &str) -> Bytes {
        self.objects.borrow()[key].clone()
    }
    /// Requests made since the last call: (GETs, existence probes).
    fn take(&self) -> (Vec<String>, Vec<String>) {
        (
            std::mem::take(&mut *self.gets.borrow_mut()),
            std::mem::take(&mut *self.probes.borrow_mut()),
        )
    }
}

impl Source for Mem {
    type Error = Infallible;
    async fn get(&self, key: &str) -> Result<Option<Bytes>, Infallible> {
        self.gets.borrow_mut().push(key.to_string());
        Ok(self.objects.borrow().get(key).cloned())
    }
    async fn exists(&self, key: &str) -> Result<bool, Infallible> {
        self.probes.borrow_mut().push(key.to_string());
        Ok(self.objects.borrow().contains_key(key))
    }
    fn concurrency(&self) -> usize {
        4
    }
}

fn t(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn name(s: &str) -> ModelName {
    ModelName::new(s).unwrap()
}

/// A model's log written through `next_entry`, with its replayed state kept alongside.
struct Log<'a> {
    mem: &'a Mem,
    state: ModelIndex,
}

impl<'a> Log<'a> {
    fn new(mem: &'a Mem, model: &str) -> Self {
        Log {
            mem,
            state: ModelIndex::empty(name(model)),
        }
    }

    fn append(&mut self, event: Event, time: &str) -> Vec<u8> {
        let entry = self.state.next_entry(event, t(time), "ci", None);
        let bytes = encode(&entry).unwrap();
        assert!(self.state.apply(&entry, &bytes).is_empty());
        self.mem
            .put(&keys::log_key(&self.state.model, entry.seq), bytes.clone());
        bytes
    }

    fn register(&mut self, time: &str) -> VersionManifest {
        let version = self.state.latest_version() + 1;
        let manifest = VersionManifest::new(self.state.model.clone(), version, t(time), "ci");
        self.append(
            Event::Register {
                version,
                content_id: manifest.content_id().unwrap(),
                manifest: Box::new(manifest.clone()),
            },
            time,
        );
        manifest
    }

    fn alias(&mut self, alias: &str, version: u64, time: &str) {
        self.append(
            Event::AliasSet {
                alias: AliasName::new(alias).unwrap(),
                version,
                rollback: false,
            },
            time,
        );
    }

    /// Write the derived index of the state so far.
    fn index(&self) -> ModelIndex {
        self.mem.put(
            &keys::model_index_key(&self.state.model),
            encode(&self.state).unwrap(),
        );
        self.state.clone()
    }
}

/// fraud: v1, v2, production → v2.
fn fraud(mem: &Mem) -> Log<'_> {
    let mut log = Log::new(mem, "fraud");
    log.register("2026-11-01T00:00:00Z");
    log.register("2026-11-02T00:00:00Z");
    log.alias("production", 2, "2026-11-03T00:00:00Z");
    log
}

#[test]
fn replay_from_the_log_reads_each_entry_once_and_probes_for_a_gap() {
    let mem = Mem::default();
    let log = fraud(&mem);
    mem.take();
    let view = block_on(load_model(&mem, &name("fraud"), Start::Log, Mode::Strict)).unwrap();
    assert_eq!(view.index, log.state);
    assert_eq!(view.caught_up, 3);
    let (gets, probes) = mem.take();
    // One batch of 4 (entries 1-3, and 4 is absent), then GAP_PROBES probes past the end.
    let entry = |n| keys::log_key(&name("fraud"), n);
    assert_eq!(gets, (1..=4).map(entry).collect::<Vec<_>>());
    assert_eq!(probes, (5..=8).map(entry).collect::<Vec<_>>());
}

#[test]
fn a_forged_index_is_never_truth_for_the_log_start() {
    let mem = Mem::default();
    let log = fraud(&mem);
    // Forged: production points to v1, with the real head digest kept.
    let mut forged = log.index();
    forged.aliases.insert(
        AliasName::new("production").unwrap(),
        AliasState {
            version: 1,
            stack: vec![1],
            set_at: t("2026-11-03T00:00:00Z"),
            set_by: "mallory".into(),
        },
    );
    mem.put(
        &keys::model_index_key(&name("fraud")),
        encode(&forged).unwrap(),
    );
    let production = Selector::Alias(AliasName::new("production").unwrap());
    let truth = block_on(load_model(&mem, &name("fraud"), Start::Log, Mode::Lenient)).unwrap();
    assert_eq!(select(&truth.index, &production).unwrap().version, 2);
    // The anchored index is believed: its head is the log's (what §2.1 says it may be
    // trusted for, and why writers and the CLI start from the log).
    let page = block_on(load_model(
        &mem,
        &name("fraud"),
        Start::Index,
        Mode::Lenient,
    ))
    .unwrap();
    assert_eq!(select(&page.index, &production).unwrap().version, 1);
}

#[test]
fn an_index_whose_head_does_not_hash_is_discarded() {
    let mem = Mem::default();
    let log = fraud(&mem);
    let mut forged = log.index();
    forged.head = Some(crate::documents::LogHead {
        seq: 3,
        digest: Digest::of(b"not entry 3"),
    });
    forged.versions.truncate(1);
    mem.put(
        &keys::model_index_key(&name("fraud")),
        encode(&forged).unwrap(),
    );
    let view = block_on(load_model(
        &mem,
        &name("fraud"),
        Start::Index,
        Mode::Lenient,
    ))
    .unwrap();
    assert_eq!(view.index, log.state);
    assert_eq!(view.caught_up, 3, "replayed from entry 1");
}

#[test]
fn a_stale_index_is_caught_up_with_few_requests() {
    let mem = Mem::default();
    let mut log = fraud(&mem);
    log.index();
    log.register("2026-11-04T00:00:00Z");
    log.alias("production", 3, "2026-11-05T00:00:00Z");
    mem.take();
    let view = block_on(load_model(&mem, &name("fraud"), Start::Index, Mode::Strict)).unwrap();
    assert_eq!(view.index, log.state);
    assert_eq!(view.caught_up, 2);
    let (gets, probes) = mem.take();
    let entry = |n| keys::log_key(&name("fraud"), n);
    assert_eq!(
        gets,
        vec![
            keys::model_index_key(&name("fraud")),
            entry(3), // the anchor
            entry(4),
            entry(5)
        ]
    );
    // From the hint 3: 3, 4, 6 (absent), then 5.
    assert_eq!(probes, vec![entry(3), entry(4), entry(6), entry(5)]);
}

#[test]
fn a_deleted_entry_is_a_gap_strict_refuses_lenient_reports() {
    let mem = Mem::default();
    let mut log = fraud(&mem);
    log.register("2026-11-04T00:00:00Z");
    mem.remove(&keys::log_key(&name("fraud"), 2));
    let err = block_on(load_model(&mem, &name("fraud"), Start::Log, Mode::Strict)).unwrap_err();
    assert!(
        matches!(&err, ReadError::Integrity { key, .. } if key.ends_with("00000000000000000002.json")),
        "{err}"
    );
    let view = block_on(load_model(&mem, &name("fraud"), Start::Log, Mode::Lenient)).unwrap();
    assert_eq!(
        view.problems,
        vec![Problem::new(
            keys::log_key(&name("fraud"), 2),
            "missing: the log has entries after it"
        )]
    );
}

#[test]
fn an_entry_of_a_newer_format_stops_a_writer() {
    let mem = Mem::default();
    fraud(&mem);
    let key = keys::log_key(&name("fraud"), 3);
    let newer = String::from_utf8(mem.bytes(&key).to_vec())
        .unwrap()
        .replace(r#""format":1"#, r#""format":2"#);
    mem.put(&key, newer.into_bytes());
    let err = block_on(load_model(&mem, &name("fraud"), Start::Log, Mode::Strict)).unwrap_err();
    assert!(matches!(err, ReadError::NewerFormat { .. }), "{err}");
    assert!(err.to_string().contains("upgrade shelf"), "{err}");
    let view = block_on(load_model(&mem, &name("fraud"), Start::Log, Mode::Lenient)).unwrap();
    assert_eq!(view.index.versions.len(), 2);
    assert_eq!(view.problems.len(), 1);
}

#[test]
fn no_log_is_no_model() {
    let mem = Mem::default();
    let err = block_on(load_model(&mem, &name("nope"), Start::Log, Mode::Lenient)).unwrap_err();
    assert_eq!(
        err.to_string(),
        "there is no model nope in this registry (models/nope/_log/00000000000000000001.json is absent)"
    );
}

fn catalog(generation: u64) -> Vec<u8> {
    encode(&Catalog::empty(generation, t("2026-11-01T00:00:00Z"))).unwrap()
}

#[test]
fn the_catalog_hint_may_lag_lead_or_be_damaged() {
    let mem = Mem::default();
    for g in 1..=5 {
        mem.put(&keys::catalog_key(g), catalog(g));
    }
    let newest = |mem: &Mem| {
        let view = block_on(load_catalog(mem)).unwrap();
        (
            view.newest,
            view.catalog.map(|c| c.generation),
            view.problems,
        )
    };
    // No hint: found from 0.
    assert_eq!(newest(&mem), (5, Some(5), vec![]));
    // A hint that lags.
    mem.put(keys::CATALOG_HEAD, encode(&CatalogHead::new(2)).unwrap());
    assert_eq!(newest(&mem), (5, Some(5), vec![]));
    // A hint naming a generation that does not exist: searched below it (§7.2).
    mem.put(keys::CATALOG_HEAD, encode(&CatalogHead::new(9)).unwrap());
    assert_eq!(newest(&mem), (5, Some(5), vec![]));
    mem.put(
        keys::CATALOG_HEAD,
        encode(&CatalogHead::new(1 << 40)).unwrap(),
    );
    assert_eq!(newest(&mem).0, 5);
    // A damaged hint and a damaged newest generation: reported, the one before is used.
    mem.put(keys::CATALOG_HEAD, b"{".to_vec());
    mem.put(&keys::catalog_key(5), b"not json".to_vec());
    let (found, catalog, problems) = newest(&mem);
    assert_eq!((found, catalog), (5, Some(4)));
    let keys_: Vec<&str> = problems.iter().map(|p| p.key.as_str()).collect();
    assert_eq!(
        keys_,
        vec![keys::CATALOG_HEAD, keys::catalog_key(5).as_str()]
    );
}

#[test]
fn manifests_come_from_a_copy_that_hashes_else_from_the_log() {
    let mem = Mem::default();
    let mut log = Log::new(&mem, "fraud");
    let manifest = log.register("2026-11-01T00:00:00Z");
    let summary = log.state.versions[0].clone();
    let copy = keys::version_key(&name("fraud"), 1);
    mem.put(&copy, encode(&manifest).unwrap());
    mem.take();
    assert_eq!(
        block_on(load_manifest(&mem, &name("fraud"), &summary)).unwrap(),
        manifest
    );
    assert_eq!(mem.take().0, vec![copy.clone()], "one GET");
    // A tampered copy is not believed.
    let mut tampered = manifest.clone();
    tampered.description = "forged".into();
    mem.put(&copy, encode(&tampered).unwrap());
    assert_eq!(
        block_on(load_manifest(&mem, &name("fraud"), &summary)).unwrap(),
        manifest
    );
    // A summary that the log does not back is an integrity error naming the entry.
    let mut wrong = summary.clone();
    wrong.content_id = Digest::of(b"x");
    let err = block_on(load_manifest(&mem, &name("fraud"), &wrong)).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("integrity error at models/fraud/_log/00000000000000000001.json"),
        "{err}"
    );
}

#[test]
fn time_travel_reads_only_up_to_the_first_later_entry() {
    let mem = Mem::default();
    let mut log = fraud(&mem);
    for day in 4..=20 {
        log.register(&format!("2026-11-{day:02}T00:00:00Z"));
    }
    let current = log.state.clone();
    let at = t("2026-11-03T12:00:00Z");
    mem.take();
    let as_of = block_on(load_as_of(&mem, &name("fraud"), at, None, Mode::Strict)).unwrap();
    assert_eq!(as_of.state.head.unwrap().seq, 3);
    assert_eq!(as_of.state.versions.len(), 2);
    assert_eq!(
        as_of
            .state
            .alias_version(&AliasName::new("production").unwrap()),
        Some(2)
    );
    assert_eq!(as_of.first, Some(t("2026-11-01T00:00:00Z")));
    assert_eq!(
        mem.take().0.len(),
        4,
        "entries 1-4 (4 is the first later one)"
    );
    // Guided by the current state, the first round is exactly entries 1-4 too.
    let guided = block_on(load_as_of(
        &mem,
        &name("fraud"),
        at,
        Some(&current),
        Mode::Strict,
    ))
    .unwrap();
    assert_eq!(guided.state, as_of.state);
    assert_eq!(mem.take().0.len(), 4);
    // Before the first entry: no head.
    let before = block_on(load_as_of(
        &mem,
        &name("fraud"),
        t("2020-01-01T00:00:00Z"),
        None,
        Mode::Strict,
    ))
    .unwrap();
    assert!(before.state.head.is_none());
    // After the last entry: the whole log.
    let now = block_on(load_as_of(
        &mem,
        &name("fraud"),
        t("2030-01-01T00:00:00Z"),
        None,
        Mode::Strict,
    ))
    .unwrap();
    assert_eq!(now.state, current);
}

#[test]
fn entry_times_never_go_backwards_within_a_log() {
    let mem = Mem::default();
    let mut log = Log::new(&mem, "fraud");
    log.register("2026-11-05T00:00:00Z");
    // A writer whose clock is behind still dates its entry at the previous one's time.
    log.register("2026-11-01T00:00:00Z");
    let times: Vec<Timestamp> = log.state.events.iter().map(|e| e.time).collect();
    assert_eq!(times, vec![t("2026-11-05T00:00:00Z"); 2]);
}

#[test]
fn selectors_and_their_errors() {
    let mem = Mem::default();
    let log = fraud(&mem);
    let state = &log.state;
    let sel = |s: &str| {
        let r: Reference = s.parse().unwrap();
        select_ref(state, &r).map(|v| v.version)
    };
    assert_eq!(sel("fraud"), Ok(2));
    assert_eq!(sel("fraud@1"), Ok(1));
    assert_eq!(sel("fraud@production"), Ok(2));
    let prefix = &state.versions[0].content_id.hex()[..8];
    assert_eq!(sel(&format!("fraud@sha256:{prefix}")), Ok(1));
    let msg = |s: &str| sel(s).unwrap_err().to_string();
    assert_eq!(
        msg("fraud@9"),
        "fraud@9 not found: fraud has no version 9 (it has 2)"
    );
    assert_eq!(
        msg("fraud@staging"),
        "fraud has no alias staging (its aliases: production)"
    );
    assert_eq!(
        msg("fraud@sha256:ffffffffff"),
        "fraud@sha256:ffffffffff not found (no version of fraud has a content id starting with it)"
    );
    let empty = ModelIndex::empty(name("fraud"));
    assert_eq!(
        select(&empty, &Selector::Latest).unwrap_err().to_string(),
        "fraud has no versions yet"
    );
}

#[test]
fn time_travel_first_reads_up_to_the_first_later_entry_of_the_trail() {
    let mem = Mem::default();
    let mut log = Log::new(&mem, "fraud");
    for day in 1..=3 {
        log.register(&format!("2026-11-{day:02}T00:00:00Z"));
    }
    let state = &log.state;
    // Before the first entry: read entry 1, which shows the model did not exist.
    assert_eq!(first_read(state, t("2026-10-01T00:00:00Z")), 1);
    // Between 1 and 2, and exactly at 2 (an entry at `at` is included).
    assert_eq!(first_read(state, t("2026-11-01T12:00:00Z")), 2);
    assert_eq!(first_read(state, t("2026-11-02T00:00:00Z")), 3);
    // After the last entry: the whole log.
    assert_eq!(first_read(state, t("2027-01-01T00:00:00Z")), 3);
    // A trail that lags behind the head (entries caught up from the log since).
    let mut lagging = state.clone();
    lagging.events.truncate(1);
    lagging.head.as_mut().unwrap().seq = 5;
    assert_eq!(first_read(&lagging, t("2027-01-01T00:00:00Z")), 5);
}

#[test]
fn content_id_prefixes_that_match_several_versions_are_ambiguous() {
    let mem = Mem::default();
    let log = fraud(&mem);
    let err = select(&log.state, &Selector::ContentId(String::new())).unwrap_err();
    assert_eq!(
        err.to_string(),
        "fraud@sha256: is ambiguous: it matches fraud@1, fraud@2; give more digits"
    );
}

#[path = "tests/properties.rs"]
mod properties;
