//! Creates `vendor_user` (one row per vendor user of a profile: email, when their add-ons
//! were last checked) and rebuilds `activity_event` compactly around it: keyed by
//! (vendor user, kind code, epoch milliseconds), clustered on that key (SQLite `WITHOUT
//! ROWID`), with no separate index. The first layout repeated the user id, email and
//! timestamps as text in every row and two indexes; ingesting 1M events rewrote both
//! indexes on every flush. Stored events are carried over.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;
use sea_orm_migration::sea_orm::DbBackend;

/// Creates `vendor_user`, moves the events into the new `activity_event`.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = manager.get_database_backend();
        manager
            .create_table(
                Table::create()
                    .table(VendorUser::Table)
                    .if_not_exists()
                    .col(big_pk_auto(VendorUser::Id))
                    .col(big_integer(VendorUser::ProfileId))
                    .col(string(VendorUser::ExternalUserId))
                    .col(string_null(VendorUser::UserPrincipalName))
                    .col(timestamp_with_time_zone_null(VendorUser::AddonsCheckedAt))
                    .col(string_null(VendorUser::KnownAddons))
                    .col(timestamp_with_time_zone(VendorUser::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_vendor_user_profile_id")
                            .from(VendorUser::Table, VendorUser::ProfileId)
                            .to(IntegrationProfile::Table, IntegrationProfile::Id)
                            .on_delete(ForeignKeyAction::Cascade)
                            .on_update(ForeignKeyAction::NoAction),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_vendor_user_profile_external_user")
                    .table(VendorUser::Table)
                    .col(VendorUser::ProfileId)
                    .col(VendorUser::ExternalUserId)
                    .unique()
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;

        let mut events = Table::create();
        events
            .table(NewEvent::Table)
            .if_not_exists()
            .col(big_integer(NewEvent::VendorUserId))
            .col(small_integer(NewEvent::Kind))
            .col(big_integer(NewEvent::OccurredAtMs))
            .col(string(NewEvent::Source))
            .col(string_null(NewEvent::ExternalRef))
            .primary_key(
                Index::create()
                    .col(NewEvent::VendorUserId)
                    .col(NewEvent::Kind)
                    .col(NewEvent::OccurredAtMs),
            )
            .foreign_key(
                ForeignKey::create()
                    .name("fk_activity_event_vendor_user_id")
                    .from(NewEvent::Table, NewEvent::VendorUserId)
                    .to(VendorUser::Table, VendorUser::Id)
                    .on_delete(ForeignKeyAction::Cascade)
                    .on_update(ForeignKeyAction::NoAction),
            );
        if backend == DbBackend::Sqlite {
            events.extra("WITHOUT ROWID");
        }
        manager.create_table(events.to_owned()).await?;

        let db = manager.get_connection();
        // The users first (the newest email each), then their events; kinds as codes.
        db.execute_unprepared(
            "INSERT INTO vendor_user (profile_id, external_user_id, user_principal_name, created_at) \
             SELECT profile_id, external_user_id, MAX(user_principal_name), MIN(created_at) \
             FROM activity_event GROUP BY profile_id, external_user_id",
        )
        .await?;
        let millis = match backend {
            DbBackend::Postgres => "CAST(EXTRACT(EPOCH FROM e.occurred_at) * 1000 AS BIGINT)",
            _ => "CAST(ROUND((julianday(e.occurred_at) - 2440587.5) * 86400000.0) AS INTEGER)",
        };
        db.execute_unprepared(&format!(
            "INSERT INTO activity_event_v2 (vendor_user_id, kind, occurred_at_ms, source, external_ref) \
             SELECT u.id, CASE e.kind WHEN 'MEETING_HOSTED' THEN 1 WHEN 'WEBINAR_HOSTED' THEN 2 \
             WHEN 'CALL_MADE' THEN 3 ELSE 4 END, {millis}, e.source, e.external_ref \
             FROM activity_event e JOIN vendor_user u \
             ON u.profile_id = e.profile_id AND u.external_user_id = e.external_user_id \
             ON CONFLICT DO NOTHING"
        ))
        .await?;
        manager
            .drop_table(Table::drop().table(OldEvent::Table).to_owned())
            .await?;
        manager
            .rename_table(
                Table::rename()
                    .table(NewEvent::Table, OldEvent::Table)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = manager.get_database_backend();
        manager
            .create_table(
                Table::create()
                    .table(V1Event::Table)
                    .col(big_pk_auto(V1Event::Id))
                    .col(big_integer(V1Event::ProfileId))
                    .col(string(V1Event::ExternalUserId))
                    .col(string_null(V1Event::UserPrincipalName))
                    .col(string_len(V1Event::Kind, 32))
                    .col(timestamp_with_time_zone(V1Event::OccurredAt))
                    .col(string(V1Event::Source))
                    .col(string_null(V1Event::ExternalRef))
                    .col(timestamp_with_time_zone(V1Event::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_activity_event_profile_id")
                            .from(V1Event::Table, V1Event::ProfileId)
                            .to(IntegrationProfile::Table, IntegrationProfile::Id)
                            .on_delete(ForeignKeyAction::Cascade)
                            .on_update(ForeignKeyAction::NoAction),
                    )
                    .to_owned(),
            )
            .await?;
        let at = match backend {
            DbBackend::Postgres => "to_timestamp(e.occurred_at_ms / 1000.0)",
            _ => "strftime('%Y-%m-%d %H:%M:%f+00:00', e.occurred_at_ms / 1000.0, 'unixepoch')",
        };
        manager
            .get_connection()
            .execute_unprepared(&format!(
                "INSERT INTO activity_event_v1 (profile_id, external_user_id, user_principal_name, \
                 kind, occurred_at, source, external_ref, created_at) \
                 SELECT u.profile_id, u.external_user_id, u.user_principal_name, \
                 CASE e.kind WHEN 1 THEN 'MEETING_HOSTED' WHEN 2 THEN 'WEBINAR_HOSTED' \
                 WHEN 3 THEN 'CALL_MADE' ELSE 'LOGIN' END, {at}, e.source, e.external_ref, \
                 u.created_at FROM activity_event e JOIN vendor_user u ON u.id = e.vendor_user_id"
            ))
            .await?;
        manager
            .drop_table(Table::drop().table(OldEvent::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(VendorUser::Table).to_owned())
            .await?;
        manager
            .rename_table(
                Table::rename()
                    .table(V1Event::Table, OldEvent::Table)
                    .to_owned(),
            )
            .await?;
        for (name, unique, cols) in [
            (
                "ux_activity_event_profile_user_kind_occurred_at",
                true,
                &[
                    V1Event::ProfileId,
                    V1Event::ExternalUserId,
                    V1Event::Kind,
                    V1Event::OccurredAt,
                ][..],
            ),
            (
                "idx_activity_event_profile_id_occurred_at",
                false,
                &[V1Event::ProfileId, V1Event::OccurredAt][..],
            ),
        ] {
            let mut index = Index::create();
            index.name(name).table(OldEvent::Table);
            for col in cols {
                index.col(*col);
            }
            if unique {
                index.unique();
            }
            manager.create_index(index.to_owned()).await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum VendorUser {
    Table,
    Id,
    ProfileId,
    ExternalUserId,
    UserPrincipalName,
    AddonsCheckedAt,
    KnownAddons,
    CreatedAt,
}

#[derive(DeriveIden)]
enum OldEvent {
    #[sea_orm(iden = "activity_event")]
    Table,
}

#[derive(DeriveIden, Clone, Copy)]
enum V1Event {
    #[sea_orm(iden = "activity_event_v1")]
    Table,
    Id,
    ProfileId,
    ExternalUserId,
    UserPrincipalName,
    Kind,
    OccurredAt,
    Source,
    ExternalRef,
    CreatedAt,
}

#[derive(DeriveIden)]
enum NewEvent {
    #[sea_orm(iden = "activity_event_v2")]
    Table,
    VendorUserId,
    Kind,
    OccurredAtMs,
    Source,
    ExternalRef,
}

#[derive(DeriveIden)]
enum IntegrationProfile {
    Table,
    Id,
}
