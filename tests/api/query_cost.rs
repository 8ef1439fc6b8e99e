//! Query cost and document limits: expensive documents are refused before execution, fast.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::helpers::TestApp;

/// The 161-byte query of the review: 30 spaces, each influencer's spaces, three levels deep.
fn nested_spaces_query(influencer: &str) -> String {
    format!(
        "{{ adSpaces(filter:{{influencerId:\"{influencer}\"}}, first:30) {{ nodes {{ influencer {{ adSpaces {{ influencer {{ adSpaces {{ influencer {{ adSpaces {{ id }} }} }} }} }} }} }} }} }}"
    )
}

/// `query { ...F0 }` where F0…F6 each spread the next ten times and F7 is `{ __typename }`.
pub fn fragment_bomb() -> String {
    let mut doc = String::from("query { ...F0 }\n");
    for i in 0..7 {
        let spreads = vec![format!("...F{}", i + 1); 10].join(" ");
        doc.push_str(&format!("fragment F{i} on Query {{ {spreads} }}\n"));
    }
    doc.push_str("fragment F7 on Query { __typename }\n");
    doc
}

#[tokio::test]
async fn the_nested_ad_spaces_query_is_refused_before_execution_with_its_cost() {
    let app = TestApp::spawn().await;
    let influencer = app.influencer().await;
    for _ in 0..30 {
        app.ad_space_of(&influencer, 10_000, "EUR").await;
    }
    let started = Instant::now();
    let res = app.gql(None, &nested_spaces_query(&influencer.id), json!({})).await;
    let took = started.elapsed();
    res.assert_code("QUERY_TOO_COSTLY");
    let cost = res.at("/errors/0/extensions/cost").as_u64().unwrap();
    assert!(cost > 100_000, "30 spaces × 20 × 20 × 20 ids and the fields above them: {cost}");
    assert_eq!(res.at("/errors/0/extensions/maxCost"), &json!(10_000));
    assert!(res.body.get("data").is_none_or(Value::is_null), "nothing executed: {}", res.body);
    assert!(took < Duration::from_secs(1), "refused in {took:?}");

    // The same shape one level shallower with small pages is served, and its data is complete.
    let small = format!(
        "{{ adSpaces(filter:{{influencerId:\"{}\"}}, first:5) {{ nodes {{ influencer {{ adSpaces {{ id }} }} }} }} }}",
        influencer.id
    );
    let res = app.gql(None, &small, json!({})).await;
    res.assert_ok();
    assert_eq!(res.at("/data/adSpaces/nodes").as_array().unwrap().len(), 5);
    assert_eq!(res.at("/data/adSpaces/nodes/0/influencer/adSpaces").as_array().unwrap().len(), 30);
}

#[tokio::test]
async fn a_page_size_given_in_a_variable_counts_in_the_cost() {
    let app = TestApp::spawn_with(|c| c.max_cost = 500).await;
    let query = "query($n: Int) { adSpaces(first: $n) { nodes { id title influencer { displayName } } } }";
    // 1 + 1 + n × 4: 41 for ten, 401 for a hundred, both under 500.
    app.gql(None, query, json!({ "n": 100 })).await.assert_ok();
    let nested = "query($n: Int) { myOrders(first: $n) { nodes { id messages(first: $n) { nodes { id body } } } } }";
    let user = app.advertiser().await;
    let res = app.gql(Some(&user.token), nested, json!({ "n": 10 })).await;
    res.assert_ok();
    let res = app.gql(Some(&user.token), nested, json!({ "n": 50 })).await;
    res.assert_code("QUERY_TOO_COSTLY");
    // 1 + 1 + 50 × (1 + 1 + 1 + 50 × 2) = 5152
    assert_eq!(res.at("/errors/0/extensions/cost"), &json!(5152));
}

#[tokio::test]
async fn the_fragment_spread_bomb_is_refused_in_milliseconds_and_health_stays_responsive() {
    let app = TestApp::spawn().await;
    let bomb = fragment_bomb();
    assert!(bomb.len() < 700, "the document is small: {} bytes", bomb.len());
    let bombs: Vec<_> = (0..4)
        .map(|_| {
            let (http, url, bomb) = (app.http.clone(), format!("{}/graphql", app.base), bomb.clone());
            tokio::spawn(async move {
                let started = Instant::now();
                let res = http.post(url).json(&json!({ "query": bomb })).send().await.unwrap();
                let body: Value = res.json().await.unwrap();
                (started.elapsed(), body)
            })
        })
        .collect();
    let started = Instant::now();
    let health = app.http.get(format!("{}/healthz", app.base)).send().await.unwrap();
    assert_eq!(health.status(), 200);
    assert!(started.elapsed() < Duration::from_secs(1), "healthz took {:?}", started.elapsed());
    for bomb in bombs {
        let (took, body) = bomb.await.unwrap();
        assert_eq!(body.pointer("/errors/0/extensions/code"), Some(&json!("QUERY_TOO_LARGE")), "{body}");
        assert_eq!(body.pointer("/errors/0/extensions/limit"), Some(&json!("fields")), "{body}");
        assert_eq!(body.pointer("/errors/0/extensions/found"), Some(&json!(10_000_000)), "{body}");
        assert!(took < Duration::from_secs(1), "refused in {took:?}");
    }
}

#[tokio::test]
async fn a_fragment_that_spreads_itself_is_refused_without_being_followed() {
    let app = TestApp::spawn().await;
    let started = Instant::now();
    let res = app.gql(None, "query { ...A } fragment A on Query { __typename ...A ...A }", json!({})).await;
    res.assert_code("BAD_USER_INPUT");
    assert!(res.error_message().contains("spreads itself"), "{}", res.body);
    assert!(started.elapsed() < Duration::from_secs(1));
}

#[tokio::test]
async fn aliases_directives_and_tokens_are_capped_per_document() {
    let app = TestApp::spawn_with(|c| {
        c.max_aliases = 3;
        c.max_directives = 2;
        c.max_tokens = 40;
    })
    .await;
    app.gql(None, "{ a: __typename b: __typename c: __typename }", json!({})).await.assert_ok();
    let res = app.gql(None, "{ a: __typename b: __typename c: __typename d: __typename }", json!({})).await;
    res.assert_code("QUERY_TOO_LARGE");
    assert_eq!(res.at("/errors/0/extensions/limit"), &json!("aliases"));
    assert_eq!(res.at("/errors/0/extensions/found"), &json!(4));

    let res = app.gql(None, "{ __typename @skip(if: false) @include(if: true) me @skip(if: true) { id } }", json!({})).await;
    res.assert_code("QUERY_TOO_LARGE");
    assert_eq!(res.at("/errors/0/extensions/limit"), &json!("directives"));

    // Forty-one tokens: the braces and 39 fields.
    let long = format!("{{ {} }}", vec!["__typename"; 39].join(" "));
    let res = app.gql(None, &long, json!({})).await;
    res.assert_code("QUERY_TOO_LARGE");
    assert_eq!(res.at("/errors/0/extensions/limit"), &json!("tokens"));
    assert_eq!(res.at("/errors/0/extensions/max"), &json!(40));
    let fits = format!("{{ {} }}", vec!["__typename"; 38].join(" "));
    app.gql(None, &fits, json!({})).await.assert_ok();
    // Comments and strings do not count as many tokens.
    let commented = format!("# {}\n{{ __typename }}", "x ".repeat(500));
    app.gql(None, &commented, json!({})).await.assert_ok();
}

#[tokio::test]
async fn graphiqls_introspection_query_fits_the_default_token_field_and_cost_limits() {
    // The depth limit is another matter (introspection's own rule); only the limits here are tested.
    let app = TestApp::spawn_with(|c| c.max_depth = 15).await;
    let res = app.gql(None, INTROSPECTION, json!({})).await;
    res.assert_ok();
    assert!(res.at("/data/__schema/types").as_array().unwrap().len() > 50);
}

/// graphql-js's `getIntrospectionQuery({ descriptions: true, specifiedByUrl: true,
/// directiveIsRepeatable: true, inputValueDeprecation: true })`, as GraphiQL sends it.
const INTROSPECTION: &str = r#"query IntrospectionQuery {
  __schema {
    queryType { name } mutationType { name } subscriptionType { name }
    types { ...FullType }
    directives { name description isRepeatable locations args(includeDeprecated: true) { ...InputValue } }
  }
}
fragment FullType on __Type {
  kind name description specifiedByURL
  fields(includeDeprecated: true) { name description args(includeDeprecated: true) { ...InputValue } type { ...TypeRef } isDeprecated deprecationReason }
  inputFields(includeDeprecated: true) { ...InputValue }
  interfaces { ...TypeRef }
  enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason }
  possibleTypes { ...TypeRef }
}
fragment InputValue on __InputValue { name description type { ...TypeRef } defaultValue isDeprecated deprecationReason }
fragment TypeRef on __Type {
  kind name
  ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } } }
}"#;
