//! Logging through `tracing`: text by default, JSON with `SEATKEEPER_LOG_FORMAT=json`,
//! filtered by `RUST_LOG`.

use tracing_subscriber::EnvFilter;

use crate::config::LogFormat;

/// What is logged when `RUST_LOG` is unset: our own info lines, not every statement sqlx
/// runs nor each migration step sea-orm-migration announces.
pub const DEFAULT_FILTER: &str = "info,sqlx=warn,sea_orm_migration=warn";

/// Installs the global subscriber once; later calls are ignored (tests call it repeatedly).
pub fn init(format: LogFormat) {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Json => builder.json().try_init(),
        LogFormat::Text => builder.try_init(),
    };
}
