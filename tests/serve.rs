//! `shelf serve`: a registry read-only over HTTP.

use crate::support::{Backend, Served, assert_code, http, run, write_file};

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

#[test]
fn serves_registry_objects_read_only() {
    for backend in Backend::shared() {
        assert_code(&run(backend.shelf().arg("init")), 0);
        let dir = tempfile::tempdir().unwrap();
        let file = write_file(&dir.path().join("w.bin"), b"weights");
        assert_code(
            &run(backend.shelf().args(["push", "team/fraud"]).arg(&file)),
            0,
        );
        let served = Served::start(backend.shelf());

        let (status, headers, body) = http("GET", &format!("{}shelf.json", served.url));
        assert_eq!(status, 200);
        assert_eq!(header(&headers, "content-type"), Some("application/json"));
        let descriptor: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(descriptor["kind"], "registry");

        let (status, _, body) = http(
            "GET",
            &format!("{}models/team/fraud/_index.json", served.url),
        );
        assert_eq!(status, 200);
        assert!(String::from_utf8_lossy(&body).contains("\"model\":\"team/fraud\""));

        let digest = shelf_format::Digest::of(b"weights");
        let (status, headers, body) = http(
            "GET",
            &format!("{}{}", served.url, shelf_format::keys::blob_key(&digest)),
        );
        assert_eq!((status, body.as_slice()), (200, b"weights".as_slice()));
        assert_eq!(header(&headers, "content-length"), Some("7"));

        let (status, _, _) = http("HEAD", &format!("{}shelf.json", served.url));
        assert_eq!(status, 200);
        assert_eq!(
            http("GET", &format!("{}models/nope/_index.json", served.url)).0,
            404
        );
        assert_eq!(
            http("GET", &format!("{}a/%2e%2e/shelf.json", served.url)).0,
            400
        );
        assert_eq!(http("PUT", &format!("{}shelf.json", served.url)).0, 405);
        assert_eq!(http("DELETE", &format!("{}shelf.json", served.url)).0, 405);

        // The app's page: from the registry when deployed, else from this build.
        let (status, headers, body) = http("GET", &served.url);
        if shelf::site::files().is_empty() {
            assert_eq!(status, 404);
        } else {
            assert_eq!(status, 200);
            assert_eq!(
                header(&headers, "content-type"),
                Some("text/html; charset=utf-8")
            );
            assert!(String::from_utf8_lossy(&body).contains("<html"));
        }
    }
}

#[test]
fn serve_refuses_a_location_without_registry() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(crate::support::shelf_command()
        .arg("--registry")
        .arg(dir.path())
        .args(["serve", "--addr", "127.0.0.1:0"]));
    assert_code(&out, 1);
    assert!(crate::support::stderr(&out).contains("no registry"));
}
