//! The notice a seat holder reads: subject, plain text and HTML from templates (built in,
//! or the operator's), filled with the facts of one candidate.

use chrono::{DateTime, Utc};

use crate::config::NoticeSettings;

/// What a notice says.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Facts {
    /// The holder's email address.
    pub holder: String,
    /// The product, e.g. "Zoom Meetings (Licensed)".
    pub product: String,
    /// The tenant (integration profile) it belongs to.
    pub tenant: String,
    /// The last qualifying activity seen; `None`: never.
    pub last_activity_at: Option<DateTime<Utc>>,
    /// When silence reclaims the seat.
    pub reclaim_at: DateTime<Utc>,
    /// What the holder loses.
    pub loses: String,
    pub keep_url: String,
    pub release_url: String,
    /// A reminder of an earlier notice (its subject says so).
    pub reminder: bool,
}

/// What an approval request says: the seat, why it waits for a decision, and the
/// approver's links.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApprovalFacts {
    /// The seat (its `keep_url`/`release_url` are the holder's and are not shown).
    pub facts: Facts,
    /// The holder's reason for keeping it, or why the rule asks.
    pub why: String,
    pub approve_url: String,
    pub reject_url: String,
    pub expires_at: DateTime<Utc>,
}

/// The approval request an approver reads (not templated: it goes to operators' own
/// people, not to every seat holder).
pub fn render_approval(a: &ApprovalFacts) -> Message {
    let f = &a.facts;
    let last = f
        .last_activity_at
        .map_or_else(|| "never".to_owned(), |t| t.format("%Y-%m-%d").to_string());
    let until = a.expires_at.format("%Y-%m-%d %H:%M UTC");
    let subject = format!("Approve reclaiming {}'s {} seat?", f.holder, f.product)
        .lines()
        .collect::<Vec<_>>()
        .join(" ");
    let text = format!(
        "A reclaim waits for your decision.\n\nSeat: {} at {}\nHolder: {}\nLast activity seen: {last}\nWhy it waits: {}\nReclaiming takes: {}\n\nReclaim it now: {}\nLet them keep it: {}\n\nThe links work until {until}.\n",
        f.product, f.tenant, f.holder, a.why, f.loses, a.approve_url, a.reject_url
    );
    let e = escape_html;
    let html = format!(
        "<!doctype html>\n<html lang=\"en\"><body style=\"font-family: sans-serif; line-height: 1.5\">\n<p>A reclaim waits for your decision.</p>\n<ul>\n<li>Seat: <strong>{}</strong> at <strong>{}</strong></li>\n<li>Holder: {}</li>\n<li>Last activity seen: {}</li>\n<li>Why it waits: {}</li>\n<li>Reclaiming takes: {}</li>\n</ul>\n<p><a href=\"{}\">Reclaim it now</a> &nbsp;&middot;&nbsp; <a href=\"{}\">Let them keep it</a></p>\n<p>The links work until {until}.</p>\n</body></html>\n",
        e(&f.product),
        e(&f.tenant),
        e(&f.holder),
        e(&last),
        e(&a.why),
        e(&f.loses),
        e(&a.approve_url),
        e(&a.reject_url),
    );
    Message {
        subject,
        text,
        html,
    }
}

/// A rendered notice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub subject: String,
    pub text: String,
    pub html: String,
}

const SUBJECT: &str = "Your {product} seat will be reclaimed on {reclaim_date}";

const TEXT: &str = "Hello,

Seatkeeper, your organisation's licence manager, found that your {product} seat
in {tenant} has not been used recently.

Last activity seen: {last_activity}
If nothing changes, on {reclaim_date} you lose: {loses}.

Keep the seat (an approver will confirm): {keep_url}
Release it now: {release_url}

If you do nothing, the seat is reclaimed on {reclaim_date}. Using the product before
then also keeps it.
";

const HTML: &str = "<!doctype html>
<html lang=\"en\"><body style=\"font-family: sans-serif; line-height: 1.5\">
<p>Hello,</p>
<p>Seatkeeper, your organisation's licence manager, found that your <strong>{product}</strong>
seat in <strong>{tenant}</strong> has not been used recently.</p>
<ul>
<li>Last activity seen: {last_activity}</li>
<li>If nothing changes, on <strong>{reclaim_date}</strong> you lose: {loses}.</li>
</ul>
<p><a href=\"{keep_url}\">Keep the seat</a> (an approver will confirm)
&nbsp;·&nbsp; <a href=\"{release_url}\">Release it now</a></p>
<p>If you do nothing, the seat is reclaimed on {reclaim_date}. Using the product before
then also keeps it.</p>
</body></html>
";

/// Escapes text for HTML.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn fill(template: &str, facts: &Facts, html: bool) -> String {
    let last = facts
        .last_activity_at
        .map_or_else(|| "never".to_owned(), |t| t.format("%Y-%m-%d").to_string());
    let values = [
        ("{holder}", facts.holder.clone()),
        ("{product}", facts.product.clone()),
        ("{tenant}", facts.tenant.clone()),
        ("{last_activity}", last),
        (
            "{reclaim_date}",
            facts.reclaim_at.format("%Y-%m-%d %H:%M UTC").to_string(),
        ),
        ("{loses}", facts.loses.clone()),
        ("{keep_url}", facts.keep_url.clone()),
        ("{release_url}", facts.release_url.clone()),
    ];
    let mut out = template.to_owned();
    for (key, value) in values {
        let value = if html { escape_html(&value) } else { value };
        out = out.replace(key, &value);
    }
    out
}

/// The notice for `facts`, with the operator's templates where set.
pub fn render(settings: &NoticeSettings, facts: &Facts) -> Message {
    let subject = fill(
        settings.subject_template.as_deref().unwrap_or(SUBJECT),
        facts,
        false,
    );
    // A header: one line whatever the template holds.
    let subject = subject.lines().collect::<Vec<_>>().join(" ");
    Message {
        subject: if facts.reminder {
            format!("Reminder: {subject}")
        } else {
            subject
        },
        text: fill(
            settings.text_template.as_deref().unwrap_or(TEXT),
            facts,
            false,
        ),
        html: fill(
            settings.html_template.as_deref().unwrap_or(HTML),
            facts,
            true,
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts() -> Facts {
        Facts {
            holder: "ada@example.com".into(),
            product: "Zoom Meetings <Licensed>".into(),
            tenant: "Acme".into(),
            last_activity_at: None,
            reclaim_at: "2026-12-11T10:00:00Z".parse().unwrap(),
            loses: "the licence".into(),
            keep_url: "https://sk.example.com/notice/1.k.2.x".into(),
            release_url: "https://sk.example.com/notice/1.r.2.y".into(),
            reminder: false,
        }
    }

    #[test]
    fn the_built_in_notice_says_what_when_and_how_to_answer() {
        let m = render(&NoticeSettings::default(), &facts());
        assert_eq!(
            m.subject,
            "Your Zoom Meetings <Licensed> seat will be reclaimed on 2026-12-11 10:00 UTC"
        );
        for part in [&m.text, &m.html] {
            assert!(part.contains("never"));
            assert!(part.contains("2026-12-11 10:00 UTC"));
            assert!(part.contains("https://sk.example.com/notice/1.k.2.x"));
            assert!(part.contains("https://sk.example.com/notice/1.r.2.y"));
        }
        assert!(m.html.contains("Zoom Meetings &lt;Licensed&gt;"), "escaped");
        let reminder = render(
            &NoticeSettings::default(),
            &Facts {
                reminder: true,
                ..facts()
            },
        );
        assert_eq!(reminder.subject, format!("Reminder: {}", m.subject));
    }

    #[test]
    fn operators_templates_replace_the_built_in_ones() {
        let settings = NoticeSettings {
            subject_template: Some("{tenant}:\n{product}".into()),
            text_template: Some("keep: {keep_url}".into()),
            ..NoticeSettings::default()
        };
        let m = render(&settings, &facts());
        assert_eq!(m.subject, "Acme: Zoom Meetings <Licensed>");
        assert_eq!(m.text, "keep: https://sk.example.com/notice/1.k.2.x");
    }
}
