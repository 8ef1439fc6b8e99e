//! Payments: idempotency keys, the sandbox's manual mode, failures, signed webhooks and replays.

use adbridge::config::SandboxMode;
use adbridge::domain::clock::Clock;
use adbridge::domain::orders::webhook::sign;
use serde_json::{Value, json};

use super::support::*;
use crate::helpers::{TestApp, TestUser};

async fn manual_app() -> TestApp {
    TestApp::spawn_with(|c| c.sandbox_payments = SandboxMode::Manual).await
}

/// An accepted order with a pending (manual sandbox) payment: (advertiser, order, payment id, provider ref).
async fn pending_payment(app: &TestApp) -> (TestUser, String, String, String) {
    let (advertiser, influencer, order) = pending_order(app).await;
    accept(app, &influencer, &order).await.assert_ok();
    let res = pay(app, &advertiser, &order, "checkout-1").await;
    res.assert_ok();
    assert_eq!(res.str("/data/payOrder/payment/status"), "PENDING");
    assert_eq!(res.str("/data/payOrder/order/status"), "PAYMENT_REQUIRED");
    (advertiser, order, res.str("/data/payOrder/payment/id"), res.str("/data/payOrder/payment/providerRef"))
}

async fn post_webhook(app: &TestApp, timestamp: i64, signature: &str, body: &str) -> (u16, Value) {
    let res = app
        .http
        .post(format!("{}/webhooks/payments", app.base))
        .header("content-type", "application/json")
        .header("Adbridge-Timestamp", timestamp.to_string())
        .header("Adbridge-Signature", signature)
        .body(body.to_owned())
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn signed(app: &TestApp, body: &str) -> (u16, Value) {
    let ts = app.clock.now().timestamp();
    post_webhook(app, ts, &sign(app.config.webhook_secret.as_deref().unwrap(), ts, body.as_bytes()), body).await
}

async fn order_status(app: &TestApp, user: &TestUser, order: &str) -> String {
    read(app, user, order).await.str("/data/order/status")
}

#[tokio::test]
async fn paying_again_with_the_same_key_gives_the_same_payment_and_another_key_is_refused() {
    let app = manual_app().await;
    let (advertiser, order, payment, _) = pending_payment(&app).await;
    let again = pay(&app, &advertiser, &order, "checkout-1").await;
    again.assert_ok();
    assert_eq!(again.str("/data/payOrder/payment/id"), payment);
    let before = event_count(&app, &order).await;
    pay(&app, &advertiser, &order, "checkout-2").await.assert_code("CONFLICT");
    pay(&app, &advertiser, &order, "").await.assert_code("BAD_USER_INPUT");
    assert_eq!(event_count(&app, &order).await, before);
}

#[tokio::test]
async fn a_manual_sandbox_payment_is_confirmed_by_the_advertiser_and_a_second_confirm_is_a_conflict() {
    let app = manual_app().await;
    let (advertiser, _, payment, _) = pending_payment(&app).await;
    let stranger = app.advertiser().await;
    let q = "mutation($i: ConfirmSandboxPaymentInput!) { confirmSandboxPayment(input: $i) { order { status } payment { status } } }";
    app.gql(Some(&stranger.token), q, json!({ "i": { "paymentId": payment } })).await.assert_code("NOT_FOUND");
    let res = app.gql(Some(&advertiser.token), q, json!({ "i": { "paymentId": payment } })).await;
    res.assert_ok();
    assert_eq!(res.str("/data/confirmSandboxPayment/order/status"), "PAYMENT_RECEIVED");
    assert_eq!(res.str("/data/confirmSandboxPayment/payment/status"), "SUCCEEDED");
    app.gql(Some(&advertiser.token), q, json!({ "i": { "paymentId": payment } })).await.assert_code("CONFLICT");
}

#[tokio::test]
async fn a_failed_payment_leaves_the_order_waiting_with_the_failure_visible_and_a_new_payment_works() {
    let app = manual_app().await;
    let admin = app.admin().await;
    let (advertiser, order, payment, _) = pending_payment(&app).await;
    let q = "mutation($i: ConfirmSandboxPaymentInput!) { confirmSandboxPayment(input: $i) { order { status } payment { status failureReason } } }";
    let failed = app
        .gql(Some(&admin.token), q, json!({ "i": { "paymentId": payment, "outcome": "FAILED", "failureReason": "Card declined" } }))
        .await;
    failed.assert_ok();
    assert_eq!(failed.str("/data/confirmSandboxPayment/order/status"), "PAYMENT_REQUIRED");
    assert_eq!(failed.str("/data/confirmSandboxPayment/payment/failureReason"), "Card declined");
    let story = read(&app, &advertiser, &order).await;
    let last = story.at("/data/order/events").as_array().unwrap().last().unwrap().clone();
    assert_eq!((last["kind"].as_str(), last["reason"].as_str()), (Some("PAYMENT_FAILED"), Some("Card declined")));
    let retry = pay(&app, &advertiser, &order, "checkout-2").await;
    retry.assert_ok();
    assert_eq!(retry.str("/data/payOrder/payment/status"), "PENDING");
}

#[tokio::test]
async fn a_signed_webhook_confirms_a_payment_and_its_replay_changes_nothing() {
    let app = manual_app().await;
    let (advertiser, order, _, reference) = pending_payment(&app).await;
    let body = json!({ "id": "evt_1", "type": "payment.succeeded", "data": { "paymentRef": reference } }).to_string();
    let (status, answer) = signed(&app, &body).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["outcome"], json!("applied"));
    assert_eq!(order_status(&app, &advertiser, &order).await, "PAYMENT_RECEIVED");
    let before = event_count(&app, &order).await;
    let (status, answer) = signed(&app, &body).await;
    assert_eq!(status, 200);
    assert_eq!(answer["outcome"], json!("already_settled"));
    assert_eq!(event_count(&app, &order).await, before);
}

#[tokio::test]
async fn a_signed_failure_webhook_marks_the_payment_failed() {
    let app = manual_app().await;
    let (advertiser, order, _, reference) = pending_payment(&app).await;
    let body =
        json!({ "id": "evt_2", "type": "payment.failed", "data": { "paymentRef": reference, "failureReason": "Insufficient funds" } });
    let (status, _) = signed(&app, &body.to_string()).await;
    assert_eq!(status, 200);
    let res = app
        .gql(
            Some(&advertiser.token),
            "query($id: ID!) { order(id: $id) { status payments { status failureReason } } }",
            json!({ "id": order }),
        )
        .await;
    assert_eq!(res.str("/data/order/status"), "PAYMENT_REQUIRED");
    assert_eq!(res.at("/data/order/payments"), &json!([{ "status": "FAILED", "failureReason": "Insufficient funds" }]));
}

#[tokio::test]
async fn forged_stale_or_malformed_webhooks_are_refused_with_400_and_change_nothing() {
    let app = manual_app().await;
    let (advertiser, order, _, reference) = pending_payment(&app).await;
    let before = event_count(&app, &order).await;
    let body = json!({ "id": "evt_3", "type": "payment.succeeded", "data": { "paymentRef": reference } }).to_string();
    let now = app.clock.now().timestamp();
    let secret = app.config.webhook_secret.clone().unwrap();
    let cases: Vec<(i64, String, String)> = vec![
        (now, sign("wrong secret", now, body.as_bytes()), body.clone()),
        (now, sign(&secret, now, body.as_bytes()), body.replace("evt_3", "evt_4")),
        (now - 301, sign(&secret, now - 301, body.as_bytes()), body.clone()),
        (now + 301, sign(&secret, now + 301, body.as_bytes()), body.clone()),
        (now, "v1=nothex".into(), body.clone()),
        (now, sign(&secret, now, b"{not json"), "{not json".into()),
        (
            now,
            sign(&secret, now, b"{\"id\":\"e\",\"type\":\"payment.exploded\",\"data\":{\"paymentRef\":\"x\"}}"),
            "{\"id\":\"e\",\"type\":\"payment.exploded\",\"data\":{\"paymentRef\":\"x\"}}".into(),
        ),
    ];
    for (ts, signature, body) in cases {
        let (status, answer) = post_webhook(&app, ts, &signature, &body).await;
        assert_eq!(status, 400, "{ts} {signature} {body}: {answer}");
    }
    let unknown = json!({ "id": "evt_5", "type": "payment.succeeded", "data": { "paymentRef": "sbx_nope" } }).to_string();
    assert_eq!(signed(&app, &unknown).await.0, 400);
    let res = app.http.post(format!("{}/webhooks/payments", app.base)).body(body.clone()).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 400, "no signature headers");
    assert_eq!(event_count(&app, &order).await, before);
    assert_eq!(order_status(&app, &advertiser, &order).await, "PAYMENT_REQUIRED");
}

const PAYMENTS: &str = "query($id: ID!) { order(id: $id) { status payments { status } events { kind toStatus } } }";
const CONFIRM: &str =
    "mutation($i: ConfirmSandboxPaymentInput!) { confirmSandboxPayment(input: $i) { order { status } payment { status } } }";
const CANCEL: &str = "mutation($i: OrderReasonInput!) { cancelOrder(input: $i) { order { status } } }";

#[tokio::test]
async fn cancelling_an_order_voids_its_pending_payment_and_a_later_confirmation_is_recorded_as_due_back() {
    let app = manual_app().await;
    let (advertiser, order, payment, reference) = pending_payment(&app).await;
    let res = app.gql(Some(&advertiser.token), CANCEL, json!({ "i": { "orderId": order, "reason": "Plans changed" } })).await;
    assert_eq!(res.str("/data/cancelOrder/order/status"), "CANCELLED");
    let read = app.gql(Some(&advertiser.token), PAYMENTS, json!({ "id": order })).await;
    assert_eq!(read.at("/data/order/payments"), &json!([{ "status": "VOIDED" }]));
    let kinds = history(&read, "/data/order/events");
    assert_eq!(kinds[kinds.len() - 2..], ["PAYMENT_VOIDED:-".to_owned(), "STATUS_CHANGED:CANCELLED".to_owned()], "{kinds:?}");

    app.gql(Some(&advertiser.token), CONFIRM, json!({ "i": { "paymentId": payment } })).await.assert_code("CONFLICT");
    let before = event_count(&app, &order).await;
    let body = json!({ "id": "evt_late", "type": "payment.succeeded", "data": { "paymentRef": reference } }).to_string();
    let (status, answer) = signed(&app, &body).await;
    assert_eq!((status, answer["outcome"].clone()), (200, json!("refund_due")));
    let read = app.gql(Some(&advertiser.token), PAYMENTS, json!({ "id": order })).await;
    assert_eq!(read.str("/data/order/status"), "CANCELLED");
    assert_eq!(read.at("/data/order/payments"), &json!([{ "status": "REFUND_DUE" }]));
    assert_eq!(event_count(&app, &order).await, before + 1, "only the PAYMENT_REFUND_DUE event");
}

#[tokio::test]
async fn a_cancellation_racing_a_confirmation_leaves_a_paid_order_or_a_voided_or_refund_due_payment() {
    let app = manual_app().await;
    let (advertiser, order, payment, _) = pending_payment(&app).await;
    let (cancel, confirm) = tokio::join!(
        app.gql(Some(&advertiser.token), CANCEL, json!({ "i": { "orderId": order, "reason": "Plans changed" } })),
        app.gql(Some(&advertiser.token), CONFIRM, json!({ "i": { "paymentId": payment } })),
    );
    let read = app.gql(Some(&advertiser.token), PAYMENTS, json!({ "id": order })).await;
    let outcome = (read.str("/data/order/status"), read.at("/data/order/payments/0/status").clone());
    match outcome.0.as_str() {
        // The confirmation saw the voided payment and was refused, or it was decided after the
        // cancellation under the order's lock: the money is recorded as due back.
        "CANCELLED" if outcome.1 == json!("VOIDED") => {
            assert!(confirm.error_code().is_some(), "the confirmation lost: {:?}", confirm.error_code());
        }
        "CANCELLED" => {
            assert_eq!(outcome.1, json!("REFUND_DUE"));
            confirm.assert_ok();
        }
        "PAYMENT_RECEIVED" => {
            assert_eq!(outcome.1, json!("SUCCEEDED"));
            cancel.assert_code("INVALID_TRANSITION");
        }
        other => panic!("unexpected status {other}"),
    }
    let breaches = app.state.store.money_invariant_violations().await.unwrap();
    assert!(breaches.is_empty(), "{breaches:?}");
}
