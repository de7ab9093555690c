//! Part 1 of the reclamation bench: the first and a second evaluation of a 100k-seat Zoom
//! profile with 1M events, a rule preview before them, and where the time goes.

use super::*;

/// Part 1: evaluation and preview over a 100k-subscription profile with 1M events.
pub(super) async fn evaluate(postgres: bool, db_name: &str) {
    let sim = Simulator::start(
        SimConfig::new(SimVendor::Zoom)
            .users(ZOOM_USERS)
            .seed(SEED)
            .rate_limit(RateLimitMode::Off),
    )
    .await
    .unwrap();
    let db = FreshDb::create(postgres, "evaluate").await;
    // No workers: the download runs here, so the queued first run stays queued.
    let extra = [
        ("SEATKEEPER_VENDOR_RATE_LIMIT", "off"),
        ("SEATKEEPER_ZOOM_ADDON_CHECKS", "false"),
    ];
    let (state, endpoint) = start_app(&db, "api", &extra).await;
    let (profile, _) = publish_profile(&endpoint, &sim).await;
    let started = Instant::now();
    sync::download_subscriptions(&state, profile, &NoProgress)
        .await
        .unwrap_or_else(|e| panic!("{}", e.message()));
    let download = started.elapsed();
    sim.stop().await;
    let subs = sub::Entity::find()
        .filter(sub::Column::ProfileId.eq(profile))
        .filter(sub::Column::ClosedAt.is_null())
        .count(&state.db)
        .await
        .unwrap() as usize;
    assert!(
        subs >= SUBSCRIPTIONS,
        "{subs} subscriptions: raise ZOOM_USERS"
    );
    let batches = events_for(&state.db, profile).await;
    let started = Instant::now();
    let ingested = sync::ingest_activity(&state.db, profile, batches)
        .await
        .unwrap_or_else(|e| panic!("{}", e.message()));
    assert_eq!(ingested.created as usize, EVENTS);
    println!(
        "setup     {db_name}  {ZOOM_USERS} Zoom users downloaded in {:.2} s ({subs} subs), {EVENTS} events ingested in {:.2} s",
        download.as_secs_f64(),
        started.elapsed().as_secs_f64()
    );
    // The pulled history covers the whole year, so every 60-day rule can judge.
    let now = Utc::now();
    integration_profile::Entity::update_many()
        .col_expr(
            integration_profile::Column::ActivityCoveredFrom,
            Expr::value(now - chrono::Duration::days(365)),
        )
        .col_expr(
            integration_profile::Column::ActivityCoveredTo,
            Expr::value(now),
        )
        .filter(integration_profile::Column::Id.eq(profile))
        .exec(&state.db)
        .await
        .unwrap();

    // A preview, as an admin tunes a rule before saving it: nothing is flagged yet, and what it
    // finds for Meetings must be what the evaluation then flags.
    let model: i64 = sub::Entity::find()
        .select_only()
        .column(sub::Column::SoftwareModelId)
        .filter(sub::Column::ProfileId.eq(profile))
        .filter(sub::Column::Identifier.eq(MEETINGS))
        .into_tuple::<Option<i64>>()
        .one(&state.db)
        .await
        .unwrap()
        .flatten()
        .expect("Meetings seats map to a software model");
    let rule = RuleSettings {
        rule_id: None,
        name: "bench preview".into(),
        software_model_id: model,
        threshold_days: THRESHOLD_DAYS,
        notify_user: false,
        require_approval: false,
        auto_reclaim: false,
        condition: Condition::default(),
        cooldown_days: 90,
        approver: None,
    };
    let started = Instant::now();
    let preview = reclamation::preview(&state.db, &rule, 10)
        .await
        .unwrap_or_else(|e| panic!("{}", e.message()));
    let preview_time = started.elapsed();
    let actor = Actor::Job {
        run_id: None,
        what: "bench",
    };
    let started = Instant::now();
    let first = reclamation::evaluate_profile(&state, profile, &actor)
        .await
        .unwrap_or_else(|e| panic!("{}", e.message()));
    let first_time = started.elapsed();
    assert!(first.gaps.is_empty(), "unjudged: {:?}", first.gaps);
    assert!(first.flagged > 0, "nothing idle among {subs} seats");
    let started = Instant::now();
    let again = reclamation::evaluate_profile(&state, profile, &actor)
        .await
        .unwrap_or_else(|e| panic!("{}", e.message()));
    let again_time = started.elapsed();
    assert_eq!(again.flagged, 0, "a second evaluation flags nothing new");
    assert_eq!(again.already_open, first.flagged);
    assert_eq!((again.canceled, again.skipped), (0, 0));
    let open = removal_candidate::Entity::find()
        .filter(removal_candidate::Column::ProfileId.eq(profile))
        .filter(removal_candidate::Column::ClosedAt.is_null())
        .count(&state.db)
        .await
        .unwrap();
    assert_eq!(open as i64, first.flagged, "one candidate per idle seat");
    println!(
        "evaluate  {db_name}  {subs} subs  {EVENTS} events  first {} ({} flagged)  again {} ({} already open)",
        ms(first_time),
        first.flagged,
        ms(again_time),
        again.already_open
    );

    let flagged_meetings = removal_candidate::Entity::find()
        .filter(removal_candidate::Column::ProfileId.eq(profile))
        .filter(removal_candidate::Column::SoftwareModelId.eq(model))
        .count(&state.db)
        .await
        .unwrap();
    assert_eq!(preview.flagged as u64, flagged_meetings);
    assert_eq!(preview.sample.len(), 10);
    println!(
        "preview   {db_name}  {subs} subs  {EVENTS} events  {} ({} would be flagged for {MEETINGS}, 10 samples)",
        ms(preview_time),
        preview.flagged
    );

    breakdown(&state.db, profile, db_name).await;

    drop(state);
    db.drop().await;
}

/// Where evaluation's time goes: the reads it makes, repeated here as it makes them.
async fn breakdown(db: &sea_orm::DatabaseConnection, profile: i64, db_name: &str) {
    type Row = (
        i64,
        String,
        String,
        Option<i64>,
        String,
        Option<DateTime<Utc>>,
        Option<DateTime<Utc>>,
        DateTime<Utc>,
        DateTime<Utc>,
        Option<DateTime<Utc>>,
        bool,
        bool,
    );
    let started = Instant::now();
    let rows: Vec<Row> = sub::Entity::find()
        .select_only()
        .columns([
            sub::Column::Id,
            sub::Column::ExternalUserId,
            sub::Column::Identifier,
            sub::Column::SoftwareModelId,
            sub::Column::UserPrincipalName,
            sub::Column::ExternalCreatedAt,
            sub::Column::AssignedAt,
            sub::Column::FirstSeenAt,
            sub::Column::LastSeenAt,
            sub::Column::LastActivityAt,
            sub::Column::IsPrivileged,
            sub::Column::ExcludedFromReclaim,
        ])
        .filter(sub::Column::ProfileId.eq(profile))
        .filter(sub::Column::ClosedAt.is_null())
        .into_tuple()
        .all(db)
        .await
        .unwrap();
    let seats = started.elapsed();
    let started = Instant::now();
    let ids: Vec<i64> = sub::Entity::find()
        .select_only()
        .column(sub::Column::Id)
        .filter(sub::Column::ProfileId.eq(profile))
        .filter(sub::Column::ClosedAt.is_null())
        .into_tuple()
        .all(db)
        .await
        .unwrap();
    let ids_only = started.elapsed();
    let started = Instant::now();
    let open = removal_candidate::Entity::find()
        .filter(removal_candidate::Column::ProfileId.eq(profile))
        .filter(removal_candidate::Column::ClosedAt.is_null())
        .all(db)
        .await
        .unwrap();
    let candidates = started.elapsed();
    println!(
        "  breakdown {db_name}: open seats read ({} rows, 12 columns) {}; ids only {}; open candidates read ({} rows) {}",
        rows.len(),
        ms(seats),
        ms(ids_only),
        open.len(),
        ms(candidates)
    );
    assert_eq!(ids.len(), rows.len());
}
