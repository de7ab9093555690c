//! Reading the caller and the shared state from a resolver's context, and the role guard.

use async_graphql::{Context, Guard};
use entity::enums::Role;

use crate::domain::tokens::Principal;
use crate::error::AppError;
use crate::state::AppState;

/// The shared state.
pub fn state<'a>(ctx: &Context<'a>) -> &'a AppState {
    ctx.data_unchecked::<AppState>()
}

/// The authenticated caller. The HTTP and WebSocket layers refuse requests without one,
/// so a missing principal can only mean an unauthenticated path slipped through.
pub fn principal<'a>(ctx: &Context<'a>) -> async_graphql::Result<&'a Principal> {
    ctx.data_opt::<Principal>()
        .ok_or_else(|| AppError::Unauthenticated.into())
}

/// `#[graphql(guard = "RoleGuard(Role::Admin)")]`: the caller must hold the role.
pub struct RoleGuard(pub Role);

impl Guard for RoleGuard {
    async fn check(&self, ctx: &Context<'_>) -> async_graphql::Result<()> {
        principal(ctx)?.require(self.0).map_err(Into::into)
    }
}
