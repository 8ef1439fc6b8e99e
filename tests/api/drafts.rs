//! Drafts: numbered versions, reviews, superseding, revision rounds and the extra allowance.

use serde_json::{Value, json};

use crate::conversation::{event_count, event_kinds, order_with};
use crate::helpers::{Gql, TestApp, TestUser};

async fn submit(app: &TestApp, user: &TestUser, order: &str, body: &str) -> Gql {
    app.gql(
        Some(&user.token),
        "mutation($i: SubmitDraftInput!) { submitDraft(input: $i) { draft { id version status body } } }",
        json!({ "i": { "orderId": order, "body": body } }),
    )
    .await
}

async fn review(app: &TestApp, user: &TestUser, draft: &str, decision: &str, comment: Option<&str>) -> Gql {
    app.gql(
        Some(&user.token),
        "mutation($i: ReviewDraftInput!) { reviewDraft(input: $i) { draft { id version status reviews { decision comment reviewer { id } } } } }",
        json!({ "i": { "draftId": draft, "decision": decision, "comment": comment } }),
    )
    .await
}

async fn grant(app: &TestApp, user: &TestUser, order: &str, extra: i64) -> Gql {
    app.gql(
        Some(&user.token),
        "mutation($i: GrantExtraRevisionsInput!) { grantExtraRevisions(input: $i) { revisionsIncluded revisionsExtra revisionsUsed } }",
        json!({ "i": { "orderId": order, "extra": extra } }),
    )
    .await
}

/// `feedbackState`, `revisionsUsed`, `revisionsIncluded` and the drafts' `(version, status)`.
async fn loop_state(app: &TestApp, user: &TestUser, order: &str) -> (String, i64, i64, Vec<(i64, String)>) {
    let res = app
        .gql(
            Some(&user.token),
            "query($id: ID!) { order(id: $id) { feedbackState revisionsUsed revisionsIncluded drafts { version status } } }",
            json!({ "id": order }),
        )
        .await;
    res.assert_ok();
    let drafts = res
        .at("/data/order/drafts")
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["version"].as_i64().unwrap(), d["status"].as_str().unwrap().to_owned()))
        .collect();
    (
        res.str("/data/order/feedbackState"),
        res.at("/data/order/revisionsUsed").as_i64().unwrap(),
        res.at("/data/order/revisionsIncluded").as_i64().unwrap(),
        drafts,
    )
}

fn draft_id(res: &Gql, mutation: &str) -> String {
    res.str(&format!("/data/{mutation}/draft/id"))
}

#[tokio::test]
async fn a_draft_goes_from_v1_through_changes_requested_to_an_approved_v2() {
    let app = TestApp::spawn().await;
    let (advertiser, influencer, order) = order_with(&app, None).await;
    assert_eq!(loop_state(&app, &advertiser, &order).await.0, "NONE");

    let v1 = submit(&app, &influencer, &order, "  Idea: unboxing at breakfast  ").await;
    v1.assert_ok();
    assert_eq!(
        (v1.at("/data/submitDraft/draft/version"), v1.str("/data/submitDraft/draft/body")),
        (&json!(1), "Idea: unboxing at breakfast".into())
    );
    assert_eq!(loop_state(&app, &advertiser, &order).await.0, "FEEDBACK_REQUIRED");

    let changes = review(&app, &advertiser, &draft_id(&v1, "submitDraft"), "REQUEST_CHANGES", Some("Show the pack for 3 seconds")).await;
    changes.assert_ok();
    assert_eq!(changes.str("/data/reviewDraft/draft/status"), "CHANGES_REQUESTED");
    assert_eq!(changes.str("/data/reviewDraft/draft/reviews/0/comment"), "Show the pack for 3 seconds");
    assert_eq!(changes.str("/data/reviewDraft/draft/reviews/0/reviewer/id"), advertiser.id);
    let (state, used, included, _) = loop_state(&app, &influencer, &order).await;
    assert_eq!((state.as_str(), used, included), ("FEEDBACK_PROVIDED", 1, 2));

    let v2 = submit(&app, &influencer, &order, "Unboxing with the pack in view").await;
    assert_eq!(v2.at("/data/submitDraft/draft/version"), &json!(2));
    assert_eq!(loop_state(&app, &advertiser, &order).await.0, "FEEDBACK_REQUIRED");
    let approved = review(&app, &advertiser, &draft_id(&v2, "submitDraft"), "APPROVE", None).await;
    approved.assert_ok();
    assert_eq!(approved.str("/data/reviewDraft/draft/status"), "APPROVED");
    let (state, used, _, drafts) = loop_state(&app, &influencer, &order).await;
    assert_eq!((state.as_str(), used), ("APPROVED", 1), "approving uses no round");
    assert_eq!(drafts, [(1, "CHANGES_REQUESTED".into()), (2, "APPROVED".into())]);
    assert_eq!(event_kinds(&app, &order).await, ["ORDER_PLACED", "DRAFT_SUBMITTED", "DRAFT_REVIEWED", "DRAFT_SUBMITTED", "DRAFT_REVIEWED"]);
}

#[tokio::test]
async fn a_new_draft_supersedes_the_one_awaiting_feedback_which_can_no_longer_be_reviewed() {
    let app = TestApp::spawn().await;
    let (advertiser, influencer, order) = order_with(&app, None).await;
    let v1 = draft_id(&submit(&app, &influencer, &order, "first try").await, "submitDraft");
    let v2 = draft_id(&submit(&app, &influencer, &order, "better try").await, "submitDraft");
    assert_eq!(loop_state(&app, &advertiser, &order).await.3, [(1, "SUPERSEDED".into()), (2, "AWAITING_FEEDBACK".into())]);
    let before = event_count(&app, &order).await;
    let stale = review(&app, &advertiser, &v1, "APPROVE", None).await;
    stale.assert_code("CONFLICT");
    assert!(stale.error_message().contains("superseded"), "{}", stale.body);
    review(&app, &advertiser, &v2, "APPROVE", None).await.assert_ok();
    let twice = review(&app, &advertiser, &v2, "REQUEST_CHANGES", Some("actually no")).await;
    twice.assert_code("CONFLICT");
    assert!(twice.error_message().contains("already reviewed"), "{}", twice.body);
    assert_eq!(event_count(&app, &order).await, before + 1, "only the one accepted review was written");
    assert_eq!(loop_state(&app, &advertiser, &order).await.1, 0);
}

#[tokio::test]
async fn changes_beyond_the_included_rounds_are_refused_until_the_influencer_grants_more() {
    let app = TestApp::spawn().await;
    let (advertiser, influencer, order) = order_with(&app, None).await;
    for round in 1..=2 {
        let d = draft_id(&submit(&app, &influencer, &order, &format!("take {round}")).await, "submitDraft");
        review(&app, &advertiser, &d, "REQUEST_CHANGES", Some("again")).await.assert_ok();
    }
    let third = draft_id(&submit(&app, &influencer, &order, "take 3").await, "submitDraft");
    let before = event_count(&app, &order).await;
    let refused = review(&app, &advertiser, &third, "REQUEST_CHANGES", Some("once more")).await;
    refused.assert_code("CONFLICT");
    assert!(refused.error_message().contains("no revision round left"), "{}", refused.body);
    assert!(refused.error_message().contains("grantExtraRevisions"), "{}", refused.body);
    assert_eq!(event_count(&app, &order).await, before, "nothing was written");
    assert_eq!(loop_state(&app, &advertiser, &order).await.1, 2);

    let granted = grant(&app, &influencer, &order, 1).await;
    granted.assert_ok();
    assert_eq!(granted.at("/data/grantExtraRevisions"), &json!({ "revisionsIncluded": 2, "revisionsExtra": 1, "revisionsUsed": 2 }));
    review(&app, &advertiser, &third, "REQUEST_CHANGES", Some("once more")).await.assert_ok();
    assert_eq!(loop_state(&app, &advertiser, &order).await.1, 3);
    let kinds = event_kinds(&app, &order).await;
    assert_eq!(&kinds[kinds.len() - 2..], ["REVISIONS_CHANGED", "DRAFT_REVIEWED"]);
}

#[tokio::test]
async fn only_the_influencer_drafts_and_grants_and_only_the_advertiser_reviews() {
    let app = TestApp::spawn().await;
    let (advertiser, influencer, order) = order_with(&app, None).await;
    let (stranger, admin) = (app.influencer().await, app.admin().await);
    let before = event_count(&app, &order).await;
    submit(&app, &advertiser, &order, "I write it myself").await.assert_code("FORBIDDEN");
    submit(&app, &admin, &order, "staff draft").await.assert_code("FORBIDDEN");
    submit(&app, &stranger, &order, "not my order").await.assert_code("NOT_FOUND");
    grant(&app, &advertiser, &order, 5).await.assert_code("FORBIDDEN");
    grant(&app, &stranger, &order, 5).await.assert_code("NOT_FOUND");
    assert_eq!(event_count(&app, &order).await, before);

    let d = draft_id(&submit(&app, &influencer, &order, "mine").await, "submitDraft");
    let before = event_count(&app, &order).await;
    review(&app, &influencer, &d, "APPROVE", None).await.assert_code("FORBIDDEN");
    review(&app, &admin, &d, "APPROVE", None).await.assert_code("FORBIDDEN");
    review(&app, &stranger, &d, "APPROVE", None).await.assert_code("NOT_FOUND");
    assert_eq!(event_count(&app, &order).await, before);
    let drafts = app.gql(Some(&stranger.token), "query($id: ID!) { order(id: $id) { drafts { id } } }", json!({ "id": order })).await;
    drafts.assert_code("NOT_FOUND");
    let admin_view = loop_state(&app, &admin, &order).await;
    assert_eq!(admin_view.0, "FEEDBACK_REQUIRED", "admins read drafts");
}

#[tokio::test]
async fn bad_draft_input_is_refused_with_its_field_and_nothing_is_written() {
    let app = TestApp::spawn().await;
    let (advertiser, influencer, order) = order_with(&app, None).await;
    let d = draft_id(&submit(&app, &influencer, &order, "draft").await, "submitDraft");
    let before = event_count(&app, &order).await;
    let cases: Vec<(Gql, &str)> = vec![
        (submit(&app, &influencer, &order, "   ").await, "body"),
        (submit(&app, &influencer, &order, &"x".repeat(20_001)).await, "body"),
        (review(&app, &advertiser, &d, "REQUEST_CHANGES", None).await, "comment"),
        (review(&app, &advertiser, &d, "REQUEST_CHANGES", Some("  ")).await, "comment"),
        (review(&app, &advertiser, &d, "APPROVE", Some(&"c".repeat(4001))).await, "comment"),
        (review(&app, &advertiser, "bm9wZQ", "APPROVE", None).await, "draftId"),
        (grant(&app, &influencer, &order, 0).await, "extra"),
        (grant(&app, &influencer, &order, 11).await, "extra"),
    ];
    for (res, field) in cases {
        res.assert_code("BAD_USER_INPUT");
        assert_eq!(res.error_field(), Some(field), "{}", res.body);
    }
    let unknown = review(&app, &advertiser, &d, "MAYBE", None).await;
    unknown.assert_code("BAD_USER_INPUT");
    assert_eq!(event_count(&app, &order).await, before);
    assert_eq!(loop_state(&app, &advertiser, &order).await.3, [(1, "AWAITING_FEEDBACK".into())]);
}

#[tokio::test]
async fn drafts_are_refused_once_the_order_is_cancelled() {
    let app = TestApp::spawn().await;
    let (advertiser, influencer, order) = order_with(&app, None).await;
    let d = draft_id(&submit(&app, &influencer, &order, "before the cancel").await, "submitDraft");
    app.gql(
        Some(&influencer.token),
        "mutation($i: OrderReasonInput!) { cancelOrder(input: $i) { order { status } } }",
        json!({ "i": { "orderId": order, "reason": "Fully booked" } }),
    )
    .await
    .assert_ok();
    let before = event_count(&app, &order).await;
    let late = submit(&app, &influencer, &order, "after the cancel").await;
    late.assert_code("INVALID_TRANSITION");
    assert!(late.error_message().contains("CANCELLED"), "{}", late.body);
    review(&app, &advertiser, &d, "APPROVE", None).await.assert_code("INVALID_TRANSITION");
    grant(&app, &influencer, &order, 1).await.assert_code("INVALID_TRANSITION");
    assert_eq!(event_count(&app, &order).await, before);
}

#[tokio::test]
async fn a_draft_is_a_node_for_the_orders_parties_only() {
    let app = TestApp::spawn().await;
    let (advertiser, influencer, order) = order_with(&app, None).await;
    let d = draft_id(&submit(&app, &influencer, &order, "node draft").await, "submitDraft");
    let query = "query($id: ID!) { node(id: $id) { id ... on Draft { version body } } }";
    let res = app.gql(Some(&advertiser.token), query, json!({ "id": d })).await;
    res.assert_ok();
    assert_eq!(res.at("/data/node"), &json!({ "id": d, "version": 1, "body": "node draft" }));
    let stranger = app.advertiser().await;
    let hidden = app.gql(Some(&stranger.token), query, json!({ "id": d })).await;
    assert_eq!(hidden.at("/data/node"), &Value::Null);
}
