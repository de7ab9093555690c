//! Part 3 of the reclamation bench: 10,000 candidates told through a real SMTP server and
//! the signed webhook, in one `DELIVER_NOTICES` run.

use super::*;

#[path = "../../tests/support/receivers.rs"]
mod receivers;

/// `NOTICES` candidates waiting for their holder, with one pending notice per channel, as
/// a notify rule's evaluation writes them.
async fn waiting_for_holders(db: &sea_orm::DatabaseConnection, profile: i64) {
    use entity::enums::{NoticeChannel, NoticeState};
    use entity::notice;
    use sea_orm::Set;
    let now = Utc::now();
    let rows: Vec<removal_candidate::ActiveModel> = (0..NOTICES)
        .map(|i| removal_candidate::ActiveModel {
            profile_id: Set(Some(profile)),
            user_principal_name: Set(format!("holder{i}@bench.example.com")),
            state: Set(CandidateState::AwaitingUser),
            threshold_days: Set(THRESHOLD_DAYS),
            evidence: Set(json!({})),
            potential_savings_minor: Set(1_500),
            currency: Set("USD".into()),
            opened_at: Set(now),
            updated_at: Set(now),
            idle_since: Set(now - chrono::Duration::days(90)),
            ..Default::default()
        })
        .collect();
    for chunk in rows.chunks(1_000) {
        removal_candidate::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(db)
            .await
            .unwrap();
    }
    let ids: Vec<i64> = removal_candidate::Entity::find()
        .select_only()
        .column(removal_candidate::Column::Id)
        .filter(removal_candidate::Column::State.eq(CandidateState::AwaitingUser))
        .filter(removal_candidate::Column::ProfileId.eq(profile))
        .into_tuple()
        .all(db)
        .await
        .unwrap();
    assert_eq!(ids.len(), NOTICES);
    let notices: Vec<notice::ActiveModel> = ids
        .iter()
        .flat_map(|&id| {
            [NoticeChannel::Email, NoticeChannel::Webhook].map(|channel| notice::ActiveModel {
                candidate_id: Set(id),
                profile_id: Set(Some(profile)),
                channel: Set(channel),
                state: Set(NoticeState::Pending),
                attempts: Set(0),
                next_attempt_at: Set(now),
                delivery_id: Set(uuid::Uuid::new_v4().to_string()),
                created_at: Set(now),
                ..Default::default()
            })
        })
        .collect();
    for chunk in notices.chunks(1_000) {
        notice::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(db)
            .await
            .unwrap();
    }
}

pub(super) async fn notify(postgres: bool, db_name: &str) {
    let sim = Simulator::start(
        SimConfig::new(SimVendor::Aha)
            .users(40)
            .seed(SEED)
            .rate_limit(RateLimitMode::Off),
    )
    .await
    .unwrap();
    let smtp = receivers::SmtpSink::start().await;
    let hook = receivers::Webhook::start().await;
    let db = FreshDb::create(postgres, "notify").await;
    let port = smtp.port.to_string();
    let (state, endpoint) = start_app(
        &db,
        "all",
        &[
            ("SEATKEEPER_VENDOR_RATE_LIMIT", "off"),
            ("SEATKEEPER_SMTP_HOST", "127.0.0.1"),
            ("SEATKEEPER_SMTP_PORT", &port),
            ("SEATKEEPER_SMTP_TLS", "none"),
            ("SEATKEEPER_SMTP_FROM", "licences@bench.example.com"),
            ("SEATKEEPER_NOTICE_WEBHOOK_URL", &hook.url),
            ("SEATKEEPER_NOTICE_WEBHOOK_SECRET", WEBHOOK_SECRET),
        ],
    )
    .await;
    let (profile, first) = publish_profile(&endpoint, &sim).await;
    let download = wait_final(&state, first).await;
    assert_eq!(download.state, JobState::Succeeded, "{:?}", download.error);
    // Its evaluation would close candidates without a seat: seed after it.
    first_pull(&state, &endpoint, profile).await;
    waiting_for_holders(&state.db, profile).await;

    let started = Instant::now();
    let run = seatkeeper::jobs::enqueue(&state, None, Some(profile), JobKind::DeliverNotices, None)
        .await
        .unwrap();
    let run = wait_final(&state, run.id).await;
    let elapsed = started.elapsed();
    assert_eq!(run.state, JobState::Succeeded, "{:?}", run.error);

    let mails = smtp.messages();
    let holders: BTreeSet<&str> = mails.iter().map(|m| m["to"][0].as_str().unwrap()).collect();
    assert_eq!(mails.len(), NOTICES, "one email per candidate");
    assert_eq!(holders.len(), NOTICES, "each holder once");
    let hooked = hook.requests();
    let deliveries: BTreeSet<&str> = hooked.iter().map(|h| h.delivery.as_str()).collect();
    assert_eq!(hooked.len(), NOTICES, "one webhook call per candidate");
    assert_eq!(deliveries.len(), NOTICES, "each delivery once");
    let told = removal_candidate::Entity::find()
        .filter(removal_candidate::Column::ProfileId.eq(profile))
        .filter(removal_candidate::Column::NotifiedAt.is_not_null())
        .count(&state.db)
        .await
        .unwrap();
    assert_eq!(told as usize, NOTICES);
    let secs = elapsed.as_secs_f64();
    println!(
        "notify {db_name}: {NOTICES} candidates, {} notices (email via aiosmtpd + webhook) in {}: {:.0} notices/s ({:.0} candidates/s); each arrived once",
        2 * NOTICES,
        ms(elapsed),
        (2 * NOTICES) as f64 / secs,
        NOTICES as f64 / secs
    );
    drop(state);
    db.drop().await;
    sim.stop().await;
}
