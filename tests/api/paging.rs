//! Discovery paging over a seeded catalogue with many ties: every sort, walked page by page to
//! its end, shows every matching ad space exactly once (keys carried exactly in cursors).

use std::collections::HashSet;

use adbridge::seed::{SeedOptions, seed};
use serde_json::{Value, json};

use crate::helpers::TestApp;

const WALK: &str = "query($f: AdSpaceFilter, $s: AdSpaceSort, $n: Int, $a: String) { \
    adSpaces(filter: $f, sort: $s, first: $n, after: $a) { pageInfo { hasNextPage endCursor } edges { node { id } } } }";

/// Walks a sort to its end in pages of `size`; panics when it does not end.
async fn walk(app: &TestApp, filter: &Value, sort: &str, size: i64, limit: usize) -> Vec<String> {
    let mut ids = Vec::new();
    let mut after = Value::Null;
    for _ in 0..(limit / size as usize + 3) {
        let res = app.gql(None, WALK, json!({ "f": filter, "s": sort, "n": size, "a": after })).await;
        res.assert_ok();
        ids.extend(res.at("/data/adSpaces/edges").as_array().unwrap().iter().map(|e| e["node"]["id"].as_str().unwrap().to_owned()));
        if res.at("/data/adSpaces/pageInfo/hasNextPage") != &json!(true) {
            return ids;
        }
        after = res.at("/data/adSpaces/pageInfo/endCursor").clone();
    }
    panic!("{sort} with {filter} did not end after {} results", ids.len());
}

#[tokio::test]
async fn every_sort_walked_to_its_end_shows_each_seeded_space_exactly_once() {
    let app = TestApp::spawn().await;
    seed(&app.state.store, SeedOptions { influencers: 200, spaces: 1000, advertisers: 5, seed: 42 }).await.expect("the catalogue seeds");
    let filters = [json!(null), json!({ "price": { "currency": "EUR" } }), json!({ "query": "food" })];
    for filter in &filters {
        // Newest is keyed on the id alone: it is the reference set.
        let reference = walk(&app, filter, "NEWEST", 100, 1000).await;
        let expected: HashSet<&String> = reference.iter().collect();
        assert_eq!(expected.len(), reference.len(), "{filter}: NEWEST repeats");
        if filter.is_null() {
            assert_eq!(reference.len(), 1000, "every seeded space is live");
        }
        assert!(reference.len() > 40, "{filter} matches enough spaces to page: {}", reference.len());
        for sort in ["RELEVANCE", "PRICE_ASC", "PRICE_DESC", "FOLLOWERS", "RATING", "NEWEST"] {
            let ids = walk(&app, filter, sort, 20, reference.len()).await;
            let seen: HashSet<&String> = ids.iter().collect();
            assert_eq!(seen.len(), ids.len(), "{sort} with {filter}: {} results repeated", ids.len() - seen.len());
            assert_eq!(seen, expected, "{sort} with {filter}: {} results for {}", ids.len(), reference.len());
        }
    }
}
