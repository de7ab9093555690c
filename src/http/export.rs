//! `GET /export/{kind}.csv`: subscriptions, removal candidates, licence positions and
//! renewals as CSV for a spreadsheet or a BI tool, with the same bearer token (viewer) and
//! the same filters as the GraphQL lists (`?profileId=…&inactiveForDays=60`).
//!
//! The body is streamed a page of rows at a time, read by id as the client takes it, so
//! memory stays flat however large the table. Fields follow RFC 4180; text that a
//! spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab or CR first) is prefixed
//! with `'`. Errors before the first byte are JSON with `extensions.code`, as everywhere.

use std::collections::HashMap;

use actix_web::http::{StatusCode, header};
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse, web};
use async_graphql::ID;
use chrono::{DateTime, Utc};
use entity::enums::{CandidateState, ComplianceStatus, Role, Vendor};
use entity::software_subscription;
use futures_util::{Stream, StreamExt};
use serde_json::json;

use crate::domain::money;
use crate::domain::page::PageRequest;
use crate::domain::reclamation::{self, Candidate, CandidateFilter, CandidateOrder};
use crate::domain::reconciliation::{self, Position, PositionFilter, Renewal};
use crate::domain::subscriptions::{self, SubscriptionFilter};
use crate::error::{AppError, Result};
use crate::graphql::relay::{expect_id, global_id};
use crate::state::AppState;

/// Rows read per page of the stream.
const PAGE_ROWS: usize = 2_000;

fn error(status: StatusCode, err: &AppError) -> HttpResponse {
    let mut resp = HttpResponse::build(status).json(json!({
        "errors": [{ "message": err.message(), "extensions": { "code": err.code() } }]
    }));
    if let Some(challenge) = super::graphql::challenge(err) {
        resp.headers_mut()
            .insert(header::WWW_AUTHENTICATE, challenge);
    }
    resp
}

fn status_of(err: &AppError) -> StatusCode {
    match err {
        AppError::Unauthenticated | AppError::InvalidToken => StatusCode::UNAUTHORIZED,
        AppError::Forbidden(_) => StatusCode::FORBIDDEN,
        AppError::NotFound(_) => StatusCode::NOT_FOUND,
        AppError::BadUserInput { .. } => StatusCode::BAD_REQUEST,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// One CSV field: quoted when it must be, formula-looking text defused.
fn field(out: &mut String, text: &str) {
    let risky = text.starts_with(['=', '+', '-', '@', '\t', '\r']);
    let quote = risky || text.contains([',', '"', '\n', '\r']);
    if quote {
        out.push('"');
        if risky {
            out.push('\'');
        }
        out.push_str(&text.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(text);
    }
}

/// One CSV line from already-rendered values; `text` marks which are free text.
fn line(out: &mut String, values: &[Cell<'_>]) {
    for (i, v) in values.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        match v {
            Cell::Text(t) => field(out, t),
            Cell::Plain(p) => out.push_str(p),
        }
    }
    out.push_str("\r\n");
}

/// A value of a line: free text (escaped) or a value we rendered ourselves.
enum Cell<'a> {
    Text(&'a str),
    Plain(String),
}

fn time(t: Option<DateTime<Utc>>) -> Cell<'static> {
    Cell::Plain(t.map(|t| t.to_rfc3339()).unwrap_or_default())
}

fn gid(kind: &str, id: Option<i64>) -> Cell<'static> {
    Cell::Plain(
        id.map(|i| global_id(kind, i).to_string())
            .unwrap_or_default(),
    )
}

fn num(n: impl ToString) -> Cell<'static> {
    Cell::Plain(n.to_string())
}

/// The query string, every parameter known to the export.
struct Params(HashMap<String, String>);

impl Params {
    fn check(&self, known: &[&str]) -> Result<()> {
        match self.0.keys().find(|k| !known.contains(&k.as_str())) {
            Some(k) => Err(AppError::bad_input(
                k.as_str(),
                format!("not a filter of this export (known: {})", known.join(", ")),
            )),
            None => Ok(()),
        }
    }

    fn id(&self, name: &str, kind: &str) -> Result<Option<i64>> {
        self.0
            .get(name)
            .map(|v| expect_id(&ID(v.clone()), kind, name))
            .transpose()
    }

    fn parse<T: std::str::FromStr>(&self, name: &str, what: &str) -> Result<Option<T>> {
        self.0
            .get(name)
            .map(|v| {
                v.parse()
                    .map_err(|_| AppError::bad_input(name, format!("expected {what}")))
            })
            .transpose()
    }

    fn enumerated<T: std::str::FromStr>(&self, name: &str) -> Result<Option<T>> {
        self.parse(name, "one of the GraphQL enum's values")
    }
}

/// What an export streams: its header line and a way to read the page after a row id.
enum Export {
    Subscriptions(SubscriptionFilter),
    Candidates(CandidateFilter),
    Positions(PositionFilter),
    Renewals(i32),
}

fn plan(kind: &str, params: &Params) -> Result<Export> {
    match kind {
        "subscriptions.csv" => {
            params.check(&[
                "profileId",
                "softwareModelId",
                "userPrincipalName",
                "active",
                "inactiveForDays",
                "excluded",
                "includeClosed",
            ])?;
            Ok(Export::Subscriptions(SubscriptionFilter {
                profile_id: params.id("profileId", "IntegrationProfile")?,
                software_model_id: params.id("softwareModelId", "SoftwareModel")?,
                user_principal_name: params.0.get("userPrincipalName").cloned(),
                active: params.parse("active", "true or false")?,
                inactive_for_days: params.parse("inactiveForDays", "a number of days")?,
                excluded: params.parse("excluded", "true or false")?,
                include_closed: params
                    .parse("includeClosed", "true or false")?
                    .unwrap_or(false),
            }))
        }
        "candidates.csv" => {
            params.check(&["profileId", "softwareModelId", "ruleId", "state"])?;
            let state: Option<CandidateState> = params.enumerated("state")?;
            Ok(Export::Candidates(CandidateFilter {
                states: state.map(|s| vec![s]),
                profile_id: params.id("profileId", "IntegrationProfile")?,
                software_model_id: params.id("softwareModelId", "SoftwareModel")?,
                rule_id: params.id("ruleId", "ReclamationRule")?,
            }))
        }
        "positions.csv" => {
            params.check(&[
                "softwareModelId",
                "vendor",
                "profileId",
                "complianceStatus",
                "latestOnly",
            ])?;
            let status: Option<ComplianceStatus> = params.enumerated("complianceStatus")?;
            let vendor: Option<Vendor> = params.enumerated("vendor")?;
            Ok(Export::Positions(PositionFilter {
                software_model_id: params.id("softwareModelId", "SoftwareModel")?,
                status,
                vendor,
                profile_id: params.id("profileId", "IntegrationProfile")?,
                latest_only: params.parse("latestOnly", "true or false")?.unwrap_or(true),
                order: reconciliation::PositionOrder::Oldest,
            }))
        }
        "renewals.csv" => {
            params.check(&["withinDays"])?;
            Ok(Export::Renewals(
                params
                    .parse("withinDays", "a number of days")?
                    .unwrap_or(90),
            ))
        }
        other => Err(AppError::not_found(format!(
            "export `{other}` (there are subscriptions.csv, candidates.csv, positions.csv and renewals.csv)"
        ))),
    }
}

fn header_of(export: &Export) -> &'static str {
    match export {
        Export::Subscriptions(_) => {
            "id,profileId,softwareModelId,identifier,userPrincipalName,displayName,externalUserId,active,assignedAt,lastActivityAt,excludedFromCost,excludedFromReclaim,unlicensed,firstSeenAt,lastSeenAt,closedAt\r\n"
        }
        Export::Candidates(_) => {
            "id,profileId,softwareModelId,subscriptionId,userPrincipalName,state,lastActivityAt,idleSince,thresholdDays,potentialSavings,currency,openedAt,decideBy,closedAt,closeReason,realisedSavings,reclaimedAt\r\n"
        }
        Export::Positions(_) => {
            "id,softwareModelId,computedAt,isLatest,complianceStatus,rightsOwned,rightsUsed,subscriptionsUsed,rightsAvailable,unlicensed,currency,annualSpend,trueUpCost,overLicensed,potentialSavings,actualSavings,actualSavingsThisYear\r\n"
        }
        Export::Renewals(_) => {
            "entitlementId,softwareModelId,endsOn,daysLeft,rights,modelRightsOwned,modelRightsUsed,rightsToDrop,annualSaving,currency\r\n"
        }
    }
}

fn subscription_line(out: &mut String, s: &software_subscription::Model, unlicensed: bool) {
    line(
        out,
        &[
            gid("SoftwareSubscription", Some(s.id)),
            gid("IntegrationProfile", Some(s.profile_id)),
            gid("SoftwareModel", s.software_model_id),
            Cell::Text(&s.identifier),
            Cell::Text(&s.user_principal_name),
            Cell::Text(s.display_name.as_deref().unwrap_or("")),
            Cell::Text(&s.external_user_id),
            num(s.active),
            time(s.assigned_at),
            time(s.last_activity_at),
            num(s.excluded_from_cost),
            num(s.excluded_from_reclaim),
            num(unlicensed),
            time(Some(s.first_seen_at)),
            time(Some(s.last_seen_at)),
            time(s.closed_at),
        ],
    );
}

fn candidate_line(out: &mut String, c: &Candidate) {
    line(
        out,
        &[
            gid("RemovalCandidate", Some(c.id)),
            gid("IntegrationProfile", c.profile_id),
            gid("SoftwareModel", c.software_model_id),
            gid("SoftwareSubscription", c.subscription_id),
            Cell::Text(&c.user_principal_name),
            num(c.state),
            time(c.last_activity_at),
            time(Some(c.idle_since)),
            num(c.threshold_days),
            Cell::Plain(money::format(c.potential_savings_minor)),
            Cell::Text(&c.currency),
            time(Some(c.opened_at)),
            time(c.decide_by),
            time(c.closed_at),
            Cell::Text(c.close_reason.as_deref().unwrap_or("")),
            Cell::Plain(
                c.realised_savings_minor
                    .map(money::format)
                    .unwrap_or_default(),
            ),
            time(c.reclaimed_at),
        ],
    );
}

/// One line per currency of the position (one without money when it has none).
fn position_lines(out: &mut String, p: &Position) {
    let head = |out: &mut String, rest: Vec<Cell<'_>>| {
        let mut cells = vec![
            gid("LicensePosition", Some(p.id)),
            gid("SoftwareModel", Some(p.software_model_id)),
            time(Some(p.computed_at)),
            num(p.is_latest),
            num(p.status),
            num(p.rights_owned),
            num(p.rights_used),
            num(p.subscriptions_used),
            num(p.rights_available),
            num(p.unlicensed),
        ];
        cells.extend(rest);
        line(out, &cells);
    };
    if p.amounts.is_empty() {
        head(out, (0..7).map(|_| Cell::Plain(String::new())).collect());
    }
    for a in &p.amounts {
        let m = |minor| Cell::Plain(money::format(minor));
        head(
            out,
            vec![
                Cell::Text(&a.currency),
                m(a.annual_spend),
                m(a.true_up_cost),
                m(a.over_licensed),
                m(a.potential_savings),
                m(a.actual_savings),
                m(a.actual_savings_this_year),
            ],
        );
    }
}

fn renewal_line(out: &mut String, r: &Renewal) {
    line(
        out,
        &[
            gid("Entitlement", Some(r.entitlement_id)),
            gid("SoftwareModel", Some(r.software_model_id)),
            num(r.ends_on),
            num(r.days_left),
            num(r.rights),
            num(r.model_rights_owned),
            num(r.model_rights_used),
            num(r.rights_to_drop),
            Cell::Plain(money::format(r.annual_saving_minor)),
            Cell::Text(&r.currency),
        ],
    );
}

/// The page of rows after `after` rendered as CSV, and the id to continue after (none at
/// the end).
async fn page(
    state: &AppState,
    export: &Export,
    after: Option<i64>,
) -> Result<(String, Option<i64>)> {
    let req = PageRequest {
        after,
        before: None,
        first: Some(PAGE_ROWS),
        last: None,
    };
    let mut out = String::new();
    let next = match export {
        Export::Subscriptions(filter) => {
            let page = subscriptions::list(&state.db, filter, &req).await?;
            let ids = page.items.iter().map(|s| s.id);
            let marked = match (ids.clone().min(), ids.max()) {
                (Some(low), Some(high)) => {
                    reconciliation::unlicensed_between(&state.db, low, high).await?
                }
                _ => Default::default(),
            };
            page.items
                .iter()
                .for_each(|s| subscription_line(&mut out, s, marked.contains(&s.id)));
            page.has_next
                .then(|| page.items.last().map(|s| s.id))
                .flatten()
        }
        Export::Candidates(filter) => {
            let page = reclamation::list(&state.db, filter, CandidateOrder::Id, &req).await?;
            page.items.iter().for_each(|c| candidate_line(&mut out, c));
            page.has_next
                .then(|| page.items.last().map(|c| c.id))
                .flatten()
        }
        Export::Positions(filter) => {
            let page = reconciliation::list(&state.db, filter, &req).await?;
            page.items.iter().for_each(|p| position_lines(&mut out, p));
            page.has_next
                .then(|| page.items.last().map(|p| p.id))
                .flatten()
        }
        Export::Renewals(within) => {
            // A bounded list (entitlements ending within the window): one page.
            let due =
                reconciliation::renewals_due(&state.db, *within, state.clock.now().date_naive())
                    .await?;
            due.iter().for_each(|r| renewal_line(&mut out, r));
            None
        }
    };
    Ok((out, next))
}

/// The rest of the export after the first page, a page at a time.
fn rest(
    state: AppState,
    export: Export,
    mut after: Option<i64>,
) -> impl Stream<Item = std::result::Result<Bytes, actix_web::Error>> {
    async_stream::stream! {
        while let Some(id) = after {
            match page(&state, &export, Some(id)).await {
                Ok((chunk, next)) => {
                    after = next;
                    yield Ok(Bytes::from(chunk));
                }
                Err(err) => {
                    // The status is sent: cutting the body short tells the client.
                    tracing::error!(error = %err.message(), "export stopped");
                    yield Err(actix_web::error::ErrorInternalServerError("export stopped"));
                    break;
                }
            }
        }
    }
}

/// `GET /export/{kind}.csv`.
pub async fn download(
    state: web::Data<AppState>,
    req: HttpRequest,
    kind: web::Path<String>,
    query: web::Query<HashMap<String, String>>,
) -> HttpResponse {
    let principal = match super::graphql::authenticate(&state, req.headers()).await {
        Ok(p) => p,
        Err(err) => return error(status_of(&err), &err),
    };
    if let Err(err) = principal.require(Role::Viewer) {
        return error(status_of(&err), &err);
    }
    let export = match plan(&kind, &Params(query.into_inner())) {
        Ok(e) => e,
        Err(err) => return error(status_of(&err), &err),
    };
    // The first page before the status: a filter the domain refuses is a 400, not a cut.
    let (first, next) = match page(&state, &export, None).await {
        Ok(p) => p,
        Err(err) => return error(status_of(&err), &err),
    };
    let head = Bytes::from_static(header_of(&export).as_bytes());
    let name = kind.trim_end_matches(".csv");
    let day = state.clock.now().format("%Y-%m-%d");
    let body = futures_util::stream::iter([Ok(head), Ok(Bytes::from(first))]).chain(rest(
        state.get_ref().clone(),
        export,
        next,
    ));
    HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"seatkeeper-{name}-{day}.csv\""),
        ))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .streaming(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(values: &[Cell<'_>]) -> String {
        let mut out = String::new();
        line(&mut out, values);
        out
    }

    #[test]
    fn fields_are_quoted_and_formulas_defused() {
        assert_eq!(
            render(&[
                Cell::Text("plain"),
                Cell::Text("a,b"),
                Cell::Text("say \"hi\""),
                Cell::Text("=HYPERLINK(\"x\")"),
                Cell::Text("two\nlines"),
                Cell::Plain("-12.50".into()),
            ]),
            "plain,\"a,b\",\"say \"\"hi\"\"\",\"'=HYPERLINK(\"\"x\"\")\",\"two\nlines\",-12.50\r\n"
        );
    }
}
