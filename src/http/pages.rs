//! The two HTML pages: the GraphiQL playground (`GET /`) and the live dashboard
//! (`GET /dashboard`).
//!
//! Both are rendered here, load only the embedded assets (see [`super::assets`]) and are sent
//! with a strict Content-Security-Policy: no inline script and no `eval` (their settings travel
//! in `data-` attributes, read by the embedded scripts), and nothing may be loaded from or sent
//! to any other origin. GraphiQL's page has two allowances, both needed and checked in the
//! browser tests (which fail on any CSP violation): `style-src 'unsafe-inline'`, because its
//! dialogs insert `<style>` elements at run time (without it, opening the settings dialog is a
//! violation), and `data:` fonts and images, which its stylesheet embeds. The dashboard needs
//! neither and gets neither.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{Html, IntoResponse, Response};

use super::AppState;
use super::assets::url;

/// The GraphQL endpoint and the websocket endpoint the pages talk to (same origin).
const ENDPOINT: &str = "/graphql";
const WS_ENDPOINT: &str = "/graphql/ws";

/// `GET /`: GraphiQL with the docs explorer, the query builder (explorer plugin) and
/// subscriptions over the websocket.
pub async fn graphiql(State(state): State<Arc<AppState>>, headers: HeaderMap) -> Response {
    let introspection = if state.config.introspection { "on" } else { "off" };
    let body = format!(
        r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>Adbridge GraphiQL</title>
<link rel="icon" type="image/svg+xml" href="{favicon}">
<link rel="stylesheet" href="{graphiql_css}">
<link rel="stylesheet" href="{explorer_css}">
<link rel="stylesheet" href="{own_css}">
</head>
<body>
<div id="graphiql" data-endpoint="{ENDPOINT}" data-subscription-endpoint="{WS_ENDPOINT}" data-introspection="{introspection}">Loading GraphiQL…</div>
<script src="{react}"></script>
<script src="{react_dom}"></script>
<script src="{graphiql}"></script>
<script src="{explorer}"></script>
<script src="{own_js}"></script>
</body>
</html>
"#,
        favicon = url("favicon.svg"),
        graphiql_css = url("vendor/graphiql.min.css"),
        explorer_css = url("vendor/graphiql-plugin-explorer.css"),
        own_css = url("graphiql.css"),
        react = url("vendor/react.production.min.js"),
        react_dom = url("vendor/react-dom.production.min.js"),
        graphiql = url("vendor/graphiql.min.js"),
        explorer = url("vendor/graphiql-plugin-explorer.umd.js"),
        own_js = url("graphiql.js"),
    );
    page(body, &headers, Policy::Graphiql)
}

/// `GET /dashboard`: the live dashboard, an example client of the public API.
pub async fn dashboard(headers: HeaderMap) -> Response {
    let body = format!(
        r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>Adbridge dashboard</title>
<link rel="icon" type="image/svg+xml" href="{favicon}">
<link rel="stylesheet" href="{css}">
</head>
<body>
<div id="app" data-endpoint="{ENDPOINT}" data-subscription-endpoint="{WS_ENDPOINT}">Loading the dashboard…</div>
<script src="{preact}"></script>
<script src="{hooks}"></script>
<script src="{htm}"></script>
<script src="{graphql_ws}"></script>
<script src="{js}"></script>
</body>
</html>
"#,
        favicon = url("favicon.svg"),
        css = url("dashboard.css"),
        preact = url("vendor/preact.min.umd.js"),
        hooks = url("vendor/preact-hooks.umd.js"),
        htm = url("vendor/htm.umd.js"),
        graphql_ws = url("vendor/graphql-ws.min.js"),
        js = url("dashboard.js"),
    );
    page(body, &headers, Policy::Dashboard)
}

/// An HTML page with its security headers; never cached, so a new binary's asset paths are
/// picked up at once.
fn page(body: String, headers: &HeaderMap, policy: Policy) -> Response {
    let mut res = Html(body).into_response();
    let out = res.headers_mut();
    if let Ok(csp) = HeaderValue::from_str(&content_security_policy(headers, policy)) {
        out.insert(header::CONTENT_SECURITY_POLICY, csp);
    }
    out.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    out.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    out.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    out.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    res
}

/// Which page a policy is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Policy {
    /// GraphiQL: inline `<style>` elements and `data:` fonts and images allowed.
    Graphiql,
    /// The dashboard: nothing but the server's own files.
    Dashboard,
}

/// A page's policy. `connect-src 'self'` covers same-origin websockets in current browsers;
/// the page's own `ws:`/`wss:` origin is named too for those that predate that rule (only when
/// the `Host` header looks like a host, so nothing odd is echoed into the header).
pub fn content_security_policy(headers: &HeaderMap, policy: Policy) -> String {
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).filter(|h| is_host(h));
    let websockets = host.map(|h| format!(" ws://{h} wss://{h}")).unwrap_or_default();
    let (styles, embedded) = match policy {
        Policy::Graphiql => ("'self' 'unsafe-inline'", "'self' data:"),
        Policy::Dashboard => ("'self'", "'self'"),
    };
    format!(
        "default-src 'self'; script-src 'self'; style-src {styles}; img-src {embedded}; font-src {embedded}; \
         connect-src 'self'{websockets}; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
}

fn is_host(h: &str) -> bool {
    !h.is_empty() && h.len() <= 255 && h.bytes().all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_policy_names_the_websocket_origin_only_for_a_plain_host() {
        let mut headers = HeaderMap::new();
        headers.insert(header::HOST, HeaderValue::from_static("127.0.0.1:8000"));
        let csp = content_security_policy(&headers, Policy::Dashboard);
        assert!(csp.contains("connect-src 'self' ws://127.0.0.1:8000 wss://127.0.0.1:8000;"), "{csp}");
        headers.insert(header::HOST, HeaderValue::from_static("evil; script-src *"));
        assert!(content_security_policy(&headers, Policy::Graphiql).contains("connect-src 'self';"));
    }
}
