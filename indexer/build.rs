//! Embeds the built web app (trunk's output) into the `shelf` binary, so that `shelf init`,
//! `shelf site deploy` and `shelf serve` can publish it without Node or trunk.
//!
//! The app is taken from `$SHELF_APP_DIST`, else `app/dist` (made by
//! `scripts/build-app.sh`). Without it, the binary carries no app and says so.

// Cargo reads a build script's directives from its standard output.
#![allow(clippy::print_stdout)]

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn main() {
    println!("cargo:rerun-if-env-changed=SHELF_APP_DIST");
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap());
    let dist = std::env::var_os("SHELF_APP_DIST")
        .map(PathBuf::from)
        .unwrap_or_else(|| manifest.join("../app/dist"));
    println!("cargo:rerun-if-changed={}", dist.display());
    let mut files = Vec::new();
    let mut extra = Vec::new();
    if dist.join("index.html").is_file() {
        collect(&dist, &dist, &mut files);
    }
    let out_dir = PathBuf::from(std::env::var("OUT_DIR").unwrap());
    for (rel, abs) in files.iter_mut() {
        if rel == "index.html" {
            println!("cargo:rerun-if-changed={}", abs.display());
            let html = std::fs::read_to_string(&*abs).unwrap();
            let (page, scripts) = externalize_inline_scripts(&html);
            *abs = out_dir.join("index.html");
            std::fs::write(&*abs, page).unwrap();
            for (name, code) in scripts {
                std::fs::write(out_dir.join(&name), code).unwrap();
                extra.push((name.clone(), out_dir.join(name)));
            }
        }
    }
    files.extend(extra);
    files.sort();
    let mut code = String::from(
        "/// The web app's files: (path, bytes).\npub static FILES: &[(&str, &[u8])] = &[\n",
    );
    for (rel, abs) in &files {
        println!("cargo:rerun-if-changed={}", abs.display());
        writeln!(
            code,
            "    ({rel:?}, include_bytes!({:?})),",
            abs.display().to_string()
        )
        .unwrap();
    }
    code.push_str("];\n");
    std::fs::write(out_dir.join("site_files.rs"), code).unwrap();
}

/// trunk's page loads the app with an inline `<script type="module">`; a Content-Security-
/// Policy without `'unsafe-inline'` (the one `shelf serve` sends, and the README's for a
/// bucket website or CDN) would block it. Each inline module script becomes a file of its
/// own, `boot-<hash>.js` next to the page, loaded with `src` (its relative imports resolve
/// the same way), so the page needs nothing but `script-src 'self'`.
fn externalize_inline_scripts(html: &str) -> (String, Vec<(String, String)>) {
    const OPEN: &str = "<script type=\"module\">";
    const CLOSE: &str = "</script>";
    let mut page = String::with_capacity(html.len());
    let mut scripts = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find(OPEN) {
        let after = &rest[start + OPEN.len()..];
        let Some(end) = after.find(CLOSE) else {
            break;
        };
        let code = &after[..end];
        let mut hasher = std::hash::DefaultHasher::new();
        std::hash::Hash::hash(code, &mut hasher);
        let name = format!("boot-{:016x}.js", std::hash::Hasher::finish(&hasher));
        page.push_str(&rest[..start]);
        write!(page, "<script type=\"module\" src=\"./{name}\"></script>").unwrap();
        scripts.push((name, code.to_string()));
        rest = &after[end + CLOSE.len()..];
    }
    page.push_str(rest);
    (page, scripts)
}

fn collect(root: &Path, dir: &Path, out: &mut Vec<(String, PathBuf)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(root, &path, out);
        } else if let Ok(rel) = path.strip_prefix(root) {
            let rel: Vec<String> = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            out.push((rel.join("/"), path));
        }
    }
}
