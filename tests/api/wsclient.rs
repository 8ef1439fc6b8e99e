//! A minimal graphql-transport-ws / graphql-ws test client over tokio-tungstenite.

use std::time::Duration;

use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// A websocket to the server.
pub struct WsClient {
    socket: WebSocketStream<MaybeTlsStream<TcpStream>>,
}

/// What the server did next.
#[derive(Debug, PartialEq)]
pub enum WsEvent {
    /// A JSON message.
    Message(Value),
    /// A close frame with its code.
    Closed(u16),
}

impl WsClient {
    /// Connects with `protocol` ("graphql-transport-ws" or "graphql-ws").
    pub async fn connect(url: &str, protocol: &str) -> Self {
        let mut request = url.into_client_request().unwrap();
        request.headers_mut().insert("sec-websocket-protocol", protocol.parse().unwrap());
        let (socket, _) = tokio_tungstenite::connect_async(request).await.expect("the websocket connects");
        Self { socket }
    }

    /// Connects with graphql-transport-ws and completes `connection_init` with `token`.
    pub async fn connect_and_init(url: &str, token: Option<&str>) -> Self {
        let mut ws = Self::connect(url, "graphql-transport-ws").await;
        ws.send(json!({ "type": "connection_init", "payload": { "token": token } })).await;
        let ack = ws.next_message().await;
        assert_eq!(ack["type"], "connection_ack", "{ack}");
        ws
    }

    /// Sends a JSON message.
    pub async fn send(&mut self, msg: Value) {
        self.socket.send(Message::text(msg.to_string())).await.expect("the message is sent");
    }

    /// Sends raw text.
    pub async fn send_raw(&mut self, text: &str) {
        self.socket.send(Message::text(text.to_owned())).await.expect("the message is sent");
    }

    /// Sends `subscribe` with `query` and `variables` under `id`.
    pub async fn subscribe(&mut self, id: &str, query: &str, variables: Value) {
        self.send(json!({ "type": "subscribe", "id": id, "payload": { "query": query, "variables": variables } })).await;
    }

    /// The next message or close, skipping server pings; panics after `timeout`.
    pub async fn next_event_within(&mut self, timeout: Duration) -> WsEvent {
        loop {
            let msg = tokio::time::timeout(timeout, self.socket.next()).await.expect("the server answers in time");
            match msg {
                Some(Ok(Message::Text(text))) => {
                    let value: Value = serde_json::from_str(&text).unwrap();
                    if value["type"] == "ping" || value["type"] == "ka" {
                        continue;
                    }
                    return WsEvent::Message(value);
                }
                Some(Ok(Message::Close(frame))) => return WsEvent::Closed(frame.map_or(1005, |f| u16::from(f.code))),
                Some(Ok(_)) => continue,
                Some(Err(_)) | None => return WsEvent::Closed(1006),
            }
        }
    }

    /// The raw text of the next message, skipping server pings (key order intact).
    pub async fn next_text(&mut self) -> String {
        loop {
            let msg = tokio::time::timeout(Duration::from_secs(10), self.socket.next()).await.expect("the server answers in time");
            match msg {
                Some(Ok(Message::Text(text))) if text.contains(r#""type":"ping""#) || text.contains(r#""type":"ka""#) => continue,
                Some(Ok(Message::Text(text))) => return text.to_string(),
                Some(Ok(_)) => continue,
                other => panic!("expected a message, got {other:?}"),
            }
        }
    }

    /// The next event within 10 seconds.
    pub async fn next_event(&mut self) -> WsEvent {
        self.next_event_within(Duration::from_secs(10)).await
    }

    /// The next JSON message (panics on a close).
    pub async fn next_message(&mut self) -> Value {
        match self.next_event().await {
            WsEvent::Message(v) => v,
            WsEvent::Closed(code) => panic!("the socket closed with {code}"),
        }
    }

    /// The close code the server ends with (panics on a message).
    pub async fn close_code(&mut self) -> u16 {
        match self.next_event().await {
            WsEvent::Closed(code) => code,
            WsEvent::Message(v) => panic!("expected a close, got {v}"),
        }
    }

    /// Whether the server sends a keep-alive (`ping` or `ka`) within `wait`.
    pub async fn receives_server_ping_within(&mut self, wait: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            match tokio::time::timeout_at(deadline, self.socket.next()).await {
                Err(_) => return false,
                Ok(Some(Ok(Message::Text(text)))) if text.contains("\"ping\"") || text.contains("\"ka\"") => return true,
                Ok(Some(Ok(_))) => continue,
                Ok(_) => return false,
            }
        }
    }

    /// Whether nothing but pings arrives within `wait`.
    pub async fn is_quiet_for(&mut self, wait: Duration) -> bool {
        loop {
            match tokio::time::timeout(wait, self.socket.next()).await {
                Err(_) => return true,
                Ok(Some(Ok(Message::Text(text)))) if text.contains("\"ping\"") || text.contains("\"ka\"") => continue,
                Ok(_) => return false,
            }
        }
    }
}
