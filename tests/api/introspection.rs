//! Introspection passes the depth limit and is bounded by its own rule; data queries are
//! still limited; `--introspection=false` turns it off. The queries are the exact text
//! graphql-js 16 produces (`getIntrospectionQuery()`, tests/api/fixtures/), sent over HTTP.

use serde_json::json;

use crate::helpers::TestApp;

/// A fixture without its first line (a comment saying where it comes from).
fn fixture(text: &str) -> String {
    text.split_once('\n').map(|(_, rest)| rest.to_owned()).unwrap_or_default()
}

/// A data query `depth` fields deep, along a real path (ad space → influencer → channels → …).
fn data_query(depth: usize) -> String {
    assert!(depth >= 4);
    let mut open = String::from("{ adSpaces(first: 1) { edges { node { influencer {");
    let mut levels = 4;
    let mut close = String::from(" } } } }");
    let mut on_user = true;
    while levels < depth - 1 {
        open.push_str(if on_user { " channels {" } else { " influencer {" });
        close.push_str(" }");
        on_user = !on_user;
        levels += 1;
    }
    format!("{open} id{close} }}")
}

#[tokio::test]
async fn graphql_js_standard_introspection_query_passes_at_the_default_depth() {
    let app = TestApp::spawn().await;
    assert_eq!(app.config.max_depth, 12, "the default depth");
    for text in [include_str!("fixtures/introspection-query.graphql"), include_str!("fixtures/introspection-query-full.graphql")] {
        let res = app.gql(None, &fixture(text), json!({})).await;
        res.assert_ok();
        assert_eq!(res.str("/data/__schema/queryType/name"), "Query");
        let types = res.at("/data/__schema/types").as_array().unwrap();
        let query = types.iter().find(|t| t["name"] == "Query").unwrap();
        assert!(query["fields"].as_array().unwrap().iter().any(|f| f["name"] == "adSpaces"), "Query.adSpaces is listed");
    }
}

#[tokio::test]
async fn data_queries_are_still_limited_and_a_twenty_deep_one_is_refused() {
    // Lists along the path multiply the query's cost: lift that limit to see the depth limit alone.
    let app = TestApp::spawn_with(|c| c.max_cost = u64::MAX / 4).await;
    let ok = app.gql(None, &data_query(12), json!({})).await;
    ok.assert_ok();
    for depth in [13, 20] {
        let res = app.gql(None, &data_query(depth), json!({})).await;
        res.assert_code("BAD_USER_INPUT");
        assert!(res.error_message().contains("nested too deep"), "{depth}: {}", res.body);
    }
    // Named like introspection, still data: the operation's name changes nothing.
    let res = app.gql(None, &format!("query IntrospectionQuery {}", data_query(20)), json!({})).await;
    res.assert_code("BAD_USER_INPUT");
    // Introspection beside data does not exempt the data.
    let mixed = data_query(20).replacen('{', "{ __schema { queryType { name } }", 1);
    app.gql(None, &mixed, json!({})).await.assert_code("BAD_USER_INPUT");
}

#[tokio::test]
async fn three_nested_introspection_lists_are_refused_and_two_pass() {
    let app = TestApp::spawn().await;
    let two = "{ __schema { types { fields { type { fields { name } } } } } }";
    app.gql(None, two, json!({})).await.assert_ok();
    let three = "{ __type(name: \"Order\") { fields { type { ofType { fields { type { ofType { interfaces { name } } } } } } } } }";
    let res = app.gql(None, three, json!({})).await;
    res.assert_code("BAD_USER_INPUT");
    assert!(res.error_message().contains("Maximum introspection depth exceeded"), "{}", res.body);
    // Through fragments too.
    let fragments = "query { __schema { types { ...A } } } fragment A on __Type { possibleTypes { ...B } } \
                     fragment B on __Type { inputFields { type { fields { name } } } }";
    app.gql(None, fragments, json!({})).await.assert_code("BAD_USER_INPUT");
}

#[tokio::test]
async fn introspection_can_be_turned_off() {
    let app = TestApp::spawn_with(|c| c.introspection = false).await;
    let res = app.gql(None, &fixture(include_str!("fixtures/introspection-query.graphql")), json!({})).await;
    res.assert_code("FORBIDDEN");
    app.gql(None, "{ __type(name: \"Query\") { name } }", json!({})).await.assert_code("FORBIDDEN");
    let ok = app.gql(None, "{ __typename adSpaces(first: 1) { edges { node { id } } } }", json!({})).await;
    ok.assert_ok();
    assert_eq!(ok.str("/data/__typename"), "Query");
    // The playground still loads; it runs queries without docs.
    let page = app.http.get(format!("{}/", app.base)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("data-introspection=\"off\""), "{page}");
}
