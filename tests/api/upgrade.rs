//! A database migrated and filled by the previous release (0.1, commit f05bd93) upgrades cleanly:
//! the app starts on it, records no migration twice, and its data is readable and writable.
//!
//! The fixtures in `tests/fixtures/` were written by that release's `adbridge seed --influencers 3
//! --spaces 6 --advertisers 2`: the SQLite file as it left it, the Postgres database as
//! `pg_dump --inserts`.

use serde_json::json;

use crate::helpers::{TestApp, fresh_database, test_config};

/// The migrations the previous release recorded, in order. Their names are frozen.
const RELEASED: &[&str] = &["m0001_accounts", "m0002_catalogue", "m0003_orders", "m0004_order_status_actor", "m0004_search"];

/// A fresh database holding what the previous release left.
async fn previous_release_database() -> String {
    let url = fresh_database().await;
    if url.starts_with("postgres") {
        use sea_orm::{ConnectionTrait, Database};
        let db = Database::connect(&url).await.unwrap();
        let dump = include_str!("../fixtures/release-0.1-f05bd93.postgres.sql");
        db.execute_unprepared(dump).await.expect("the previous release's dump loads");
        db.close().await.unwrap();
    } else {
        let path = url.trim_start_matches("sqlite://").split('?').next().unwrap();
        std::fs::write(path, include_bytes!("../fixtures/release-0.1-f05bd93.sqlite")).unwrap();
    }
    url
}

#[tokio::test]
async fn a_database_of_the_previous_release_upgrades_and_keeps_its_data() {
    let mut config = test_config().await;
    config.database_url = previous_release_database().await;
    let app = TestApp::start(config, Default::default()).await;

    use sea_orm::{ConnectionTrait, Statement};
    let db = app.state.store.db();
    let rows = db
        .query_all_raw(Statement::from_string(db.get_database_backend(), "SELECT version FROM seaql_migrations ORDER BY version"))
        .await
        .unwrap();
    let recorded: Vec<String> = rows.iter().map(|r| r.try_get::<String>("", "version").unwrap()).collect();
    for name in RELEASED {
        assert!(recorded.iter().any(|r| r == name), "{name} is still recorded: {recorded:?}");
    }
    use migration::MigratorTrait;
    assert_eq!(recorded.len(), migration::Migrator::migrations().len(), "each migration recorded once: {recorded:?}");

    let page = app.gql(None, "{ adSpaces(first: 50) { edges { node { id title } } } }", json!({})).await;
    page.assert_ok();
    assert_eq!(page.at("/data/adSpaces/edges").as_array().unwrap().len(), 6, "the seeded spaces are all there");

    let login = app
        .gql(
            None,
            "mutation($e: String!) { logIn(input: {email: $e, password: \"adbridge-demo-password\"}) { token user { role } } }",
            json!({ "e": "influencer1@seed.adbridge.test" }),
        )
        .await;
    login.assert_ok();
    assert_eq!(login.str("/data/logIn/user/role"), "INFLUENCER");

    // Writes and the search triggers still work on the upgraded database.
    let influencer = app.influencer().await;
    let space = app.ad_space_of(&influencer, 12_345, "EUR").await;
    let found = app.gql(None, "{ adSpaces(first: 50) { edges { node { id } } } }", json!({})).await;
    found.assert_ok();
    let ids: Vec<&str> = found.at("/data/adSpaces/edges").as_array().unwrap().iter().map(|e| e["node"]["id"].as_str().unwrap()).collect();
    assert!(ids.contains(&space.as_str()), "a new space is found by discovery");
    assert_eq!(ids.len(), 7);
    app.stop().await;
}
