//! The Shelf web app. This placeholder only proves the format crate links for the app; the
//! Leptos app replaces it (see the web-app issue).

fn main() {
    println!("shelf-app: bucket format v{}", shelf_format::FORMAT_VERSION);
}
