//! Realtime load generator: boots the app in this process (SQLite in a temp file, or
//! `DATABASE_URL`), opens N authenticated websocket subscribers on one influencer's
//! `myOrderEvents`, places orders over HTTP at a fixed rate and reports delivery latency
//! (commit → receipt: p50/p99/max), deliveries/s, events lost, CPU time and RSS.
//!
//! `cargo run --example load -- SUBSCRIBERS RATE_PER_S SECONDS`
//! (run `ulimit -n 65535` first for thousands of subscribers). By default server and clients
//! share this process, so RSS and CPU cover both: the per-subscriber memory is an upper bound.
//! With `LOAD_URL=http://127.0.0.1:8000 LOAD_SERVER_PID=<pid>` it drives a separately started
//! server (`adbridge serve`) and reads that process's RSS and CPU: server-only figures.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use adbridge::app::{App, Overrides};
use adbridge::config::Config;
use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::sync::Mutex;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

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
    req.send().await.expect("request").json().await.expect("json")
}

async fn sign_up(http: &reqwest::Client, base: &str, role: &str) -> (String, String) {
    let email = format!("{}-{}@load.test", role.to_lowercase(), rand::random::<u64>());
    let input = json!({ "i": { "email": email, "password": "correct horse battery", "displayName": "Load", "role": role } });
    let res = gql(http, base, None, "mutation($i: SignUpInput!) { signUp(input: $i) { token user { id } } }", input).await;
    (
        res["data"]["signUp"]["token"].as_str().expect("token").to_owned(),
        res["data"]["signUp"]["user"]["id"].as_str().expect("id").to_owned(),
    )
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<u64> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let (subscribers, rate, seconds) =
        (args.first().copied().unwrap_or(1000), args.get(1).copied().unwrap_or(10), args.get(2).copied().unwrap_or(10));
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
    let addr = base.trim_start_matches("http://").to_owned();
    let http = reqwest::Client::new();
    let (inf_token, _) = sign_up(&http, &base, "INFLUENCER").await;
    let (adv_token, _) = sign_up(&http, &base, "ADVERTISER").await;
    let space = ad_space(&http, &base, &inf_token).await?;

    let (_, rss_before) = proc_stat();
    let received = Arc::new(AtomicU64::new(0));
    let latencies = Arc::new(Mutex::new(Vec::<f64>::new()));
    let ready = Arc::new(AtomicU64::new(0));
    for _ in 0..subscribers {
        let (url, token, received, latencies, ready) =
            (format!("ws://{addr}/graphql/ws"), inf_token.clone(), received.clone(), latencies.clone(), ready.clone());
        tokio::spawn(async move {
            let mut req = url.into_client_request().expect("url");
            req.headers_mut().insert("sec-websocket-protocol", "graphql-transport-ws".parse().expect("header"));
            let small = tokio_tungstenite::tungstenite::protocol::WebSocketConfig::default().read_buffer_size(4096).write_buffer_size(0);
            let Ok((mut ws, _)) = tokio_tungstenite::connect_async_with_config(req, Some(small), true).await else { return };
            let _ = ws.send(Message::text(json!({ "type": "connection_init", "payload": { "token": token } }).to_string())).await;
            let sub = json!({ "type": "subscribe", "id": "1", "payload": { "query": "subscription { myOrderEvents { createdAt } }" } });
            let _ = ws.send(Message::text(sub.to_string())).await;
            ready.fetch_add(1, Ordering::Relaxed);
            while let Some(Ok(msg)) = ws.next().await {
                let Message::Text(text) = msg else { continue };
                let v: Value = serde_json::from_str(&text).unwrap_or_default();
                if v["type"] == "next" {
                    let at = v["payload"]["data"]["myOrderEvents"]["createdAt"]
                        .as_str()
                        .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok());
                    if let Some(at) = at {
                        let ms = (chrono::Utc::now() - at.with_timezone(&chrono::Utc)).num_microseconds().unwrap_or(0) as f64 / 1000.0;
                        latencies.lock().await.push(ms);
                    }
                    received.fetch_add(1, Ordering::Relaxed);
                } else if v["type"] == "ping" {
                    let _ = ws.send(Message::text(r#"{"type":"pong"}"#)).await;
                }
            }
        });
    }
    while ready.load(Ordering::Relaxed) < subscribers {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let (cpu0, rss_idle) = proc_stat();
    println!(
        "subscribers={subscribers} rss_before={rss_before}KiB rss_idle={rss_idle}KiB per_subscriber={:.1}KiB (server+client)",
        (rss_idle.saturating_sub(rss_before)) as f64 / subscribers.max(1) as f64
    );

    let started = Instant::now();
    let mut placed = 0u64;
    let mut tick = tokio::time::interval(Duration::from_secs_f64(1.0 / rate.max(1) as f64));
    while started.elapsed() < Duration::from_secs(seconds) {
        tick.tick().await;
        let res = gql(
            &http,
            &base,
            Some(&adv_token),
            "mutation($i: PlaceOrderInput!) { placeOrder(input: $i) { order { id } } }",
            json!({ "i": { "adSpaceId": space, "brief": "Load test brief" } }),
        )
        .await;
        if res.get("errors").is_none() {
            placed += 1;
        }
    }
    let expected = placed * subscribers;
    let deadline = Instant::now() + Duration::from_secs(10);
    while received.load(Ordering::Relaxed) < expected && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let elapsed = started.elapsed().as_secs_f64();
    let (cpu1, rss_end) = proc_stat();
    let mut l = latencies.lock().await.clone();
    l.sort_by(f64::total_cmp);
    let pct = |p: f64| l.get(((l.len() as f64 * p) as usize).min(l.len().saturating_sub(1))).copied().unwrap_or(f64::NAN);
    let got = received.load(Ordering::Relaxed);
    println!(
        "events={placed} deliveries={got}/{expected} lost={} p50={:.1}ms p99={:.1}ms max={:.1}ms deliveries/s={:.0} cpu={:.1}s over {:.1}s rss_end={rss_end}KiB",
        expected.saturating_sub(got),
        pct(0.5),
        pct(0.99),
        l.last().copied().unwrap_or(f64::NAN),
        got as f64 / elapsed,
        cpu1 - cpu0,
        elapsed
    );
    std::process::exit(0);
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
