//! The attacks of issue-style abuse reviews, replayed over HTTP against a running server, each
//! returning the figures it measured. Shared by `examples/abuse.rs` (real numbers, printed)
//! and the integration suite (small numbers, asserted).
//!
//! The server must trust the loopback as a proxy (`--trusted-proxies 127.0.0.1`): the
//! scenarios pose as many client addresses with `X-Forwarded-For`.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// One HTTP client and the server it attacks.
pub struct Target {
    /// `http://host:port`.
    pub base: String,
    /// The client.
    pub http: reqwest::Client,
    /// The server's process id, for its RSS (the current process when it runs in-process).
    pub pid: u32,
}

/// What a GraphQL request got.
pub struct Answer {
    /// HTTP status.
    pub status: u16,
    /// `Retry-After`, in seconds.
    pub retry_after: Option<u64>,
    /// The JSON body.
    pub body: Value,
}

impl Answer {
    /// The codes of the errors.
    pub fn codes(&self) -> Vec<String> {
        self.body["errors"].as_array().into_iter().flatten().filter_map(|e| e["extensions"]["code"].as_str().map(str::to_owned)).collect()
    }
}

pub const PASSWORD: &str = "correct horse battery";

impl Target {
    /// Posts a GraphQL request as the client `from`.
    pub async fn gql(&self, from: &str, token: Option<&str>, query: &str, variables: Value) -> Answer {
        let mut req = self.http.post(format!("{}/graphql", self.base)).header("x-forwarded-for", from);
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        let res = req.json(&json!({ "query": query, "variables": variables })).send().await.expect("the server answers");
        let status = res.status().as_u16();
        let retry_after = res.headers().get("retry-after").and_then(|v| v.to_str().ok()).and_then(|v| v.parse().ok());
        let body = res.json().await.unwrap_or(Value::Null);
        Answer { status, retry_after, body }
    }

    /// Signs up a new advertiser from `from`: (email, token).
    pub async fn account(&self, from: &str) -> (String, String) {
        let email = format!("abuse-{}@example.com", rand::random::<u64>());
        let res = self
            .gql(
                from,
                None,
                "mutation($i: SignUpInput!) { signUp(input: $i) { token } }",
                json!({ "i": { "email": email, "password": PASSWORD, "displayName": "A", "role": "ADVERTISER" } }),
            )
            .await;
        let token = res.body["data"]["signUp"]["token"].as_str().unwrap_or_else(|| panic!("sign-up failed: {}", res.body)).to_owned();
        (email, token)
    }

    async fn log_in(&self, from: &str, email: &str, password: &str) -> Answer {
        self.gql(
            from,
            None,
            "mutation($i: LogInInput!) { logIn(input: $i) { token } }",
            json!({ "i": { "email": email, "password": password } }),
        )
        .await
    }

    /// The server's resident memory, in KiB.
    pub fn rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid)).unwrap_or_default();
        status.lines().find_map(|l| l.strip_prefix("VmRSS:")).and_then(|v| v.split_whitespace().next()?.parse().ok()).unwrap_or(0)
    }
}

/// Item 4: documents of `aliases` aliased writes until refused.
pub struct AliasedWrites {
    pub fields_executed: u64,
    pub documents_accepted: u64,
    pub refused_status: u16,
    pub refused_code: String,
}

pub async fn aliased_writes(t: &Target, aliases: usize) -> AliasedWrites {
    let (_, token) = t.account("192.0.2.1").await;
    let fields: Vec<String> =
        (0..aliases).map(|i| format!("w{i}: updateProfile(input: {{ displayName: \"W{i}\" }}) {{ user {{ id }} }}")).collect();
    let doc = format!("mutation {{ {} }}", fields.join(" "));
    let mut out = AliasedWrites { fields_executed: 0, documents_accepted: 0, refused_status: 0, refused_code: String::new() };
    for _ in 0..100_000 {
        let res = t.gql("192.0.2.1", Some(&token), &doc, json!({})).await;
        if !res.codes().is_empty() {
            out.refused_status = res.status;
            out.refused_code = res.codes().first().cloned().unwrap_or_default();
            break;
        }
        out.documents_accepted += 1;
        out.fields_executed += aliases as u64;
    }
    out
}

/// Item 4: one anonymous document of `n` aliased sign-ups.
pub struct AliasedSignUps {
    pub created: usize,
    pub refused: usize,
    pub elapsed: Duration,
}

pub async fn aliased_sign_ups(t: &Target, n: usize) -> AliasedSignUps {
    let tag = rand::random::<u32>();
    let fields: Vec<String> = (0..n)
        .map(|i| format!("s{i}: signUp(input: {{ email: \"bulk{i}-{tag}@example.com\", password: \"{PASSWORD}\", displayName: \"B\", role: ADVERTISER }}) {{ token }}"))
        .collect();
    let started = Instant::now();
    let res = t.gql("192.0.2.2", None, &format!("mutation {{ {} }}", fields.join(" ")), json!({})).await;
    // `signUp` is non-null: one refused field nulls the whole `data` (the spec's null
    // propagation), so the accounts created are the fields that got no error.
    let failed = res.body["errors"].as_array().map_or(0, |e| e.len());
    let created = n.saturating_sub(failed);
    AliasedSignUps { created, refused: res.codes().iter().filter(|c| *c == "RATE_LIMITED").count(), elapsed: started.elapsed() }
}

/// Item 5: `failures` wrong passwords on a victim from one address, then the victim logs in
/// from theirs.
pub struct LockOut {
    pub attacker_refused_with_retry_after: Option<u64>,
    pub victim_logged_in: bool,
    pub victim_latency: Duration,
}

pub async fn lock_out(t: &Target, failures: usize) -> LockOut {
    let (email, _) = t.account("192.0.2.3").await;
    let mut refused = None;
    for _ in 0..failures + 1 {
        let res = t.log_in("203.0.113.66", &email, "wrong password!").await;
        if res.codes().iter().any(|c| c == "RATE_LIMITED") {
            refused = res.retry_after;
            break;
        }
    }
    let started = Instant::now();
    let res = t.log_in("198.51.100.20", &email, PASSWORD).await;
    LockOut {
        attacker_refused_with_retry_after: refused,
        victim_logged_in: res.body["data"]["logIn"]["token"].is_string(),
        victim_latency: started.elapsed(),
    }
}

/// Item 6: `n` log-ins with unique emails of `bytes` bytes from unique addresses.
pub struct UniqueKeys {
    pub bad_input: usize,
    pub other: usize,
    pub rss_growth_kib: i64,
    pub elapsed: Duration,
}

pub async fn unique_keys(t: &Target, n: usize, bytes: usize) -> UniqueKeys {
    let before = t.rss_kib() as i64;
    let started = Instant::now();
    let (mut bad_input, mut other) = (0, 0);
    for i in 0..n {
        let local = format!("{i}-{}", "x".repeat(bytes.saturating_sub(20)));
        let from = format!("10.{}.{}.{}", (i >> 16) & 255, (i >> 8) & 255, i & 255);
        let res = t.log_in(&from, &format!("{local}@example.com"), "wrong password!").await;
        if res.codes().iter().any(|c| c == "BAD_USER_INPUT") { bad_input += 1 } else { other += 1 }
    }
    UniqueKeys { bad_input, other, rss_growth_kib: t.rss_kib() as i64 - before, elapsed: started.elapsed() }
}
