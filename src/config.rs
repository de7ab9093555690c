//! Settings: defaults, then an optional `seatkeeper.toml`, then `SEATKEEPER_*` environment
//! variables. A bad value stops the server with one line naming the setting.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::secret::Secret;

mod notices;

pub use notices::{NoticeSettings, SmtpSettings, SmtpTls, WebhookSettings};
use notices::{smtp_settings, template, webhook_settings};

/// Where the data lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DatabaseKind {
    /// The embedded default.
    Sqlite,
    /// Production and multi-node.
    Postgres,
}

/// How logs are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

/// Which part of the system a `serve` process runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ServeRole {
    /// GraphQL only: mutations enqueue, nothing runs jobs.
    Api,
    /// Job workers and the scheduler (plus health routes).
    Worker,
    /// Both (the embedded default).
    #[default]
    All,
}

impl ServeRole {
    /// Whether this process runs job workers and the scheduler.
    pub fn runs_workers(self) -> bool {
        matches!(self, ServeRole::Worker | ServeRole::All)
    }
}

impl std::str::FromStr for ServeRole {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "api" => Ok(ServeRole::Api),
            "worker" => Ok(ServeRole::Worker),
            "all" => Ok(ServeRole::All),
            other => Err(format!("`{other}` is not api, worker or all")),
        }
    }
}

/// Everything the server reads at start.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `SEATKEEPER_LISTEN`.
    pub listen: SocketAddr,
    /// `SEATKEEPER_DATABASE_URL`.
    pub database_url: Secret,
    /// `SEATKEEPER_ADMIN_TOKEN`.
    pub admin_token: Option<Secret>,
    /// `SEATKEEPER_MASTER_KEY`, base64 of 32 bytes.
    pub master_key: Option<Secret>,
    /// `SEATKEEPER_METRICS_TOKEN`: when set, `/metrics` answers only a request with
    /// `Authorization: Bearer <it>` (a Prometheus scrape's `authorization.credentials`);
    /// unset, `/metrics` is open, for a scrape on a private network.
    pub metrics_token: Option<Secret>,
    /// `SEATKEEPER_LOG_FORMAT`.
    pub log_format: LogFormat,
    /// `SEATKEEPER_DB_MAX_CONNECTIONS`.
    pub db_max_connections: u32,
    /// `SEATKEEPER_MAX_PAGE_SIZE`.
    pub max_page_size: usize,
    /// `SEATKEEPER_HTTP_WORKERS`: HTTP worker threads (default: one per core).
    pub http_workers: usize,
    /// `SEATKEEPER_PUBLIC_URL`: how vendors' browsers reach this server (OAuth callback);
    /// defaults to `http://` + the bound address.
    pub public_url: Option<String>,
    /// `SEATKEEPER_VENDOR_RATE_LIMIT`: `vendor` (the documented limits, default), `off`, or
    /// a number of requests per second (an account with a raised limit, a simulator).
    pub vendor_rate_limit: crate::connectors::RateLimits,
    /// `SEATKEEPER_ZOOM_ADDON_CHECKS`: read each Licensed Zoom user's settings for the
    /// Webinar add-on at download (default true); false skips those per-user calls.
    pub zoom_addon_checks: bool,
    /// `SEATKEEPER_ZOOM_ADDON_RECHECK_DAYS`: a user's add-ons, once checked, are taken as
    /// known for between half of this and this many days (spread per user, so the checks
    /// of a big tenant fall on different days); default 7, 0 checks at every download.
    pub zoom_addon_recheck_days: u32,
    /// `SEATKEEPER_ROLE` (or `serve --role`): api, worker or all.
    pub role: ServeRole,
    /// `SEATKEEPER_WORKER_CONCURRENCY`: job runs one worker process executes at once.
    pub worker_concurrency: usize,
    /// `SEATKEEPER_SCHEDULER_INTERVAL_SECS`: how often workers look for due scheduled jobs.
    pub scheduler_interval_secs: u64,
    /// `SEATKEEPER_JOB_RETRY_BACKOFF_MS`: wait before a failed run's second attempt
    /// (tripled before the third).
    pub job_retry_backoff_ms: u64,
    /// `SEATKEEPER_VENDOR_RETRIES`: retries of one vendor call after a 429 or a transient
    /// failure, with exponential backoff from 0.5 s (default 5).
    pub vendor_retries: u32,
    /// `SEATKEEPER_SHUTDOWN_GRACE_SECS`: on SIGTERM, how long running jobs get to finish
    /// before they are handed back to the queue for another worker (default 8; at most
    /// [`MAX_SHUTDOWN_GRACE_SECS`], so that no other worker takes a stopping one's runs
    /// as orphans while it still executes them).
    pub shutdown_grace_secs: u64,
    /// `SEATKEEPER_JOB_MAX_LOST_WORKERS`: a run whose worker stopped without finishing it
    /// this many times (killed, out of memory) fails with `WORKER_LOST` instead of running
    /// again (default 3).
    pub job_max_lost_workers: u32,
    /// `SEATKEEPER_ACTIVITY_PER_USER_BUDGET`: users an activity pull asks about one by one
    /// at most (the vendor's expensive calls); the rest wait for the next pull (default
    /// 5,000).
    pub activity_per_user_budget: usize,
    /// `SEATKEEPER_RESTORE_WINDOW_DAYS`: how long after a reclaim the seat can be given
    /// back with `restoreReclaimedSubscription` (default 30).
    pub restore_window_days: u32,
    /// How notices reach seat holders (`SEATKEEPER_SMTP_*`, `SEATKEEPER_NOTICE_*`).
    pub notices: NoticeSettings,
}

/// The longest shutdown grace: the orphan bound (another worker takes a silent worker's
/// tasks 15 s after its last heartbeat) less one heartbeat (the last one may be up to 5 s
/// old at SIGTERM) and a 2 s margin for handing the runs back.
pub const MAX_SHUTDOWN_GRACE_SECS: u64 =
    crate::jobs::ORPHAN_AFTER.as_secs() - crate::jobs::HEARTBEAT.as_secs() - 2;

/// The setting that could not be used, and why.
#[derive(Debug, thiserror::Error)]
#[error("invalid setting {name}: {reason}")]
pub struct ConfigError {
    /// The public name of the setting, e.g. `SEATKEEPER_LISTEN`.
    pub name: String,
    /// What is wrong with it.
    pub reason: String,
}

fn invalid(name: &str, reason: impl Into<String>) -> ConfigError {
    ConfigError {
        name: name.to_owned(),
        reason: reason.into(),
    }
}

/// The optional `seatkeeper.toml`: the same settings, lower-case without the prefix.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSettings {
    listen: Option<String>,
    database_url: Option<String>,
    admin_token: Option<String>,
    master_key: Option<String>,
    metrics_token: Option<String>,
    log_format: Option<String>,
    db_max_connections: Option<String>,
    max_page_size: Option<String>,
    http_workers: Option<String>,
    public_url: Option<String>,
    vendor_rate_limit: Option<String>,
    zoom_addon_checks: Option<String>,
    zoom_addon_recheck_days: Option<String>,
    role: Option<String>,
    worker_concurrency: Option<String>,
    scheduler_interval_secs: Option<String>,
    job_retry_backoff_ms: Option<String>,
    vendor_retries: Option<String>,
    restore_window_days: Option<String>,
    activity_per_user_budget: Option<String>,
    shutdown_grace_secs: Option<String>,
    job_max_lost_workers: Option<String>,
    smtp_host: Option<String>,
    smtp_port: Option<String>,
    smtp_tls: Option<String>,
    smtp_username: Option<String>,
    smtp_password: Option<String>,
    smtp_from: Option<String>,
    notice_webhook_url: Option<String>,
    notice_webhook_secret: Option<String>,
    notice_subject: Option<String>,
    notice_text: Option<String>,
    notice_html: Option<String>,
    notice_retries: Option<String>,
    notice_retry_secs: Option<String>,
}

impl Settings {
    /// This server's OAuth callback, the redirect URL an admin registers at the vendor.
    pub fn oauth_callback_url(&self) -> String {
        let public = self
            .public_url
            .as_deref()
            .unwrap_or("http://127.0.0.1:8080");
        format!("{}/oauth/callback", public.trim_end_matches('/'))
    }

    pub const DEFAULT_LISTEN: &'static str = "127.0.0.1:8080";
    pub const DEFAULT_DATABASE_URL: &'static str = "sqlite://seatkeeper.db?mode=rwc";

    /// Reads `seatkeeper.toml` (or the file named by `SEATKEEPER_CONFIG`) and the environment.
    pub fn load() -> Result<Self, ConfigError> {
        let path = std::env::var("SEATKEEPER_CONFIG").ok().map(PathBuf::from);
        let explicit = path.is_some();
        let path = path.unwrap_or_else(|| PathBuf::from("seatkeeper.toml"));
        let file = if path.exists() {
            let text = std::fs::read_to_string(&path)
                .map_err(|e| invalid("SEATKEEPER_CONFIG", format!("{}: {e}", path.display())))?;
            toml::from_str::<FileSettings>(&text)
                .map_err(|e| invalid("SEATKEEPER_CONFIG", format!("{}: {e}", path.display())))?
        } else if explicit {
            return Err(invalid(
                "SEATKEEPER_CONFIG",
                format!("{} does not exist", path.display()),
            ));
        } else {
            FileSettings::default()
        };
        Self::from_sources(file, |name| std::env::var(name).ok())
    }

    /// Settings from the defaults and the environment only (no file).
    pub fn from_env_fn(env: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        Self::from_sources(FileSettings::default(), env)
    }

    fn from_sources(
        file: FileSettings,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        let pick = |name: &str, from_file: Option<String>| {
            env(name).filter(|v| !v.is_empty()).or(from_file)
        };
        let listen_raw = pick("SEATKEEPER_LISTEN", file.listen)
            .unwrap_or_else(|| Self::DEFAULT_LISTEN.to_owned());
        let listen = listen_raw.parse().map_err(|_| {
            invalid(
                "SEATKEEPER_LISTEN",
                format!("`{listen_raw}` is not an address like 127.0.0.1:8080"),
            )
        })?;
        let database_url = pick("SEATKEEPER_DATABASE_URL", file.database_url)
            .unwrap_or_else(|| Self::DEFAULT_DATABASE_URL.to_owned());
        if !(database_url.starts_with("sqlite:")
            || database_url.starts_with("postgres://")
            || database_url.starts_with("postgresql://"))
        {
            return Err(invalid(
                "SEATKEEPER_DATABASE_URL",
                "must start with sqlite:, postgres:// or postgresql://",
            ));
        }
        let log_format = match pick("SEATKEEPER_LOG_FORMAT", file.log_format).as_deref() {
            None | Some("text") => LogFormat::Text,
            Some("json") => LogFormat::Json,
            Some(other) => {
                return Err(invalid(
                    "SEATKEEPER_LOG_FORMAT",
                    format!("`{other}` is not text or json"),
                ));
            }
        };
        let db_max_connections = parse_number(
            "SEATKEEPER_DB_MAX_CONNECTIONS",
            pick("SEATKEEPER_DB_MAX_CONNECTIONS", file.db_max_connections),
            8,
            1..=1000,
        )?;
        let max_page_size = parse_number(
            "SEATKEEPER_MAX_PAGE_SIZE",
            pick("SEATKEEPER_MAX_PAGE_SIZE", file.max_page_size),
            500,
            1..=10_000,
        )?;
        let cores = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(2);
        let http_workers = parse_number(
            "SEATKEEPER_HTTP_WORKERS",
            pick("SEATKEEPER_HTTP_WORKERS", file.http_workers),
            cores,
            1..=256,
        )?;
        let role = match pick("SEATKEEPER_ROLE", file.role) {
            None => ServeRole::All,
            Some(raw) => raw
                .parse()
                .map_err(|reason: String| invalid("SEATKEEPER_ROLE", reason))?,
        };
        let worker_concurrency = parse_number(
            "SEATKEEPER_WORKER_CONCURRENCY",
            pick("SEATKEEPER_WORKER_CONCURRENCY", file.worker_concurrency),
            4,
            1..=64,
        )?;
        let scheduler_interval_secs = parse_number(
            "SEATKEEPER_SCHEDULER_INTERVAL_SECS",
            pick(
                "SEATKEEPER_SCHEDULER_INTERVAL_SECS",
                file.scheduler_interval_secs,
            ),
            30,
            1..=3600,
        )?;
        let job_retry_backoff_ms = parse_number(
            "SEATKEEPER_JOB_RETRY_BACKOFF_MS",
            pick("SEATKEEPER_JOB_RETRY_BACKOFF_MS", file.job_retry_backoff_ms),
            5_000,
            0..=3_600_000,
        )?;
        let vendor_retries = parse_number(
            "SEATKEEPER_VENDOR_RETRIES",
            pick("SEATKEEPER_VENDOR_RETRIES", file.vendor_retries),
            5,
            0..=10,
        )?;
        let restore_window_days = parse_number(
            "SEATKEEPER_RESTORE_WINDOW_DAYS",
            pick("SEATKEEPER_RESTORE_WINDOW_DAYS", file.restore_window_days),
            30,
            0..=365,
        )?;
        let activity_per_user_budget = parse_number(
            "SEATKEEPER_ACTIVITY_PER_USER_BUDGET",
            pick(
                "SEATKEEPER_ACTIVITY_PER_USER_BUDGET",
                file.activity_per_user_budget,
            ),
            crate::domain::sync::PER_USER_BUDGET,
            0..=1_000_000,
        )?;
        let shutdown_grace_secs = parse_number(
            "SEATKEEPER_SHUTDOWN_GRACE_SECS",
            pick("SEATKEEPER_SHUTDOWN_GRACE_SECS", file.shutdown_grace_secs),
            8,
            0..=MAX_SHUTDOWN_GRACE_SECS as usize,
        )?;
        let job_max_lost_workers = parse_number(
            "SEATKEEPER_JOB_MAX_LOST_WORKERS",
            pick("SEATKEEPER_JOB_MAX_LOST_WORKERS", file.job_max_lost_workers),
            3,
            1..=100,
        )?;
        let public_url = pick("SEATKEEPER_PUBLIC_URL", file.public_url)
            .map(|raw| {
                crate::domain::validate::http_url("SEATKEEPER_PUBLIC_URL", &raw).map_err(|_| {
                    invalid("SEATKEEPER_PUBLIC_URL", "must be an absolute http(s) URL")
                })
            })
            .transpose()?;
        let vendor_rate_limit = match pick("SEATKEEPER_VENDOR_RATE_LIMIT", file.vendor_rate_limit)
            .as_deref()
        {
            None | Some("vendor") => crate::connectors::RateLimits::Vendor,
            Some("off") => crate::connectors::RateLimits::Off,
            Some(n) => match n.trim().parse::<u32>() {
                Ok(n) if n > 0 => crate::connectors::RateLimits::PerSecond(n),
                _ => {
                    return Err(invalid(
                        "SEATKEEPER_VENDOR_RATE_LIMIT",
                        format!(
                            "`{n}` is not vendor, off or a positive number of requests per second"
                        ),
                    ));
                }
            },
        };
        let zoom_addon_checks =
            match pick("SEATKEEPER_ZOOM_ADDON_CHECKS", file.zoom_addon_checks).as_deref() {
                None | Some("true") => true,
                Some("false") => false,
                Some(other) => {
                    return Err(invalid(
                        "SEATKEEPER_ZOOM_ADDON_CHECKS",
                        format!("`{other}` is not true or false"),
                    ));
                }
            };
        let zoom_addon_recheck_days = match pick(
            "SEATKEEPER_ZOOM_ADDON_RECHECK_DAYS",
            file.zoom_addon_recheck_days,
        ) {
            None => 7,
            Some(days) => match days.trim().parse::<u32>() {
                Ok(days) if days <= 365 => days,
                _ => {
                    return Err(invalid(
                        "SEATKEEPER_ZOOM_ADDON_RECHECK_DAYS",
                        format!("`{days}` is not a number of days from 0 to 365"),
                    ));
                }
            },
        };
        let notices = NoticeSettings {
            smtp: smtp_settings(
                pick("SEATKEEPER_SMTP_HOST", file.smtp_host),
                pick("SEATKEEPER_SMTP_PORT", file.smtp_port),
                pick("SEATKEEPER_SMTP_TLS", file.smtp_tls),
                pick("SEATKEEPER_SMTP_USERNAME", file.smtp_username),
                pick("SEATKEEPER_SMTP_PASSWORD", file.smtp_password),
                pick("SEATKEEPER_SMTP_FROM", file.smtp_from),
            )?,
            webhook: webhook_settings(
                pick("SEATKEEPER_NOTICE_WEBHOOK_URL", file.notice_webhook_url),
                pick(
                    "SEATKEEPER_NOTICE_WEBHOOK_SECRET",
                    file.notice_webhook_secret,
                ),
            )?,
            subject_template: template(
                "SEATKEEPER_NOTICE_SUBJECT",
                pick("SEATKEEPER_NOTICE_SUBJECT", file.notice_subject),
            )?,
            text_template: template(
                "SEATKEEPER_NOTICE_TEXT",
                pick("SEATKEEPER_NOTICE_TEXT", file.notice_text),
            )?,
            html_template: template(
                "SEATKEEPER_NOTICE_HTML",
                pick("SEATKEEPER_NOTICE_HTML", file.notice_html),
            )?,
            retries: parse_number(
                "SEATKEEPER_NOTICE_RETRIES",
                pick("SEATKEEPER_NOTICE_RETRIES", file.notice_retries),
                5,
                0..=20,
            )? as u32,
            retry_secs: parse_number(
                "SEATKEEPER_NOTICE_RETRY_SECS",
                pick("SEATKEEPER_NOTICE_RETRY_SECS", file.notice_retry_secs),
                30,
                0..=86_400,
            )? as u64,
        };
        let master_key = pick("SEATKEEPER_MASTER_KEY", file.master_key).map(Secret::new);
        if let Some(key) = &master_key {
            crate::secret::Cipher::from_base64(key.expose())
                .map_err(|reason| invalid("SEATKEEPER_MASTER_KEY", reason))?;
        }
        let settings = Settings {
            listen,
            database_url: Secret::new(database_url),
            admin_token: pick("SEATKEEPER_ADMIN_TOKEN", file.admin_token).map(Secret::new),
            master_key,
            metrics_token: pick("SEATKEEPER_METRICS_TOKEN", file.metrics_token).map(Secret::new),
            log_format,
            db_max_connections: db_max_connections as u32,
            max_page_size,
            http_workers,
            public_url,
            vendor_rate_limit,
            zoom_addon_checks,
            zoom_addon_recheck_days,
            role,
            worker_concurrency,
            scheduler_interval_secs: scheduler_interval_secs as u64,
            job_retry_backoff_ms: job_retry_backoff_ms as u64,
            vendor_retries: vendor_retries as u32,
            restore_window_days: restore_window_days as u32,
            activity_per_user_budget,
            shutdown_grace_secs: shutdown_grace_secs as u64,
            job_max_lost_workers: job_max_lost_workers as u32,
            notices,
        };
        if settings.database_kind() == DatabaseKind::Postgres && settings.master_key.is_none() {
            return Err(invalid(
                "SEATKEEPER_MASTER_KEY",
                "is required with PostgreSQL (base64 of 32 random bytes, e.g. `openssl rand -base64 32`)",
            ));
        }
        for (name, token) in [
            ("SEATKEEPER_ADMIN_TOKEN", &settings.admin_token),
            ("SEATKEEPER_METRICS_TOKEN", &settings.metrics_token),
        ] {
            if token.as_ref().is_some_and(|t| t.expose().trim().len() < 16) {
                return Err(invalid(name, "must be at least 16 characters"));
            }
        }
        Ok(settings)
    }

    /// Demo mode: its own SQLite file unless a database was configured, every role in
    /// this process, and no pacing against the local simulators.
    pub fn prepare_demo(&mut self) {
        if std::env::var("SEATKEEPER_DATABASE_URL").is_err()
            && self.database_url.expose() == Self::DEFAULT_DATABASE_URL
        {
            self.database_url = Secret::new("sqlite://seatkeeper-demo.db?mode=rwc");
        }
        self.role = ServeRole::All;
        self.vendor_rate_limit = crate::connectors::RateLimits::Off;
    }

    /// Which database the URL selects.
    pub fn database_kind(&self) -> DatabaseKind {
        if self.database_url.expose().starts_with("sqlite:") {
            DatabaseKind::Sqlite
        } else {
            DatabaseKind::Postgres
        }
    }

    /// The SQLite file, when the database is a SQLite file (not `:memory:`).
    pub fn sqlite_path(&self) -> Option<PathBuf> {
        let url = self.database_url.expose().strip_prefix("sqlite:")?;
        let path = url.trim_start_matches("//");
        let path = path.split('?').next().unwrap_or_default();
        if path.is_empty() || path.contains(":memory:") {
            return None;
        }
        Some(PathBuf::from(path))
    }

    /// Where the generated master key lives when none is configured: beside the database.
    pub fn key_file_path(&self) -> PathBuf {
        match self.sqlite_path() {
            Some(db) => {
                let dir = db
                    .parent()
                    .filter(|p| !p.as_os_str().is_empty())
                    .unwrap_or(Path::new("."));
                let stem = db
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                dir.join(format!("{stem}.key"))
            }
            None => PathBuf::from("seatkeeper.key"),
        }
    }
}

fn parse_number(
    name: &str,
    raw: Option<String>,
    default: usize,
    range: std::ops::RangeInclusive<usize>,
) -> Result<usize, ConfigError> {
    let Some(raw) = raw else { return Ok(default) };
    let value: usize = raw
        .trim()
        .parse()
        .map_err(|_| invalid(name, format!("`{raw}` is not a whole number")))?;
    if !range.contains(&value) {
        return Err(invalid(
            name,
            format!("{value} is outside {}..={}", range.start(), range.end()),
        ));
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn settings(vars: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Settings::from_env_fn(|name| map.get(name).cloned())
    }

    #[test]
    fn defaults_are_sqlite_on_localhost() {
        let s = settings(&[]).unwrap();
        assert_eq!(s.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(s.database_kind(), DatabaseKind::Sqlite);
        assert_eq!(s.sqlite_path().unwrap(), PathBuf::from("seatkeeper.db"));
        assert_eq!(s.key_file_path(), PathBuf::from("./seatkeeper.db.key"));
    }

    #[test]
    fn a_bad_listen_address_names_the_setting() {
        let err = settings(&[("SEATKEEPER_LISTEN", "nope")]).unwrap_err();
        assert_eq!(err.name, "SEATKEEPER_LISTEN");
    }

    #[test]
    fn postgres_requires_a_master_key() {
        let err =
            settings(&[("SEATKEEPER_DATABASE_URL", "postgres://x@localhost/db")]).unwrap_err();
        assert_eq!(err.name, "SEATKEEPER_MASTER_KEY");
    }

    #[test]
    fn a_short_master_key_is_refused() {
        let err = settings(&[("SEATKEEPER_MASTER_KEY", "c2hvcnQ=")]).unwrap_err();
        assert_eq!(err.name, "SEATKEEPER_MASTER_KEY");
    }

    #[test]
    fn the_role_defaults_to_all_and_names_itself_when_wrong() {
        assert_eq!(settings(&[]).unwrap().role, ServeRole::All);
        let api = settings(&[("SEATKEEPER_ROLE", "api")]).unwrap();
        assert!(!api.role.runs_workers());
        let err = settings(&[("SEATKEEPER_ROLE", "both")]).unwrap_err();
        assert_eq!(err.name, "SEATKEEPER_ROLE");
    }

    #[test]
    fn the_shutdown_grace_stays_below_the_orphan_bound() {
        assert_eq!(settings(&[]).unwrap().shutdown_grace_secs, 8);
        assert_eq!(MAX_SHUTDOWN_GRACE_SECS, 8);
        let err = settings(&[("SEATKEEPER_SHUTDOWN_GRACE_SECS", "20")]).unwrap_err();
        assert_eq!(err.name, "SEATKEEPER_SHUTDOWN_GRACE_SECS");
    }

    #[test]
    fn zoom_addon_recheck_days_default_to_a_week_and_refuse_nonsense() {
        assert_eq!(settings(&[]).unwrap().zoom_addon_recheck_days, 7);
        let every = settings(&[("SEATKEEPER_ZOOM_ADDON_RECHECK_DAYS", "0")]).unwrap();
        assert_eq!(every.zoom_addon_recheck_days, 0);
        for bad in ["-1", "week", "366"] {
            let err = settings(&[("SEATKEEPER_ZOOM_ADDON_RECHECK_DAYS", bad)]).unwrap_err();
            assert_eq!(err.name, "SEATKEEPER_ZOOM_ADDON_RECHECK_DAYS");
        }
    }

    #[test]
    fn zoom_addon_checks_default_on_and_accept_only_true_or_false() {
        assert!(settings(&[]).unwrap().zoom_addon_checks);
        let off = settings(&[("SEATKEEPER_ZOOM_ADDON_CHECKS", "false")]).unwrap();
        assert!(!off.zoom_addon_checks);
        let err = settings(&[("SEATKEEPER_ZOOM_ADDON_CHECKS", "no")]).unwrap_err();
        assert_eq!(err.name, "SEATKEEPER_ZOOM_ADDON_CHECKS");
    }

    #[test]
    fn an_unknown_database_scheme_is_refused() {
        let err = settings(&[("SEATKEEPER_DATABASE_URL", "mysql://x")]).unwrap_err();
        assert_eq!(err.name, "SEATKEEPER_DATABASE_URL");
    }
}
