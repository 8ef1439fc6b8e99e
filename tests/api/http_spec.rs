//! GraphQL-over-HTTP behaviour: methods, media types, limits, CSRF protection, endpoints.

use serde_json::{Value, json};

use crate::helpers::TestApp;

#[tokio::test]
async fn a_mutation_over_get_is_refused_with_405() {
    let app = TestApp::spawn().await;
    let res = app.http.get(format!("{}/graphql", app.base)).query(&[("query", "mutation { logOut { revoked } }")]).send().await.unwrap();
    assert_eq!(res.status(), 405);
    assert_eq!(res.headers()["allow"], "POST");
}

#[tokio::test]
async fn a_query_over_get_works_with_its_operation_name() {
    let app = TestApp::spawn().await;
    let query = "query A { __typename } query B { me { id } }";
    let res = app.http.get(format!("{}/graphql", app.base)).query(&[("query", query), ("operationName", "A")]).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["data"]["__typename"], "Query");
}

#[tokio::test]
async fn bodies_a_browser_can_send_without_preflight_are_refused() {
    let app = TestApp::spawn().await;
    for ct in ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"] {
        let res = app
            .http
            .post(format!("{}/graphql", app.base))
            .header("content-type", ct)
            .body(r#"{"query":"{ __typename }"}"#)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 415, "{ct}");
    }
}

#[tokio::test]
async fn a_too_large_body_is_refused() {
    let app = TestApp::spawn_with(|c| c.max_body_bytes = 1024).await;
    let big = "x".repeat(4096);
    let res =
        app.http.post(format!("{}/graphql", app.base)).json(&json!({ "query": format!("{{ __typename }} # {big}") })).send().await.unwrap();
    assert_eq!(res.status(), 413);
}

#[tokio::test]
async fn a_too_deep_query_is_refused_with_a_code() {
    let app = TestApp::spawn_with(|c| c.max_depth = 3).await;
    let res = app.gql(None, "{ myOrders { edges { node { id } } } }", json!({})).await;
    res.assert_code("BAD_USER_INPUT");
    assert!(res.error_message().contains("nested too deep"), "{}", res.body);
}

#[tokio::test]
async fn a_too_complex_query_is_refused() {
    let app = TestApp::spawn_with(|c| c.max_complexity = 5).await;
    let res = app.gql(None, "{ a: me { id } b: me { id } c: me { id } d: me { id } }", json!({})).await;
    res.assert_code("BAD_USER_INPUT");
    assert!(res.error_message().contains("complex"), "{}", res.body);
}

#[tokio::test]
async fn batches_work_and_are_capped() {
    let app = TestApp::spawn_with(|c| c.max_batch = 2).await;
    let ok = app
        .http
        .post(format!("{}/graphql", app.base))
        .json(&json!([{ "query": "{ __typename }" }, { "query": "{ __typename }" }]))
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    let body: Value = ok.json().await.unwrap();
    assert_eq!(body.as_array().map(Vec::len), Some(2));
    let too_many = app
        .http
        .post(format!("{}/graphql", app.base))
        .json(&Value::Array(vec![json!({ "query": "{ __typename }" }); 3]))
        .send()
        .await
        .unwrap();
    assert_eq!(too_many.status(), 400);
}

#[tokio::test]
async fn the_response_type_follows_accept() {
    let app = TestApp::spawn().await;
    let post = |accept: &'static str| {
        app.http.post(format!("{}/graphql", app.base)).header("accept", accept).json(&json!({ "query": "{ me { id " }))
    };
    let gql = post("application/graphql-response+json").send().await.unwrap();
    assert_eq!(gql.status(), 400);
    assert!(gql.headers()["content-type"].to_str().unwrap().starts_with("application/graphql-response+json"));
    let legacy = post("application/json").send().await.unwrap();
    assert_eq!(legacy.status(), 200);
    assert!(legacy.headers()["content-type"].to_str().unwrap().starts_with("application/json"));
    let body: Value = legacy.json().await.unwrap();
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    let unacceptable = post("text/html").send().await.unwrap();
    assert_eq!(unacceptable.status(), 406);
}

#[tokio::test]
async fn unknown_enum_values_are_bad_user_input() {
    let app = TestApp::spawn().await;
    let res = app
        .gql(
            None,
            "mutation { signUp(input: { email: \"a@b.co\", password: \"correct horse\", displayName: \"A\", role: OVERLORD }) { token } }",
            json!({}),
        )
        .await;
    res.assert_code("BAD_USER_INPUT");
}

#[tokio::test]
async fn health_readiness_metrics_and_graphiql_answer() {
    let app = TestApp::spawn().await;
    let health = app.http.get(format!("{}/healthz", app.base)).send().await.unwrap();
    assert_eq!(health.status(), 200);
    let ready = app.http.get(format!("{}/readyz", app.base)).send().await.unwrap();
    assert_eq!(ready.status(), 200);
    let ready: Value = ready.json().await.unwrap();
    assert_eq!(ready["database"], "ok");
    if app.config.redis_url.is_some() {
        assert_eq!(ready["redis"], "ok");
    }
    app.gql(None, "{ myOrders { totalCount } }", json!({})).await.assert_code("UNAUTHENTICATED");
    let metrics = app.http.get(format!("{}/metrics", app.base)).send().await.unwrap().text().await.unwrap();
    assert!(metrics.contains("http_requests_total"), "{metrics}");
    assert!(metrics.contains("graphql_errors_total{code=\"UNAUTHENTICATED\"}"), "{metrics}");
    let graphiql = app.http.get(format!("{}/", app.base)).send().await.unwrap().text().await.unwrap();
    assert!(graphiql.contains("graphiql") && graphiql.contains("/graphql/ws"));
}

#[tokio::test]
async fn a_bad_bearer_token_is_401_unauthenticated() {
    let app = TestApp::spawn().await;
    let res = app.gql(Some("adb_not-a-real-token"), "{ __typename }", json!({})).await;
    assert_eq!(res.status, 401);
    res.assert_code("UNAUTHENTICATED");
}

#[tokio::test]
async fn readiness_fails_when_the_database_is_gone() {
    let app = TestApp::spawn().await;
    app.state.store.db().clone().close().await.unwrap();
    let ready = app.http.get(format!("{}/readyz", app.base)).send().await.unwrap();
    assert_eq!(ready.status(), 503);
}
