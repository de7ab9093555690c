use thiserror::Error;

/// Errors from starting or configuring a simulator.
#[derive(Debug, Error)]
pub enum SimError {
    #[error("invalid configuration: {0}")]
    InvalidConfig(String),
    #[error("cannot listen: {0}")]
    Io(#[from] std::io::Error),
    #[error("invalid fault: {0}")]
    InvalidFault(String),
}

pub type Result<T> = std::result::Result<T, SimError>;
