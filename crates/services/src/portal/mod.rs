//! The onboarding portal's use cases: who is logged in and what they may do. The portal crate's
//! pages call these; every rule about rights, roles and fresh logins is decided here.

pub mod administrators;
pub mod agreements;
pub mod applications;
pub mod back_office;
pub mod dealer;
pub mod dealer_demo;
pub mod demo;
pub mod developer_portal;
mod login;

use sentral_domain::platform::AdminRight;
use sentral_domain::portal::PortalRole;
use sentral_domain::{EntityId, OrgNumber, Timestamp};
use thiserror::Error;

use crate::ServiceError;
use crate::platform::Actor;

pub use login::{
    LOCK_AFTER_FAILURES, LOCK_SECONDS, LoginOutcome, NewPortalLogin, PortalSession,
    REAUTHENTICATE_AFTER_SECONDS, SESSION_ABSOLUTE_SECONDS, SESSION_IDLE_SECONDS,
};

/// Why the portal refused a person. Pages show these in the visitor's language.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PortalFailure {
    #[error("wrong e-mail, mobile or password")]
    BadCredentials,
    #[error("too many wrong passwords; the login is locked until {}", until.to_rfc3339())]
    Locked { until: Timestamp },
    #[error("log in first")]
    LoginRequired,
    /// A sensitive action with a login older than the re-authentication window.
    #[error("give your password again to {action}")]
    FreshLoginRequired { action: String },
    /// The person's role or rights do not cover the page or action.
    #[error("{0}")]
    Forbidden(String),
}

impl From<PortalFailure> for ServiceError {
    fn from(failure: PortalFailure) -> Self {
        ServiceError::Portal(failure)
    }
}

/// The person behind a portal session: what the services check every page and action against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortalUser {
    pub login_id: EntityId,
    pub name: String,
    pub email: String,
    pub role: PortalUserRole,
    /// When the password was last given in this session (login or re-authentication).
    pub authenticated_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PortalUserRole {
    /// An administrator of a business customer or partner.
    Administrator {
        administrator_id: EntityId,
        org_number: OrgNumber,
        super_admin: bool,
        rights: Vec<AdminRight>,
    },
    Operator,
    Dealer {
        org_number: Option<OrgNumber>,
    },
}

impl PortalUser {
    pub fn role(&self) -> PortalRole {
        match self.role {
            PortalUserRole::Administrator { .. } => PortalRole::Administrator,
            PortalUserRole::Operator => PortalRole::Operator,
            PortalUserRole::Dealer { .. } => PortalRole::Dealer,
        }
    }

    /// Who to name in the audit log for this person's changes.
    pub fn actor(&self) -> Actor {
        Actor(format!("portal:{}", self.email))
    }

    /// The company an administrator administers.
    pub fn company(&self) -> Option<&OrgNumber> {
        match &self.role {
            PortalUserRole::Administrator { org_number, .. } => Some(org_number),
            PortalUserRole::Operator | PortalUserRole::Dealer { .. } => None,
        }
    }

    pub fn has_right(&self, right: AdminRight) -> bool {
        matches!(&self.role, PortalUserRole::Administrator { rights, .. } if rights.contains(&right))
    }

    pub fn is_super_admin(&self) -> bool {
        matches!(
            &self.role,
            PortalUserRole::Administrator {
                super_admin: true,
                ..
            }
        )
    }

    /// An administrator holding `right`; answers the company administered.
    pub fn require_right(&self, right: AdminRight) -> Result<&OrgNumber, PortalFailure> {
        match &self.role {
            PortalUserRole::Administrator {
                org_number, rights, ..
            } if rights.contains(&right) => Ok(org_number),
            PortalUserRole::Administrator { .. } => Err(PortalFailure::Forbidden(format!(
                "this needs the administrator right {}",
                right.as_str()
            ))),
            _ => Err(PortalFailure::Forbidden(
                "this page is for the administrators of a company".into(),
            )),
        }
    }

    /// A super-administrator; answers the company administered.
    pub fn require_super_admin(&self) -> Result<&OrgNumber, PortalFailure> {
        match &self.role {
            PortalUserRole::Administrator {
                org_number,
                super_admin: true,
                ..
            } => Ok(org_number),
            _ => Err(PortalFailure::Forbidden(
                "only a super-administrator may manage administrators".into(),
            )),
        }
    }

    pub fn require_operator(&self) -> Result<(), PortalFailure> {
        match self.role {
            PortalUserRole::Operator => Ok(()),
            _ => Err(PortalFailure::Forbidden(
                "the back office is for the operator's staff".into(),
            )),
        }
    }

    pub fn require_dealer(&self) -> Result<(), PortalFailure> {
        match self.role {
            PortalUserRole::Dealer { .. } => Ok(()),
            _ => Err(PortalFailure::Forbidden(
                "the ordering system is for dealers".into(),
            )),
        }
    }

    /// Sensitive actions (revealing a secret, sending a new password, approving) need a password
    /// given within the last [`REAUTHENTICATE_AFTER_SECONDS`].
    pub fn require_fresh_login(&self, now: Timestamp, action: &str) -> Result<(), PortalFailure> {
        if self.authenticated_at.seconds_until(now) <= REAUTHENTICATE_AFTER_SECONDS {
            Ok(())
        } else {
            Err(PortalFailure::FreshLoginRequired {
                action: action.to_owned(),
            })
        }
    }
}
