//! A database outage: the app runs on Postgres through a TCP proxy the test can cut. Every
//! request is answered alike and fast (503, `UNAVAILABLE`, `Retry-After`), `/readyz` says so
//! within a second, and the app recovers by itself when the database is back.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use serde_json::json;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

use crate::helpers::{TestApp, test_config};
use crate::wsclient::WsClient;

/// A TCP proxy to Postgres that can be cut (open connections dropped, new ones refused) and
/// restored.
pub struct CuttableProxy {
    /// Where clients connect.
    pub addr: SocketAddr,
    up: Arc<AtomicBool>,
    cut: watch::Sender<u64>,
}

impl CuttableProxy {
    /// Starts a proxy to `target`.
    pub async fn start(target: SocketAddr) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let up = Arc::new(AtomicBool::new(true));
        let (cut, _) = watch::channel(0u64);
        let (accepting, cuts) = (up.clone(), cut.clone());
        tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                if !accepting.load(Ordering::SeqCst) {
                    drop(client);
                    continue;
                }
                let mut cut = cuts.subscribe();
                tokio::spawn(async move {
                    let Ok(mut server) = TcpStream::connect(target).await else { return };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
                        _ = cut.changed() => {}
                    }
                });
            }
        });
        Self { addr, up, cut }
    }

    /// Drops every proxied connection and refuses new ones.
    pub fn cut(&self) {
        self.up.store(false, Ordering::SeqCst);
        self.cut.send_modify(|n| *n += 1);
    }

    /// Accepts connections again.
    pub fn restore(&self) {
        self.up.store(true, Ordering::SeqCst);
    }
}

/// A fresh Postgres database reached through `proxy`.
async fn database_behind(proxy: &CuttableProxy) -> String {
    let admin = std::env::var("TEST_DATABASE_URL").ok().filter(|u| !u.is_empty());
    let admin = admin.unwrap_or_else(|| "postgres://postgres@127.0.0.1:5432/postgres".to_owned());
    // The harness makes (and later drops) a uniquely named database; reach it through the proxy.
    let direct = crate::helpers::fresh_postgres_at(&admin).await;
    let (scheme_user, rest) = direct.split_once('@').expect("a URL with a user");
    let (_, path) = rest.split_once('/').expect("a URL with a database");
    format!("{scheme_user}@{}/{path}", proxy.addr)
}

#[tokio::test]
async fn with_the_database_unreachable_every_request_gets_503_unavailable_fast_and_the_app_recovers() {
    let proxy = CuttableProxy::start("127.0.0.1:5432".parse().unwrap()).await;
    let mut config = test_config().await;
    config.database_url = database_behind(&proxy).await;
    config.db_acquire_timeout_ms = 500;
    let app = TestApp::start(config, Default::default()).await;
    let user = app.advertiser().await;
    let authed = "{ me { id } }";
    let anonymous = "{ adSpaces(first: 1) { nodes { id } } }";
    app.gql(Some(&user.token), authed, json!({})).await.assert_ok();

    proxy.cut();
    for (token, query) in [(None, anonymous), (Some(user.token.as_str()), authed), (None, anonymous), (Some(user.token.as_str()), authed)] {
        let started = Instant::now();
        let mut req = app.http.post(format!("{}/graphql", app.base)).json(&json!({ "query": query }));
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        let res = req.send().await.unwrap();
        let took = started.elapsed();
        assert_eq!(res.status(), 503, "{query} with token {}", token.is_some());
        assert_eq!(res.headers().get("retry-after").and_then(|v| v.to_str().ok()), Some("5"));
        let body: serde_json::Value = res.json().await.unwrap();
        assert_eq!(body.pointer("/errors/0/extensions/code"), Some(&json!("UNAVAILABLE")), "{body}");
        assert!(body.pointer("/data").is_none(), "no partial data: {body}");
        assert!(took < Duration::from_secs(2), "answered in {took:?}");
    }
    // A correctly signed payment webhook is answered alike: the provider retries later.
    let (now, body) = (chrono::Utc::now().timestamp(), r#"{"id":"evt_outage","type":"payment.succeeded","data":{"paymentRef":"sbx_1"}}"#);
    let secret = app.config.webhook_secret.clone().expect("the test config has a webhook secret");
    let res = app
        .http
        .post(format!("{}/webhooks/payments", app.base))
        .header("content-type", "application/json")
        .header("adbridge-timestamp", now.to_string())
        .header("adbridge-signature", adbridge::domain::orders::webhook::sign(&secret, now, body.as_bytes()))
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 503, "the webhook during the outage");
    assert_eq!(res.headers().get("retry-after").and_then(|v| v.to_str().ok()), Some("5"));
    let started = Instant::now();
    let ready = app.http.get(format!("{}/readyz", app.base)).send().await.unwrap();
    assert_eq!(ready.status(), 503);
    assert!(started.elapsed() < Duration::from_secs(1), "/readyz took {:?}", started.elapsed());
    let health = app.http.get(format!("{}/healthz", app.base)).send().await.unwrap();
    assert_eq!(health.status(), 200, "the process itself is alive");
    // A websocket that cannot be authenticated is told to try again later (1013), not refused.
    let mut ws = WsClient::connect(&app.ws_url(), "graphql-transport-ws").await;
    ws.send(json!({ "type": "connection_init", "payload": { "token": user.token } })).await;
    let started = Instant::now();
    assert_eq!(ws.close_code().await, 1013);
    assert!(started.elapsed() < Duration::from_secs(2), "closed in {:?}", started.elapsed());

    proxy.restore();
    let back = Instant::now();
    loop {
        let res = app.gql(Some(&user.token), authed, json!({})).await;
        if res.status == 200 && res.body.get("errors").is_none() {
            break;
        }
        assert!(back.elapsed() < Duration::from_secs(15), "not recovered: {} {}", res.status, res.body);
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let ready = app.http.get(format!("{}/readyz", app.base)).send().await.unwrap();
    assert_eq!(ready.status(), 200);
    app.gql(None, anonymous, json!({})).await.assert_ok();
}
