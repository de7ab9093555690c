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

/// `#[graphql(guard = "AnyRoleGuard(&[Role::Integrator, Role::Admin])")]`: the caller must
/// hold one of the roles.
pub struct AnyRoleGuard(pub &'static [Role]);

impl Guard for AnyRoleGuard {
    async fn check(&self, ctx: &Context<'_>) -> async_graphql::Result<()> {
        let caller = principal(ctx)?;
        match self.0.iter().find(|role| caller.has(**role)) {
            Some(_) => Ok(()),
            None => {
                let names: Vec<&str> = self.0.iter().map(|r| r.as_str()).collect();
                Err(AppError::Forbidden(format!(
                    "this needs one of the roles {}",
                    names.join(", ")
                ))
                .into())
            }
        }
    }
}
