//! Input hygiene on both databases: NUL bytes, absurd dates, invisible characters in emails and
//! names of control characters are `BAD_USER_INPUT` and write nothing; text is stored in NFC;
//! and a property-based fuzz over the text inputs never gets `INTERNAL` or half a write.

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config as PropConfig, RngAlgorithm, TestRng, TestRunner};
use serde_json::{Value, json};

use crate::helpers::{Gql, TestApp};
use crate::orders::support::pending_order;

const SIGN_UP: &str = "mutation($i: SignUpInput!) { signUp(input: $i) { user { id displayName email } } }";
const SEND: &str = "mutation($i: SendMessageInput!) { sendMessage(input: $i) { message { id body } } }";
const PROFILE: &str = "mutation($i: UpdateProfileInput!) { updateProfile(input: $i) { user { displayName bio } } }";

/// Rows of `users` or `messages`.
async fn count(app: &TestApp, table: Table) -> u64 {
    use adbridge::store::entities::{message, user};
    use sea_orm::{EntityTrait, PaginatorTrait};
    let db = app.state.store.db();
    match table {
        Table::Users => user::Entity::find().count(db).await.unwrap(),
        Table::Messages => message::Entity::find().count(db).await.unwrap(),
    }
}

#[derive(Clone, Copy)]
enum Table {
    Users,
    Messages,
}

fn sign_up_input(email: &str, name: &str) -> Value {
    json!({ "i": { "email": email, "password": "correct horse battery", "displayName": name, "role": "ADVERTISER" } })
}

fn no_internal(res: &Gql) {
    let internal = res.body["errors"].as_array().into_iter().flatten().any(|e| e["extensions"]["code"] == "INTERNAL");
    assert!(!internal, "INTERNAL: {}", res.body);
}

#[tokio::test]
async fn nul_bytes_anywhere_are_bad_input_and_write_nothing() {
    let app = TestApp::spawn().await;
    let (advertiser, _, order) = pending_order(&app).await;
    let (users, messages) = (count(&app, Table::Users).await, count(&app, Table::Messages).await);
    app.gql(None, SIGN_UP, sign_up_input("nul@example.com", "A\u{0}B")).await.assert_code("BAD_USER_INPUT");
    app.gql(None, SIGN_UP, sign_up_input("n\u{0}ul@example.com", "Ann")).await.assert_code("BAD_USER_INPUT");
    app.gql(Some(&advertiser.token), SEND, json!({ "i": { "orderId": order, "body": "hi\u{0}" } })).await.assert_code("BAD_USER_INPUT");
    let literal = format!(r#"mutation {{ sendMessage(input: {{ orderId: "{order}", body: "x\u0000y" }}) {{ message {{ id }} }} }}"#);
    app.gql(Some(&advertiser.token), &literal, json!({})).await.assert_code("BAD_USER_INPUT");
    // Not only text fields: ids and cursors too.
    app.gql(Some(&advertiser.token), "query($id: ID!) { node(id: $id) { id } }", json!({ "id": "T3JkZXI6MQ\u{0}" }))
        .await
        .assert_code("BAD_USER_INPUT");
    assert_eq!((count(&app, Table::Users).await, count(&app, Table::Messages).await), (users, messages));
}

#[tokio::test]
async fn absurd_dates_in_filters_are_bad_input() {
    let app = TestApp::spawn().await;
    let user = app.advertiser().await;
    for date in ["-262143-01-01T00:00:00Z", "+262142-12-31T23:59:59Z", "0001-01-01T00:00:00Z"] {
        let res = app
            .gql(
                Some(&user.token),
                "query($d: DateTime) { myOrders(filter: { createdAfter: $d, createdBefore: $d }) { edges { cursor } } }",
                json!({ "d": date }),
            )
            .await;
        res.assert_code("BAD_USER_INPUT");
    }
    let ok = app
        .gql(Some(&user.token), r#"{ myOrders(filter: { createdAfter: "2020-01-01T00:00:00Z" }) { edges { cursor } } }"#, json!({}))
        .await;
    ok.assert_ok();
}

#[tokio::test]
async fn emails_with_invisible_characters_and_names_without_visible_ones_are_refused() {
    let app = TestApp::spawn().await;
    let before = count(&app, Table::Users).await;
    for email in ["ada\u{200b}@example.com", "ada@exam\u{202e}ple.com", "a\u{ad}da@example.com", "\u{feff}ada@example.com"] {
        let res = app.gql(None, SIGN_UP, sign_up_input(email, "Ada")).await;
        res.assert_code("BAD_USER_INPUT");
        assert_eq!(res.error_field(), Some("email"), "{email:?}");
    }
    for name in ["\u{1}\u{2}\u{3}", "\u{200b}\u{200d}", "\u{202e}\u{7f}", "\u{ad}"] {
        let res = app.gql(None, SIGN_UP, sign_up_input(&format!("n{}@example.com", uuid::Uuid::new_v4().simple()), name)).await;
        res.assert_code("BAD_USER_INPUT");
        assert_eq!(res.error_field(), Some("displayName"), "{name:?}");
    }
    assert_eq!(count(&app, Table::Users).await, before);
}

#[tokio::test]
async fn text_is_stored_in_nfc_and_an_email_logs_in_whichever_form_it_is_typed_in() {
    let app = TestApp::spawn().await;
    let decomposed = format!("e\u{301}lodie-{}@example.com", uuid::Uuid::new_v4().simple());
    let res = app.gql(None, SIGN_UP, sign_up_input(&decomposed, "E\u{301}lodie")).await;
    res.assert_ok();
    assert_eq!(res.str("/data/signUp/user/displayName"), "\u{c9}lodie");
    let composed = decomposed.replace("e\u{301}", "\u{e9}");
    assert_eq!(res.str("/data/signUp/user/email"), composed);
    let login = app
        .gql(
            None,
            "mutation($i: LogInInput!) { logIn(input: $i) { token } }",
            json!({ "i": { "email": composed, "password": "correct horse battery" } }),
        )
        .await;
    login.assert_ok();
}

/// Text made of the characters that break things, mixed with ordinary ones.
fn nasty_text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        4 => "[a-zA-Z0-9 @.]{1,6}",
        1 => Just("\u{0}".to_owned()),
        1 => "[\u{1}-\u{1f}\u{7f}]",
        1 => Just("\u{200b}".to_owned()),
        1 => Just("\u{202e}".to_owned()),
        1 => Just("\u{ad}".to_owned()),
        1 => Just("e\u{301}".to_owned()),
        1 => Just("\u{1f600}".to_owned()),
        1 => Just("\u{feff}".to_owned()),
        1 => Just("\n\t".to_owned()),
        1 => "[\u{80}-\u{10ffff}]{1,3}",
    ];
    proptest::collection::vec(piece, 0..12).prop_map(|parts| parts.concat())
}

fn nasty_date() -> impl Strategy<Value = String> {
    prop_oneof![
        (-300_000i64..300_000).prop_map(|y| format!("{y:+07}-01-01T00:00:00Z")),
        (1i64..12_000).prop_map(|y| format!("{y:04}-06-15T12:00:00Z")),
        "[0-9TZ:+-]{0,24}",
    ]
}

#[tokio::test]
async fn fuzzed_text_inputs_never_give_internal_or_half_a_write() {
    let app = TestApp::spawn().await;
    let (advertiser, influencer, order) = pending_order(&app).await;
    let mut runner = TestRunner::new_with_rng(PropConfig::default(), TestRng::deterministic_rng(RngAlgorithm::ChaCha));
    let cases = (nasty_text(), nasty_text(), nasty_text(), nasty_date());
    for case in 0..60 {
        let (a, b, c, date) = cases.new_tree(&mut runner).unwrap().current();
        let users = count(&app, Table::Users).await;
        let res = app.gql(None, SIGN_UP, sign_up_input(&format!("{a}{case}@example.com"), &b)).await;
        no_internal(&res);
        let created = u64::from(res.body.get("errors").is_none());
        assert_eq!(count(&app, Table::Users).await, users + created, "case {case}: {a:?} {b:?}: {}", res.body);

        let messages = count(&app, Table::Messages).await;
        let res = app.gql(Some(&advertiser.token), SEND, json!({ "i": { "orderId": order, "body": c } })).await;
        no_internal(&res);
        let sent = u64::from(res.body.get("errors").is_none());
        assert_eq!(count(&app, Table::Messages).await, messages + sent, "case {case}: {c:?}: {}", res.body);
        if sent == 1 {
            let body = res.str("/data/sendMessage/message/body");
            assert!(!body.contains('\0') && body.chars().any(|ch| !ch.is_whitespace()), "stored {body:?}");
        }

        let before = app.gql(Some(&influencer.token), "{ me { displayName bio } }", json!({})).await;
        let res = app.gql(Some(&influencer.token), PROFILE, json!({ "i": { "displayName": a, "bio": c } })).await;
        no_internal(&res);
        if res.body.get("errors").is_some() {
            let after = app.gql(Some(&influencer.token), "{ me { displayName bio } }", json!({})).await;
            assert_eq!(after.body, before.body, "case {case}: a refused profile update changed nothing");
        }

        let res = app
            .gql(
                Some(&advertiser.token),
                "query($d: DateTime) { myOrders(filter: { createdAfter: $d }) { edges { cursor } } }",
                json!({ "d": date }),
            )
            .await;
        no_internal(&res);
    }
}
