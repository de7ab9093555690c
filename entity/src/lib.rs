#![forbid(unsafe_code)]
//! Seatkeeper's SeaORM entities: one module per table, plus the shared enums.

pub mod enums;
