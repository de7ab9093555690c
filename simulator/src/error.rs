use thiserror::Error;

/// Errors from starting, configuring or driving a simulator.
#[derive(Debug, Error)]
pub enum SimError {
    #[error("invalid configuration: {0}")]
    InvalidConfig(String),
    #[error("cannot listen: {0}")]
    Io(#[from] std::io::Error),
    #[error("invalid fault: {0}")]
    InvalidFault(String),
    /// No user of the tenant has this vendor id.
    #[error("unknown user: {0}")]
    UnknownUser(String),
    /// Recorded activity the vendor could not have seen (another vendor's product, a
    /// product without an activity API, a time in the future).
    #[error("invalid activity: {0}")]
    InvalidActivity(String),
}

pub type Result<T> = std::result::Result<T, SimError>;
