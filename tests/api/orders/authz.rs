//! Who may see and do what: each role × each action × own/foreign order.

use serde_json::{Value, json};

use super::support::*;
use crate::helpers::{TestApp, TestUser};

/// Every order mutation with a valid input for it (the order id is filled in).
fn mutations() -> Vec<(&'static str, &'static str, Value)> {
    vec![
        ("acceptOrder", "OrderActionInput", json!({})),
        ("declineOrder", "OrderReasonInput", json!({ "reason": "r" })),
        ("cancelOrder", "OrderReasonInput", json!({ "reason": "r" })),
        ("startWork", "OrderActionInput", json!({})),
        ("completeOrder", "CompleteOrderInput", json!({ "proofs": [{ "kind": "LINK", "url": "https://example.com/p" }], "note": "n" })),
        ("verifyDelivery", "OrderActionInput", json!({})),
        ("disputeOrder", "OrderReasonInput", json!({ "reason": "r" })),
        ("reworkOrder", "OrderActionInput", json!({})),
        ("escalateOrder", "OrderActionInput", json!({})),
        ("holdOrder", "OrderReasonInput", json!({ "reason": "r" })),
        ("resolveOrder", "ResolveOrderInput", json!({ "resolution": "REFUND" })),
    ]
}

/// Which side the table gives each mutation to.
fn owner(name: &str) -> &'static [&'static str] {
    match name {
        "acceptOrder" | "declineOrder" | "startWork" | "completeOrder" | "reworkOrder" => &["influencer"],
        "verifyDelivery" | "disputeOrder" => &["advertiser"],
        "cancelOrder" | "escalateOrder" => &["advertiser", "influencer"],
        _ => &["admin"],
    }
}

#[tokio::test]
async fn strangers_get_not_found_the_wrong_side_forbidden_and_the_right_side_the_status_for_every_action() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let (advertiser, influencer, order) = pending_order(&app).await;
    // A final order: every action is refused, so the matrix probes only refusals.
    act(&app, &influencer, "declineOrder", "OrderReasonInput", &order, json!({ "reason": "No" })).await.assert_ok();
    let other_advertiser = app.advertiser().await;
    let other_influencer = app.influencer().await;
    let before = event_count(&app, &order).await;
    let roles: [(&str, &TestUser); 3] = [("advertiser", &advertiser), ("influencer", &influencer), ("admin", &admin)];
    for (name, input_type, input) in mutations() {
        for stranger in [&other_advertiser, &other_influencer] {
            act(&app, stranger, name, input_type, &order, input.clone()).await.assert_code("NOT_FOUND");
        }
        for (role, user) in roles {
            let res = act(&app, user, name, input_type, &order, input.clone()).await;
            let expected = if owner(name).contains(&role) { "INVALID_TRANSITION" } else { "FORBIDDEN" };
            assert_eq!(res.error_code(), Some(expected), "{role} {name}: {}", res.body);
        }
        app.gql(
            None,
            &format!("mutation($i: {input_type}!) {{ {name}(input: $i) {{ order {{ id }} }} }}"),
            json!({ "i": { "orderId": order } }),
        )
        .await
        .error_code()
        .map(|c| assert!(c == "UNAUTHENTICATED" || c == "BAD_USER_INPUT", "{name} anonymous: {c}"));
    }
    pay(&app, &influencer, &order, "k").await.assert_code("FORBIDDEN");
    pay(&app, &admin, &order, "k").await.assert_code("FORBIDDEN");
    pay(&app, &other_advertiser, &order, "k").await.assert_code("NOT_FOUND");
    pay(&app, &advertiser, &order, "k").await.assert_code("INVALID_TRANSITION");
    assert_eq!(event_count(&app, &order).await, before, "no refused action wrote anything");
}

#[tokio::test]
async fn only_the_parties_and_admins_can_read_an_order() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let (advertiser, influencer, order) = pending_order(&app).await;
    let stranger = app.advertiser().await;
    for user in [&advertiser, &influencer, &admin] {
        let res = read(&app, user, &order).await;
        res.assert_ok();
        assert_eq!(res.str("/data/order/id"), order);
    }
    read(&app, &stranger, &order).await.assert_code("NOT_FOUND");
    app.gql(None, "query($id: ID!) { order(id: $id) { id } }", json!({ "id": order })).await.assert_code("UNAUTHENTICATED");
    let node = app.gql(Some(&stranger.token), "query($id: ID!) { node(id: $id) { id } }", json!({ "id": order })).await;
    assert_eq!(node.at("/data/node"), &json!(null));
    let node =
        app.gql(Some(&influencer.token), "query($id: ID!) { node(id: $id) { id ... on Order { status } } }", json!({ "id": order })).await;
    assert_eq!(node.str("/data/node/status"), "PENDING");
    let mine = app.gql(Some(&stranger.token), "{ myOrders { edges { node { id } } } }", json!({})).await;
    assert_eq!(mine.at("/data/myOrders/edges"), &json!([]));
    let all = app.gql(Some(&admin.token), "{ myOrders { edges { node { id } } } }", json!({})).await;
    assert_eq!(all.str("/data/myOrders/edges/0/node/id"), order, "admins see every order");
}

#[tokio::test]
async fn my_orders_filters_by_side_and_status_and_pages_by_keyset() {
    let app = TestApp::spawn().await;
    let influencer = app.influencer().await;
    let advertiser = app.advertiser().await;
    let space = app.ad_space_of(&influencer, 15000, "EUR").await;
    let mut ids = Vec::new();
    for _ in 0..5 {
        let res = place(&app, &advertiser, &space).await;
        ids.push(res.str("/data/placeOrder/order/id"));
    }
    accept(&app, &influencer, &ids[0]).await.assert_ok();
    let q = "query($f: OrdersFilter, $first: Int, $after: String) { myOrders(filter: $f, first: $first, after: $after) { \
        edges { cursor node { id status } } pageInfo { hasNextPage endCursor } } }";
    let mut seen = Vec::new();
    let mut after = Value::Null;
    loop {
        let res = app.gql(Some(&advertiser.token), q, json!({ "first": 2, "after": after })).await;
        res.assert_ok();
        for edge in res.at("/data/myOrders/edges").as_array().unwrap() {
            seen.push(edge["node"]["id"].as_str().unwrap().to_owned());
        }
        if !res.at("/data/myOrders/pageInfo/hasNextPage").as_bool().unwrap() {
            break;
        }
        after = res.at("/data/myOrders/pageInfo/endCursor").clone();
    }
    let newest_first: Vec<String> = ids.iter().rev().cloned().collect();
    assert_eq!(seen, newest_first);
    let accepted = app.gql(Some(&influencer.token), q, json!({ "f": { "statuses": ["PAYMENT_REQUIRED"], "side": "INFLUENCER" } })).await;
    assert_eq!(accepted.at("/data/myOrders/edges").as_array().unwrap().len(), 1);
    let as_advertiser = app.gql(Some(&influencer.token), q, json!({ "f": { "side": "ADVERTISER" } })).await;
    assert_eq!(as_advertiser.at("/data/myOrders/edges"), &json!([]));
    let future = app.gql(Some(&advertiser.token), q, json!({ "f": { "createdAfter": "2999-01-01T00:00:00Z" } })).await;
    assert_eq!(future.at("/data/myOrders/edges"), &json!([]));
    app.gql(Some(&advertiser.token), q, json!({ "after": "junk" })).await.assert_code("BAD_USER_INPUT");
    app.gql(Some(&advertiser.token), q, json!({ "first": 101 })).await.assert_code("BAD_USER_INPUT");
}
