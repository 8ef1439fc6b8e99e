//! Limits that protect without locking people out: every mutation field counts, argon2 work
//! is bounded per address, log-in failures count per (account, address) and per address, the
//! client address comes from trusted proxies only, oversized inputs never reach a limiter, and
//! with Redis the limits are shared by every instance.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::helpers::{Gql, TestApp};

const LOG_IN: &str = "mutation($i: LogInInput!) { logIn(input: $i) { token } }";
const PASSWORD: &str = "correct horse battery";

/// A response with its `Retry-After` header.
pub struct Answer {
    pub gql: Gql,
    pub retry_after: Option<u64>,
}

/// Posts `query` as if from `client` (sent as `X-Forwarded-For`, which only a trusted proxy
/// peer makes the server believe).
pub async fn gql_from(app: &TestApp, client: &str, token: Option<&str>, query: &str, variables: Value) -> Answer {
    let mut req = app
        .http
        .post(format!("{}/graphql", app.base))
        .header("x-forwarded-for", client)
        .json(&json!({ "query": query, "variables": variables }));
    if let Some(token) = token {
        req = req.bearer_auth(token);
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    let retry_after = res.headers().get("retry-after").and_then(|v| v.to_str().ok()).and_then(|v| v.parse().ok());
    Answer { gql: Gql { status, body: res.json().await.unwrap() }, retry_after }
}

async fn log_in_from(app: &TestApp, client: &str, email: &str, password: &str) -> Answer {
    gql_from(app, client, None, LOG_IN, json!({ "i": { "email": email, "password": password } })).await
}

async fn user_count(app: &TestApp) -> u64 {
    use adbridge::store::entities::user;
    use sea_orm::{EntityTrait, PaginatorTrait};
    user::Entity::find().count(app.state.store.db()).await.unwrap()
}

#[tokio::test]
async fn each_aliased_mutation_field_counts_against_the_write_limit_and_nothing_runs_when_over() {
    let app = TestApp::spawn_with(|c| c.writes_per_minute = 5).await;
    let user = app.advertiser().await;
    let aliased = |n: usize| {
        let fields: Vec<String> =
            (0..n).map(|i| format!("u{i}: updateProfile(input: {{ displayName: \"N{i}\" }}) {{ user {{ id }} }}")).collect();
        format!("mutation {{ {} }}", fields.join(" "))
    };
    app.gql(Some(&user.token), &aliased(4), json!({})).await.assert_ok();
    // Through a fragment too: two more fields make six, over the limit of five.
    let over = app
        .gql(
            Some(&user.token),
            "mutation { ...W } fragment W on Mutation { a: updateProfile(input: { displayName: \"X\" }) { user { id } } b: updateProfile(input: { displayName: \"Y\" }) { user { id } } }",
            json!({}),
        )
        .await;
    over.assert_code("RATE_LIMITED");
    assert_eq!(over.status, 429);
    assert!(over.body.get("data").is_none_or(Value::is_null), "nothing ran: {}", over.body);
    let me = app.gql(Some(&user.token), "{ me { displayName } }", json!({})).await;
    assert_eq!(me.str("/data/me/displayName"), "N3", "the refused document changed nothing");
}

#[tokio::test]
async fn thirty_aliased_sign_ups_from_one_address_create_only_the_sign_up_limit() {
    let app = TestApp::spawn_with(|c| c.signups_per_hour = 3).await;
    let before = user_count(&app).await;
    let fields: Vec<String> = (0..30)
        .map(|i| {
            format!(
                "s{i}: signUp(input: {{ email: \"alias{i}-{}@example.com\", password: \"{PASSWORD}\", displayName: \"A\", role: ADVERTISER }}) {{ token }}",
                uuid::Uuid::new_v4().simple()
            )
        })
        .collect();
    let started = Instant::now();
    let res = app.gql(None, &format!("mutation {{ {} }}", fields.join(" ")), json!({})).await;
    let errors = res.at("/errors").as_array().unwrap();
    assert_eq!(errors.len(), 27, "{}", res.body);
    assert!(errors.iter().all(|e| e["extensions"]["code"] == "RATE_LIMITED"));
    assert_eq!(user_count(&app).await - before, 3);
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[tokio::test]
async fn failures_from_one_address_lock_only_that_address_out_of_the_account() {
    let app = TestApp::spawn_with(|c| {
        c.trusted_proxies = vec!["127.0.0.1".into()];
        c.login_failures_per_account_address = 3;
    })
    .await;
    let victim = app.advertiser().await;
    for _ in 0..3 {
        log_in_from(&app, "203.0.113.9", &victim.email, "wrong password!").await.gql.assert_code("UNAUTHENTICATED");
    }
    // The attacker's address is refused even with the right password, with Retry-After.
    let locked = log_in_from(&app, "203.0.113.9", &victim.email, PASSWORD).await;
    locked.gql.assert_code("RATE_LIMITED");
    let retry = locked.retry_after.expect("a Retry-After header");
    assert!((1..=900).contains(&retry), "Retry-After: {retry}");
    // The victim, from their own address, is not locked out.
    log_in_from(&app, "198.51.100.7", &victim.email, PASSWORD).await.gql.assert_ok();
}

#[tokio::test]
async fn one_address_failing_on_many_accounts_is_limited() {
    let app = TestApp::spawn_with(|c| {
        c.trusted_proxies = vec!["127.0.0.0/8".into()];
        c.login_failures_per_address = 4;
    })
    .await;
    for i in 0..4 {
        log_in_from(&app, "203.0.113.10", &format!("nobody{i}@example.com"), "wrong password!").await.gql.assert_code("UNAUTHENTICATED");
    }
    log_in_from(&app, "203.0.113.10", "nobody9@example.com", "wrong password!").await.gql.assert_code("RATE_LIMITED");
    log_in_from(&app, "203.0.113.11", "nobody9@example.com", "wrong password!").await.gql.assert_code("UNAUTHENTICATED");
}

#[tokio::test]
async fn an_account_under_attack_slows_down_but_its_password_still_works_from_a_new_address() {
    let app = TestApp::spawn_with(|c| {
        c.trusted_proxies = vec!["127.0.0.1".into()];
        c.login_slowdown_after = 2;
    })
    .await;
    let victim = app.advertiser().await;
    for i in 0..3 {
        log_in_from(&app, &format!("203.0.113.{}", 20 + i), &victim.email, "wrong password!").await.gql.assert_code("UNAUTHENTICATED");
    }
    let started = Instant::now();
    log_in_from(&app, "198.51.100.8", &victim.email, PASSWORD).await.gql.assert_ok();
    assert!(started.elapsed() >= Duration::from_millis(900), "slowed down: {:?}", started.elapsed());
}

#[tokio::test]
async fn forwarding_headers_from_an_untrusted_peer_are_ignored() {
    let app = TestApp::spawn_with(|c| c.login_failures_per_address = 3).await;
    // Without --trusted-proxies, a client cannot pose as many addresses.
    for i in 0..3 {
        log_in_from(&app, &format!("203.0.113.{i}"), "nobody@example.com", "wrong password!").await.gql.assert_code("UNAUTHENTICATED");
    }
    log_in_from(&app, "203.0.113.99", "nobody@example.com", "wrong password!").await.gql.assert_code("RATE_LIMITED");
}

#[tokio::test]
async fn oversized_log_in_inputs_are_refused_before_any_limiter_counts_them() {
    let app = TestApp::spawn_with(|c| c.login_per_minute = 2).await;
    let user = app.advertiser().await;
    let huge = format!("{}@example.com", "a".repeat(100_000));
    let started = Instant::now();
    for _ in 0..20 {
        let res = app.gql(None, LOG_IN, json!({ "i": { "email": huge, "password": "whatever password" } })).await;
        res.assert_code("BAD_USER_INPUT");
    }
    assert!(started.elapsed() < Duration::from_secs(5), "{:?}", started.elapsed());
    // None of them counted: the two attempts of the minute are still there.
    app.gql(None, LOG_IN, json!({ "i": { "email": user.email, "password": PASSWORD } })).await.assert_ok();
    app.gql(None, LOG_IN, json!({ "i": { "email": user.email, "password": PASSWORD } })).await.assert_ok();
    app.gql(None, LOG_IN, json!({ "i": { "email": user.email, "password": PASSWORD } })).await.assert_code("RATE_LIMITED");
}

#[tokio::test]
async fn with_redis_two_instances_share_the_limits() {
    if std::env::var("TEST_REDIS_URL").ok().filter(|u| !u.is_empty()).is_none() {
        eprintln!("skipped: TEST_REDIS_URL is unset");
        return;
    }
    let a = TestApp::spawn_with(|c| {
        c.writes_per_minute = 4;
        c.login_failures_per_account_address = 2;
    })
    .await;
    let b = a.another_instance().await;
    let user = a.advertiser().await; // one write (the sign-up, against the address)
    let write = "mutation { updateProfile(input: { displayName: \"Z\" }) { user { id } } }";
    for app in [&a, &b, &a, &b] {
        app.gql(Some(&user.token), write, json!({})).await.assert_ok();
    }
    b.gql(Some(&user.token), write, json!({})).await.assert_code("RATE_LIMITED");
    a.gql(Some(&user.token), write, json!({})).await.assert_code("RATE_LIMITED");
    // Log-in failures too: one on each instance exhausts the (account, address) limit of two.
    a.gql(None, LOG_IN, json!({ "i": { "email": user.email, "password": "wrong password!" } })).await.assert_code("UNAUTHENTICATED");
    b.gql(None, LOG_IN, json!({ "i": { "email": user.email, "password": "wrong password!" } })).await.assert_code("UNAUTHENTICATED");
    a.gql(None, LOG_IN, json!({ "i": { "email": user.email, "password": PASSWORD } })).await.assert_code("RATE_LIMITED");
}
