//! Replays the abuse scenarios of the limits (aliased writes and sign-ups, lock-out, unique
//! limiter keys) and prints what each measured.
//!
//! `cargo run --release --example abuse` starts the server in this process with its default
//! limits (trusting the loopback as a proxy, so that the tool can pose as many addresses), on a
//! temporary SQLite file. `ABUSE_URL=http://127.0.0.1:8000 ABUSE_PID=<pid>` attacks a server
//! started separately (with `--trusted-proxies 127.0.0.1`) and reads that process's RSS.
//! `ABUSE_SCALE` multiplies the counts (default 1: the numbers of the review).

#[path = "abuse/scenarios.rs"]
mod scenarios;

use adbridge::app::{App, Overrides};
use adbridge::config::Config;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let scale: usize = std::env::var("ABUSE_SCALE").ok().and_then(|s| s.parse().ok()).unwrap_or(1);
    let (base, pid) = match std::env::var("ABUSE_URL") {
        Ok(url) => (url, std::env::var("ABUSE_PID").ok().and_then(|p| p.parse().ok()).unwrap_or(0)),
        Err(_) => {
            let mut config = Config::defaults();
            config.listen = "127.0.0.1:0".parse()?;
            config.database_url =
                format!("sqlite://{}/adbridge-abuse-{}.db?mode=rwc", std::env::temp_dir().display(), rand::random::<u32>());
            config.trusted_proxies = vec!["127.0.0.1".into()];
            let app = App::build(config, Overrides::default()).await?;
            let addr = app.addr();
            tokio::spawn(app.run(std::future::pending()));
            (format!("http://{addr}"), std::process::id())
        }
    };
    let t = scenarios::Target { base, http: reqwest::Client::new(), pid };

    // 25: under the alias cap of a document (--max-aliases, 30).
    let w = scenarios::aliased_writes(&t, 25).await;
    println!(
        "aliased writes: documents of 25 aliased updateProfile: {} accepted ({} fields run), then HTTP {} {}",
        w.documents_accepted, w.fields_executed, w.refused_status, w.refused_code
    );
    let s = scenarios::aliased_sign_ups(&t, 30 * scale).await;
    println!(
        "aliased sign-ups: one document of {} signUp: {} accounts created, {} RATE_LIMITED, in {:?}",
        30 * scale,
        s.created,
        s.refused,
        s.elapsed
    );
    let l = scenarios::lock_out(&t, 10 * scale).await;
    println!(
        "lock-out: attacker refused after its failures (Retry-After {:?} s); victim from its own address logged in: {} in {:?}",
        l.attacker_refused_with_retry_after, l.victim_logged_in, l.victim_latency
    );
    let k = scenarios::unique_keys(&t, 200 * scale, 900_000).await;
    println!(
        "unique keys: {} log-ins with unique 900 KB emails: {} BAD_USER_INPUT, {} other, RSS {:+} KiB, in {:?}",
        200 * scale,
        k.bad_input,
        k.other,
        k.rss_growth_kib,
        k.elapsed
    );
    let k = scenarios::unique_keys(&t, 2000 * scale, 40).await;
    println!(
        "unique keys: {} failed log-ins with unique emails from unique addresses: RSS {:+} KiB, in {:?}",
        2000 * scale,
        k.rss_growth_kib,
        k.elapsed
    );
    Ok(())
}
