//! Downloads of 2,000-user tenants equal the simulator's truth, every user once, every
//! page asked once; and the token bucket holds the configured rate.

use std::collections::{HashMap, HashSet};

use seatkeeper::connectors::{DownloadHints, RateLimits};
use seatkeeper_sim::{Product, RateLimitMode, SimConfig, Vendor as SimVendor};

use super::{
    api_requests, authorized, config, connector, download, fast_options, record_rows, start,
    start_with, truth_rows,
};

fn assert_each_user_once(records: &[seatkeeper::connectors::SubscriptionRecord]) {
    let mut seen = HashSet::new();
    for r in records {
        assert!(
            seen.insert((&r.external_user_id, &r.identifier)),
            "{r:?} came twice"
        );
    }
}

#[tokio::test]
async fn zoom_download_of_2000_users_equals_the_truth() {
    let sim = start(SimVendor::Zoom, 2_000).await;
    let c = connector(config(&sim), fast_options());
    let (records, pages) = download(c.as_ref(), &DownloadHints::default())
        .await
        .unwrap();
    let truth = sim.truth();
    assert_each_user_once(&records);
    assert_eq!(record_rows(&records), truth_rows(&truth));
    assert!(
        records.iter().all(|r| r.active),
        "only active users hold licenses here"
    );

    let requests = api_requests(&sim);
    let lists: Vec<_> = requests.iter().filter(|r| r.path == "/v2/users").collect();
    assert_eq!(lists.len() as u64, pages, "each page asked once");
    let queries: HashSet<&str> = lists.iter().map(|r| r.query.as_str()).collect();
    assert_eq!(queries.len(), lists.len());
    // Settings are read only for Licensed users, once each.
    let settings = requests
        .iter()
        .filter(|r| r.path.ends_with("/settings"))
        .count();
    assert_eq!(settings, truth.holders(Product::ZoomMeetings).count());
    assert_eq!(c.requests_made(), sim.requests(0).len() as u64);
}

#[tokio::test]
async fn zoom_download_takes_recently_checked_add_ons_from_the_hints() {
    let sim = start(SimVendor::Zoom, 300).await;
    let truth = sim.truth();
    let licensed: Vec<_> = truth.holders(Product::ZoomMeetings).collect();
    let mut hints = DownloadHints::default();
    for u in licensed.iter().step_by(2) {
        hints.addons_checked_recently.insert(u.id.clone());
        let addons = u
            .subscription(Product::ZoomWebinar)
            .map(|_| vec!["ZOOM_WEBINAR".to_owned()])
            .unwrap_or_default();
        hints.known_addons.insert(u.id.clone(), addons);
    }
    let c = connector(config(&sim), fast_options());
    let (records, _) = download(c.as_ref(), &hints).await.unwrap();
    assert_eq!(record_rows(&records), truth_rows(&truth));
    let settings = api_requests(&sim)
        .iter()
        .filter(|r| r.path.ends_with("/settings"))
        .count();
    assert_eq!(
        settings,
        licensed.len() - hints.addons_checked_recently.len()
    );
}

#[tokio::test]
async fn goto_download_of_2000_users_equals_the_truth() {
    let sim = start(SimVendor::GoTo, 2_000).await;
    let c = connector(authorized(&sim).await, fast_options());
    let (records, pages) = download(c.as_ref(), &DownloadHints::default())
        .await
        .unwrap();
    assert_each_user_once(&records);
    assert_eq!(record_rows(&records), truth_rows(&sim.truth()));
    let lists: Vec<_> = api_requests(&sim)
        .into_iter()
        .filter(|r| r.path.ends_with("/users"))
        .collect();
    // 1000 + 1000 + the empty page that ends the list.
    assert_eq!((lists.len() as u64, pages), (3, 3));
    let offsets: HashSet<String> = lists.iter().map(|r| r.query.clone()).collect();
    assert_eq!(offsets.len(), 3, "each page asked once");
}

#[tokio::test]
async fn goto_download_detects_a_page_size_cap_and_skips_no_one() {
    let sim = start(SimVendor::GoTo, 2_500).await;
    // Asking for more than the simulator's 1000 meets a cap, as a smaller real one would.
    let options = seatkeeper::connectors::ConnectorOptions {
        page_size: Some(2000),
        ..fast_options()
    };
    let c = connector(authorized(&sim).await, options);
    let (records, _) = download(c.as_ref(), &DownloadHints::default())
        .await
        .unwrap();
    assert_eq!(record_rows(&records), truth_rows(&sim.truth()));
    let offsets: Vec<String> = api_requests(&sim)
        .into_iter()
        .filter(|r| r.path.ends_with("/users"))
        .map(|r| r.query)
        .collect();
    assert_eq!(offsets.len(), 3, "{offsets:?}");
}

#[tokio::test]
async fn aha_download_of_2000_users_equals_the_truth() {
    let sim = start(SimVendor::Aha, 2_000).await;
    let mut cfg = config(&sim);
    cfg.tokens = super::fixed(&sim.credentials().api_key.unwrap());
    let c = connector(cfg, fast_options());
    let (records, pages) = download(c.as_ref(), &DownloadHints::default())
        .await
        .unwrap();
    let truth = sim.truth();
    assert_each_user_once(&records);
    assert_eq!(record_rows(&records), truth_rows(&truth));
    assert_eq!(pages, 10);
    assert_eq!(api_requests(&sim).len(), 10, "each page asked once");
    let accessed: HashMap<&str, _> = truth
        .users
        .iter()
        .filter_map(|u| {
            Some((
                u.id.as_str(),
                u.subscription(Product::AhaRoadmaps)?.last_activity,
            ))
        })
        .collect();
    for r in &records {
        assert_eq!(
            r.last_activity_hint,
            accessed[r.external_user_id.as_str()],
            "{r:?}"
        );
    }
}

#[tokio::test]
async fn the_token_bucket_keeps_the_request_rate_at_or_under_the_limit() {
    const LIMIT: usize = 10;
    let sim = start_with(
        SimConfig::new(SimVendor::Zoom)
            .users(400)
            .seed(3)
            .rate_limit(RateLimitMode::PerSecond(LIMIT as u32)),
    )
    .await;
    // Add-ons known for everyone: only list pages are asked, all in the Medium bucket.
    let truth = sim.truth();
    let mut hints = DownloadHints::default();
    for u in &truth.users {
        hints.addons_checked_recently.insert(u.id.clone());
    }
    let options = seatkeeper::connectors::ConnectorOptions {
        page_size: Some(10),
        rate_limits: RateLimits::PerSecond(LIMIT as u32),
        ..fast_options()
    };
    let c = connector(config(&sim), options);
    let (records, pages) = download(c.as_ref(), &hints).await.unwrap();
    assert!(pages >= 30, "{pages}");
    assert_eq!(records.len(), truth.holders(Product::ZoomMeetings).count());

    let requests = api_requests(&sim);
    assert!(
        requests.iter().all(|r| r.status == 200),
        "the vendor never had to refuse"
    );
    let times: Vec<i64> = requests.iter().map(|r| r.at.timestamp_millis()).collect();
    let busiest = times
        .iter()
        .map(|start| {
            times
                .iter()
                .filter(|t| **t >= *start && **t < start + 1_000)
                .count()
        })
        .max()
        .unwrap();
    assert!(busiest <= LIMIT, "{busiest} requests in one second");
    assert_eq!(c.stats().rate_limited, 0);
}
