//! What a frontend reaches for: the booked ad space on an order (after archiving too),
//! `myOrders` counted and paged both ways, `me` for anonymous callers, the subscription root.

use serde_json::{Value, json};

use crate::helpers::{TestApp, TestUser};

async fn place(app: &TestApp, advertiser: &TestUser, space: &str, brief: &str) -> String {
    let q = "mutation($i: PlaceOrderInput!) { placeOrder(input: $i) { order { id } } }";
    let res = app.gql(Some(&advertiser.token), q, json!({ "i": { "adSpaceId": space, "brief": brief } })).await;
    res.assert_ok();
    res.str("/data/placeOrder/order/id")
}

#[tokio::test]
async fn an_order_shows_its_booked_ad_space_to_both_parties_even_after_archiving() {
    let app = TestApp::spawn().await;
    let (influencer, advertiser) = (app.influencer().await, app.advertiser().await);
    let space = app.ad_space_of(&influencer, 15000, "EUR").await;
    let order = place(&app, &advertiser, &space, "A reel").await;
    let archive = "mutation($i: IdInput!) { archiveAdSpace(input: $i) { adSpace { id } } }";
    app.gql(Some(&influencer.token), archive, json!({ "i": { "id": space } })).await.assert_ok();
    let q = "query($id: ID!) { order(id: $id) { adSpaceId adSpace { id title archived } } }";
    for user in [&advertiser, &influencer] {
        let res = app.gql(Some(&user.token), q, json!({ "id": order })).await;
        let expected = json!({ "adSpaceId": space, "adSpace": { "id": space, "title": "Sponsored reel", "archived": true } });
        assert_eq!(res.at("/data/order"), &expected, "{}", res.body);
    }
}

const MY_ORDERS: &str = "query($f: OrdersFilter, $first: Int, $after: String, $last: Int, $before: String) { \
    myOrders(filter: $f, first: $first, after: $after, last: $last, before: $before) { \
    totalCount pageInfo { hasPreviousPage hasNextPage startCursor endCursor } edges { cursor node { brief } } } }";

fn briefs(res: &Value) -> Vec<String> {
    res["data"]["myOrders"]["edges"].as_array().unwrap().iter().map(|e| e["node"]["brief"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn my_orders_counts_all_pages_and_pages_backwards_with_last_and_before() {
    let app = TestApp::spawn().await;
    let (influencer, advertiser) = (app.influencer().await, app.advertiser().await);
    let space = app.ad_space_of(&influencer, 15000, "EUR").await;
    for n in 1..=5 {
        place(&app, &advertiser, &space, &format!("order {n}")).await;
    }
    let ask = |vars: Value| app.gql(Some(&advertiser.token), MY_ORDERS, vars);
    // Forward, newest first, in pages of two.
    let page1 = ask(json!({ "first": 2 })).await;
    assert_eq!(briefs(&page1.body), ["order 5", "order 4"]);
    assert_eq!(page1.at("/data/myOrders/totalCount"), &json!(5));
    let end = page1.str("/data/myOrders/pageInfo/endCursor");
    let page2 = ask(json!({ "first": 2, "after": end })).await;
    assert_eq!(briefs(&page2.body), ["order 3", "order 2"]);
    let page3 = ask(json!({ "first": 2, "after": page2.str("/data/myOrders/pageInfo/endCursor") })).await;
    assert_eq!(briefs(&page3.body), ["order 1"]);
    assert_eq!(page3.at("/data/myOrders/pageInfo/hasNextPage"), &json!(false));
    // Backward from the oldest: `last` before a cursor gives the newer neighbours, in list order.
    let oldest = page3.str("/data/myOrders/pageInfo/startCursor");
    let back = ask(json!({ "last": 2, "before": oldest })).await;
    assert_eq!(briefs(&back.body), ["order 3", "order 2"]);
    assert_eq!(back.at("/data/myOrders/pageInfo/hasPreviousPage"), &json!(true));
    assert_eq!(back.at("/data/myOrders/pageInfo/hasNextPage"), &json!(true));
    let top = ask(json!({ "last": 2, "before": back.str("/data/myOrders/pageInfo/startCursor") })).await;
    assert_eq!(briefs(&top.body), ["order 5", "order 4"]);
    assert_eq!(top.at("/data/myOrders/pageInfo/hasPreviousPage"), &json!(false));
    // `last` alone: the oldest orders.
    assert_eq!(briefs(&ask(json!({ "last": 2 })).await.body), ["order 2", "order 1"]);
    // The count follows the filter and ignores paging; the influencer sees the same orders.
    let none = ask(json!({ "f": { "statuses": ["CANCELLED"] }, "first": 1 })).await;
    assert_eq!(none.at("/data/myOrders/totalCount"), &json!(0));
    let theirs = app.gql(Some(&influencer.token), MY_ORDERS, json!({ "first": 1 })).await;
    assert_eq!(theirs.at("/data/myOrders/totalCount"), &json!(5));
    ask(json!({ "first": 1, "last": 1 })).await.assert_code("BAD_USER_INPUT");
}

#[tokio::test]
async fn an_anonymous_caller_asking_who_they_are_gets_null_without_an_error() {
    let app = TestApp::spawn().await;
    let res = app.gql(None, "{ me { id } }", json!({})).await;
    assert_eq!(res.body, json!({ "data": { "me": null } }));
}

#[tokio::test]
async fn the_subscription_root_type_is_named_subscription() {
    let app = TestApp::spawn().await;
    let res = app.gql(None, "{ __schema { subscriptionType { name } } }", json!({})).await;
    assert_eq!(res.at("/data/__schema/subscriptionType/name"), &json!("Subscription"));
    assert!(adbridge::graphql::sdl().contains("subscription: Subscription"));
}
