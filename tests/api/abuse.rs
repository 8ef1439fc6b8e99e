//! The abuse replay tool (`examples/abuse.rs`) with small numbers: each scenario's figures are
//! printed and checked against the limits the server was started with.

#[path = "../../examples/abuse/scenarios.rs"]
#[allow(dead_code, reason = "the tool's figures that this test does not check")]
mod scenarios;

use crate::helpers::TestApp;

#[tokio::test]
async fn the_abuse_replay_tool_finds_every_limit_holding() {
    let app = TestApp::spawn_with(|c| {
        c.trusted_proxies = vec!["127.0.0.1".into()];
        c.writes_per_minute = 30;
        c.signups_per_hour = 4;
        c.login_failures_per_account_address = 3;
    })
    .await;
    let t = scenarios::Target { base: app.base.clone(), http: app.http.clone(), pid: std::process::id() };

    let w = scenarios::aliased_writes(&t, 10).await;
    println!("aliased writes: {} documents of 10, {} fields, then HTTP {}", w.documents_accepted, w.fields_executed, w.refused_status);
    assert_eq!((w.fields_executed, w.refused_status, w.refused_code.as_str()), (30, 429, "RATE_LIMITED"));

    let s = scenarios::aliased_sign_ups(&t, 12).await;
    println!("aliased sign-ups: {} created, {} refused in {:?}", s.created, s.refused, s.elapsed);
    assert_eq!((s.created, s.refused), (4, 8));

    let l = scenarios::lock_out(&t, 3).await;
    println!(
        "lock-out: attacker Retry-After {:?}, victim {} in {:?}",
        l.attacker_refused_with_retry_after, l.victim_logged_in, l.victim_latency
    );
    assert!(l.attacker_refused_with_retry_after.is_some_and(|s| s > 0));
    assert!(l.victim_logged_in);

    let k = scenarios::unique_keys(&t, 20, 100_000).await;
    println!("unique keys: {} BAD_USER_INPUT of 20 in {:?}", k.bad_input, k.elapsed);
    assert_eq!(k.bad_input, 20);
}
