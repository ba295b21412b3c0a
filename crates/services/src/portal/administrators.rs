//! *Administratorer*: a company's administrators with their last login and rights; only a
//! super-administrator adds administrators and changes rights. Rights take effect on the next
//! page: the session reads them every request.

use sentral_domain::platform::{AdminRight, Administrator, SmsMessage};
use sentral_domain::portal::PortalRole;
use sentral_domain::secret::random_id;
use sentral_domain::{EntityId, Msisdn, Secret, Timestamp};
use sentral_store::portal::min_bedrift as store;
use sentral_store::{platform as repo, portal as logins};
use serde::Serialize;
use serde_json::json;

use super::login::{insert_portal_login, portal_login_record};
use super::{NewPortalLogin, PortalFailure, PortalUser};
use crate::admin::{new_password, require_text};
use crate::platform::audit;
use crate::{Platform, ServiceError};

/// A line of the *Administratorer* table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AdministratorLine {
    pub id: EntityId,
    pub name: String,
    pub email: String,
    pub mobile: Option<String>,
    pub super_admin: bool,
    pub rights: Vec<AdminRight>,
    /// From the administrator's portal login; `None` when never logged in.
    pub last_login_at: Option<Timestamp>,
    /// The administrator looking at the page.
    pub is_self: bool,
}

impl AdministratorLine {
    pub fn has(&self, right: AdminRight) -> bool {
        self.rights.contains(&right)
    }
}

/// A new administrator and where the first password went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CreatedAdministrator {
    pub administrator: AdministratorLine,
    pub password_sent_to: Msisdn,
}

/// The rights in the order of the seed's table: Mobil, Fastnett, Rapporter, Mobilt
/// Bedriftsnett, APIer; without repeats.
fn ordered(rights: &[AdminRight]) -> Vec<AdminRight> {
    AdminRight::ALL
        .into_iter()
        .filter(|right| rights.contains(right))
        .collect()
}

impl Platform {
    /// The company's administrators, by name.
    pub async fn administrators(
        &self,
        user: &PortalUser,
    ) -> Result<Vec<AdministratorLine>, ServiceError> {
        let company = user.company().ok_or_else(|| {
            PortalFailure::Forbidden("this page is for the administrators of a company".into())
        })?;
        let mut conn = self.store.read().await?;
        let admins = repo::administrators(&mut conn, company).await?;
        let company_logins = logins::logins_of_org(&mut conn, company).await?;
        let own_id = own_administrator_id(user);
        Ok(admins
            .into_iter()
            .map(|admin| {
                let login = company_logins
                    .iter()
                    .find(|login| login.administrator_id.as_ref() == Some(&admin.id));
                AdministratorLine {
                    is_self: own_id == Some(&admin.id),
                    mobile: login.and_then(|login| login.mobile.clone()),
                    last_login_at: login.and_then(|login| login.last_login_at),
                    rights: ordered(&admin.rights),
                    id: admin.id,
                    name: admin.name,
                    email: admin.email,
                    super_admin: admin.super_admin,
                }
            })
            .collect())
    }

    /// One administrator of the company (another company's answers NotFound).
    pub async fn administrator_line(
        &self,
        user: &PortalUser,
        administrator_id: &EntityId,
    ) -> Result<AdministratorLine, ServiceError> {
        self.administrators(user)
            .await?
            .into_iter()
            .find(|line| &line.id == administrator_id)
            .ok_or_else(|| ServiceError::not_found(format!("administrator {administrator_id}")))
    }

    /// *Ny administrator* (super-administrators only): the administrator, its portal login and
    /// a first password sent by SMS to the mobile.
    pub async fn new_administrator(
        &self,
        user: &PortalUser,
        name: &str,
        email: &str,
        mobile: &str,
        rights: &[AdminRight],
    ) -> Result<CreatedAdministrator, ServiceError> {
        let company = user.require_super_admin()?.clone();
        require_text("name", name)?;
        let email = email.trim().to_lowercase();
        if !email.contains('@') || email.len() > 200 {
            return Err(ServiceError::invalid("email", "must be an e-mail address"));
        }
        let msisdn = Msisdn::parse(mobile)
            .map_err(|_| ServiceError::invalid("mobile", "not a mobile number"))?;
        let local: String = msisdn
            .as_str()
            .strip_prefix("47")
            .unwrap_or_default()
            .to_owned();
        if local.len() != 8 {
            return Err(ServiceError::invalid(
                "mobile",
                "must be a Norwegian mobile number (8 digits)",
            ));
        }
        let mut conn = self.store.read().await?;
        for taken in [&email, &local] {
            if logins::login_by_name(&mut conn, taken).await?.is_some() {
                return Err(ServiceError::Conflict {
                    what: format!("a portal login {taken}"),
                });
            }
        }
        drop(conn);
        let now = self.now();
        let admin = Administrator {
            id: EntityId::new(random_id("adm")),
            org_number: company.clone(),
            name: name.trim().to_owned(),
            email: email.clone(),
            super_admin: false,
            rights: ordered(rights),
        };
        let password = new_password();
        let login = portal_login_record(
            NewPortalLogin {
                role: PortalRole::Administrator,
                administrator_id: Some(admin.id.clone()),
                org_number: Some(company.clone()),
                name: admin.name.clone(),
                email: admin.email.clone(),
                mobile: Some(local.clone()),
                password: Secret::new(password.expose()),
            },
            now,
        )?;
        let message = SmsMessage {
            to: msisdn.clone(),
            text: format!(
                "Du er administrator i Min Bedrift. Logg inn med {} og passordet {}",
                admin.email,
                password.expose()
            ),
            sent_at: now,
        };
        let sms = self.sms_gateway();
        // The administrator, its login and the SMS commit together or not at all.
        let mut tx = self.store.write().await?;
        repo::insert_administrator(&mut tx, &admin, now).await?;
        let rights_text: Vec<&str> = admin.rights.iter().map(|right| right.as_str()).collect();
        let detail = json!({"orgNumber": company, "email": admin.email, "rights": rights_text});
        audit(
            &mut tx,
            now,
            &user.actor(),
            "administrator.create",
            admin.id.as_str(),
            detail,
        )
        .await?;
        insert_portal_login(&mut tx, &user.actor(), &login, now).await?;
        sms.send(&mut tx, &message).await?;
        audit(
            &mut tx,
            now,
            &user.actor(),
            "administrator.send-password",
            admin.id.as_str(),
            json!({"to": msisdn}),
        )
        .await?;
        tx.commit().await?;
        Ok(CreatedAdministrator {
            administrator: AdministratorLine {
                id: admin.id,
                name: admin.name,
                email: admin.email,
                mobile: Some(local),
                super_admin: false,
                rights: admin.rights,
                last_login_at: None,
                is_self: false,
            },
            password_sent_to: msisdn,
        })
    }

    /// Changes an administrator's rights and super-administrator status (super-administrators
    /// only, the company's own administrators only). Nobody takes away their own
    /// super-administrator status, so a company always keeps one.
    pub async fn set_administrator_rights(
        &self,
        user: &PortalUser,
        administrator_id: &EntityId,
        rights: &[AdminRight],
        super_admin: bool,
    ) -> Result<AdministratorLine, ServiceError> {
        let company = user.require_super_admin()?.clone();
        if own_administrator_id(user) == Some(administrator_id) && !super_admin {
            return Err(ServiceError::NotAllowed(
                "you cannot take away your own super-administrator status".into(),
            ));
        }
        let rights = ordered(rights);
        let now = self.now();
        let mut tx = self.store.write().await?;
        let admin = repo::administrator(&mut tx, administrator_id)
            .await?
            .filter(|admin| admin.org_number == company)
            .ok_or_else(|| ServiceError::not_found(format!("administrator {administrator_id}")))?;
        store::set_administrator_rights(&mut tx, &admin.id, super_admin, &rights).await?;
        let before: Vec<&str> = admin.rights.iter().map(|right| right.as_str()).collect();
        let after: Vec<&str> = rights.iter().map(|right| right.as_str()).collect();
        let detail = json!({"rights": after, "before": before, "superAdmin": super_admin,
            "superAdminBefore": admin.super_admin});
        audit(
            &mut tx,
            now,
            &user.actor(),
            "administrator.rights",
            admin.id.as_str(),
            detail,
        )
        .await?;
        tx.commit().await?;
        self.administrator_line(user, administrator_id).await
    }
}

fn own_administrator_id(user: &PortalUser) -> Option<&EntityId> {
    match &user.role {
        super::PortalUserRole::Administrator {
            administrator_id, ..
        } => Some(administrator_id),
        _ => None,
    }
}
