//! Relay conventions: opaque global ids for `node`, opaque cursors, and connections built
//! from domain pages with a lazily counted `totalCount`.

use async_graphql::connection::{Connection, CursorType, Edge};
use async_graphql::{ID, Object, OutputType};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;

use crate::domain::page::{LazyCount, Page, PageRequest};
use crate::error::AppError;

/// A keyset cursor: the id of the row, opaque to clients.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor(pub i64);

/// A cursor this API did not issue.
#[derive(Debug, thiserror::Error)]
#[error("not a cursor this API issued")]
pub struct InvalidCursor;

impl CursorType for Cursor {
    type Error = InvalidCursor;

    fn decode_cursor(s: &str) -> Result<Self, Self::Error> {
        let bad = || InvalidCursor;
        let bytes = B64.decode(s).map_err(|_| bad())?;
        let text = String::from_utf8(bytes).map_err(|_| bad())?;
        let id = text.strip_prefix("k:").ok_or_else(bad)?;
        id.parse().map(Cursor).map_err(|_| bad())
    }

    fn encode_cursor(&self) -> String {
        B64.encode(format!("k:{}", self.0))
    }
}

/// Connection-level fields beside `edges` and `pageInfo`.
pub struct ConnectionFields {
    total: LazyCount,
}

#[Object]
impl ConnectionFields {
    /// How many items match the filter, across all pages.
    #[graphql(complexity = "crate::graphql::limits::COUNT_WEIGHT")]
    async fn total_count(&self) -> async_graphql::Result<u64> {
        Ok(self.total.get().await?)
    }
}

/// The connection type every list returns.
pub type Conn<T> = Connection<Cursor, T, ConnectionFields>;

/// The Relay arguments every list field takes.
pub struct PageArgs {
    pub after: Option<String>,
    pub before: Option<String>,
    pub first: Option<i32>,
    pub last: Option<i32>,
}

impl PageArgs {
    /// A list resolver's four Relay arguments, as they came.
    pub fn new(
        after: Option<String>,
        before: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
    ) -> Self {
        PageArgs {
            after,
            before,
            first,
            last,
        }
    }

    /// Decodes cursors and checks sizes; every mistake is `BAD_USER_INPUT` naming the argument.
    pub fn into_request(self, max: usize) -> Result<PageRequest, AppError> {
        let decode = |field: &str, raw: Option<String>| -> Result<Option<i64>, AppError> {
            raw.map(|s| {
                Cursor::decode_cursor(&s)
                    .map(|c| c.0)
                    .map_err(|_| AppError::bad_input(field, "not a cursor this API issued"))
            })
            .transpose()
        };
        let size = |field: &str, n: Option<i32>| -> Result<Option<usize>, AppError> {
            match n {
                Some(n) if n < 0 => Err(AppError::bad_input(field, "must not be negative")),
                other => Ok(other.map(|n| n as usize)),
            }
        };
        let req = PageRequest {
            after: decode("after", self.after)?,
            before: decode("before", self.before)?,
            first: size("first", self.first)?,
            last: size("last", self.last)?,
        };
        req.validate(max)?;
        Ok(req)
    }
}

/// "a" or "an", by how `word` sounds (its first letter is a vowel).
fn article(word: &str) -> &'static str {
    match word.chars().next().map(|c| c.to_ascii_lowercase()) {
        Some('a' | 'e' | 'i' | 'o' | 'u') => "an",
        _ => "a",
    }
}

/// Turns a domain page into a connection; `id` gives each item's keyset id.
pub fn connection<M, T>(page: Page<M>, id: impl Fn(&M) -> i64, to_node: impl Fn(M) -> T) -> Conn<T>
where
    T: OutputType,
{
    let mut conn = Connection::with_additional_fields(
        page.has_previous,
        page.has_next,
        ConnectionFields { total: page.total },
    );
    conn.edges.extend(
        page.items
            .into_iter()
            .map(|m| Edge::new(Cursor(id(&m)), to_node(m))),
    );
    conn
}

/// A global id: `base64url("<Type>:<id>")`.
pub fn global_id(type_name: &str, id: i64) -> ID {
    ID(B64.encode(format!("{type_name}:{id}")))
}

/// Splits a global id into its type name and row id.
pub fn parse_global_id(id: &ID) -> Result<(String, i64), AppError> {
    let bad = || AppError::bad_input("id", "not an id this API issued");
    let text = String::from_utf8(B64.decode(id.as_str()).map_err(|_| bad())?).map_err(|_| bad())?;
    let (kind, raw) = text.split_once(':').ok_or_else(bad)?;
    Ok((kind.to_owned(), raw.parse().map_err(|_| bad())?))
}

/// The row id of a global id that must name a `expected` object.
pub fn expect_id(id: &ID, expected: &str, field: &str) -> Result<i64, AppError> {
    match parse_global_id(id) {
        Ok((kind, raw)) if kind == expected => Ok(raw),
        _ => Err(AppError::bad_input(
            field,
            format!("not the id of {} {expected}", article(expected)),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn global_ids_round_trip_and_check_their_type() {
        let id = global_id("IntegrationProfile", 42);
        assert_eq!(
            parse_global_id(&id).unwrap(),
            ("IntegrationProfile".into(), 42)
        );
        assert_eq!(expect_id(&id, "IntegrationProfile", "id").unwrap(), 42);
        assert!(expect_id(&id, "Entitlement", "id").is_err());
        assert!(parse_global_id(&ID("garbage!".into())).is_err());
    }

    #[test]
    fn cursors_are_opaque_and_validated() {
        let c = Cursor(7).encode_cursor();
        assert!(!c.contains('7'));
        assert_eq!(Cursor::decode_cursor(&c).unwrap(), Cursor(7));
        assert!(Cursor::decode_cursor("nope").is_err());
    }

    #[test]
    fn page_size_above_the_cap_is_bad_input() {
        let args = PageArgs {
            after: None,
            before: None,
            first: Some(501),
            last: None,
        };
        let err = args.into_request(500).unwrap_err();
        assert_eq!(err.code(), "BAD_USER_INPUT");
    }
}
