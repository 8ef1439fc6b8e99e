//! `schema.graphql` is the exported SDL: this fails when it drifts from the code.

#[test]
fn schema_graphql_matches_the_code() {
    let expected = adbridge::graphql::sdl();
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql");
    let actual = std::fs::read_to_string(path).unwrap_or_default();
    if std::env::var("UPDATE_SCHEMA").is_ok() {
        std::fs::write(path, &expected).unwrap();
        return;
    }
    assert!(
        actual == expected,
        "schema.graphql is out of date: run `cargo run -- print-schema > schema.graphql` (or UPDATE_SCHEMA=1 cargo test schema)"
    );
}
