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
//! - one task per socket: it reads client messages, polls the socket's operations into one
//!   queue and writes the queue out; an order-feed subscription's events are rendered once per
//!   subscription shape for every socket (`graphql::live`), so a socket only frames them;
//! - authentications and operation starts run at most `WS_ADMISSIONS` at once per instance,
//!   so a reconnect storm waits cheaply instead of piling up database queries;
//! - a socket whose session ends (a log-out on any instance, or expiry) is woken by the
//!   instance's `SessionWatch` and closed with 4403 at once, its streams dropped and its queued
//!   messages discarded; and every operation checks its session in the database before it runs,
//!   so nothing executes for a session revoked a moment before.

use std::collections::VecDeque;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use async_graphql::Request;
use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::extract::{ConnectInfo, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use futures::stream::BoxStream;
use futures::{SinkExt, StreamExt};
use serde_json::{Map, Value, json};
use tokio::time::{Interval, Sleep};

use super::AppState;
use super::graphql::request_from_map;
use super::metrics::OpenSocket;
use super::session_watch::Watched;
use crate::domain::{DomainError, Viewer};
use crate::graphql::ClientAddr;
use crate::graphql::error::ensure_code;
use crate::graphql::live::{FeedSlot, INTERNAL_PAYLOAD, ONE_ROOT_FIELD_ERROR, SeveralRootFields, several_root_fields};

/// The two sub-protocols spoken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Protocol {
    /// `graphql-transport-ws` (the graphql-ws library).
    TransportWs,
    /// `graphql-ws` (the legacy subscriptions-transport-ws library).
    Legacy,
}

/// Websocket read buffer per socket: small, so that idle subscribers are cheap.
const READ_BUFFER: usize = 2 * 1024;
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

const TOO_SLOW: Close = Close(1013, "Client too slow; reconnect and resume");
/// The server is stopping: the client reconnects (to another instance) and resumes from its cursor.
const SERVICE_RESTART: Close = Close(1012, "Service restart; reconnect and resume");
const SESSION_ENDED: Close = Close(4403, "Session ended");

/// Messages a socket moves from its streams to its queue before it yields to other tasks.
const BUDGET: usize = 64;
/// Operations one socket may run at once (more get an `error` message).
const MAX_OPERATIONS: usize = 100;
/// Pause after a feed error (a failed replay query) before the feed retries.
const FEED_RETRY: Duration = Duration::from_secs(1);
/// How long a closing socket may take to flush its last messages and its close frame (a client
/// closed as too slow gets its close code once it reads again, if it does so within this time).
const CLOSE_GRACE: Duration = Duration::from_secs(10);

/// What woke a socket's task.
enum Event {
    Incoming(Option<Result<Message, axum::Error>>),
    InitTimeout,
    SessionEnded,
    Ping,
    TooSlow,
    Gone,
}

/// One socket: a single task that reads client messages, polls its operations' streams into
/// one bounded queue and writes that queue out.
async fn serve(mut socket: WebSocket, protocol: Protocol, app: Arc<AppState>, peer: SocketAddr) {
    let _open = OpenSocket::open();
    let queue = app.config.ws_queue.max(8);
    let init_deadline = tokio::time::sleep(Duration::from_secs(app.config.ws_init_timeout_secs));
    tokio::pin!(init_deadline);
    let ping_every = Duration::from_secs(app.config.ws_ping_secs.max(1));
    let mut ping = tokio::time::interval_at(tokio::time::Instant::now() + ping_every, ping_every);
    let mut conn = Connection {
        protocol,
        app,
        peer,
        viewer: None,
        session: None,
        init_seen: false,
        subs: Vec::new(),
        out: VecDeque::new(),
        queue,
        unflushed: false,
    };

    // Held for the socket's life: the server waits, on shutdown, until every receiver is gone.
    let mut stopping = conn.app.stopping.subscribe();
    let close = loop {
        let event = tokio::select! {
            biased;
            _ = stopping.wait_for(|stop| *stop) => break Some(SERVICE_RESTART),
            event = std::future::poll_fn(|cx| conn.poll_event(cx, &mut socket, init_deadline.as_mut(), &mut ping)) => event,
        };
        match event {
            Event::InitTimeout => break Some(Close(4408, "Connection initialisation timeout")),
            Event::SessionEnded => break Some(SESSION_ENDED),
            Event::TooSlow => break Some(TOO_SLOW),
            Event::Gone => break None,
            Event::Ping => {
                let msg = if protocol == Protocol::TransportWs { r#"{"type":"ping"}"# } else { r#"{"type":"ka"}"# };
                if let Err(close) = conn.send_text(Utf8Bytes::from_static(msg)) {
                    break Some(close);
                }
            }
            Event::Incoming(msg) => match msg {
                Some(Ok(Message::Text(text))) => match Box::pin(conn.handle(text.as_str())).await {
                    Ok(true) => {}
                    Ok(false) => break Some(Close(1000, "Normal closure")),
                    Err(close) => break Some(close),
                },
                Some(Ok(Message::Binary(_))) => break Some(Close(4400, "Binary messages are not supported")),
                Some(Ok(Message::Ping(_) | Message::Pong(_))) => {}
                Some(Ok(Message::Close(_))) | Some(Err(_)) | None => break None,
            },
        }
    };
    // Streams end first (their topics are released), then the socket says goodbye.
    conn.subs.clear();
    let out = std::mem::take(&mut conn.out);
    drop(conn);
    let goodbye = async {
        if let Some(Close(code, reason)) = close {
            // A slow client's queue is dropped; so is an ended session's: nothing more is sent.
            if code != TOO_SLOW.0 && code != SESSION_ENDED.0 {
                for msg in out {
                    socket.feed(msg).await?;
                }
            }
            socket.send(Message::Close(Some(CloseFrame { code, reason: Utf8Bytes::from_static(reason) }))).await?;
        }
        socket.close().await
    };
    let _ = tokio::time::timeout(CLOSE_GRACE, goodbye).await;
}

/// A running operation: its id and the protocol messages it produces (the last one is its
/// `complete`, when the protocol wants one).
type Operation = (String, BoxStream<'static, Utf8Bytes>);

struct Connection {
    protocol: Protocol,
    app: Arc<AppState>,
    peer: SocketAddr,
    viewer: Option<Viewer>,
    /// The session, watched for its end (log-out, expiry) once authenticated.
    session: Option<Watched>,
    init_seen: bool,
    subs: Vec<Operation>,
    out: VecDeque<Message>,
    queue: usize,
    unflushed: bool,
}

impl Connection {
    /// Drives the socket until something needs the task's attention: streams' messages go to
    /// the queue, the queue to the socket; a client message, a timer, a full queue or a broken
    /// socket is returned.
    fn poll_event(&mut self, cx: &mut Context<'_>, socket: &mut WebSocket, init: Pin<&mut Sleep>, ping: &mut Interval) -> Poll<Event> {
        if !self.init_seen && init.poll(cx).is_ready() {
            return Poll::Ready(Event::InitTimeout);
        }
        // Before anything else: an ended session's socket sends and runs nothing more.
        if self.session.as_ref().is_some_and(|s| s.poll_ended(cx).is_ready()) {
            return Poll::Ready(Event::SessionEnded);
        }
        if self.viewer.is_some() && ping.poll_tick(cx).is_ready() {
            return Poll::Ready(Event::Ping);
        }
        // Write first: a queue filled while the socket was busy drains before it can overflow.
        if self.poll_write(cx, socket).is_err() {
            return Poll::Ready(Event::Gone);
        }
        let mut budget = BUDGET;
        let mut i = 0;
        while i < self.subs.len() {
            match self.subs[i].1.poll_next_unpin(cx) {
                Poll::Ready(Some(text)) => {
                    if self.out.len() >= self.queue {
                        if self.poll_write(cx, socket).is_err() {
                            return Poll::Ready(Event::Gone);
                        }
                        if self.out.len() >= self.queue {
                            return Poll::Ready(Event::TooSlow);
                        }
                    }
                    self.out.push_back(Message::Text(text));
                    budget -= 1;
                    if budget == 0 {
                        // Another turn later, starting with the next operation, so that a long
                        // replay in one cannot starve the others.
                        let first = self.subs.remove(0);
                        self.subs.push(first);
                        cx.waker().wake_by_ref();
                        break;
                    }
                }
                Poll::Ready(None) => {
                    drop(self.subs.swap_remove(i));
                }
                Poll::Pending => i += 1,
            }
        }
        if self.poll_write(cx, socket).is_err() {
            return Poll::Ready(Event::Gone);
        }
        match socket.poll_next_unpin(cx) {
            Poll::Ready(msg) => Poll::Ready(Event::Incoming(msg)),
            Poll::Pending => Poll::Pending,
        }
    }

    /// Writes as much of the queue as the socket takes, then flushes.
    fn poll_write(&mut self, cx: &mut Context<'_>, socket: &mut WebSocket) -> Result<(), axum::Error> {
        while !self.out.is_empty() {
            match socket.poll_ready_unpin(cx) {
                Poll::Ready(Ok(())) => {
                    let Some(msg) = self.out.pop_front() else { break };
                    socket.start_send_unpin(msg)?;
                    self.unflushed = true;
                }
                Poll::Ready(Err(e)) => return Err(e),
                Poll::Pending => return Ok(()),
            }
        }
        if self.unflushed {
            match socket.poll_flush_unpin(cx) {
                Poll::Ready(Ok(())) => self.unflushed = false,
                Poll::Ready(Err(e)) => return Err(e),
                Poll::Pending => {}
            }
        }
        Ok(())
    }

    /// Queues a message; a full queue means the client stopped reading.
    fn send_text(&mut self, text: Utf8Bytes) -> Result<(), Close> {
        if self.out.len() >= self.queue {
            return Err(TOO_SLOW);
        }
        self.out.push_back(Message::Text(text));
        Ok(())
    }

    fn send(&mut self, msg: Value) -> Result<(), Close> {
        self.send_text(msg.to_string().into())
    }

    /// Handles one client message; `Ok(false)` ends the connection normally.
    async fn handle(&mut self, text: &str) -> Result<bool, Close> {
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
                if self.subs.iter().any(|(running, _)| *running == id) {
                    if self.protocol == Protocol::Legacy {
                        return Ok(true);
                    }
                    return Err(Close(4409, "Subscriber for this id already exists"));
                }
                if self.session.as_ref().is_some_and(Watched::ended) {
                    return Err(SESSION_ENDED);
                }
                if self.subs.len() >= MAX_OPERATIONS {
                    let error = json!([{ "message": format!("At most {MAX_OPERATIONS} operations run at once on a socket"), "extensions": { "code": "RATE_LIMITED" } }]);
                    self.send_text(frame("error", &Value::String(id).to_string(), &error.to_string()))?;
                    return Ok(true);
                }
                let request = request_from_map(payload).map_err(|_| Close(4400, "Invalid subscribe payload"))?;
                let ops = operation(self.app.clone(), self.protocol, id.clone(), request, viewer, self.peer);
                self.subs.push((id, ops));
                Ok(true)
            }
            (Protocol::TransportWs, "complete") | (Protocol::Legacy, "stop") => {
                if let Some(Value::String(id)) = msg.remove("id") {
                    self.subs.retain(|(running, _)| *running != id);
                }
                Ok(true)
            }
            (Protocol::Legacy, "connection_terminate") => Ok(false),
            _ => Err(invalid),
        }
    }

    /// `connection_init`: authenticates the payload's token and acknowledges.
    async fn init(&mut self, payload: Option<Value>) -> Result<(), Close> {
        if self.init_seen {
            return Err(Close(4429, "Too many initialisation requests"));
        }
        self.init_seen = true;
        let token = payload.as_ref().and_then(token_of);
        let wait = Duration::from_secs(self.app.config.ws_init_timeout_secs);
        let Ok(admitted) = tokio::time::timeout(wait, self.app.ws_admissions.acquire()).await else {
            return Err(Close(1013, "Server busy; try again later"));
        };
        let viewer = self.app.services.accounts.authenticate(token.as_deref()).await;
        drop(admitted);
        match viewer {
            Ok(viewer) => {
                self.viewer = Some(viewer);
                if let Viewer::User { session_id, .. } = viewer {
                    self.session = Some(self.app.sessions.watch(session_id));
                }
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
                    // The database is unreachable: try again later (the client retries by itself).
                    DomainError::Internal(cause) if crate::store::is_unavailable(&cause) => {
                        tracing::warn!(error = ?cause, "websocket authentication: database unavailable");
                        Err(Close(1013, "Service unavailable; try again later"))
                    }
                    DomainError::Internal(cause) => {
                        tracing::error!(error = ?cause, "websocket authentication failed");
                        Err(Close(4500, "Internal error"))
                    }
                    _ => Err(Close(4403, "Forbidden")),
                }
            }
        }
    }
}

/// The messages of one operation. Its session is checked in the database first (a session
/// revoked on another instance a moment ago ends the socket instead). The real schema then
/// runs it (validation, authorisation, the first result of a query or mutation). An order-feed subscription hands its feed over
/// through a [`FeedSlot`]; its events are then rendered once per shape by the
/// [`LiveRenderer`](crate::graphql::live::LiveRenderer) and only framed here.
fn operation(
    app: Arc<AppState>,
    protocol: Protocol,
    id: String,
    request: Request,
    viewer: Viewer,
    peer: SocketAddr,
) -> BoxStream<'static, Utf8Bytes> {
    let data_type = if protocol == Protocol::TransportWs { "next" } else { "data" };
    // The id as a JSON string, escaped once for every message of the operation.
    let id = Value::String(id).to_string();
    let mut request = request;
    // Parsed once here; the execution reuses the parsed document.
    let name = request.operation_name.clone();
    if request.parsed_query().is_ok_and(|doc| several_root_fields(doc, name.as_deref())) {
        return futures::stream::once(std::future::ready(frame("error", &id, ONE_ROOT_FIELD_ERROR))).boxed();
    }
    let parts = (request.query.clone(), request.operation_name.clone(), request.variables.clone());
    let slot = FeedSlot::default();
    let request = request.data(viewer).data(ClientAddr(peer.ip())).data(slot.clone());
    let mut responses = app.schema.execute_stream(request);
    Box::pin(async_stream::stream! {
        let mut first = true;
        let mut admitted = Some(app.ws_admissions.acquire().await);
        if let Viewer::User { session_id, .. } = viewer {
            match app.services.accounts.live_sessions(&[session_id]).await {
                Ok(live) if live.contains(&session_id) => {}
                Ok(_) => {
                    // Revoked in the database: every socket of the session ends now.
                    app.sessions.end(session_id);
                    return;
                }
                Err(e) => {
                    let mut error = async_graphql::Error::from(e).into_server_error(async_graphql::Pos::default());
                    error.locations.clear();
                    yield frame("error", &id, &json!([error]).to_string());
                    return;
                }
            }
        }
        while let Some(mut response) = responses.next().await {
            admitted = None;
            let before_execution = first
                && (response.data == async_graphql::Value::Null)
                && !response.errors.is_empty()
                && response.errors.iter().all(|e| e.path.is_empty());
            first = false;
            for e in &mut response.errors {
                ensure_code(e, !before_execution);
            }
            if before_execution {
                yield frame("error", &id, &serde_json::to_string(&response.errors).unwrap_or_else(|_| "[]".to_owned()));
                return;
            }
            yield frame(data_type, &id, &serde_json::to_string(&response).unwrap_or_else(|_| "null".to_owned()));
        }
        drop(responses);
        drop(admitted);
        let live = match slot.take() {
            Ok(live) => live,
            Err(SeveralRootFields) => {
                yield frame("error", &id, ONE_ROOT_FIELD_ERROR);
                return;
            }
        };
        if let Some(live) = live {
            let shape = {
                let (query, operation, variables) = parts;
                app.live.shape(viewer, &query, operation.as_deref(), &variables)
            };
            let mut events = live.events;
            while let Some(next) = events.next().await {
                match next {
                    Ok(delivered) if (live.keep)(delivered.event.kind) => {
                        let payload = match &shape {
                            Some(shape) => Box::pin(app.live.payload(shape, &delivered)).await,
                            None => Arc::from(INTERNAL_PAYLOAD),
                        };
                        yield frame(data_type, &id, &payload);
                    }
                    Ok(_) => {}
                    Err(e) => {
                        // The feed retries from where it was at its next poll: tell the client,
                        // pause, go on.
                        let mut error = async_graphql::Error::from(e).into_server_error(async_graphql::Pos::default());
                        error.locations.clear();
                        ensure_code(&mut error, true);
                        let payload = json!({ "data": null, "errors": [error] });
                        yield frame(data_type, &id, &payload.to_string());
                        tokio::time::sleep(FEED_RETRY).await;
                    }
                }
            }
        }
        yield frame("complete", &id, "");
    })
}

/// `{"type":…,"id":…,"payload":…}` around an already serialised id and payload (no payload
/// when empty).
fn frame(kind: &str, id: &str, payload: &str) -> Utf8Bytes {
    let mut text = String::with_capacity(payload.len() + id.len() + kind.len() + 32);
    text.push_str(r#"{"type":""#);
    text.push_str(kind);
    text.push_str(r#"","id":"#);
    text.push_str(id);
    if !payload.is_empty() {
        text.push_str(r#","payload":"#);
        text.push_str(payload);
    }
    text.push('}');
    text.into()
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
