//! Conversation: messages between the two parties of an order, read cursors, unread counts,
//! keyset pages both ways, and who may read and post.

use adbridge::graphql::relay::from_global;
use adbridge::store::orders::history::EventScope;
use async_graphql::ID;
use serde_json::{Value, json};

use crate::helpers::{Gql, TestApp, TestUser};

/// An order placed by a new advertiser on a new influencer's ad space, with `first_message`.
pub async fn order_with(app: &TestApp, first_message: Option<&str>) -> (TestUser, TestUser, String) {
    let (advertiser, influencer) = (app.advertiser().await, app.influencer().await);
    let space = app.ad_space_of(&influencer, 50_000, "EUR").await;
    let res = app
        .gql(
            Some(&advertiser.token),
            "mutation($i: PlaceOrderInput!) { placeOrder(input: $i) { order { id } } }",
            json!({ "i": { "adSpaceId": space, "brief": "A reel about our granola", "firstMessage": first_message } }),
        )
        .await;
    res.assert_ok();
    (advertiser, influencer, res.str("/data/placeOrder/order/id"))
}

/// How many events the order has (to prove that refused writes wrote nothing).
pub async fn event_count(app: &TestApp, order: &str) -> usize {
    let id = from_global("id", "Order", &ID(order.to_owned())).unwrap();
    app.state.store.events_after(EventScope::Order(id), 0, 10_000).await.unwrap().len()
}

/// The kinds of the order's events, oldest first.
pub async fn event_kinds(app: &TestApp, order: &str) -> Vec<&'static str> {
    let id = from_global("id", "Order", &ID(order.to_owned())).unwrap();
    app.state.store.events_after(EventScope::Order(id), 0, 10_000).await.unwrap().into_iter().map(|e| e.kind.as_str()).collect()
}

pub async fn send(app: &TestApp, user: &TestUser, order: &str, body: &str) -> Gql {
    app.gql(
        Some(&user.token),
        "mutation($i: SendMessageInput!) { sendMessage(input: $i) { message { id body mine author { id } } } }",
        json!({ "i": { "orderId": order, "body": body } }),
    )
    .await
}

async fn mark_read(app: &TestApp, user: &TestUser, order: &str, up_to: &str) -> Gql {
    app.gql(
        Some(&user.token),
        "mutation($i: MarkMessagesReadInput!) { markMessagesRead(input: $i) { lastReadMessageId unreadCount } }",
        json!({ "i": { "orderId": order, "upTo": up_to } }),
    )
    .await
}

async fn unread(app: &TestApp, user: &TestUser, order: &str) -> (i64, i64) {
    let res = app
        .gql(Some(&user.token), "query($id: ID!) { order(id: $id) { unreadCount } me { unreadMessagesCount } }", json!({ "id": order }))
        .await;
    res.assert_ok();
    (res.at("/data/order/unreadCount").as_i64().unwrap(), res.at("/data/me/unreadMessagesCount").as_i64().unwrap())
}

const PAGE: &str = "query($id: ID!, $first: Int, $after: String, $last: Int, $before: String) {
  order(id: $id) { messages(first: $first, after: $after, last: $last, before: $before) {
    edges { cursor node { id body } } pageInfo { hasPreviousPage hasNextPage startCursor endCursor } } } }";

async fn page(app: &TestApp, user: &TestUser, order: &str, args: Value) -> Gql {
    let mut vars = args;
    vars["id"] = json!(order);
    app.gql(Some(&user.token), PAGE, vars).await
}

fn bodies(res: &Gql) -> Vec<String> {
    res.at("/data/order/messages/edges").as_array().unwrap().iter().map(|e| e["node"]["body"].as_str().unwrap().to_owned()).collect()
}

fn numbered(from: usize, to: usize) -> Vec<String> {
    (from..=to).map(|i| format!("m{i}")).collect()
}

#[tokio::test]
async fn two_parties_exchange_messages_and_their_unread_counts_move() {
    let app = TestApp::spawn().await;
    let (advertiser, influencer, order) = order_with(&app, Some("Hello, can you do it by Friday?")).await;
    assert_eq!(unread(&app, &influencer, &order).await, (1, 1), "the first message of placeOrder is unread by the influencer");
    assert_eq!(unread(&app, &advertiser, &order).await, (0, 0), "one's own messages are never unread");

    let reply = send(&app, &influencer, &order, "  Yes, Friday works.  ").await;
    reply.assert_ok();
    assert_eq!(reply.str("/data/sendMessage/message/body"), "Yes, Friday works.");
    assert_eq!(reply.at("/data/sendMessage/message/mine"), &json!(true));
    assert_eq!(reply.str("/data/sendMessage/message/author/id"), influencer.id);
    send(&app, &influencer, &order, "Any colour preference?").await.assert_ok();
    assert_eq!(unread(&app, &advertiser, &order).await, (2, 2));

    let all = page(&app, &advertiser, &order, json!({})).await;
    assert_eq!(bodies(&all), ["Hello, can you do it by Friday?", "Yes, Friday works.", "Any colour preference?"]);
    let first_reply = all.str("/data/order/messages/edges/1/node/id");
    let read = mark_read(&app, &advertiser, &order, &first_reply).await;
    read.assert_ok();
    assert_eq!(read.at("/data/markMessagesRead/unreadCount"), &json!(1));
    assert_eq!(unread(&app, &advertiser, &order).await, (1, 1));
    assert_eq!(event_kinds(&app, &order).await, ["ORDER_PLACED", "MESSAGE_POSTED", "MESSAGE_POSTED", "MESSAGE_POSTED"]);
}

#[tokio::test]
async fn the_first_message_of_place_order_is_message_number_one() {
    let app = TestApp::spawn().await;
    let (advertiser, _, order) = order_with(&app, Some("Message one")).await;
    let res = page(&app, &advertiser, &order, json!({ "first": 5 })).await;
    res.assert_ok();
    assert_eq!(bodies(&res), ["Message one"]);
    let (_, _, silent) = order_with(&app, None).await;
    assert_eq!(event_kinds(&app, &silent).await, ["ORDER_PLACED"], "no first message, no message");
}

#[tokio::test]
async fn the_total_unread_count_spans_the_viewers_orders_and_is_private() {
    let app = TestApp::spawn().await;
    let (advertiser, influencer, order) = order_with(&app, Some("first order")).await;
    let space = app.ad_space_of(&influencer, 9_000, "EUR").await;
    let second = app
        .gql(
            Some(&advertiser.token),
            "mutation($i: PlaceOrderInput!) { placeOrder(input: $i) { order { id } } }",
            json!({ "i": { "adSpaceId": space, "brief": "Second campaign", "firstMessage": "second order" } }),
        )
        .await;
    second.assert_ok();
    send(&app, &advertiser, &order, "and a follow-up").await.assert_ok();
    assert_eq!(unread(&app, &influencer, &order).await, (2, 3));
    let other = app
        .gql(
            Some(&advertiser.token),
            "query($id: ID!) { node(id: $id) { ... on User { unreadMessagesCount } } }",
            json!({ "id": influencer.id }),
        )
        .await;
    other.assert_ok();
    assert_eq!(other.at("/data/node/unreadMessagesCount"), &Value::Null, "only the owner sees their count");
}

#[tokio::test]
async fn a_read_cursor_only_moves_forward() {
    let app = TestApp::spawn().await;
    let (advertiser, influencer, order) = order_with(&app, Some("one")).await;
    let two = send(&app, &advertiser, &order, "two").await.str("/data/sendMessage/message/id");
    let three = send(&app, &advertiser, &order, "three").await.str("/data/sendMessage/message/id");
    let one = page(&app, &influencer, &order, json!({ "first": 1 })).await.str("/data/order/messages/edges/0/node/id");

    let res = mark_read(&app, &influencer, &order, &three).await;
    assert_eq!(
        (res.str("/data/markMessagesRead/lastReadMessageId"), res.at("/data/markMessagesRead/unreadCount")),
        (three.clone(), &json!(0))
    );
    for older in [&one, &two] {
        let res = mark_read(&app, &influencer, &order, older).await;
        res.assert_ok();
        assert_eq!(res.str("/data/markMessagesRead/lastReadMessageId"), three, "the cursor did not move back");
    }
    assert_eq!(unread(&app, &influencer, &order).await.0, 0);
}

#[tokio::test]
async fn a_read_cursor_on_another_orders_message_is_refused_and_nothing_moves() {
    let app = TestApp::spawn().await;
    let (_, influencer, order) = order_with(&app, Some("mine")).await;
    let (other_adv, _, other) = order_with(&app, Some("elsewhere")).await;
    let foreign = page(&app, &other_adv, &other, json!({})).await.str("/data/order/messages/edges/0/node/id");
    for up_to in [foreign.as_str(), "not-an-id", order.as_str()] {
        let res = mark_read(&app, &influencer, &order, up_to).await;
        res.assert_code("BAD_USER_INPUT");
        assert_eq!(res.error_field(), Some("upTo"), "{}", res.body);
    }
    assert_eq!(unread(&app, &influencer, &order).await.0, 1);
}

#[tokio::test]
async fn pages_walk_back_from_the_latest_and_forward_from_the_start() {
    let app = TestApp::spawn().await;
    let (advertiser, influencer, order) = order_with(&app, Some("m1")).await;
    for i in 2..=25 {
        let who = if i % 2 == 0 { &influencer } else { &advertiser };
        send(&app, who, &order, &format!("m{i}")).await.assert_ok();
    }
    // Backwards, as a chat loads history upwards.
    let latest = page(&app, &advertiser, &order, json!({ "last": 10 })).await;
    assert_eq!(bodies(&latest), numbered(16, 25));
    assert_eq!(latest.at("/data/order/messages/pageInfo/hasPreviousPage"), &json!(true));
    assert_eq!(latest.at("/data/order/messages/pageInfo/hasNextPage"), &json!(false));
    let older =
        page(&app, &advertiser, &order, json!({ "last": 10, "before": latest.str("/data/order/messages/pageInfo/startCursor") })).await;
    assert_eq!(bodies(&older), numbered(6, 15));
    assert_eq!(older.at("/data/order/messages/pageInfo/hasNextPage"), &json!(true));
    let oldest =
        page(&app, &advertiser, &order, json!({ "last": 10, "before": older.str("/data/order/messages/pageInfo/startCursor") })).await;
    assert_eq!(bodies(&oldest), numbered(1, 5));
    assert_eq!(oldest.at("/data/order/messages/pageInfo/hasPreviousPage"), &json!(false));
    // Forwards.
    let start = page(&app, &influencer, &order, json!({ "first": 10 })).await;
    assert_eq!(bodies(&start), numbered(1, 10));
    assert_eq!(start.at("/data/order/messages/pageInfo/hasPreviousPage"), &json!(false));
    let next = page(&app, &influencer, &order, json!({ "first": 10, "after": start.str("/data/order/messages/pageInfo/endCursor") })).await;
    assert_eq!(bodies(&next), numbered(11, 20));
    assert_eq!(next.at("/data/order/messages/pageInfo/hasPreviousPage"), &json!(true));
    let end = page(&app, &influencer, &order, json!({ "first": 10, "after": next.str("/data/order/messages/pageInfo/endCursor") })).await;
    assert_eq!(bodies(&end), numbered(21, 25));
    assert_eq!(end.at("/data/order/messages/pageInfo/hasNextPage"), &json!(false));
    // Edges: the default page is the latest 20, an empty page, the end of history.
    assert_eq!(bodies(&page(&app, &influencer, &order, json!({})).await), numbered(6, 25));
    let none = page(&app, &influencer, &order, json!({ "first": 0 })).await;
    assert_eq!((bodies(&none).len(), none.at("/data/order/messages/pageInfo/hasNextPage")), (0, &json!(true)));
    let past_end = page(&app, &influencer, &order, json!({ "after": end.str("/data/order/messages/pageInfo/endCursor") })).await;
    assert!(bodies(&past_end).is_empty());
}

#[tokio::test]
async fn bad_page_arguments_are_refused_with_their_field() {
    let app = TestApp::spawn().await;
    let (advertiser, _, order) = order_with(&app, Some("hi")).await;
    for (args, field) in [
        (json!({ "first": 101 }), "first"),
        (json!({ "last": -1 }), "last"),
        (json!({ "first": 5, "last": 5 }), "last"),
        (json!({ "before": "garbage" }), "before"),
        (json!({ "after": "eyJ4IjoxfQ" }), "after"),
    ] {
        let res = page(&app, &advertiser, &order, args.clone()).await;
        res.assert_code("BAD_USER_INPUT");
        assert_eq!(res.error_field(), Some(field), "{args}: {}", res.body);
    }
}

#[tokio::test]
async fn message_bodies_are_trimmed_and_between_1_and_4000_characters() {
    let app = TestApp::spawn().await;
    let (advertiser, _, order) = order_with(&app, None).await;
    let before = event_count(&app, &order).await;
    for bad in ["", "   \n\t ", &"x".repeat(4001)] {
        let res = send(&app, &advertiser, &order, bad).await;
        res.assert_code("BAD_USER_INPUT");
        assert_eq!(res.error_field(), Some("body"));
    }
    assert_eq!(event_count(&app, &order).await, before, "nothing was written");
    send(&app, &advertiser, &order, &format!("  {}  ", "é".repeat(4000))).await.assert_ok();
    assert_eq!(event_count(&app, &order).await, before + 1);
}

#[tokio::test]
async fn strangers_see_nothing_and_admins_post_only_on_orders_on_hold() {
    let app = TestApp::spawn().await;
    let (advertiser, _, order) = order_with(&app, Some("private")).await;
    let (stranger, admin) = (app.advertiser().await, app.admin().await);
    let before = event_count(&app, &order).await;
    send(&app, &stranger, &order, "let me in").await.assert_code("NOT_FOUND");
    app.gql(
        None,
        "mutation($i: SendMessageInput!) { sendMessage(input: $i) { message { id } } }",
        json!({ "i": { "orderId": order, "body": "x" } }),
    )
    .await
    .assert_code("UNAUTHENTICATED");
    page(&app, &stranger, &order, json!({})).await.assert_code("NOT_FOUND");
    let message = page(&app, &advertiser, &order, json!({})).await.str("/data/order/messages/edges/0/node/id");
    mark_read(&app, &stranger, &order, &message).await.assert_code("NOT_FOUND");

    assert_eq!(bodies(&page(&app, &admin, &order, json!({})).await), ["private"], "admins read");
    let refused = send(&app, &admin, &order, "staff here").await;
    refused.assert_code("FORBIDDEN");
    assert!(refused.error_message().contains("ON_HOLD"), "{}", refused.body);
    assert_eq!(event_count(&app, &order).await, before, "nothing was written");

    app.gql(
        Some(&admin.token),
        "mutation($i: OrderReasonInput!) { holdOrder(input: $i) { order { status } } }",
        json!({ "i": { "orderId": order, "reason": "Checking a complaint" } }),
    )
    .await
    .assert_ok();
    let posted = send(&app, &admin, &order, "I am looking into it").await;
    posted.assert_ok();
    assert_eq!(posted.str("/data/sendMessage/message/author/id"), admin.id);
}

#[tokio::test]
async fn the_conversation_stays_open_after_a_terminal_status() {
    let app = TestApp::spawn().await;
    let (advertiser, influencer, order) = order_with(&app, Some("hi")).await;
    app.gql(
        Some(&advertiser.token),
        "mutation($i: OrderReasonInput!) { cancelOrder(input: $i) { order { status } } }",
        json!({ "i": { "orderId": order, "reason": "Budget cut" } }),
    )
    .await
    .assert_ok();
    send(&app, &influencer, &order, "Sorry to hear, maybe next quarter?").await.assert_ok();
    send(&app, &advertiser, &order, "Sure").await.assert_ok();
}

#[tokio::test]
async fn a_message_is_a_node_for_the_orders_parties_only() {
    let app = TestApp::spawn().await;
    let (_, influencer, order) = order_with(&app, Some("node me")).await;
    let id = page(&app, &influencer, &order, json!({})).await.str("/data/order/messages/edges/0/node/id");
    let query = "query($id: ID!) { node(id: $id) { id ... on Message { body } } }";
    let res = app.gql(Some(&influencer.token), query, json!({ "id": id })).await;
    res.assert_ok();
    assert_eq!(res.str("/data/node/body"), "node me");
    let stranger = app.influencer().await;
    let hidden = app.gql(Some(&stranger.token), query, json!({ "id": id })).await;
    hidden.assert_ok();
    assert_eq!(hidden.at("/data/node"), &Value::Null);
}
