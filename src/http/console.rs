//! The web console at `/`: a person's view of the licence position, the idle seats and the
//! jobs, written against the public GraphQL API only (so it is also the API's reference
//! client). Plain JavaScript and CSS beside this file, no build step and no library,
//! compiled into the binary under hashed URLs (see [`super::embedded`]).

use std::sync::LazyLock;

use actix_web::{HttpRequest, HttpResponse, web};

use super::embedded::{Bundle, CSS, JS, Source};

/// Where the assets are mounted: `/console/{file}`.
const PREFIX: &str = "/console/";

macro_rules! source {
    ($name:literal, $type:expr) => {
        Source {
            name: $name,
            content_type: $type,
            body: include_bytes!(concat!("console/", $name)),
        }
    };
}

static SOURCES: [Source; 8] = [
    source!("console.css", CSS),
    source!("api.js", JS),
    source!("ui.js", JS),
    source!("overview.js", JS),
    source!("idle.js", JS),
    source!("jobs.js", JS),
    source!("rules.js", JS),
    source!("console.js", JS),
];

pub(super) static BUNDLE: LazyLock<Bundle> = LazyLock::new(|| {
    Bundle::new(
        PREFIX,
        "console",
        include_str!("console/page.html"),
        &SOURCES,
    )
});

/// `GET /`: the console page.
pub async fn page(req: HttpRequest) -> HttpResponse {
    BUNDLE.page(&req)
}

/// `GET /console/{file}`: an asset the page names, or a JSON 404.
pub async fn asset(file: web::Path<String>) -> HttpResponse {
    BUNDLE.asset(&file)
}

/// What a first visit downloads besides the page, in bytes (reported by the console's
/// browser test).
pub fn bundle_bytes() -> usize {
    BUNDLE.asset_bytes()
}
