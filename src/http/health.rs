//! `GET /healthz` (the process answers) and `GET /readyz` (its database and Redis answer).

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde_json::{Value, json};

use super::AppState;

/// How long each readiness probe (database, Redis) may take.
const PROBE_TIMEOUT: std::time::Duration = std::time::Duration::from_millis(400);

/// Alive: the process serves requests.
pub async fn healthz() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

/// Ready: the database answers, and Redis too when configured. 503 otherwise.
pub async fn readyz(State(app): State<Arc<AppState>>) -> (StatusCode, Json<Value>) {
    // Within a second whatever the database does: a probe that hangs is a failed probe.
    let database = match tokio::time::timeout(PROBE_TIMEOUT, app.store.ping()).await {
        Ok(Ok(())) => "ok".to_owned(),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "readiness: database unreachable");
            "unreachable".to_owned()
        }
        Err(_) => {
            tracing::warn!("readiness: the database did not answer within {PROBE_TIMEOUT:?}");
            "unreachable".to_owned()
        }
    };
    let redis = match &app.redis {
        None => None,
        Some(conn) => {
            let mut conn = conn.clone();
            let pong = tokio::time::timeout(PROBE_TIMEOUT, redis::cmd("PING").query_async::<String>(&mut conn)).await;
            Some(if matches!(pong, Ok(Ok(_))) { "ok" } else { "unreachable" })
        }
    };
    let ready = database == "ok" && redis.is_none_or(|r| r == "ok");
    let status = if ready { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    (status, Json(json!({ "status": if ready { "ready" } else { "unavailable" }, "database": database, "redis": redis })))
}
