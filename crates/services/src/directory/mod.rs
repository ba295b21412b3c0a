//! Use cases of the MBN Catalog and User APIs: who may act for which enterprise and member, the
//! enterprise and its numbering plan, and members' directory entries.

pub mod absences;
pub mod catalog;
pub mod contact_batch;
pub mod contact_seed;
pub mod contacts;
pub mod demo;
pub mod forwarding;
pub mod queue_agents;
pub mod queue_demo;
pub mod queues;
pub mod user_demo;

use sentral_domain::directory::{Enterprise, Member};
use sentral_store::directory::{self as repo, members};

use crate::{AuthFailure, Platform, Principal, ServiceError};

/// Who an MBN token acts as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Acting<'a> {
    /// A system user ("machine user"): every member of the enterprises it is granted.
    MachineUser,
    /// An end user (authorisation code): only itself.
    EndUser { member_id: &'a str },
}

/// The MBN APIs act for a system user or an end user; a bare client-credentials token is 40101.
pub fn acting(principal: &Principal) -> Result<Acting<'_>, ServiceError> {
    match (&principal.system_user, &principal.end_user) {
        (Some(_), _) => Ok(Acting::MachineUser),
        (None, Some(end_user)) => Ok(Acting::EndUser {
            member_id: end_user.member_id.as_str(),
        }),
        (None, None) => Err(AuthFailure::SystemUserRequired.into()),
    }
}

impl Platform {
    /// An enterprise the caller may see: a machine user's granted companies, an end user's own
    /// enterprise. Others (and unknown ids) are not found.
    pub async fn visible_enterprise(
        &self,
        principal: &Principal,
        enterprise_id: &str,
    ) -> Result<Enterprise, ServiceError> {
        let acting = acting(principal)?;
        let not_found = || ServiceError::not_found(format!("enterprise {enterprise_id}"));
        let mut conn = self.store.read().await?;
        let enterprise = repo::enterprise(&mut conn, enterprise_id)
            .await?
            .ok_or_else(not_found)?;
        let visible = match acting {
            Acting::MachineUser => principal.visibility.sees_company(&enterprise.org_number),
            Acting::EndUser { member_id } => members::member(&mut conn, member_id)
                .await?
                .is_some_and(|member| member.enterprise_id.as_deref() == Some(&enterprise.id)),
        };
        if visible {
            Ok(enterprise)
        } else {
            Err(not_found())
        }
    }

    /// A member the caller may act for: any member of a machine user's enterprises, or the end
    /// user itself. A member the caller cannot see is not found; another member of an end
    /// user's own enterprise is forbidden.
    pub async fn actable_member(
        &self,
        principal: &Principal,
        member_id: &str,
    ) -> Result<Member, ServiceError> {
        let acting = acting(principal)?;
        let not_found = || {
            ServiceError::not_found(format!(
                "member {member_id} among the members you may act for"
            ))
        };
        let mut conn = self.store.read().await?;
        let member = members::member(&mut conn, member_id)
            .await?
            .filter(|member| member.enterprise_id.is_some())
            .ok_or_else(not_found)?;
        match acting {
            Acting::MachineUser if principal.visibility.sees_company(&member.org_number) => {
                Ok(member)
            }
            Acting::MachineUser => Err(not_found()),
            Acting::EndUser { member_id: own } if own == member.id.as_str() => Ok(member),
            Acting::EndUser { .. } if principal.visibility.sees_company(&member.org_number) => {
                Err(ServiceError::NotAllowed(format!(
                    "an end-user token acts only for its own member, not for {member_id}"
                )))
            }
            Acting::EndUser { .. } => Err(not_found()),
        }
    }
}
