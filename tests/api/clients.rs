//! Real clients people use, run under Node: the graphql-http conformance audit, the
//! graphql-ws client, GraphiQL's own fetcher (@graphiql/toolkit) and playwright-core driving
//! chromium (browser.rs). `npm ci` installs them (from tests/node/package-lock.json) on first use.

use std::path::PathBuf;
use std::process::Command;

use crate::helpers::TestApp;

/// tests/node, with its node_modules installed.
pub fn node_dir() -> PathBuf {
    static INSTALL: std::sync::Mutex<bool> = std::sync::Mutex::new(false);
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/node");
    let mut installed = INSTALL.lock().unwrap_or_else(|e| e.into_inner());
    if !*installed && !dir.join("node_modules/playwright-core").exists() {
        let status =
            Command::new("npm").args(["ci", "--no-audit", "--no-fund"]).current_dir(&dir).status().expect("npm is installed (Node.js 20+)");
        assert!(status.success(), "npm ci failed in tests/node");
    }
    *installed = true;
    dir
}

/// Runs `node <script> <args…>` in tests/node and returns its output; panics when it fails.
pub async fn run_node(script: &str, args: &[String]) -> String {
    let dir = node_dir();
    let out = tokio::process::Command::new("node").arg(script).args(args).current_dir(&dir).output().await.expect("node is installed");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "node {script} failed:\n{stdout}\n{stderr}");
    stdout
}

#[tokio::test]
async fn the_graphql_http_audit_passes_every_must_and_should() {
    let app = TestApp::spawn().await;
    let out = run_node("audit.mjs", &[format!("{}/graphql", app.base)]).await;
    assert!(out.contains("\"failedRequired\":0"), "{out}");
}

#[tokio::test]
async fn the_graphql_ws_client_authenticates_and_sees_4403_for_a_bad_token() {
    let app = TestApp::spawn().await;
    let user = app.advertiser().await;
    let out = run_node("ws-client.mjs", &[app.ws_url(), user.token.clone(), user.id.clone()]).await;
    assert!(out.contains("me ok"), "{out}");
    assert!(out.contains("bad token closed 4403"), "{out}");
}
