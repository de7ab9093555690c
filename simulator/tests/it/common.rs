use chrono::{DateTime, TimeZone, Utc};
use reqwest::{RequestBuilder, StatusCode};
use seatkeeper_sim::{RateLimitMode, SimConfig, Simulator, Vendor};
use serde_json::Value;

/// A fixed "today" so truth values are reproducible.
pub fn today() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 9, 15, 12, 0, 0).unwrap()
}

pub fn config(vendor: Vendor, users: usize) -> SimConfig {
    SimConfig::new(vendor)
        .users(users)
        .seed(7)
        .now(today())
        .rate_limit(RateLimitMode::Off)
}

pub async fn start(config: SimConfig) -> Simulator {
    Simulator::start(config).await.expect("simulator starts")
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// Sends and returns the status, the headers and the body parsed as JSON (Null if empty).
pub async fn call(req: RequestBuilder) -> (StatusCode, reqwest::header::HeaderMap, Value) {
    let res = req.send().await.expect("request is answered");
    let status = res.status();
    let headers = res.headers().clone();
    let bytes = res.bytes().await.unwrap();
    let body = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes).unwrap_or(Value::Null)
    };
    (status, headers, body)
}

/// The `code` query parameter of an OAuth redirect.
pub fn query_param(location: &str, name: &str) -> Option<String> {
    url::Url::parse(location)
        .ok()?
        .query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}
