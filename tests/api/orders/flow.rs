//! The state machine over HTTP: the happy path and every branch of the table.

use serde_json::json;

use adbridge::domain::clock::Clock;

use super::support::*;
use crate::helpers::TestApp;

#[tokio::test]
async fn an_order_walks_from_pending_to_verified_and_its_history_tells_the_story() {
    let app = TestApp::spawn().await;
    let influencer = app.influencer().await;
    let advertiser = app.advertiser().await;
    let space = app.ad_space_of(&influencer, 15000, "EUR").await;

    let placed = place(&app, &advertiser, &space).await;
    placed.assert_ok();
    let order = placed.str("/data/placeOrder/order/id");
    assert_eq!(placed.str("/data/placeOrder/order/status"), "PENDING");
    assert_eq!(placed.at("/data/placeOrder/order/price"), &json!({ "amountMinor": 15000, "currency": "EUR" }));
    assert_eq!(placed.at("/data/placeOrder/order/revisionsIncluded"), &json!(2));
    assert_eq!(placed.str("/data/placeOrder/order/deadlines/0/kind"), "ANSWER");
    assert_eq!(placed.str("/data/placeOrder/order/deadlines/0/then"), "EXPIRED");
    assert_eq!(placed.at("/data/placeOrder/order/availableActions"), &json!(["CANCEL"]));

    let pending = read(&app, &influencer, &order).await;
    assert_eq!(pending.at("/data/order/availableActions"), &json!(["ACCEPT", "DECLINE", "CANCEL"]));

    assert_eq!(status_of(&accept(&app, &influencer, &order).await, "acceptOrder"), "PAYMENT_REQUIRED");
    let paid = pay(&app, &advertiser, &order, "key-1").await;
    paid.assert_ok();
    assert_eq!(paid.str("/data/payOrder/order/status"), "PAYMENT_RECEIVED");
    assert_eq!(paid.str("/data/payOrder/payment/status"), "SUCCEEDED");
    assert_eq!(paid.at("/data/payOrder/payment/amount"), &json!({ "amountMinor": 15000, "currency": "EUR" }));
    let started = act(&app, &influencer, "startWork", "OrderActionInput", &order, json!({})).await;
    assert_eq!(status_of(&started, "startWork"), "PROCESSING");
    let completed = complete(&app, &influencer, &order).await;
    assert_eq!(status_of(&completed, "completeOrder"), "COMPLETED");
    assert_eq!(completed.str("/data/completeOrder/order/deadlines/0/kind"), "REVIEW");
    let verified = act(&app, &advertiser, "verifyDelivery", "OrderActionInput", &order, json!({})).await;
    assert_eq!(status_of(&verified, "verifyDelivery"), "VERIFIED");
    let running: Vec<&str> =
        verified.at("/data/verifyDelivery/order/deadlines").as_array().unwrap().iter().map(|d| d["kind"].as_str().unwrap()).collect();
    assert_eq!(running, ["RATING"], "only the rating window runs on after verification");
    assert_eq!(verified.at("/data/verifyDelivery/order/availableActions"), &json!([]));

    let story = read(&app, &advertiser, &order).await;
    story.assert_ok();
    assert_eq!(
        history(&story, "/data/order/events"),
        [
            "ORDER_PLACED:PENDING",
            "MESSAGE_POSTED:-",
            "STATUS_CHANGED:PAYMENT_REQUIRED",
            "PAYMENT_CREATED:-",
            "STATUS_CHANGED:PAYMENT_RECEIVED",
            "STATUS_CHANGED:PROCESSING",
            "STATUS_CHANGED:COMPLETED",
            "STATUS_CHANGED:VERIFIED",
        ]
    );
    let events = story.at("/data/order/events").as_array().unwrap();
    let seqs: Vec<i64> = events.iter().map(|e| e["seq"].as_i64().unwrap()).collect();
    assert_eq!(seqs, [1, 2, 3, 4, 5, 6, 7, 8]);
    assert_eq!(events[2]["actor"]["id"], json!(influencer.id));
    assert_eq!(events[2]["fromStatus"], json!("PENDING"));
    assert_eq!(events[7]["actor"]["id"], json!(advertiser.id));
    assert!(events[3]["details"]["paymentId"].is_string(), "details carry global ids: {}", events[3]);
}

#[tokio::test]
async fn the_influencer_declines_with_a_reason_and_a_missing_reason_writes_nothing() {
    let app = TestApp::spawn().await;
    let (_, influencer, order) = pending_order(&app).await;
    let before = event_count(&app, &order).await;
    let blank = act(&app, &influencer, "declineOrder", "OrderReasonInput", &order, json!({ "reason": "  " })).await;
    blank.assert_code("BAD_USER_INPUT");
    assert_eq!(blank.error_field(), Some("reason"));
    assert_eq!(event_count(&app, &order).await, before);

    let declined = act(&app, &influencer, "declineOrder", "OrderReasonInput", &order, json!({ "reason": "Fully booked" })).await;
    assert_eq!(status_of(&declined, "declineOrder"), "DECLINED");
    let events = declined.at("/data/declineOrder/order/events").as_array().unwrap().clone();
    assert_eq!(events.last().unwrap()["reason"], json!("Fully booked"));
}

#[tokio::test]
async fn either_party_cancels_before_payment_but_not_after() {
    let app = TestApp::spawn().await;
    let (advertiser, _, order) = pending_order(&app).await;
    let cancelled = act(&app, &advertiser, "cancelOrder", "OrderReasonInput", &order, json!({ "reason": "Budget cut" })).await;
    assert_eq!(status_of(&cancelled, "cancelOrder"), "CANCELLED");

    let (_, influencer, order) = pending_order(&app).await;
    accept(&app, &influencer, &order).await.assert_ok();
    let cancelled = act(&app, &influencer, "cancelOrder", "OrderReasonInput", &order, json!({ "reason": "Sick" })).await;
    assert_eq!(status_of(&cancelled, "cancelOrder"), "CANCELLED");

    let (advertiser, _, order) = processing_order(&app).await;
    let late = act(&app, &advertiser, "cancelOrder", "OrderReasonInput", &order, json!({ "reason": "Changed my mind" })).await;
    late.assert_code("INVALID_TRANSITION");
    assert!(late.error_message().contains("PROCESSING"), "{}", late.error_message());
}

#[tokio::test]
async fn an_unanswered_order_expires_when_its_answer_window_ends() {
    let app = TestApp::spawn().await;
    let (advertiser, _, order) = pending_order(&app).await;
    let orders = &app.state.services.orders;
    assert_eq!(orders.sweep_due(app.clock.now()).await.unwrap().expired, 0);
    app.clock.advance(chrono::Duration::hours(73));
    let report = orders.sweep_due(app.clock.now()).await.unwrap();
    assert_eq!(report.expired, 1);
    assert_eq!(orders.sweep_due(app.clock.now()).await.unwrap().expired, 0, "a second sweep moves nothing");
    let res = read(&app, &advertiser, &order).await;
    assert_eq!(res.str("/data/order/status"), "EXPIRED");
    assert_eq!(res.at("/data/order/deadlines"), &json!([]));
    let events = res.at("/data/order/events").as_array().unwrap();
    assert_eq!(events.last().unwrap()["actor"], json!(null));
    assert_eq!(events.last().unwrap()["details"]["deadline"], json!("ANSWER"));
}

#[tokio::test]
async fn an_undisputed_delivery_is_verified_when_its_review_window_ends_even_with_two_sweepers() {
    let app = TestApp::spawn().await;
    let (advertiser, _, order) = completed_order(&app).await;
    let other = app.another_instance().await;
    app.clock.advance(chrono::Duration::hours(71));
    assert_eq!(app.state.services.orders.sweep_due(app.clock.now()).await.unwrap().verified, 0);
    app.clock.advance(chrono::Duration::hours(2));
    let now = app.clock.now();
    let (a, b) = tokio::join!(app.state.services.orders.sweep_due(now), other.state.services.orders.sweep_due(now));
    assert_eq!(a.unwrap().verified + b.unwrap().verified, 1);
    let res = read(&app, &advertiser, &order).await;
    assert_eq!(res.str("/data/order/status"), "VERIFIED");
    let verified_events = history(&res, "/data/order/events").iter().filter(|e| e.ends_with(":VERIFIED")).count();
    assert_eq!(verified_events, 1);
}

#[tokio::test]
async fn a_dispute_is_reworked_and_completed_again() {
    let app = TestApp::spawn().await;
    let (advertiser, influencer, order) = completed_order(&app).await;
    let disputed = act(&app, &advertiser, "disputeOrder", "OrderReasonInput", &order, json!({ "reason": "Logo missing" })).await;
    assert_eq!(status_of(&disputed, "disputeOrder"), "DISPUTED");
    let running: Vec<&str> =
        disputed.at("/data/disputeOrder/order/deadlines").as_array().unwrap().iter().map(|d| d["kind"].as_str().unwrap()).collect();
    assert_eq!(running, ["RATING"], "a dispute stops the review deadline, not the rating window");
    let reworked = act(&app, &influencer, "reworkOrder", "OrderActionInput", &order, json!({})).await;
    assert_eq!(status_of(&reworked, "reworkOrder"), "PROCESSING");
    assert_eq!(status_of(&complete(&app, &influencer, &order).await, "completeOrder"), "COMPLETED");
}

#[tokio::test]
async fn an_escalated_dispute_is_released_by_an_admin() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let (advertiser, influencer, order) = completed_order(&app).await;
    act(&app, &advertiser, "disputeOrder", "OrderReasonInput", &order, json!({ "reason": "Too short" })).await.assert_ok();
    let held = act(&app, &influencer, "escalateOrder", "OrderActionInput", &order, json!({ "reason": "It is as agreed" })).await;
    assert_eq!(status_of(&held, "escalateOrder"), "ON_HOLD");
    let admin_view = read(&app, &admin, &order).await;
    assert_eq!(admin_view.at("/data/order/availableActions"), &json!(["RELEASE", "REFUND"]));
    let released = act(&app, &admin, "resolveOrder", "ResolveOrderInput", &order, json!({ "resolution": "RELEASE" })).await;
    assert_eq!(status_of(&released, "resolveOrder"), "VERIFIED");
}

#[tokio::test]
async fn an_escalated_dispute_is_refunded_by_an_admin_and_the_payment_is_marked_refunded() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let (advertiser, _, order) = completed_order(&app).await;
    act(&app, &advertiser, "disputeOrder", "OrderReasonInput", &order, json!({ "reason": "Not posted" })).await.assert_ok();
    act(&app, &advertiser, "escalateOrder", "OrderActionInput", &order, json!({})).await.assert_ok();
    let refunded =
        act(&app, &admin, "resolveOrder", "ResolveOrderInput", &order, json!({ "resolution": "REFUND", "reason": "No proof" })).await;
    assert_eq!(status_of(&refunded, "resolveOrder"), "REFUNDED");
    let payments =
        app.gql(Some(&advertiser.token), "query($id: ID!) { order(id: $id) { payments { status } } }", json!({ "id": order })).await;
    assert_eq!(payments.at("/data/order/payments"), &json!([{ "status": "REFUNDED" }]));
    let story = read(&app, &advertiser, &order).await;
    let h = history(&story, "/data/order/events");
    assert_eq!(&h[h.len() - 2..], ["PAYMENT_REFUNDED:-", "STATUS_CHANGED:REFUNDED"]);
}

#[tokio::test]
async fn an_admin_holds_an_unpaid_order_and_a_refund_cancels_it_while_a_release_is_refused() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let (_, _, order) = pending_order(&app).await;
    let blank = act(&app, &admin, "holdOrder", "OrderReasonInput", &order, json!({ "reason": "" })).await;
    blank.assert_code("BAD_USER_INPUT");
    let held = act(&app, &admin, "holdOrder", "OrderReasonInput", &order, json!({ "reason": "Reported as spam" })).await;
    assert_eq!(status_of(&held, "holdOrder"), "ON_HOLD");
    assert_eq!(held.at("/data/holdOrder/order/deadlines"), &json!([]), "a held order does not expire");
    let release = act(&app, &admin, "resolveOrder", "ResolveOrderInput", &order, json!({ "resolution": "RELEASE" })).await;
    release.assert_code("INVALID_TRANSITION");
    let refunded = act(&app, &admin, "resolveOrder", "ResolveOrderInput", &order, json!({ "resolution": "REFUND" })).await;
    assert_eq!(status_of(&refunded, "resolveOrder"), "CANCELLED");
}

#[tokio::test]
async fn completing_needs_a_proof_with_an_http_url_and_a_note_and_refusals_write_nothing() {
    let app = TestApp::spawn().await;
    let (_, influencer, order) = processing_order(&app).await;
    let before = event_count(&app, &order).await;
    let cases = [
        (json!({ "proofs": [], "note": "Done" }), "proofs"),
        (json!({ "proofs": [{ "kind": "LINK", "url": "ftp://example.com/x" }], "note": "Done" }), "proofs"),
        (json!({ "proofs": [{ "kind": "SCREENSHOT", "url": "https://example.com/x.png" }], "note": " " }), "note"),
    ];
    for (input, field) in cases {
        let res = act(&app, &influencer, "completeOrder", "CompleteOrderInput", &order, input).await;
        res.assert_code("BAD_USER_INPUT");
        assert_eq!(res.error_field(), Some(field));
    }
    assert_eq!(event_count(&app, &order).await, before);
    assert_eq!(read(&app, &influencer, &order).await.str("/data/order/status"), "PROCESSING");
}

#[tokio::test]
async fn placing_twice_with_the_same_key_gives_the_same_order() {
    let app = TestApp::spawn().await;
    let influencer = app.influencer().await;
    let advertiser = app.advertiser().await;
    let space = app.ad_space_of(&influencer, 9900, "USD").await;
    let q = "mutation($i: PlaceOrderInput!) { placeOrder(input: $i) { order { id price { amountMinor currency } } } }";
    let input = json!({ "i": { "adSpaceId": space, "brief": "A reel", "idempotencyKey": "k-1" } });
    let (a, b) = tokio::join!(app.gql(Some(&advertiser.token), q, input.clone()), app.gql(Some(&advertiser.token), q, input.clone()));
    a.assert_ok();
    b.assert_ok();
    assert_eq!(a.str("/data/placeOrder/order/id"), b.str("/data/placeOrder/order/id"));
    assert_eq!(a.at("/data/placeOrder/order/price"), &json!({ "amountMinor": 9900, "currency": "USD" }));
    let list = app.gql(Some(&advertiser.token), "{ myOrders { edges { node { id } } } }", json!({})).await;
    assert_eq!(list.at("/data/myOrders/edges").as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn bad_orders_are_refused_and_nothing_is_written() {
    let app = TestApp::spawn().await;
    let influencer = app.influencer().await;
    let advertiser = app.advertiser().await;
    let space = app.ad_space_of(&influencer, 15000, "EUR").await;
    let q = "mutation($i: PlaceOrderInput!) { placeOrder(input: $i) { order { id } } }";
    let long = "x".repeat(5001);
    let cases = [
        (json!({ "adSpaceId": space, "brief": "" }), "BAD_USER_INPUT", Some("brief")),
        (json!({ "adSpaceId": space, "brief": long }), "BAD_USER_INPUT", Some("brief")),
        (
            json!({ "adSpaceId": space, "brief": "ok", "portfolioReference": "javascript:alert(1)" }),
            "BAD_USER_INPUT",
            Some("portfolioReference"),
        ),
        (json!({ "adSpaceId": "nope", "brief": "ok" }), "BAD_USER_INPUT", Some("adSpaceId")),
        (json!({ "adSpaceId": adbridge::graphql::relay::to_global("AdSpace", 999_999).0, "brief": "ok" }), "NOT_FOUND", None),
    ];
    for (input, code, field) in cases {
        let res = app.gql(Some(&advertiser.token), q, json!({ "i": input })).await;
        res.assert_code(code);
        assert_eq!(res.error_field(), field, "{}", res.body);
    }
    let as_influencer = app.gql(Some(&influencer.token), q, json!({ "i": { "adSpaceId": space, "brief": "ok" } })).await;
    as_influencer.assert_code("FORBIDDEN");
    app.gql(None, q, json!({ "i": { "adSpaceId": space, "brief": "ok" } })).await.assert_code("UNAUTHENTICATED");

    archive(&app, &space).await;
    let archived = app.gql(Some(&advertiser.token), q, json!({ "i": { "adSpaceId": space, "brief": "ok" } })).await;
    archived.assert_code("BAD_USER_INPUT");
    assert_eq!(archived.error_field(), Some("adSpaceId"));
    let list = app.gql(Some(&advertiser.token), "{ myOrders { edges { node { id } } } }", json!({})).await;
    assert_eq!(list.at("/data/myOrders/edges"), &json!([]));
}

async fn archive(app: &TestApp, space: &str) {
    use adbridge::store::entities::ad_space;
    use sea_orm::{ActiveModelTrait, Set};
    let id = adbridge::graphql::relay::from_global("id", "AdSpace", &async_graphql::ID(space.to_owned())).unwrap();
    let row = ad_space::ActiveModel { id: sea_orm::Unchanged(id), archived_at: Set(Some(chrono::Utc::now())), ..Default::default() };
    row.update(app.state.store.db()).await.unwrap();
}
