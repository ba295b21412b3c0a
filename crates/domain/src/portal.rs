//! The onboarding portal's people: who logs in, in which role, and their sessions.

use serde::Serialize;

use crate::clock::Timestamp;
use crate::error::DomainError;
use crate::ids::{EntityId, OrgNumber};

/// Which part of the portal a login serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PortalRole {
    /// An administrator of a business customer or partner (Min Bedrift, the Developer Portal).
    Administrator,
    /// The operator's staff (the back office).
    Operator,
    /// A dealer's staff (the ordering system).
    Dealer,
}

impl PortalRole {
    pub const fn as_str(self) -> &'static str {
        match self {
            PortalRole::Administrator => "administrator",
            PortalRole::Operator => "operator",
            PortalRole::Dealer => "dealer",
        }
    }

    pub fn parse(text: &str) -> Result<Self, DomainError> {
        match text {
            "administrator" => Ok(PortalRole::Administrator),
            "operator" => Ok(PortalRole::Operator),
            "dealer" => Ok(PortalRole::Dealer),
            other => Err(DomainError::UnknownPortalRole(other.to_owned())),
        }
    }
}

/// A person who logs in to the portal with e-mail or mobile and a password.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortalLogin {
    pub id: EntityId,
    pub role: PortalRole,
    /// The administrator record (rights, super-administrator) of an administrator's login.
    pub administrator_id: Option<EntityId>,
    /// The company: the customer or partner of an administrator, the dealer's own company.
    pub org_number: Option<OrgNumber>,
    pub name: String,
    /// Lower case; the login name.
    pub email: String,
    /// Eight digits; also a login name.
    pub mobile: Option<String>,
    pub password_hash: String,
    pub failed_attempts: u32,
    pub locked_until: Option<Timestamp>,
    pub last_login_at: Option<Timestamp>,
    pub created_at: Timestamp,
}

/// A logged-in browser: found by the SHA-256 of the id in its cookie.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortalSessionRecord {
    pub id_hash: String,
    pub login_id: EntityId,
    /// The synchronizer token every form of this session carries.
    pub csrf_token: String,
    pub created_at: Timestamp,
    /// When the password was last given (login or re-authentication).
    pub authenticated_at: Timestamp,
    pub last_seen_at: Timestamp,
    pub expires_at: Timestamp,
}
