//! Slow clients: header, idle and body timeouts, the connection cap, and a server that keeps
//! answering others while hundreds of slow clients are connected.

use std::time::{Duration, Instant};

use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::helpers::TestApp;

/// Reads until the server closes the connection (EOF or reset); returns when that happened,
/// or `None` if it stayed open for `within`.
async fn closed_within(tcp: &mut TcpStream, within: Duration) -> Option<Instant> {
    let mut buf = [0u8; 4096];
    let deadline = tokio::time::Instant::now() + within;
    loop {
        match tokio::time::timeout_at(deadline, tcp.read(&mut buf)).await {
            Err(_) => return None,
            Ok(Ok(0) | Err(_)) => return Some(Instant::now()),
            Ok(Ok(_)) => {}
        }
    }
}

async fn answered_quickly(app: &TestApp) -> Duration {
    let started = Instant::now();
    app.gql(None, "{ __typename }", json!({})).await.assert_ok();
    started.elapsed()
}

#[tokio::test]
async fn hundreds_of_slow_clients_are_dropped_at_their_timeouts_while_others_are_served() {
    let app = TestApp::spawn_with(|c| {
        c.header_timeout_secs = 2;
        c.idle_timeout_secs = 3;
        c.body_timeout_secs = 2;
    })
    .await;
    const EACH: usize = 100;
    let started = Instant::now();
    let mut dripping = Vec::new();
    let mut idle = Vec::new();
    let mut slow_bodies = Vec::new();
    for _ in 0..EACH {
        // Headers that never end.
        let mut tcp = TcpStream::connect(app.addr).await.unwrap();
        tcp.write_all(b"POST /graphql HTTP/1.1\r\nHost: x\r\n").await.unwrap();
        dripping.push(tcp);
        // A keep-alive connection that answered one request and then sits.
        let mut tcp = TcpStream::connect(app.addr).await.unwrap();
        tcp.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").await.unwrap();
        let mut buf = [0u8; 512];
        let n = tcp.read(&mut buf).await.unwrap();
        assert!(buf[..n].starts_with(b"HTTP/1.1 200"), "{}", String::from_utf8_lossy(&buf[..n]));
        idle.push(tcp);
        // A declared body of 1000 bytes of which 10 arrive.
        let mut tcp = TcpStream::connect(app.addr).await.unwrap();
        let head = "POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"query\":";
        tcp.write_all(head.as_bytes()).await.unwrap();
        slow_bodies.push(tcp);
    }
    // The drip goes on, one byte at a time, while others are served quickly.
    for round in 0..3 {
        for tcp in &mut dripping {
            let _ = tcp.write_all(b"X").await;
        }
        let took = answered_quickly(&app).await;
        assert!(took < Duration::from_secs(1), "round {round}: a normal request took {took:?} beside {} slow clients", 3 * EACH);
        let health = app.http.get(format!("{}/healthz", app.base)).send().await.unwrap();
        assert_eq!(health.status(), 200);
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    // Every slow client is gone within its timeout (plus slack for a loaded machine).
    for tcp in &mut dripping {
        let at = closed_within(tcp, Duration::from_secs(8)).await.expect("a client dripping headers is dropped");
        assert!(at.duration_since(started) < Duration::from_secs(7), "dropped after {:?}", at.duration_since(started));
    }
    for tcp in &mut idle {
        closed_within(tcp, Duration::from_secs(8)).await.expect("an idle keep-alive connection is closed");
    }
    for tcp in &mut slow_bodies {
        let mut answer = Vec::new();
        let _ = tokio::time::timeout(Duration::from_secs(8), tcp.read_to_end(&mut answer)).await.expect("a dripping body is ended");
        let answer = String::from_utf8_lossy(&answer);
        assert!(answer.starts_with("HTTP/1.1 408"), "a dripping body gets 408: {answer}");
    }
    assert!(answered_quickly(&app).await < Duration::from_secs(1));
}

#[tokio::test]
async fn a_keep_alive_connection_serves_several_requests_before_its_idle_timeout() {
    let app = TestApp::spawn_with(|c| {
        c.header_timeout_secs = 1;
        c.idle_timeout_secs = 3;
    })
    .await;
    let mut tcp = TcpStream::connect(app.addr).await.unwrap();
    for i in 0..3 {
        if i > 0 {
            // Pauses longer than the header timeout, shorter than the idle timeout: still open.
            tokio::time::sleep(Duration::from_millis(1500)).await;
        }
        tcp.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").await.unwrap();
        let mut buf = [0u8; 512];
        let n = tokio::time::timeout(Duration::from_secs(2), tcp.read(&mut buf)).await.unwrap().unwrap();
        assert!(buf[..n].starts_with(b"HTTP/1.1 200"), "{}", String::from_utf8_lossy(&buf[..n]));
    }
    let idle_from = Instant::now();
    let closed = closed_within(&mut tcp, Duration::from_secs(6)).await.expect("closed once idle");
    let idle = closed.duration_since(idle_from);
    assert!(idle >= Duration::from_millis(2500) && idle < Duration::from_secs(5), "closed after {idle:?} idle");
}

#[tokio::test]
async fn past_the_connection_cap_new_connections_are_closed_and_served_again_once_slots_free() {
    let app = TestApp::spawn_with(|c| c.max_connections = 20).await;
    let mut held = Vec::new();
    for _ in 0..20 {
        let mut tcp = TcpStream::connect(app.addr).await.unwrap();
        tcp.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").await.unwrap();
        let mut buf = [0u8; 512];
        let n = tcp.read(&mut buf).await.unwrap();
        assert!(buf[..n].starts_with(b"HTTP/1.1 200"));
        held.push(tcp);
    }
    let mut extra = TcpStream::connect(app.addr).await.unwrap();
    let _ = extra.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").await;
    let mut buf = [0u8; 512];
    let n = tokio::time::timeout(Duration::from_secs(2), extra.read(&mut buf)).await.expect("closed at once").unwrap_or(0);
    assert_eq!(n, 0, "the 21st connection is closed unanswered: {}", String::from_utf8_lossy(&buf[..n]));
    drop(held);
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(answered_quickly(&app).await < Duration::from_secs(1));
}
