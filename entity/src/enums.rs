//! Every status, vendor, kind and role, defined once: the same enum is the database column
//! (`DeriveActiveEnum`, stored as its SCREAMING_SNAKE_CASE name), the GraphQL enum and the
//! job payload field.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

macro_rules! string_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $value:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum,
            Serialize, Deserialize, async_graphql::Enum,
        )]
        #[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
        #[serde(rename_all = "SCREAMING_SNAKE_CASE")]
        pub enum $name {
            $($(#[$vmeta])* #[sea_orm(string_value = $value)] #[graphql(name = $value)] $variant),+
        }

        impl $name {
            /// The stored and wire name, e.g. `DRAFT`.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $value),+ }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($value => Ok($name::$variant),)+
                    other => Err(format!("unknown {} `{other}`", stringify!($name))),
                }
            }
        }
    };
}

string_enum! {
    /// A SaaS vendor Seatkeeper has a connector for.
    Vendor {
        /// Zoom (regular accounts): Meetings licenses and the Webinar add-on.
        Zoom = "ZOOM",
        /// GoTo: GoToMeeting, GoToWebinar, GoToConnect, GoToTraining, GoToAssist, OpenVoice.
        GoTo = "GOTO",
        /// Aha! Roadmaps paid seats.
        Aha = "AHA",
    }
}

string_enum! {
    /// Where a vendor tenant lives, when the vendor runs more than one cloud: each names every
    /// URL of the vendor (API, OAuth, GoTo Connect) at once.
    VendorCloud {
        /// Zoom's commercial cloud: `api.zoom.us`, OAuth on `zoom.us`.
        Zoom = "ZOOM",
        /// Zoom for Government: `api.zoomgov.com`, OAuth on `zoomgov.com`.
        ZoomGov = "ZOOM_GOV",
        /// GoTo: `api.getgo.com`, OAuth on `authentication.logmeininc.com`, Connect on
        /// `api.goto.com`.
        GoTo = "GOTO",
    }
}

// `string_enum!` derives a fixed set, without `Default`.
#[allow(clippy::derivable_impls)]
impl Default for CredentialSet {
    fn default() -> Self {
        CredentialSet::Primary
    }
}

impl VendorCloud {
    /// The vendor whose cloud this is.
    pub fn vendor(self) -> Vendor {
        match self {
            VendorCloud::Zoom | VendorCloud::ZoomGov => Vendor::Zoom,
            VendorCloud::GoTo => Vendor::GoTo,
        }
    }
}

string_enum! {
    /// Which of an alias's OAuth clients: its own, or the second one GoTo Connect's call
    /// history may need (a GoTo OAuth client is granted scopes per client).
    CredentialSet {
        /// The alias's own client and tokens: every call but GoTo Connect's, and those too
        /// when no GoTo Connect client is set.
        Primary = "PRIMARY",
        /// GoTo Connect's own client and tokens (scope `cr.v1.read`).
        GoToConnect = "GOTO_CONNECT",
    }
}

string_enum! {
    /// Lifecycle of an integration profile.
    ProfileStatus {
        /// Being configured; no scheduled jobs run.
        Draft = "DRAFT",
        /// Validated and live: its scheduled jobs run.
        Published = "PUBLISHED",
    }
}

string_enum! {
    /// What an API token may do.
    Role {
        /// Read everything except secrets.
        Viewer = "VIEWER",
        /// Viewer, plus act on removal candidates.
        Reclaimer = "RECLAIMER",
        /// Viewer and reclaimer, plus rules, exclusions, entitlements, reconciliation and tokens.
        Admin = "ADMIN",
        /// Viewer, plus integration profiles, connection aliases and credentials.
        Integrator = "INTEGRATOR",
    }
}

string_enum! {
    /// State of a removal candidate.
    CandidateState {
        /// Needs a person: the vendor refused the reclaim (its message and code are on the
        /// candidate), or a notice could not be sent. `retry` makes it `READY` again.
        AttentionRequired = "ATTENTION_REQUIRED",
        /// Flagged and cleared to go: a reclaimer (or the rule, when it reclaims by itself)
        /// may reclaim it now.
        Ready = "READY",
        /// The holder was told and may keep or release the seat; silence means reclaim after
        /// the rule's waiting days.
        AwaitingUser = "AWAITING_USER",
        /// The rule requires approval (or the holder asked to keep it): an approver decides.
        AwaitingApproval = "AWAITING_APPROVAL",
        /// The product has no reclaim API: an admin removes the seat at the vendor by hand,
        /// then completes the candidate.
        AwaitingRevocation = "AWAITING_REVOCATION",
        /// Claimed by a reclaim run, which is at the vendor with it now.
        Reclaiming = "RECLAIMING",
        /// Reclaimed: the vendor no longer lists the seat; the saving is realised.
        ClosedComplete = "CLOSED_COMPLETE",
        /// Not reclaimed and no longer pursued: rejected, skipped, the seat left some other
        /// way, or its profile was deleted.
        ClosedSkipped = "CLOSED_SKIPPED",
        /// Qualifying activity came back before the reclaim ran.
        ClosedCanceled = "CLOSED_CANCELED",
    }
}

impl CandidateState {
    /// Closed states are final.
    pub fn is_closed(self) -> bool {
        matches!(
            self,
            CandidateState::ClosedComplete
                | CandidateState::ClosedSkipped
                | CandidateState::ClosedCanceled
        )
    }
}

string_enum! {
    /// Kind of background work.
    JobKind {
        /// Download who holds which license.
        DownloadSubscriptions = "DOWNLOAD_SUBSCRIPTIONS",
        /// Pull user activity.
        PullActivity = "PULL_ACTIVITY",
        /// Reclaim removal candidates through the vendor.
        Reclaim = "RECLAIM",
        /// Reconcile usage against entitlements.
        Reconcile = "RECONCILE",
        /// Deliver the notices waiting in the outbox.
        DeliverNotices = "DELIVER_NOTICES",
    }
}

string_enum! {
    /// State of a job run.
    JobState {
        /// Waiting for a worker.
        Queued = "QUEUED",
        /// A worker is on it.
        Running = "RUNNING",
        /// Finished without error.
        Succeeded = "SUCCEEDED",
        /// Finished with an error.
        Failed = "FAILED",
        /// Stopped before it finished.
        Canceled = "CANCELED",
    }
}

string_enum! {
    /// How a notice reaches its receiver.
    NoticeChannel {
        /// Email over SMTP to the seat holder.
        Email = "EMAIL",
        /// A signed JSON POST to the configured webhook.
        Webhook = "WEBHOOK",
    }
}

string_enum! {
    /// What an entitlement's unit cost pays for.
    EntitlementPeriod {
        /// One right for a month.
        Monthly = "MONTHLY",
        /// One right for a quarter.
        Quarterly = "QUARTERLY",
        /// One right for a year.
        Annual = "ANNUAL",
        /// One right for the whole term, from its start to its end.
        WholeTerm = "WHOLE_TERM",
    }
}

string_enum! {
    /// Whether an entitlement counts.
    EntitlementState {
        /// Being drawn up: ignored by reconciliation and cost.
        Draft = "DRAFT",
        /// Counts within its dates.
        Active = "ACTIVE",
    }
}

string_enum! {
    /// What a notice is.
    NoticeKind {
        /// The first notice to the seat holder.
        Notice = "NOTICE",
        /// A reminder to the holder before the reclaim date.
        Reminder = "REMINDER",
        /// A request to the rule's approver to decide a kept seat.
        Approval = "APPROVAL",
    }
}

string_enum! {
    /// Where a notice is in its delivery.
    NoticeState {
        /// Waiting for its (next) attempt.
        Pending = "PENDING",
        /// An attempt is under way.
        Sending = "SENDING",
        /// The receiver accepted it.
        Sent = "SENT",
        /// Every attempt failed; its candidate needs attention.
        Failed = "FAILED",
        /// Not sent: its candidate left `AWAITING_USER` before it went out.
        Dropped = "DROPPED",
    }
}

string_enum! {
    /// How one execution (attempt) of a job run ended.
    AttemptOutcome {
        /// The run finished in this attempt.
        Finished = "FINISHED",
        /// The attempt failed; the run was retried or failed with it.
        Failed = "FAILED",
        /// The worker executing it stopped without a word (killed, out of memory, power
        /// loss); another worker took the run over.
        WorkerLost = "WORKER_LOST",
        /// A stopping server handed the run back to the queue after its grace.
        HandedBack = "HANDED_BACK",
        /// The run was canceled (its profile was deleted).
        Canceled = "CANCELED",
    }
}

string_enum! {
    /// What a user did that counts as activity.
    ActivityKind {
        /// Hosted a meeting.
        MeetingHosted = "MEETING_HOSTED",
        /// Hosted a webinar.
        WebinarHosted = "WEBINAR_HOSTED",
        /// Made or took a call.
        CallMade = "CALL_MADE",
        /// Signed in or accessed the product.
        Login = "LOGIN",
    }
}

impl ActivityKind {
    /// The small code `activity_event.kind` stores (never renumber: rows keep them).
    pub fn code(self) -> i16 {
        match self {
            ActivityKind::MeetingHosted => 1,
            ActivityKind::WebinarHosted => 2,
            ActivityKind::CallMade => 3,
            ActivityKind::Login => 4,
        }
    }

    /// The kind a stored code stands for.
    pub fn from_code(code: i16) -> Option<Self> {
        Some(match code {
            1 => ActivityKind::MeetingHosted,
            2 => ActivityKind::WebinarHosted,
            3 => ActivityKind::CallMade,
            4 => ActivityKind::Login,
            _ => return None,
        })
    }
}

string_enum! {
    /// Compliance position of a software model after reconciliation.
    ComplianceStatus {
        /// Usage is within the rights owned, with at most 10% of them unused.
        Compliant = "COMPLIANT",
        /// More is used than owned: a true-up is due.
        UnderLicensed = "UNDER_LICENSED",
        /// More than 10% of the rights owned are unused.
        OverLicensed = "OVER_LICENSED",
        /// No active entitlement is recorded.
        NoEntitlement = "NO_ENTITLEMENT",
    }
}

#[cfg(test)]
mod tests {
    use sea_orm::Iterable;

    use super::ActivityKind;

    #[test]
    fn activity_kind_codes_round_trip_and_are_distinct() {
        let codes: std::collections::HashSet<i16> =
            ActivityKind::iter().map(ActivityKind::code).collect();
        assert_eq!(codes.len(), ActivityKind::iter().count());
        for kind in ActivityKind::iter() {
            assert_eq!(ActivityKind::from_code(kind.code()), Some(kind));
        }
        assert_eq!(ActivityKind::from_code(0), None);
    }
}
