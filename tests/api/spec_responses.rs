//! Responses as the GraphQL spec says: null propagation, keys in query order on both transports,
//! request errors as `BAD_USER_INPUT` (a corpus of malformed requests never yields `INTERNAL`),
//! and the HTTP-level errors (401 with a reason, 405/406/415) as GraphQL JSON.

use serde_json::{Value, json};

use crate::helpers::{TestApp, TestUser};
use crate::wsclient::WsClient;

/// Posts `body` and returns the status and the raw response text (key order intact).
async fn raw(app: &TestApp, token: Option<&str>, body: &Value) -> (u16, String) {
    let mut req = app.http.post(format!("{}/graphql", app.base)).json(body);
    if let Some(token) = token {
        req = req.bearer_auth(token);
    }
    let res = req.send().await.unwrap();
    (res.status().as_u16(), res.text().await.unwrap())
}

/// A pending order of a new advertiser: (advertiser, order id).
async fn an_order(app: &TestApp) -> (TestUser, String) {
    let influencer = app.influencer().await;
    let advertiser = app.advertiser().await;
    let space = app.ad_space_of(&influencer, 15000, "EUR").await;
    let q = "mutation($i: PlaceOrderInput!) { placeOrder(input: $i) { order { id } } }";
    let res = app.gql(Some(&advertiser.token), q, json!({ "i": { "adSpaceId": space, "brief": "A reel" } })).await;
    res.assert_ok();
    (advertiser, res.str("/data/placeOrder/order/id"))
}

#[tokio::test]
async fn a_failing_nullable_field_is_null_and_keeps_its_key() {
    let app = TestApp::spawn().await;
    let user = app.advertiser().await;
    let res = app.gql(Some(&user.token), r#"{ adSpace(id: "junk") { id } me { id } }"#, json!({})).await;
    assert_eq!(res.body["data"], json!({ "adSpace": null, "me": { "id": user.id } }), "{}", res.body);
    assert_eq!(res.at("/errors/0/path"), &json!(["adSpace"]));
    res.assert_code("BAD_USER_INPUT");
}

#[tokio::test]
async fn a_failing_non_null_field_nulls_its_nearest_nullable_parent_at_every_depth() {
    let app = TestApp::spawn().await;
    let (advertiser, order) = an_order(&app).await;
    let token = Some(advertiser.token.as_str());
    // Depth 2, through a fragment: Order.messages is non-null, so the nullable `node` is null.
    let q = r#"query($o: ID!) { me { id } n: node(id: $o) { ... on Order { id messages(after: "junk") { edges { cursor } } } } ok: node(id: $o) { id } }"#;
    let res = app.gql(token, q, json!({ "o": order })).await;
    assert_eq!(res.body["data"], json!({ "me": { "id": advertiser.id }, "n": null, "ok": { "id": order } }), "{}", res.body);
    assert_eq!(res.at("/errors/0/path"), &json!(["n", "messages"]));
    // Through list items and non-null parents up to the root: `data` itself is null.
    let q = r#"{ me { id } myOrders { edges { node { id messages(after: "junk") { edges { cursor } } } } } }"#;
    let res = app.gql(token, q, json!({})).await;
    assert_eq!(res.body["data"], Value::Null, "{}", res.body);
    assert_eq!(res.at("/errors/0/path"), &json!(["myOrders", "edges", 0, "node", "messages"]));
    // The issue's two examples: non-null root fields, so `data` is null.
    for q in [
        r#"{ me { id } adSpaces(first: -1) { edges { cursor } } }"#,
        r#"query($o: ID!) { order(id: $o) { id messages(after: "junk") { edges { cursor } } } }"#,
    ] {
        let res = app.gql(token, q, json!({ "o": order })).await;
        assert!(res.body.get("data").is_some_and(Value::is_null), "{q}: {}", res.body);
        res.assert_code("BAD_USER_INPUT");
    }
}

#[tokio::test]
async fn response_keys_come_in_the_order_the_query_asked_for_them_over_http() {
    let app = TestApp::spawn().await;
    let user = app.advertiser().await;
    let (status, text) = raw(&app, Some(&user.token), &json!({ "query": "{ me { id email displayName } }" })).await;
    assert_eq!(status, 200);
    let expected = format!(r#"{{"data":{{"me":{{"id":"{}","email":"{}","displayName":"ADVERTISER user"}}}}}}"#, user.id, user.email);
    assert_eq!(text, expected);
    let q = "{ z: me { displayName role b: id } a: me { role } }";
    let (_, text) = raw(&app, Some(&user.token), &json!({ "query": q })).await;
    let expected = format!(
        r#"{{"data":{{"z":{{"displayName":"ADVERTISER user","role":"ADVERTISER","b":"{}"}},"a":{{"role":"ADVERTISER"}}}}}}"#,
        user.id
    );
    assert_eq!(text, expected);
}

#[tokio::test]
async fn response_keys_come_in_query_order_over_the_websocket_too() {
    let app = TestApp::spawn().await;
    let (advertiser, order) = an_order(&app).await;
    let mut ws = WsClient::connect_and_init(&app.ws_url(), Some(&advertiser.token)).await;
    ws.subscribe("q", "{ me { id email displayName } }", json!({})).await;
    let text = ws.next_text().await;
    let expected = format!(
        r#""payload":{{"data":{{"me":{{"id":"{}","email":"{}","displayName":"ADVERTISER user"}}}}}}"#,
        advertiser.id, advertiser.email
    );
    assert!(text.contains(&expected), "{text}");
    let _complete = ws.next_text().await;
    let q = "subscription($o: ID!) { orderEvents(orderId: $o) { toStatus kind seq id } }";
    ws.subscribe("s", q, json!({ "o": order })).await;
    app.subscriptions_live(1).await;
    let send = "mutation($i: SendMessageInput!) { sendMessage(input: $i) { __typename } }";
    app.gql(Some(&advertiser.token), send, json!({ "i": { "orderId": order, "body": "Hello" } })).await.assert_ok();
    let text = ws.next_text().await;
    let text = text.split_once(r#""payload":"#).expect("a payload").1;
    let at = |k: &str| text.find(&format!("\"{k}\":")).unwrap_or_else(|| panic!("no {k} in {text}"));
    assert!(at("toStatus") < at("kind") && at("kind") < at("seq") && at("seq") < at("id"), "{text}");
}

#[tokio::test]
async fn a_missing_or_ill_typed_variable_is_a_request_error_naming_it() {
    let app = TestApp::spawn().await;
    let q = "query($o: ID!) { order(id: $o) { id } }";
    for variables in [json!({}), Value::Null] {
        let body = json!({ "query": q, "variables": variables });
        let res = app.http.post(format!("{}/graphql", app.base)).header("accept", "application/graphql-response+json").json(&body);
        let res = res.send().await.unwrap();
        assert_eq!(res.status().as_u16(), 400, "a request error");
        let body: Value = res.json().await.unwrap();
        assert!(body.get("data").is_none(), "{body}");
        assert_eq!(body["errors"][0]["extensions"], json!({ "code": "BAD_USER_INPUT", "field": "$o" }), "{body}");
    }
    let q = "mutation($i: CreateAdSpaceInput!) { createAdSpace(input: $i) { adSpace { id } } }";
    let res = app.gql(None, q, json!({ "i": "x" })).await;
    res.assert_code("BAD_USER_INPUT");
    assert_eq!(res.error_field(), Some("$i"));
    let q = "query($f: OrdersFilter) { myOrders(filter: $f) { edges { cursor } } }";
    let res = app.gql(None, q, json!({ "f": { "createdAfter": 5 } })).await;
    res.assert_code("BAD_USER_INPUT");
    assert_eq!(res.error_field(), Some("$f.createdAfter"));
}

#[tokio::test]
async fn a_corpus_of_malformed_requests_never_gets_an_internal_error() {
    let app = TestApp::spawn().await;
    let (advertiser, order) = an_order(&app).await;
    let create = "mutation($i: CreateAdSpaceInput!) { createAdSpace(input: $i) { adSpace { id } } }";
    let full =
        json!({ "channelId": "x", "title": "t", "description": "d", "format": "REEL", "price": { "amountMinor": 5, "currency": "EUR" } });
    let corpus: Vec<(String, Value)> = vec![
        ("query($o: ID!) { order(id: $o) { id } }".into(), json!({})),
        ("query($o: ID!) { order(id: $o) { id } }".into(), json!({ "o": null })),
        ("query($o: ID!) { order(id: $o) { id } }".into(), json!({ "o": true })),
        ("query($o: ID!) { order(id: $o) { id } }".into(), json!({ "o": 1.5 })),
        ("query($o: ID!) { order(id: $o) { id } }".into(), json!({ "o": [order] })),
        ("query($o: ID!) { order(id: $o) { id } }".into(), json!({ "o": { "x": 1 } })),
        (create.into(), json!({ "i": "x" })),
        (create.into(), json!({ "i": 5 })),
        (create.into(), json!({ "i": [] })),
        (create.into(), json!({ "i": {} })),
        (create.into(), json!({ "i": { "title": "t" } })),
        (create.into(), json!({ "i": { "unknown": 1 } })),
        (create.into(), json!({ "i": { "price": 5 } })),
        (create.into(), { let mut i = full.clone(); i["price"] = json!(5); json!({ "i": i }) }),
        (create.into(), { let mut i = full.clone(); i["price"] = json!({ "amountMinor": "5", "currency": "EUR" }); json!({ "i": i }) }),
        (create.into(), { let mut i = full.clone(); i["price"] = json!({ "amountMinor": 5_000_000_000i64, "currency": "EUR" }); json!({ "i": i }) }),
        (create.into(), { let mut i = full.clone(); i["format"] = json!("NOPE"); json!({ "i": i }) }),
        (create.into(), { let mut i = full.clone(); i["format"] = json!(3); json!({ "i": i }) }),
        (create.into(), { let mut i = full.clone(); i["deliverables"] = json!([1, 2]); json!({ "i": i }) }),
        (create.into(), { let mut i = full.clone(); i["turnaroundDays"] = json!(2.5); json!({ "i": i }) }),
        (create.into(), full.clone()),
        (r#"mutation { createAdSpace(input: { channelId: "x", title: "t", description: "d", format: REEL, price: 5 }) { adSpace { id } } }"#.into(), json!({})),
        (r#"mutation { createAdSpace(input: "x") { adSpace { id } } }"#.into(), json!({})),
        (r#"{ myOrders(filter: { createdAfter: 5 }) { edges { cursor } } }"#.into(), json!({})),
        (r#"{ myOrders(filter: { createdAfter: "yesterday" }) { edges { cursor } } }"#.into(), json!({})),
        ("query($f: OrdersFilter) { myOrders(filter: $f) { edges { cursor } } }".into(), json!({ "f": { "createdAfter": 5 } })),
        ("query($f: OrdersFilter) { myOrders(filter: $f) { edges { cursor } } }".into(), json!({ "f": { "createdAfter": "not a date" } })),
        ("query($f: OrdersFilter) { myOrders(filter: $f) { edges { cursor } } }".into(), json!({ "f": { "statuses": "PENDING" } })),
        ("query($f: OrdersFilter) { myOrders(filter: $f) { edges { cursor } } }".into(), json!({ "f": { "statuses": ["NOPE"] } })),
        ("query($f: OrdersFilter) { myOrders(filter: $f) { edges { cursor } } }".into(), json!({ "f": "x" })),
        ("query($n: Int) { adSpaces(first: $n) { edges { cursor } } }".into(), json!({ "n": "ten" })),
        ("query($n: Int) { adSpaces(first: $n) { edges { cursor } } }".into(), json!({ "n": 1e12 })),
        ("query($n: Int) { adSpaces(first: $n) { edges { cursor } } }".into(), json!({ "n": 2.5 })),
        ("query($n: Int) { adSpaces(first: $n) { edges { cursor } } }".into(), json!({ "n": -5 })),
        ("query($a: String) { adSpaces(after: $a) { edges { cursor } } }".into(), json!({ "a": "junk" })),
        ("query($a: String) { adSpaces(after: $a) { edges { cursor } } }".into(), json!({ "a": 5 })),
        ("query($s: AdSpaceSort) { adSpaces(sort: $s) { edges { cursor } } }".into(), json!({ "s": "CHEAPEST" })),
        ("query($m: Float) { adSpaces(filter: { minRating: $m }) { edges { cursor } } }".into(), json!({ "m": "high" })),
        (r#"{ adSpaces(first: 100000) { edges { cursor } } }"#.into(), json!({})),
        (r#"{ adSpaces(filter: { price: { currency: "EURO" } }) { edges { cursor } } }"#.into(), json!({})),
        (r#"{ node(id: "") { id } }"#.into(), json!({})),
        (r#"{ order(id: "T3JkZXI6eA") { id } }"#.into(), json!({})),
        (r#"{ myOrders(first: 1, last: 1) { edges { cursor } } }"#.into(), json!({})),
        (r#"{ myOrders(before: "junk", last: 2) { edges { cursor } } }"#.into(), json!({})),
        ("query($o: ID!) { order(id: $o) { messages(first: -1) { edges { cursor } } } }".into(), json!({ "o": order })),
        ("query($o: ID!) { order(id: $o) { messages(after: \"x\", before: \"y\") { edges { cursor } } } }".into(), json!({ "o": order })),
        ("{ me { id } ".into(), json!({})),
        ("{ nope }".into(), json!({})),
        ("query($x: Nope) { me { id } }".into(), json!({ "x": 1 })),
        ("query($x: Int!) { me { id } }".into(), json!({})),
        ("query { me { id } } query { me { id } }".into(), json!({})),
        ("mutation($i: PayOrderInput!) { payOrder(input: $i) { payment { id } } }".into(), json!({ "i": { "orderId": order } })),
        ("mutation($i: PayOrderInput!) { payOrder(input: $i) { payment { id } } }".into(), json!({ "i": { "orderId": order, "idempotencyKey": 7 } })),
        ("mutation($i: ConfirmSandboxPaymentInput!) { confirmSandboxPayment(input: $i) { payment { id } } }".into(), json!({ "i": { "paymentId": order } })),
        ("subscription { orderEvents(orderId: \"x\") { id } }".into(), json!({})),
    ];
    for (query, variables) in corpus {
        for token in [None, Some(advertiser.token.as_str())] {
            let (status, text) = raw(&app, token, &json!({ "query": query, "variables": variables })).await;
            assert!(status < 500, "{status} for {query} with {variables}: {text}");
            let body: Value = serde_json::from_str(&text).unwrap();
            // Some of these are valid after all (a single enum value stands for a list of one).
            for e in body["errors"].as_array().into_iter().flatten() {
                let code = e["extensions"]["code"].as_str().unwrap_or_else(|| panic!("every error has a code: {text}"));
                assert_ne!(code, "INTERNAL", "{query} with {variables}: {text}");
                assert!(!e["message"].as_str().unwrap().contains("internal"), "{text}");
            }
        }
    }
}

#[tokio::test]
async fn method_and_media_type_errors_are_graphql_json() {
    let app = TestApp::spawn().await;
    let url = format!("{}/graphql", app.base);
    let cases = [
        (app.http.get(format!("{url}?query=mutation%7BlogOut%7D")), 405),
        (app.http.post(&url).header("content-type", "text/plain").body("{}"), 415),
        (app.http.post(&url).header("content-type", "application/json").header("accept", "text/html").body("{}"), 406),
    ];
    for (req, code) in cases {
        let res = req.send().await.unwrap();
        assert_eq!(res.status().as_u16(), code);
        assert!(res.headers()["content-type"].to_str().unwrap().contains("json"), "{code}");
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT", "{code}: {body}");
        assert!(body["errors"][0]["message"].as_str().is_some_and(|m| !m.is_empty()), "{body}");
    }
}

#[tokio::test]
async fn a_refused_token_gets_401_with_a_challenge_and_says_why() {
    let app = TestApp::spawn().await;
    let user = app.advertiser().await;
    let ask = |auth: String| {
        app.http.post(format!("{}/graphql", app.base)).header("authorization", auth).json(&json!({ "query": "{ me { id } }" })).send()
    };
    let check = |res: reqwest::Response, reason: &'static str| async move {
        assert_eq!(res.status().as_u16(), 401);
        assert!(res.headers()["www-authenticate"].to_str().unwrap().starts_with("Bearer "), "{:?}", res.headers());
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["errors"][0]["extensions"], json!({ "code": "UNAUTHENTICATED", "reason": reason }), "{body}");
        assert!(body["errors"][0].get("locations").is_none(), "no invalid locations: {body}");
    };
    check(ask("Bearer not-a-token".into()).await.unwrap(), "INVALID").await;
    check(ask(user.token.clone()).await.unwrap(), "INVALID").await; // without `Bearer `: not anonymous
    check(ask("Basic dXNlcjpwYXNz".into()).await.unwrap(), "INVALID").await;
    let expiring = app.advertiser().await;
    app.clock.advance(chrono::Duration::hours(24 * 31));
    check(ask(format!("Bearer {}", expiring.token)).await.unwrap(), "EXPIRED").await;
    let fresh = app.advertiser().await;
    app.gql(Some(&fresh.token), "mutation { logOut { __typename } }", json!({})).await.assert_ok();
    check(ask(format!("Bearer {}", fresh.token)).await.unwrap(), "REVOKED").await;
}
