//! Resolving a relation through the request's batched loader.

use async_graphql::Context;
use async_graphql::dataloader::DataLoader;

use crate::domain::lookup::ByIdLoader;
use crate::error::AppError;

/// The row of `E` with this id, batched with every other lookup of `E` in the request.
pub async fn load<E>(ctx: &Context<'_>, id: i64) -> async_graphql::Result<Option<E::Model>>
where
    E: sea_orm::EntityTrait,
    E::Model: Clone + Send + Sync + 'static,
{
    // A relation without a registered loader is a bug to report, not a panic.
    let loader = ctx.data::<DataLoader<ByIdLoader<E>>>().map_err(|_| {
        AppError::internal(format_args!("no loader for {}", std::any::type_name::<E>()))
    })?;
    loader
        .load_one(id)
        .await
        .map_err(|()| AppError::internal("batched lookup failed").into())
}
