//! What one operation may cost, and refusals that say which limit they hit.
//!
//! Three limits hold before anything runs: root fields (aliases included, fragments
//! expanded) per operation, nesting depth and complexity (lists weigh their page size,
//! counts and substring filters the queries they run). async-graphql's own refusals ("Query
//! is too complex.") name no limit and carry no code; here each gets its own
//! `extensions.code` and a message with the limit, over HTTP and WebSocket alike.

use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
use async_graphql::{ErrorExtensionValues, ServerError};

/// Root fields one operation may select; each runs its own queries.
pub const MAX_ROOT_FIELDS: usize = 20;
/// How deep selections may nest; deep enough for GraphiQL's introspection query.
pub const MAX_DEPTH: usize = 15;
/// The parser's own nesting guard, above [`MAX_DEPTH`] so a deep operation is refused by
/// the depth limit, with its message, rather than by the parser.
pub const MAX_PARSE_NESTING: usize = 64;
/// The complexity budget of one operation.
pub const MAX_COMPLEXITY: usize = 50_000;
/// What a `totalCount` weighs: a `COUNT` over the filtered rows.
pub const COUNT_WEIGHT: usize = 20;
/// What a substring filter weighs on top of its list: it cannot use an index.
pub const SUBSTRING_FILTER_WEIGHT: usize = 200;
/// Lists weigh at most this many items, the largest page a list returns: a bigger
/// `first` is refused by the list itself, with the cap in its message.
pub const MAX_WEIGHED_PAGE: usize = 500;

/// The weight of a list's children: its page size (50 when unset), at most
/// [`MAX_WEIGHED_PAGE`].
pub fn page_weight(first: Option<i32>, last: Option<i32>) -> usize {
    let size = first.or(last).unwrap_or(50).max(1) as usize;
    size.min(MAX_WEIGHED_PAGE)
}

/// What a substring filter adds to its list's weight.
pub fn substring_weight(filter: &Option<String>) -> usize {
    if filter.is_some() {
        SUBSTRING_FILTER_WEIGHT
    } else {
        0
    }
}

fn refusal(code: &str, message: String) -> ServerError {
    let mut err = ServerError::new(message, None);
    let mut ext = ErrorExtensionValues::default();
    ext.set("code", code);
    err.extensions = Some(ext);
    err
}

fn too_deep() -> ServerError {
    refusal(
        "QUERY_TOO_DEEP",
        format!("the operation nests selections more than {MAX_DEPTH} levels deep (the limit)"),
    )
}

/// A parse error, with the parser's nesting guard ("recursion limit exceeded.") reported as
/// the depth limit it stands for.
pub fn parse_error(err: ServerError) -> ServerError {
    if is_depth_refusal(&err.message) {
        too_deep()
    } else {
        err
    }
}

fn is_depth_refusal(message: &str) -> bool {
    message.starts_with("The recursion depth of the query")
        || message.starts_with("recursion limit exceeded")
        || message == "Query is nested too deep."
}

/// Refuses an operation of the document that selects more than [`MAX_ROOT_FIELDS`].
pub fn check_root_fields(document: &ExecutableDocument) -> Result<(), ServerError> {
    for (name, operation) in document.operations.iter() {
        let fields = root_fields(&operation.node.selection_set.node, document, 0);
        if fields > MAX_ROOT_FIELDS {
            let which = name.map(|n| format!(" `{n}`")).unwrap_or_default();
            return Err(refusal(
                "TOO_MANY_ROOT_FIELDS",
                format!(
                    "the operation{which} selects {fields} root fields (aliases included); \
                     the limit is {MAX_ROOT_FIELDS}: split it into several requests"
                ),
            ));
        }
    }
    Ok(())
}

/// async-graphql's own refusals of depth and complexity, given a code and the limit.
pub fn name_refusals(errors: &mut [ServerError]) {
    for err in errors {
        if err.message == "Query is too complex." {
            *err = refusal(
                "QUERY_TOO_COMPLEX",
                format!(
                    "the operation costs more than {MAX_COMPLEXITY} (the limit): a list weighs \
                     its page size (`first`/`last`, 50 when unset) times its selection, a \
                     `totalCount` {COUNT_WEIGHT}, a substring filter \
                     {SUBSTRING_FILTER_WEIGHT}; ask for fewer items or fewer fields"
                ),
            );
        } else if is_depth_refusal(&err.message) {
            *err = too_deep();
        }
    }
}

/// Root fields of a selection set, counting each response key once (repeating a field
/// merges it), fragments expanded.
fn root_fields(set: &SelectionSet, document: &ExecutableDocument, nesting: usize) -> usize {
    let mut keys = std::collections::HashSet::new();
    collect_keys(set, document, nesting, &mut keys);
    keys.len()
}

fn collect_keys<'d>(
    set: &'d SelectionSet,
    document: &'d ExecutableDocument,
    nesting: usize,
    keys: &mut std::collections::HashSet<&'d str>,
) {
    // Fragment cycles are refused by validation, after this count: stop at the parser's
    // own nesting guard.
    if nesting > MAX_PARSE_NESTING {
        return;
    }
    for selection in &set.items {
        match &selection.node {
            Selection::Field(field) => {
                keys.insert(field.node.response_key().node.as_str());
            }
            Selection::FragmentSpread(spread) => {
                if let Some(fragment) = document.fragments.get(&spread.node.fragment_name.node) {
                    collect_keys(
                        &fragment.node.selection_set.node,
                        document,
                        nesting + 1,
                        keys,
                    );
                }
            }
            Selection::InlineFragment(inline) => {
                collect_keys(&inline.node.selection_set.node, document, nesting + 1, keys)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count(query: &str) -> usize {
        let document = async_graphql::parser::parse_query(query).unwrap();
        let (_, op) = document.operations.iter().next().unwrap();
        root_fields(&op.node.selection_set.node, &document, 0)
    }

    #[test]
    fn root_fields_count_aliases_and_fragments_once_per_key() {
        assert_eq!(count("{ a b: a c: a }"), 3);
        assert_eq!(count("{ a a ...F } fragment F on Query { a d }"), 2);
        assert_eq!(count("{ ... on Query { x y } z }"), 3);
    }

    #[test]
    fn lists_weigh_their_page_up_to_the_cap() {
        assert_eq!(page_weight(None, None), 50);
        assert_eq!(page_weight(Some(0), None), 1);
        assert_eq!(page_weight(None, Some(20)), 20);
        assert_eq!(page_weight(Some(100_000), None), MAX_WEIGHED_PAGE);
    }
}
