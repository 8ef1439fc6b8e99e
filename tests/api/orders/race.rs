//! Racing transitions from two clients: exactly one wins, the other is told what it found.

use serde_json::json;

use super::support::*;
use crate::helpers::TestApp;

#[tokio::test]
async fn a_decline_racing_a_cancel_lets_exactly_one_win() {
    let app = TestApp::spawn().await;
    for _ in 0..5 {
        let (advertiser, influencer, order) = pending_order(&app).await;
        let (a, c) = tokio::join!(
            act(&app, &influencer, "declineOrder", "OrderReasonInput", &order, json!({ "reason": "Booked" })),
            act(&app, &advertiser, "cancelOrder", "OrderReasonInput", &order, json!({ "reason": "Too slow" })),
        );
        let (winner, loser, found) = match (a.error_code(), c.error_code()) {
            (None, Some(_)) => (a, c, "DECLINED"),
            (Some(_), None) => (c, a, "CANCELLED"),
            _ => panic!("exactly one must win: {} / {}", a.body, c.body),
        };
        winner.assert_ok();
        loser.assert_code("INVALID_TRANSITION");
        assert!(loser.error_message().contains(found), "{}", loser.error_message());
        let status = read(&app, &advertiser, &order).await.str("/data/order/status");
        assert_eq!(status, found);
        assert_eq!(event_count(&app, &order).await, 3, "one placement, its first message and one change");
    }
}

#[tokio::test]
async fn two_identical_clicks_change_the_order_once() {
    let app = TestApp::spawn().await;
    let (advertiser, influencer, order) = processing_order(&app).await;
    let before = event_count(&app, &order).await;
    let (a, b) = tokio::join!(complete(&app, &influencer, &order), complete(&app, &influencer, &order));
    let oks = [&a, &b].iter().filter(|r| r.error_code().is_none()).count();
    assert_eq!(oks, 1, "{} / {}", a.body, b.body);
    let loser = if a.error_code().is_some() { a } else { b };
    loser.assert_code("INVALID_TRANSITION");
    assert!(loser.error_message().contains("COMPLETED"));
    assert_eq!(event_count(&app, &order).await, before + 1);
    let proofs = app.gql(Some(&advertiser.token), "query($id: ID!) { order(id: $id) { proofs { url } } }", json!({ "id": order })).await;
    assert_eq!(proofs.at("/data/order/proofs").as_array().unwrap().len(), 1, "the loser wrote no proof");
}

#[tokio::test]
async fn two_different_payments_at_once_create_only_one() {
    let app = TestApp::spawn_with(|c| c.sandbox_payments = adbridge::config::SandboxMode::Manual).await;
    let (advertiser, influencer, order) = pending_order(&app).await;
    accept(&app, &influencer, &order).await.assert_ok();
    let (a, b) = tokio::join!(pay(&app, &advertiser, &order, "key-a"), pay(&app, &advertiser, &order, "key-b"));
    let oks = [&a, &b].iter().filter(|r| r.error_code().is_none()).count();
    assert_eq!(oks, 1, "{} / {}", a.body, b.body);
    let loser = if a.error_code().is_some() { a } else { b };
    loser.assert_code("CONFLICT");
    let payments = app.gql(Some(&advertiser.token), "query($id: ID!) { order(id: $id) { payments { id } } }", json!({ "id": order })).await;
    assert_eq!(payments.at("/data/order/payments").as_array().unwrap().len(), 1);
}
