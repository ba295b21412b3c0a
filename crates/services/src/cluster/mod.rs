//! Several `sentral serve` nodes on one PostgreSQL: every cluster-wide resource (an
//! enterprise's telephony engine) has one owner at a time, by a lease in the store whose epoch
//! fences the owner's writes ([`Ownership`]).

mod node;
mod ownership;

pub use node::{NodeId, Resource};
pub use ownership::{LeaseConfig, LeaseState, OwnedLease, Ownership, OwnershipSnapshot};
pub use sentral_store::leases::Epoch;
