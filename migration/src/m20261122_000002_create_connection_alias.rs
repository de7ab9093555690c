//! Creates `connection_alias`. Connection aliases: vendor endpoints and encrypted credentials; a child alias points at its parent.

use sea_orm_migration::{prelude::*, schema::*};

/// Creates the `connection_alias` table with its indexes and foreign keys.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ConnectionAlias::Table)
                    .if_not_exists()
                    .col(big_pk_auto(ConnectionAlias::Id))
                    .col(string(ConnectionAlias::Name))
                    .col(string_len(ConnectionAlias::Vendor, 32))
                    .col(big_integer_null(ConnectionAlias::ParentId))
                    .col(string_null(ConnectionAlias::BaseUrl))
                    .col(string_null(ConnectionAlias::TokenUrl))
                    .col(string_null(ConnectionAlias::AuthorizeUrl))
                    .col(string_null(ConnectionAlias::ClientId))
                    .col(blob_null(ConnectionAlias::ClientSecretEnc))
                    .col(string_null(ConnectionAlias::AccountId))
                    .col(string_null(ConnectionAlias::RedirectUrl))
                    .col(blob_null(ConnectionAlias::AccessTokenEnc))
                    .col(blob_null(ConnectionAlias::RefreshTokenEnc))
                    .col(timestamp_with_time_zone_null(
                        ConnectionAlias::TokenExpiresAt,
                    ))
                    .col(string_null(ConnectionAlias::Scopes))
                    .col(timestamp_with_time_zone(ConnectionAlias::CreatedAt))
                    .col(timestamp_with_time_zone(ConnectionAlias::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_connection_alias_parent_id")
                            .from(ConnectionAlias::Table, ConnectionAlias::ParentId)
                            .to(ConnectionAlias::Table, ConnectionAlias::Id)
                            .on_delete(ForeignKeyAction::Restrict)
                            .on_update(ForeignKeyAction::NoAction),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_connection_alias_name")
                    .table(ConnectionAlias::Table)
                    .col(ConnectionAlias::Name)
                    .unique()
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_connection_alias_parent_id")
                    .table(ConnectionAlias::Table)
                    .col(ConnectionAlias::ParentId)
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ConnectionAlias::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum ConnectionAlias {
    Table,
    Id,
    Name,
    Vendor,
    ParentId,
    BaseUrl,
    TokenUrl,
    AuthorizeUrl,
    ClientId,
    ClientSecretEnc,
    AccountId,
    RedirectUrl,
    AccessTokenEnc,
    RefreshTokenEnc,
    TokenExpiresAt,
    Scopes,
    CreatedAt,
    UpdatedAt,
}
