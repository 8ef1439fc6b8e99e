//! The realtime feed below GraphQL: the hub and the buses deliver every committed event exactly
//! once and in order — across instances, through a Redis fault, after a restart, with
//! concurrent writers and with lost publishes.

use std::sync::Arc;
use std::time::Duration;

use adbridge::domain::Id;
use adbridge::domain::orders::history::{EventKind, NewOrderEvent, OrderEvent};
use adbridge::graphql::relay::from_global;
use adbridge::realtime::{Delivered, Topic};
use futures::{Stream, StreamExt};
use serde_json::json;

use adbridge::http::AppState;

use crate::helpers::{TestApp, TestUser};

/// An order between a new advertiser and a new influencer, inserted straight in the database.
pub async fn an_order(app: &TestApp) -> (Id, TestUser, TestUser) {
    use adbridge::store::entities::order;
    use sea_orm::{ActiveModelTrait, Set};
    let advertiser = app.advertiser().await;
    let influencer = app.influencer().await;
    let space = app.ad_space_of(&influencer, 10_000, "EUR").await;
    let now = chrono::Utc::now();
    let row = order::ActiveModel {
        advertiser_id: Set(user_id(&advertiser)),
        influencer_id: Set(user_id(&influencer)),
        ad_space_id: Set(from_global("id", "AdSpace", &async_graphql::ID(space)).unwrap()),
        status: Set("REQUESTED".into()),
        version: Set(0),
        event_seq: Set(0),
        brief: Set("A reel".into()),
        price_minor: Set(10_000),
        currency: Set("EUR".into()),
        turnaround_days: Set(7),
        revisions_included: Set(2),
        revisions_extra: Set(0),
        revisions_used: Set(0),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(app.state.store.db())
    .await
    .unwrap();
    (row.id, advertiser, influencer)
}

/// The database id of a test user.
pub fn user_id(user: &TestUser) -> Id {
    from_global("id", "User", &async_graphql::ID(user.id.clone())).unwrap()
}

/// Commits one event on `order` (a message numbered `n`); publishes it on the bus when `publish`.
pub async fn commit_event(app: &TestApp, order: Id, n: usize, publish: bool) -> OrderEvent {
    commit_on(&app.state, order, json!({ "n": n }), Duration::ZERO, publish).await
}

/// Commits one event with `data` on `order` through `state`, holding the transaction `hold`
/// after the insert; publishes it on the bus when `publish`.
pub async fn commit_on(state: &AppState, order: Id, data: serde_json::Value, hold: Duration, publish: bool) -> OrderEvent {
    let txn = state.store.begin_write().await.unwrap();
    let event = NewOrderEvent::new(EventKind::MessagePosted, None, data);
    let event = adbridge::store::orders::history::append(&txn, order, event, chrono::Utc::now()).await.unwrap();
    if !hold.is_zero() {
        tokio::time::sleep(hold).await;
    }
    txn.commit().await.unwrap();
    if publish {
        state.realtime.bus.committed(std::slice::from_ref(&event));
    }
    event
}

/// The next `n` event ids of `feed`, each within 10 s.
pub async fn take_ids(feed: &mut (impl Stream<Item = adbridge::domain::DomainResult<Arc<Delivered>>> + Unpin), n: usize) -> Vec<Id> {
    let mut ids = Vec::with_capacity(n);
    for _ in 0..n {
        let next = tokio::time::timeout(Duration::from_secs(10), feed.next()).await.expect("the event arrives in time");
        ids.push(next.expect("the feed is open").expect("no error").event.id);
    }
    ids
}

fn redis_url() -> Option<String> {
    std::env::var("TEST_REDIS_URL").ok().filter(|u| !u.is_empty())
}

#[tokio::test]
async fn a_committed_event_reaches_the_feeds_of_its_order_and_of_both_parties() {
    let app = TestApp::spawn().await;
    let (order, advertiser, influencer) = an_order(&app).await;
    let (other, _, _) = an_order(&app).await;
    let hub = app.state.realtime.hub.clone();
    let mut by_order = Box::pin(hub.feed(Topic::Order(order), None).await);
    let mut by_advertiser = Box::pin(hub.feed(Topic::User(user_id(&advertiser)), None).await);
    let mut by_influencer = Box::pin(hub.feed(Topic::User(user_id(&influencer)), None).await);
    let mut unrelated = Box::pin(hub.feed(Topic::Order(other), None).await);
    let event = commit_event(&app, order, 1, true).await;
    assert_eq!(take_ids(&mut by_order, 1).await, vec![event.id]);
    assert_eq!(take_ids(&mut by_advertiser, 1).await, vec![event.id]);
    assert_eq!(take_ids(&mut by_influencer, 1).await, vec![event.id]);
    assert!(tokio::time::timeout(Duration::from_millis(700), unrelated.next()).await.is_err(), "an unrelated order's feed stays quiet");
}

#[tokio::test]
async fn an_event_whose_publish_was_lost_is_delivered_by_the_poll_in_order() {
    let app = TestApp::spawn().await;
    let (order, _, _) = an_order(&app).await;
    let mut feed = Box::pin(app.state.realtime.hub.feed(Topic::Order(order), None).await);
    let lost = commit_event(&app, order, 1, false).await;
    let rung = commit_event(&app, order, 2, true).await;
    let third = commit_event(&app, order, 3, false).await;
    assert_eq!(take_ids(&mut feed, 3).await, vec![lost.id, rung.id, third.id]);
}

#[tokio::test]
async fn a_feed_with_a_cursor_replays_the_missed_events_then_streams_live_ones_without_duplicates() {
    let app = TestApp::spawn().await;
    let (order, _, _) = an_order(&app).await;
    let first = commit_event(&app, order, 1, true).await;
    let mut missed = Vec::new();
    for n in 2..=250 {
        missed.push(commit_event(&app, order, n, true).await.id);
    }
    let mut feed = Box::pin(app.state.realtime.hub.feed(Topic::Order(order), Some(first.id)).await);
    let live = commit_event(&app, order, 251, true).await;
    missed.push(live.id);
    assert_eq!(take_ids(&mut feed, missed.len()).await, missed);
    assert!(tokio::time::timeout(Duration::from_millis(700), feed.next()).await.is_err(), "nothing is sent twice");
}

#[tokio::test]
async fn a_lagging_feed_resyncs_from_the_database_and_misses_nothing() {
    let app = TestApp::spawn().await;
    let (order, _, _) = an_order(&app).await;
    let mut feed = Box::pin(app.state.realtime.hub.feed(Topic::Order(order), None).await);
    let mut ids = Vec::new();
    for n in 0..(adbridge::realtime::TOPIC_CAPACITY * 3) {
        ids.push(commit_event(&app, order, n, true).await.id);
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(take_ids(&mut feed, ids.len()).await, ids);
}

#[tokio::test]
async fn a_subscriber_on_one_instance_gets_every_event_committed_on_another_in_order() {
    let a = TestApp::spawn().await;
    let b = a.another_instance().await;
    let (order, _, _) = an_order(&a).await;
    let mut feed = Box::pin(a.state.realtime.hub.feed(Topic::Order(order), None).await);
    let mut ids = Vec::new();
    for n in 0..30 {
        ids.push(commit_event(&b, order, n, true).await.id);
    }
    assert_eq!(take_ids(&mut feed, ids.len()).await, ids);
}

#[tokio::test]
async fn killing_the_redis_subscription_loses_no_event_and_duplicates_none() {
    let Some(url) = redis_url() else {
        eprintln!("skipped: TEST_REDIS_URL is unset");
        return;
    };
    let a = TestApp::spawn().await;
    let b = a.another_instance().await;
    let (order, _, _) = an_order(&a).await;
    let mut feed = Box::pin(a.state.realtime.hub.feed(Topic::Order(order), None).await);
    let writer = {
        let b_state = b.state.clone();
        tokio::spawn(async move {
            let mut ids = Vec::new();
            for n in 0..60 {
                ids.push(commit_on(&b_state, order, json!({ "n": n }), Duration::ZERO, true).await.id);
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            ids
        })
    };
    let client = redis::Client::open(url).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    for _ in 0..3 {
        tokio::time::sleep(Duration::from_millis(120)).await;
        let killed: i64 = redis::cmd("CLIENT").arg("KILL").arg("TYPE").arg("pubsub").query_async(&mut conn).await.unwrap();
        assert!(killed >= 1, "a pub/sub connection was killed");
    }
    let ids = writer.await.unwrap();
    assert_eq!(take_ids(&mut feed, ids.len()).await, ids);
    assert!(tokio::time::timeout(Duration::from_millis(700), feed.next()).await.is_err(), "nothing is sent twice");
}

#[tokio::test]
async fn concurrent_writers_committing_out_of_order_never_make_a_resuming_feed_skip_an_event() {
    let app = TestApp::spawn().await;
    let (order, _, _) = an_order(&app).await;
    let mut writers = Vec::new();
    for w in 0..6 {
        let state = app.state.clone();
        writers.push(tokio::spawn(async move {
            let mut ids = Vec::new();
            for n in 0..15 {
                // Hold each transaction a little, so that commits interleave with other inserts.
                let hold = Duration::from_millis((w * 3 + n % 4) as u64);
                ids.push(commit_on(&state, order, json!({ "w": w, "n": n }), hold, true).await.id);
            }
            ids
        }));
    }
    // A client reads a few events, drops its feed, and resumes from its cursor, repeatedly.
    let mut seen: Vec<Id> = Vec::new();
    let hub = app.state.realtime.hub.clone();
    while seen.len() < 90 {
        let mut feed = Box::pin(hub.feed(Topic::Order(order), Some(seen.last().copied().unwrap_or(0))).await);
        let n = (90 - seen.len()).min(7);
        seen.extend(take_ids(&mut feed, n).await);
    }
    let mut all: Vec<Id> = Vec::new();
    for w in writers {
        all.extend(w.await.unwrap());
    }
    all.sort_unstable();
    assert_eq!(seen, all, "every event once, in id order");
}

#[tokio::test]
async fn after_an_instance_stops_a_client_resuming_on_another_gets_exactly_the_missed_events() {
    let a = TestApp::spawn().await;
    let (order, _, _) = an_order(&a).await;
    let mut feed = Box::pin(a.state.realtime.hub.feed(Topic::Order(order), None).await);
    let seen = commit_event(&a, order, 1, true).await;
    assert_eq!(take_ids(&mut feed, 1).await, vec![seen.id]);
    drop(feed);
    let config = a.config.clone();
    let clock = a.clock.clone();
    let missed_first = commit_event(&a, order, 2, true).await;
    a.stop().await;
    let b = TestApp::start(config, clock).await;
    let missed_second = commit_event(&b, order, 3, true).await;
    let mut feed = Box::pin(b.state.realtime.hub.feed(Topic::Order(order), Some(seen.id)).await);
    assert_eq!(take_ids(&mut feed, 2).await, vec![missed_first.id, missed_second.id]);
    assert!(tokio::time::timeout(Duration::from_millis(700), feed.next()).await.is_err(), "nothing more");
}

#[tokio::test]
async fn a_topic_is_forgotten_when_its_last_subscriber_leaves() {
    let app = TestApp::spawn().await;
    let (order, _, _) = an_order(&app).await;
    let hub = app.state.realtime.hub.clone();
    let before = hub.topic_count();
    let one = hub.feed(Topic::Order(order), None).await;
    let two = hub.feed(Topic::Order(order), None).await;
    assert_eq!(hub.topic_count(), before + 1);
    drop(one);
    assert_eq!(hub.topic_count(), before + 1);
    drop(two);
    assert_eq!(hub.topic_count(), before);
}
