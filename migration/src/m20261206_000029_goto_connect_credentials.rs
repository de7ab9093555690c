//! A connection alias may carry a second OAuth client for GoTo Connect's call history (a
//! GoTo client is granted scopes per client, and an admin app often lacks `cr.v1.read`),
//! and a pending authorization says which of the alias's clients it is for.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

/// See the module documentation.
#[derive(DeriveMigrationName)]
pub struct Migration;

fn alter(table: &str, column: ColumnDef) -> TableAlterStatement {
    Table::alter()
        .table(Alias::new(table))
        .add_column(column)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for statement in [
            alter(
                "connection_alias",
                string_null(Alias::new("connect_client_id")),
            ),
            alter(
                "connection_alias",
                blob_null(Alias::new("connect_client_secret_enc")),
            ),
            alter(
                "connection_alias",
                blob_null(Alias::new("connect_access_token_enc")),
            ),
            alter(
                "connection_alias",
                blob_null(Alias::new("connect_refresh_token_enc")),
            ),
            alter(
                "connection_alias",
                timestamp_with_time_zone_null(Alias::new("connect_token_expires_at")),
            ),
            alter(
                "oauth_state",
                string_len(Alias::new("credentials"), 32)
                    .default("PRIMARY")
                    .to_owned(),
            ),
        ] {
            manager.alter_table(statement).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (table, column) in [
            ("oauth_state", "credentials"),
            ("connection_alias", "connect_token_expires_at"),
            ("connection_alias", "connect_refresh_token_enc"),
            ("connection_alias", "connect_access_token_enc"),
            ("connection_alias", "connect_client_secret_enc"),
            ("connection_alias", "connect_client_id"),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Alias::new(table))
                        .drop_column(Alias::new(column))
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
