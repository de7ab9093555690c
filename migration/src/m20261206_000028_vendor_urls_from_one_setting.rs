//! Every URL of a vendor derives from one setting: a named cloud (`cloud`, e.g. ZoomGov) or
//! one root (`base_url`, the same meaning for every vendor: a host, never an API path). The
//! separate token, authorize and redirect URLs go: the OAuth URLs follow the cloud or root,
//! and the redirect is always this server's own `/oauth/callback`.
//!
//! Existing rows move over: a Zoom base URL loses its `/v2`; one on `api.zoomgov.com` becomes
//! the `ZOOM_GOV` cloud and one on `api.zoom.us` the default.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

/// See the module documentation.
#[derive(DeriveMigrationName)]
pub struct Migration;

const TABLE: &str = "connection_alias";
const DROPPED: [&str; 3] = ["token_url", "authorize_url", "redirect_url"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Alias::new(TABLE))
                    .add_column(string_len_null(Alias::new("cloud"), 32))
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        for sql in [
            "UPDATE connection_alias SET base_url = rtrim(base_url, '/') WHERE base_url IS NOT NULL",
            "UPDATE connection_alias SET base_url = substr(base_url, 1, length(base_url) - 3) \
             WHERE vendor = 'ZOOM' AND base_url LIKE '%/v2'",
            "UPDATE connection_alias SET cloud = 'ZOOM_GOV', base_url = NULL \
             WHERE vendor = 'ZOOM' AND base_url = 'https://api.zoomgov.com'",
            "UPDATE connection_alias SET base_url = NULL \
             WHERE (vendor = 'ZOOM' AND base_url = 'https://api.zoom.us') \
             OR (vendor = 'GOTO' AND base_url = 'https://api.getgo.com')",
        ] {
            db.execute_unprepared(sql).await?;
        }
        for column in DROPPED {
            manager
                .alter_table(
                    Table::alter()
                        .table(Alias::new(TABLE))
                        .drop_column(Alias::new(column))
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in DROPPED {
            manager
                .alter_table(
                    Table::alter()
                        .table(Alias::new(TABLE))
                        .add_column(string_null(Alias::new(column)))
                        .to_owned(),
                )
                .await?;
        }
        let db = manager.get_connection();
        for sql in [
            "UPDATE connection_alias SET base_url = base_url || '/v2' \
             WHERE vendor = 'ZOOM' AND base_url IS NOT NULL",
            "UPDATE connection_alias SET base_url = 'https://api.zoomgov.com/v2', \
             token_url = 'https://zoomgov.com/oauth/token', \
             authorize_url = 'https://zoomgov.com/oauth/authorize' WHERE cloud = 'ZOOM_GOV'",
        ] {
            db.execute_unprepared(sql).await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Alias::new(TABLE))
                    .drop_column(Alias::new("cloud"))
                    .to_owned(),
            )
            .await
    }
}
