//! Realtime load generator: opens N authenticated websocket subscribers, drives mutations over
//! HTTP at a fixed rate and reports delivery latency (commit → receipt: p50/p99/max),
//! deliveries/s, events lost, and the server's CPU time and RSS.
//!
//! `cargo run --release --example load -- SUBSCRIBERS RATE_PER_S SECONDS`
//! (run `ulimit -n 65535` first for thousands of subscribers).
//!
//! - `LOAD_MODE=order` (default): the subscribers follow `orderEvents` of **one** order, half
//!   as its advertiser and half as its influencer; the two parties post messages in it at the
//!   rate. `LOAD_MODE=user`: they follow the influencer's `myOrderEvents` and the advertiser
//!   places orders.
//! - `LOAD_UNRELATED=K`: K more subscribers follow the feed of a user who takes no part, to
//!   show that their number does not change the cost of an event.
//! - By default the app runs in this process (SQLite in a temp file, or `DATABASE_URL`): RSS
//!   and CPU then cover server and clients. With `LOAD_URL=http://127.0.0.1:8000` and
//!   `LOAD_SERVER_PID=<pid>` it drives a separately started `adbridge serve` and reads that
//!   process's RSS and CPU: server-only figures. `LOAD_WRITE_URL` sends the mutations to
//!   another instance (two instances through Redis). Both take comma-separated URLs: the
//!   subscribers, and the writes, then go round-robin over those instances.
//!
//! Latency is measured from each event's `createdAt` (stamped in the committing transaction)
//! to the moment the subscriber has the message, on the same clock.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use adbridge::app::{App, Overrides};
use adbridge::config::Config;
use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

/// Latency histogram: 0.1 ms buckets up to 30 s, lock-free.
struct Histogram(Vec<AtomicU64>);

impl Histogram {
    const BUCKETS: usize = 300_000;

    fn new() -> Self {
        Self((0..Self::BUCKETS).map(|_| AtomicU64::new(0)).collect())
    }

    fn record(&self, ms: f64) {
        let bucket = ((ms.max(0.0) * 10.0) as usize).min(Self::BUCKETS - 1);
        self.0[bucket].fetch_add(1, Ordering::Relaxed);
    }

    fn reset(&self) {
        self.0.iter().for_each(|c| c.store(0, Ordering::Relaxed));
    }

    /// (p50, p99, max) in ms.
    fn summary(&self) -> (f64, f64, f64) {
        let counts: Vec<u64> = self.0.iter().map(|c| c.load(Ordering::Relaxed)).collect();
        let total: u64 = counts.iter().sum();
        let at = |q: f64| {
            let want = ((total as f64) * q).ceil().max(1.0) as u64;
            let mut seen = 0;
            for (i, c) in counts.iter().enumerate() {
                seen += c;
                if seen >= want {
                    return (i as f64 + 1.0) / 10.0;
                }
            }
            f64::NAN
        };
        let max = counts.iter().rposition(|c| *c > 0).map(|i| (i as f64 + 1.0) / 10.0).unwrap_or(f64::NAN);
        (at(0.5), at(0.99), max)
    }
}

fn proc_stat() -> (f64, u64) {
    let pid = std::env::var("LOAD_SERVER_PID").unwrap_or_else(|_| "self".to_owned());
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let fields: Vec<&str> = stat.rsplit_once(')').map(|(_, r)| r.split_whitespace().collect()).unwrap_or_default();
    let ticks: f64 = fields.get(11).and_then(|u| u.parse::<f64>().ok()).unwrap_or(0.0)
        + fields.get(12).and_then(|s| s.parse::<f64>().ok()).unwrap_or(0.0);
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let rss_kib = status.lines().find(|l| l.starts_with("VmRSS:")).and_then(|l| l.split_whitespace().nth(1)?.parse().ok()).unwrap_or(0);
    (ticks / 100.0, rss_kib)
}

async fn gql(http: &reqwest::Client, base: &str, token: Option<&str>, query: &str, vars: Value) -> Value {
    let mut req = http.post(format!("{base}/graphql")).json(&json!({ "query": query, "variables": vars }));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    match req.send().await {
        Ok(res) => res.json().await.unwrap_or_else(|e| json!({ "errors": [e.to_string()] })),
        Err(e) => json!({ "errors": [e.to_string()] }),
    }
}

async fn sign_up(http: &reqwest::Client, base: &str, role: &str) -> String {
    let email = format!("{}-{}@load.test", role.to_lowercase(), rand::random::<u64>());
    let input = json!({ "i": { "email": email, "password": "correct horse battery", "displayName": "Load", "role": role } });
    let res = gql(http, base, None, "mutation($i: SignUpInput!) { signUp(input: $i) { token } }", input).await;
    res["data"]["signUp"]["token"].as_str().unwrap_or_else(|| panic!("signUp: {res}")).to_owned()
}

/// The `createdAt` of a `next` message, read without parsing the whole message.
fn created_at(text: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    let start = text.find(r#""createdAt":""#)? + 13;
    let end = start + text[start..].find('"')?;
    chrono::DateTime::parse_from_rfc3339(&text[start..end]).ok().map(|t| t.with_timezone(&chrono::Utc))
}

/// Opens one subscriber; counts and times its `next` messages.
fn subscriber(
    url: String,
    token: String,
    query: String,
    vars: Value,
    received: Arc<AtomicU64>,
    hist: Arc<Histogram>,
    ready: Arc<AtomicU64>,
) {
    tokio::spawn(async move {
        let mut req = url.into_client_request().expect("url");
        req.headers_mut().insert("sec-websocket-protocol", "graphql-transport-ws".parse().expect("header"));
        let small = tokio_tungstenite::tungstenite::protocol::WebSocketConfig::default().read_buffer_size(4096).write_buffer_size(0);
        let Ok((mut ws, _)) = tokio_tungstenite::connect_async_with_config(req, Some(small), true).await else {
            eprintln!("a subscriber could not connect");
            return;
        };
        let _ = ws.send(Message::text(json!({ "type": "connection_init", "payload": { "token": token } }).to_string())).await;
        let sub = json!({ "type": "subscribe", "id": "1", "payload": { "query": query, "variables": vars } });
        let _ = ws.send(Message::text(sub.to_string())).await;
        let mut counted = false;
        while let Some(Ok(msg)) = ws.next().await {
            let Message::Text(text) = msg else { continue };
            if text.starts_with(r#"{"type":"next""#) {
                if let Some(at) = created_at(&text) {
                    hist.record((chrono::Utc::now() - at).num_microseconds().unwrap_or(0) as f64 / 1000.0);
                }
                received.fetch_add(1, Ordering::Relaxed);
            } else if text.contains(r#""type":"connection_ack""#) && !counted {
                counted = true;
                ready.fetch_add(1, Ordering::Relaxed);
            } else if text.contains(r#""type":"ping""#) {
                let _ = ws.send(Message::text(r#"{"type":"pong"}"#)).await;
            } else if !text.contains("pong") {
                eprintln!("unexpected: {text}");
            }
        }
    });
}

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Against a separate server the tool runs on one thread by default (it needs less than a core,
/// and two worker threads would only compete with the server's for the two cores), or on
/// `LOAD_THREADS` worker threads; with the app in process it runs on the usual multi-threaded
/// runtime.
fn main() -> anyhow::Result<()> {
    let mut runtime = if std::env::var("LOAD_URL").is_ok() {
        tokio::runtime::Builder::new_current_thread()
    } else {
        tokio::runtime::Builder::new_multi_thread()
    };
    runtime.enable_all().build()?.block_on(run())
}

async fn run() -> anyhow::Result<()> {
    let args: Vec<u64> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let (subscribers, rate, seconds) =
        (args.first().copied().unwrap_or(1000), args.get(1).copied().unwrap_or(10), args.get(2).copied().unwrap_or(10));
    let order_mode = std::env::var("LOAD_MODE").map(|m| m != "user").unwrap_or(true);
    let unrelated: u64 = std::env::var("LOAD_UNRELATED").ok().and_then(|k| k.parse().ok()).unwrap_or(0);
    let base = match std::env::var("LOAD_URL") {
        Ok(url) => url,
        Err(_) => {
            let mut config = Config::defaults();
            config.listen = "127.0.0.1:0".parse()?;
            config.database_url = std::env::var("DATABASE_URL").unwrap_or_else(|_| {
                format!("sqlite://{}/adbridge-load-{}.db?mode=rwc", std::env::temp_dir().display(), rand::random::<u32>())
            });
            config.argon2_memory_kib = 1024;
            config.writes_per_minute = 1_000_000;
            config.login_per_minute = 1_000_000;
            let app = App::build(config, Overrides::default()).await?;
            let addr = app.addr();
            tokio::spawn(app.run(std::future::pending()));
            format!("http://{addr}")
        }
    };
    // Several comma-separated URLs: subscribers (and writes) go round-robin over the instances.
    let bases: Vec<String> = base.split(',').map(str::to_owned).collect();
    let base = bases[0].clone();
    let writes_to: Vec<String> =
        std::env::var("LOAD_WRITE_URL").map(|w| w.split(',').map(str::to_owned).collect()).unwrap_or_else(|_| vec![base.clone()]);
    let write_base = writes_to[0].clone();
    let ws_urls: Vec<String> = bases.iter().map(|b| format!("ws://{}/graphql/ws", b.trim_start_matches("http://"))).collect();
    let ws_url = ws_urls[0].clone();
    let http = reqwest::Client::new();
    let inf_token = sign_up(&http, &base, "INFLUENCER").await;
    let adv_token = sign_up(&http, &base, "ADVERTISER").await;
    let space = ad_space(&http, &base, &inf_token).await?;
    let order = if order_mode {
        let placed = gql(
            &http,
            &base,
            Some(&adv_token),
            "mutation($i: PlaceOrderInput!) { placeOrder(input: $i) { order { id } } }",
            json!({ "i": { "adSpaceId": space, "brief": "Load test brief" } }),
        )
        .await;
        Some(placed["data"]["placeOrder"]["order"]["id"].as_str().ok_or_else(|| anyhow::anyhow!("placeOrder: {placed}"))?.to_owned())
    } else {
        None
    };

    let (_, rss_before) = proc_stat();
    let received = Arc::new(AtomicU64::new(0));
    let hist = Arc::new(Histogram::new());
    let ready = Arc::new(AtomicU64::new(0));
    let selection = "{ cursor kind createdAt actor { displayName } details }";
    for i in 0..subscribers {
        let (token, query, vars) = match &order {
            Some(order) => (
                if i.is_multiple_of(2) { adv_token.clone() } else { inf_token.clone() },
                format!("subscription($o: ID!) {{ orderEvents(orderId: $o) {selection} }}"),
                json!({ "o": order }),
            ),
            None => (inf_token.clone(), format!("subscription {{ myOrderEvents {selection} }}"), json!({})),
        };
        subscriber(ws_urls[i as usize % ws_urls.len()].clone(), token, query, vars, received.clone(), hist.clone(), ready.clone());
        if i % 500 == 499 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    let bystanders = Arc::new(AtomicU64::new(0));
    if unrelated > 0 {
        let other = sign_up(&http, &base, "ADVERTISER").await;
        for _ in 0..unrelated {
            let query = format!("subscription {{ myOrderEvents {selection} }}");
            subscriber(ws_url.clone(), other.clone(), query, json!({}), bystanders.clone(), hist.clone(), ready.clone());
        }
    }
    let total = subscribers + unrelated;
    let connecting = Instant::now();
    while ready.load(Ordering::Relaxed) < total {
        if connecting.elapsed() > Duration::from_secs(120) {
            anyhow::bail!("only {} of {total} subscribers connected", ready.load(Ordering::Relaxed));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_secs(3)).await;
    let (_, rss_idle) = proc_stat();
    println!(
        "subscribers={subscribers} unrelated={unrelated} connected in {:.1}s rss_before={rss_before}KiB rss_idle={rss_idle}KiB per_subscriber={:.1}KiB{}",
        connecting.elapsed().as_secs_f64(),
        (rss_idle.saturating_sub(rss_before)) as f64 / total.max(1) as f64,
        if std::env::var("LOAD_SERVER_PID").is_ok() { " (server only)" } else { " (server+clients)" }
    );

    // Warm-up, not counted: one second of writes at the rate (the writing instance opens its
    // database connections), every subscriber has them before the measured run starts.
    let warm_ups = rate.clamp(1, 20);
    for n in 0..warm_ups {
        let res = match &order {
            Some(order) => {
                gql(
                    &http,
                    &write_base,
                    Some(&adv_token),
                    "mutation($i: SendMessageInput!) { sendMessage(input: $i) { message { id } } }",
                    json!({ "i": { "orderId": order, "body": format!("warm-up {n}") } }),
                )
                .await
            }
            None => {
                gql(
                    &http,
                    &write_base,
                    Some(&adv_token),
                    "mutation($i: PlaceOrderInput!) { placeOrder(input: $i) { order { id } } }",
                    json!({ "i": { "adSpaceId": space, "brief": "Load test brief" } }),
                )
                .await
            }
        };
        anyhow::ensure!(res.get("errors").is_none(), "warm-up write: {res}");
        tokio::time::sleep(Duration::from_secs_f64(1.0 / rate.max(1) as f64)).await;
    }
    let warming = Instant::now();
    while received.load(Ordering::Relaxed) < subscribers * warm_ups && warming.elapsed() < Duration::from_secs(30) {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    anyhow::ensure!(received.load(Ordering::Relaxed) == subscribers * warm_ups, "not every subscriber got the warm-up events");
    received.store(0, Ordering::Relaxed);
    hist.reset();
    let (cpu0, _) = proc_stat();

    let placed = Arc::new(AtomicU64::new(0));
    let failed = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let mut tick = tokio::time::interval(Duration::from_secs_f64(1.0 / rate.max(1) as f64));
    let mut writes = Vec::new();
    let mut n = 0u64;
    while started.elapsed() < Duration::from_secs(seconds) {
        tick.tick().await;
        n += 1;
        let write_base = writes_to[n as usize % writes_to.len()].clone();
        let (http, base, placed, failed) = (http.clone(), write_base, placed.clone(), failed.clone());
        let (query, token, vars) = match &order {
            Some(order) => (
                "mutation($i: SendMessageInput!) { sendMessage(input: $i) { message { id } } }",
                if n.is_multiple_of(2) { adv_token.clone() } else { inf_token.clone() },
                json!({ "i": { "orderId": order, "body": format!("message {n}") } }),
            ),
            None => (
                "mutation($i: PlaceOrderInput!) { placeOrder(input: $i) { order { id } } }",
                adv_token.clone(),
                json!({ "i": { "adSpaceId": space, "brief": "Load test brief" } }),
            ),
        };
        writes.push(tokio::spawn(async move {
            let res = gql(&http, &base, Some(&token), query, vars).await;
            if res.get("errors").is_none() {
                placed.fetch_add(1, Ordering::Relaxed);
            } else {
                failed.fetch_add(1, Ordering::Relaxed);
                eprintln!("write failed: {res}");
            }
        }));
    }
    for w in writes {
        let _ = w.await;
    }
    let write_secs = started.elapsed().as_secs_f64();
    let placed = placed.load(Ordering::Relaxed);
    let expected = placed * subscribers;
    let deadline = Instant::now() + Duration::from_secs(15);
    while received.load(Ordering::Relaxed) < expected && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let elapsed = started.elapsed().as_secs_f64();
    let (cpu1, rss_end) = proc_stat();
    let own_cpu = std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|s| {
            let f: Vec<String> = s.rsplit_once(')')?.1.split_whitespace().map(str::to_owned).collect();
            Some((f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?) / 100.0)
        })
        .unwrap_or(f64::NAN);
    let (p50, p99, max) = hist.summary();
    let got = received.load(Ordering::Relaxed);
    println!(
        "events={placed} (failed {}) in {write_secs:.1}s deliveries={got}/{expected} lost={} p50={p50:.1}ms p99={p99:.1}ms max={max:.1}ms deliveries/s={:.0} unrelated_deliveries={} cpu={:.1}s over {elapsed:.1}s rss_end={rss_end}KiB load_tool_cpu_total={own_cpu:.1}s",
        failed.load(Ordering::Relaxed),
        expected.saturating_sub(got),
        got as f64 / elapsed,
        bystanders.load(Ordering::Relaxed),
        cpu1 - cpu0,
    );
    std::process::exit(if got == expected { 0 } else { 1 });
}

/// An ad space of the influencer, created through `addChannel` and `createAdSpace`.
async fn ad_space(http: &reqwest::Client, base: &str, influencer: &str) -> anyhow::Result<String> {
    let channel = gql(
        http,
        base,
        Some(influencer),
        "mutation($i: AddChannelInput!) { addChannel(input: $i) { channel { id } } }",
        json!({ "i": { "platform": "INSTAGRAM", "handle": "@load", "url": "https://instagram.com/load", "followers": 1000 } }),
    )
    .await;
    let channel =
        channel["data"]["addChannel"]["channel"]["id"].as_str().ok_or_else(|| anyhow::anyhow!("addChannel: {channel}"))?.to_owned();
    let space = gql(
        http,
        base,
        Some(influencer),
        "mutation($i: CreateAdSpaceInput!) { createAdSpace(input: $i) { adSpace { id } } }",
        json!({ "i": { "channelId": channel, "title": "Load", "description": "Load", "format": "REEL",
                       "price": { "amountMinor": 1000, "currency": "EUR" } } }),
    )
    .await;
    Ok(space["data"]["createAdSpace"]["adSpace"]["id"].as_str().ok_or_else(|| anyhow::anyhow!("createAdSpace: {space}"))?.to_owned())
}
