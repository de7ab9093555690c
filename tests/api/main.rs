//! The integration test binary: the real server, real databases, simulated vendors.

mod helpers;

mod auth;
mod http_protocol;
mod operations;
mod schema_file;
mod websocket;
