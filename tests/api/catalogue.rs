//! Catalogue: channels, ad spaces, profiles and `node(id)`, over HTTP.

use serde_json::{Value, json};

use crate::helpers::{Gql, TestApp, TestUser};

pub const ADD_CHANNEL: &str =
    "mutation($i: AddChannelInput!) { addChannel(input: $i) { channel { id platform handle followers engagementRate } } }";
pub const CREATE_SPACE: &str = "mutation($i: CreateAdSpaceInput!) { createAdSpace(input: $i) { adSpace { id title price { amountMinor currency } archived categories deliverables } } }";
const UPDATE_SPACE: &str =
    "mutation($i: UpdateAdSpaceInput!) { updateAdSpace(input: $i) { adSpace { id title price { amountMinor currency } } } }";
const ARCHIVE_SPACE: &str = "mutation($i: IdInput!) { archiveAdSpace(input: $i) { adSpace { id archived } } }";
const AD_SPACE: &str = "query($id: ID!) { adSpace(id: $id) { id title archived influencer { id displayName } channel { id platform } } }";

/// Adds a channel for `user` and returns its global id.
pub async fn add_channel(app: &TestApp, user: &TestUser, platform: &str, followers: i64) -> String {
    let input =
        json!({ "platform": platform, "handle": "@me", "url": "https://example.com/me", "followers": followers, "engagementRate": 4.2 });
    let res = app.gql(Some(&user.token), ADD_CHANNEL, json!({ "i": input })).await;
    res.assert_ok();
    res.str("/data/addChannel/channel/id")
}

/// A valid `createAdSpace` input on `channel`, with `extra` fields merged in.
pub fn space_input(channel: &str, extra: Value) -> Value {
    let mut input = json!({
        "channelId": channel,
        "title": "Sponsored story",
        "description": "A story about your product",
        "format": "STORY",
        "deliverables": ["1 story"],
        "price": { "amountMinor": 25_000, "currency": "EUR" },
        "categories": ["LIFESTYLE"],
        "sampleLinks": ["https://example.com/sample"],
    });
    if let (Some(base), Some(extra)) = (input.as_object_mut(), extra.as_object()) {
        for (k, v) in extra {
            base.insert(k.clone(), v.clone());
        }
    }
    input
}

/// Creates an ad space and returns its global id.
pub async fn create_space(app: &TestApp, user: &TestUser, channel: &str, extra: Value) -> String {
    let res = app.gql(Some(&user.token), CREATE_SPACE, json!({ "i": space_input(channel, extra) })).await;
    res.assert_ok();
    res.str("/data/createAdSpace/adSpace/id")
}

async fn space_count(app: &TestApp) -> i64 {
    let res = app.gql(None, "{ adSpaces(first: 100) { edges { cursor } } }", json!({})).await;
    res.assert_ok();
    res.at("/data/adSpaces/edges").as_array().map_or(0, |a| a.len() as i64)
}

#[tokio::test]
async fn an_influencer_adds_a_channel_and_lists_an_ad_space_on_it() {
    let app = TestApp::spawn().await;
    let inf = app.influencer().await;
    let res = app
        .gql(
            Some(&inf.token),
            ADD_CHANNEL,
            json!({ "i": { "platform": "TIKTOK", "handle": "@chef", "url": "https://tiktok.com/@chef", "followers": 150000, "engagementRate": 5.25 } }),
        )
        .await;
    res.assert_ok();
    assert_eq!(res.at("/data/addChannel/channel/engagementRate"), &json!(5.25));
    let channel = res.str("/data/addChannel/channel/id");

    let space = app.gql(Some(&inf.token), CREATE_SPACE, json!({ "i": space_input(&channel, json!({})) })).await;
    space.assert_ok();
    assert_eq!(space.at("/data/createAdSpace/adSpace/price"), &json!({ "amountMinor": 25000, "currency": "EUR" }));
    let id = space.str("/data/createAdSpace/adSpace/id");

    let read = app.gql(None, AD_SPACE, json!({ "id": id })).await;
    read.assert_ok();
    assert_eq!(read.str("/data/adSpace/influencer/id"), inf.id);
    assert_eq!(read.str("/data/adSpace/channel/platform"), "TIKTOK");

    let profile =
        app.gql(None, "query($id: ID!) { influencer(id: $id) { email channels { id } adSpaces { id } } }", json!({ "id": inf.id })).await;
    profile.assert_ok();
    assert_eq!(profile.at("/data/influencer/email"), &Value::Null, "email is private");
    assert_eq!(profile.str("/data/influencer/channels/0/id"), channel);
    assert_eq!(profile.str("/data/influencer/adSpaces/0/id"), id);
}

#[tokio::test]
async fn an_influencer_updates_and_archives_their_ad_space_which_stays_readable_but_undiscoverable() {
    let app = TestApp::spawn().await;
    let inf = app.influencer().await;
    let channel = add_channel(&app, &inf, "YOUTUBE", 10_000).await;
    let id = create_space(&app, &inf, &channel, json!({})).await;

    let upd = app
        .gql(
            Some(&inf.token),
            UPDATE_SPACE,
            json!({ "i": { "id": id, "title": "Long video", "price": { "amountMinor": 99_00, "currency": "usd" } } }),
        )
        .await;
    upd.assert_ok();
    assert_eq!(upd.str("/data/updateAdSpace/adSpace/title"), "Long video");
    assert_eq!(upd.at("/data/updateAdSpace/adSpace/price"), &json!({ "amountMinor": 9900, "currency": "USD" }));
    assert_eq!(space_count(&app).await, 1);

    let arch = app.gql(Some(&inf.token), ARCHIVE_SPACE, json!({ "i": { "id": id } })).await;
    arch.assert_ok();
    assert_eq!(arch.at("/data/archiveAdSpace/adSpace/archived"), &json!(true));
    let read = app.gql(None, AD_SPACE, json!({ "id": id })).await;
    read.assert_ok();
    assert_eq!(read.at("/data/adSpace/archived"), &json!(true));
    assert_eq!(space_count(&app).await, 0, "archived spaces are not discoverable");
    app.gql(Some(&inf.token), UPDATE_SPACE, json!({ "i": { "id": id, "title": "again" } })).await.assert_code("CONFLICT");
}

#[tokio::test]
async fn updating_and_removing_a_channel_archives_its_spaces() {
    let app = TestApp::spawn().await;
    let inf = app.influencer().await;
    let channel = add_channel(&app, &inf, "INSTAGRAM", 1_000).await;
    create_space(&app, &inf, &channel, json!({})).await;
    let upd = app
        .gql(
            Some(&inf.token),
            "mutation($i: UpdateChannelInput!) { updateChannel(input: $i) { channel { followers handle } } }",
            json!({ "i": { "id": channel, "followers": 2_000, "handle": "@new" } }),
        )
        .await;
    upd.assert_ok();
    assert_eq!(upd.at("/data/updateChannel/channel"), &json!({ "followers": 2000, "handle": "@new" }));
    let rm = app
        .gql(
            Some(&inf.token),
            "mutation($i: IdInput!) { removeChannel(input: $i) { channel { removed } } }",
            json!({ "i": { "id": channel } }),
        )
        .await;
    rm.assert_ok();
    assert_eq!(rm.at("/data/removeChannel/channel/removed"), &json!(true));
    assert_eq!(space_count(&app).await, 0);
    let profile =
        app.gql(None, "query($id: ID!) { influencer(id: $id) { channels { id } adSpaces { id } } }", json!({ "id": inf.id })).await;
    assert_eq!(profile.at("/data/influencer"), &json!({ "channels": [], "adSpaces": [] }));
}

#[tokio::test]
async fn an_advertiser_cannot_add_a_channel_nor_create_an_ad_space() {
    let app = TestApp::spawn().await;
    let adv = app.advertiser().await;
    let inf = app.influencer().await;
    let channel = add_channel(&app, &inf, "X", 5).await;
    let input = json!({ "platform": "X", "handle": "@brand", "url": "https://x.com/brand", "followers": 1 });
    app.gql(Some(&adv.token), ADD_CHANNEL, json!({ "i": input })).await.assert_code("FORBIDDEN");
    app.gql(Some(&adv.token), CREATE_SPACE, json!({ "i": space_input(&channel, json!({})) })).await.assert_code("FORBIDDEN");
    app.gql(None, CREATE_SPACE, json!({ "i": space_input(&channel, json!({})) })).await.assert_code("UNAUTHENTICATED");
    assert_eq!(space_count(&app).await, 0);
}

#[tokio::test]
async fn an_influencer_cannot_touch_someone_elses_channel_or_ad_space() {
    let app = TestApp::spawn().await;
    let (alice, mallory) = (app.influencer().await, app.influencer().await);
    let channel = add_channel(&app, &alice, "TWITCH", 300).await;
    let id = create_space(&app, &alice, &channel, json!({})).await;
    app.gql(Some(&mallory.token), UPDATE_SPACE, json!({ "i": { "id": id, "title": "mine" } })).await.assert_code("FORBIDDEN");
    app.gql(Some(&mallory.token), ARCHIVE_SPACE, json!({ "i": { "id": id } })).await.assert_code("FORBIDDEN");
    let upd_channel = "mutation($i: UpdateChannelInput!) { updateChannel(input: $i) { channel { id } } }";
    app.gql(Some(&mallory.token), upd_channel, json!({ "i": { "id": channel, "followers": 1 } })).await.assert_code("FORBIDDEN");
    let res = app.gql(Some(&mallory.token), CREATE_SPACE, json!({ "i": space_input(&channel, json!({})) })).await;
    res.assert_code("BAD_USER_INPUT");
    assert_eq!(res.error_field(), Some("channelId"));
    let read = app.gql(None, AD_SPACE, json!({ "id": id })).await;
    assert_eq!(read.str("/data/adSpace/title"), "Sponsored story");
    assert_eq!(read.at("/data/adSpace/archived"), &json!(false));
}

#[tokio::test]
async fn bad_ad_space_input_is_refused_with_its_field_and_nothing_is_written() {
    let app = TestApp::spawn().await;
    let inf = app.influencer().await;
    let channel = add_channel(&app, &inf, "BLOG", 50).await;
    let long = "x".repeat(121);
    let cases = [
        (json!({ "title": "   " }), "title"),
        (json!({ "title": long }), "title"),
        (json!({ "description": "" }), "description"),
        (json!({ "price": { "amountMinor": -5, "currency": "EUR" } }), "price.amountMinor"),
        (json!({ "price": { "amountMinor": 0, "currency": "EUR" } }), "price.amountMinor"),
        (json!({ "price": { "amountMinor": 1_000_000_001_i64, "currency": "EUR" } }), "price.amountMinor"),
        (json!({ "price": { "amountMinor": 100, "currency": "XXX" } }), "price.currency"),
        (json!({ "sampleLinks": ["ftp://example.com/a"] }), "sampleLinks"),
        (json!({ "sampleLinks": vec!["https://example.com/a"; 11] }), "sampleLinks"),
        (json!({ "categories": ["FOOD", "TECH", "TRAVEL", "MUSIC", "BEAUTY", "GAMING"] }), "categories"),
        (json!({ "turnaroundDays": 0 }), "turnaroundDays"),
        (json!({ "revisionsIncluded": 21 }), "revisionsIncluded"),
        (json!({ "deliverables": [""] }), "deliverables"),
    ];
    for (extra, field) in cases {
        let res: Gql = app.gql(Some(&inf.token), CREATE_SPACE, json!({ "i": space_input(&channel, extra.clone()) })).await;
        res.assert_code("BAD_USER_INPUT");
        assert_eq!(res.error_field(), Some(field), "{extra}: {}", res.body);
    }
    assert_eq!(space_count(&app).await, 0);
}

#[tokio::test]
async fn bad_channel_input_is_refused_with_its_field() {
    let app = TestApp::spawn().await;
    let inf = app.influencer().await;
    let base = json!({ "platform": "INSTAGRAM", "handle": "@me", "url": "https://instagram.com/me", "followers": 10 });
    let cases = [
        (json!({ "followers": -1 }), "followers"),
        (json!({ "engagementRate": 100.5 }), "engagementRate"),
        (json!({ "engagementRate": -1 }), "engagementRate"),
        (json!({ "url": "javascript:alert(1)" }), "url"),
        (json!({ "handle": "" }), "handle"),
    ];
    for (extra, field) in cases {
        let mut input = base.clone();
        for (k, v) in extra.as_object().unwrap() {
            input[k] = v.clone();
        }
        let res = app.gql(Some(&inf.token), ADD_CHANNEL, json!({ "i": input })).await;
        res.assert_code("BAD_USER_INPUT");
        assert_eq!(res.error_field(), Some(field), "{}", res.body);
    }
    let profile = app.gql(None, "query($id: ID!) { influencer(id: $id) { channels { id } } }", json!({ "id": inf.id })).await;
    assert_eq!(profile.at("/data/influencer/channels"), &json!([]));
}

#[tokio::test]
async fn node_fetches_ad_spaces_and_channels_and_refuses_malformed_ids() {
    let app = TestApp::spawn().await;
    let inf = app.influencer().await;
    let channel = add_channel(&app, &inf, "PODCAST", 800).await;
    let space = create_space(&app, &inf, &channel, json!({ "title": "Podcast read" })).await;
    let q = "query($id: ID!) { node(id: $id) { id ... on AdSpace { title } ... on Channel { platform } } }";
    let res = app.gql(None, q, json!({ "id": space })).await;
    res.assert_ok();
    assert_eq!(res.str("/data/node/title"), "Podcast read");
    let res = app.gql(None, q, json!({ "id": channel })).await;
    assert_eq!(res.str("/data/node/platform"), "PODCAST");
    app.gql(None, q, json!({ "id": "not-an-id" })).await.assert_code("BAD_USER_INPUT");
    app.gql(None, AD_SPACE, json!({ "id": "%%%" })).await.assert_code("BAD_USER_INPUT");
    app.gql(None, AD_SPACE, json!({ "id": channel })).await.assert_code("NOT_FOUND");
    let missing = app.gql(None, q, json!({ "id": adbridge::graphql::relay::to_global("AdSpace", 999_999).0 })).await;
    assert_eq!(missing.at("/data/node"), &Value::Null);
}

#[tokio::test]
async fn influencer_of_an_advertiser_id_is_null() {
    let app = TestApp::spawn().await;
    let adv = app.advertiser().await;
    let res = app.gql(None, "query($id: ID!) { influencer(id: $id) { id } }", json!({ "id": adv.id })).await;
    res.assert_ok();
    assert_eq!(res.at("/data/influencer"), &Value::Null);
}
