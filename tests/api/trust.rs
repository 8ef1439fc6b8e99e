//! Secrets, sessions and trust: no built-in webhook secret authorises anything, Redis is only a
//! doorbell (a forged publish never becomes an event), and a log-out stops every socket of the
//! session, on every instance, within a second, with nothing executed in between.

use std::time::{Duration, Instant};

use adbridge::config::SandboxMode;
use adbridge::domain::clock::Clock;
use adbridge::domain::orders::webhook::sign;
use adbridge::realtime::Topic;
use futures::StreamExt;
use serde_json::{Value, json};

use crate::helpers::{TestApp, TestUser, test_config};
use crate::orders::support::{accept, pay, pending_order, read};
use crate::realtime::{an_order, commit_event};
use crate::wsclient::{WsClient, WsEvent};

const ORDER_EVENTS: &str = "subscription($o: ID!) { orderEvents(orderId: $o) { id kind toStatus } }";
const SEND: &str = "mutation($i: SendMessageInput!) { sendMessage(input: $i) { message { id } } }";

fn redis_url() -> Option<String> {
    std::env::var("TEST_REDIS_URL").ok().filter(|u| !u.is_empty())
}

/// An order waiting for a (manual sandbox) payment: (advertiser, order id, provider ref).
async fn awaiting_payment(app: &TestApp) -> (TestUser, String, String) {
    let (advertiser, influencer, order) = pending_order(app).await;
    accept(app, &influencer, &order).await.assert_ok();
    let res = pay(app, &advertiser, &order, "k1").await;
    res.assert_ok();
    (advertiser, order, res.str("/data/payOrder/payment/providerRef"))
}

async fn post_webhook(app: &TestApp, secret: &str, body: &str) -> u16 {
    let ts = app.clock.now().timestamp();
    let res = app
        .http
        .post(format!("{}/webhooks/payments", app.base))
        .header("content-type", "application/json")
        .header("Adbridge-Timestamp", ts.to_string())
        .header("Adbridge-Signature", sign(secret, ts, body.as_bytes()))
        .body(body.to_owned())
        .send()
        .await
        .unwrap();
    res.status().as_u16()
}

#[tokio::test]
async fn without_a_configured_secret_no_webhook_is_applied_whatever_it_is_signed_with() {
    let app = TestApp::spawn_with(|c| {
        c.sandbox_payments = SandboxMode::Manual;
        c.webhook_secret = None;
    })
    .await;
    let (advertiser, order, reference) = awaiting_payment(&app).await;
    let body = json!({ "id": "evt_1", "type": "payment.succeeded", "data": { "paymentRef": reference } }).to_string();
    for secret in ["adbridge-dev-webhook-secret", ""] {
        assert_eq!(post_webhook(&app, secret, &body).await, 403);
    }
    assert_eq!(read(&app, &advertiser, &order).await.str("/data/order/status"), "PAYMENT_REQUIRED");
}

#[tokio::test]
async fn the_server_refuses_to_start_with_the_published_or_a_short_webhook_secret() {
    for secret in ["adbridge-dev-webhook-secret", "short"] {
        let mut config = test_config().await;
        config.webhook_secret = Some(secret.into());
        let err = adbridge::app::App::build(config, Default::default()).await.err().expect("the build is refused");
        assert!(err.to_string().contains("ADBRIDGE_WEBHOOK_SECRET"), "{err}");
    }
}

#[tokio::test]
async fn the_readme_webhook_one_liner_signs_a_delivery_the_server_applies() {
    let app = TestApp::spawn_with(|c| c.sandbox_payments = SandboxMode::Manual).await;
    let (advertiser, order, reference) = awaiting_payment(&app).await;
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let block = readme
        .split("```")
        .find(|b| b.contains("openssl dgst") && b.contains("Adbridge-Signature"))
        .expect("the README has the signing example");
    let script: String = block
        .lines()
        .skip(1)
        .map(|line| if line.starts_with("REF=") { format!("REF={reference:?}") } else { line.to_owned() })
        .collect::<Vec<_>>()
        .join("\n")
        .replace("http://127.0.0.1:8000", &app.base);
    // Asynchronously: the server runs on this test's runtime.
    let out = tokio::process::Command::new("bash")
        .args(["-euo", "pipefail", "-c", &script])
        .env("ADBRIDGE_WEBHOOK_SECRET", app.config.webhook_secret.as_deref().unwrap())
        .output()
        .await
        .expect("bash runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains(r#""outcome":"applied""#), "{stdout}");
    assert_eq!(read(&app, &advertiser, &order).await.str("/data/order/status"), "PAYMENT_RECEIVED");
}

#[tokio::test]
async fn a_forged_redis_publish_is_never_delivered_and_never_displaces_the_real_event() {
    let Some(url) = redis_url() else {
        eprintln!("skipped: TEST_REDIS_URL is unset");
        return;
    };
    let a = TestApp::spawn().await;
    let b = a.another_instance().await;
    let (order, advertiser, influencer) = an_order(&a).await;
    let mut feed = Box::pin(a.state.realtime.hub.feed(Topic::Order(order), None).await);
    let next = a.state.store.last_event_id().await.unwrap() + 1;
    let channel = adbridge::realtime::channel_for(&a.config.database_url);
    let forged = json!([{
        "id": next, "order_id": order, "seq": 99, "kind": "STATUS_CHANGED", "actor_id": null,
        "from_status": "PROCESSING", "to_status": "REFUNDED", "reason": "forged", "data": {},
        "created_at": chrono::Utc::now(), "advertiser_id": crate::realtime::user_id(&advertiser),
        "influencer_id": crate::realtime::user_id(&influencer)
    }]);
    let mut conn = redis::Client::open(url).unwrap().get_multiplexed_async_connection().await.unwrap();
    for message in [forged.to_string(), next.to_string(), (next + 1000).to_string(), "garbage".to_owned()] {
        let receivers: i64 = redis::cmd("PUBLISH").arg(&channel).arg(message).query_async(&mut conn).await.unwrap();
        assert!(receivers >= 2, "both instances listen on {channel}");
    }
    assert!(tokio::time::timeout(Duration::from_millis(700), feed.next()).await.is_err(), "nothing forged is delivered");
    let real = commit_event(&b, order, 7, true).await;
    assert_eq!(real.id, next, "the real event has the id the forgery claimed");
    let got = tokio::time::timeout(Duration::from_secs(5), feed.next()).await.unwrap().unwrap().unwrap();
    assert_eq!(got.event.id, real.id);
    assert_eq!(got.event.to_status, None, "the committed event, not the forged status change");
    assert_eq!(got.event.data, json!({ "n": 7 }));
}

/// Messages stored on `order`.
async fn message_count(app: &TestApp) -> u64 {
    use adbridge::store::entities::message;
    use sea_orm::{EntityTrait, PaginatorTrait};
    message::Entity::find().count(app.state.store.db()).await.unwrap()
}

async fn log_in(app: &TestApp, user: &TestUser) -> String {
    let res = app
        .gql(
            None,
            "mutation($i: LogInInput!) { logIn(input: $i) { token } }",
            json!({ "i": { "email": user.email, "password": "correct horse battery" } }),
        )
        .await;
    res.assert_ok();
    res.str("/data/logIn/token")
}

/// Logs `token` out on `on` while `sockets` (on `here`) hold it: every socket closes with 4403
/// within a second, the subscribed one receives no event after the log-out, and a mutation sent
/// right after the log-out is never executed.
async fn log_out_stops_every_socket(on: &TestApp, here: &TestApp, user: &TestUser, order: &str, rounds: usize) {
    for round in 0..rounds {
        let token = log_in(here, user).await;
        let mut streaming = WsClient::connect_and_init(&here.ws_url(), Some(&token)).await;
        streaming.subscribe("1", ORDER_EVENTS, json!({ "o": order })).await;
        let mut idle = WsClient::connect_and_init(&here.ws_url(), Some(&token)).await;
        let before = message_count(here).await;
        let started = Instant::now();
        on.gql(Some(&token), "mutation { logOut { revoked } }", json!({})).await.assert_ok();
        // Straight after the log-out: a write and an event, neither of which may get through.
        idle.subscribe("w", SEND, json!({ "i": { "orderId": order, "body": format!("after log-out {round}") } })).await;
        on.gql(Some(&user.token), SEND, json!({ "i": { "orderId": order, "body": "an event" } })).await.assert_ok();
        for ws in [&mut streaming, &mut idle] {
            match ws.next_event_within(Duration::from_secs(3)).await {
                WsEvent::Closed(code) => assert_eq!(code, 4403),
                WsEvent::Message(m) => panic!("round {round}: a message after the log-out: {m}"),
            }
        }
        assert!(started.elapsed() < Duration::from_secs(1), "round {round}: closed after {:?}", started.elapsed());
        assert_eq!(message_count(here).await, before + 1, "round {round}: only the other session's message was written");
    }
}

#[tokio::test]
async fn logging_out_stops_every_socket_of_the_session_at_once_with_nothing_executed_after() {
    let app = TestApp::spawn().await;
    let (advertiser, _, order) = pending_order(&app).await;
    log_out_stops_every_socket(&app, &app, &advertiser, &order, 10).await;
}

#[tokio::test]
async fn logging_out_on_one_instance_stops_the_sockets_on_another_within_a_second() {
    if redis_url().is_none() {
        eprintln!("skipped: TEST_REDIS_URL is unset");
        return;
    }
    let a = TestApp::spawn().await;
    let b = a.another_instance().await;
    let (advertiser, _, order) = pending_order(&a).await;
    log_out_stops_every_socket(&a, &b, &advertiser, &order, 10).await;
}

#[tokio::test]
async fn a_forged_revocation_message_ends_no_live_session() {
    let Some(url) = redis_url() else {
        eprintln!("skipped: TEST_REDIS_URL is unset");
        return;
    };
    let app = TestApp::spawn().await;
    let (advertiser, _, order) = pending_order(&app).await;
    let mut ws = WsClient::connect_and_init(&app.ws_url(), Some(&advertiser.token)).await;
    ws.subscribe("1", ORDER_EVENTS, json!({ "o": order })).await;
    app.subscriptions_live(1).await;
    let channel = format!("adbridge:sessions:{}", adbridge::cluster::namespace(&app.config.database_url));
    let mut conn = redis::Client::open(url).unwrap().get_multiplexed_async_connection().await.unwrap();
    for session in 0..200i64 {
        let _: i64 = redis::cmd("PUBLISH").arg(&channel).arg(session.to_string()).query_async(&mut conn).await.unwrap();
    }
    app.gql(Some(&advertiser.token), SEND, json!({ "i": { "orderId": order, "body": "still here" } })).await.assert_ok();
    let msg: Value = match ws.next_event_within(Duration::from_secs(5)).await {
        WsEvent::Message(m) => m,
        WsEvent::Closed(code) => panic!("closed with {code}"),
    };
    assert_eq!(msg["payload"]["data"]["orderEvents"]["kind"], "MESSAGE_POSTED", "{msg}");
}

#[tokio::test]
async fn a_missing_postgres_database_is_reported_with_the_createdb_to_run() {
    let Some(admin) = std::env::var("TEST_DATABASE_URL").ok().filter(|u| u.starts_with("postgres")) else {
        eprintln!("skipped: TEST_DATABASE_URL is not Postgres");
        return;
    };
    let base = admin.split('?').next().unwrap().rsplit_once('/').unwrap().0.to_owned();
    let mut config = test_config().await;
    config.database_url = format!("{base}/adbt_missing_{}", uuid::Uuid::new_v4().simple());
    let err = adbridge::app::App::build(config, Default::default()).await.err().expect("the build fails");
    let text = format!("{err:#}");
    assert!(text.contains("does not exist") && text.contains("createdb"), "{text}");
    assert!(!text.contains("line"), "no server source line: {text}");
}
