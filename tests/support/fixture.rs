//! A registry ready for a library scenario: initialised on a backend, with a folder to
//! write files in and a weights file to push. Replaces the registry + temp dir + file +
//! push-N preamble every scenario used to spell out.
//!
//! ```ignore
//! let f = Fixture::with_versions(backend, "m", 3).await; // m@1..m@3, all of `w.bin`
//! f.push("m").await;                                     // m@4
//! let other = f.write("other.bin", b"other");            // a file of its own
//! ```

use std::path::PathBuf;

use shelf::{InitOptions, PushOutcome, PushRequest, Registry, Silent};
use shelf_format::ModelName;

use super::{Backend, write_file};

/// What scenarios initialise registries with.
pub fn init_options() -> InitOptions {
    InitOptions {
        name: "test".into(),
        actor: "tester".into(),
        single_writer: false,
    }
}

/// A push of `paths` as a new version of `model`, by `tester`.
pub fn request(model: &str, paths: Vec<PathBuf>) -> PushRequest {
    PushRequest::new(name(model), paths, "tester")
}

/// `model` as a [`ModelName`]; panics on an invalid name.
pub fn name(model: &str) -> ModelName {
    ModelName::new(model).unwrap_or_else(|e| panic!("{model}: {e}"))
}

/// An initialised registry and a folder of files for it.
pub struct Fixture {
    pub registry: Registry,
    /// The folder [`Fixture::write`] writes into; removed with the fixture.
    pub dir: tempfile::TempDir,
    /// `w.bin` (one byte, `w`), which [`Fixture::push`] pushes.
    pub file: PathBuf,
}

impl Fixture {
    /// `registry`, initialised (it must not have been), with a folder holding `w.bin`.
    pub async fn on(registry: Registry) -> Fixture {
        let outcome = registry.init(&init_options()).await.unwrap();
        assert!(
            outcome.created,
            "{} was already a registry",
            registry.location()
        );
        let dir = tempfile::tempdir().unwrap();
        let file = write_file(&dir.path().join("w.bin"), b"w");
        Fixture {
            registry,
            dir,
            file,
        }
    }

    /// A new registry on `backend`.
    pub async fn new(backend: &Backend) -> Fixture {
        Fixture::on(backend.registry()).await
    }

    /// A new registry on `backend` where `model` has `versions` versions, each of
    /// `w.bin` (so v2 onwards upload nothing).
    pub async fn with_versions(backend: &Backend, model: &str, versions: u64) -> Fixture {
        let fixture = Fixture::new(backend).await;
        fixture.push_versions(model, versions).await;
        fixture
    }

    /// Push `w.bin` as the next version of `model`.
    pub async fn push(&self, model: &str) -> PushOutcome {
        self.push_files(model, vec![self.file.clone()]).await
    }

    /// Push `w.bin` as the next `versions` versions of `model`.
    pub async fn push_versions(&self, model: &str, versions: u64) {
        for _ in 0..versions {
            self.push(model).await;
        }
    }

    /// Push `paths` as the next version of `model`.
    pub async fn push_files(&self, model: &str, paths: Vec<PathBuf>) -> PushOutcome {
        self.registry
            .push(&request(model, paths), &Silent)
            .await
            .unwrap_or_else(|e| panic!("pushing {model}: {e}"))
    }

    /// Write `name` (a relative path) into the fixture's folder.
    pub fn write(&self, name: &str, content: &[u8]) -> PathBuf {
        write_file(&self.dir.path().join(name), content)
    }
}
