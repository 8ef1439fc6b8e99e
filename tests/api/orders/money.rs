//! Money under races: payments racing cancellations, the same key twice at once, confirmations
//! while held or too late, and the revision figures. After every race the money invariants
//! (docs/architecture.md) are checked against the database.

use adbridge::config::SandboxMode;
use adbridge::domain::clock::Clock;
use adbridge::domain::orders::webhook::sign;
use serde_json::{Value, json};

use super::support::*;
use crate::helpers::{TestApp, TestUser};

/// Enough rounds to catch an interleaving that happens one time in ten.
const ROUNDS: usize = 20;

/// Panics with every breach of the money invariants.
async fn assert_books_balance(app: &TestApp) {
    let breaches = app.state.store.money_invariant_violations().await.expect("the invariants can be checked");
    assert!(breaches.is_empty(), "money invariants broken: {breaches:#?}");
}

async fn webhook(app: &TestApp, kind: &str, provider_ref: &str) -> (u16, Value) {
    let body =
        json!({ "id": format!("evt_{}", uuid::Uuid::new_v4().simple()), "type": kind, "data": { "paymentRef": provider_ref } }).to_string();
    let ts = app.clock.now().timestamp();
    let res = app
        .http
        .post(format!("{}/webhooks/payments", app.base))
        .header("content-type", "application/json")
        .header("Adbridge-Timestamp", ts.to_string())
        .header("Adbridge-Signature", sign(app.config.webhook_secret.as_deref().unwrap(), ts, body.as_bytes()))
        .body(body)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn payments_of(app: &TestApp, user: &TestUser, order: &str) -> Vec<Value> {
    let q = "query($id: ID!) { order(id: $id) { status payments { id status providerRef } events { kind details } } }";
    let res = app.gql(Some(&user.token), q, json!({ "id": order })).await;
    res.assert_ok();
    res.at("/data/order/payments").as_array().unwrap().clone()
}

async fn order_events(app: &TestApp, user: &TestUser, order: &str) -> Vec<String> {
    let res = app.gql(Some(&user.token), "query($id: ID!) { order(id: $id) { events { kind } } }", json!({ "id": order })).await;
    res.at("/data/order/events").as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap().to_owned()).collect()
}

/// An accepted order (PAYMENT_REQUIRED) in a manual-sandbox app.
async fn payable(app: &TestApp) -> (TestUser, TestUser, String) {
    let (advertiser, influencer, order) = pending_order(app).await;
    accept(app, &influencer, &order).await.assert_ok();
    (advertiser, influencer, order)
}

#[tokio::test]
async fn a_payment_racing_a_cancellation_never_leaves_a_live_payment_on_a_cancelled_order() {
    let app = TestApp::spawn_with(|c| c.sandbox_payments = SandboxMode::Manual).await;
    for round in 0..ROUNDS {
        let (advertiser, _, order) = payable(&app).await;
        let key = format!("race-{round}");
        let (paid, cancelled) = tokio::join!(
            pay(&app, &advertiser, &order, &key),
            act(&app, &advertiser, "cancelOrder", "OrderReasonInput", &order, json!({ "reason": "Changed our plans" })),
        );
        assert_eq!(status_of(&cancelled, "cancelOrder"), "CANCELLED", "the cancellation always wins from PAYMENT_REQUIRED");
        let payments = payments_of(&app, &advertiser, &order).await;
        match paid.error_code() {
            // The payment came first: the cancellation voided it in its own transaction.
            None => {
                assert_eq!(payments.len(), 1);
                assert_eq!(payments[0]["status"], "VOIDED", "round {round}: {payments:?}");
                assert!(order_events(&app, &advertiser, &order).await.contains(&"PAYMENT_VOIDED".to_owned()));
                // The provider confirms it anyway: recorded as due back, not lost.
                let (status, body) = webhook(&app, "payment.succeeded", payments[0]["providerRef"].as_str().unwrap()).await;
                assert_eq!((status, body["outcome"].as_str()), (200, Some("refund_due")), "{body}");
            }
            // The cancellation came first: no payment was created.
            Some(code) => {
                assert_eq!(code, "INVALID_TRANSITION", "{}", paid.body);
                assert!(payments.is_empty(), "round {round}: {payments:?}");
            }
        }
        assert_books_balance(&app).await;
    }
}

#[tokio::test]
async fn two_payments_with_the_same_key_at_once_give_back_the_same_payment() {
    let app = TestApp::spawn().await;
    for round in 0..ROUNDS {
        let (advertiser, _, order) = payable(&app).await;
        let key = format!("same-{round}");
        let (a, b) = tokio::join!(pay(&app, &advertiser, &order, &key), pay(&app, &advertiser, &order, &key));
        a.assert_ok();
        b.assert_ok();
        assert_eq!(a.str("/data/payOrder/payment/id"), b.str("/data/payOrder/payment/id"), "round {round}");
        assert_eq!(b.str("/data/payOrder/order/status"), "PAYMENT_RECEIVED");
        assert_eq!(payments_of(&app, &advertiser, &order).await.len(), 1);
        assert_books_balance(&app).await;
    }
}

#[tokio::test]
async fn money_confirmed_while_the_order_is_on_hold_is_recorded_and_then_refunded_by_the_resolution() {
    let app = TestApp::spawn_with(|c| c.sandbox_payments = SandboxMode::Manual).await;
    let admin = app.admin().await;
    let (advertiser, _, order) = payable(&app).await;
    let res = pay(&app, &advertiser, &order, "held-1").await;
    let provider_ref = res.str("/data/payOrder/payment/providerRef");
    act(&app, &admin, "holdOrder", "OrderReasonInput", &order, json!({ "reason": "Checking the advertiser" })).await.assert_ok();
    let (status, body) = webhook(&app, "payment.succeeded", &provider_ref).await;
    assert_eq!((status, body["outcome"].as_str()), (200, Some("applied")), "{body}");
    let held = app
        .gql(Some(&admin.token), "query($id: ID!) { order(id: $id) { status paidAt payments { status } } }", json!({ "id": order }))
        .await;
    assert_eq!(held.str("/data/order/status"), "ON_HOLD");
    assert!(held.at("/data/order/paidAt").is_string(), "the order is paid: {}", held.body);
    assert_eq!(held.str("/data/order/payments/0/status"), "SUCCEEDED");
    assert!(order_events(&app, &admin, &order).await.contains(&"PAYMENT_SUCCEEDED".to_owned()));
    assert_books_balance(&app).await;
    let resolved = act(&app, &admin, "resolveOrder", "ResolveOrderInput", &order, json!({ "resolution": "REFUND" })).await;
    assert_eq!(status_of(&resolved, "resolveOrder"), "REFUNDED");
    assert_eq!(payments_of(&app, &admin, &order).await[0]["status"], "REFUNDED", "refunded, never voided");
    assert_books_balance(&app).await;
}

#[tokio::test]
async fn money_confirmed_while_on_hold_can_be_released_to_the_influencer() {
    let app = TestApp::spawn_with(|c| c.sandbox_payments = SandboxMode::Manual).await;
    let admin = app.admin().await;
    let (advertiser, _, order) = payable(&app).await;
    let provider_ref = pay(&app, &advertiser, &order, "held-2").await.str("/data/payOrder/payment/providerRef");
    act(&app, &admin, "holdOrder", "OrderReasonInput", &order, json!({ "reason": "Checking" })).await.assert_ok();
    assert_eq!(webhook(&app, "payment.succeeded", &provider_ref).await.0, 200);
    let released = act(&app, &admin, "resolveOrder", "ResolveOrderInput", &order, json!({ "resolution": "RELEASE" })).await;
    assert_eq!(status_of(&released, "resolveOrder"), "VERIFIED");
    assert_eq!(payments_of(&app, &admin, &order).await[0]["status"], "SUCCEEDED");
    assert_books_balance(&app).await;
}

#[tokio::test]
async fn a_confirmation_racing_a_cancellation_ends_paid_or_refund_due_never_lost() {
    let app = TestApp::spawn_with(|c| c.sandbox_payments = SandboxMode::Manual).await;
    for round in 0..ROUNDS {
        let (advertiser, _, order) = payable(&app).await;
        let provider_ref = pay(&app, &advertiser, &order, &format!("k-{round}")).await.str("/data/payOrder/payment/providerRef");
        let (hook, cancelled) = tokio::join!(
            webhook(&app, "payment.succeeded", &provider_ref),
            act(&app, &advertiser, "cancelOrder", "OrderReasonInput", &order, json!({ "reason": "Too late" })),
        );
        assert_eq!(hook.0, 200, "{}", hook.1);
        let payment = payments_of(&app, &advertiser, &order).await.remove(0);
        match cancelled.error_code() {
            None => assert_eq!((hook.1["outcome"].as_str(), payment["status"].as_str()), (Some("refund_due"), Some("REFUND_DUE"))),
            Some(code) => {
                assert_eq!(code, "INVALID_TRANSITION", "{}", cancelled.body);
                assert_eq!((hook.1["outcome"].as_str(), payment["status"].as_str()), (Some("applied"), Some("SUCCEEDED")));
            }
        }
        assert_books_balance(&app).await;
    }
}

#[tokio::test]
async fn a_late_confirmation_is_listed_for_admins_and_refunded_by_them() {
    let app = TestApp::spawn_with(|c| c.sandbox_payments = SandboxMode::Manual).await;
    let admin = app.admin().await;
    let (advertiser, _, order) = payable(&app).await;
    let res = pay(&app, &advertiser, &order, "late-1").await;
    let (payment, provider_ref) = (res.str("/data/payOrder/payment/id"), res.str("/data/payOrder/payment/providerRef"));
    act(&app, &advertiser, "cancelOrder", "OrderReasonInput", &order, json!({ "reason": "Changed our plans" })).await.assert_ok();
    let (status, body) = webhook(&app, "payment.succeeded", &provider_ref).await;
    assert_eq!((status, body["outcome"].as_str()), (200, Some("refund_due")));
    assert_eq!(webhook(&app, "payment.succeeded", &provider_ref).await.1["outcome"], "already_settled", "a replay changes nothing");
    let list = "{ refundDuePayments { id status orderId } }";
    app.gql(Some(&advertiser.token), list, json!({})).await.assert_code("FORBIDDEN");
    let due = app.gql(Some(&admin.token), list, json!({})).await;
    assert_eq!(due.at("/data/refundDuePayments"), &json!([{ "id": payment, "status": "REFUND_DUE", "orderId": order }]));
    assert!(order_events(&app, &advertiser, &order).await.contains(&"PAYMENT_REFUND_DUE".to_owned()));
    assert_books_balance(&app).await;
    let refund = "mutation($i: RefundPaymentInput!) { refundPayment(input: $i) { payment { status } order { status } } }";
    app.gql(Some(&advertiser.token), refund, json!({ "i": { "paymentId": payment } })).await.assert_code("FORBIDDEN");
    let done = app.gql(Some(&admin.token), refund, json!({ "i": { "paymentId": payment } })).await;
    assert_eq!(done.at("/data/refundPayment"), &json!({ "payment": { "status": "REFUNDED" }, "order": { "status": "CANCELLED" } }));
    app.gql(Some(&admin.token), refund, json!({ "i": { "paymentId": payment } })).await.assert_code("CONFLICT");
    assert_eq!(app.gql(Some(&admin.token), list, json!({})).await.at("/data/refundDuePayments"), &json!([]));
    assert_books_balance(&app).await;
}

#[tokio::test]
async fn granting_extra_revisions_reports_the_same_figures_on_the_payload_and_the_order() {
    let app = TestApp::spawn().await;
    let (_, influencer, order) = processing_order(&app).await;
    let q = "mutation($i: GrantExtraRevisionsInput!) { grantExtraRevisions(input: $i) { revisionsIncluded revisionsExtra revisionsAllowed \
             order { revisionsIncluded revisionsExtra revisionsAllowed } } }";
    let res = app.gql(Some(&influencer.token), q, json!({ "i": { "orderId": order, "extra": 2 } })).await;
    res.assert_ok();
    // The test ad spaces include two rounds.
    let figures = json!({ "revisionsIncluded": 2, "revisionsExtra": 2, "revisionsAllowed": 4 });
    let payload = res.at("/data/grantExtraRevisions");
    for key in ["revisionsIncluded", "revisionsExtra", "revisionsAllowed"] {
        assert_eq!(payload[key], figures[key], "payload {key}: {payload}");
        assert_eq!(payload["order"][key], figures[key], "order {key}: {payload}");
    }
    let read = app
        .gql(
            Some(&influencer.token),
            "query($id: ID!) { order(id: $id) { revisionsIncluded revisionsExtra revisionsAllowed } }",
            json!({ "id": order }),
        )
        .await;
    assert_eq!(read.at("/data/order"), &figures);
}
