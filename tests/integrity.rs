//! Truth is never taken from derived files, and faults never leave a wrong answer: the
//! red-team defects of `shared/reviews/redteam-turn2.md` (D2, D8, D9, D11, D15, D16, D18)
//! replayed against every backend (in memory, a local folder, the S3 test server).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::support::{Backend, all_keys, write_file};
use futures::stream::BoxStream;
use object_store::{ObjectStore, ObjectStoreExt as _, PutPayload, path::Path};
use shelf::{Error, InitOptions, PushRequest, Registry, Silent};
use shelf_format::{
    AliasName, AliasState, Artifact, ArtifactPath, Digest, Event, ModelIndex, ModelName,
    VersionManifest, encode, keys,
};

fn init_options() -> InitOptions {
    InitOptions {
        name: "test".into(),
        actor: "tester".into(),
        single_writer: false,
    }
}

fn request(model: &str, paths: Vec<std::path::PathBuf>) -> PushRequest {
    PushRequest::new(ModelName::new(model).unwrap(), paths, "tester")
}

fn name(s: &str) -> ModelName {
    ModelName::new(s).unwrap()
}

async fn put(registry: &Registry, key: &str, bytes: Vec<u8>) {
    registry
        .store()
        .put(&Path::from(key), PutPayload::from(bytes))
        .await
        .unwrap();
}

async fn get(registry: &Registry, key: &str) -> Vec<u8> {
    registry.get_bytes(key).await.unwrap().unwrap().to_vec()
}

/// Write a model's log by hand (as a forger or a foreign tool would), one register entry
/// per manifest, with a valid chain.
async fn hand_written(registry: &Registry, model: &str, manifests: Vec<VersionManifest>) {
    let mut state = ModelIndex::empty(name(model));
    for manifest in manifests {
        let event = Event::Register {
            version: manifest.version,
            content_id: manifest.content_id().unwrap(),
            manifest: Box::new(manifest.clone()),
        };
        let entry = state.next_entry(event, manifest.created_at, "forger", None);
        let bytes = encode(&entry).unwrap();
        assert!(state.apply(&entry, &bytes).is_empty());
        put(registry, &keys::log_key(&name(model), entry.seq), bytes).await;
    }
}

fn manifest(model: &str, version: u64, artifacts: Vec<Artifact>) -> VersionManifest {
    VersionManifest {
        artifacts,
        ..VersionManifest::new(
            name(model),
            version,
            "2026-11-01T00:00:00Z".parse().unwrap(),
            "forger",
        )
    }
}

fn artifact(path: &str, size: u64, digest: Digest) -> Artifact {
    Artifact {
        path: ArtifactPath::new(path).unwrap(),
        size,
        digest,
        media_type: None,
        info: None,
    }
}

fn messages(problems: &[shelf::Problem]) -> Vec<String> {
    problems.iter().map(|p| p.to_string()).collect()
}

/// Run a scenario against every backend.
macro_rules! on_every_backend {
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

on_every_backend!(
    a_forged_index_is_never_truth_and_verify_names_it,
    verify_checks_every_reference_to_a_blob,
    conflicting_artifact_paths_are_refused_and_reported,
);

mod scenarios {
    use super::*;

    /// D2: an index rewritten by hand with the real head digest.
    pub async fn a_forged_index_is_never_truth_and_verify_names_it(backend: &Backend) {
        let registry = backend.registry();
        registry.init(&init_options()).await.unwrap();
        let dir = tempfile::tempdir().unwrap();
        let v1 = write_file(&dir.path().join("v1.bin"), b"weights one");
        let v2 = write_file(&dir.path().join("v2.bin"), b"weights two");
        registry
            .push(&request("fraud", vec![v1]), &Silent)
            .await
            .unwrap();
        registry
            .push(&request("fraud", vec![v2]), &Silent)
            .await
            .unwrap();
        let production = AliasName::new("production").unwrap();
        registry
            .append_version_event(
                &"fraud@2".parse().unwrap(),
                "release",
                Some("v2 is better".into()),
                |_, version| {
                    Ok(Event::AliasSet {
                        alias: production.clone(),
                        version,
                        rollback: false,
                    })
                },
            )
            .await
            .unwrap();
        let fraud = name("fraud");
        let index_key = keys::model_index_key(&fraud);
        let mut forged: ModelIndex =
            shelf_format::decode(&index_key, &get(&registry, &index_key).await).unwrap();
        // production → v1, and a fake v3 whose materialised manifest points at the
        // attacker's blob; the head digest stays the real one.
        forged.aliases.insert(
            production.clone(),
            AliasState {
                version: 1,
                stack: vec![1],
                set_at: forged.updated_at.unwrap(),
                set_by: "release".into(),
            },
        );
        let evil = b"attacker bytes";
        put(&registry, &keys::blob_key(&Digest::of(evil)), evil.to_vec()).await;
        let fake = manifest(
            "fraud",
            3,
            vec![artifact("v3.bin", evil.len() as u64, Digest::of(evil))],
        );
        let fake_id = fake.content_id().unwrap();
        let mut summary = forged.versions[1].clone();
        summary.version = 3;
        summary.content_id = fake_id;
        summary.description = "hotfix (forged)".into();
        forged.versions.push(summary);
        put(&registry, &index_key, encode(&forged).unwrap()).await;
        put(
            &registry,
            &keys::version_key(&fraud, 3),
            encode(&fake).unwrap(),
        )
        .await;

        // Readers answer from the log.
        let (view, latest) = registry
            .resolve(&"fraud@latest".parse().unwrap())
            .await
            .unwrap();
        assert_eq!(latest.version, 2);
        assert_eq!(view.index.versions.len(), 2);
        let (_, prod) = registry
            .resolve(&"fraud@production".parse().unwrap())
            .await
            .unwrap();
        assert_eq!(prod.version, 2, "the alias of the log, not of the index");
        let err = registry
            .resolve(&"fraud@3".parse().unwrap())
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Select { .. }), "{err}");
        let out = tempfile::tempdir().unwrap();
        let pulled = registry
            .pull(&"fraud@production".parse().unwrap(), out.path(), &Silent)
            .await
            .unwrap();
        assert_eq!(pulled.version, 2);
        assert_eq!(
            std::fs::read(out.path().join("v2.bin")).unwrap(),
            b"weights two"
        );

        // verify names both forged documents as errors.
        let report = registry.verify(&Silent).await.unwrap();
        let problems = messages(&report.problems);
        assert!(
            problems.iter().any(|p| p.starts_with(&format!(
                "{index_key}: disagrees with the replay of the log at entry 3: its versions differ"
            ))),
            "{problems:?}"
        );
        assert!(
            problems.iter().any(|p| p.starts_with(&format!(
                "{}: materialised manifest of version 3, which the log does not register",
                keys::version_key(&fraud, 3)
            ))),
            "{problems:?}"
        );

        // The next honest push numbers from the log: version 3 at entry 4.
        let v3 = write_file(&dir.path().join("v3.bin"), b"weights three");
        let pushed = registry
            .push(&request("fraud", vec![v3]), &Silent)
            .await
            .unwrap();
        assert_eq!((pushed.version, pushed.seq), (3, 4));
        let (_, real) = registry.resolve(&"fraud@3".parse().unwrap()).await.unwrap();
        assert_eq!(real.content_id, pushed.content_id);
        let manifest = registry.manifest(&fraud, &real).await.unwrap();
        assert_eq!(manifest.artifacts[0].path.as_str(), "v3.bin");
        assert_eq!(manifest.artifacts[0].size, b"weights three".len() as u64);

        // The forged copy is still there (write-once, never overwritten by a writer):
        // verify says so; reindex repairs it.
        let report = registry.verify(&Silent).await.unwrap();
        assert!(
            messages(&report.problems)
                .iter()
                .any(|p| p.contains("_versions/00000000000000000003.json: hashes to")),
            "{:?}",
            report.problems
        );
        registry.reindex().await.unwrap();
        let report = registry.verify(&Silent).await.unwrap();
        assert!(report.is_clean(), "{:?}", report.problems);
    }

    /// D9: a second version referencing a blob with a wrong size.
    pub async fn verify_checks_every_reference_to_a_blob(backend: &Backend) {
        let registry = backend.registry();
        registry.init(&init_options()).await.unwrap();
        let dir = tempfile::tempdir().unwrap();
        let file = write_file(&dir.path().join("e.bin"), b"seventeen bytes!!");
        let pushed = registry
            .push(&request("good", vec![file]), &Silent)
            .await
            .unwrap();
        let digest = pushed.artifacts[0].digest;
        hand_written(
            &registry,
            "zz-wrongsize",
            vec![manifest(
                "zz-wrongsize",
                1,
                vec![artifact("e.bin", 999, digest)],
            )],
        )
        .await;
        let report = registry.verify(&Silent).await.unwrap();
        assert_eq!(
            messages(&report.problems),
            vec![format!(
                "{}: zz-wrongsize@1 e.bin says 999 bytes, the blob has 17",
                keys::blob_key(&digest)
            )]
        );
    }

    /// D18: duplicate or nested artifact paths.
    pub async fn conflicting_artifact_paths_are_refused_and_reported(backend: &Backend) {
        let registry = backend.registry();
        registry.init(&init_options()).await.unwrap();
        let dir = tempfile::tempdir().unwrap();
        let a = write_file(&dir.path().join("a"), b"a file");
        let folder = dir.path().join("folder");
        write_file(&folder.join("a/b"), b"a file in a folder");
        let before = all_keys(registry.store()).await;
        let err = registry
            .push(&request("m", vec![a, folder]), &Silent)
            .await
            .unwrap_err();
        assert!(err.is_usage(), "{err}");
        assert!(
            err.to_string()
                .contains(r#"artifact "a" is a file, but artifact "a/b" needs it to be a folder"#),
            "{err}"
        );
        assert_eq!(all_keys(registry.store()).await, before, "nothing written");

        let d = Digest::of(b"x");
        hand_written(
            &registry,
            "dup",
            vec![manifest(
                "dup",
                1,
                vec![artifact("a", 1, d), artifact("a", 1, d)],
            )],
        )
        .await;
        put(&registry, &keys::blob_key(&d), b"x".to_vec()).await;
        let report = registry.verify(&Silent).await.unwrap();
        assert_eq!(
            messages(&report.problems),
            vec![format!(
                "{}: two artifacts have the path \"a\"",
                keys::log_key(&name("dup"), 1)
            )]
        );
    }
}

/// A store in memory whose answers can be damaged: GET bodies of log entries truncated
/// (a proxy cutting the body while the status is 200), and commit puts that are applied
/// but answered with an error (the answer lost past the client's retries), or not applied
/// with the key unreadable afterwards.
#[derive(Debug, Default)]
struct Faults {
    inner: object_store::memory::InMemory,
    /// GETs of keys containing this are cut to half their length.
    truncate_gets_of: std::sync::Mutex<Option<String>>,
    /// How many log-entry puts are applied but answered with a 500.
    applied_then_500: AtomicUsize,
    /// Log-entry puts fail without being applied, and GETs of log entries fail.
    log_unreachable: std::sync::atomic::AtomicBool,
    /// Listings are taken when asked for but delivered 300 ms later (a slow LIST page):
    /// what a reindex lists is then older than what writers commit meanwhile.
    slow_listings: std::sync::atomic::AtomicBool,
}

impl std::fmt::Display for Faults {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Faults")
    }
}

fn server_error(location: &Path) -> object_store::Error {
    object_store::Error::Generic {
        store: "Faults",
        source: format!("500 Internal Server Error for {location} after 3 retries").into(),
    }
}

#[async_trait::async_trait]
impl ObjectStore for Faults {
    async fn put_opts(
        &self,
        location: &Path,
        payload: PutPayload,
        opts: object_store::PutOptions,
    ) -> object_store::Result<object_store::PutResult> {
        let log = location.as_ref().contains("/_log/");
        if log && self.log_unreachable.load(Ordering::SeqCst) {
            return Err(server_error(location));
        }
        let result = self.inner.put_opts(location, payload, opts).await?;
        if log
            && self
                .applied_then_500
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                .is_ok()
        {
            return Err(server_error(location));
        }
        Ok(result)
    }
    async fn put_multipart_opts(
        &self,
        location: &Path,
        opts: object_store::PutMultipartOptions,
    ) -> object_store::Result<Box<dyn object_store::MultipartUpload>> {
        self.inner.put_multipart_opts(location, opts).await
    }
    async fn get_opts(
        &self,
        location: &Path,
        options: object_store::GetOptions,
    ) -> object_store::Result<object_store::GetResult> {
        if location.as_ref().contains("/_log/") && self.log_unreachable.load(Ordering::SeqCst) {
            return Err(server_error(location));
        }
        let cut = self
            .truncate_gets_of
            .lock()
            .unwrap()
            .as_ref()
            .is_some_and(|needle| location.as_ref().contains(needle.as_str()));
        let head = options.head;
        let mut result = self.inner.get_opts(location, options).await?;
        if !cut || head {
            return Ok(result);
        }
        let meta = result.meta.clone();
        let attributes = result.attributes.clone();
        let extensions = std::mem::take(&mut result.extensions);
        let bytes = result.bytes().await?;
        let half = bytes.slice(..bytes.len() / 2);
        let range = 0..half.len() as u64;
        Ok(object_store::GetResult {
            payload: object_store::GetResultPayload::Stream(Box::pin(futures::stream::once(
                async move { Ok(half) },
            ))),
            meta,
            range,
            attributes,
            extensions,
        })
    }
    fn delete_stream(
        &self,
        locations: BoxStream<'static, object_store::Result<Path>>,
    ) -> BoxStream<'static, object_store::Result<Path>> {
        self.inner.delete_stream(locations)
    }
    fn list(
        &self,
        prefix: Option<&Path>,
    ) -> BoxStream<'static, object_store::Result<object_store::ObjectMeta>> {
        use futures::StreamExt as _;
        // InMemory takes its listing when called: delivering it late makes it stale.
        let listing = self.inner.list(prefix);
        if !self.slow_listings.load(Ordering::SeqCst) {
            return listing;
        }
        futures::stream::once(async move {
            tokio::time::sleep(std::time::Duration::from_millis(300)).await;
            listing
        })
        .flatten()
        .boxed()
    }
    async fn list_with_delimiter(
        &self,
        prefix: Option<&Path>,
    ) -> object_store::Result<object_store::ListResult> {
        self.inner.list_with_delimiter(prefix).await
    }
    async fn copy_opts(
        &self,
        from: &Path,
        to: &Path,
        options: object_store::CopyOptions,
    ) -> object_store::Result<()> {
        self.inner.copy_opts(from, to, options).await
    }
}

async fn faulty_registry() -> (Arc<Faults>, Registry) {
    let store = Arc::new(Faults::default());
    let registry = Registry::new(store.clone(), "faults://");
    registry.init(&init_options()).await.unwrap();
    (store, registry)
}

/// D8: the commit put was applied, but its answer was an error every time the client
/// retried: the writer reads the key back, finds its own entry, and reports the version.
#[tokio::test]
async fn a_commit_applied_but_answered_with_errors_is_reported_as_committed() {
    let (store, registry) = faulty_registry().await;
    let dir = tempfile::tempdir().unwrap();
    let file = write_file(&dir.path().join("w.bin"), b"w");
    store.applied_then_500.store(1, Ordering::SeqCst);
    let pushed = registry
        .push(&request("c3", vec![file.clone()]), &Silent)
        .await
        .unwrap();
    assert_eq!((pushed.version, pushed.seq), (1, 1));
    assert_eq!(
        store.applied_then_500.load(Ordering::SeqCst),
        0,
        "the fault fired"
    );
    // The same for a lifecycle event.
    store.applied_then_500.store(1, Ordering::SeqCst);
    let outcome = registry
        .append_version_event(
            &"c3@1".parse().unwrap(),
            "ci",
            Some("ok".into()),
            |_, version| {
                Ok(Event::Status {
                    version,
                    status: shelf_format::Status::Validated,
                })
            },
        )
        .await
        .unwrap();
    assert_eq!(outcome.seq, 2);
    let view = registry.model(&name("c3")).await.unwrap();
    assert_eq!(view.index.versions.len(), 1, "no duplicate version");
    assert_eq!(view.index.head.unwrap().seq, 2);
    assert!(registry.verify(&Silent).await.unwrap().is_clean());
}

/// D8: when the put failed and the key can't be read back, the writer does not say
/// "failed" (which invites a blind retry and a duplicate): it says the commit may have
/// landed and where to look.
#[tokio::test]
async fn a_commit_whose_outcome_is_unknown_says_so() {
    let (store, registry) = faulty_registry().await;
    let dir = tempfile::tempdir().unwrap();
    let file = write_file(&dir.path().join("w.bin"), b"w");
    registry
        .push(&request("c4", vec![file.clone()]), &Silent)
        .await
        .unwrap();
    let view = registry.model(&name("c4")).await.unwrap();
    // The log becomes unreachable after the writer replayed it.
    let mut appender = shelf::commit::Appender::open(&registry, &name("c4"), false)
        .await
        .unwrap();
    assert_eq!(appender.state(), &view.index);
    store.log_unreachable.store(true, Ordering::SeqCst);
    let err = appender
        .commit("ci", Some("x".into()), |_, _| {
            Ok((
                Event::Status {
                    version: 1,
                    status: shelf_format::Status::Validated,
                },
                (),
            ))
        })
        .await
        .unwrap_err();
    assert!(matches!(err, Error::CommitUnknown { .. }), "{err}");
    assert!(
        err.to_string().starts_with(&format!(
            "the commit of {} may have landed",
            keys::log_key(&name("c4"), 2)
        )),
        "{err}"
    );
    assert!(
        err.to_string()
            .contains("run `shelf log c4` before retrying"),
        "{err}"
    );
    assert_eq!(err.exit_code(), 1);
}

/// D11: a reindex whose listing predates the first push of a new model must not drop
/// that model from the catalog (the push already added it).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reindex_never_drops_a_model_created_while_it_runs() {
    let (store, registry) = faulty_registry().await;
    let dir = tempfile::tempdir().unwrap();
    let file = write_file(&dir.path().join("w.bin"), b"w");
    registry
        .push(&request("old", vec![file.clone()]), &Silent)
        .await
        .unwrap();
    store.slow_listings.store(true, Ordering::SeqCst);
    let reindex = tokio::spawn({
        let registry = registry.clone();
        async move { registry.reindex().await }
    });
    // The reindex has taken its listing (old only) and waits for it to arrive.
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    registry
        .push(&request("fresh", vec![file]), &Silent)
        .await
        .unwrap();
    let report = reindex.await.unwrap().unwrap();
    let reindexed: Vec<String> = report.models.iter().map(|m| m.model.to_string()).collect();
    assert_eq!(reindexed, ["old"], "the reindex listed before the push");
    store.slow_listings.store(false, Ordering::SeqCst);
    let (_, catalog, _) = registry.read_catalog().await.unwrap();
    let catalog = catalog.unwrap();
    assert!(
        catalog.models.contains_key(&name("fresh")),
        "fresh missing from catalog generation {}",
        catalog.generation
    );
    let report = registry.verify(&Silent).await.unwrap();
    assert!(
        report.is_clean() && report.warnings.is_empty(),
        "{report:?}"
    );
}

/// D15: log reads truncated by a faulty link: reindex leaves the model's derived files as
/// they are (and its catalog entry), instead of persisting a state built from half an
/// entry.
#[tokio::test]
async fn reindex_writes_nothing_from_reads_that_did_not_verify() {
    let (store, registry) = faulty_registry().await;
    let dir = tempfile::tempdir().unwrap();
    let file = write_file(&dir.path().join("w.bin"), b"w");
    for model in ["kept", "cut"] {
        registry
            .push(&request(model, vec![file.clone()]), &Silent)
            .await
            .unwrap();
    }
    let cut = name("cut");
    let index_before = get(&registry, &keys::model_index_key(&cut)).await;
    let (_, catalog_before, _) = registry.read_catalog().await.unwrap();
    *store.truncate_gets_of.lock().unwrap() = Some("models/cut/_log/".into());
    let report = registry.reindex().await.unwrap();
    *store.truncate_gets_of.lock().unwrap() = None;
    assert!(
        messages(&report.problems)
            .iter()
            .any(|p| p.starts_with(&format!(
                "{}: left as it is: the log could not be read whole",
                keys::model_index_key(&cut)
            ))),
        "{:?}",
        report.problems
    );
    assert_eq!(
        get(&registry, &keys::model_index_key(&cut)).await,
        index_before
    );
    let (_, catalog, _) = registry.read_catalog().await.unwrap();
    assert_eq!(
        catalog.unwrap().models.get(&cut),
        catalog_before.unwrap().models.get(&cut),
        "the catalog keeps the model as it was"
    );
    assert!(registry.verify(&Silent).await.unwrap().is_clean());
}

/// D16: a model whose only entry is unreadable is not "not found (0 versions)": the
/// error names the damaged key (exit 1).
#[tokio::test]
async fn a_reference_into_a_damaged_log_names_the_damage() {
    let (_, registry) = faulty_registry().await;
    put(
        &registry,
        &keys::log_key(&name("p"), 1),
        br#"{"format":1,"kind":"log-entry","model":"p"}"#.to_vec(),
    )
    .await;
    let err = registry
        .resolve(&"p@latest".parse().unwrap())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Integrity { .. }), "{err}");
    let text = err.to_string();
    assert!(
        text.starts_with(&format!(
            "integrity error at {}: unreadable:",
            keys::log_key(&name("p"), 1)
        )),
        "{text}"
    );
    assert!(
        text.contains("p@latest can't be resolved while the log is damaged"),
        "{text}"
    );
    assert_eq!(err.exit_code(), 1);
}

/// Damaged or newer-format stored data exits 1, naming the key; what the user typed exits
/// 2 (architecture issue: scripts must tell a typo from a corrupt bucket).
#[test]
fn damaged_data_exits_1_and_names_the_key_bad_input_exits_2() {
    use crate::support::{assert_code, run, stderr};
    let backend = Backend::local();
    let shelf = || backend.shelf();
    assert_code(&run(shelf().arg("init")), 0);
    let dir = tempfile::tempdir().unwrap();
    let file = write_file(&dir.path().join("w.bin"), b"w");
    assert_code(
        &run(shelf()
            .args(["push", "m"])
            .arg(&file)
            .args(["--no-env", "--no-code"])),
        0,
    );
    let Backend::Local(root) = &backend else {
        unreachable!()
    };
    let root = root.path().join("registry");
    let entry = root.join("models/m/_log/00000000000000000001.json");
    let copy = root.join("models/m/_versions/00000000000000000001.json");

    // A corrupt log entry: a writer refuses to append (exit 1, the key named), and a
    // reader that needs the entry (the materialised copy is gone) says so too.
    let good = std::fs::read(&entry).unwrap();
    std::fs::write(&entry, &good[..good.len() / 2]).unwrap();
    std::fs::remove_file(&copy).unwrap();
    for args in [
        vec!["push", "m", file.to_str().unwrap(), "--no-env", "--no-code"],
        vec!["show", "m@1"],
        vec![
            "pull",
            "m@1",
            "-o",
            dir.path().join("out").to_str().unwrap(),
        ],
    ] {
        let out = run(shelf().args(&args));
        assert_code(&out, 1);
        let err = stderr(&out);
        assert!(
            err.contains("models/m/_log/00000000000000000001.json"),
            "{args:?}: {err}"
        );
    }
    std::fs::write(&entry, &good).unwrap();

    // A shelf.json of a newer format: upgrade (exit 1); a damaged one: exit 1.
    let descriptor = root.join("shelf.json");
    let text = std::fs::read_to_string(&descriptor).unwrap();
    std::fs::write(&descriptor, text.replace(r#""format":1"#, r#""format":2"#)).unwrap();
    let out = run(shelf().arg("list"));
    assert_code(&out, 1);
    let err = stderr(&out);
    assert!(err.contains("shelf.json has format version 2"), "{err}");
    assert!(err.contains("upgrade shelf"), "{err}");
    std::fs::write(&descriptor, &text[..text.len() / 2]).unwrap();
    let out = run(shelf().arg("list"));
    assert_code(&out, 1);
    assert!(
        stderr(&out).contains("damaged document shelf.json"),
        "{}",
        stderr(&out)
    );
    std::fs::write(&descriptor, &text).unwrap();

    // A typo is still exit 2.
    let out = run(shelf().args(["show", "M@1"]));
    assert_code(&out, 2);
}
