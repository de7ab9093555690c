//! The simulator's faults end in a retried success or a typed error, never a panic, and
//! every attempt is counted.

use std::time::Duration;

use seatkeeper::connectors::{ConnectorError, ConnectorOptions, DownloadHints, RetryPolicy};
use seatkeeper_sim::{Fault, Limits, RateLimitMode, SimConfig, Vendor as SimVendor};

use super::{
    api_requests, authorized, config, connector, download, fast_options, fixed, record_rows, start,
    start_with, truth_rows,
};

async fn aha(
    users: usize,
) -> (
    seatkeeper_sim::Simulator,
    seatkeeper::connectors::ConnectionConfig,
) {
    let sim = start(SimVendor::Aha, users).await;
    let mut cfg = config(&sim);
    cfg.tokens = fixed(&sim.credentials().api_key.unwrap());
    (sim, cfg)
}

#[tokio::test]
async fn a_429_storm_is_waited_out_via_retry_after_and_counted() {
    let (sim, cfg) = aha(450).await;
    sim.set_fault(Fault::RateLimitStorm { times: Some(2) })
        .unwrap();
    let c = connector(cfg, fast_options());
    let (records, _) = download(c.as_ref(), &DownloadHints::default())
        .await
        .unwrap();
    assert_eq!(record_rows(&records), truth_rows(&sim.truth()));

    let requests = api_requests(&sim);
    let statuses: Vec<u16> = requests.iter().map(|r| r.status).collect();
    assert_eq!(statuses, [429, 429, 200, 200, 200]);
    // Aha! said "Retry-After: 1"; the gaps in the simulator's own log show it was honoured.
    for pair in requests[..3].windows(2) {
        let gap = pair[1].at - pair[0].at;
        assert!(gap >= chrono::Duration::milliseconds(950), "{gap}");
    }
    let stats = c.stats();
    assert_eq!(
        (stats.rate_limited, stats.retries, stats.requests),
        (2, 2, 5)
    );
}

#[tokio::test]
async fn a_zoom_storm_without_retry_after_is_backed_off() {
    let sim = start(SimVendor::Zoom, 100).await;
    sim.set_fault(Fault::RateLimitStorm { times: Some(3) })
        .unwrap();
    let c = connector(config(&sim), fast_options());
    let (records, _) = download(c.as_ref(), &DownloadHints::default())
        .await
        .unwrap();
    assert_eq!(record_rows(&records), truth_rows(&sim.truth()));
    assert_eq!(c.stats().rate_limited, 3);
    assert_eq!(c.requests_made(), sim.requests(0).len() as u64);
}

#[tokio::test]
async fn a_storm_longer_than_the_retry_budget_ends_as_rate_limited() {
    let (sim, cfg) = aha(50).await;
    sim.set_fault(Fault::RateLimitStorm { times: None })
        .unwrap();
    let options = ConnectorOptions {
        retry: RetryPolicy {
            max_retries: 2,
            ..fast_options().retry
        },
        ..fast_options()
    };
    let err = download(connector(cfg, options).as_ref(), &DownloadHints::default())
        .await
        .unwrap_err();
    assert_eq!(
        err,
        ConnectorError::RateLimited {
            retry_after: Some(Duration::from_secs(1))
        }
    );
    assert!(err.is_retryable());
    assert_eq!(
        api_requests(&sim).len(),
        3,
        "bounded: one try and two retries"
    );
}

#[tokio::test]
async fn a_daily_cap_is_not_waited_out() {
    let limits = Limits {
        per_second: None,
        per_minute: None,
        per_day: Some(1),
    };
    let sim = start_with(
        SimConfig::new(SimVendor::Zoom)
            .users(100)
            .rate_limit(RateLimitMode::Custom(limits)),
    )
    .await;
    // One settings call at a time, so exactly one meets the cap.
    let options = ConnectorOptions {
        page_size: Some(30),
        per_user_concurrency: 1,
        ..fast_options()
    };
    let c = connector(config(&sim), options);
    let err = download(c.as_ref(), &DownloadHints::default())
        .await
        .unwrap_err();
    // Zoom names the next midnight: hours away, so the call gives up at once and says when.
    let ConnectorError::RateLimited {
        retry_after: Some(after),
    } = err
    else {
        panic!("{err:?}")
    };
    assert!(after > Duration::from_secs(5) && after <= Duration::from_secs(86_400));
    let statuses: Vec<u16> = api_requests(&sim).iter().map(|r| r.status).collect();
    assert_eq!(statuses, [200, 429]);
    assert_eq!(c.stats().retries, 0);
}

#[tokio::test]
async fn server_errors_are_retried_then_succeed() {
    let sim = start(SimVendor::Zoom, 300).await;
    sim.set_fault(Fault::ServerError {
        status: 503,
        times: Some(2),
    })
    .unwrap();
    sim.set_fault(Fault::ServerError {
        status: 500,
        times: Some(1),
    })
    .unwrap();
    let c = connector(config(&sim), fast_options());
    let (records, _) = download(c.as_ref(), &DownloadHints::default())
        .await
        .unwrap();
    assert_eq!(record_rows(&records), truth_rows(&sim.truth()));
    assert_eq!(c.stats().retries, 3);
    let failures = api_requests(&sim)
        .iter()
        .filter(|r| r.status >= 500)
        .count();
    assert_eq!(failures, 3);
}

#[tokio::test]
async fn a_request_that_hangs_times_out_and_is_retried() {
    let mut sim_config = SimConfig::new(SimVendor::GoTo)
        .users(40)
        .rate_limit(RateLimitMode::Off);
    sim_config.hang = Duration::from_secs(3);
    let sim = start_with(sim_config).await;
    let cfg = authorized(&sim).await;
    sim.set_fault(Fault::Timeout { times: Some(1) }).unwrap();
    let options = ConnectorOptions {
        request_timeout: Duration::from_millis(500),
        ..fast_options()
    };
    let c = connector(cfg, options);
    let (records, _) = download(c.as_ref(), &DownloadHints::default())
        .await
        .unwrap();
    assert_eq!(record_rows(&records), truth_rows(&sim.truth()));
    assert_eq!(c.stats().retries, 1);
}

#[tokio::test]
async fn malformed_or_truncated_json_becomes_malformed() {
    let zoom = start(SimVendor::Zoom, 50).await;
    zoom.set_fault(Fault::MalformedJson { times: Some(1) })
        .unwrap();
    let err = download(
        connector(config(&zoom), fast_options()).as_ref(),
        &DownloadHints::default(),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, ConnectorError::Malformed(_)), "{err:?}");

    let goto = start(SimVendor::GoTo, 50).await;
    let cfg = authorized(&goto).await;
    goto.set_fault(Fault::TruncatedJson { times: Some(2) })
        .unwrap();
    let err = download(
        connector(cfg, fast_options()).as_ref(),
        &DownloadHints::default(),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, ConnectorError::Malformed(_)), "{err:?}");
    assert!(!err.is_retryable());

    let (aha, cfg) = aha(50).await;
    aha.set_fault(Fault::TruncatedJson { times: Some(1) })
        .unwrap();
    let c = connector(cfg, fast_options());
    let truth = aha.truth();
    let member = truth
        .holders(seatkeeper_sim::Product::AhaRoadmaps)
        .find(|u| u.role == seatkeeper_sim::UserRole::Member)
        .unwrap();
    let target = seatkeeper::connectors::ReclaimTarget {
        external_user_id: member.id.clone(),
        user_principal_name: String::new(),
        product: seatkeeper::connectors::product(entity::enums::Vendor::Aha, "AHA_PAID_SEAT")
            .unwrap(),
        used_since: None,
    };
    assert!(matches!(
        seatkeeper::connectors::reclaim(c.as_ref(), &target).await,
        Err(ConnectorError::Malformed(_))
    ));
}
