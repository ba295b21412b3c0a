//! *APIer / Applikasjoner* for a partner's administrators with the right *APIer*: pilots and
//! production applications, a new pilot, *Bytt konto*, *Slett pilotapplikasjon*, and *Få
//! produksjonsversjon* (the price list and the verification request). Another company's
//! application answers NotFound.

use sentral_domain::platform::{AdminRight, AppKind, Application, Partner, VerificationStatus};
use sentral_domain::{ApiProduct, EntityId, OrgNumber};
use sentral_store::portal::min_bedrift as store;
use sentral_store::{Connection, platform as repo, tokens};
use serde::Serialize;
use serde_json::json;

use super::back_office::VerificationAnswer;
use super::{PortalFailure, PortalUser};
use crate::admin::{IssuedCredentials, NewApplication, VerificationQuote, quote, require_text};
use crate::platform::audit;
use crate::{Platform, ServiceError};

/// Where an application stands, as the tabs show it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ApplicationState {
    /// A pilot not (yet) sent for verification: *Pilotering*.
    Piloting,
    /// *Til verifisering*.
    AwaitingVerification,
    /// A pilot the operator approved: *Godkjent*.
    Approved,
    /// A production application: *I produksjon*.
    InProduction,
}

impl ApplicationState {
    pub fn of(app: &Application) -> Self {
        match (app.kind, app.verification) {
            (AppKind::Production, _) => ApplicationState::InProduction,
            (AppKind::Pilot, VerificationStatus::None) => ApplicationState::Piloting,
            (AppKind::Pilot, VerificationStatus::Requested) => {
                ApplicationState::AwaitingVerification
            }
            (AppKind::Pilot, VerificationStatus::Approved) => ApplicationState::Approved,
        }
    }
}

/// A line of a tab.
#[derive(Debug, Clone, Serialize)]
pub struct ApplicationLine {
    pub app: Application,
    pub state: ApplicationState,
    pub api_count: usize,
}

/// The two tabs: *Pilotapplikasjoner (n)* and *Produksjonsapplikasjoner (n)*.
#[derive(Debug, Clone, Serialize)]
pub struct PortalApplications {
    pub pilots: Vec<ApplicationLine>,
    pub productions: Vec<ApplicationLine>,
}

/// An application's page.
#[derive(Debug, Clone, Serialize)]
pub struct PortalApplication {
    pub app: Application,
    pub state: ApplicationState,
    pub partner_name: String,
    /// The operator's latest answer to the verification request (documentation, a meeting).
    pub answer: Option<VerificationAnswer>,
    /// For an approved pilot: its production application.
    pub production_id: Option<EntityId>,
    /// The company's corporate accounts, offered by *Bytt konto*.
    pub company_accounts: Vec<String>,
}

impl Platform {
    pub async fn portal_applications(
        &self,
        user: &PortalUser,
    ) -> Result<PortalApplications, ServiceError> {
        let company = user.require_right(AdminRight::Apis)?;
        let mut conn = self.store.read().await?;
        let partner = company_partner(&mut conn, company).await?;
        let mut pilots = Vec::new();
        let mut productions = Vec::new();
        for app in repo::applications_of_partner(&mut conn, &partner.id).await? {
            let line = ApplicationLine {
                state: ApplicationState::of(&app),
                api_count: app.products.len(),
                app,
            };
            match line.app.kind {
                AppKind::Pilot => pilots.push(line),
                AppKind::Production => productions.push(line),
            }
        }
        Ok(PortalApplications {
            pilots,
            productions,
        })
    }

    pub async fn portal_application(
        &self,
        user: &PortalUser,
        app_id: &EntityId,
    ) -> Result<PortalApplication, ServiceError> {
        let company = user.require_right(AdminRight::Apis)?;
        let mut conn = self.store.read().await?;
        let partner = company_partner(&mut conn, company).await?;
        let app = own_application(&mut conn, &partner, app_id).await?;
        let production_id = match app.kind {
            AppKind::Pilot => repo::applications_of_partner(&mut conn, &partner.id)
                .await?
                .into_iter()
                .find(|other| other.pilot_id.as_ref() == Some(&app.id))
                .map(|production| production.id),
            AppKind::Production => None,
        };
        let company_accounts = store::account_ids_of_org(&mut conn, company).await?;
        drop(conn);
        let answer = self.verification_answer(user, app_id).await?;
        Ok(PortalApplication {
            state: ApplicationState::of(&app),
            app,
            partner_name: partner.name,
            answer,
            production_id,
            company_accounts,
        })
    }

    /// *Ny pilotapplikasjon*: a pilot with new credentials (the Developer Portal shows them).
    pub async fn new_pilot_application(
        &self,
        user: &PortalUser,
        name: &str,
        products: Vec<ApiProduct>,
        billing_account: Option<&str>,
    ) -> Result<IssuedCredentials, ServiceError> {
        let company = user.require_right(AdminRight::Apis)?.clone();
        require_text("name", name)?;
        let mut conn = self.store.read().await?;
        let partner = company_partner(&mut conn, &company).await?;
        let billing_account = match billing_account.map(str::trim).filter(|a| !a.is_empty()) {
            Some(account) => Some(check_account(&mut conn, &company, account).await?),
            None => None,
        };
        drop(conn);
        self.create_application(
            &user.actor(),
            NewApplication {
                partner: company,
                name: name.to_owned(),
                products,
                billing_account,
                owner: partner.name,
                created_by: user.name.clone(),
                kpn_customer: None,
                client_id: None,
                client_secret: None,
                redirect_uris: Vec::new(),
            },
        )
        .await
    }

    /// *Bytt konto*: one of the company's corporate accounts, or an 8-digit account number.
    pub async fn change_billing_account(
        &self,
        user: &PortalUser,
        app_id: &EntityId,
        account: &str,
    ) -> Result<Application, ServiceError> {
        let company = user.require_right(AdminRight::Apis)?;
        let now = self.now();
        let mut tx = self.store.write().await?;
        let partner = company_partner(&mut tx, company).await?;
        let app = own_application(&mut tx, &partner, app_id).await?;
        let account = check_account(&mut tx, company, account.trim()).await?;
        store::set_billing_account(&mut tx, app_id, &account).await?;
        let detail = json!({"account": account, "before": app.billing_account});
        audit(
            &mut tx,
            now,
            &user.actor(),
            "application.billing-account",
            app_id.as_str(),
            detail,
        )
        .await?;
        tx.commit().await?;
        Ok(Application {
            billing_account: Some(account),
            ..app
        })
    }

    /// *Slett pilotapplikasjon*: only pilots. Its credentials stop working and its tokens are
    /// revoked at once.
    pub async fn delete_pilot_application(
        &self,
        user: &PortalUser,
        app_id: &EntityId,
    ) -> Result<(), ServiceError> {
        let company = user.require_right(AdminRight::Apis)?;
        let now = self.now();
        let mut tx = self.store.write().await?;
        let partner = company_partner(&mut tx, company).await?;
        let app = own_application(&mut tx, &partner, app_id).await?;
        if app.kind != AppKind::Pilot {
            return Err(ServiceError::NotAllowed(format!(
                "{app_id} is a production application; only pilots are deleted here"
            )));
        }
        let credentials = repo::credentials_of_app(&mut tx, app_id).await?;
        store::soft_delete_application(&mut tx, app_id, now).await?;
        let revoked = tokens::revoke_tokens_of_app(&mut tx, app_id, now).await?;
        audit(
            &mut tx,
            now,
            &user.actor(),
            "application.delete",
            app_id.as_str(),
            json!({"name": app.name, "revokedTokens": revoked}),
        )
        .await?;
        tx.commit().await?;
        for credential in credentials {
            self.forget_verified_secret(&format!("client:{}", credential.client_id));
        }
        self.evict_tokens_of_application(app_id);
        Ok(())
    }

    /// *Få produksjonsversjon*: the production price list per API with totals.
    pub async fn portal_verification_quote(
        &self,
        user: &PortalUser,
        app_id: &EntityId,
    ) -> Result<VerificationQuote, ServiceError> {
        let company = user.require_right(AdminRight::Apis)?;
        let mut conn = self.store.read().await?;
        let partner = company_partner(&mut conn, company).await?;
        let app = own_application(&mut conn, &partner, app_id).await?;
        if app.kind != AppKind::Pilot {
            return Err(ServiceError::NotAllowed(format!(
                "{app_id} is a production application already"
            )));
        }
        Ok(quote(&app, app.verification))
    }

    /// *Verifiser pilotapplikasjon*: asks the operator to verify the pilot.
    pub async fn portal_request_verification(
        &self,
        user: &PortalUser,
        app_id: &EntityId,
    ) -> Result<VerificationQuote, ServiceError> {
        let company = user.require_right(AdminRight::Apis)?;
        let mut conn = self.store.read().await?;
        let partner = company_partner(&mut conn, company).await?;
        own_application(&mut conn, &partner, app_id).await?;
        drop(conn);
        self.request_verification(&user.actor(), app_id).await
    }
}

/// The partner that is the administrator's company; a company that is no partner has no
/// applications.
pub(crate) async fn company_partner(
    conn: &mut Connection,
    company: &OrgNumber,
) -> Result<Partner, ServiceError> {
    repo::partner_by_org(conn, company).await?.ok_or_else(|| {
        PortalFailure::Forbidden("applications are for the operator's partners".into()).into()
    })
}

/// The partner's own application; anything else is NotFound.
async fn own_application(
    conn: &mut Connection,
    partner: &Partner,
    app_id: &EntityId,
) -> Result<Application, ServiceError> {
    repo::application(conn, app_id)
        .await?
        .filter(|app| app.partner_id == partner.id)
        .ok_or_else(|| ServiceError::not_found(format!("application {app_id}")))
}

/// A billing account: one of the company's corporate accounts, or an 8-digit account number.
async fn check_account(
    conn: &mut Connection,
    company: &OrgNumber,
    account: &str,
) -> Result<String, ServiceError> {
    let own = store::account_ids_of_org(conn, company).await?;
    let eight_digits = account.len() == 8 && account.bytes().all(|b| b.is_ascii_digit());
    if own.iter().any(|id| id == account) || eight_digits {
        Ok(account.to_owned())
    } else {
        Err(ServiceError::invalid(
            "account",
            "must be one of the company's accounts or an 8-digit account number",
        ))
    }
}
