//! The pages in a real browser: Debian's `chromium`, driven by `playwright-core` from
//! tests/node/browser.mjs (it downloads no browser). GraphiQL loads with no request leaving the
//! server and no CSP violation, its docs list `Query.adSpaces`, a typed query returns data and a
//! subscription shows another client's write; the dashboard follows orders live for an
//! advertiser and an influencer (an admin's view shows held orders), and replays exactly what it missed after a cut.
//!
//! The screenshots go to `target/screenshots/`; `UPDATE_SCREENSHOTS=1` writes them to `docs/`
//! (shown in the README) instead.

use std::path::PathBuf;

use serde_json::json;

use crate::clients::run_node;
use crate::helpers::{TestApp, TestUser};

/// The browser: `CHROMIUM` or Debian's `/usr/bin/chromium` (`.ci/run` installs it).
fn chromium() -> String {
    let path = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    assert!(std::path::Path::new(&path).exists(), "{path} is missing: `apt-get install chromium` (as .ci/run does)");
    path
}

/// A new account of `role` with a display name that reads well in the screenshots.
async fn named(app: &TestApp, role: &str, name: &str) -> TestUser {
    let email = format!("{}-{}@example.com", role.to_lowercase(), uuid::Uuid::new_v4().simple());
    let res = app
        .gql(
            None,
            "mutation($input: SignUpInput!) { signUp(input: $input) { token user { id } } }",
            json!({ "input": { "email": email, "password": "correct horse battery", "displayName": name, "role": role } }),
        )
        .await;
    res.assert_ok();
    TestUser { token: res.str("/data/signUp/token"), id: res.str("/data/signUp/user/id"), email }
}

fn screenshot_dir() -> PathBuf {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let dir = if std::env::var_os("UPDATE_SCREENSHOTS").is_some() { root.join("docs") } else { root.join("target/screenshots") };
    std::fs::create_dir_all(&dir).expect("the screenshot directory is created");
    dir
}

#[tokio::test]
async fn graphiql_and_the_dashboard_work_in_a_real_browser_with_nothing_fetched_elsewhere() {
    let browser = chromium();
    let app = TestApp::spawn().await;
    let advertiser = named(&app, "ADVERTISER", "Northwind Shoes").await;
    let influencer = named(&app, "INFLUENCER", "Mia Runs").await;
    let admin = app.admin().await;
    let space = app.ad_space_of(&influencer, 25000, "EUR").await;
    let placed = app
        .gql(
            Some(&advertiser.token),
            "mutation($i: PlaceOrderInput!) { placeOrder(input: $i) { order { id } } }",
            json!({ "i": { "adSpaceId": space, "brief": "A reel for our new running shoes" } }),
        )
        .await;
    placed.assert_ok();
    let user = |u: &TestUser| json!({ "email": u.email, "token": u.token });
    let setup = json!({
        "base": app.base,
        "password": "correct horse battery",
        "advertiser": user(&advertiser),
        "influencer": user(&influencer),
        "admin": user(&admin),
        "adSpaceId": space,
        "orderId": placed.str("/data/placeOrder/order/id"),
    });
    let shots = screenshot_dir();
    let out = run_node("browser.mjs", &[setup.to_string(), shots.display().to_string(), browser]).await;
    for step in [
        "ok graphiql loads",
        "ok the docs explorer lists Query.adSpaces",
        "ok a query typed in the editor returns data",
        "ok a subscription in GraphiQL shows an event caused by another client",
        "ok an order placed through the API appears live for the influencer",
        "ok accepting in the influencer's dashboard changes the advertiser's view",
        "ok the conversation is read and updated live",
        "ok after a cut, the dashboard resumes from its cursor",
        "ok an admin sees a held order appear",
        "browser tests passed",
    ] {
        assert!(out.contains(step), "missing `{step}` in:\n{out}");
    }
    for file in ["graphiql.png", "dashboard.png"] {
        let len = std::fs::metadata(shots.join(file)).map(|m| m.len()).unwrap_or(0);
        assert!(len > 10_000, "{file} was not written ({len} bytes)");
    }
}
