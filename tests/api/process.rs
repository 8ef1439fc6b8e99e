//! The real binary as a child process: SIGTERM and SIGINT stop it gracefully, its logs are one
//! structured line per request without terminal colours in a pipe, CLI errors print once.

use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::process::{Child, Command};

use crate::wsclient::{WsClient, WsEvent};

/// A running `adbridge` process and every line it printed.
struct Server {
    child: Child,
    addr: String,
    lines: Arc<Mutex<Vec<String>>>,
    http: reqwest::Client,
}

fn command(args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_adbridge"));
    cmd.args(args)
        .env_remove("DATABASE_URL")
        .env_remove("REDIS_URL")
        .env("RUST_LOG", "info")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    cmd
}

impl Server {
    async fn start(extra: &[&str]) -> Self {
        Self::start_with_open_files(None, extra).await
    }

    /// Starts the binary, under `ulimit -n <open_files>` when given.
    async fn start_with_open_files(open_files: Option<u32>, extra: &[&str]) -> Self {
        let db = std::env::temp_dir().join(format!("adbridge-proc-{}.db", uuid::Uuid::new_v4().simple()));
        let url = format!("sqlite://{}?mode=rwc", db.display());
        let mut args = vec!["--listen", "127.0.0.1:0", "--database-url", &url, "--argon2-memory-kib", "1024"];
        args.extend_from_slice(extra);
        let mut cmd = command(&args);
        if let Some(n) = open_files {
            // `ulimit -n` sets the soft and the hard limit, as in the review.
            let script = format!("ulimit -n {n} && exec \"$0\" \"$@\"");
            cmd = Command::new("bash");
            cmd.arg("-c").arg(script).arg(env!("CARGO_BIN_EXE_adbridge")).args(&args);
            cmd.env_remove("DATABASE_URL").env_remove("REDIS_URL").env("RUST_LOG", "info");
            cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped()).kill_on_drop(true);
        }
        let mut child = cmd.spawn().expect("the binary starts");
        let lines = Arc::new(Mutex::new(Vec::new()));
        for out in [
            child.stdout.take().map(|o| Box::new(o) as Box<dyn tokio::io::AsyncRead + Unpin + Send>),
            child.stderr.take().map(|e| Box::new(e) as _),
        ] {
            let (out, lines) = (out.unwrap(), lines.clone());
            tokio::spawn(async move {
                let mut reader = BufReader::new(out).lines();
                while let Ok(Some(line)) = reader.next_line().await {
                    lines.lock().unwrap().push(line);
                }
            });
        }
        let started = Instant::now();
        let addr = loop {
            let found = lines.lock().unwrap().iter().find_map(|l| {
                let at = l.find("http://")?;
                let rest = &l[at + 7..];
                rest.contains("/graphql").then(|| rest[..rest.find('/').unwrap()].to_owned())
            });
            if let Some(addr) = found {
                break addr;
            }
            assert!(started.elapsed() < Duration::from_secs(30), "the server did not start: {:?}", lines.lock().unwrap());
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        Self { child, addr, lines, http: reqwest::Client::new() }
    }

    fn signal(&self, name: &str) {
        let pid = self.child.id().expect("running").to_string();
        let status = std::process::Command::new("kill").args([&format!("-{name}"), &pid]).status().unwrap();
        assert!(status.success());
    }

    async fn exit_code_within(&mut self, within: Duration) -> i32 {
        let status = tokio::time::timeout(within, self.child.wait()).await.expect("the process exits in time").unwrap();
        status.code().expect("exited, not killed by a signal")
    }

    fn log(&self) -> Vec<String> {
        self.lines.lock().unwrap().clone()
    }

    async fn sign_up(&self) -> String {
        let res: Value = self
            .http
            .post(format!("http://{}/graphql", self.addr))
            .json(&json!({ "query": "mutation($i: SignUpInput!) { signUp(input: $i) { token } }",
                "variables": { "i": { "email": format!("p{}@example.com", uuid::Uuid::new_v4().simple()), "password": "correct horse battery", "displayName": "P", "role": "ADVERTISER" } } }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        res.pointer("/data/signUp/token").and_then(Value::as_str).unwrap_or_else(|| panic!("{res}")).to_owned()
    }
}

async fn stops_gracefully_on(signal: &str) {
    let mut server = Server::start(&["--shutdown-grace-secs", "10"]).await;
    let token = server.sign_up().await;
    let mut ws = WsClient::connect_and_init(&format!("ws://{}/graphql/ws", server.addr), Some(&token)).await;
    // A request in flight: its body is half sent when the signal arrives.
    let body = json!({ "query": "{ me { displayName } }" }).to_string();
    let (first, rest) = body.split_at(10);
    let mut tcp = TcpStream::connect(&server.addr).await.unwrap();
    let head = format!(
        "POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nAuthorization: Bearer {token}\r\nContent-Length: {}\r\n\r\n{first}",
        body.len()
    );
    tcp.write_all(head.as_bytes()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;

    server.signal(signal);
    assert_eq!(ws.next_event().await, WsEvent::Closed(1012), "the websocket is closed with 1012 (service restart)");
    tokio::time::sleep(Duration::from_millis(300)).await;
    tcp.write_all(rest.as_bytes()).await.unwrap();
    let mut answer = String::new();
    tokio::time::timeout(Duration::from_secs(5), tcp.read_to_string(&mut answer)).await.expect("answered").unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "the in-flight request is finished: {answer}");
    assert!(answer.contains(r#"{"data":{"me":{"displayName":"P"}}}"#), "{answer}");

    assert_eq!(server.exit_code_within(Duration::from_secs(10)).await, 0);
    assert!(TcpStream::connect(&server.addr).await.is_err(), "nothing listens any more");
    let log = server.log().join("\n");
    assert!(log.contains(&format!("signal=\"{signal}\"")) || log.contains(&format!("signal={signal}")), "{log}");
    assert!(log.contains("shutting down") && log.contains("stopped"), "{log}");
    assert!(!log.contains('\u{1b}'), "no terminal colours in a pipe: {log}");
}

#[tokio::test]
async fn sigterm_finishes_in_flight_requests_closes_websockets_with_1012_and_exits_0() {
    stops_gracefully_on("SIGTERM").await;
}

#[tokio::test]
async fn sigint_does_the_same_as_sigterm() {
    stops_gracefully_on("SIGINT").await;
}

#[tokio::test]
async fn json_logs_have_one_line_per_request_with_its_operation_viewer_and_codes_and_metrics_help_counts_401s() {
    let mut server = Server::start(&["--log-format", "json", "--slow-query-ms", "0"]).await;
    let token = server.sign_up().await;
    let url = format!("http://{}/graphql", server.addr);
    let named = json!({ "query": "query Named { me { id } }" });
    let ok = server.http.post(&url).bearer_auth(&token).json(&named).send().await.unwrap();
    assert_eq!(ok.status(), 200);
    let refused = server.http.post(&url).bearer_auth("not-a-session").json(&named).send().await.unwrap();
    assert_eq!(refused.status(), 401);
    let metrics = server.http.get(format!("http://{}/metrics", server.addr)).send().await.unwrap().text().await.unwrap();
    assert!(metrics.contains("# HELP http_requests_total"), "{metrics}");
    assert!(metrics.contains("# HELP graphql_errors_total"), "{metrics}");
    assert!(metrics.lines().any(|l| l.starts_with("http_requests_total{") && l.contains("status=\"401\"")), "{metrics}");
    assert!(metrics.lines().any(|l| l.starts_with("graphql_errors_total{code=\"UNAUTHENTICATED\"}")), "{metrics}");
    server.signal("SIGTERM");
    assert_eq!(server.exit_code_within(Duration::from_secs(10)).await, 0);

    let lines: Vec<Value> = server
        .log()
        .iter()
        .map(|l| {
            assert_eq!(l.matches("\"message\"").count(), 1, "one message per line: {l}");
            serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}"))
        })
        .collect();
    let requests: Vec<&Value> = lines.iter().filter(|l| l["fields"]["message"] == "request").collect();
    let named_line = requests.iter().find(|l| l["fields"]["operation"] == "Named").expect("the named operation is logged");
    assert_eq!(named_line["level"], "INFO");
    assert_eq!(named_line["fields"]["method"], "POST");
    assert_eq!(named_line["fields"]["path"], "/graphql");
    assert_eq!(named_line["fields"]["status"], 200);
    assert!(named_line["fields"]["viewer"].is_i64(), "{named_line}");
    assert!(named_line["fields"]["duration_ms"].is_f64(), "{named_line}");
    let refused_line = requests.iter().find(|l| l["fields"]["status"] == 401).expect("the 401 is logged");
    assert_eq!(refused_line["fields"]["errors"], "UNAUTHENTICATED");
    assert!(requests.iter().any(|l| l["fields"]["path"] == "/metrics"));
    let slow = lines
        .iter()
        .find(|l| l["fields"]["message"] == "slow GraphQL request" && l["fields"]["operation"] == "Named")
        .expect("a slow-query warning (threshold 0)");
    assert_eq!(slow["level"], "WARN");
    assert_eq!(slow["fields"]["query"], "query Named { me { id } }");
}

#[tokio::test]
async fn a_cli_error_is_printed_once() {
    let out = command(&["migrate", "--database-url", "postgres://postgres@127.0.0.1:1/nothing"]).output().await.unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert_eq!(text.matches("connecting to the database").count(), 1, "{text}");
    assert!(!text.contains('\u{1b}'), "{text}");
}

#[tokio::test]
async fn with_256_open_files_300_slow_clients_do_not_lock_everyone_out() {
    let mut server = Server::start_with_open_files(Some(256), &[]).await;
    let mut slow = Vec::new();
    for _ in 0..300 {
        if let Ok(mut tcp) = TcpStream::connect(&server.addr).await {
            let _ = tcp.write_all(b"POST /graphql HTTP/1.1\r\nHost: x\r\n").await;
            slow.push(tcp);
        }
    }
    // With slots short, slow clients are dropped after a second: a normal client gets in.
    let started = Instant::now();
    let answered = loop {
        let res = server
            .http
            .post(format!("http://{}/graphql", server.addr))
            .timeout(Duration::from_secs(2))
            .json(&json!({ "query": "{ __typename }" }))
            .send()
            .await;
        if let Ok(res) = res {
            break res;
        }
        assert!(started.elapsed() < Duration::from_secs(5), "no answer beside 300 slow clients within 5 s");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(answered.status(), 200);
    assert!(started.elapsed() < Duration::from_secs(5), "answered after {:?}", started.elapsed());
    server.signal("SIGTERM");
    assert_eq!(server.exit_code_within(Duration::from_secs(10)).await, 0);
    let log = server.log().join("\n");
    assert!(log.contains("the open-file limit lowers the connection cap"), "{log}");
    assert!(!log.contains("Too many open files"), "{log}");
    drop(slow);
}
