//! Subscriptions over real websockets: payloads, resuming from a cursor, the viewer's feed,
//! authorisation and log-out.

use serde_json::{Value, json};

use crate::helpers::{Gql, TestApp, TestUser};
use crate::wsclient::{WsClient, WsEvent};

const ORDER_EVENTS: &str =
    "subscription($o: ID!, $a: String) { orderEvents(orderId: $o, after: $a) { id cursor seq kind fromStatus toStatus details } }";

/// Places an order on `space` as `advertiser`.
async fn place(app: &TestApp, advertiser: &TestUser, space: &str) -> Gql {
    let input = json!({ "i": { "adSpaceId": space, "brief": "Show our granola in a morning reel" } });
    app.gql(Some(&advertiser.token), "mutation($i: PlaceOrderInput!) { placeOrder(input: $i) { order { id } } }", input).await
}

/// A new advertiser, influencer and a pending order between them.
async fn pending_order(app: &TestApp) -> (TestUser, TestUser, String) {
    let influencer = app.influencer().await;
    let advertiser = app.advertiser().await;
    let space = app.ad_space_of(&influencer, 15000, "EUR").await;
    let res = place(app, &advertiser, &space).await;
    res.assert_ok();
    (advertiser, influencer, res.str("/data/placeOrder/order/id"))
}

/// Accepts the order as the influencer.
async fn accept(app: &TestApp, influencer: &TestUser, order: &str) -> Gql {
    let input = json!({ "i": { "orderId": order } });
    app.gql(Some(&influencer.token), "mutation($i: OrderActionInput!) { acceptOrder(input: $i) { order { status } } }", input).await
}

/// The `orderEvents` payload of the next `next` message for subscription `id`.
async fn next_event(ws: &mut WsClient, id: &str, field: &str) -> Value {
    let msg = ws.next_message().await;
    assert_eq!(msg["type"], "next", "{msg}");
    assert_eq!(msg["id"], id, "{msg}");
    assert!(msg["payload"].get("errors").is_none(), "{msg}");
    msg["payload"]["data"][field].clone()
}

#[tokio::test]
async fn a_participant_sees_a_status_change_live_with_its_payload() {
    let app = TestApp::spawn().await;
    let (advertiser, influencer, order) = pending_order(&app).await;
    let mut ws = WsClient::connect_and_init(&app.ws_url(), Some(&advertiser.token)).await;
    ws.subscribe("1", ORDER_EVENTS, json!({ "o": order })).await;
    app.subscriptions_live(1).await;
    accept(&app, &influencer, &order).await.assert_ok();
    let event = next_event(&mut ws, "1", "orderEvents").await;
    assert_eq!(event["kind"], "STATUS_CHANGED", "{event}");
    assert_eq!(event["fromStatus"], "PENDING", "{event}");
    assert_eq!(event["toStatus"], "PAYMENT_REQUIRED", "{event}");
    assert_eq!(event["details"]["action"], "ACCEPT", "{event}");
    assert!(event["cursor"].is_string());
}

#[tokio::test]
async fn a_client_resuming_from_a_cursor_gets_exactly_the_events_after_it_then_live_ones() {
    let app = TestApp::spawn().await;
    let (advertiser, influencer, order) = pending_order(&app).await;
    let mut ws = WsClient::connect_and_init(&app.ws_url(), Some(&advertiser.token)).await;
    ws.subscribe("all", ORDER_EVENTS, json!({ "o": order, "a": null })).await;
    app.subscriptions_live(1).await;
    accept(&app, &influencer, &order).await.assert_ok();
    let accepted = next_event(&mut ws, "all", "orderEvents").await;
    drop(ws);

    // From the very first event: the placement, then the acceptance, then live ones.
    let mut ws = WsClient::connect_and_init(&app.ws_url(), Some(&advertiser.token)).await;
    let first = app
        .gql(Some(&advertiser.token), "query($o: ID!) { node(id: $o) { ... on Order { events { cursor seq } } } }", json!({ "o": order }))
        .await;
    first.assert_ok();
    let first_cursor = first.str("/data/node/events/0/cursor");
    ws.subscribe("r", ORDER_EVENTS, json!({ "o": order, "a": first_cursor })).await;
    let mut seqs = Vec::new();
    let mut last = Value::Null;
    while last["id"] != accepted["id"] {
        last = next_event(&mut ws, "r", "orderEvents").await;
        seqs.push(last["seq"].as_i64().unwrap());
    }
    assert!(seqs.windows(2).all(|w| w[1] == w[0] + 1), "in order without gaps: {seqs:?}");
    assert!(ws.is_quiet_for(std::time::Duration::from_millis(700)).await, "nothing is sent twice");
}

#[tokio::test]
async fn my_order_events_shows_a_new_order_without_resubscribing() {
    let app = TestApp::spawn().await;
    let influencer = app.influencer().await;
    let advertiser = app.advertiser().await;
    let space = app.ad_space_of(&influencer, 15000, "EUR").await;
    let mut ws = WsClient::connect_and_init(&app.ws_url(), Some(&influencer.token)).await;
    ws.subscribe("mine", "subscription { myOrderEvents { kind orderId } }", json!({})).await;
    app.subscriptions_live(1).await;
    let placed = place(&app, &advertiser, &space).await;
    placed.assert_ok();
    let event = next_event(&mut ws, "mine", "myOrderEvents").await;
    assert_eq!(event["kind"], "ORDER_PLACED", "{event}");
    assert_eq!(event["orderId"], placed.str("/data/placeOrder/order/id").as_str());
}

#[tokio::test]
async fn a_non_participant_cannot_subscribe_to_an_order() {
    let app = TestApp::spawn().await;
    let (_, _, order) = pending_order(&app).await;
    let stranger = app.advertiser().await;
    let mut ws = WsClient::connect_and_init(&app.ws_url(), Some(&stranger.token)).await;
    ws.subscribe("1", ORDER_EVENTS, json!({ "o": order })).await;
    let msg = ws.next_message().await;
    assert_eq!(msg["payload"]["data"], Value::Null, "no data: {msg}");
    let code = msg["payload"]["errors"][0]["extensions"]["code"].as_str().unwrap_or_default();
    assert!(code == "FORBIDDEN" || code == "NOT_FOUND", "{msg}");
    let end = ws.next_message().await;
    assert_eq!(end["type"], "complete", "and no stream: {end}");
}

#[tokio::test]
async fn logging_out_ends_the_sessions_streams() {
    let app = TestApp::spawn_with(|c| c.ws_ping_secs = 1).await;
    let (advertiser, _, order) = pending_order(&app).await;
    let mut ws = WsClient::connect_and_init(&app.ws_url(), Some(&advertiser.token)).await;
    ws.subscribe("1", ORDER_EVENTS, json!({ "o": order })).await;
    app.gql(Some(&advertiser.token), "mutation { logOut { revoked } }", json!({})).await.assert_ok();
    assert_eq!(ws.next_event_within(std::time::Duration::from_secs(5)).await, WsEvent::Closed(4403));
}

#[tokio::test]
async fn the_graphql_ws_client_receives_a_live_order_event() {
    let app = TestApp::spawn().await;
    let (advertiser, influencer, order) = pending_order(&app).await;
    tokio::task::spawn_blocking(crate::clients::node_dir).await.unwrap();
    let node = {
        let args = vec![app.ws_url(), advertiser.token.clone(), order.clone()];
        tokio::spawn(async move { crate::clients::run_node("ws-live.mjs", &args).await })
    };
    app.subscriptions_live(1).await;
    accept(&app, &influencer, &order).await.assert_ok();
    let out = node.await.unwrap();
    assert!(out.contains(r#"event {"kind":"STATUS_CHANGED","toStatus":"PAYMENT_REQUIRED"}"#), "{out}");
}

#[tokio::test]
async fn graphiqls_own_fetcher_subscribes_with_the_headers_tab_token_and_receives_a_live_event() {
    let app = TestApp::spawn().await;
    let (advertiser, influencer, order) = pending_order(&app).await;
    tokio::task::spawn_blocking(crate::clients::node_dir).await.unwrap();
    let node = {
        let args = vec![format!("{}/graphql", app.base), app.ws_url(), advertiser.token.clone(), order.clone()];
        tokio::spawn(async move { crate::clients::run_node("graphiql-live.mjs", &args).await })
    };
    app.subscriptions_live(1).await;
    accept(&app, &influencer, &order).await.assert_ok();
    let out = node.await.unwrap();
    assert!(out.contains(r#"me {"me":{"role":"ADVERTISER"}}"#), "{out}");
    assert!(out.contains(r#"event {"kind":"STATUS_CHANGED","toStatus":"PAYMENT_REQUIRED"}"#), "{out}");
}

#[tokio::test]
async fn a_subscriber_on_instance_a_sees_every_change_made_on_instance_b_in_order() {
    let a = TestApp::spawn().await;
    let b = a.another_instance().await;
    let (advertiser, influencer, order) = pending_order(&a).await;
    let mut ws = WsClient::connect_and_init(&a.ws_url(), Some(&advertiser.token)).await;
    ws.subscribe("1", ORDER_EVENTS, json!({ "o": order })).await;
    a.subscriptions_live(1).await;
    accept(&b, &influencer, &order).await.assert_ok();
    let input = json!({ "i": { "orderId": order, "idempotencyKey": "k1" } });
    let paid = b.gql(Some(&advertiser.token), "mutation($i: PayOrderInput!) { payOrder(input: $i) { order { status } } }", input).await;
    paid.assert_ok();
    let events =
        b.gql(Some(&advertiser.token), "query($o: ID!) { node(id: $o) { ... on Order { events { id } } } }", json!({ "o": order })).await;
    let ids: Vec<Value> = events.at("/data/node/events").as_array().unwrap().iter().skip(1).map(|e| e["id"].clone()).collect();
    assert!(ids.len() >= 2, "{}", events.body);
    for id in ids {
        assert_eq!(next_event(&mut ws, "1", "orderEvents").await["id"], id);
    }
    assert!(ws.is_quiet_for(std::time::Duration::from_millis(700)).await, "nothing is sent twice");
}
