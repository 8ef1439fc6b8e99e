//! Feedback: double-blind ratings, their window and its sweep, replies, profile tallies, races.

use adbridge::domain::clock::Clock;
use serde_json::{Value, json};

use crate::helpers::{Gql, TestApp, TestUser};
use crate::orders::support::{accept, act, complete, completed_order, event_count, pay, pending_order, place};

const RATING: &str = "id side stars comment published publishedAt reply \
    subscores { communication quality timeliness briefClarity paymentExperience } rater { id } ratee { id }";

async fn rate(app: &TestApp, user: &TestUser, order: &str, stars: i64, extra: Value) -> Gql {
    let mut input = json!({ "orderId": order, "stars": stars });
    if let (Some(i), Some(e)) = (input.as_object_mut(), extra.as_object()) {
        i.extend(e.clone());
    }
    let q = format!("mutation($i: RateOrderInput!) {{ rateOrder(input: $i) {{ rating {{ {RATING} }} }} }}");
    app.gql(Some(&user.token), &q, json!({ "i": input })).await
}

async fn update(app: &TestApp, user: &TestUser, order: &str, stars: i64) -> Gql {
    let q = format!("mutation($i: UpdateRatingInput!) {{ updateRating(input: $i) {{ rating {{ {RATING} }} }} }}");
    app.gql(Some(&user.token), &q, json!({ "i": { "orderId": order, "stars": stars, "comment": "changed my mind" } })).await
}

async fn reply(app: &TestApp, user: &TestUser, rating: &str, text: &str) -> Gql {
    let q = "mutation($i: ReplyToRatingInput!) { replyToRating(input: $i) { rating { id reply repliedAt } } }";
    app.gql(Some(&user.token), q, json!({ "i": { "ratingId": rating, "reply": text } })).await
}

/// The order's ratings, deadlines and events as `user` reads them.
async fn ratings(app: &TestApp, user: &TestUser, order: &str) -> Gql {
    let q = format!(
        "query($id: ID!) {{ order(id: $id) {{ canRate ratings {{ {RATING} }} deadlines {{ kind dueAt then }} events {{ kind details }} }} }}"
    );
    let res = app.gql(Some(&user.token), &q, json!({ "id": order })).await;
    res.assert_ok();
    res
}

fn kinds(res: &Gql) -> Vec<String> {
    res.at("/data/order/events").as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap().to_owned()).collect()
}

fn sides(res: &Gql) -> Vec<(String, bool)> {
    let list = res.at("/data/order/ratings").as_array().unwrap();
    list.iter().map(|r| (r["side"].as_str().unwrap().to_owned(), r["published"].as_bool().unwrap())).collect()
}

/// Places an order on `space` as `advertiser` and drives it to `COMPLETED`.
async fn delivered(app: &TestApp, advertiser: &TestUser, influencer: &TestUser, space: &str) -> String {
    let placed = place(app, advertiser, space).await;
    placed.assert_ok();
    let order = placed.str("/data/placeOrder/order/id");
    accept(app, influencer, &order).await.assert_ok();
    pay(app, advertiser, &order, "k").await.assert_ok();
    act(app, influencer, "startWork", "OrderActionInput", &order, json!({})).await.assert_ok();
    complete(app, influencer, &order).await.assert_ok();
    order
}

#[tokio::test]
async fn each_side_sees_only_its_own_rating_until_the_second_one_publishes_both() {
    let app = TestApp::spawn().await;
    let (advertiser, influencer, order) = completed_order(&app).await;
    let admin = app.admin().await;
    let subscores = json!({ "subscores": { "communication": 5, "quality": 4, "timeliness": 3 }, "comment": "Lovely reel" });
    let first = rate(&app, &advertiser, &order, 4, subscores).await;
    first.assert_ok();
    assert_eq!(first.at("/data/rateOrder/rating/published"), &json!(false));
    assert_eq!(first.at("/data/rateOrder/rating/subscores/quality"), &json!(4));
    assert_eq!(first.str("/data/rateOrder/rating/ratee/id"), influencer.id);

    let theirs = ratings(&app, &influencer, &order).await;
    assert!(sides(&theirs).is_empty(), "the influencer must not see the advertiser's rating yet");
    assert_eq!(theirs.at("/data/order/canRate"), &json!(true));
    let submitted = theirs.at("/data/order/events").as_array().unwrap().iter().find(|e| e["kind"] == "RATING_SUBMITTED").unwrap();
    assert_eq!(submitted["details"], json!({ "side": "ADVERTISER" }), "the event names the side and nothing of the content");
    assert_eq!(sides(&ratings(&app, &advertiser, &order).await), vec![("ADVERTISER".into(), false)]);
    assert_eq!(ratings(&app, &advertiser, &order).await.at("/data/order/canRate"), &json!(false));
    assert_eq!(sides(&ratings(&app, &admin, &order).await), vec![("ADVERTISER".into(), false)]);

    let second = rate(&app, &influencer, &order, 5, json!({ "subscores": { "briefClarity": 5, "paymentExperience": 5 } })).await;
    second.assert_ok();
    assert_eq!(second.at("/data/rateOrder/rating/published"), &json!(true));
    for viewer in [&advertiser, &influencer, &admin] {
        let both = ratings(&app, viewer, &order).await;
        assert_eq!(sides(&both), vec![("ADVERTISER".into(), true), ("INFLUENCER".into(), true)]);
        assert_eq!(both.at("/data/order/ratings/0/comment"), &json!("Lovely reel"));
        assert!(both.at("/data/order/deadlines").as_array().unwrap().iter().all(|d| d["kind"] != "RATING"));
    }
    let events = kinds(&ratings(&app, &influencer, &order).await);
    assert_eq!(events[events.len() - 3..], ["RATING_SUBMITTED", "RATING_SUBMITTED", "RATINGS_PUBLISHED"]);
}

#[tokio::test]
async fn a_second_rating_by_the_same_side_is_a_conflict_and_edits_stop_at_publication() {
    let app = TestApp::spawn().await;
    let (advertiser, influencer, order) = completed_order(&app).await;
    rate(&app, &advertiser, &order, 2, json!({})).await.assert_ok();
    let before = event_count(&app, &order).await;
    rate(&app, &advertiser, &order, 5, json!({})).await.assert_code("CONFLICT");
    assert_eq!(event_count(&app, &order).await, before, "a refused rating writes nothing");
    update(&app, &influencer, &order, 3).await.assert_code("NOT_FOUND");
    let edited = update(&app, &advertiser, &order, 4).await;
    edited.assert_ok();
    assert_eq!(edited.at("/data/updateRating/rating/stars"), &json!(4));
    assert!(kinds(&ratings(&app, &advertiser, &order).await).contains(&"RATING_UPDATED".to_owned()));
    rate(&app, &influencer, &order, 5, json!({})).await.assert_ok();
    update(&app, &advertiser, &order, 1).await.assert_code("CONFLICT");
    let seen = ratings(&app, &influencer, &order).await;
    assert_eq!(seen.at("/data/order/ratings/0/stars"), &json!(4), "the influencer sees the edited, frozen rating");
}

#[tokio::test]
async fn the_rating_window_is_a_deadline_and_its_sweep_publishes_a_lone_rating() {
    let app = TestApp::spawn().await;
    let (advertiser, influencer, order) = completed_order(&app).await;
    let read = ratings(&app, &advertiser, &order).await;
    let deadline = read.at("/data/order/deadlines").as_array().unwrap().iter().find(|d| d["kind"] == "RATING").cloned().unwrap();
    let due: chrono::DateTime<chrono::Utc> = deadline["dueAt"].as_str().unwrap().parse().unwrap();
    let hours = (due - app.clock.now()).num_minutes() as f64 / 60.0;
    assert!((335.9..=336.0).contains(&hours), "the window is 336 hours, was {hours}");
    assert_eq!(deadline["then"], json!("COMPLETED"), "the status does not change when the window closes");

    rate(&app, &influencer, &order, 3, json!({ "comment": "Brief changed twice" })).await.assert_ok();
    let feedback = &app.state.services.feedback;
    app.clock.advance(chrono::Duration::hours(335));
    assert_eq!(feedback.sweep_due(app.clock.now()).await.unwrap(), 0);
    app.clock.advance(chrono::Duration::hours(2));
    rate(&app, &advertiser, &order, 5, json!({})).await.assert_code("FORBIDDEN");
    assert_eq!(feedback.sweep_due(app.clock.now()).await.unwrap(), 1);
    assert_eq!(feedback.sweep_due(app.clock.now()).await.unwrap(), 0, "a second sweep publishes nothing");

    let seen = ratings(&app, &advertiser, &order).await;
    assert_eq!(sides(&seen), vec![("INFLUENCER".into(), true)]);
    let published = seen.at("/data/order/events").as_array().unwrap().iter().find(|e| e["kind"] == "RATINGS_PUBLISHED").cloned();
    assert_eq!(published.unwrap()["details"], json!({ "published": 1, "trigger": "WINDOW_CLOSED" }));
    let advertiser_profile = app
        .gql(None, "query($id: ID!) { node(id: $id) { ... on User { rating { count average } } } }", json!({ "id": advertiser.id }))
        .await;
    assert_eq!(advertiser_profile.at("/data/node/rating"), &json!({ "count": 1, "average": null }));
}

#[tokio::test]
async fn only_the_parties_rate_delivered_orders_and_bad_input_names_its_field() {
    let app = TestApp::spawn().await;
    let (advertiser, _influencer, pending) = pending_order(&app).await;
    rate(&app, &advertiser, &pending, 5, json!({})).await.assert_code("INVALID_TRANSITION");
    let (advertiser, influencer, order) = completed_order(&app).await;
    let before = event_count(&app, &order).await;
    let stranger = app.advertiser().await;
    rate(&app, &stranger, &order, 5, json!({})).await.assert_code("NOT_FOUND");
    rate(&app, &app.admin().await, &order, 5, json!({})).await.assert_code("FORBIDDEN");
    let anonymous = app
        .gql(
            None,
            "mutation($i: RateOrderInput!) { rateOrder(input: $i) { rating { id } } }",
            json!({ "i": { "orderId": order, "stars": 5 } }),
        )
        .await;
    anonymous.assert_code("UNAUTHENTICATED");
    let cases = [
        (&advertiser, 0, json!({}), "stars"),
        (&advertiser, 6, json!({}), "stars"),
        (&advertiser, 5, json!({ "subscores": { "briefClarity": 4 } }), "subscores.briefClarity"),
        (&influencer, 5, json!({ "subscores": { "quality": 4 } }), "subscores.quality"),
        (&influencer, 5, json!({ "subscores": { "communication": 9 } }), "subscores.communication"),
        (&advertiser, 5, json!({ "comment": "x".repeat(2001) }), "comment"),
    ];
    for (user, stars, extra, field) in cases {
        let res = rate(&app, user, &order, stars, extra).await;
        res.assert_code("BAD_USER_INPUT");
        assert_eq!(res.error_field(), Some(field));
    }
    assert_eq!(event_count(&app, &order).await, before, "refused ratings write nothing");
}

#[tokio::test]
async fn the_rated_side_replies_once_within_thirty_days_of_publication() {
    // Sessions outlive the 31 days the clock moves.
    let app = TestApp::spawn_with(|c| c.session_ttl_hours = 24 * 90).await;
    let (advertiser, influencer, order) = completed_order(&app).await;
    let mine = rate(&app, &advertiser, &order, 2, json!({ "comment": "Late" })).await.str("/data/rateOrder/rating/id");
    reply(&app, &influencer, &mine, "Not before it is published").await.assert_code("FORBIDDEN");
    let theirs = rate(&app, &influencer, &order, 5, json!({})).await.str("/data/rateOrder/rating/id");
    reply(&app, &advertiser, &mine, "I wrote it").await.assert_code("FORBIDDEN");
    let answered = reply(&app, &influencer, &mine, "The brief arrived late").await;
    answered.assert_ok();
    assert_eq!(answered.at("/data/replyToRating/rating/reply"), &json!("The brief arrived late"));
    reply(&app, &influencer, &mine, "And another thing").await.assert_code("CONFLICT");
    reply(&app, &influencer, &mine, " ").await.assert_code("BAD_USER_INPUT");
    app.clock.advance(chrono::Duration::days(31));
    reply(&app, &advertiser, &theirs, "Thanks!").await.assert_code("FORBIDDEN");
    let stranger = app.influencer().await;
    reply(&app, &stranger, &theirs, "Hello").await.assert_code("FORBIDDEN");
}

#[tokio::test]
async fn profiles_and_ad_spaces_show_averages_and_histograms_from_three_published_ratings() {
    let app = TestApp::spawn().await;
    let influencer = app.influencer().await;
    let space = app.ad_space_of(&influencer, 10_000, "EUR").await;
    let profile = "query($u: ID!, $s: ID!) { u: node(id: $u) { ... on User { ratingAverage ratingCount rating { average count histogram } } } \
        s: node(id: $s) { ... on AdSpace { rating { average count histogram } } } }";
    let mut advertisers = Vec::new();
    for (i, stars) in [5, 4, 4].into_iter().enumerate() {
        let advertiser = app.advertiser().await;
        let order = delivered(&app, &advertiser, &influencer, &space).await;
        rate(&app, &advertiser, &order, stars, json!({})).await.assert_ok();
        rate(&app, &influencer, &order, 3, json!({})).await.assert_ok();
        advertisers.push(advertiser);
        let res = app.gql(None, profile, json!({ "u": influencer.id, "s": space })).await;
        res.assert_ok();
        let count = i as i64 + 1;
        if count < 3 {
            assert_eq!(res.at("/data/u/rating"), &json!({ "average": null, "count": count, "histogram": null }));
            assert_eq!(res.at("/data/u/ratingAverage"), &json!(null));
        } else {
            let expected = json!({ "average": 4.33, "count": 3, "histogram": [0, 0, 0, 2, 1] });
            assert_eq!(res.at("/data/u/rating"), &expected);
            assert_eq!(res.at("/data/s/rating"), &expected, "the ad space has the same three ratings");
            assert_eq!(res.at("/data/u/ratingAverage"), &json!(4.33));
        }
    }
    let advertiser =
        app.gql(None, "query($u: ID!) { node(id: $u) { ... on User { rating { count } } } }", json!({ "u": advertisers[0].id })).await;
    assert_eq!(advertiser.at("/data/node/rating/count"), &json!(1), "the advertiser's own tally holds the influencer's rating");
}

#[tokio::test]
async fn ratings_racing_each_other_or_the_sweeper_are_published_exactly_once() {
    let app = TestApp::spawn().await;
    for round in 0..10 {
        let (advertiser, influencer, order) = completed_order(&app).await;
        let (a, b, c) = tokio::join!(
            rate(&app, &advertiser, &order, 4, json!({})),
            rate(&app, &influencer, &order, 5, json!({})),
            rate(&app, &advertiser, &order, 3, json!({})),
        );
        b.assert_ok();
        let advertiser_wins = [&a, &c].iter().filter(|r| r.error_code().is_none()).count();
        assert_eq!(advertiser_wins, 1, "round {round}: one of the advertiser's two ratings wins");
        assert!([&a, &c].iter().any(|r| r.error_code() == Some("CONFLICT")), "round {round}");
        let events = kinds(&ratings(&app, &advertiser, &order).await);
        assert_eq!(events.iter().filter(|k| *k == "RATINGS_PUBLISHED").count(), 1, "round {round}: {events:?}");
        let profile =
            app.gql(None, "query($u: ID!) { node(id: $u) { ... on User { rating { count } } } }", json!({ "u": influencer.id })).await;
        assert_eq!(profile.at("/data/node/rating/count"), &json!(1), "round {round}: counted once");
    }
    for round in 0..10 {
        let (advertiser, influencer, order) = completed_order(&app).await;
        rate(&app, &advertiser, &order, 4, json!({})).await.assert_ok();
        app.clock.advance(chrono::Duration::hours(336) - chrono::Duration::milliseconds(5));
        let now = app.clock.now() + chrono::Duration::milliseconds(10);
        let (rated, swept) = tokio::join!(rate(&app, &influencer, &order, 5, json!({})), app.state.services.feedback.sweep_due(now));
        swept.unwrap();
        let events = kinds(&ratings(&app, &advertiser, &order).await);
        assert_eq!(events.iter().filter(|k| *k == "RATINGS_PUBLISHED").count(), 1, "round {round}: {events:?}");
        let profile =
            app.gql(None, "query($u: ID!) { node(id: $u) { ... on User { rating { count } } } }", json!({ "u": influencer.id })).await;
        assert_eq!(profile.at("/data/node/rating/count"), &json!(1), "round {round}");
        let advertiser_count =
            app.gql(None, "query($u: ID!) { node(id: $u) { ... on User { rating { count } } } }", json!({ "u": advertiser.id })).await;
        let expected = if rated.error_code().is_none() { 1 } else { 0 };
        assert_eq!(advertiser_count.at("/data/node/rating/count"), &json!(expected), "round {round}: {:?}", rated.error_code());
    }
}
