//! Batched lookups by id, for GraphQL relations (one query per relation per request, not
//! one per row).

use std::collections::HashMap;
use std::marker::PhantomData;

use async_graphql::dataloader::{DataLoader, Loader};
use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, Iterable, ModelTrait, PrimaryKeyToColumn,
    QueryFilter,
};

/// Loads rows of `E` by their `i64` primary key.
pub struct ByIdLoader<E> {
    db: DatabaseConnection,
    _entity: PhantomData<fn() -> E>,
}

impl<E> ByIdLoader<E> {
    pub fn new(db: DatabaseConnection) -> DataLoader<Self> {
        DataLoader::new(
            ByIdLoader {
                db,
                _entity: PhantomData,
            },
            tokio::spawn,
        )
    }
}

fn id_column<E: EntityTrait>() -> E::Column {
    E::PrimaryKey::iter()
        .next()
        .expect("every table has a primary key")
        .into_column()
}

impl<E> Loader<i64> for ByIdLoader<E>
where
    E: EntityTrait,
    E::Model: Clone + Send + Sync + 'static,
{
    type Value = E::Model;
    /// The cause is logged here; callers map any failure to a generic internal error.
    type Error = ();

    async fn load(&self, keys: &[i64]) -> Result<HashMap<i64, E::Model>, ()> {
        let column = id_column::<E>();
        let rows = E::find()
            .filter(column.is_in(keys.iter().copied()))
            .all(&self.db)
            .await
            .map_err(|err| tracing::error!(%err, "batched lookup failed"))?;
        Ok(rows
            .into_iter()
            .filter_map(|m| match m.get(column) {
                sea_orm::Value::BigInt(Some(id)) => Some((id, m)),
                _ => None,
            })
            .collect())
    }
}

/// Registers a loader for every table a GraphQL relation points at.
pub fn register_loaders<Q, M, S>(
    builder: async_graphql::SchemaBuilder<Q, M, S>,
    db: &DatabaseConnection,
) -> async_graphql::SchemaBuilder<Q, M, S> {
    builder
        .data(ByIdLoader::<entity::software_model::Entity>::new(
            db.clone(),
        ))
        .data(ByIdLoader::<entity::integration_profile::Entity>::new(
            db.clone(),
        ))
        .data(ByIdLoader::<entity::connection_alias::Entity>::new(
            db.clone(),
        ))
        .data(ByIdLoader::<entity::software_subscription::Entity>::new(
            db.clone(),
        ))
        .data(ByIdLoader::<entity::reclamation_rule::Entity>::new(
            db.clone(),
        ))
        .data(ByIdLoader::<entity::entitlement::Entity>::new(db.clone()))
}
