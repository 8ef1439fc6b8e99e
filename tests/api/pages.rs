//! The GraphiQL and dashboard pages over plain HTTP: a strict Content-Security-Policy, no
//! inline script, every script and stylesheet from the server under a content-hashed path that
//! is cached for a year. (tests/api/browser.rs checks the same pages in a real browser.)

use crate::helpers::TestApp;

/// Every `src="…"` and `href="…"` of a page.
fn references(page: &str) -> Vec<String> {
    let mut found = Vec::new();
    for attr in ["src=\"", "href=\""] {
        let mut rest = page;
        while let Some(i) = rest.find(attr) {
            rest = &rest[i + attr.len()..];
            let end = rest.find('"').unwrap();
            found.push(rest[..end].to_owned());
        }
    }
    found
}

#[tokio::test]
async fn both_pages_load_only_hashed_embedded_assets_under_a_strict_policy() {
    let app = TestApp::spawn().await;
    for (path, scripts) in [("/", 5), ("/dashboard", 5)] {
        let res = app.http.get(format!("{}{path}", app.base)).send().await.unwrap();
        assert_eq!(res.status(), 200, "{path}");
        let csp = res.headers()["content-security-policy"].to_str().unwrap().to_owned();
        assert!(csp.starts_with("default-src 'self'; script-src 'self';"), "{csp}");
        assert!(!csp.contains("unsafe-eval") && !csp.contains("script-src 'self' 'unsafe-inline'"), "{csp}");
        // Only GraphiQL's dialogs need inline <style> elements.
        assert_eq!(csp.contains("style-src 'self' 'unsafe-inline';"), path == "/", "{csp}");
        assert!(csp.contains(&format!("connect-src 'self' ws://{}", app.addr)), "{csp}");
        assert_eq!(res.headers()["cache-control"], "no-cache");
        let page = res.text().await.unwrap();
        assert_eq!(page.matches("<script").count(), scripts, "{page}");
        assert_eq!(page.matches("<script src=\"/assets/").count(), scripts, "no inline script: {page}");
        assert!(!page.contains("http://") && !page.contains("https://") && !page.contains("//unpkg"), "{page}");
        for url in references(&page) {
            assert!(url.starts_with("/assets/"), "{url}");
            let asset = app.http.get(format!("{}{url}", app.base)).send().await.unwrap();
            assert_eq!(asset.status(), 200, "{url}");
            assert_eq!(asset.headers()["cache-control"], "public, max-age=31536000, immutable", "{url}");
            let kind = asset.headers()["content-type"].to_str().unwrap().to_owned();
            let expected = if url.ends_with(".js") {
                "text/javascript"
            } else if url.ends_with(".css") {
                "text/css"
            } else {
                "image/svg+xml"
            };
            assert!(kind.starts_with(expected), "{url}: {kind}");
            assert!(!asset.bytes().await.unwrap().is_empty(), "{url}");
        }
    }
}

#[tokio::test]
async fn the_pinned_versions_are_served_and_an_unknown_asset_is_not_found() {
    let app = TestApp::spawn().await;
    let page = app.http.get(format!("{}/", app.base)).send().await.unwrap().text().await.unwrap();
    let react = references(&page).into_iter().find(|u| u.contains("/react.production.min.")).expect("React is on the page");
    let body = app.http.get(format!("{}{react}", app.base)).send().await.unwrap().text().await.unwrap();
    assert!(body.contains("18.3.1"), "React 18.3.1 production build");
    let missing = app.http.get(format!("{}/assets/graphiql.0000000000000000.js", app.base)).send().await.unwrap();
    assert_eq!(missing.status(), 404);
    let icon = app.http.get(format!("{}/favicon.ico", app.base)).send().await.unwrap();
    assert_eq!(icon.status(), 200);
}
