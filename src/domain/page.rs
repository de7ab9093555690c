//! Keyset pagination by id for every list: no OFFSET, so page 2,000 costs what page 1 does.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Select,
};

use crate::error::{AppError, Result};

/// Page size when the client gives neither `first` nor `last`.
pub const DEFAULT_PAGE_SIZE: usize = 50;

/// Relay-style arguments, with cursors already decoded to ids.
#[derive(Debug, Clone, Default)]
pub struct PageRequest {
    pub after: Option<i64>,
    pub before: Option<i64>,
    pub first: Option<usize>,
    pub last: Option<usize>,
}

impl PageRequest {
    /// Checks the sizes against the configured cap.
    pub fn validate(&self, max: usize) -> Result<()> {
        if self.first.is_some() && self.last.is_some() {
            return Err(AppError::bad_input(
                "first",
                "give `first` or `last`, not both",
            ));
        }
        for (field, size) in [("first", self.first), ("last", self.last)] {
            if size.is_some_and(|n| n > max) {
                return Err(AppError::bad_input(
                    field,
                    format!("page size is capped at {max}"),
                ));
            }
        }
        Ok(())
    }
}

type CountFuture = Pin<Box<dyn Future<Output = Result<u64>> + Send>>;

/// The number of rows matching a list's filter, counted only if the client asks for it.
#[derive(Clone)]
pub struct LazyCount(Arc<dyn Fn() -> CountFuture + Send + Sync>);

impl LazyCount {
    pub async fn get(&self) -> Result<u64> {
        (self.0)().await
    }
}

/// One page of rows.
pub struct Page<T> {
    pub items: Vec<T>,
    pub has_next: bool,
    pub has_previous: bool,
    pub total: LazyCount,
}

impl<T> Page<T> {
    /// The same page with its rows converted.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            has_next: self.has_next,
            has_previous: self.has_previous,
            total: self.total,
        }
    }
}

/// A count already known.
pub fn known_count(total: u64) -> LazyCount {
    LazyCount(Arc::new(move || Box::pin(async move { Ok(total) })))
}

/// Counts `select`'s rows when asked.
pub fn lazy_count<E>(db: &DatabaseConnection, select: Select<E>) -> LazyCount
where
    E: EntityTrait,
    E::Model: Sync,
{
    let db = db.clone();
    LazyCount(Arc::new(move || {
        let db = db.clone();
        let select = select.clone();
        Box::pin(async move { Ok(select.count(&db).await?) })
    }))
}

/// Runs `select` as a keyset page ordered by `id`.
pub async fn keyset<E>(
    db: &DatabaseConnection,
    select: Select<E>,
    id: E::Column,
    req: &PageRequest,
) -> Result<Page<E::Model>>
where
    E: EntityTrait,
    E::Model: Sync,
{
    let counter = {
        let db = db.clone();
        let select = select.clone();
        LazyCount(Arc::new(move || {
            let db = db.clone();
            let select = select.clone();
            Box::pin(async move { Ok(select.count(&db).await?) })
        }))
    };
    let mut query = select;
    if let Some(after) = req.after {
        query = query.filter(id.gt(after));
    }
    if let Some(before) = req.before {
        query = query.filter(id.lt(before));
    }
    let backwards = req.last.is_some();
    let size = req.last.or(req.first).unwrap_or(DEFAULT_PAGE_SIZE);
    let mut rows = if backwards {
        query.order_by_desc(id)
    } else {
        query.order_by_asc(id)
    }
    .limit(size as u64 + 1)
    .all(db)
    .await?;
    let more = rows.len() > size;
    rows.truncate(size);
    if backwards {
        rows.reverse();
    }
    Ok(Page {
        items: rows,
        // Past a cursor there is at least the row the cursor names, so the other side is
        // reported from the cursor alone instead of a second query.
        has_next: if backwards {
            req.before.is_some()
        } else {
            more
        },
        has_previous: if backwards { more } else { req.after.is_some() },
        total: counter,
    })
}

/// Rows of `E` with this id exist (used by `node` and by mutations for a clean NOT_FOUND).
pub async fn find<E>(db: &impl ConnectionTrait, id: i64, what: &str) -> Result<E::Model>
where
    E: EntityTrait,
    <E::PrimaryKey as sea_orm::PrimaryKeyTrait>::ValueType: From<i64>,
{
    E::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found(what))
}
