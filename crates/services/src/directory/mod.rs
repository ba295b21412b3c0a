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

use std::sync::Arc;

use sentral_domain::OrgNumber;
use sentral_domain::directory::{Enterprise, Member};
use sentral_store::directory::{self as repo, members};

use crate::cache::EnterpriseLookup;
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
    /// The enterprises of the companies a token reaches, by id: what the store answers for
    /// `principal.visibility.companies`, served from the enterprise cache (see `cache.rs` for
    /// its invalidation and staleness bound). A machine user's view; an end user sees only its
    /// own enterprise (see [`Platform::visible_enterprise`]).
    pub(crate) async fn enterprises_of_companies(
        &self,
        principal: &Principal,
    ) -> Result<Arc<[Enterprise]>, ServiceError> {
        let now = self.now();
        let recheck = i64::from(self.config.token_recheck_seconds) * 1000;
        let companies = &principal.visibility.companies;
        let generation = match self.enterprises.lookup(companies, now, recheck) {
            EnterpriseLookup::Hit(enterprises) => return Ok(enterprises),
            EnterpriseLookup::Miss { generation } => generation,
        };
        let numbers: Vec<String> = companies
            .iter()
            .map(|org| org.as_str().to_owned())
            .collect();
        let found = {
            let mut conn = self.store.read().await?;
            repo::enterprises_of(&mut conn, &numbers).await?
        };
        Ok(self.enterprises.put(generation, companies, &found, now))
    }

    /// An enterprise the caller may see: a machine user's granted companies, an end user's own
    /// enterprise. Others (and unknown ids) are not found. A machine user's enterprise comes
    /// from the enterprise cache: use it for the visibility and the id; for the row as it is
    /// in the store now (its numbering plan's length) use [`Platform::visible_enterprise_row`].
    pub async fn visible_enterprise(
        &self,
        principal: &Principal,
        enterprise_id: &str,
    ) -> Result<Enterprise, ServiceError> {
        if let Acting::MachineUser = acting(principal)? {
            return self
                .enterprises_of_companies(principal)
                .await?
                .iter()
                .find(|enterprise| enterprise.id == enterprise_id)
                .cloned()
                .ok_or_else(|| ServiceError::not_found(format!("enterprise {enterprise_id}")));
        }
        self.visible_enterprise_row(principal, enterprise_id).await
    }

    /// [`Platform::visible_enterprise`], always read from the store.
    pub async fn visible_enterprise_row(
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
        let mut conn = self.store.read().await?;
        let member = members::member(&mut conn, member_id)
            .await?
            .filter(|member| member.enterprise_id.is_some())
            .ok_or_else(|| not_actable(member_id))?;
        may_act_for(principal, acting, member_id, &member.org_number)?;
        Ok(member)
    }

    /// [`Platform::actable_member`] written by the store as the API's JSON object.
    pub async fn actable_member_json(
        &self,
        principal: &Principal,
        member_id: &str,
    ) -> Result<String, ServiceError> {
        let acting = acting(principal)?;
        let member = {
            let mut conn = self.store.read().await?;
            members::entry_json(&mut conn, member_id).await?
        };
        let member = member.ok_or_else(|| not_actable(member_id))?;
        may_act_for(principal, acting, member_id, &member.org_number)?;
        Ok(member.json)
    }
}

fn not_actable(member_id: &str) -> ServiceError {
    ServiceError::not_found(format!(
        "member {member_id} among the members you may act for"
    ))
}

/// Whether `acting` may act for the member `member_id` (in an enterprise) of company
/// `org_number`: a member the caller cannot see is not found, another member of an end user's
/// own company is forbidden.
fn may_act_for(
    principal: &Principal,
    acting: Acting<'_>,
    member_id: &str,
    org_number: &OrgNumber,
) -> Result<(), ServiceError> {
    match acting {
        Acting::MachineUser if principal.visibility.sees_company(org_number) => Ok(()),
        Acting::MachineUser => Err(not_actable(member_id)),
        Acting::EndUser { member_id: own } if own == member_id => Ok(()),
        Acting::EndUser { .. } if principal.visibility.sees_company(org_number) => {
            Err(ServiceError::NotAllowed(format!(
                "an end-user token acts only for its own member, not for {member_id}"
            )))
        }
        Acting::EndUser { .. } => Err(not_actable(member_id)),
    }
}

#[cfg(test)]
mod tests {
    use sentral_domain::OrgNumber;
    use sentral_domain::directory::Enterprise;

    use crate::{ServiceError, demo};

    /// The enterprises of a token's companies are cached: one written behind this node's back
    /// (another node, SQL) shows within the recheck bound, one written through a local
    /// invalidation at once, and one of a company the token does not reach never.
    #[tokio::test]
    async fn a_machine_users_enterprises_are_cached_with_a_bounded_staleness() {
        let crate::test_world::TestWorld {
            store,
            platform,
            principal,
            recheck_seconds: recheck,
            ..
        } = crate::test_world::TestWorld::demo().await;
        let demo_id = super::demo::DEMO_ENTERPRISE_ID;
        assert_eq!(
            platform
                .visible_enterprise(&principal, demo_id)
                .await
                .unwrap()
                .id,
            demo_id
        );
        let insert = |id: &str, org: &str| {
            let now = platform.now();
            let enterprise = Enterprise {
                id: id.into(),
                agreement_id: format!("agr-{id}"),
                org_number: OrgNumber::parse(org).unwrap(),
                name: format!("Enterprise {id}"),
                internal_number_length: 3,
                switchboard_number: None,
                created_at: now,
                updated_at: now,
            };
            let store = store.clone();
            async move {
                let mut tx = store.write().await.unwrap();
                // What the rows refer to: the organisation (when new) and an agreement of its own.
                sentral_store::db::query(
                    "INSERT INTO organizations (org_number, name, created_at) VALUES ($1, $2, 0) \
                     ON CONFLICT (org_number) DO NOTHING",
                )
                .bind(enterprise.org_number.as_str())
                .bind("Elsewhere AS")
                .execute(&mut tx)
                .await
                .unwrap();
                sentral_store::db::query(
                    "INSERT INTO agreements (id, org_number, category, valid_from, status, \
                     internal_number_length) VALUES ($1, $2, 'MBN', '2026-01-01', 'ACTIVE', 3)",
                )
                .bind(&enterprise.agreement_id)
                .bind(enterprise.org_number.as_str())
                .execute(&mut tx)
                .await
                .unwrap();
                sentral_store::directory::insert_enterprise(&mut tx, &enterprise)
                    .await
                    .unwrap();
                tx.commit().await.unwrap();
            }
        };
        let not_found = |result: Result<Enterprise, ServiceError>| {
            matches!(result, Err(ServiceError::NotFound { .. }))
        };
        insert("199001", demo::CUSTOMER_ORG).await;
        insert("199002", "920000002").await;
        assert!(
            not_found(platform.visible_enterprise(&principal, "199001").await),
            "cached"
        );
        platform.advance_clock(recheck).await.unwrap();
        assert_eq!(
            platform
                .visible_enterprise(&principal, "199001")
                .await
                .unwrap()
                .id,
            "199001",
            "re-read once the recheck bound has passed"
        );
        insert("199003", demo::CUSTOMER_ORG).await;
        platform.invalidate_enterprises();
        assert_eq!(
            platform
                .visible_enterprise(&principal, "199003")
                .await
                .unwrap()
                .id,
            "199003",
            "an invalidation shows it at once"
        );
        // Another company's enterprise is not found, cached or read anew.
        assert!(not_found(
            platform.visible_enterprise(&principal, "199002").await
        ));
        platform.advance_clock(recheck).await.unwrap();
        assert!(not_found(
            platform.visible_enterprise(&principal, "199002").await
        ));
        let ids: Vec<String> = platform
            .enterprises_of_companies(&principal)
            .await
            .unwrap()
            .iter()
            .map(|e| e.id.clone())
            .collect();
        assert_eq!(ids, vec![demo_id, "199001", "199003"]);
    }
}
