//! Argument values a resolver could not take name their argument in `extensions.field`.
//!
//! async-graphql reports an argument it cannot convert ("Failed to parse \"Int\": Only
//! integers from -2147483648 to 2147483647 are accepted.") at the field's location, without
//! saying which argument. [`name_arguments`] finds the field in the document and names the
//! argument: for an `Int`, the one whose value (literal or variable) does not fit 32 bits;
//! otherwise the field's only argument. It also gives such errors their `BAD_USER_INPUT`
//! code.

use async_graphql::parser::types::{ExecutableDocument, Field, Selection, SelectionSet};
use async_graphql::{ErrorExtensionValues, Pos, Positioned, ServerError, Value, Variables};

/// Names the argument of every conversion error in `errors` that does not name one.
pub fn name_arguments(
    document: &ExecutableDocument,
    variables: &Variables,
    errors: &mut [ServerError],
) {
    for error in errors {
        let Some(type_name) = failed_type(&error.message) else {
            continue;
        };
        let ext = error
            .extensions
            .get_or_insert_with(ErrorExtensionValues::default);
        if ext.get("field").is_some() {
            continue;
        }
        if ext.get("code").is_none() {
            ext.set("code", "BAD_USER_INPUT");
        }
        let argument = error
            .locations
            .first()
            .and_then(|pos| field_at(document, *pos))
            .and_then(|field| offending_argument(field, type_name, variables));
        if let Some(argument) = argument {
            ext.set("field", argument);
        }
    }
}

/// The type in `Failed to parse "<Type>": …`.
fn failed_type(message: &str) -> Option<&str> {
    message
        .strip_prefix("Failed to parse \"")?
        .split_once('"')
        .map(|(ty, _)| ty)
}

fn offending_argument(field: &Field, type_name: &str, variables: &Variables) -> Option<String> {
    if type_name == "Int" {
        let out_of_range = field.arguments.iter().find(|(_, value)| {
            let value = value
                .node
                .clone()
                .into_const_with(|name| variables.get(&name).cloned().ok_or(()));
            matches!(value, Ok(Value::Number(n))
                if n.as_i64().is_none_or(|n| i32::try_from(n).is_err()))
        });
        if let Some((name, _)) = out_of_range {
            return Some(name.node.to_string());
        }
    }
    match field.arguments.as_slice() {
        [(name, _)] => Some(name.node.to_string()),
        _ => None,
    }
}

/// The field selected at `pos`, in any operation or fragment.
fn field_at(document: &ExecutableDocument, pos: Pos) -> Option<&Field> {
    let operations = document
        .operations
        .iter()
        .map(|(_, op)| &op.node.selection_set);
    let fragments = document.fragments.values().map(|f| &f.node.selection_set);
    operations
        .chain(fragments)
        .find_map(|set| field_in(set, pos))
}

fn field_in(set: &Positioned<SelectionSet>, pos: Pos) -> Option<&Field> {
    set.node
        .items
        .iter()
        .find_map(|selection| match &selection.node {
            Selection::Field(field) if field.pos == pos => Some(&field.node),
            Selection::Field(field) => field_in(&field.node.selection_set, pos),
            Selection::InlineFragment(inline) => field_in(&inline.node.selection_set, pos),
            Selection::FragmentSpread(_) => None,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn named(query: &str, variables: serde_json::Value, message: &str, pos: Pos) -> Option<String> {
        let document = async_graphql::parser::parse_query(query).unwrap();
        let variables = Variables::from_json(variables);
        let mut errors = vec![ServerError::new(message, Some(pos))];
        name_arguments(&document, &variables, &mut errors);
        let ext = serde_json::to_value(&errors[0].extensions).unwrap();
        assert_eq!(ext["code"], "BAD_USER_INPUT");
        ext["field"].as_str().map(str::to_owned)
    }

    const INT: &str =
        "Failed to parse \"Int\": Only integers from -2147483648 to 2147483647 are accepted.";

    #[test]
    fn names_the_int_that_does_not_fit() {
        let query = "{ a { list(after: \"x\", first: 99999999999) { id } } }";
        assert_eq!(
            named(
                query,
                serde_json::json!({}),
                INT,
                Pos { line: 1, column: 7 }
            ),
            Some("first".into())
        );
        let query = "query($n: Int) { list(last: 3, first: $n) { id } }";
        let pos2 = Pos {
            line: 1,
            column: 18,
        };
        assert_eq!(
            named(query, serde_json::json!({ "n": 1e12 }), INT, pos2),
            Some("first".into())
        );
    }

    #[test]
    fn names_a_lone_argument_of_another_type() {
        let query = "{ day(on: \"2026-13-01\") }";
        let message = "Failed to parse \"Date\": not a date";
        assert_eq!(
            named(
                query,
                serde_json::json!({}),
                message,
                Pos { line: 1, column: 3 }
            ),
            Some("on".into())
        );
    }
}
