//! Switchable faults. Transient ones (429 storms, 5xx, delays, hangs, broken JSON) hit the
//! next `times` API requests (all of them while `times` is `None`); paging ones shape the
//! primary user list until cleared. OAuth and `/_sim` requests are never faulted.

use std::str::FromStr;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::error::SimError;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Fault {
    /// 429 with the vendor's body and headers, regardless of the real limits.
    RateLimitStorm { times: Option<u32> },
    /// 500 with the vendor's JSON body; 502, 503 and 504 with a gateway's HTML page.
    ServerError { status: u16, times: Option<u32> },
    /// Answers normally after a delay.
    Slow { delay_ms: u64, times: Option<u32> },
    /// Holds the request for `SimConfig::hang`, then answers 504: the client times out first.
    Timeout { times: Option<u32> },
    /// 200 with a body that is not JSON.
    MalformedJson { times: Option<u32> },
    /// 200 with the first half of the JSON body.
    TruncatedJson { times: Option<u32> },
    /// After `after` more API requests, every OAuth access token is revoked (refresh tokens
    /// keep working).
    RevokeTokens { after: u32 },
    /// The given page (1-based) of the user list comes back empty, paging fields intact.
    EmptyPage { page: u32 },
    /// The given page of the user list leaves out its first `count` users.
    DropUsers { page: u32, count: u32 },
    /// Every page after the first repeats the last `count` users of the page before.
    DuplicateUsers { count: u32 },
}

impl Fault {
    pub(crate) fn validate(&self) -> Result<(), SimError> {
        let bad = |m: &str| Err(SimError::InvalidFault(m.to_string()));
        match self {
            Fault::ServerError { status, .. } if !matches!(status, 500 | 502 | 503 | 504) => {
                bad("server_error status must be 500, 502, 503 or 504")
            }
            Fault::EmptyPage { page: 0 } | Fault::DropUsers { page: 0, .. } => {
                bad("pages count from 1")
            }
            Fault::RateLimitStorm { times: Some(0) }
            | Fault::ServerError { times: Some(0), .. }
            | Fault::Slow { times: Some(0), .. }
            | Fault::Timeout { times: Some(0) }
            | Fault::MalformedJson { times: Some(0) }
            | Fault::TruncatedJson { times: Some(0) } => bad("times must be at least 1"),
            _ => Ok(()),
        }
    }

    fn times(&self) -> Option<u32> {
        match self {
            Fault::RateLimitStorm { times }
            | Fault::ServerError { times, .. }
            | Fault::Slow { times, .. }
            | Fault::Timeout { times }
            | Fault::MalformedJson { times }
            | Fault::TruncatedJson { times } => *times,
            Fault::RevokeTokens { .. }
            | Fault::EmptyPage { .. }
            | Fault::DropUsers { .. }
            | Fault::DuplicateUsers { .. } => None,
        }
    }
}

/// CLI syntax: `429`, `500`, `502`, `503`, `504`, `slow=MS`, `timeout`, `malformed`,
/// `truncated` (each optionally `xN`, e.g. `503x2`), `revoke=N`, `empty-page=P`,
/// `drop=P:COUNT`, `duplicate=COUNT`.
impl FromStr for Fault {
    type Err = SimError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || SimError::InvalidFault(format!("cannot parse fault {s:?}"));
        let (body, times) = match s.rsplit_once('x') {
            Some((b, n))
                if !b.is_empty() && !n.is_empty() && n.bytes().all(|c| c.is_ascii_digit()) =>
            {
                (b, Some(n.parse::<u32>().map_err(|_| err())?))
            }
            _ => (s, None),
        };
        let (name, arg) = body
            .split_once('=')
            .map_or((body, None), |(n, a)| (n, Some(a)));
        let num = |a: Option<&str>| -> Result<u64, SimError> {
            a.map(|a| a.trim_end_matches("ms"))
                .ok_or_else(err)?
                .parse()
                .map_err(|_| err())
        };
        let fault = match name {
            "429" => Fault::RateLimitStorm { times },
            "500" | "502" | "503" | "504" => Fault::ServerError {
                status: name.parse().map_err(|_| err())?,
                times,
            },
            "slow" => Fault::Slow {
                delay_ms: num(arg)?,
                times,
            },
            "timeout" => Fault::Timeout { times },
            "malformed" => Fault::MalformedJson { times },
            "truncated" => Fault::TruncatedJson { times },
            "revoke" => Fault::RevokeTokens {
                after: num(arg.or(Some("0")))? as u32,
            },
            "empty-page" => Fault::EmptyPage {
                page: num(arg)? as u32,
            },
            "duplicate" => Fault::DuplicateUsers {
                count: num(arg)? as u32,
            },
            "drop" => {
                let (p, c) = arg.and_then(|a| a.split_once(':')).ok_or_else(err)?;
                Fault::DropUsers {
                    page: num(Some(p))? as u32,
                    count: num(Some(c))? as u32,
                }
            }
            _ => return Err(err()),
        };
        fault.validate()?;
        Ok(fault)
    }
}

/// What the faults do to one API request.
#[derive(Debug, Default)]
pub(crate) struct Plan {
    pub respond: Option<Respond>,
    pub delay: Option<Duration>,
    pub mangle: Option<Mangle>,
    pub revoke_now: bool,
}

#[derive(Debug, Clone, Copy)]
pub(crate) enum Respond {
    RateLimited,
    Status(u16),
    Hang,
}

#[derive(Debug, Clone, Copy)]
pub(crate) enum Mangle {
    Malformed,
    Truncated,
}

/// The paging faults in force, read by the user-list handlers.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct PagingFaults {
    pub empty_page: Option<u32>,
    pub drop: Option<(u32, u32)>,
    pub duplicate: u32,
}

struct Active {
    fault: Fault,
    remaining: Option<u32>,
    spent: bool,
}

#[derive(Default)]
pub(crate) struct FaultState {
    active: Vec<Active>,
}

impl FaultState {
    pub fn set(&mut self, fault: Fault) {
        let remaining = match &fault {
            Fault::RevokeTokens { after } => Some(*after),
            f => f.times(),
        };
        self.active.push(Active {
            fault,
            remaining,
            spent: false,
        });
    }

    pub fn clear(&mut self) {
        self.active.clear();
    }

    pub fn list(&self) -> Vec<Fault> {
        self.active.iter().map(|a| a.fault.clone()).collect()
    }

    /// Consumes one use of each transient fault that applies to this request.
    pub fn plan(&mut self) -> Plan {
        let mut plan = Plan::default();
        for a in &mut self.active {
            let used = match a.fault {
                Fault::RevokeTokens { .. } => {
                    match a.remaining.as_mut() {
                        Some(0) => {
                            plan.revoke_now = true;
                            a.spent = true;
                        }
                        Some(n) => *n -= 1,
                        None => {}
                    }
                    continue;
                }
                Fault::RateLimitStorm { .. } if plan.respond.is_none() => {
                    plan.respond = Some(Respond::RateLimited);
                    true
                }
                Fault::ServerError { status, .. } if plan.respond.is_none() => {
                    plan.respond = Some(Respond::Status(status));
                    true
                }
                Fault::Timeout { .. } if plan.respond.is_none() => {
                    plan.respond = Some(Respond::Hang);
                    true
                }
                Fault::Slow { delay_ms, .. } if plan.delay.is_none() => {
                    plan.delay = Some(Duration::from_millis(delay_ms));
                    true
                }
                Fault::MalformedJson { .. } if plan.mangle.is_none() => {
                    plan.mangle = Some(Mangle::Malformed);
                    true
                }
                Fault::TruncatedJson { .. } if plan.mangle.is_none() => {
                    plan.mangle = Some(Mangle::Truncated);
                    true
                }
                _ => false,
            };
            if used && let Some(n) = a.remaining.as_mut() {
                *n -= 1;
                a.spent = *n == 0;
            }
        }
        self.active.retain(|a| !a.spent);
        plan
    }

    pub fn paging(&self) -> PagingFaults {
        let mut p = PagingFaults::default();
        for a in &self.active {
            match a.fault {
                Fault::EmptyPage { page } => p.empty_page = Some(page),
                Fault::DropUsers { page, count } => p.drop = Some((page, count)),
                Fault::DuplicateUsers { count } => p.duplicate = count,
                _ => {}
            }
        }
        p
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cli_syntax_parses() {
        assert_eq!(
            "503x2".parse::<Fault>().unwrap(),
            Fault::ServerError {
                status: 503,
                times: Some(2)
            }
        );
        assert_eq!(
            "slow=250ms".parse::<Fault>().unwrap(),
            Fault::Slow {
                delay_ms: 250,
                times: None
            }
        );
        assert_eq!(
            "drop=2:5".parse::<Fault>().unwrap(),
            Fault::DropUsers { page: 2, count: 5 }
        );
        assert_eq!(
            "revoke=3".parse::<Fault>().unwrap(),
            Fault::RevokeTokens { after: 3 }
        );
        assert!("418".parse::<Fault>().is_err());
    }

    #[test]
    fn counted_faults_run_out_and_revocation_fires_once() {
        let mut s = FaultState::default();
        s.set(Fault::ServerError {
            status: 500,
            times: Some(2),
        });
        s.set(Fault::RevokeTokens { after: 1 });
        let plans: Vec<Plan> = (0..4).map(|_| s.plan()).collect();
        assert!(
            plans[0].respond.is_some() && plans[1].respond.is_some() && plans[2].respond.is_none()
        );
        let fired: Vec<bool> = plans.iter().map(|p| p.revoke_now).collect();
        assert_eq!(fired, [false, true, false, false]);
        assert!(s.list().is_empty());
    }
}
