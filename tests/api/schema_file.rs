//! `schema.graphql` is generated from the code.

#[test]
fn schema_graphql_matches_the_code() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("schema.graphql");
    let expected = seatkeeper::graphql::sdl();
    let actual = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        actual == expected,
        "schema.graphql is stale: run `cargo run -- export-schema -o schema.graphql`"
    );
}
