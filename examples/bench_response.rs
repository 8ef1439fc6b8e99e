//! Cost of answering as the spec says, per response: the walk that puts keys in query order and
//! propagates nulls (`graphql::response::shape_response`) plus serialising async-graphql's
//! ordered values straight to text, against what the HTTP path did before (through an unordered
//! `serde_json::Value`), on the discovery benchmark's nested page of 20, executed for real.
//!
//! `cargo run --release --example bench_response -- 20000` (argument: iterations).

use std::time::Instant;

use adbridge::app::{App, Overrides};
use adbridge::config::Config;
use adbridge::graphql::response::shape_response;
use adbridge::graphql::shape::SchemaShape;
use adbridge::seed::{SeedOptions, seed};
use async_graphql::Request;

const NESTED: &str = "query($after: String) { adSpaces(first: 20, after: $after) {
  edges { node { id title price { amountMinor currency } influencer { id displayName } channel { platform followers } } }
  pageInfo { hasNextPage endCursor } } }";

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let iterations: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(20_000);
    let path = std::env::temp_dir().join(format!("adbridge-bench-response-{}.db", std::process::id()));
    let mut config = Config::defaults();
    config.listen = "127.0.0.1:0".parse()?;
    config.database_url = format!("sqlite://{}?mode=rwc", path.display());
    let app = App::build(config, Overrides::default()).await?;
    let state = app.state();
    seed(&state.store, SeedOptions { influencers: 20, spaces: 200, advertisers: 2, seed: 42 }).await?;
    let response = state.schema.execute(Request::new(NESTED)).await;
    anyhow::ensure!(response.errors.is_empty(), "{:?}", response.errors);
    let doc = async_graphql::parser::parse_query(NESTED)?;
    let shape = SchemaShape::from_sdl(&adbridge::graphql::sdl());

    let time = |name: &str, f: &mut dyn FnMut() -> usize| {
        let mut bytes = 0;
        let started = Instant::now();
        for _ in 0..iterations {
            bytes += f();
        }
        let per = started.elapsed().as_secs_f64() * 1e6 / iterations as f64;
        println!("{name:<52} {per:>7.2} µs per response ({} bytes)", bytes / iterations);
    };
    time("before: serde_json::to_value + to_string (unordered)", &mut || {
        let value = serde_json::to_value(&response).unwrap_or_default();
        value.to_string().len()
    });
    time("after: shape_response + to_string (query order)", &mut || {
        let mut r = async_graphql::Response::new(response.data.clone());
        shape_response(&shape, &doc, None, &mut r);
        serde_json::to_string(&r).map_or(0, |s| s.len())
    });
    time("  of which: cloning the data (bench setup only)", &mut || {
        let r = async_graphql::Response::new(response.data.clone());
        usize::from(r.errors.is_empty())
    });
    time("plus, per request: keeping a copy of the parsed query", &mut || {
        let copy = doc.clone();
        copy.fragments.len()
    });
    time("  of which: serialising ordered values only", &mut || serde_json::to_string(&response).map_or(0, |s| s.len()));
    let _ = std::fs::remove_file(&path);
    Ok(())
}
