//! What is particular to each store: the Azure URLs users paste; bad settings named on
//! each store, within seconds (Azure on Azurite, S3 on moto and on a moto that checks
//! signatures, GCS on a local stand-in); and what Shelf sends GCS for put-if-absent and
//! how it reads GCS's 412 (a stand-in for GCS's XML API: see tests/support/gcs.rs for
//! what it proves and what it does not).

use std::process::{Command, Output};
use std::time::{Duration, Instant};

use crate::support::gcs::FakeGcs;
use crate::support::moto_auth::AuthS3;
use crate::support::{
    all_keys, assert_code, azure, block_on, json, run, shelf_command, stderr, stdout, write_file,
};
use shelf::Registry;

/// Run a command that must be refused: exit `code` within a few seconds, with a message
/// that contains each of `needles`.
#[track_caller]
fn refused(cmd: &mut Command, code: i32, needles: &[&str]) -> Output {
    let started = Instant::now();
    let out = run(cmd);
    let took = started.elapsed();
    assert_code(&out, code);
    assert!(took < Duration::from_secs(10), "took {took:?}");
    let err = stderr(&out);
    assert!(err.starts_with("error: "), "{err}");
    for needle in needles {
        assert!(err.contains(needle), "{needle:?} not in: {err}");
    }
    out
}

/// A port nothing listens on.
fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

// ---- Azure ------------------------------------------------------------------------------

#[test]
fn the_azure_urls_users_paste_open_the_same_registry() {
    let container = azure::unique_container();
    azure::create_container(&container, false);
    let shelf = |location: &str| {
        let mut cmd = shelf_command();
        azure::emulator_env(&mut cmd);
        cmd.args(["--registry", location]);
        cmd
    };
    let first = format!("az://{container}/team/reg");
    let out = run(shelf(&first).args(["init", "--json"]));
    assert_code(&out, 0);
    assert_eq!(json(&out)["descriptor"]["conditional_writes"], "verified");
    let dir = tempfile::tempdir().unwrap();
    let file = write_file(&dir.path().join("w.bin"), b"weights");
    assert_code(&run(shelf(&first).args(["push", "fraud"]).arg(&file)), 0);
    // In emulator mode object_store takes the endpoint from AZURITE_BLOB_STORAGE_URL and
    // the account and container from the URL, as it would from a real account's.
    for location in [
        format!("azure://{container}/team/reg/"),
        format!(
            "https://{}.blob.core.windows.net/{container}/team/reg",
            azure::ACCOUNT
        ),
        format!(
            "abfss://{container}@{}.dfs.core.windows.net/team/reg",
            azure::ACCOUNT
        ),
    ] {
        let out = run(shelf(&location).args(["list", "--json"]));
        assert_code(&out, 0);
        let doc = json(&out);
        assert_eq!(doc["models"][0]["model"], "fraud", "{location}: {doc}");
        assert_eq!(doc["models"][0]["versions"], 1, "{location}");
    }
    // The registry's name defaults to the prefix's last part, as on S3.
    let out = run(shelf(&first).args(["init", "--json"]));
    assert_eq!(json(&out)["descriptor"]["name"], "reg");
}

#[test]
fn bad_azure_settings_fail_within_seconds_naming_the_setting() {
    let container = azure::unique_container();
    azure::create_container(&container, false);
    let location = format!("az://{container}/reg");
    let emulator = || {
        let mut cmd = shelf_command();
        azure::emulator_env(&mut cmd);
        cmd.args(["--registry", &location]);
        cmd
    };

    // No account anywhere: refused before any request.
    let mut cmd = shelf_command();
    azure::emulator_env(&mut cmd);
    cmd.env_remove("AZURE_STORAGE_USE_EMULATOR")
        .args(["--registry", &location, "list"]);
    refused(
        &mut cmd,
        2,
        &["no Azure storage account", "AZURE_STORAGE_ACCOUNT_NAME"],
    );

    // A wrong key (well-formed, not the account's): Azure answers 403.
    let wrong_key = "d3Jvbmcga2V5IHdyb25nIGtleSB3cm9uZyBrZXkgd3Jvbmcga2V5IHdyb25nIGtleQ==";
    for command in ["list", "init"] {
        refused(
            emulator()
                .env("AZURE_STORAGE_ACCOUNT_KEY", wrong_key)
                .arg(command),
            2,
            &["refused the credentials", "AZURE_STORAGE_ACCOUNT_KEY"],
        );
    }

    // An unknown container, for a reader and for init (which creates nothing).
    let missing = format!("az://{}/reg", azure::unique_container());
    for command in ["list", "init"] {
        let mut cmd = shelf_command();
        azure::emulator_env(&mut cmd);
        cmd.args(["--registry", &missing, command]);
        refused(
            &mut cmd,
            2,
            &["does not exist", "the container shelf-test-"],
        );
    }

    // An unknown account.
    refused(
        emulator()
            .env("AZURE_STORAGE_ACCOUNT_NAME", "nosuchaccount")
            .arg("list"),
        2,
        &["nosuchaccount", "AZURE_STORAGE_ACCOUNT_NAME"],
    );

    // An account but no credentials at all: object_store asks the machine's managed
    // identity (here an endpoint that refuses connections), which gives none.
    let mut cmd = shelf_command();
    azure::emulator_env(&mut cmd);
    cmd.env_remove("AZURE_STORAGE_USE_EMULATOR")
        .env("AZURE_STORAGE_ACCOUNT_NAME", "someaccount")
        .env(
            "AZURE_MSI_ENDPOINT",
            format!("http://127.0.0.1:{}/token", closed_port()),
        )
        .args(["--registry", &location, "list"]);
    refused(
        &mut cmd,
        2,
        &["no Azure credentials", "AZURE_STORAGE_ACCOUNT_KEY"],
    );

    // None of this wrote anything.
    let store = azure::container_store(&container);
    assert!(block_on(all_keys(&store)).is_empty());
    // And the good settings work.
    assert_code(&run(emulator().arg("init")), 0);
}

#[test]
fn an_azure_endpoint_that_does_not_answer_fails_within_seconds() {
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let silent_port = silent.local_addr().unwrap().port();
    let _keep = std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in silent.incoming().flatten() {
            held.push(stream);
        }
    });
    for port in [closed_port(), silent_port] {
        let mut cmd = shelf_command();
        azure::emulator_env(&mut cmd);
        cmd.env(
            "AZURITE_BLOB_STORAGE_URL",
            format!("http://127.0.0.1:{port}"),
        );
        let started = Instant::now();
        let out = run(cmd.args(["--registry", "az://models/reg", "list"]));
        let took = started.elapsed();
        assert_code(&out, 1);
        assert!(took < Duration::from_secs(30), "took {took:?}");
        let err = stderr(&out);
        assert!(
            err.contains("127.0.0.1") || err.contains("did not answer"),
            "{err}"
        );
    }
}

// ---- S3 ---------------------------------------------------------------------------------

#[test]
fn bad_s3_settings_fail_within_seconds_naming_the_setting() {
    // An unknown bucket on the shared server, for a reader and for init.
    let bucket = crate::support::unique("no-such-bucket");
    for command in ["list", "init"] {
        let mut cmd = shelf_command();
        crate::support::s3_env(&mut cmd, &crate::support::s3_endpoint());
        cmd.args(["--registry", &format!("s3://{bucket}/reg"), command]);
        refused(
            &mut cmd,
            2,
            &[
                &format!("the bucket {bucket} does not exist"),
                "AWS_ENDPOINT_URL",
            ],
        );
    }

    // No credentials: object_store asks the instance metadata service (here an endpoint
    // that refuses connections), which gives none.
    let mut cmd = shelf_command();
    crate::support::s3_env(&mut cmd, &crate::support::s3_endpoint());
    cmd.env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .env(
            "AWS_METADATA_ENDPOINT",
            format!("http://127.0.0.1:{}", closed_port()),
        )
        .args(["--registry", &format!("s3://{bucket}/reg"), "list"]);
    refused(&mut cmd, 2, &["no S3 credentials", "AWS_ACCESS_KEY_ID"]);

    // Wrong keys, on a server that checks signatures.
    let server = AuthS3::start();
    let location = format!("s3://{}/reg", server.bucket);
    let shelf = |id: &str, secret: &str| {
        let mut cmd = shelf_command();
        server.env(&mut cmd, id, secret);
        cmd.args(["--registry", &location]);
        cmd
    };
    refused(
        shelf(&server.access_key_id, "not-the-secret").arg("init"),
        2,
        &["SignatureDoesNotMatch", "AWS_SECRET_ACCESS_KEY"],
    );
    refused(
        shelf("AKIANOSUCHKEY0000000", &server.secret_access_key).arg("list"),
        2,
        &["InvalidAccessKeyId", "AWS_ACCESS_KEY_ID"],
    );
    // The right ones work, and the refused init wrote nothing before them.
    let out = run(shelf(&server.access_key_id, &server.secret_access_key).args(["init", "--json"]));
    assert_code(&out, 0);
    assert_eq!(json(&out)["created"], true);
}

// ---- GCS (a local stand-in for its XML API) ---------------------------------------------

fn gcs_shelf(fake: &FakeGcs, prefix: &str) -> Command {
    let mut cmd = shelf_command();
    fake.env(&mut cmd);
    cmd.args(["--registry", &format!("gs://{}/{prefix}", fake.bucket)]);
    cmd
}

#[test]
fn on_gcs_put_if_absent_sends_generation_match_0_and_reads_412_as_exists() {
    let fake = FakeGcs::start("models");
    let registry = Registry::new(fake.store(), "gs://models/");
    block_on(async {
        assert!(
            registry
                .put_if_absent("a/key", b"first".to_vec())
                .await
                .unwrap()
        );
        assert!(
            !registry
                .put_if_absent("a/key", b"second".to_vec())
                .await
                .unwrap()
        );
    });
    assert_eq!(fake.object("a/key").unwrap().as_ref(), b"first");
    let puts: Vec<_> = fake
        .seen()
        .into_iter()
        .filter(|s| s.method == "PUT")
        .collect();
    assert_eq!(puts.len(), 2, "{puts:?}");
    for put in &puts {
        assert_eq!(put.generation_match.as_deref(), Some("0"), "{put:?}");
    }
    assert_eq!(puts[0].status, 200);
    assert_eq!(puts[1].status, 412, "the second create is refused");
}

#[test]
fn shelf_on_gcs_probes_commits_races_and_publishes_the_page_as_gcs_expects() {
    // Two pushes whose first commit meets on the same log entry.
    let fake = FakeGcs::racing_log_writers("models", 2);
    let out = run(gcs_shelf(&fake, "team/reg").args(["init", "--json"]));
    assert_code(&out, 0);
    assert_eq!(json(&out)["descriptor"]["conditional_writes"], "verified");
    let seen = fake.seen();
    let probes: Vec<_> = seen
        .iter()
        .filter(|s| s.method == "PUT" && s.key.starts_with("team/reg/probes/"))
        .collect();
    assert_eq!(probes.len(), 2, "{seen:?}");
    assert!(
        probes
            .iter()
            .all(|p| p.generation_match.as_deref() == Some("0"))
    );
    assert_eq!((probes[0].status, probes[1].status), (200, 412));
    let descriptor = seen
        .iter()
        .find(|s| s.method == "PUT" && s.key == "team/reg/shelf.json")
        .unwrap();
    assert_eq!(descriptor.generation_match.as_deref(), Some("0"));
    // The page: every file with its content type and no-cache, which GCS serves back.
    let site: Vec<_> = seen
        .iter()
        .filter(|s| s.method == "PUT" && s.key == "team/reg/index.html")
        .collect();
    assert_eq!(site.len(), usize::from(!shelf::site::files().is_empty()));
    for put in site {
        assert_eq!(
            put.content_type.as_deref(),
            Some("text/html; charset=utf-8")
        );
        assert_eq!(put.cache_control.as_deref(), Some("no-cache"));
    }

    let dir = tempfile::tempdir().unwrap();
    let children: Vec<_> = (0..2)
        .map(|i| {
            let file = write_file(
                &dir.path().join(format!("w{i}.bin")),
                format!("w{i}").as_bytes(),
            );
            gcs_shelf(&fake, "team/reg")
                .args(["push", "fraud", "--json"])
                .arg(file)
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let mut versions: Vec<u64> = children
        .into_iter()
        .map(|c| {
            let out = c.wait_with_output().unwrap();
            assert_code(&out, 0);
            json(&out)["version"].as_u64().unwrap()
        })
        .collect();
    versions.sort();
    assert_eq!(
        versions,
        [1, 2],
        "the loser of the race took the next version"
    );
    let first_entry = "team/reg/models/fraud/_log/00000000000000000001.json";
    let commits: Vec<_> = fake
        .seen()
        .into_iter()
        .filter(|s| s.method == "PUT" && s.key == first_entry)
        .collect();
    assert_eq!(commits.len(), 2, "{commits:?}");
    assert!(
        commits
            .iter()
            .all(|c| c.generation_match.as_deref() == Some("0"))
    );
    let mut statuses: Vec<u16> = commits.iter().map(|c| c.status).collect();
    statuses.sort();
    assert_eq!(
        statuses,
        [200, 412],
        "one create won, GCS refused the other"
    );
    // Blobs are truth too: created with the precondition.
    assert!(
        fake.seen()
            .iter()
            .filter(|s| s.method == "PUT" && s.key.contains("/blobs/"))
            .all(|s| s.generation_match.as_deref() == Some("0"))
    );
    let out = run(gcs_shelf(&fake, "team/reg").args(["verify", "--json"]));
    assert_code(&out, 0);
    assert_eq!(json(&out)["clean"], true);
    assert_eq!(json(&out)["versions"], 2);
}

#[test]
fn init_refuses_a_gcs_that_ignores_generation_match_naming_the_store() {
    let fake = FakeGcs::ignoring_preconditions("models");
    let out = refused(
        gcs_shelf(&fake, "reg").arg("init"),
        1,
        &[
            "gs://models/reg (Google Cloud Storage) ignores conditional writes",
            "--single-writer",
        ],
    );
    assert!(stdout(&out).is_empty());
    assert!(fake.keys().is_empty(), "nothing written: {:?}", fake.keys());
}

#[test]
fn bad_gcs_settings_fail_within_seconds_naming_the_setting() {
    let fake = FakeGcs::start("models");
    let mut cmd = shelf_command();
    fake.env(&mut cmd);
    cmd.args(["--registry", "gs://no-such-bucket/reg", "init"]);
    refused(
        &mut cmd,
        2,
        &["the bucket no-such-bucket does not exist", "NoSuchBucket"],
    );

    refused(
        gcs_shelf(&fake, "reg")
            .env("GOOGLE_BEARER_TOKEN", "expired")
            .arg("list"),
        2,
        &["GCS refused access", "GOOGLE_APPLICATION_CREDENTIALS"],
    );

    // No credentials: object_store asks the metadata server (here one that refuses
    // connections), which gives none.
    // (A fresh HOME: no gcloud application-default credentials file either.)
    let home = tempfile::tempdir().unwrap();
    let mut cmd = gcs_shelf(&fake, "reg");
    cmd.env_remove("GOOGLE_BEARER_TOKEN")
        .env("HOME", home.path())
        .env("GCE_METADATA_HOST", format!("127.0.0.1:{}", closed_port()))
        .env("GCE_METADATA_IP", format!("127.0.0.1:{}", closed_port()))
        .arg("list");
    refused(
        &mut cmd,
        2,
        &["no GCS credentials", "GOOGLE_APPLICATION_CREDENTIALS"],
    );

    refused(
        gcs_shelf(&fake, "reg")
            .env("GOOGLE_APPLICATION_CREDENTIALS", "/no/such/key.json")
            .env_remove("GOOGLE_BEARER_TOKEN")
            .arg("list"),
        2,
        &["/no/such/key.json", "GOOGLE_APPLICATION_CREDENTIALS"],
    );
    assert!(fake.keys().is_empty());
}
