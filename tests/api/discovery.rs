//! Discovery: every filter, every sort, keyset pagination edges and the statement budget.

use serde_json::{Value, json};

use crate::catalogue::{add_channel, create_space};
use crate::helpers::{TestApp, TestUser};

const SEARCH: &str = "query($f: AdSpaceFilter, $s: AdSpaceSort, $first: Int, $after: String) {
  adSpaces(filter: $f, sort: $s, first: $first, after: $after) {
    edges { cursor node { id title } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  } }";

async fn search(app: &TestApp, filter: Value, sort: Option<&str>, first: i64, after: Option<&str>) -> Value {
    let res = app.gql(None, SEARCH, json!({ "f": filter, "s": sort, "first": first, "after": after })).await;
    res.assert_ok();
    res.at("/data/adSpaces").clone()
}

fn titles(page: &Value) -> Vec<String> {
    page["edges"].as_array().unwrap().iter().map(|e| e["node"]["title"].as_str().unwrap().to_owned()).collect()
}

async fn profile(app: &TestApp, user: &TestUser, country: &str, languages: &[&str]) {
    let q = "mutation($i: UpdateProfileInput!) { updateProfile(input: $i) { user { id } } }";
    app.gql(Some(&user.token), q, json!({ "i": { "country": country, "languages": languages } })).await.assert_ok();
}

async fn set_rating(app: &TestApp, user: &TestUser, sum: i64, count: i64) {
    use sea_orm::ConnectionTrait;
    let id = adbridge::graphql::relay::from_global("id", "User", &async_graphql::ID(user.id.clone())).unwrap();
    let sql = format!("UPDATE users SET rating_sum = {sum}, rating_count = {count} WHERE id = {id}");
    app.state.store.db().execute_unprepared(&sql).await.unwrap();
}

/// Two influencers: a French TikTok food creator (rated 5) and a German YouTube tech one (rated 3).
async fn catalogue(app: &TestApp) -> (TestUser, TestUser) {
    let (chef, geek) = (app.influencer().await, app.influencer().await);
    profile(app, &chef, "FR", &["fr", "en"]).await;
    profile(app, &geek, "DE", &["de"]).await;
    set_rating(app, &chef, 10, 2).await;
    set_rating(app, &geek, 6, 2).await;
    let tiktok = add_channel(app, &chef, "TIKTOK", 500_000).await;
    let youtube = add_channel(app, &geek, "YOUTUBE", 80_000).await;
    let vegan = json!({ "title": "Vegan recipes reel", "description": "Plant-based cooking", "format": "REEL", "categories": ["FOOD"], "price": { "amountMinor": 40_000, "currency": "EUR" } });
    create_space(app, &chef, &tiktok, vegan).await;
    let bbq = json!({ "title": "Barbecue story", "description": "Grilling recipes for summer", "format": "STORY", "categories": ["FOOD", "LIFESTYLE"], "price": { "amountMinor": 60_000, "currency": "EUR" } });
    create_space(app, &chef, &tiktok, bbq).await;
    let review = json!({ "title": "Laptop review", "description": "An honest long review", "format": "LONG_VIDEO", "categories": ["TECH"], "price": { "amountMinor": 150_000, "currency": "USD" } });
    create_space(app, &geek, &youtube, review).await;
    (chef, geek)
}

#[tokio::test]
async fn each_filter_narrows_the_results() {
    let app = TestApp::spawn().await;
    let (chef, _) = catalogue(&app).await;
    let cases = [
        (json!({ "query": "vegan recipe" }), vec!["Vegan recipes reel"]),
        (json!({ "query": "recipes" }), vec!["Barbecue story", "Vegan recipes reel"]),
        (json!({ "query": "food" }), vec!["Barbecue story", "Vegan recipes reel"]),
        (json!({ "platforms": ["YOUTUBE"] }), vec!["Laptop review"]),
        (json!({ "formats": ["STORY", "REEL"] }), vec!["Barbecue story", "Vegan recipes reel"]),
        (json!({ "categories": ["LIFESTYLE", "TECH"] }), vec!["Barbecue story", "Laptop review"]),
        (json!({ "price": { "currency": "EUR", "maxMinor": 50_000 } }), vec!["Vegan recipes reel"]),
        (json!({ "price": { "currency": "EUR", "minMinor": 50_000 } }), vec!["Barbecue story"]),
        (json!({ "price": { "currency": "USD" } }), vec!["Laptop review"]),
        (json!({ "minFollowers": 100_000 }), vec!["Barbecue story", "Vegan recipes reel"]),
        (json!({ "minRating": 4.0 }), vec!["Barbecue story", "Vegan recipes reel"]),
        (json!({ "country": "de" }), vec!["Laptop review"]),
        (json!({ "language": "en" }), vec!["Barbecue story", "Vegan recipes reel"]),
        (json!({ "influencerId": chef.id }), vec!["Barbecue story", "Vegan recipes reel"]),
        (
            json!({ "query": "recipes", "platforms": ["TIKTOK"], "price": { "currency": "EUR", "maxMinor": 50_000 } }),
            vec!["Vegan recipes reel"],
        ),
        (json!({ "query": "nothing matches this" }), vec![]),
    ];
    for (filter, expected) in cases {
        let mut got = titles(&search(&app, filter.clone(), Some("NEWEST"), 50, None).await);
        got.sort();
        assert_eq!(got, expected, "filter {filter}");
    }
}

#[tokio::test]
async fn each_sort_orders_the_results() {
    let app = TestApp::spawn().await;
    catalogue(&app).await;
    let cases = [
        ("PRICE_ASC", vec!["Vegan recipes reel", "Barbecue story", "Laptop review"]),
        ("PRICE_DESC", vec!["Laptop review", "Barbecue story", "Vegan recipes reel"]),
        ("FOLLOWERS", vec!["Barbecue story", "Vegan recipes reel", "Laptop review"]),
        ("RATING", vec!["Barbecue story", "Vegan recipes reel", "Laptop review"]),
        ("NEWEST", vec!["Laptop review", "Barbecue story", "Vegan recipes reel"]),
    ];
    for (sort, expected) in cases {
        assert_eq!(titles(&search(&app, json!({}), Some(sort), 10, None).await), expected, "sort {sort}");
    }
    let relevant = titles(&search(&app, json!({ "query": "recipes" }), None, 10, None).await);
    assert_eq!(relevant[0], "Vegan recipes reel", "a title match ranks above a description match");
}

#[tokio::test]
async fn pages_follow_each_other_by_cursor_without_overlap_for_every_sort() {
    let app = TestApp::spawn().await;
    let inf = app.influencer().await;
    let channel = add_channel(&app, &inf, "INSTAGRAM", 1_000).await;
    for i in 0..7 {
        // Prices repeat, so the id tie-breaker matters.
        let extra = json!({ "title": format!("Space {i} recipes"), "price": { "amountMinor": 1_000 + (i % 2) * 500, "currency": "EUR" } });
        create_space(&app, &inf, &channel, extra).await;
    }
    for sort in ["RELEVANCE", "PRICE_ASC", "PRICE_DESC", "FOLLOWERS", "RATING", "NEWEST"] {
        let filter = json!({ "query": "recipes" });
        let all = titles(&search(&app, filter.clone(), Some(sort), 100, None).await);
        assert_eq!(all.len(), 7);
        let mut seen = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let page = search(&app, filter.clone(), Some(sort), 3, after.as_deref()).await;
            assert_eq!(page["pageInfo"]["hasPreviousPage"], json!(after.is_some()));
            seen.extend(titles(&page));
            if page["pageInfo"]["hasNextPage"] == json!(false) {
                assert_eq!(titles(&page).len(), 1, "the last page holds the remainder");
                break;
            }
            after = page["pageInfo"]["endCursor"].as_str().map(str::to_owned);
        }
        assert_eq!(seen, all, "sort {sort}");
    }
}

#[tokio::test]
async fn an_empty_result_and_a_zero_page_have_no_cursors() {
    let app = TestApp::spawn().await;
    let page = search(&app, json!({}), None, 10, None).await;
    assert_eq!(page["edges"], json!([]));
    assert_eq!(page["pageInfo"], json!({ "hasNextPage": false, "hasPreviousPage": false, "startCursor": null, "endCursor": null }));
    catalogue(&app).await;
    let zero = search(&app, json!({}), None, 0, None).await;
    assert_eq!(zero["edges"], json!([]));
}

#[tokio::test]
async fn the_cursor_of_an_archived_row_still_leads_to_the_next_page() {
    let app = TestApp::spawn().await;
    let (chef, _) = catalogue(&app).await;
    let first = search(&app, json!({}), Some("PRICE_ASC"), 1, None).await;
    assert_eq!(titles(&first), ["Vegan recipes reel"]);
    let id = first["edges"][0]["node"]["id"].as_str().unwrap();
    let q = "mutation($i: IdInput!) { archiveAdSpace(input: $i) { adSpace { id } } }";
    app.gql(Some(&chef.token), q, json!({ "i": { "id": id } })).await.assert_ok();
    let cursor = first["pageInfo"]["endCursor"].as_str().unwrap();
    let next = search(&app, json!({}), Some("PRICE_ASC"), 5, Some(cursor)).await;
    assert_eq!(titles(&next), ["Barbecue story", "Laptop review"]);
    let deleted = app.ad_space_of(&chef, 1, "EUR").await;
    let deleted_id = adbridge::graphql::relay::from_global("id", "AdSpace", &async_graphql::ID(deleted.clone())).unwrap();
    let newest = search(&app, json!({}), Some("NEWEST"), 1, None).await;
    assert_eq!(newest["edges"][0]["node"]["id"], json!(deleted));
    use sea_orm::ConnectionTrait;
    app.state.store.db().execute_unprepared(&format!("DELETE FROM ad_spaces WHERE id = {deleted_id}")).await.unwrap();
    let after_deleted = search(&app, json!({}), Some("NEWEST"), 5, newest["pageInfo"]["endCursor"].as_str()).await;
    assert_eq!(titles(&after_deleted), ["Laptop review", "Barbecue story"]);
}

#[tokio::test]
async fn bad_discovery_arguments_are_refused_with_their_field() {
    let app = TestApp::spawn().await;
    let cases = [
        (json!({ "first": 101 }), "first"),
        (json!({ "first": -1 }), "first"),
        (json!({ "after": "garbage" }), "after"),
        (json!({ "f": { "price": { "currency": "EUR", "minMinor": 10, "maxMinor": 5 } } }), "filter.price"),
        (json!({ "f": { "price": { "currency": "ZZZ" } } }), "filter.price.currency"),
        (json!({ "f": { "minFollowers": -1 } }), "filter.minFollowers"),
        (json!({ "f": { "minRating": 6 } }), "filter.minRating"),
        (json!({ "f": { "country": "France" } }), "filter.country"),
        (json!({ "f": { "query": "x".repeat(201) } }), "filter.query"),
    ];
    for (vars, field) in cases {
        let res = app.gql(None, SEARCH, vars.clone()).await;
        res.assert_code("BAD_USER_INPUT");
        assert_eq!(res.error_field(), Some(field), "{vars}: {}", res.body);
    }
    catalogue(&app).await;
    let page = search(&app, json!({}), Some("PRICE_ASC"), 1, None).await;
    let res = app.gql(None, SEARCH, json!({ "s": "NEWEST", "after": page["pageInfo"]["endCursor"] })).await;
    assert_eq!(res.error_field(), Some("after"), "a cursor of another sort is refused");
}

#[tokio::test]
async fn a_page_of_fifty_with_influencer_and_channel_costs_three_statements() {
    let app = TestApp::spawn().await;
    for _ in 0..5 {
        let inf = app.influencer().await;
        for _ in 0..10 {
            app.ad_space_of(&inf, 5_000, "EUR").await;
        }
    }
    let q = "{ adSpaces(first: 50, sort: FOLLOWERS) { edges { node { id influencer { id displayName } channel { id followers } } } } }";
    let stats = app.state.store.stats();
    stats.start_log();
    let res = app.gql(None, q, json!({})).await;
    let log = stats.take_log();
    res.assert_ok();
    assert_eq!(res.at("/data/adSpaces/edges").as_array().unwrap().len(), 50);
    // Only the statements of this request touch the catalogue tables (background tasks of
    // other areas, if any, do not).
    let ours: Vec<&String> = log.iter().filter(|s| ["ad_spaces", "channels", "users"].iter().any(|t| s.contains(t))).collect();
    assert!((1..=3).contains(&ours.len()), "{} statements: {ours:#?}", ours.len());
}
