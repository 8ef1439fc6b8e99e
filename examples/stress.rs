//! Stress tool: replays the abuse of issue 12 that one request or one client could do, against
//! a server it starts in this process, and prints figures. It fails (exit 1) when the server
//! does not hold: a bomb executed, a normal request stalled, a slow client kept, an outage
//! answered otherwise than `503 UNAVAILABLE`, no recovery.
//!
//! 1. **cost**: the nested `adSpaces → influencer → adSpaces` query on an influencer with 30
//!    spaces, `REQUESTS` times by `CLIENTS` clients (refusal latency, RSS before and after);
//! 2. **fragment bomb**: `query { ...F0 }` with F0…F6 each spreading the next ten times, same
//!    counts, while `/healthz` is timed;
//! 3. **slow clients**: `SLOW` connections of each kind (headers dripping, idle keep-alive,
//!    body dripping) while normal requests are timed; then how many the server closed;
//! 4. **outage** (the item 12): the app on Postgres through a proxy that is cut:
//!    latency and answers of requests during the outage, `/readyz` latency, time to recover.
//!
//! `cargo run --release --example stress` (real numbers: 2,000 bombs by 32 clients, 300 slow
//! clients of each kind); `cargo run --example stress -- --small` (what `.ci/run` does).
//! Postgres for the outage: `STRESS_POSTGRES_URL` (default `postgres://postgres@127.0.0.1:5432/postgres`).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use adbridge::app::{App, Overrides};
use adbridge::config::Config;
use adbridge::seed::{SeedOptions, seed};
use adbridge::store::Store;
use anyhow::{Context, ensure};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

struct Sizes {
    requests: usize,
    clients: usize,
    slow: usize,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let small = std::env::args().any(|a| a == "--small");
    let sizes = if small { Sizes { requests: 40, clients: 4, slow: 30 } } else { Sizes { requests: 2000, clients: 32, slow: 300 } };
    println!("stress: {} bombs by {} clients, {} slow clients of each kind", sizes.requests, sizes.clients, sizes.slow);
    let dir = std::env::temp_dir().join(format!("adbridge-stress-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let mut config = Config::defaults();
    config.listen = "127.0.0.1:0".parse()?;
    config.database_url = format!("sqlite://{}/stress.db?mode=rwc", dir.display());
    config.header_timeout_secs = 2;
    config.idle_timeout_secs = 3;
    config.body_timeout_secs = 2;
    let store = Store::connect(&config.database_url, 4).await?;
    store.migrate().await?;
    seed(&store, SeedOptions { influencers: 1, spaces: 30, advertisers: 1, seed: 42 }).await?;
    let app = App::build(config, Overrides::default()).await?;
    let base = format!("http://{}", app.addr());
    let addr = app.addr();
    tokio::spawn(app.run(std::future::pending()));
    let http = reqwest::Client::builder().pool_max_idle_per_host(sizes.clients).timeout(Duration::from_secs(60)).build()?;

    let page: Value = http
        .post(format!("{base}/graphql"))
        .json(&json!({ "query": "{ adSpaces(first: 1) { nodes { influencer { id } } } }" }))
        .send()
        .await?
        .json()
        .await?;
    let influencer =
        page.pointer("/data/adSpaces/nodes/0/influencer/id").and_then(Value::as_str).context("a seeded influencer")?.to_owned();
    let cost_bomb = format!(
        "{{ adSpaces(filter:{{influencerId:\"{influencer}\"}}, first:30) {{ nodes {{ influencer {{ adSpaces {{ influencer {{ adSpaces {{ influencer {{ adSpaces {{ id }} }} }} }} }} }} }} }} }}"
    );
    let rss = rss_mib();
    let (lat, _) = bombard(&http, &base, &cost_bomb, &sizes, "QUERY_TOO_COSTLY").await?;
    report("1. cost bomb (QUERY_TOO_COSTLY)", &lat);
    println!("   RSS {rss:.0} MiB before, {:.0} MiB after", rss_mib());

    let (lat, health) = bombard(&http, &base, &fragment_bomb(), &sizes, "QUERY_TOO_LARGE").await?;
    report("2. fragment bomb (QUERY_TOO_LARGE)", &lat);
    report("   /healthz meanwhile", &health);
    ensure!(health.iter().all(|d| *d < Duration::from_secs(1)), "/healthz stalled during the fragment bombs");

    // The largest flat document the default limits accept: validation is bounded too.
    let largest = format!("{{ {} }}", vec!["__typename"; 1999].join(" "));
    let (lat, health) = bombard(&http, &base, &largest, &sizes, "").await?;
    report("2b. 1,999 x __typename (accepted, the field limit)", &lat);
    report("    /healthz meanwhile", &health);
    ensure!(health.iter().all(|d| *d < Duration::from_secs(1)), "/healthz stalled during the largest documents");

    slow_clients(&http, &base, addr, sizes.slow).await?;
    outage(sizes.requests.min(200)).await?;
    let _ = std::fs::remove_dir_all(&dir);
    println!("stress: the server held");
    Ok(())
}

/// `query { ...F0 }` with F0…F6 each spreading the next ten times and F7 `{ __typename }`.
fn fragment_bomb() -> String {
    let mut doc = String::from("query { ...F0 }\n");
    for i in 0..7 {
        doc.push_str(&format!("fragment F{i} on Query {{ {} }}\n", vec![format!("...F{}", i + 1); 10].join(" ")));
    }
    doc + "fragment F7 on Query { __typename }\n"
}

/// Sends `query` `requests` times from `clients` clients, expecting `code` each time (data
/// when empty), while `/healthz` is polled; returns the latencies of both.
async fn bombard(
    http: &reqwest::Client,
    base: &str,
    query: &str,
    sizes: &Sizes,
    code: &str,
) -> anyhow::Result<(Vec<Duration>, Vec<Duration>)> {
    let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let prober = {
        let (http, url, done) = (http.clone(), format!("{base}/healthz"), done.clone());
        tokio::spawn(async move {
            let mut lat = Vec::new();
            while !done.load(std::sync::atomic::Ordering::Relaxed) {
                let t = Instant::now();
                let _ = http.get(&url).send().await;
                lat.push(t.elapsed());
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            lat
        })
    };
    let mut tasks = Vec::new();
    for c in 0..sizes.clients {
        let n = sizes.requests / sizes.clients + usize::from(c < sizes.requests % sizes.clients);
        let (http, url, body, code) = (http.clone(), format!("{base}/graphql"), json!({ "query": query }), code.to_owned());
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::with_capacity(n);
            for _ in 0..n {
                let t = Instant::now();
                let res: Value = http.post(&url).json(&body).send().await?.json().await?;
                lat.push(t.elapsed());
                match code.as_str() {
                    "" => ensure!(res.get("errors").is_none(), "expected data: {res}"),
                    code => ensure!(res.pointer("/errors/0/extensions/code") == Some(&json!(code)), "expected {code}: {res}"),
                }
            }
            Ok::<_, anyhow::Error>(lat)
        }));
    }
    let mut lat = Vec::new();
    for t in tasks {
        lat.extend(t.await??);
    }
    done.store(true, std::sync::atomic::Ordering::Relaxed);
    Ok((lat, prober.await?))
}

/// Slow clients of three kinds while normal requests are timed; then how many were closed.
async fn slow_clients(http: &reqwest::Client, base: &str, addr: SocketAddr, each: usize) -> anyhow::Result<()> {
    let started = Instant::now();
    let mut conns = Vec::new();
    for _ in 0..each {
        let mut a = TcpStream::connect(addr).await?;
        a.write_all(b"POST /graphql HTTP/1.1\r\nHost: x\r\n").await?;
        let mut b = TcpStream::connect(addr).await?;
        b.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").await?;
        let _ = b.read(&mut [0u8; 512]).await?;
        let mut c = TcpStream::connect(addr).await?;
        c.write_all(b"POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{").await?;
        conns.extend([a, b, c]);
    }
    let opened = started.elapsed();
    let mut lat = Vec::new();
    for _ in 0..20 {
        for tcp in conns.iter_mut().step_by(3) {
            let _ = tcp.write_all(b"X").await;
        }
        let t = Instant::now();
        let res: Value = http.post(format!("{base}/graphql")).json(&json!({ "query": "{ __typename }" })).send().await?.json().await?;
        ensure!(res.get("errors").is_none(), "{res}");
        lat.push(t.elapsed());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    println!("3. {} slow clients opened in {:.0} ms", conns.len(), opened.as_secs_f64() * 1e3);
    report("   normal requests beside them", &lat);
    ensure!(lat.iter().all(|d| *d < Duration::from_secs(1)), "a normal request stalled beside the slow clients");
    let mut closed = 0;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(8);
    for tcp in &mut conns {
        let mut buf = [0u8; 1024];
        loop {
            match tokio::time::timeout_at(deadline, tcp.read(&mut buf)).await {
                Ok(Ok(0) | Err(_)) => {
                    closed += 1;
                    break;
                }
                Ok(Ok(_)) => {}
                Err(_) => break,
            }
        }
    }
    println!("   closed by the server within 8 s of the timeouts (2 s header and body, 3 s idle): {closed} of {}", conns.len());
    ensure!(closed == conns.len(), "slow clients were kept");
    Ok(())
}

/// The app on Postgres through a proxy; the proxy is cut, then restored.
async fn outage(requests: usize) -> anyhow::Result<()> {
    let admin = std::env::var("STRESS_POSTGRES_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let name = format!("adbridge_stress_{}", std::process::id());
    let admin_db = sea_orm::Database::connect(&admin).await.context("Postgres for the outage scenario")?;
    use sea_orm::ConnectionTrait;
    admin_db.execute_unprepared(&format!("DROP DATABASE IF EXISTS {name}")).await?;
    admin_db.execute_unprepared(&format!("CREATE DATABASE {name}")).await?;
    let (proxy, up, cut) = proxy("127.0.0.1:5432".parse()?).await?;
    let base = admin.rsplit_once('/').map_or(admin.as_str(), |(b, _)| b);
    let (user_part, _) = base.split_once('@').context("a Postgres URL with a user")?;
    let mut config = Config::defaults();
    config.listen = "127.0.0.1:0".parse()?;
    config.database_url = format!("{user_part}@{proxy}/{name}");
    config.db_acquire_timeout_ms = 500;
    let app = App::build(config, Overrides::default()).await?;
    let url = format!("http://{}", app.addr());
    tokio::spawn(app.run(std::future::pending()));
    let http = reqwest::Client::new();
    let query = json!({ "query": "{ adSpaces(first: 5) { nodes { id } } }" });

    up.store(false, std::sync::atomic::Ordering::SeqCst);
    cut.send_modify(|n| *n += 1);
    let mut lat = Vec::new();
    for _ in 0..requests {
        let t = Instant::now();
        let res = http.post(format!("{url}/graphql")).json(&query).send().await?;
        lat.push(t.elapsed());
        ensure!(res.status() == 503 && res.headers().contains_key("retry-after"), "answered {} during the outage", res.status());
        let body: Value = res.json().await?;
        ensure!(body.pointer("/errors/0/extensions/code") == Some(&json!("UNAVAILABLE")), "{body}");
    }
    report("12. requests during the outage (all 503 UNAVAILABLE)", &lat);
    let t = Instant::now();
    let ready = http.get(format!("{url}/readyz")).send().await?.status();
    println!("    /readyz: {ready} in {:.0} ms", t.elapsed().as_secs_f64() * 1e3);
    ensure!(ready == 503 && t.elapsed() < Duration::from_secs(1), "/readyz");
    up.store(true, std::sync::atomic::Ordering::SeqCst);
    let back = Instant::now();
    loop {
        let res = http.post(format!("{url}/graphql")).json(&query).send().await?;
        if res.status() == 200 {
            break;
        }
        ensure!(back.elapsed() < Duration::from_secs(15), "no recovery within 15 s");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    println!("    recovered {:.0} ms after the database came back", back.elapsed().as_secs_f64() * 1e3);
    drop(admin_db.execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await);
    Ok(())
}

type Proxy = (SocketAddr, Arc<std::sync::atomic::AtomicBool>, tokio::sync::watch::Sender<u64>);

/// A TCP proxy to `target` that can refuse connections (`up`) and drop open ones (`cut`).
async fn proxy(target: SocketAddr) -> anyhow::Result<Proxy> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let up = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let (cut, _) = tokio::sync::watch::channel(0u64);
    let (accepting, cuts) = (up.clone(), cut.clone());
    tokio::spawn(async move {
        while let Ok((mut client, _)) = listener.accept().await {
            if !accepting.load(std::sync::atomic::Ordering::SeqCst) {
                continue;
            }
            let mut cut = cuts.subscribe();
            tokio::spawn(async move {
                let Ok(mut server) = TcpStream::connect(target).await else { return };
                tokio::select! {
                    _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
                    _ = cut.changed() => {}
                }
            });
        }
    });
    Ok((addr, up, cut))
}

fn report(name: &str, lat: &[Duration]) {
    let mut all = lat.to_vec();
    all.sort();
    let pct = |p: f64| {
        all.get(((all.len() as f64 * p).ceil() as usize).saturating_sub(1).min(all.len().saturating_sub(1))).copied().unwrap_or_default()
    };
    println!(
        "{name:<52} n {:>5}  median {:>7.2} ms  p99 {:>7.2} ms  max {:>7.2} ms",
        all.len(),
        pct(0.5).as_secs_f64() * 1e3,
        pct(0.99).as_secs_f64() * 1e3,
        pct(1.0).as_secs_f64() * 1e3
    );
}

/// This process's resident memory (server and clients alike), in MiB.
fn rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kib =
        status.lines().find_map(|l| l.strip_prefix("VmRSS:")).and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok());
    kib.unwrap_or(0.0) / 1024.0
}
