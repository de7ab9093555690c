//! The licence summary's last-activity buckets, summed when the seats change rather than on
//! every read. `activity_rollup` keeps seats by day, because which bucket a day falls in
//! moves with the calendar; summing its ~92 rows per model into buckets cost each summary
//! request more CPU than the rest of the request. `activity_bucket` holds those sums per
//! profile and software model as of the day they were made (`as_of`, 'YYYY-MM-DD', UTC): a
//! summary on that day reads them as they are, and sums the day rows only for a profile
//! whose buckets are from an earlier day. A profile with no seats has one row of zeros, so
//! that its buckets too are known to be current.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

/// See the module documentation.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ActivityBucket::Table)
                    .col(big_pk_auto(ActivityBucket::Id))
                    .col(big_integer(ActivityBucket::ProfileId))
                    .col(big_integer_null(ActivityBucket::SoftwareModelId))
                    .col(string_len(ActivityBucket::AsOf, 10))
                    .col(big_integer(ActivityBucket::Days0To30))
                    .col(big_integer(ActivityBucket::Days30To60))
                    .col(big_integer(ActivityBucket::Days60To90))
                    .col(big_integer(ActivityBucket::Days90Plus))
                    .col(big_integer(ActivityBucket::Never))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_activity_bucket_profile_id")
                            .from(ActivityBucket::Table, ActivityBucket::ProfileId)
                            .to(Alias::new("integration_profile"), Alias::new("id"))
                            .on_delete(ForeignKeyAction::Cascade)
                            .on_update(ForeignKeyAction::NoAction),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_activity_bucket_profile")
                    .table(ActivityBucket::Table)
                    .col(ActivityBucket::ProfileId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ActivityBucket::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum ActivityBucket {
    Table,
    Id,
    ProfileId,
    SoftwareModelId,
    AsOf,
    #[sea_orm(iden = "days_0_30")]
    Days0To30,
    #[sea_orm(iden = "days_30_60")]
    Days30To60,
    #[sea_orm(iden = "days_60_90")]
    Days60To90,
    #[sea_orm(iden = "days_90_plus")]
    Days90Plus,
    Never,
}
