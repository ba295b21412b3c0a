//! Plain types and rules of the sentral platform. No I/O: values are parsed once at the edge
//! (HTTP, command line, store) and trusted everywhere else.

pub mod clock;
pub mod corporate;
pub mod directory;
pub mod error;
pub mod ids;
pub mod kpn;
pub mod platform;
pub mod portal;
pub mod products;
pub mod secret;

pub use clock::{Clock, SandboxClock, SystemClock, Timestamp};
pub use error::DomainError;
pub use ids::{ClientId, EntityId, Msisdn, OrgNumber, SystemUserName};
pub use products::ApiProduct;
pub use secret::Secret;
