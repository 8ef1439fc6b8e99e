//! The websocket endpoint's protocol plumbing, with a real websocket client.

use std::time::Duration;

use serde_json::json;

use crate::helpers::TestApp;
use crate::wsclient::{WsClient, WsEvent};

#[tokio::test]
async fn an_authenticated_socket_runs_operations_as_its_viewer() {
    let app = TestApp::spawn().await;
    let user = app.advertiser().await;
    let mut ws = WsClient::connect_and_init(&app.ws_url(), Some(&user.token)).await;
    ws.subscribe("1", "{ me { id } }", json!({})).await;
    let next = ws.next_message().await;
    assert_eq!(next["type"], "next");
    assert_eq!(next["id"], "1");
    assert_eq!(next["payload"]["data"]["me"]["id"], user.id.as_str());
    assert_eq!(ws.next_message().await, json!({ "type": "complete", "id": "1" }));
}

#[tokio::test]
async fn ping_gets_pong() {
    let app = TestApp::spawn().await;
    let mut ws = WsClient::connect_and_init(&app.ws_url(), None).await;
    ws.send(json!({ "type": "ping" })).await;
    assert_eq!(ws.next_message().await["type"], "pong");
}

#[tokio::test]
async fn a_bad_token_closes_with_4403() {
    let app = TestApp::spawn().await;
    let mut ws = WsClient::connect(&app.ws_url(), "graphql-transport-ws").await;
    ws.send(json!({ "type": "connection_init", "payload": { "token": "adb_forged" } })).await;
    assert_eq!(ws.close_code().await, 4403);
}

#[tokio::test]
async fn a_logged_out_token_closes_with_4403() {
    let app = TestApp::spawn().await;
    let user = app.advertiser().await;
    app.gql(Some(&user.token), "mutation { logOut { revoked } }", json!({})).await.assert_ok();
    let mut ws = WsClient::connect(&app.ws_url(), "graphql-transport-ws").await;
    ws.send(json!({ "type": "connection_init", "payload": { "Authorization": format!("Bearer {}", user.token) } })).await;
    assert_eq!(ws.close_code().await, 4403);
}

#[tokio::test]
async fn a_socket_that_never_initialises_is_closed_with_4408() {
    let app = TestApp::spawn_with(|c| c.ws_init_timeout_secs = 1).await;
    let mut ws = WsClient::connect(&app.ws_url(), "graphql-transport-ws").await;
    assert_eq!(ws.close_code().await, 4408);
}

#[tokio::test]
async fn subscribe_before_ack_closes_with_4401() {
    let app = TestApp::spawn().await;
    let mut ws = WsClient::connect(&app.ws_url(), "graphql-transport-ws").await;
    ws.subscribe("1", "{ __typename }", json!({})).await;
    assert_eq!(ws.close_code().await, 4401);
}

#[tokio::test]
async fn a_second_init_closes_with_4429() {
    let app = TestApp::spawn().await;
    let mut ws = WsClient::connect_and_init(&app.ws_url(), None).await;
    ws.send(json!({ "type": "connection_init" })).await;
    assert_eq!(ws.close_code().await, 4429);
}

#[tokio::test]
async fn an_invalid_message_closes_with_4400() {
    let app = TestApp::spawn().await;
    for bad in ["not json", r#"{"no":"type"}"#, r#"{"type":"nonsense"}"#] {
        let mut ws = WsClient::connect_and_init(&app.ws_url(), None).await;
        ws.send_raw(bad).await;
        assert_eq!(ws.close_code().await, 4400, "{bad}");
    }
}

#[tokio::test]
async fn a_validation_error_is_sent_as_an_error_message() {
    let app = TestApp::spawn().await;
    let mut ws = WsClient::connect_and_init(&app.ws_url(), None).await;
    ws.subscribe("1", "{ nope }", json!({})).await;
    let msg = ws.next_message().await;
    assert_eq!(msg["type"], "error");
    assert_eq!(msg["payload"][0]["extensions"]["code"], "BAD_USER_INPUT");
    // The socket stays usable.
    ws.send(json!({ "type": "ping" })).await;
    assert_eq!(ws.next_message().await["type"], "pong");
}

#[tokio::test]
async fn the_server_pings_idle_sockets() {
    let app = TestApp::spawn_with(|c| c.ws_ping_secs = 1).await;
    let mut ws = WsClient::connect_and_init(&app.ws_url(), None).await;
    assert!(ws.receives_server_ping_within(Duration::from_secs(3)).await);
    ws.send(json!({ "type": "ping" })).await;
    assert_eq!(ws.next_message().await["type"], "pong");
}

#[tokio::test]
async fn the_legacy_graphql_ws_protocol_still_works() {
    let app = TestApp::spawn().await;
    let user = app.influencer().await;
    let mut ws = WsClient::connect(&app.ws_url(), "graphql-ws").await;
    ws.send(json!({ "type": "connection_init", "payload": { "authToken": user.token } })).await;
    assert_eq!(ws.next_message().await["type"], "connection_ack");
    ws.send(json!({ "type": "start", "id": "a", "payload": { "query": "{ me { id } }" } })).await;
    let data = ws.next_message().await;
    assert_eq!(data["type"], "data");
    assert_eq!(data["payload"]["data"]["me"]["id"], user.id.as_str());
    assert_eq!(ws.next_message().await, json!({ "type": "complete", "id": "a" }));
    ws.send(json!({ "type": "connection_terminate" })).await;
    assert!(matches!(ws.next_event().await, WsEvent::Closed(_)));
}

#[tokio::test]
async fn a_socket_without_a_graphql_subprotocol_is_refused() {
    let app = TestApp::spawn().await;
    let res = app
        .http
        .get(format!("{}/graphql/ws", app.base))
        .header("connection", "upgrade")
        .header("upgrade", "websocket")
        .header("sec-websocket-version", "13")
        .header("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ==")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
}
