//! Creates `oauth_state`: pending OAuth authorization-code flows (state and PKCE verifier)
//! until the vendor redirects back, so any replica can take the callback.

use sea_orm_migration::{prelude::*, schema::*};

/// Creates the `oauth_state` table.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(OauthState::Table)
                    .if_not_exists()
                    .col(big_pk_auto(OauthState::Id))
                    .col(big_integer(OauthState::AliasId))
                    .col(string(OauthState::StateHash))
                    .col(blob(OauthState::PkceVerifierEnc))
                    .col(timestamp_with_time_zone(OauthState::CreatedAt))
                    .col(timestamp_with_time_zone(OauthState::ExpiresAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_oauth_state_alias_id")
                            .from(OauthState::Table, OauthState::AliasId)
                            .to(ConnectionAlias::Table, ConnectionAlias::Id)
                            .on_delete(ForeignKeyAction::Cascade)
                            .on_update(ForeignKeyAction::NoAction),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_oauth_state_state_hash")
                    .table(OauthState::Table)
                    .col(OauthState::StateHash)
                    .unique()
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_oauth_state_alias_id")
                    .table(OauthState::Table)
                    .col(OauthState::AliasId)
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(OauthState::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum OauthState {
    Table,
    Id,
    AliasId,
    StateHash,
    PkceVerifierEnc,
    CreatedAt,
    ExpiresAt,
}

#[derive(DeriveIden)]
enum ConnectionAlias {
    Table,
    Id,
}
