use chrono::{DateTime, TimeZone, Utc};
use seatkeeper_sim::{RateLimitMode, SimConfig, Simulator, Vendor};

/// A fixed "today" so truth values are reproducible.
pub fn today() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 9, 15, 12, 0, 0).unwrap()
}

pub fn config(vendor: Vendor, users: usize) -> SimConfig {
    SimConfig::new(vendor).users(users).seed(7).now(today()).rate_limit(RateLimitMode::Off)
}

pub async fn start(config: SimConfig) -> Simulator {
    Simulator::start(config).await.expect("simulator starts")
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}
