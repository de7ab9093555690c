//! The pages behind a notice's links, `/notice/{token}`. A GET shows the facts and a
//! confirm button and never changes anything (mail scanners fetch links); the POST from
//! that page acts. Every refusal is a plain page with its status, never a server error.
//! Pages load nothing from anywhere: styles are inline.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, web};

use crate::domain::notices::links::LinkAction;
use crate::domain::notices::message::escape_html;
use crate::domain::notices::{self, Answer, LinkPage};
use crate::state::AppState;

/// Longest form body read.
const FORM_LIMIT: usize = 8 * 1024;

const STYLE: &str = "body{font-family:system-ui,sans-serif;max-width:36rem;margin:2rem auto;\
padding:0 1rem;line-height:1.5;color:#1d2430}h1{font-size:1.4rem}dt{font-weight:600}\
dd{margin:0 0 .6rem 0}textarea{width:100%;min-height:5rem}button{font-size:1rem;\
padding:.5rem 1.2rem;border:0;border-radius:.3rem;background:#1f5fbf;color:#fff;cursor:pointer}";

fn html(status: StatusCode, title: &str, body: &str) -> HttpResponse {
    let page = format!(
        "<!doctype html><html lang=en><head><meta charset=utf-8>\
         <meta name=viewport content=\"width=device-width,initial-scale=1\">\
         <title>{t}</title><style>{STYLE}</style></head><body><h1>{t}</h1>{body}</body></html>",
        t = escape_html(title)
    );
    HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header(("Referrer-Policy", "no-referrer"))
        .insert_header(("X-Frame-Options", "DENY"))
        .insert_header((
            "Content-Security-Policy",
            "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
        ))
        .body(page)
}

fn refused(page: &LinkPage) -> HttpResponse {
    match page {
        LinkPage::Forged => html(
            StatusCode::FORBIDDEN,
            "This link is not valid",
            "<p>The link is incomplete or was altered. Open it again from your notice, or ask \
             your licence administrator.</p>",
        ),
        LinkPage::Expired(at) => html(
            StatusCode::GONE,
            "This link has expired",
            &format!(
                "<p>Answers were taken until {}. Ask your licence administrator if you still \
                 need the seat.</p>",
                at.format("%Y-%m-%d %H:%M UTC")
            ),
        ),
        LinkPage::Decided(state) => html(
            StatusCode::CONFLICT,
            "This seat was already decided",
            &format!(
                "<p>Nothing was changed: the seat no longer waits for an answer (it is now \
                 <code>{state}</code>). Ask your licence administrator if this is not what you \
                 expected.</p>"
            ),
        ),
        LinkPage::Gone | LinkPage::Ask { .. } => html(
            StatusCode::NOT_FOUND,
            "This seat is no longer tracked",
            "<p>Nothing was changed.</p>",
        ),
    }
}

fn trouble() -> HttpResponse {
    html(
        StatusCode::SERVICE_UNAVAILABLE,
        "Please try again",
        "<p>The answer could not be read or recorded just now. Nothing was changed; try the \
         link again in a minute.</p>",
    )
}

/// GET: the facts and a confirm button; changes nothing.
pub async fn show(state: web::Data<AppState>, token: web::Path<String>) -> HttpResponse {
    let page = match notices::page(&state, &token).await {
        Ok(page) => page,
        Err(err) => {
            tracing::error!("notice page failed: {}", err.message());
            return trouble();
        }
    };
    let LinkPage::Ask {
        action,
        facts,
        why,
        form_token,
    } = &page
    else {
        return refused(&page);
    };
    let last = facts
        .last_activity_at
        .map_or_else(|| "never".to_owned(), |t| t.format("%Y-%m-%d").to_string());
    let (title, ask, button) = match action {
        LinkAction::Keep => (
            "Keep your seat?",
            "<p><label for=reason>Why do you need it? (optional, shown to the approver)</label>\
             <textarea id=reason name=reason maxlength=1000></textarea></p>",
            "Keep my seat",
        ),
        LinkAction::Release => (
            "Release your seat?",
            "<p>The seat is given back now; you will not be asked again.</p>",
            "Release it now",
        ),
        LinkAction::Approve => (
            "Reclaim this seat?",
            "<p><label for=reason>Note (optional, kept in the history)</label>\
             <textarea id=reason name=reason maxlength=1000></textarea></p>",
            "Reclaim it now",
        ),
        LinkAction::Reject => (
            "Let them keep this seat?",
            "<p><label for=reason>Note (optional, kept in the history)</label>\
             <textarea id=reason name=reason maxlength=1000></textarea></p>",
            "Let them keep it",
        ),
    };
    let why = why.as_deref().map_or_else(String::new, |w| {
        format!("<dt>Why it waits</dt><dd>{}</dd>", escape_html(w))
    });
    let body = format!(
        "<dl><dt>Seat</dt><dd>{product} at {tenant}</dd><dt>Holder</dt><dd>{holder}</dd>\
         <dt>Last activity seen</dt><dd>{last}</dd><dt>Reclaimed on</dt><dd>{date}</dd>\
         <dt>{lose_label}</dt><dd>{loses}</dd>{why}</dl>\
         <form method=post>{ask}<input type=hidden name=form_token value=\"{form}\">\
         <button type=submit>{button}</button></form>",
        product = escape_html(&facts.product),
        tenant = escape_html(&facts.tenant),
        holder = escape_html(&facts.holder),
        date = facts.reclaim_at.format("%Y-%m-%d %H:%M UTC"),
        loses = escape_html(&facts.loses),
        lose_label = if action.is_holders() {
            "What you would lose"
        } else {
            "What reclaiming takes"
        },
        form = escape_html(form_token),
    );
    html(StatusCode::OK, title, &body)
}

/// POST: acts on the answer when the form came from the link's page.
pub async fn submit(
    state: web::Data<AppState>,
    token: web::Path<String>,
    body: web::Bytes,
) -> HttpResponse {
    if body.len() > FORM_LIMIT {
        return html(
            StatusCode::PAYLOAD_TOO_LARGE,
            "Answer too long",
            "<p>Nothing was changed. Keep the reason under 1,000 characters.</p>",
        );
    }
    let mut form_token = String::new();
    let mut reason = None;
    for (k, v) in url::form_urlencoded::parse(&body) {
        match k.as_ref() {
            "form_token" => form_token = v.into_owned(),
            "reason" => reason = Some(v.into_owned()),
            _ => {}
        }
    }
    match notices::act(&state, &token, &form_token, reason).await {
        Ok(Answer::Kept) => html(
            StatusCode::OK,
            "You keep your seat",
            "<p>Thank you. An approver confirms the decision; the seat will not be reclaimed \
             meanwhile.</p>",
        ),
        Ok(Answer::Released { not_queued: None }) => html(
            StatusCode::OK,
            "Seat released",
            "<p>Thank you. The seat is being given back now.</p>",
        ),
        Ok(Answer::Rejected) => html(
            StatusCode::OK,
            "They keep the seat",
            "<p>Thank you. The seat stays with its holder and is not flagged again for a while.</p>",
        ),
        Ok(Answer::Released {
            not_queued: Some(why),
        }) => html(
            StatusCode::OK,
            "Seat released",
            &format!(
                "<p>Thank you. Your licence administrator gives the seat back ({}).</p>",
                escape_html(&why)
            ),
        ),
        Ok(Answer::BadForm) => html(
            StatusCode::FORBIDDEN,
            "Please answer from the page",
            "<p>Nothing was changed: open the link from your notice and press the button on \
             its page.</p>",
        ),
        Ok(Answer::Refused(page)) => refused(&page),
        Err(err) => {
            tracing::error!("notice answer failed: {}", err.message());
            trouble()
        }
    }
}
