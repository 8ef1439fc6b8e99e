//! `/graphql/ws`: the `graphql-transport-ws` protocol, and the legacy `graphql-ws` one.
//!
//! Written over `Schema::execute_stream` rather than async-graphql's own websocket handler,
//! which deviates from the protocol (no init timeout, wrong close codes) and allocates 128 KiB
//! of read buffer per socket. Here:
//! - a socket that sends no `connection_init` in time is closed with 4408; a bad token with
//!   4403; a second init with 4429; `subscribe` before the ack with 4401; a duplicate id with
//!   4409; an invalid message with 4400;
//! - the server pings idle sockets (`ping`, or `ka` on the legacy protocol);
//! - each socket has one bounded outgoing queue: a client that stops reading fills it and is
//!   closed with 1013 ("try again later"), so it never stalls others or grows memory; it resumes
//!   from its last cursor;
//! - each subscription runs in its own task, so one busy stream cannot starve the others;
//! - at each keep-alive, a socket running streams checks its session: after a log-out (or
//!   expiry) it is closed with 4403 and its streams end.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use async_graphql::Request;
use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::extract::{ConnectInfo, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use futures::{SinkExt, StreamExt};
use serde_json::{Map, Value, json};
use tokio::sync::mpsc;
use tokio::task::AbortHandle;

use super::AppState;
use super::graphql::request_from_map;
use super::metrics::OpenSocket;
use crate::domain::{DomainError, Viewer};
use crate::graphql::ClientAddr;
use crate::graphql::error::ensure_code;

/// The two sub-protocols spoken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Protocol {
    /// `graphql-transport-ws` (the graphql-ws library).
    TransportWs,
    /// `graphql-ws` (the legacy subscriptions-transport-ws library).
    Legacy,
}

/// Websocket read buffer per socket: small, so that idle subscribers are cheap.
const READ_BUFFER: usize = 4 * 1024;
/// Largest accepted client message.
const MAX_MESSAGE: usize = 64 * 1024;

/// Upgrades to a websocket speaking one of the two GraphQL sub-protocols (400 otherwise).
pub async fn upgrade(ws: WebSocketUpgrade, State(app): State<Arc<AppState>>, ConnectInfo(peer): ConnectInfo<SocketAddr>) -> Response {
    let requested: Vec<String> =
        ws.requested_protocols().filter_map(|p| p.to_str().ok()).flat_map(|p| p.split(',').map(|s| s.trim().to_owned())).collect();
    let protocol = if requested.iter().any(|p| p == "graphql-transport-ws") {
        Protocol::TransportWs
    } else if requested.iter().any(|p| p == "graphql-ws") {
        Protocol::Legacy
    } else {
        return (StatusCode::BAD_REQUEST, "Sec-WebSocket-Protocol must be graphql-transport-ws or graphql-ws").into_response();
    };
    let name = if protocol == Protocol::TransportWs { "graphql-transport-ws" } else { "graphql-ws" };
    ws.protocols([name])
        .read_buffer_size(READ_BUFFER)
        .write_buffer_size(0)
        .max_write_buffer_size(MAX_MESSAGE * 4)
        .max_message_size(MAX_MESSAGE)
        .max_frame_size(MAX_MESSAGE)
        .on_upgrade(move |socket| serve(socket, protocol, app, peer))
}

/// Why the server closes a socket.
struct Close(u16, &'static str);

async fn serve(socket: WebSocket, protocol: Protocol, app: Arc<AppState>, peer: SocketAddr) {
    let _open = OpenSocket::open();
    let (mut sink, mut incoming) = socket.split();
    let (out_tx, mut out_rx) = mpsc::channel::<Message>(app.config.ws_queue.max(8));
    let (close_tx, mut close_rx) = mpsc::channel::<Close>(1);

    // The writer owns the sink: it sends queued messages, and a close frame as soon as asked.
    let writer = tokio::spawn(async move {
        loop {
            tokio::select! {
                biased;
                Some(Close(code, reason)) = close_rx.recv() => {
                    let frame = CloseFrame { code, reason: Utf8Bytes::from_static(reason) };
                    let _ = sink.send(Message::Close(Some(frame))).await;
                    break;
                }
                msg = out_rx.recv() => match msg {
                    Some(msg) => if sink.send(msg).await.is_err() { break },
                    None => break,
                },
            }
        }
        let _ = sink.close().await;
    });

    let mut conn = Connection {
        protocol,
        app: app.clone(),
        peer,
        out: out_tx,
        close: close_tx.clone(),
        viewer: None,
        init_seen: false,
        subs: HashMap::new(),
    };
    let (done_tx, mut done_rx) = mpsc::unbounded_channel::<(String, u64)>();
    let init_deadline = tokio::time::sleep(Duration::from_secs(app.config.ws_init_timeout_secs));
    tokio::pin!(init_deadline);
    let ping_every = Duration::from_secs(app.config.ws_ping_secs.max(1));
    let mut ping = tokio::time::interval_at(tokio::time::Instant::now() + ping_every, ping_every);
    let mut generation = 0u64;

    let close = loop {
        tokio::select! {
            () = &mut init_deadline, if !conn.init_seen => break Some(Close(4408, "Connection initialisation timeout")),
            _ = ping.tick(), if conn.viewer.is_some() => {
                if !conn.subs.is_empty() && !conn.still_signed_in().await {
                    break Some(Close(4403, "Session ended"));
                }
                let msg = if protocol == Protocol::TransportWs { json!({ "type": "ping" }) } else { json!({ "type": "ka" }) };
                if let Err(close) = conn.send(msg) { break Some(close) }
            }
            Some((id, generation_done)) = done_rx.recv() => {
                if conn.subs.get(&id).is_some_and(|(g, _)| *g == generation_done) {
                    conn.subs.remove(&id);
                }
            }
            msg = incoming.next() => match msg {
                Some(Ok(Message::Text(text))) => {
                    generation += 1;
                    match conn.handle(text.as_str(), &done_tx, generation).await {
                        Ok(true) => {}
                        Ok(false) => break Some(Close(1000, "Normal closure")),
                        Err(close) => break Some(close),
                    }
                }
                Some(Ok(Message::Binary(_))) => break Some(Close(4400, "Binary messages are not supported")),
                Some(Ok(Message::Ping(_) | Message::Pong(_))) => {}
                Some(Ok(Message::Close(_))) | Some(Err(_)) | None => break None,
            },
        }
    };
    for (_, (_, handle)) in conn.subs.drain() {
        handle.abort();
    }
    if let Some(close) = close {
        let _ = close_tx.try_send(close);
    }
    drop(conn);
    drop(close_tx);
    let _ = writer.await;
}

struct Connection {
    protocol: Protocol,
    app: Arc<AppState>,
    peer: SocketAddr,
    out: mpsc::Sender<Message>,
    close: mpsc::Sender<Close>,
    viewer: Option<Viewer>,
    init_seen: bool,
    subs: HashMap<String, (u64, AbortHandle)>,
}

impl Connection {
    /// Queues a message; a full queue means the client stopped reading.
    fn send(&self, msg: Value) -> Result<(), Close> {
        enqueue(&self.out, msg).map_err(|()| Close(1013, "Client too slow; reconnect and resume"))
    }

    /// Handles one client message; `Ok(false)` ends the connection normally.
    async fn handle(&mut self, text: &str, done: &mpsc::UnboundedSender<(String, u64)>, generation: u64) -> Result<bool, Close> {
        let invalid = Close(4400, "Invalid message received");
        let Ok(Value::Object(mut msg)) = serde_json::from_str::<Value>(text) else { return Err(invalid) };
        let Some(Value::String(kind)) = msg.remove("type") else { return Err(invalid) };
        match (self.protocol, kind.as_str()) {
            (_, "connection_init") => self.init(msg.remove("payload")).await.map(|()| true),
            (Protocol::TransportWs, "ping") => {
                let mut pong = json!({ "type": "pong" });
                if let Some(p @ Value::Object(_)) = msg.remove("payload") {
                    pong["payload"] = p;
                }
                self.send(pong).map(|()| true)
            }
            (Protocol::TransportWs, "pong") => Ok(true),
            (Protocol::TransportWs, "subscribe") | (Protocol::Legacy, "start") => {
                let Some(viewer) = self.viewer else {
                    return Err(Close(4401, "Unauthorized"));
                };
                let Some(Value::String(id)) = msg.remove("id") else { return Err(invalid) };
                let Some(Value::Object(payload)) = msg.remove("payload") else { return Err(invalid) };
                if id.is_empty() {
                    return Err(invalid);
                }
                if self.subs.contains_key(&id) {
                    if self.protocol == Protocol::Legacy {
                        return Ok(true);
                    }
                    return Err(Close(4409, "Subscriber for this id already exists"));
                }
                let request = request_from_map(payload).map_err(|_| Close(4400, "Invalid subscribe payload"))?;
                self.start(id, request, viewer, done.clone(), generation);
                Ok(true)
            }
            (Protocol::TransportWs, "complete") | (Protocol::Legacy, "stop") => {
                if let Some(Value::String(id)) = msg.remove("id")
                    && let Some((_, handle)) = self.subs.remove(&id)
                {
                    handle.abort();
                }
                Ok(true)
            }
            (Protocol::Legacy, "connection_terminate") => Ok(false),
            _ => Err(invalid),
        }
    }

    /// Whether the socket's session is still live (a logged-out or expired session ends the
    /// socket's streams, checked at each keep-alive while streams run). A database error keeps
    /// the socket open.
    async fn still_signed_in(&self) -> bool {
        let Some(viewer) = &self.viewer else { return true };
        match self.app.services.accounts.still_signed_in(viewer).await {
            Ok(live) => live,
            Err(e) => {
                tracing::warn!(error = %e, "checking a websocket session");
                true
            }
        }
    }

    /// `connection_init`: authenticates the payload's token and acknowledges.
    async fn init(&mut self, payload: Option<Value>) -> Result<(), Close> {
        if self.init_seen {
            return Err(Close(4429, "Too many initialisation requests"));
        }
        self.init_seen = true;
        let token = payload.as_ref().and_then(token_of);
        match self.app.services.accounts.authenticate(token.as_deref()).await {
            Ok(viewer) => {
                self.viewer = Some(viewer);
                self.send(json!({ "type": "connection_ack" }))?;
                if self.protocol == Protocol::Legacy {
                    self.send(json!({ "type": "ka" }))?;
                }
                Ok(())
            }
            Err(err) => {
                if self.protocol == Protocol::Legacy {
                    let _ = self.send(json!({ "type": "connection_error", "payload": { "message": err.to_string() } }));
                }
                match err {
                    DomainError::Internal(cause) => {
                        tracing::error!(error = ?cause, "websocket authentication failed");
                        Err(Close(4500, "Internal error"))
                    }
                    _ => Err(Close(4403, "Forbidden")),
                }
            }
        }
    }

    /// Runs one operation in its own task, forwarding its results to the socket's queue.
    fn start(&mut self, id: String, request: Request, viewer: Viewer, done: mpsc::UnboundedSender<(String, u64)>, generation: u64) {
        let request = request.data(viewer).data(ClientAddr(self.peer.ip()));
        let mut stream = self.app.schema.execute_stream(request);
        let (out, close, protocol) = (self.out.clone(), self.close.clone(), self.protocol);
        let task_id = id.clone();
        let task = tokio::spawn(async move {
            let data_type = if protocol == Protocol::TransportWs { "next" } else { "data" };
            let mut first = true;
            while let Some(mut response) = stream.next().await {
                let before_execution = first
                    && (response.data == async_graphql::Value::Null)
                    && !response.errors.is_empty()
                    && response.errors.iter().all(|e| e.path.is_empty());
                first = false;
                for e in &mut response.errors {
                    ensure_code(e, !before_execution);
                }
                let msg = if before_execution {
                    json!({ "type": "error", "id": task_id, "payload": response.errors })
                } else {
                    json!({ "type": data_type, "id": task_id, "payload": response })
                };
                if enqueue(&out, msg).is_err() {
                    let _ = close.try_send(Close(1013, "Client too slow; reconnect and resume"));
                    let _ = done.send((task_id, generation));
                    return;
                }
                if before_execution {
                    let _ = done.send((task_id, generation));
                    return;
                }
            }
            if enqueue(&out, json!({ "type": "complete", "id": task_id })).is_err() {
                let _ = close.try_send(Close(1013, "Client too slow; reconnect and resume"));
            }
            let _ = done.send((task_id, generation));
        });
        self.subs.insert(id, (generation, task.abort_handle()));
    }
}

fn enqueue(out: &mpsc::Sender<Message>, msg: Value) -> Result<(), ()> {
    out.try_send(Message::Text(msg.to_string().into())).map_err(|_| ())
}

/// The bearer token of a `connection_init` payload: `token`, `authToken` or `Authorization`.
fn token_of(payload: &Value) -> Option<String> {
    let map: &Map<String, Value> = payload.as_object()?;
    ["token", "authToken", "Authorization", "authorization"].iter().find_map(|k| map.get(*k)?.as_str()).map(|t| {
        let t = t.trim();
        match t.split_once(' ') {
            Some((scheme, rest)) if scheme.eq_ignore_ascii_case("bearer") => rest.trim().to_owned(),
            _ => t.to_owned(),
        }
    })
}
