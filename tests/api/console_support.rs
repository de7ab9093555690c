//! What the console's browser tests share: signing in, moving between views, reading
//! figures as shown, and screenshots at both sizes once every control on the page is named.

use std::path::PathBuf;

use serde_json::json;

use crate::browser::Session;
use crate::helpers::TestApp;

pub const WIDE: (u32, u32) = (1280, 800);
const NARROW: (u32, u32) = (420, 900);

fn screenshots() -> PathBuf {
    std::env::var_os("SEATKEEPER_SCREENSHOTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("console-screenshots"))
}

/// The digits of a figure as shown ("$8,717.00" → "871700"): the console formats numbers
/// by the browser's locale, the API answers plain ones.
pub fn digits(text: &str) -> String {
    text.chars().filter(char::is_ascii_digit).collect()
}

/// Controls without a name a screen reader can say, on the page now shown.
const UNNAMED: &str = "return [...document.querySelectorAll('input, select, button, a')] \
     .filter((el) => el.offsetParent !== null) \
     .filter((el) => !((el.labels && el.labels.length) || el.getAttribute('aria-label') || \
       el.getAttribute('aria-labelledby') || el.textContent.trim())) \
     .map((el) => el.outerHTML);";

/// Both sizes of the page now shown, as `<name>-1280.png` and `<name>-420.png`, once every
/// control on it is named.
pub async fn shoot(session: &Session<'_>, name: &str) {
    let unnamed = session.exec(UNNAMED, json!([])).await;
    assert_eq!(unnamed, json!([]), "{name}: controls without a name");
    for (w, h) in [NARROW, WIDE] {
        session.resize(w, h).await;
        session
            .save_screenshot(&screenshots().join(format!("{name}-{w}.png")))
            .await;
    }
}

/// Signs in from the keyboard: the token typed into its field, then Enter.
pub async fn sign_in(session: &Session<'_>, app: &TestApp, token: &str) {
    session.goto(&format!("{}/", app.address)).await;
    session
        .type_into("#token", &format!("{token}\u{E007}"))
        .await;
    session
        .wait_for(
            "the overview",
            "document.querySelector('[data-figure=assigned] .tile-value')",
        )
        .await;
}

/// Moves to `view` (`#/view`) and waits until `ready` (JavaScript) holds.
pub async fn open(session: &Session<'_>, view: &str, ready: &str) {
    session
        .exec(
            "location.hash = arguments[0];",
            json!([format!("#/{view}")]),
        )
        .await;
    session.wait_for(view, ready).await;
}
