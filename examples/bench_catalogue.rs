//! Discovery benchmark: seeds a catalogue (100k spaces by default) when the database has none,
//! serves the app on a loopback port and measures three queries over HTTP: (a) a first page of
//! 20 with nested influencer and channel, (b) a full-text query with two filters, (c) the 50th
//! page reached by cursor (and, for comparison, the first page of the same order).
//!
//! `DATABASE_URL=sqlite://data/bench.db?mode=rwc cargo run --example bench_catalogue -- 100000 400 4`
//! (arguments: spaces to seed, requests per scenario, concurrent clients).

use std::sync::Arc;
use std::time::{Duration, Instant};

use adbridge::app::{App, Overrides};
use adbridge::config::Config;
use adbridge::seed::{SeedOptions, seed};
use adbridge::store::Store;
use serde_json::{Value, json};

const NESTED: &str =
    "query($f: AdSpaceFilter, $s: AdSpaceSort, $after: String) { adSpaces(filter: $f, sort: $s, first: 20, after: $after) {
  edges { node { id title price { amountMinor currency } influencer { id displayName } channel { platform followers } } }
  pageInfo { hasNextPage endCursor } } }";

async fn post(http: &reqwest::Client, url: &str, vars: &Value) -> anyhow::Result<Value> {
    let body: Value = http.post(url).json(&json!({ "query": NESTED, "variables": vars })).send().await?.json().await?;
    anyhow::ensure!(body.get("errors").is_none(), "errors: {body}");
    Ok(body)
}

async fn scenario(name: &str, http: &reqwest::Client, url: &str, vars: Value, requests: usize, clients: usize) -> anyhow::Result<()> {
    post(http, url, &vars).await?; // warm-up
    let vars = Arc::new(vars);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..clients {
        let (http, url, vars) = (http.clone(), url.to_owned(), vars.clone());
        let n = requests / clients + usize::from(c < requests % clients);
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::with_capacity(n);
            for _ in 0..n {
                let t = Instant::now();
                post(&http, &url, &vars).await?;
                lat.push(t.elapsed());
            }
            Ok::<_, anyhow::Error>(lat)
        }));
    }
    let mut all: Vec<Duration> = Vec::new();
    for t in tasks {
        all.extend(t.await??);
    }
    let elapsed = started.elapsed();
    all.sort();
    let pct = |p: f64| all[((all.len() as f64 * p).ceil() as usize).saturating_sub(1).min(all.len() - 1)];
    println!(
        "{name:<48} median {:>7.2} ms  p99 {:>7.2} ms  {:>7.1} req/s  ({} requests, {clients} clients)",
        pct(0.5).as_secs_f64() * 1e3,
        pct(0.99).as_secs_f64() * 1e3,
        all.len() as f64 / elapsed.as_secs_f64(),
        all.len()
    );
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<usize> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let (spaces, requests, clients) =
        (args.first().copied().unwrap_or(100_000), args.get(1).copied().unwrap_or(400), args.get(2).copied().unwrap_or(4));
    let mut config = Config::defaults();
    config.listen = "127.0.0.1:0".parse()?;
    config.database_url = std::env::var("DATABASE_URL").unwrap_or_else(|_| "sqlite://data/bench.db?mode=rwc".into());
    config.writes_per_minute = 1_000_000;
    let store = Store::connect(&config.database_url, 4).await?;
    store.migrate().await?;
    let opts = SeedOptions { influencers: (spaces / 50).max(10), spaces, advertisers: 20, seed: 42 };
    if let Err(e) = seed(&store, opts).await {
        println!("not seeding: {e}");
    }
    let app = App::build(config, Overrides::default()).await?;
    let url = format!("http://{}/graphql", app.addr());
    tokio::spawn(app.run(std::future::pending()));
    let http = reqwest::Client::builder().pool_max_idle_per_host(clients).build()?;

    println!("backend: {:?}", store.backend());
    scenario("(a) first page of 20, nested", &http, &url, json!({}), requests, clients).await?;
    let filtered = json!({ "f": { "query": "vegan recipes", "platforms": ["TIKTOK"], "price": { "currency": "EUR", "maxMinor": 50_000 } }, "s": "FOLLOWERS" });
    scenario("(b) \"vegan recipes\" + TikTok + < 500 EUR", &http, &url, filtered, requests, clients).await?;
    let mut after: Option<String> = None;
    for _ in 0..49 {
        let page = post(&http, &url, &json!({ "s": "PRICE_ASC", "after": after })).await?;
        after = page.pointer("/data/adSpaces/pageInfo/endCursor").and_then(Value::as_str).map(str::to_owned);
    }
    scenario("(c0) first page, PRICE_ASC", &http, &url, json!({ "s": "PRICE_ASC" }), requests, clients).await?;
    scenario("(c) 50th page by cursor, PRICE_ASC", &http, &url, json!({ "s": "PRICE_ASC", "after": after }), requests, clients).await?;
    scenario("(c0') first page, FOLLOWERS", &http, &url, json!({ "s": "FOLLOWERS" }), requests, clients).await?;
    let mut after: Option<String> = None;
    for _ in 0..49 {
        let page = post(&http, &url, &json!({ "s": "FOLLOWERS", "after": after })).await?;
        after = page.pointer("/data/adSpaces/pageInfo/endCursor").and_then(Value::as_str).map(str::to_owned);
    }
    scenario("(c') 50th page by cursor, FOLLOWERS", &http, &url, json!({ "s": "FOLLOWERS", "after": after }), requests, clients).await?;
    Ok(())
}
