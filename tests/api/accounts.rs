//! Accounts: sign-up, log-in, sessions, profiles.

use serde_json::json;

use crate::helpers::TestApp;

const SIGN_UP: &str = "mutation($input: SignUpInput!) { signUp(input: $input) { token user { id email role } } }";
const LOG_IN: &str = "mutation($input: LogInInput!) { logIn(input: $input) { token user { id } } }";

#[tokio::test]
async fn a_user_signs_up_logs_in_reads_me_and_logs_out() {
    let app = TestApp::spawn().await;
    let res = app
        .gql(None, SIGN_UP, json!({ "input": { "email": " Ada@Example.COM ", "password": "correct horse battery", "displayName": "Ada", "role": "ADVERTISER" } }))
        .await;
    res.assert_ok();
    assert_eq!(res.str("/data/signUp/user/email"), "ada@example.com");
    assert_eq!(res.str("/data/signUp/user/role"), "ADVERTISER");

    let login = app.gql(None, LOG_IN, json!({ "input": { "email": "ada@example.com", "password": "correct horse battery" } })).await;
    login.assert_ok();
    let token = login.str("/data/logIn/token");

    let me = app.gql(Some(&token), "{ me { id email displayName } }", json!({})).await;
    me.assert_ok();
    assert_eq!(me.str("/data/me/email"), "ada@example.com");
    assert_eq!(me.str("/data/me/id"), res.str("/data/signUp/user/id"));

    let out = app.gql(Some(&token), "mutation { logOut { revoked } }", json!({})).await;
    out.assert_ok();
    let after = app.gql(Some(&token), "{ me { id } }", json!({})).await;
    after.assert_code("UNAUTHENTICATED");
    assert_eq!(after.status, 401);
}

#[tokio::test]
async fn me_without_a_token_is_null_and_an_account_field_is_unauthenticated() {
    let app = TestApp::spawn().await;
    let me = app.gql(None, "{ me { id } }", json!({})).await;
    assert_eq!(me.body, json!({ "data": { "me": null } }));
    app.gql(None, "{ myOrders { totalCount } }", json!({})).await.assert_code("UNAUTHENTICATED");
}

#[tokio::test]
async fn a_duplicate_email_is_a_conflict() {
    let app = TestApp::spawn().await;
    let input =
        json!({ "input": { "email": "dup@example.com", "password": "correct horse battery", "displayName": "A", "role": "INFLUENCER" } });
    app.gql(None, SIGN_UP, input.clone()).await.assert_ok();
    let mut again = input;
    again["input"]["email"] = json!("DUP@example.com");
    app.gql(None, SIGN_UP, again).await.assert_code("CONFLICT");
}

#[tokio::test]
async fn bad_sign_up_input_names_the_field_and_writes_nothing() {
    let app = TestApp::spawn().await;
    let cases = [
        (json!({ "email": "not-an-email", "password": "correct horse battery", "displayName": "A", "role": "ADVERTISER" }), "email"),
        (json!({ "email": "short@example.com", "password": "short", "displayName": "A", "role": "ADVERTISER" }), "password"),
        (
            json!({ "email": "noname@example.com", "password": "correct horse battery", "displayName": "   ", "role": "ADVERTISER" }),
            "displayName",
        ),
        (json!({ "email": "admin@example.com", "password": "correct horse battery", "displayName": "A", "role": "ADMIN" }), "role"),
    ];
    for (input, field) in cases {
        let res = app.gql(None, SIGN_UP, json!({ "input": input.clone() })).await;
        res.assert_code("BAD_USER_INPUT");
        assert_eq!(res.error_field(), Some(field), "{}", res.body);
        let login = app.gql(None, LOG_IN, json!({ "input": { "email": input["email"], "password": input["password"] } })).await;
        login.assert_code("UNAUTHENTICATED");
    }
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_email_get_the_same_answer() {
    let app = TestApp::spawn().await;
    let user = app.advertiser().await;
    let wrong = app.gql(None, LOG_IN, json!({ "input": { "email": user.email, "password": "wrong password!" } })).await;
    let unknown = app.gql(None, LOG_IN, json!({ "input": { "email": "nobody@example.com", "password": "wrong password!" } })).await;
    wrong.assert_code("UNAUTHENTICATED");
    unknown.assert_code("UNAUTHENTICATED");
    assert_eq!(wrong.error_message(), unknown.error_message());
}

#[tokio::test]
async fn too_many_log_in_attempts_are_rate_limited() {
    let app = TestApp::spawn_with(|c| c.login_per_minute = 3).await;
    let user = app.advertiser().await;
    for _ in 0..3 {
        app.gql(None, LOG_IN, json!({ "input": { "email": user.email, "password": "wrong password!" } }))
            .await
            .assert_code("UNAUTHENTICATED");
    }
    let limited = app.gql(None, LOG_IN, json!({ "input": { "email": user.email, "password": "correct horse battery" } })).await;
    limited.assert_code("RATE_LIMITED");
}

#[tokio::test]
async fn too_many_writes_are_rate_limited() {
    let app = TestApp::spawn_with(|c| c.writes_per_minute = 2).await;
    let query = "mutation { updateProfile(input: { displayName: \"B\" }) { user { displayName } } }";
    let token = {
        // Sign-up is a write too: it counts against the client address, not the new user.
        let user = app.advertiser().await;
        user.token
    };
    app.gql(Some(&token), query, json!({})).await.assert_ok();
    app.gql(Some(&token), query, json!({})).await.assert_ok();
    let limited = app.gql(Some(&token), query, json!({})).await;
    limited.assert_code("RATE_LIMITED");
    assert_eq!(limited.status, 429);
    // Queries are not writes.
    app.gql(Some(&token), "{ me { id } }", json!({})).await.assert_ok();
}

#[tokio::test]
async fn a_profile_is_updated_and_its_email_is_private() {
    let app = TestApp::spawn().await;
    let influencer = app.influencer().await;
    let stranger = app.advertiser().await;
    let res = app
        .gql(
            Some(&influencer.token),
            "mutation($i: UpdateProfileInput!) { updateProfile(input: $i) { user { displayName bio country languages categories } } }",
            json!({ "i": { "displayName": "Chef Lou", "bio": "Vegan recipes", "country": "fr", "languages": ["fr", "EN"], "categories": ["FOOD"] } }),
        )
        .await;
    res.assert_ok();
    assert_eq!(
        res.at("/data/updateProfile/user"),
        &json!({ "displayName": "Chef Lou", "bio": "Vegan recipes", "country": "FR", "languages": ["fr", "en"], "categories": ["FOOD"] })
    );

    let seen = app
        .gql(
            Some(&stranger.token),
            "query($id: ID!) { node(id: $id) { ... on User { displayName email } } }",
            json!({ "id": influencer.id }),
        )
        .await;
    seen.assert_ok();
    assert_eq!(seen.at("/data/node"), &json!({ "displayName": "Chef Lou", "email": null }));

    let bad = app
        .gql(
            Some(&influencer.token),
            "mutation { updateProfile(input: { avatarUrl: \"javascript:alert(1)\" }) { user { id } } }",
            json!({}),
        )
        .await;
    bad.assert_code("BAD_USER_INPUT");
    assert_eq!(bad.error_field(), Some("avatarUrl"));
}

#[tokio::test]
async fn an_expired_session_is_refused() {
    let app = TestApp::spawn_with(|c| c.session_ttl_hours = 1).await;
    let user = app.advertiser().await;
    app.gql(Some(&user.token), "{ me { id } }", json!({})).await.assert_ok();
    app.clock.advance(chrono::Duration::hours(2));
    app.gql(Some(&user.token), "{ me { id } }", json!({})).await.assert_code("UNAUTHENTICATED");
}

#[tokio::test]
async fn malformed_global_ids_are_bad_input_not_a_crash() {
    let app = TestApp::spawn().await;
    for id in ["", "%%%", "bm9wZQ", "VXNlcjotMQ"] {
        let res = app.gql(None, "query($id: ID!) { node(id: $id) { id } }", json!({ "id": id })).await;
        res.assert_code("BAD_USER_INPUT");
    }
    let res = app.gql(None, "query($id: ID!) { node(id: $id) { id } }", json!({ "id": "VXNlcjo5OTk5OTk" })).await;
    res.assert_ok();
    assert!(res.at("/data/node").is_null());
}
