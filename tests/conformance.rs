//! The conformance suite: every scenario runs against an in-memory store, a local temp
//! folder, a real S3 server and a real Azure Blob Storage emulator (Azurite) over HTTP,
//! and real cloud buckets when the environment names them, through the library. Each
//! starts from a [`Fixture`] (an initialised registry with a file to push).

use std::collections::BTreeMap;
use std::sync::Arc;

use object_store::{ObjectStoreExt as _, PutPayload, path::Path};
use shelf::{Error, InitOptions, Registry, Silent};
use shelf_format::{Key, ParamValue, Reference, keys};

use crate::support::faulty::Faulty;
use crate::support::fixture::{Fixture, init_options, name, request};
use crate::support::recording::{Kind, Recording};
use crate::support::{Backend, all_keys, bytes, write_file};

/// Run a scenario against every backend.
macro_rules! conformance {
    ($($name:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                for backend in Backend::all() {
                    eprintln!("-- {} on {}", stringify!($name), backend.name());
                    scenarios::$name(&backend).await;
                }
            }
        )*
    };
}

conformance!(
    init_is_idempotent_and_verifies_conditional_writes,
    push_list_show_pull_round_trip,
    hostile_names_round_trip,
    repush_unchanged_uploads_no_bytes,
    large_file_streams_in_parts,
    pull_refuses_corrupted_blob_and_leaves_nothing,
    damage_is_named_and_the_rest_still_reads,
    readers_catch_up_when_derived_files_lag,
    concurrent_pushes_in_process_get_dense_versions,
    reindex_rebuilds_deleted_derived_files,
    operations_without_registry_say_so,
    bad_requests_write_nothing,
    aliases_rollbacks_and_statuses,
    concurrent_alias_moves_all_land,
    time_travel_deployments_and_audit_trail,
    lineage_is_pinned_and_a_missing_parent_writes_nothing,
    racing_creates_of_one_key_have_exactly_one_winner,
    a_lifecycle_event_reads_the_model_once,
    deployments_as_of_a_time_read_each_log_entry_once,
);

mod scenarios {
    use super::*;
    use shelf_format::{AliasName, BranchName, Event, Parent, Status, TargetName};

    async fn set_alias(registry: &Registry, version: u64) -> shelf::Result<shelf::EventOutcome> {
        registry
            .append_event(&name("m"), "ci", Some("promote".into()), |_| {
                Ok(Event::AliasSet {
                    alias: AliasName::new("production").unwrap(),
                    version,
                    rollback: false,
                })
            })
            .await
    }

    async fn rollback(registry: &Registry) -> shelf::Result<shelf::EventOutcome> {
        let production = AliasName::new("production").unwrap();
        registry
            .append_event(&name("m"), "ci", Some("regression".into()), |index| {
                let (_, to) = index
                    .rollback_target(&production)
                    .map_err(|r| Error::Usage(r.to_string()))?;
                Ok(Event::AliasSet {
                    alias: production.clone(),
                    version: to,
                    rollback: true,
                })
            })
            .await
    }

    pub async fn aliases_rollbacks_and_statuses(backend: &Backend) {
        let fixture = Fixture::with_versions(backend, "m", 3).await;
        let registry = &fixture.registry;
        let model = name("m");
        let production = AliasName::new("production").unwrap();
        for v in 1..=3 {
            set_alias(registry, v).await.unwrap();
        }
        let (_, s) = registry
            .resolve(&"m@production".parse().unwrap())
            .await
            .unwrap();
        assert_eq!(s.version, 3);
        // Rollbacks walk back: 3 -> 2 -> 1, then there is nothing left.
        for expected in [2, 1] {
            let out = rollback(registry).await.unwrap();
            assert!(
                out.summary.contains(&format!("to v{expected}")),
                "{}",
                out.summary
            );
        }
        let err = rollback(registry).await.unwrap_err();
        assert!(err.is_usage(), "{err}");
        // A transition that makes no sense is refused, nothing written.
        let status = |version, status| {
            registry.append_event(&model, "ci", Some("r".into()), move |_| {
                Ok(Event::Status { version, status })
            })
        };
        status(1, Status::Validated).await.unwrap();
        status(1, Status::Archived).await.unwrap();
        let err = status(1, Status::Production).await.unwrap_err();
        assert!(err.to_string().contains("archived is final"), "{err}");
        let err = set_alias(registry, 9).await.unwrap_err();
        assert!(err.to_string().contains("no version 9"), "{err}");
        // Refused events wrote nothing: the log holds 3 pushes, 3 moves, 2 rollbacks, 2 statuses.
        assert_eq!(
            registry
                .model(&model)
                .await
                .unwrap()
                .index
                .head
                .unwrap()
                .seq,
            10
        );
        assert!(
            registry
                .get_bytes(&keys::log_key(&model, 11))
                .await
                .unwrap()
                .is_none()
        );
        let view = registry.model(&model).await.unwrap();
        assert_eq!(view.index.alias_version(&production), Some(1));
        assert_eq!(
            view.index.version(1).unwrap().effective_status(),
            Status::Archived
        );
        assert_eq!(view.index.events.len(), 3 + 3 + 2 + 2);
        let (_, catalog, _) = registry.read_catalog().await.unwrap();
        assert_eq!(catalog.unwrap().models[&model].aliases[&production], 1);
        assert!(registry.verify(&Silent).await.unwrap().is_clean());
    }

    /// A scripted history with known answers: what `m@production` and the deployments
    /// were as of each point, the audit trail's filters, and `--at` before the model.
    pub async fn time_travel_deployments_and_audit_trail(backend: &Backend) {
        let fixture = Fixture::new(backend).await;
        let registry = &fixture.registry;
        let model = name("m");
        let eu = TargetName::new("eu-prod").unwrap();
        let production = AliasName::new("production").unwrap();
        // Entry times have millisecond resolution: keep consecutive entries apart so that
        // "as of the time of entry N" includes N and nothing after it.
        let tick = || tokio::time::sleep(std::time::Duration::from_millis(3));
        let event = |actor: &'static str, event: Event| {
            let registry = registry.clone();
            let model = model.clone();
            async move {
                tick().await;
                registry
                    .append_event(&model, actor, Some("scripted".into()), move |_| {
                        Ok(event.clone())
                    })
                    .await
                    .unwrap()
            }
        };
        fixture.push("m").await; // seq 1
        let alias = |version| Event::AliasSet {
            alias: production.clone(),
            version,
            rollback: false,
        };
        let deploy = |version, traffic| Event::Deployment {
            version,
            target: eu.clone(),
            traffic,
        };
        event("alice", alias(1)).await; // 2
        event("alice", deploy(1, 100.0)).await; // 3
        tick().await;
        fixture.push("m").await; // 4
        event("bob", alias(2)).await; // 5
        event("bob", deploy(1, 80.0)).await; // 6
        event("bob", deploy(2, 20.0)).await; // 7
        event(
            "carol",
            Event::Status {
                version: 2,
                status: Status::Validated,
            },
        )
        .await; // 8
        event(
            "carol",
            Event::Undeployment {
                version: 1,
                target: eu.clone(),
            },
        )
        .await; // 9

        let view = registry.model(&model).await.unwrap();
        let time = |seq: u64| view.index.events[seq as usize - 1].time;
        let at = |reference: &str, seq: u64| {
            let registry = registry.clone();
            let reference: Reference = reference.parse().unwrap();
            async move { registry.resolve_at(&reference, time(seq)).await }
        };
        // Which version the alias pointed to, as of each entry (known answers).
        for (seq, expected) in [(2, 1), (3, 1), (4, 1), (5, 2), (9, 2)] {
            let (_, summary) = at("m@production", seq).await.unwrap();
            assert_eq!(summary.version, expected, "m@production as of entry {seq}");
        }
        let err = at("m@production", 1).await.unwrap_err();
        assert!(
            err.to_string().contains("m has no alias production")
                && err.to_string().contains("as of"),
            "{err}"
        );
        // m@latest as of entry 3 is v1: v2 did not exist yet; m@2 then is not found.
        assert_eq!(at("m@latest", 3).await.unwrap().1.version, 1);
        let err = at("m@2", 3).await.unwrap_err();
        assert!(matches!(err, Error::Select { .. }), "{err}");
        // Statuses of then.
        let (state, _) = at("m@2", 7).await.unwrap();
        assert_eq!(state.version(2).unwrap().effective_status(), Status::Draft);
        let (state, _) = at("m@2", 8).await.unwrap();
        assert_eq!(
            state.version(2).unwrap().effective_status(),
            Status::Validated
        );
        // Before the model's first entry: a usage error that says when it was created.
        let before = shelf_format::Timestamp::from_millis(time(1).millis() - 1).unwrap();
        let err = registry.model_at(&model, before).await.unwrap_err();
        assert!(err.is_usage(), "{err}");
        assert!(err.to_string().contains("did not exist"), "{err}");
        assert!(err.to_string().contains(&time(1).to_string()), "{err}");

        // Deployments now, and as of entries 3 and 7.
        let shares = |d: shelf::Deployments| -> Vec<(String, u64, f64)> {
            d.deployments
                .into_iter()
                .map(|r| (r.target.to_string(), r.version, r.traffic))
                .collect()
        };
        let now = registry.deployments(None, None).await.unwrap();
        assert_eq!(shares(now), vec![("eu-prod".into(), 2, 20.0)]);
        let then = registry
            .deployments(Some(&model), Some(time(3)))
            .await
            .unwrap();
        assert_eq!(shares(then), vec![("eu-prod".into(), 1, 100.0)]);
        let then = registry.deployments(None, Some(time(7))).await.unwrap();
        assert_eq!(
            shares(then),
            vec![("eu-prod".into(), 1, 80.0), ("eu-prod".into(), 2, 20.0)]
        );
        // Registry-wide, a time before every model shows nothing; for one model it is an error.
        assert!(
            registry
                .deployments(None, Some(before))
                .await
                .unwrap()
                .deployments
                .is_empty()
        );
        assert!(
            registry
                .deployments(Some(&model), Some(before))
                .await
                .unwrap_err()
                .is_usage()
        );

        // The audit trail and its filters.
        let log = |filter: shelf::LogFilter| {
            let registry = registry.clone();
            async move {
                registry
                    .audit_log(&filter)
                    .await
                    .unwrap()
                    .events
                    .into_iter()
                    .map(|l| l.event.seq)
                    .collect::<Vec<u64>>()
            }
        };
        assert_eq!(log(Default::default()).await, (1..=9).collect::<Vec<_>>());
        let by = |actor: &str| shelf::LogFilter {
            actor: Some(actor.into()),
            ..Default::default()
        };
        assert_eq!(log(by("bob")).await, vec![5, 6, 7]);
        let kind = |action: &str| shelf::LogFilter {
            action: Some(action.into()),
            model: Some(model.clone()),
            ..Default::default()
        };
        assert_eq!(log(kind("deployment")).await, vec![3, 6, 7]);
        assert_eq!(log(kind("register")).await, vec![1, 4]);
        let since = shelf::LogFilter {
            since: Some(time(8)),
            ..Default::default()
        };
        assert_eq!(log(since).await, vec![8, 9]);
        let err = registry.audit_log(&kind("promote")).await.unwrap_err();
        assert!(
            err.is_usage() && err.to_string().contains("\"promote\""),
            "{err}"
        );
        assert!(registry.verify(&Silent).await.unwrap().is_clean());
    }

    pub async fn lineage_is_pinned_and_a_missing_parent_writes_nothing(backend: &Backend) {
        let fixture = Fixture::new(backend).await;
        let registry = &fixture.registry;
        let base = fixture.push("base").await;
        let mut tuned = request("tuned", vec![fixture.file.clone()]);
        tuned.parent = Some("base@latest".parse().unwrap());
        tuned.branch = Some(BranchName::new("exp/lr-sweep").unwrap());
        registry.push(&tuned, &Silent).await.unwrap();
        let (_, summary) = registry.resolve(&"tuned@1".parse().unwrap()).await.unwrap();
        let parent = Parent {
            model: name("base"),
            version: 1,
            content_id: base.content_id,
        };
        assert_eq!(summary.parent.as_ref(), Some(&parent));
        assert_eq!(
            summary.branch.as_ref().map(|b| b.as_str()),
            Some("exp/lr-sweep")
        );
        let tuned_model = name("tuned");
        let manifest = registry.manifest(&tuned_model, &summary).await.unwrap();
        assert_eq!(manifest.parent, Some(parent));
        // A parent that does not exist: refused before anything is uploaded or committed.
        let keys_before = all_keys(registry.store()).await;
        let mut orphan = request("tuned", vec![fixture.write("new.bin", b"new")]);
        orphan.parent = Some("base@9".parse().unwrap());
        let err = registry.push(&orphan, &Silent).await.unwrap_err();
        assert!(err.is_usage(), "{err}");
        assert!(err.to_string().contains("parent base@9"), "{err}");
        orphan.parent = Some("base@production".parse().unwrap());
        let err = registry.push(&orphan, &Silent).await.unwrap_err();
        assert!(
            err.to_string().contains("base has no alias production"),
            "{err}"
        );
        assert_eq!(all_keys(registry.store()).await, keys_before);
        assert!(registry.verify(&Silent).await.unwrap().is_clean());
        // A parent deleted by hand is named by verify.
        let base_model = name("base");
        registry
            .store()
            .delete(&Path::from(keys::log_key(&base_model, 1)))
            .await
            .unwrap();
        let report = registry.verify(&Silent).await.unwrap();
        assert!(
            report
                .problems
                .iter()
                .any(|p| p.key == keys::log_key(&tuned_model, 1)
                    && p.message == "the parent of v1, base@1, is not registered"),
            "{:?}",
            report.problems
        );
    }

    /// The store's own put-if-absent, which every commit stands on: writers released at
    /// once on one key, round after round; exactly one creates it, and its bytes stay.
    pub async fn racing_creates_of_one_key_have_exactly_one_winner(backend: &Backend) {
        const ROUNDS: usize = 10;
        const WRITERS: usize = 8;
        let registry = backend.registry();
        for round in 0..ROUNDS {
            let key = format!("races/{round}");
            let start = Arc::new(tokio::sync::Barrier::new(WRITERS));
            let tasks: Vec<_> = (0..WRITERS)
                .map(|writer| {
                    let (registry, key, start) = (registry.clone(), key.clone(), start.clone());
                    tokio::spawn(async move {
                        start.wait().await;
                        let created = registry
                            .put_if_absent(&key, format!("writer {writer}").into_bytes())
                            .await
                            .unwrap();
                        (writer, created)
                    })
                })
                .collect();
            let mut winners = Vec::new();
            for task in tasks {
                let (writer, created) = task.await.unwrap();
                if created {
                    winners.push(writer);
                }
            }
            assert_eq!(winners.len(), 1, "round {round}: winners {winners:?}");
            let stored = registry.get_bytes(&key).await.unwrap().unwrap();
            assert_eq!(stored.as_ref(), format!("writer {}", winners[0]).as_bytes());
        }
    }

    pub async fn concurrent_alias_moves_all_land(backend: &Backend) {
        let fixture = Fixture::with_versions(backend, "m", 8).await;
        let registry = &fixture.registry;
        let tasks: Vec<_> = (1..=8u64)
            .map(|v| {
                let registry = registry.clone();
                tokio::spawn(async move { set_alias(&registry, v).await.unwrap().seq })
            })
            .collect();
        let mut seqs = Vec::new();
        for t in tasks {
            seqs.push(t.await.unwrap());
        }
        seqs.sort();
        assert_eq!(
            seqs,
            (9..=16).collect::<Vec<_>>(),
            "8 moves, 8 entries, none lost"
        );
        let view = registry.model(&name("m")).await.unwrap();
        let moves = view
            .index
            .events
            .iter()
            .filter(|e| e.event_type == "alias-set")
            .count();
        assert_eq!(moves, 8);
        // The state is the replay: the alias points where the last entry put it.
        let last = view.index.events.last().unwrap().version.unwrap();
        assert_eq!(
            view.index
                .alias_version(&AliasName::new("production").unwrap()),
            Some(last)
        );
        assert!(registry.verify(&Silent).await.unwrap().is_clean());
    }

    // ---- Request counts -----------------------------------------------------------
    //
    // What an operation costs, counted by a `Recording` store around the backend's. The
    // counts pinned are the ones a claim rests on (commit ded9837: "one read of the model,
    // not two"; "deployments --at replays each log once"), not every request: a change of
    // the read protocol that keeps the claim keeps these tests green. Change a count here
    // only with the claim.

    /// A fixture whose registry records its requests, on `backend`'s store.
    async fn recorded(backend: &Backend) -> (Fixture, Arc<Recording>) {
        let recording = Arc::new(Recording::new(backend.store()));
        let store: Arc<dyn object_store::ObjectStore> = recording.clone();
        let registry = Registry::new(store, backend.url());
        (Fixture::on(registry).await, recording)
    }

    /// An event about `m@production` resolves the reference inside the commit, against
    /// the replay of the log: up to the commit, each log entry is read once (not once to
    /// resolve and again to commit) and the derived index not at all (a writer never
    /// numbers from it, docs/format.md §6.2); the commit is one put-if-absent, of the next
    /// entry. (After it, refreshing the derived files reads the index: not pinned here.)
    pub async fn a_lifecycle_event_reads_the_model_once(backend: &Backend) {
        let (fixture, recording) = recorded(backend).await;
        fixture.push_versions("m", 3).await;
        set_alias(&fixture.registry, 2).await.unwrap();
        let model = name("m");
        recording.take();

        let outcome = fixture
            .registry
            .append_version_event(
                &"m@production".parse().unwrap(),
                "ci",
                Some("validated".into()),
                |_, version| {
                    Ok(Event::Status {
                        version,
                        status: Status::Validated,
                    })
                },
            )
            .await
            .unwrap();
        assert_eq!((outcome.seq, outcome.version), (5, Some(2)));
        let sent = recording.take();
        let (log, commit) = (keys::log_prefix(&model), keys::log_key(&model, 5));
        assert_eq!(
            sent.per_key(Kind::PutIfAbsent, &log),
            BTreeMap::from([(commit.clone(), 1)]),
            "one commit, of entry 5\n{sent}"
        );
        let reading = sent.before(Kind::PutIfAbsent, &commit);
        assert_eq!(
            reading.count(Kind::Get, &keys::model_index_key(&model)),
            0,
            "no derived index read before the commit\n{sent}"
        );
        // Entries 1-4, and 5 found absent (with a few more past it, read in the same
        // round): each read once.
        let read = reading.per_key(Kind::Get, &log);
        assert!(
            (1..=5).all(|seq| read.contains_key(&keys::log_key(&model, seq))),
            "entries 1-5 read\n{sent}"
        );
        assert!(
            read.values().all(|times| *times == 1),
            "each log entry read once\n{sent}"
        );
    }

    /// `deployments --at` replays each model's log up to that time: every entry of every
    /// log is read exactly once, and no index is read (an index knows only the present).
    pub async fn deployments_as_of_a_time_read_each_log_entry_once(backend: &Backend) {
        let (fixture, recording) = recorded(backend).await;
        fixture.push_versions("m", 2).await;
        fixture.push_versions("n", 3).await;
        set_alias(&fixture.registry, 2).await.unwrap();
        let m = name("m");
        let now = fixture
            .registry
            .model(&m)
            .await
            .unwrap()
            .index
            .updated_at
            .unwrap();
        recording.take();

        fixture.registry.deployments(None, Some(now)).await.unwrap();
        let sent = recording.take();
        for (model, entries) in [(m, 3), (name("n"), 3)] {
            let read = sent.per_key(Kind::Get, &keys::log_prefix(&model));
            for seq in 1..=entries {
                let key = keys::log_key(&model, seq);
                assert_eq!(read.get(&key), Some(&1), "{key} read once\n{sent}");
            }
            // (A read past the head, to find it, is allowed: once.)
            assert!(read.values().all(|times| *times == 1), "{read:?}\n{sent}");
            assert_eq!(
                sent.count(Kind::Get, &keys::model_index_key(&model)),
                0,
                "no index read\n{sent}"
            );
        }
    }

    pub async fn init_is_idempotent_and_verifies_conditional_writes(backend: &Backend) {
        let registry = backend.registry();
        assert!(registry.probe_conditional_writes().await.unwrap());
        let first = registry.init(&init_options()).await.unwrap();
        assert!(first.created);
        assert_eq!(
            first.descriptor.conditional_writes,
            shelf_format::ConditionalWrites::Verified
        );
        let before = all_keys(registry.store()).await;
        assert_eq!(
            before,
            vec![keys::DESCRIPTOR.to_string()],
            "probe keys are cleaned up"
        );
        let second = registry.init(&init_options()).await.unwrap();
        assert!(!second.created);
        assert_eq!(second.descriptor, first.descriptor);
        assert_eq!(all_keys(registry.store()).await, before);
    }

    pub async fn push_list_show_pull_round_trip(backend: &Backend) {
        let fixture = Fixture::new(backend).await;
        let registry = &fixture.registry;
        let model = fixture.write("model.onnx", b"onnx bytes");
        let folder = fixture.dir.path().join("extra");
        write_file(&folder.join("config.json"), b"{}");
        write_file(&folder.join("tokenizer/vocab.txt"), b"a\nb\n");
        let mut req = request("fraud-detector", vec![model.clone(), folder.clone()]);
        req.metrics.insert(Key::new("f1").unwrap(), 0.91);
        req.metrics.insert(Key::new("auc").unwrap(), 0.97);
        req.params
            .insert(Key::new("lr").unwrap(), ParamValue::String("0.01".into()));
        req.labels.insert(Key::new("team").unwrap(), "risk".into());
        req.description = "first cut\nwith two lines".into();
        let v1 = registry.push(&req, &Silent).await.unwrap();
        assert_eq!(v1.version, 1);
        assert_eq!(v1.attempts, 1);
        assert!(v1.warnings.is_empty(), "{:?}", v1.warnings);
        let paths: Vec<&str> = v1.artifacts.iter().map(|a| a.path.as_str()).collect();
        assert_eq!(paths, ["model.onnx", "config.json", "tokenizer/vocab.txt"]);

        req.metrics.insert(Key::new("f1").unwrap(), 0.93);
        let v2 = registry.push(&req, &Silent).await.unwrap();
        assert_eq!(v2.version, 2);
        assert_ne!(v2.content_id, v1.content_id);

        let listing = registry.list().await.unwrap();
        assert!(listing.problems.is_empty(), "{:?}", listing.problems);
        assert_eq!(listing.models.len(), 1);
        assert_eq!(listing.models[0].versions, 2);
        assert_eq!(
            listing.models[0].latest.as_ref().unwrap().metrics[&Key::new("f1").unwrap()],
            0.93
        );

        for (text, version) in [
            ("fraud-detector@1", 1),
            ("fraud-detector@latest", 2),
            ("fraud-detector", 2),
            (
                &format!("fraud-detector@sha256:{}", &v1.content_id.hex()[..10]),
                1,
            ),
        ] {
            let reference: Reference = text.parse().unwrap();
            let (_, summary) = registry.resolve(&reference).await.unwrap();
            assert_eq!(summary.version, version, "{text}");
            let manifest = registry.manifest(&reference.model, &summary).await.unwrap();
            assert_eq!(manifest.content_id().unwrap(), summary.content_id);
            assert_eq!(manifest.description, "first cut\nwith two lines");
            assert_eq!(manifest.created_by, "tester");
        }
        let missing = registry.resolve(&"fraud-detector@3".parse().unwrap()).await;
        assert!(matches!(missing, Err(Error::Select { .. })), "{missing:?}");

        let out = tempfile::tempdir().unwrap();
        let pulled = registry
            .pull(&"fraud-detector@1".parse().unwrap(), out.path(), &Silent)
            .await
            .unwrap();
        assert_eq!(pulled.files.len(), 3);
        assert_eq!(
            std::fs::read(out.path().join("model.onnx")).unwrap(),
            b"onnx bytes"
        );
        assert_eq!(
            std::fs::read(out.path().join("tokenizer/vocab.txt")).unwrap(),
            b"a\nb\n"
        );
        let again = registry
            .pull(&"fraud-detector@1".parse().unwrap(), out.path(), &Silent)
            .await
            .unwrap();
        assert_eq!(
            again.bytes_downloaded, 0,
            "identical files are not downloaded again"
        );

        let report = registry.verify(&Silent).await.unwrap();
        assert!(report.is_clean(), "{:?}", report.problems);
        assert!(report.warnings.is_empty(), "{:?}", report.warnings);
        assert_eq!(
            (report.models, report.versions, report.log_entries),
            (1, 2, 2)
        );
    }

    pub async fn hostile_names_round_trip(backend: &Backend) {
        let fixture = Fixture::new(backend).await;
        let registry = &fixture.registry;
        let folder = fixture.dir.path().join("weights");
        write_file(&folder.join("part 1 (final).bin"), b"one");
        write_file(&folder.join("données/模型 #2.pt"), b"two");
        write_file(&folder.join("100%.txt"), b"three");
        let v = registry
            .push(&request("team.a/model_v2-b", vec![folder]), &Silent)
            .await
            .unwrap();
        assert_eq!(v.version, 1);
        let out = tempfile::tempdir().unwrap();
        registry
            .pull(&"team.a/model_v2-b@1".parse().unwrap(), out.path(), &Silent)
            .await
            .unwrap();
        assert_eq!(
            std::fs::read(out.path().join("données/模型 #2.pt")).unwrap(),
            b"two"
        );
        assert_eq!(
            std::fs::read(out.path().join("part 1 (final).bin")).unwrap(),
            b"one"
        );
        assert_eq!(
            std::fs::read(out.path().join("100%.txt")).unwrap(),
            b"three"
        );
        // A namespace and a model of the same name coexist.
        fixture.push("team.a").await;
        let names: Vec<String> = registry
            .list()
            .await
            .unwrap()
            .models
            .iter()
            .map(|m| m.model.to_string())
            .collect();
        assert_eq!(names, ["team.a", "team.a/model_v2-b"]);
        assert!(registry.verify(&Silent).await.unwrap().is_clean());
    }

    pub async fn repush_unchanged_uploads_no_bytes(backend: &Backend) {
        let fixture = Fixture::new(backend).await;
        let registry = &fixture.registry;
        let small = fixture.write("small.bin", &bytes(1, 1000));
        let large = fixture.write("large.bin", &bytes(2, 9 * 1024 * 1024 + 17));
        let first = registry
            .push(&request("m", vec![small.clone(), large.clone()]), &Silent)
            .await
            .unwrap();
        assert_eq!(first.bytes_uploaded, 1000 + 9 * 1024 * 1024 + 17);
        let second = registry
            .push(&request("m", vec![small, large]), &Silent)
            .await
            .unwrap();
        assert_eq!(second.version, 2);
        assert_eq!(second.bytes_uploaded, 0);
        assert!(second.artifacts.iter().all(|a| !a.uploaded));
        let staging = all_keys(registry.store())
            .await
            .into_iter()
            .filter(|k| k.starts_with(keys::UPLOADS_PREFIX))
            .count();
        assert_eq!(staging, 0, "staging objects are removed");
    }

    pub async fn large_file_streams_in_parts(backend: &Backend) {
        let fixture = Fixture::new(backend).await;
        let registry = &fixture.registry;
        let content = bytes(3, 3 * 8 * 1024 * 1024 + 12345);
        let v = fixture
            .push_files("big", vec![fixture.write("big.safetensors", &content)])
            .await;
        assert_eq!(v.artifacts[0].size, content.len() as u64);
        assert_eq!(v.artifacts[0].digest, shelf_format::Digest::of(&content));
        let stored = registry
            .get_bytes(&keys::blob_key(&v.artifacts[0].digest))
            .await
            .unwrap()
            .unwrap();
        assert!(stored.as_ref() == content.as_slice());
    }

    pub async fn pull_refuses_corrupted_blob_and_leaves_nothing(backend: &Backend) {
        let fixture = Fixture::new(backend).await;
        let registry = &fixture.registry;
        let weights = fixture.write("weights.bin", b"the real weights");
        let v = fixture.push_files("m", vec![weights]).await;
        let key = keys::blob_key(&v.artifacts[0].digest);
        registry
            .store()
            .put(
                &Path::from(key.as_str()),
                PutPayload::from_static(b"tampered weights"),
            )
            .await
            .unwrap();
        let out = tempfile::tempdir().unwrap();
        let err = registry
            .pull(&"m@1".parse().unwrap(), out.path(), &Silent)
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Integrity { .. }), "{err}");
        assert!(err.to_string().contains(&key), "{err}");
        let left: Vec<_> = std::fs::read_dir(out.path()).unwrap().collect();
        assert!(left.is_empty(), "nothing half-written: {left:?}");
        let report = registry.verify(&Silent).await.unwrap();
        assert!(
            report.problems.iter().any(|p| p.key == key),
            "{:?}",
            report.problems
        );
    }

    pub async fn damage_is_named_and_the_rest_still_reads(backend: &Backend) {
        let fixture = Fixture::new(backend).await;
        let registry = &fixture.registry;
        let store = Arc::clone(registry.store());
        for model in ["healthy", "truncated", "rechained"] {
            for i in 0..3 {
                let mut req = request(model, vec![fixture.file.clone()]);
                req.metrics.insert(Key::new("i").unwrap(), f64::from(i));
                registry.push(&req, &Silent).await.unwrap();
            }
        }
        let blob = fixture.write("c.bin", b"corrupt me");
        let c = registry
            .push(&request("corrupted-blob", vec![blob]), &Silent)
            .await
            .unwrap();

        // 1. a truncated head entry
        let truncated = name("truncated");
        let key3 = keys::log_key(&truncated, 3);
        let bytes3 = registry.get_bytes(&key3).await.unwrap().unwrap();
        store
            .put(
                &Path::from(key3.as_str()),
                PutPayload::from(bytes3.slice(..bytes3.len() / 2)),
            )
            .await
            .unwrap();
        // 2. an entry whose prev hash was rewritten
        let rechained = name("rechained");
        let key2 = keys::log_key(&rechained, 2);
        let raw = registry.get_bytes(&key2).await.unwrap().unwrap();
        let mut doc: serde_json::Value = serde_json::from_slice(&raw).unwrap();
        doc["prev"] = serde_json::json!(shelf_format::Digest::of(b"forged").to_string());
        store
            .put(
                &Path::from(key2.as_str()),
                PutPayload::from(shelf_format::to_canonical_vec(&doc).unwrap()),
            )
            .await
            .unwrap();
        // 3. a blob whose bytes changed
        let blob_key = keys::blob_key(&c.artifacts[0].digest);
        store
            .put(
                &Path::from(blob_key.as_str()),
                PutPayload::from_static(b"corrupt ME"),
            )
            .await
            .unwrap();

        let report = registry.verify(&Silent).await.unwrap();
        let named = |key: &str| report.problems.iter().any(|p| p.key == key);
        assert!(named(&key3), "{:#?}", report.problems);
        assert!(named(&key2), "{:#?}", report.problems);
        assert!(
            named(&keys::log_key(&rechained, 3)),
            "the next link breaks too: {:#?}",
            report.problems
        );
        assert!(named(&blob_key), "{:#?}", report.problems);
        assert!(
            !report.problems.iter().any(|p| p.key.contains("healthy")),
            "{:#?}",
            report.problems
        );

        // Readers still work for the rest and say what is unreadable.
        let listing = registry.list().await.unwrap();
        let versions: BTreeMap<String, u64> = listing
            .models
            .iter()
            .map(|m| (m.model.to_string(), m.versions))
            .collect();
        assert_eq!(versions["healthy"], 3);
        assert_eq!(versions["truncated"], 2, "{listing:?}");
        assert!(
            listing.problems.iter().any(|p| p.key == key3),
            "{:?}",
            listing.problems
        );
        let (view, summary) = registry
            .resolve(&"truncated@2".parse().unwrap())
            .await
            .unwrap();
        assert_eq!(summary.version, 2);
        assert!(view.problems.iter().any(|p| p.key == key3));
        registry
            .resolve(&"healthy@3".parse().unwrap())
            .await
            .unwrap();

        // Writers refuse to append to a damaged log.
        let err = registry
            .push(&request("truncated", vec![fixture.file.clone()]), &Silent)
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Integrity { .. }), "{err}");
        assert!(err.to_string().contains(&key3), "{err}");
        assert!(
            registry
                .get_bytes(&keys::log_key(&truncated, 4))
                .await
                .unwrap()
                .is_none()
        );
    }

    pub async fn readers_catch_up_when_derived_files_lag(backend: &Backend) {
        let fixture = Fixture::new(backend).await;
        let registry = &fixture.registry;
        fixture.push("m").await;
        let model = name("m");
        let index_v1 = registry
            .get_bytes(&keys::model_index_key(&model))
            .await
            .unwrap()
            .unwrap();
        let (_, catalog_v1, _) = registry.read_catalog().await.unwrap();
        fixture.push_versions("m", 2).await;
        // Put the derived files back to what they were after version 1.
        registry
            .store()
            .put(&Path::from(keys::model_index_key(&model)), index_v1.into())
            .await
            .unwrap();
        for key in all_keys(registry.store()).await {
            if key.starts_with("catalog/") || key.contains("_versions/00000000000000000003") {
                registry
                    .store()
                    .delete(&Path::from(key.as_str()))
                    .await
                    .unwrap();
            }
        }
        let catalog_v1 = catalog_v1.unwrap();
        registry
            .store()
            .put(
                &Path::from(keys::catalog_key(1)),
                shelf_format::encode(&catalog_v1).unwrap().into(),
            )
            .await
            .unwrap();

        let view = registry.model(&model).await.unwrap();
        assert_eq!(view.index.versions.len(), 3);
        // Replayed from the log, not from the stale index (the page's anchored catch-up
        // is tested in format/src/read/tests.rs and the browser tests).
        assert_eq!(view.caught_up, 3);
        let listing = registry.list().await.unwrap();
        assert_eq!(listing.models[0].versions, 3);
        let (_, s) = registry.resolve(&"m@3".parse().unwrap()).await.unwrap();
        let manifest = registry.manifest(&model, &s).await.unwrap();
        assert_eq!(
            manifest.version, 3,
            "read from the log when the materialised copy is missing"
        );
        let report = registry.verify(&Silent).await.unwrap();
        assert!(report.is_clean(), "{:?}", report.problems);
        assert!(
            !report.warnings.is_empty(),
            "lagging derived files are warned about"
        );
    }

    pub async fn concurrent_pushes_in_process_get_dense_versions(backend: &Backend) {
        let fixture = Fixture::new(backend).await;
        let registry = &fixture.registry;
        let mut tasks = Vec::new();
        for i in 0..8u64 {
            let registry = registry.clone();
            let file = fixture.write(&format!("w{i}.bin"), &bytes(i, 100));
            tasks.push(tokio::spawn(async move {
                let mut req = request("contended", vec![file]);
                req.metrics.insert(Key::new("writer").unwrap(), i as f64);
                registry.push(&req, &Silent).await.unwrap()
            }));
        }
        let mut versions = Vec::new();
        for t in tasks {
            versions.push(t.await.unwrap().version);
        }
        versions.sort();
        assert_eq!(versions, (1..=8).collect::<Vec<_>>());
        let view = registry.model(&name("contended")).await.unwrap();
        let writers: std::collections::BTreeSet<u64> = view
            .index
            .versions
            .iter()
            .map(|v| v.metrics[&Key::new("writer").unwrap()] as u64)
            .collect();
        assert_eq!(writers.len(), 8, "every writer's version is there once");
        let (_, catalog, _) = registry.read_catalog().await.unwrap();
        assert_eq!(catalog.unwrap().models[&name("contended")].versions, 8);
        assert!(registry.verify(&Silent).await.unwrap().is_clean());
    }

    pub async fn reindex_rebuilds_deleted_derived_files(backend: &Backend) {
        let fixture = Fixture::new(backend).await;
        let registry = &fixture.registry;
        for model in ["a", "b/c"] {
            fixture.push_versions(model, 2).await;
        }
        let before: Vec<String> = all_keys(registry.store()).await;
        let mut derived = Vec::new();
        for key in &before {
            if key.contains("/_versions/")
                || key.ends_with("/_index.json")
                || key.starts_with("catalog/")
            {
                registry
                    .store()
                    .delete(&Path::from(key.as_str()))
                    .await
                    .unwrap();
                derived.push(key.clone());
            }
        }
        // A hand-damaged index must not stop the rebuild either.
        let a = name("a");
        registry
            .store()
            .put(
                &Path::from(keys::model_index_key(&a)),
                b"{not json".to_vec().into(),
            )
            .await
            .unwrap();
        let report = registry.reindex().await.unwrap();
        assert!(report.problems.is_empty(), "{:?}", report.problems);
        assert_eq!(report.models.len(), 2);
        let after = all_keys(registry.store()).await;
        for key in derived.iter().filter(|k| !k.starts_with("catalog/")) {
            assert!(after.contains(key), "{key} rebuilt");
        }
        let (_, catalog, _) = registry.read_catalog().await.unwrap();
        let catalog = catalog.unwrap();
        assert_eq!(catalog.models.len(), 2);
        assert!(catalog.models.values().all(|e| e.versions == 2));
        let report = registry.verify(&Silent).await.unwrap();
        assert!(
            report.is_clean() && report.warnings.is_empty(),
            "{report:?}"
        );
    }

    pub async fn operations_without_registry_say_so(backend: &Backend) {
        let registry = backend.registry();
        let err = registry.list().await.unwrap_err();
        assert!(matches!(err, Error::NotARegistry { .. }), "{err}");
        assert!(err.to_string().contains("shelf init"), "{err}");
    }

    pub async fn bad_requests_write_nothing(backend: &Backend) {
        let fixture = Fixture::new(backend).await;
        let registry = &fixture.registry;
        let before = all_keys(registry.store()).await;
        let good = fixture.write("ok.bin", b"ok");
        let mut nan = request("m", vec![good.clone()]);
        nan.metrics.insert(Key::new("f1").unwrap(), f64::NAN);
        let mut long_label = request("m", vec![good.clone()]);
        long_label
            .labels
            .insert(Key::new("k").unwrap(), "x".repeat(300));
        let empty = fixture.dir.path().join("empty");
        std::fs::create_dir_all(&empty).unwrap();
        let cases = [
            (
                request(
                    "m",
                    vec![good.clone(), fixture.dir.path().join("missing.bin")],
                ),
                "missing.bin",
            ),
            (nan, "finite"),
            (long_label, "at most 256 bytes"),
            (request("m", vec![empty]), "no files"),
            (
                request("m", vec![good.clone(), good.clone()]),
                "both be stored",
            ),
        ];
        for (req, needle) in cases {
            let err = registry.push(&req, &Silent).await.unwrap_err();
            assert!(err.is_usage(), "{err}");
            assert!(
                err.to_string().contains(needle),
                "{err} should mention {needle}"
            );
            assert_eq!(
                all_keys(registry.store()).await,
                before,
                "nothing written for: {err}"
            );
        }
    }
}

#[tokio::test]
async fn init_refuses_a_store_that_ignores_conditional_writes() {
    let store = Arc::new(Faulty {
        ignores_conditional_writes: true,
        ..Default::default()
    });
    let registry = Registry::new(store, "proxy://");
    assert!(!registry.probe_conditional_writes().await.unwrap());
    let err = registry.init(&init_options()).await.unwrap_err();
    assert!(matches!(err, Error::UnsafeStore { .. }), "{err}");
    assert!(
        err.to_string().contains("ignores conditional writes"),
        "{err}"
    );
    assert!(
        all_keys(registry.store()).await.is_empty(),
        "nothing written"
    );
    let outcome = registry
        .init(&InitOptions {
            single_writer: true,
            ..init_options()
        })
        .await
        .unwrap();
    assert_eq!(
        outcome.descriptor.conditional_writes,
        shelf_format::ConditionalWrites::SingleWriter
    );
}

#[tokio::test]
async fn a_failed_server_side_copy_falls_back_to_a_direct_upload() {
    let store = Arc::new(Faulty {
        copy_fails: true,
        ..Default::default()
    });
    let fixture = Fixture::on(Registry::new(store, "faulty://")).await;
    let registry = &fixture.registry;
    let content = bytes(9, 2 * 8 * 1024 * 1024 + 1);
    let v = fixture
        .push_files("m", vec![fixture.write("big.bin", &content)])
        .await;
    let stored = registry
        .get_bytes(&keys::blob_key(&v.artifacts[0].digest))
        .await
        .unwrap()
        .unwrap();
    assert!(stored.as_ref() == content.as_slice());
    let keys_left = all_keys(registry.store()).await;
    assert!(
        !keys_left
            .iter()
            .any(|k| k.starts_with(keys::UPLOADS_PREFIX)),
        "{keys_left:?}"
    );
    assert!(registry.verify(&Silent).await.unwrap().is_clean());
}

#[tokio::test]
async fn a_commit_whose_answer_was_lost_is_recognised_not_repeated() {
    let store = Arc::new(Faulty {
        log_answers_lost: true,
        ..Default::default()
    });
    let fixture = Fixture::on(Registry::new(store, "flaky://")).await;
    let registry = &fixture.registry;
    for expected in 1..=2 {
        let v = fixture.push("m").await;
        assert_eq!(v.version, expected);
        assert_eq!(v.seq, expected);
    }
    let m = name("m");
    assert!(
        registry
            .get_bytes(&keys::log_key(&m, 3))
            .await
            .unwrap()
            .is_none()
    );
    assert!(registry.verify(&Silent).await.unwrap().is_clean());
}
