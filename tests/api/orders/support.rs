//! Shared steps of the order tests: queries and a few arrangements over HTTP.

use serde_json::{Value, json};

use crate::helpers::{Gql, TestApp, TestUser};

/// The fields every order test reads back.
pub const ORDER_FIELDS: &str = "id status brief revisionsIncluded revisionsUsed availableActions \
    price { amountMinor currency } deadlines { kind dueAt then } \
    events { id cursor seq kind fromStatus toStatus reason actor { id } details }";

/// Places an order on `space` as `advertiser`.
pub async fn place(app: &TestApp, advertiser: &TestUser, space: &str) -> Gql {
    app.gql(
        Some(&advertiser.token),
        &format!("mutation($i: PlaceOrderInput!) {{ placeOrder(input: $i) {{ order {{ {ORDER_FIELDS} }} }} }}"),
        json!({ "i": { "adSpaceId": space, "brief": "Show our granola in a morning reel", "firstMessage": "Hi!" } }),
    )
    .await
}

/// A new influencer, their ad space, a new advertiser and a `PENDING` order between them.
pub async fn pending_order(app: &TestApp) -> (TestUser, TestUser, String) {
    let influencer = app.influencer().await;
    let advertiser = app.advertiser().await;
    let space = app.ad_space_of(&influencer, 15000, "EUR").await;
    let res = place(app, &advertiser, &space).await;
    res.assert_ok();
    (advertiser, influencer, res.str("/data/placeOrder/order/id"))
}

/// Calls a transition mutation `name` with `input` (its `orderId` filled in).
pub async fn act(app: &TestApp, user: &TestUser, name: &str, input_type: &str, order: &str, mut input: Value) -> Gql {
    input["orderId"] = json!(order);
    app.gql(
        Some(&user.token),
        &format!("mutation($i: {input_type}!) {{ {name}(input: $i) {{ order {{ {ORDER_FIELDS} }} }} }}"),
        json!({ "i": input }),
    )
    .await
}

/// Calls a transition and asserts it succeeded, returning the order's new status.
#[track_caller]
pub fn status_of(res: &Gql, name: &str) -> String {
    res.assert_ok();
    res.str(&format!("/data/{name}/order/status"))
}

/// Accepts as the influencer.
pub async fn accept(app: &TestApp, influencer: &TestUser, order: &str) -> Gql {
    act(app, influencer, "acceptOrder", "OrderActionInput", order, json!({})).await
}

/// Pays as the advertiser with `key`.
pub async fn pay(app: &TestApp, advertiser: &TestUser, order: &str, key: &str) -> Gql {
    app.gql(
        Some(&advertiser.token),
        "mutation($i: PayOrderInput!) { payOrder(input: $i) { order { status paidAt } payment { id status providerRef failureReason amount { amountMinor currency } } } }",
        json!({ "i": { "orderId": order, "idempotencyKey": key } }),
    )
    .await
}

/// Completes as the influencer with one link.
pub async fn complete(app: &TestApp, influencer: &TestUser, order: &str) -> Gql {
    let input = json!({ "proofs": [{ "kind": "LINK", "url": "https://instagram.com/p/abc" }], "note": "Posted at 9am" });
    act(app, influencer, "completeOrder", "CompleteOrderInput", order, input).await
}

/// A `PROCESSING` order (placed, accepted, paid instantly, started).
pub async fn processing_order(app: &TestApp) -> (TestUser, TestUser, String) {
    let (advertiser, influencer, order) = pending_order(app).await;
    accept(app, &influencer, &order).await.assert_ok();
    pay(app, &advertiser, &order, "pay-1").await.assert_ok();
    let started = act(app, &influencer, "startWork", "OrderActionInput", &order, json!({})).await;
    assert_eq!(status_of(&started, "startWork"), "PROCESSING");
    (advertiser, influencer, order)
}

/// A `COMPLETED` order.
pub async fn completed_order(app: &TestApp) -> (TestUser, TestUser, String) {
    let (advertiser, influencer, order) = processing_order(app).await;
    assert_eq!(status_of(&complete(app, &influencer, &order).await, "completeOrder"), "COMPLETED");
    (advertiser, influencer, order)
}

/// Reads an order as `user`.
pub async fn read(app: &TestApp, user: &TestUser, order: &str) -> Gql {
    app.gql(Some(&user.token), &format!("query($id: ID!) {{ order(id: $id) {{ {ORDER_FIELDS} }} }}"), json!({ "id": order })).await
}

/// The number of events of an order, straight from the service (bypassing authorisation).
pub async fn event_count(app: &TestApp, order: &str) -> u64 {
    let id = adbridge::graphql::relay::from_global("id", "Order", &async_graphql::ID(order.to_owned())).unwrap();
    app.state.services.orders.event_count(id).await.unwrap()
}

/// The kinds and target statuses of an order's history, as `KIND:TO`.
pub fn history(res: &Gql, pointer: &str) -> Vec<String> {
    res.at(pointer)
        .as_array()
        .unwrap()
        .iter()
        .map(|e| format!("{}:{}", e["kind"].as_str().unwrap(), e["toStatus"].as_str().unwrap_or("-")))
        .collect()
}
