//! Fan-out over websockets: one rendering per event and subscription shape, resources released
//! on `complete`, and a client that stops reading closed with 1013 without holding up others.

use std::time::Duration;

use adbridge::domain::Id;
use adbridge::graphql::relay::from_global;
use serde_json::{Value, json};

use crate::helpers::{TestApp, TestUser};
use crate::realtime::commit_on;
use crate::wsclient::{WsClient, WsEvent};

/// A subscription with an operation name, a variable, an alias, a fragment and `__typename`.
const SHAPED: &str = "subscription Live($o: ID!) { e: orderEvents(orderId: $o) { __typename ...F } }
    fragment F on OrderEvent { seq kind details actor { displayName } }";

/// A pending order placed over HTTP: its database id, its global id and its two parties.
async fn placed_order(app: &TestApp) -> (Id, String, TestUser, TestUser) {
    let (advertiser, influencer) = (app.advertiser().await, app.influencer().await);
    let space = app.ad_space_of(&influencer, 15000, "EUR").await;
    let input = json!({ "i": { "adSpaceId": space, "brief": "Show our granola in a morning reel" } });
    let placed = app.gql(Some(&advertiser.token), "mutation($i: PlaceOrderInput!) { placeOrder(input: $i) { order { id } } }", input).await;
    let order_id = placed.str("/data/placeOrder/order/id");
    (from_global("id", "Order", &async_graphql::ID(order_id.clone())).unwrap(), order_id, advertiser, influencer)
}

/// Waits until `check` holds (polling for up to 5 s).
async fn eventually(what: &str, check: impl Fn() -> bool) {
    for _ in 0..100 {
        if check() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{what} did not happen within 5 s");
}

/// The payload of the next `next` message of subscription `id`.
async fn next_payload(ws: &mut WsClient, id: &str) -> Value {
    let msg = ws.next_message().await;
    assert_eq!(msg["type"], "next", "{msg}");
    assert_eq!(msg["id"], id, "{msg}");
    msg["payload"].clone()
}

#[tokio::test]
async fn subscribers_of_one_shape_share_a_rendering_and_each_viewer_gets_its_own() {
    let app = TestApp::spawn().await;
    let (_, order_id, advertiser, influencer) = placed_order(&app).await;
    let mut same = Vec::new();
    for id in ["a", "b", "c"] {
        let mut ws = WsClient::connect_and_init(&app.ws_url(), Some(&advertiser.token)).await;
        ws.send(json!({ "type": "subscribe", "id": id, "payload": { "query": SHAPED, "operationName": "Live", "variables": { "o": order_id } } }))
            .await;
        same.push((id, ws));
    }
    let mut other = WsClient::connect_and_init(&app.ws_url(), Some(&influencer.token)).await;
    other.send(json!({ "type": "subscribe", "id": "z", "payload": { "query": SHAPED, "variables": { "o": order_id } } })).await;
    let live = &app.state.live;
    app.subscriptions_live(4).await;
    assert_eq!(live.shape_count(), 2, "one shape per viewer and operation");

    let body = json!({ "i": { "orderId": order_id, "body": "Is Tuesday fine for the reel?" } });
    app.gql(Some(&advertiser.token), "mutation($i: SendMessageInput!) { sendMessage(input: $i) { message { id } } }", body)
        .await
        .assert_ok();
    let mut payloads = Vec::new();
    for (id, ws) in &mut same {
        payloads.push(next_payload(ws, id).await);
    }
    let theirs = next_payload(&mut other, "z").await;
    let e = &payloads[0]["data"]["e"];
    assert_eq!(e["__typename"], "OrderEvent", "{e}");
    assert_eq!(e["kind"], "MESSAGE_POSTED", "{e}");
    assert_eq!(e["seq"], 2, "the message follows the placement: {e}");
    assert_eq!(e["actor"]["displayName"], advertiser_name(&app, &advertiser.token).await, "{e}");
    assert!(e["details"]["messageId"].is_string(), "ids in details are global ids: {e}");
    assert!(payloads.iter().all(|p| p == &payloads[0]), "one shape, one payload: {payloads:?}");
    assert_eq!(theirs, payloads[0], "the other party sees the same event");
    assert!(payloads[0].get("errors").is_none());
}

async fn advertiser_name(app: &TestApp, token: &str) -> Value {
    app.gql(Some(token), "{ me { displayName } }", json!({})).await.at("/data/me/displayName").clone()
}

#[tokio::test]
async fn completing_a_subscription_releases_its_topic_and_its_shape() {
    let app = TestApp::spawn().await;
    let (order, order_id, advertiser, _) = placed_order(&app).await;
    let mut ws = WsClient::connect_and_init(&app.ws_url(), Some(&advertiser.token)).await;
    ws.subscribe("1", SHAPED, json!({ "o": order_id })).await;
    let (hub, live) = (app.state.realtime.hub.clone(), &app.state.live);
    eventually("the subscription is live", || hub.topic_count() == 1 && live.shape_count() == 1).await;
    ws.send(json!({ "type": "complete", "id": "1" })).await;
    eventually("the topic and the shape are released", || hub.topic_count() == 0 && live.shape_count() == 0).await;
    // The id is free again, and a new subscription under it works.
    ws.subscribe("1", SHAPED, json!({ "o": order_id })).await;
    app.subscriptions_live(1).await;
    commit_on(&app.state, order, json!({ "n": 1 }), Duration::ZERO, true).await;
    assert_eq!(next_payload(&mut ws, "1").await["data"]["e"]["seq"], 2);
}

#[tokio::test]
async fn a_client_that_stops_reading_is_closed_with_1013_and_the_others_get_every_event() {
    const EVENTS: usize = 300;
    let app = TestApp::spawn_with(|c| c.ws_queue = 8).await;
    let (order, order_id, advertiser, influencer) = placed_order(&app).await;
    let query = "subscription($o: ID!) { orderEvents(orderId: $o) { seq details } }";
    let mut stalled = WsClient::connect_and_init(&app.ws_url(), Some(&advertiser.token)).await;
    stalled.subscribe("1", query, json!({ "o": order_id })).await;
    let mut reader = WsClient::connect_and_init(&app.ws_url(), Some(&influencer.token)).await;
    reader.subscribe("1", query, json!({ "o": order_id })).await;
    let hub = app.state.realtime.hub.clone();
    eventually("both subscriptions are live", || hub.topic_count() == 1 && app.state.live.shape_count() == 2).await;

    // The reader reads all along; the stalled client reads nothing while ~18 MB are sent.
    let reading = tokio::spawn(async move {
        let mut seqs = Vec::new();
        while seqs.len() < EVENTS {
            match reader.next_event_within(Duration::from_secs(30)).await {
                WsEvent::Message(msg) => seqs.push(msg["payload"]["data"]["orderEvents"]["seq"].as_i64().expect("a seq")),
                WsEvent::Closed(code) => panic!("the reading client was closed with {code}"),
            }
        }
        seqs
    });
    let pad = "x".repeat(60_000);
    let state = app.state.clone();
    let writing = tokio::spawn(async move {
        for n in 0..EVENTS {
            commit_on(&state, order, json!({ "n": n, "pad": pad }), Duration::ZERO, true).await;
        }
    });
    // The stalled socket is closed as soon as its queue overflows (its shape goes with it); it
    // gets its close frame if it reads again soon enough, so it starts reading then.
    let live = &app.state.live;
    for _ in 0..600 {
        if live.shape_count() < 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(live.shape_count(), 1, "the stalled socket was closed within 60 s");
    let mut got = 0;
    let code = loop {
        match stalled.next_event_within(Duration::from_secs(30)).await {
            WsEvent::Message(msg) => {
                assert_eq!(msg["type"], "next", "{msg}");
                got += 1;
            }
            WsEvent::Closed(code) => break code,
        }
    };
    assert_eq!(code, 1013, "closed as too slow after {got} events");
    assert!(got < EVENTS, "the stalled client's backlog was bounded ({got} of {EVENTS})");
    writing.await.unwrap();
    let seqs = reading.await.unwrap();
    assert_eq!(seqs, (2..=EVENTS as i64 + 1).collect::<Vec<_>>(), "the reading client gets every event, in order");
}

#[tokio::test]
async fn logging_out_on_another_instance_ends_the_sockets_streams_here() {
    let app = TestApp::spawn_with(|c| c.ws_ping_secs = 1).await;
    let other = app.another_instance().await;
    let (_, order_id, advertiser, _) = placed_order(&app).await;
    let mut ws = WsClient::connect_and_init(&app.ws_url(), Some(&advertiser.token)).await;
    ws.subscribe("1", SHAPED, json!({ "o": order_id })).await;
    eventually("the subscription is live", || app.state.realtime.hub.topic_count() == 1).await;
    other.gql(Some(&advertiser.token), "mutation { logOut { revoked } }", json!({})).await.assert_ok();
    assert_eq!(ws.next_event_within(Duration::from_secs(5)).await, WsEvent::Closed(4403));
    eventually("the stream's topic is released", || app.state.realtime.hub.topic_count() == 0).await;
}

#[tokio::test]
async fn a_legacy_graphql_ws_client_gets_live_events_as_data_messages_and_stop_ends_them() {
    let app = TestApp::spawn().await;
    let (order, order_id, advertiser, _) = placed_order(&app).await;
    let mut ws = WsClient::connect(&app.ws_url(), "graphql-ws").await;
    ws.send(json!({ "type": "connection_init", "payload": { "authToken": advertiser.token } })).await;
    assert_eq!(ws.next_message().await["type"], "connection_ack");
    ws.send(json!({ "type": "start", "id": "x", "payload": { "query": SHAPED, "variables": { "o": order_id } } })).await;
    let hub = app.state.realtime.hub.clone();
    app.subscriptions_live(1).await;
    commit_on(&app.state, order, json!({ "n": 1 }), Duration::ZERO, true).await;
    let msg = ws.next_message().await;
    assert_eq!(msg["type"], "data", "{msg}");
    assert_eq!(msg["id"], "x", "{msg}");
    assert_eq!(msg["payload"]["data"]["e"]["seq"], 2, "{msg}");
    ws.send(json!({ "type": "stop", "id": "x" })).await;
    eventually("the stream is stopped", || hub.topic_count() == 0).await;
}

#[tokio::test]
async fn a_subscription_with_two_root_fields_is_refused_with_an_error_message() {
    let app = TestApp::spawn().await;
    let (_, order_id, advertiser, _) = placed_order(&app).await;
    let mut ws = WsClient::connect_and_init(&app.ws_url(), Some(&advertiser.token)).await;
    let query = "subscription($o: ID!) { a: orderEvents(orderId: $o) { seq } b: messageAdded(orderId: $o) { seq } }";
    ws.subscribe("1", query, json!({ "o": order_id })).await;
    let msg = ws.next_message().await;
    assert_eq!(msg["type"], "error", "{msg}");
    assert_eq!(msg["payload"][0]["extensions"]["code"], "BAD_USER_INPUT", "{msg}");
    eventually("no stream is left behind", || app.state.realtime.hub.topic_count() == 0).await;
    // The socket stays usable.
    ws.subscribe("2", "subscription($o: ID!) { orderEvents(orderId: $o) { seq } }", json!({ "o": order_id })).await;
    eventually("the single-field subscription is live", || app.state.realtime.hub.topic_count() == 1).await;
}

#[tokio::test]
async fn a_document_with_several_operations_like_graphiqls_renders_the_selected_subscription() {
    let app = TestApp::spawn().await;
    let (order, order_id, advertiser, _) = placed_order(&app).await;
    let mut ws = WsClient::connect_and_init(&app.ws_url(), Some(&advertiser.token)).await;
    let document = "query Me { me { ...U } }
        subscription Watch($o: ID!) { orderEvents(orderId: $o) { ...E } }
        fragment U on User { id displayName }
        fragment E on OrderEvent { seq kind }";
    let payload = json!({ "query": document, "operationName": "Watch", "variables": { "o": order_id } });
    ws.send(json!({ "type": "subscribe", "id": "w", "payload": payload })).await;
    app.subscriptions_live(1).await;
    commit_on(&app.state, order, json!({ "n": 1 }), Duration::ZERO, true).await;
    assert_eq!(next_payload(&mut ws, "w").await, json!({ "data": { "orderEvents": { "seq": 2, "kind": "MESSAGE_POSTED" } } }));
}

#[tokio::test]
async fn a_socket_runs_at_most_100_operations_at_once() {
    let app = TestApp::spawn().await;
    let (_, order_id, advertiser, _) = placed_order(&app).await;
    let mut ws = WsClient::connect_and_init(&app.ws_url(), Some(&advertiser.token)).await;
    for n in 0..100 {
        ws.subscribe(&format!("s{n}"), "subscription($o: ID!) { orderEvents(orderId: $o) { seq } }", json!({ "o": order_id })).await;
    }
    ws.subscribe("one-too-many", "subscription($o: ID!) { orderEvents(orderId: $o) { seq } }", json!({ "o": order_id })).await;
    let msg = ws.next_message().await;
    assert_eq!(msg["type"], "error", "{msg}");
    assert_eq!(msg["id"], "one-too-many", "{msg}");
    assert_eq!(msg["payload"][0]["extensions"]["code"], "RATE_LIMITED", "{msg}");
}

#[tokio::test]
async fn a_client_resuming_after_a_reconnect_shares_the_live_clients_renderings() {
    use futures::StreamExt;
    let app = TestApp::spawn().await;
    let (order, _, _, _) = placed_order(&app).await;
    let hub = app.state.realtime.hub.clone();
    let mut live = Box::pin(hub.feed(adbridge::realtime::Topic::Order(order), None).await);
    let before = commit_on(&app.state, order, json!({ "n": 1 }), Duration::ZERO, true).await;
    let event = commit_on(&app.state, order, json!({ "n": 2 }), Duration::ZERO, true).await;
    let mut got = Vec::new();
    while got.len() < 2 {
        got.push(tokio::time::timeout(Duration::from_secs(10), live.next()).await.unwrap().unwrap().unwrap());
    }
    let mut resumed = Box::pin(hub.feed(adbridge::realtime::Topic::Order(order), Some(before.id)).await);
    let replayed = tokio::time::timeout(Duration::from_secs(10), resumed.next()).await.unwrap().unwrap().unwrap();
    assert_eq!(replayed.event.id, event.id);
    assert!(std::sync::Arc::ptr_eq(&replayed, &got[1]), "the replay reuses the event fanned out live (and its renderings)");
}
