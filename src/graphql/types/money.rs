//! `Money`: an exact decimal amount and its currency.

use async_graphql::SimpleObject;

use crate::domain::money;

/// An amount of money. Amounts are exact decimals in a string, never floats.
#[derive(SimpleObject, Clone, Debug, PartialEq, Eq)]
pub struct Money {
    /// The amount as a decimal with two places, e.g. "12.50".
    pub amount: String,
    /// ISO 4217 currency code, e.g. "USD".
    pub currency: String,
}

impl Money {
    /// From integer minor units (cents) and a currency code.
    pub fn from_minor(minor: i64, currency: &str) -> Self {
        Money {
            amount: money::format(minor),
            currency: currency.to_owned(),
        }
    }
}
