//! Response keys in the order the selection set asked for them.
//!
//! The GraphQL specification (§7.2.2, "Serialized Map Ordering") orders a response's keys
//! as `CollectFields` meets them in the selection set. async-graphql 7 resolves an object's
//! fields concurrently and inserts each result as it completes (a `FuturesUnordered`), so
//! a field backed by a query came after one answered from memory, and the order of a
//! response could change between runs. [`order_response`] keeps the concurrency and puts
//! every object of a result back in selection order before it is serialized; the
//! [`super::finish`] extension applies it to queries, mutations and each subscription
//! event alike.
//!
//! Ordering follows the first appearance of each response key across the selection set,
//! its fragment spreads and its inline fragments, in document order; keys a fragment on
//! another type contributed simply are not in the object.

use std::collections::HashMap;

use async_graphql::parser::types::{
    ExecutableDocument, FragmentDefinition, OperationDefinition, Selection, SelectionSet,
};
use async_graphql::{Name, Positioned, Response, Value};

/// Puts the keys of every object in `response` in the order `operation` selects them.
pub fn order_response(
    document: &ExecutableDocument,
    operation: &OperationDefinition,
    response: &mut Response,
) {
    let plan = Plan::of(&[&operation.selection_set.node], &document.fragments);
    plan.apply(&mut response.data);
}

/// The keys an object of the result has, in selection order, each with the plan of its
/// own selection (empty for a leaf).
#[derive(Default)]
struct Plan {
    keys: Vec<(Name, Plan)>,
}

type Fragments = HashMap<Name, Positioned<FragmentDefinition>>;

impl Plan {
    /// The plan of the merged selection sets of one response key.
    fn of(sets: &[&SelectionSet], fragments: &Fragments) -> Plan {
        let mut keys: Vec<(Name, Vec<&SelectionSet>)> = Vec::new();
        let mut index: HashMap<Name, usize> = HashMap::new();
        for set in sets {
            collect(set, fragments, &mut keys, &mut index, 0);
        }
        Plan {
            keys: keys
                .into_iter()
                .map(|(key, sets)| {
                    let child = if sets.is_empty() {
                        Plan::default()
                    } else {
                        Plan::of(&sets, fragments)
                    };
                    (key, child)
                })
                .collect(),
        }
    }

    fn apply(&self, value: &mut Value) {
        match value {
            Value::List(items) => items.iter_mut().for_each(|item| self.apply(item)),
            Value::Object(map) => {
                if !self.in_order(map.keys()) {
                    let mut old = std::mem::take(map);
                    for (key, _) in &self.keys {
                        if let Some(v) = old.swap_remove(key) {
                            map.insert(key.clone(), v);
                        }
                    }
                    map.extend(old);
                }
                for (key, child) in &self.keys {
                    if !child.keys.is_empty()
                        && let Some(v) = map.get_mut(key)
                    {
                        child.apply(v);
                    }
                }
            }
            _ => {}
        }
    }

    /// Whether `present` already follows the plan's order.
    fn in_order<'a>(&self, present: impl Iterator<Item = &'a Name>) -> bool {
        let mut planned = self.keys.iter();
        present
            .into_iter()
            .all(|key| planned.any(|(k, _)| k == key))
    }
}

/// Fragments nest at most this deep (validation has already refused cycles).
const MAX_FRAGMENT_NESTING: usize = 64;

fn collect<'d>(
    set: &'d SelectionSet,
    fragments: &'d Fragments,
    keys: &mut Vec<(Name, Vec<&'d SelectionSet>)>,
    index: &mut HashMap<Name, usize>,
    nesting: usize,
) {
    if nesting > MAX_FRAGMENT_NESTING {
        return;
    }
    for selection in &set.items {
        match &selection.node {
            Selection::Field(field) => {
                let key = field.node.response_key().node.clone();
                let at = *index.entry(key.clone()).or_insert_with(|| {
                    keys.push((key, Vec::new()));
                    keys.len() - 1
                });
                let sub = &field.node.selection_set.node;
                if !sub.items.is_empty() {
                    keys[at].1.push(sub);
                }
            }
            Selection::FragmentSpread(spread) => {
                if let Some(fragment) = fragments.get(&spread.node.fragment_name.node) {
                    collect(
                        &fragment.node.selection_set.node,
                        fragments,
                        keys,
                        index,
                        nesting + 1,
                    );
                }
            }
            Selection::InlineFragment(inline) => collect(
                &inline.node.selection_set.node,
                fragments,
                keys,
                index,
                nesting + 1,
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ordered(query: &str, data: serde_json::Value) -> String {
        let document = async_graphql::parser::parse_query(query).unwrap();
        let (_, operation) = document.operations.iter().next().unwrap();
        let mut response = Response::new(Value::from_json(data).unwrap());
        order_response(&document, &operation.node, &mut response);
        serde_json::to_string(&response.data).unwrap()
    }

    #[test]
    fn orders_root_alias_fragment_and_nested_keys_as_selected() {
        let query =
            "query { b: x { z y } ...F a: x { w } } fragment F on Query { c { ... on T { q p } } }";
        let data = serde_json::json!({
            "c": { "p": 1, "q": 2 },
            "a": { "w": 3 },
            "b": { "y": 4, "z": 5 },
        });
        assert_eq!(
            ordered(query, data),
            r#"{"b":{"z":5,"y":4},"c":{"q":2,"p":1},"a":{"w":3}}"#
        );
    }

    #[test]
    fn orders_every_element_of_a_list() {
        let query = "{ items { b a } }";
        let data = serde_json::json!({ "items": [{ "a": 1, "b": 2 }, { "a": 3, "b": 4 }] });
        assert_eq!(
            ordered(query, data),
            r#"{"items":[{"b":2,"a":1},{"b":4,"a":3}]}"#
        );
    }
}
