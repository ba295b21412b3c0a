//! Use cases of the sentral platform and the one place that decides authorisation.
//!
//! Every dialect (Telenor, MBN, KPN, sandbox, admin CLI) calls these services; none touches SQL.

pub mod admin;
pub mod auth;
mod cache;
pub mod cluster;
pub mod corporate;
pub mod demo;
pub mod directory;
pub mod error;
pub mod invalidation;
pub mod kpn;
pub mod limits;
pub mod passwords;
pub mod platform;
pub mod portal;
pub mod principal;
pub mod sandbox;
pub mod sealing;
pub mod sms;
pub mod telephony;
#[cfg(test)]
mod test_world;
pub mod throttle;
pub mod webhook_outbox;

pub use error::{AuthFailure, CorporateError, ServiceError};
pub use platform::{Platform, PlatformConfig};
pub use principal::{Principal, Visibility};
