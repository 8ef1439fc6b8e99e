//! The browser assets of the GraphiQL playground and the dashboard, embedded in the binary and
//! served under content-hashed paths.
//!
//! Why embedded: the pages must work with no internet (an air-gapped deployment, a laptop on a
//! plane) and must not pull unpinned third-party scripts into an authenticated page. The
//! third-party files are vendored in `assets/vendor/` from the npm registry by
//! `scripts/vendor-assets.sh`, which records each file's package, version and sha256 in
//! `assets/vendor/MANIFEST.tsv` (a test below checks the embedded bytes against it).
//!
//! Why hashed paths: `/assets/<name>.<first 16 hex of sha256>.<ext>` changes whenever the bytes
//! do, so the files can be cached for a year (`immutable`) and a new binary never serves a
//! stale script from a browser cache. The pages themselves are never cached.

use std::collections::HashMap;
use std::sync::LazyLock;

use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

/// One embedded file.
pub struct Asset {
    /// The file's name in `assets/` (e.g. `vendor/graphiql.min.js`).
    pub name: &'static str,
    /// Its bytes.
    pub bytes: &'static [u8],
    /// The path it is served under, content-hashed.
    pub path: String,
}

macro_rules! embed {
    ($($name:literal),* $(,)?) => {
        &[$(($name, include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/assets/", $name)) as &[u8])),*]
    };
}

/// Every embedded file: the vendored libraries, then our own scripts and styles.
const FILES: &[(&str, &[u8])] = embed![
    "vendor/react.production.min.js",
    "vendor/react-dom.production.min.js",
    "vendor/graphiql.min.js",
    "vendor/graphiql.min.css",
    "vendor/graphiql-plugin-explorer.umd.js",
    "vendor/graphiql-plugin-explorer.css",
    "vendor/preact.min.umd.js",
    "vendor/preact-hooks.umd.js",
    "vendor/htm.umd.js",
    "vendor/graphql-ws.min.js",
    "graphiql.js",
    "graphiql.css",
    "dashboard.js",
    "dashboard.css",
    "favicon.svg",
];

/// The embedded files, by name and by served path.
struct Catalogue {
    by_name: HashMap<&'static str, Asset>,
    by_path: HashMap<String, &'static str>,
}

static CATALOGUE: LazyLock<Catalogue> = LazyLock::new(|| {
    let mut by_name = HashMap::new();
    let mut by_path = HashMap::new();
    for &(name, bytes) in FILES {
        let path = hashed_path(name, bytes);
        by_path.insert(path.clone(), name);
        by_name.insert(name, Asset { name, bytes, path });
    }
    Catalogue { by_name, by_path }
});

/// `/assets/<stem>.<hash>.<ext>` for a file of `assets/`.
fn hashed_path(name: &str, bytes: &[u8]) -> String {
    let digest = hex::encode(Sha256::digest(bytes));
    let file = name.rsplit('/').next().unwrap_or(name);
    let (stem, ext) = file.rsplit_once('.').unwrap_or((file, ""));
    format!("/assets/{stem}.{}.{ext}", &digest[..16])
}

/// The served path of an embedded file; panics on a name that is not embedded (a programming
/// error that every page test would show at once).
pub fn url(name: &str) -> &'static str {
    match CATALOGUE.by_name.get(name) {
        Some(asset) => &asset.path,
        None => panic!("asset {name} is not embedded"),
    }
}

/// Every embedded file.
pub fn all() -> impl Iterator<Item = &'static Asset> {
    CATALOGUE.by_name.values()
}

fn content_type(name: &str) -> &'static str {
    match name.rsplit_once('.').map(|(_, ext)| ext) {
        Some("js") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("svg") => "image/svg+xml",
        _ => "application/octet-stream",
    }
}

/// `GET /assets/{file}`: an embedded file by its hashed name, cached for a year.
pub async fn serve(Path(file): Path<String>) -> Response {
    let Some(name) = CATALOGUE.by_path.get(&format!("/assets/{file}")) else {
        return (StatusCode::NOT_FOUND, "no such asset").into_response();
    };
    let asset = &CATALOGUE.by_name[name];
    let mut res = asset.bytes.into_response();
    let headers = res.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type(asset.name)));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=31536000, immutable"));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    res
}

/// `GET /favicon.ico`: browsers ask for it whatever the page says; the embedded icon answers.
pub async fn favicon() -> Response {
    let asset = &CATALOGUE.by_name["favicon.svg"];
    let mut res = asset.bytes.into_response();
    let headers = res.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("image/svg+xml"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=86400"));
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_vendored_file_matches_the_manifest() {
        let manifest = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/assets/vendor/MANIFEST.tsv"));
        let mut checked = 0;
        for line in manifest.lines().skip(1) {
            let cols: Vec<&str> = line.split('\t').collect();
            let name = format!("vendor/{}", cols[0]);
            let asset = CATALOGUE.by_name.get(name.as_str()).unwrap_or_else(|| panic!("{name} is in the manifest but not embedded"));
            assert_eq!(hex::encode(Sha256::digest(asset.bytes)), cols[4], "{name} differs from the manifest");
            checked += 1;
        }
        let vendored = FILES.iter().filter(|(n, _)| n.starts_with("vendor/")).count();
        assert_eq!(checked, vendored, "every embedded vendor file is in the manifest");
    }

    #[test]
    fn a_hashed_path_changes_with_the_content() {
        assert_ne!(hashed_path("a.js", b"one"), hashed_path("a.js", b"two"));
        assert!(hashed_path("vendor/x.min.js", b"one").starts_with("/assets/x.min."));
    }
}
