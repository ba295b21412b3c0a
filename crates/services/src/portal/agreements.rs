//! *Avtaler* for administrators with the right *Mobilt Bedriftsnett*: the MBN agreements the
//! company can see, their agreement products, and on the Connect product the **system user
//! settings** (contact person for the password, access rights, user name, *Send nytt passord
//! på SMS*).
//!
//! What a company sees: the MBN agreements it owns, and — when it is a partner — the
//! agreements carrying one of its Connect products (the "Connect Vendor MBN API Test" product
//! or one of its Connect services), because its system user works on those. A system user is
//! managed by its partner, or by the agreement's owner; anything else answers NotFound.

use sentral_domain::platform::{
    AdminRight, Agreement, CONNECT_TEST_PRODUCT, ContactPerson, Grants, Organization, SystemUser,
};
use sentral_domain::{EntityId, Msisdn, OrgNumber, SystemUserName};
use sentral_store::portal::min_bedrift as store;
use sentral_store::{Connection, platform as repo};
use serde::Serialize;
use serde_json::json;

use super::PortalUser;
use super::dealer::MBN_CATEGORY;
use crate::admin::{require_text, system_user};
use crate::platform::audit;
use crate::{Platform, ServiceError};

/// An agreement product (*Avtaleprodukter*).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AgreementProduct {
    pub name: String,
    pub status: String,
    /// The Connect product whose system user settings the page shows.
    pub has_system_user: bool,
}

/// An MBN agreement as Min Bedrift shows it: *Generelt* and *Avtaleprodukter*.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PortalAgreement {
    pub agreement: Agreement,
    pub owner_name: String,
    /// The company owns it (otherwise it carries the partner's Connect product).
    pub own: bool,
    pub products: Vec<AgreementProduct>,
}

/// *Innstillinger for systembruker*.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SystemUserSettings {
    pub agreement_id: String,
    pub product: String,
    pub username: SystemUserName,
    pub contact: ContactPerson,
    pub grants: Grants,
    /// The companies the grants may name: the agreement's owner and its subsidiaries.
    pub reachable_companies: Vec<Organization>,
    /// The accounts the grants may name: those the reachable companies own.
    pub reachable_accounts: Vec<String>,
}

impl SystemUserSettings {
    pub fn company_count(&self) -> usize {
        self.grants.companies.len()
    }

    pub fn account_count(&self) -> usize {
        self.grants.accounts.len()
    }
}

/// Whom the administrator acts for: the company, and its partner id if it is a partner.
struct Viewer {
    company: OrgNumber,
    partner_id: Option<EntityId>,
}

impl Platform {
    pub async fn portal_agreements(
        &self,
        user: &PortalUser,
    ) -> Result<Vec<PortalAgreement>, ServiceError> {
        let mut conn = self.store.read().await?;
        let viewer = viewer(&mut conn, user).await?;
        let agreements = store::agreements_of_company(
            &mut conn,
            &viewer.company,
            viewer.partner_id.as_ref(),
            MBN_CATEGORY,
        )
        .await?;
        let mut lines = Vec::with_capacity(agreements.len());
        for agreement in agreements {
            lines.push(portal_agreement(&mut conn, &viewer, agreement).await?);
        }
        Ok(lines)
    }

    pub async fn portal_agreement(
        &self,
        user: &PortalUser,
        agreement_id: &str,
    ) -> Result<PortalAgreement, ServiceError> {
        let mut conn = self.store.read().await?;
        let viewer = viewer(&mut conn, user).await?;
        let agreement = visible_agreement(&mut conn, &viewer, agreement_id).await?;
        portal_agreement(&mut conn, &viewer, agreement).await
    }

    pub async fn system_user_settings(
        &self,
        user: &PortalUser,
        agreement_id: &str,
    ) -> Result<SystemUserSettings, ServiceError> {
        let mut conn = self.store.read().await?;
        let viewer = viewer(&mut conn, user).await?;
        let agreement = visible_agreement(&mut conn, &viewer, agreement_id).await?;
        let system_user = managed_system_user(&mut conn, &viewer, &agreement).await?;
        settings(&mut conn, &agreement, system_user).await
    }

    /// The contact person who gets the system user's passwords by SMS.
    pub async fn update_system_user_contact(
        &self,
        user: &PortalUser,
        agreement_id: &str,
        name: &str,
        mobile: &str,
        email: &str,
    ) -> Result<SystemUserSettings, ServiceError> {
        require_text("contact name", name)?;
        let email = email.trim();
        if !email.contains('@') || email.len() > 200 {
            return Err(ServiceError::invalid(
                "contact e-mail",
                "must be an e-mail address",
            ));
        }
        let contact = ContactPerson {
            name: name.trim().to_owned(),
            mobile: Msisdn::parse(mobile)
                .map_err(|_| ServiceError::invalid("contact mobile", "not a mobile number"))?,
            email: email.to_owned(),
        };
        let now = self.now();
        let mut tx = self.store.write().await?;
        let viewer = viewer(&mut tx, user).await?;
        let agreement = visible_agreement(&mut tx, &viewer, agreement_id).await?;
        let system_user = managed_system_user(&mut tx, &viewer, &agreement).await?;
        store::set_system_user_contact(&mut tx, &system_user.id, &contact).await?;
        let detail = json!({"username": system_user.username, "name": contact.name,
            "mobile": contact.mobile, "email": contact.email});
        audit(
            &mut tx,
            now,
            &user.actor(),
            "system-user.contact",
            system_user.id.as_str(),
            detail,
        )
        .await?;
        tx.commit().await?;
        let mut conn = self.store.read().await?;
        let system_user = self.reload_system_user(&mut conn, &system_user).await?;
        settings(&mut conn, &agreement, system_user).await
    }

    /// The application's access rights: companies and accounts within the agreement's owner
    /// and its subsidiaries only. The system user's cached tokens are dropped.
    pub async fn update_system_user_grants(
        &self,
        user: &PortalUser,
        agreement_id: &str,
        companies: &[String],
        accounts: &[String],
    ) -> Result<SystemUserSettings, ServiceError> {
        let now = self.now();
        let mut tx = self.store.write().await?;
        let viewer = viewer(&mut tx, user).await?;
        let agreement = visible_agreement(&mut tx, &viewer, agreement_id).await?;
        let system_user = managed_system_user(&mut tx, &viewer, &agreement).await?;
        let reach = repo::organizations_with_subsidiaries(
            &mut tx,
            std::slice::from_ref(&agreement.org_number),
        )
        .await?;
        let mut grants = Grants::default();
        for company in companies.iter().map(|c| c.trim()).filter(|c| !c.is_empty()) {
            let org = OrgNumber::parse(company)
                .map_err(|e| ServiceError::invalid("company", e.to_string()))?;
            if !reach.contains(&org) {
                return Err(ServiceError::invalid(
                    "company",
                    format!("{org} is not within agreement {}", agreement.id),
                ));
            }
            if !grants.companies.contains(&org) {
                grants.companies.push(org);
            }
        }
        let reachable_accounts = accounts_of(&mut tx, &reach).await?;
        for account in accounts.iter().map(|a| a.trim()).filter(|a| !a.is_empty()) {
            if !reachable_accounts.iter().any(|own| own == account) {
                return Err(ServiceError::invalid(
                    "account",
                    format!(
                        "{account} is not an account within agreement {}",
                        agreement.id
                    ),
                ));
            }
            if !grants.accounts.iter().any(|a| a == account) {
                grants.accounts.push(account.to_owned());
            }
        }
        store::replace_grants(&mut tx, &system_user.id, &grants).await?;
        let detail = json!({"username": system_user.username, "grants": grants,
            "before": system_user.grants});
        audit(
            &mut tx,
            now,
            &user.actor(),
            "system-user.grants",
            system_user.id.as_str(),
            detail,
        )
        .await?;
        tx.commit().await?;
        self.evict_tokens_of_system_user(&system_user.id);
        let mut conn = self.store.read().await?;
        let system_user = self.reload_system_user(&mut conn, &system_user).await?;
        settings(&mut conn, &agreement, system_user).await
    }

    /// *Send nytt passord på SMS* (a fresh login needed): a new password to the contact person;
    /// the old one stops working at once and the system user's tokens are revoked.
    pub async fn portal_send_new_password(
        &self,
        user: &PortalUser,
        username: &SystemUserName,
    ) -> Result<Msisdn, ServiceError> {
        user.require_right(AdminRight::Mbn)?;
        user.require_fresh_login(self.now(), "send a new password")?;
        let mut conn = self.store.read().await?;
        let viewer = viewer(&mut conn, user).await?;
        let not_found = || ServiceError::not_found(format!("system user {username}"));
        let system_user = repo::system_user_by_name(&mut conn, username)
            .await?
            .ok_or_else(not_found)?;
        let agreement = visible_agreement(&mut conn, &viewer, &system_user.agreement_id)
            .await
            .map_err(|_| not_found())?;
        let managed = managed_system_user(&mut conn, &viewer, &agreement)
            .await
            .map_err(|_| not_found())?;
        if managed.id != system_user.id {
            return Err(not_found());
        }
        drop(conn);
        self.send_new_password(&user.actor(), username).await
    }

    async fn reload_system_user(
        &self,
        conn: &mut Connection,
        current: &SystemUser,
    ) -> Result<SystemUser, ServiceError> {
        system_user(conn, &current.username).await
    }
}

async fn viewer(conn: &mut Connection, user: &PortalUser) -> Result<Viewer, ServiceError> {
    let company = user.require_right(AdminRight::Mbn)?.clone();
    let partner_id = repo::partner_by_org(conn, &company)
        .await?
        .map(|partner| partner.id);
    Ok(Viewer {
        company,
        partner_id,
    })
}

/// An MBN agreement the viewer owns or that carries the viewer's Connect product.
async fn visible_agreement(
    conn: &mut Connection,
    viewer: &Viewer,
    agreement_id: &str,
) -> Result<Agreement, ServiceError> {
    store::agreements_of_company(
        conn,
        &viewer.company,
        viewer.partner_id.as_ref(),
        MBN_CATEGORY,
    )
    .await?
    .into_iter()
    .find(|agreement| agreement.id == agreement_id)
    .ok_or_else(|| ServiceError::not_found(format!("agreement {agreement_id}")))
}

/// The system user the viewer manages on the agreement: the partner's own, or — for the
/// agreement's owner — the first one on it.
async fn managed_system_user(
    conn: &mut Connection,
    viewer: &Viewer,
    agreement: &Agreement,
) -> Result<SystemUser, ServiceError> {
    let mut ids = match &viewer.partner_id {
        Some(partner_id) => {
            store::system_user_ids_on_agreement(conn, Some(partner_id), &agreement.id).await?
        }
        None => Vec::new(),
    };
    if ids.is_empty() && agreement.org_number == viewer.company {
        ids = store::system_user_ids_on_agreement(conn, None, &agreement.id).await?;
    }
    let not_found =
        || ServiceError::not_found(format!("system user on agreement {}", agreement.id));
    let id = ids.into_iter().next().ok_or_else(not_found)?;
    repo::system_user(conn, &id).await?.ok_or_else(not_found)
}

async fn portal_agreement(
    conn: &mut Connection,
    viewer: &Viewer,
    agreement: Agreement,
) -> Result<PortalAgreement, ServiceError> {
    let owner_name = repo::organization(conn, &agreement.org_number)
        .await?
        .map(|org| org.name)
        .unwrap_or_default();
    let has_system_user = managed_system_user(conn, viewer, &agreement).await.is_ok();
    let products = store::agreement_product_names(conn, &agreement.id)
        .await?
        .into_iter()
        .map(|(name, status)| AgreementProduct {
            has_system_user: has_system_user && name == CONNECT_TEST_PRODUCT,
            name,
            status,
        })
        .collect();
    Ok(PortalAgreement {
        own: agreement.org_number == viewer.company,
        agreement,
        owner_name,
        products,
    })
}

async fn accounts_of(
    conn: &mut Connection,
    companies: &[OrgNumber],
) -> Result<Vec<String>, ServiceError> {
    let mut accounts = Vec::new();
    for company in companies {
        accounts.extend(store::account_ids_of_org(conn, company).await?);
    }
    Ok(accounts)
}

async fn settings(
    conn: &mut Connection,
    agreement: &Agreement,
    system_user: SystemUser,
) -> Result<SystemUserSettings, ServiceError> {
    let reach =
        repo::organizations_with_subsidiaries(conn, std::slice::from_ref(&agreement.org_number))
            .await?;
    let mut reachable_companies = Vec::new();
    for org in &reach {
        if let Some(organization) = repo::organization(conn, org).await? {
            reachable_companies.push(organization);
        }
    }
    let reachable_accounts = accounts_of(conn, &reach).await?;
    Ok(SystemUserSettings {
        agreement_id: agreement.id.clone(),
        product: CONNECT_TEST_PRODUCT.to_owned(),
        username: system_user.username,
        contact: system_user.contact,
        grants: system_user.grants,
        reachable_companies,
        reachable_accounts,
    })
}
