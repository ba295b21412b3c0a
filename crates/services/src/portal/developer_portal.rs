//! The Developer Portal: a company's applications (pilot and production) with their client ids,
//! revealing a client secret (sealed next to its hash, see [`crate::sealing`]), rotating it with
//! an overlap, and who of the company holds *APIer*. Every use case needs the right
//! [`AdminRight::Apis`]; revealing and rotating also a fresh login. Another company's
//! application answers NotFound.

use std::collections::HashMap;

use sentral_domain::platform::{
    AdminRight, Administrator, AppKind, Application, ClientCredential, Partner,
};
use sentral_domain::{ClientId, EntityId, OrgNumber, Secret, Timestamp};
use sentral_store::{Connection, platform as repo, records};
use serde::Serialize;
use serde_json::json;

use super::PortalUser;
use crate::admin::{IssuedCredentials, previous_secret_cache_key, rotate_secret_in};
use crate::platform::{Actor, audit};
use crate::{Platform, ServiceError};

/// The setting that allows (`true`, the default) or forbids (`false`) revealing production
/// applications' secrets. The configuration's `forbid-production-secret-reveal` forbids it
/// whatever the setting says.
pub const REVEAL_PRODUCTION_SECRETS_SETTING: &str = "portal.reveal-production-secrets";

/// Why a secret cannot be shown again, for the page to explain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RevealState {
    /// *Show* reveals it (after a fresh login).
    Revealable,
    /// A production secret while reveal of production secrets is forbidden: shown once only.
    ProductionForbidden,
    /// Made before the seal key existed: rotate the secret to reveal it.
    NotSealed,
}

/// One of the company's applications as the Developer Portal lists it.
#[derive(Debug, Clone, Serialize)]
pub struct DeveloperApplication {
    pub app: Application,
    pub company_name: String,
    pub client_ids: Vec<ClientId>,
    pub reveal: RevealState,
    /// During a rotation's overlap: until when the previous secret still gets tokens.
    pub old_secret_valid_until: Option<Timestamp>,
}

/// The company's applications, pilots first.
#[derive(Debug, Clone, Serialize)]
pub struct DeveloperApplications {
    pub company: Partner,
    pub pilots: Vec<DeveloperApplication>,
    pub production: Vec<DeveloperApplication>,
}

/// A revealed client id and secret; never logged, never audited.
#[derive(Debug, Clone, Serialize)]
pub struct RevealedCredentials {
    pub app_id: EntityId,
    pub app_name: String,
    pub client_id: ClientId,
    #[serde(serialize_with = "expose")]
    pub client_secret: Secret,
}

fn expose<S: serde::Serializer>(secret: &Secret, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(secret.expose())
}

impl Platform {
    /// Every application (pilot and production) of the administrator's company.
    pub async fn developer_applications(
        &self,
        user: &PortalUser,
    ) -> Result<DeveloperApplications, ServiceError> {
        self.search_developer_applications(user, "").await
    }

    /// The company's applications whose name, id, type or client id contains `query` (without
    /// case); all of them for an empty query.
    pub async fn search_developer_applications(
        &self,
        user: &PortalUser,
        query: &str,
    ) -> Result<DeveloperApplications, ServiceError> {
        let org_number = user.require_right(AdminRight::Apis)?.clone();
        let query = query.trim().to_lowercase();
        let production_forbidden = self.production_reveal_forbidden().await?;
        let mut conn = self.store.read().await?;
        let company = company(&mut conn, &org_number).await?;
        let mut listing = DeveloperApplications {
            company: company.clone(),
            pilots: Vec::new(),
            production: Vec::new(),
        };
        let now = self.now();
        let mut credentials_by_app: HashMap<EntityId, Vec<ClientCredential>> = HashMap::new();
        for credential in repo::credentials_of_partner(&mut conn, &company.id).await? {
            credentials_by_app
                .entry(credential.app_id.clone())
                .or_default()
                .push(credential);
        }
        for app in repo::applications_of_partner(&mut conn, &company.id).await? {
            let credentials = credentials_by_app.remove(&app.id).unwrap_or_default();
            let reveal = if app.kind == AppKind::Production && production_forbidden {
                RevealState::ProductionForbidden
            } else if credentials.iter().all(|c| c.sealed_secret.is_some()) {
                RevealState::Revealable
            } else {
                RevealState::NotSealed
            };
            let old_secret_valid_until = credentials
                .iter()
                .filter(|c| c.previous_secret_hash.is_some())
                .filter_map(|c| c.previous_valid_until)
                .filter(|until| *until > now)
                .max();
            let entry = DeveloperApplication {
                company_name: company.name.clone(),
                client_ids: credentials.into_iter().map(|c| c.client_id).collect(),
                reveal,
                old_secret_valid_until,
                app,
            };
            if !query.is_empty() && !matches(&entry, &query) {
                continue;
            }
            match entry.app.kind {
                AppKind::Pilot => listing.pilots.push(entry),
                AppKind::Production => listing.production.push(entry),
            }
        }
        Ok(listing)
    }

    /// The Client ID and Client Secret of one of the company's applications. Needs a fresh
    /// login; every reveal is audited (the client id, never the secret).
    pub async fn reveal_client_credentials(
        &self,
        user: &PortalUser,
        app_id: &EntityId,
    ) -> Result<RevealedCredentials, ServiceError> {
        let org_number = user.require_right(AdminRight::Apis)?.clone();
        let now = self.now();
        user.require_fresh_login(now, "show the client secret")?;
        let production_forbidden = self.production_reveal_forbidden().await?;
        let mut tx = self.store.write().await?;
        let app = company_application(&mut tx, &org_number, app_id).await?;
        if app.kind == AppKind::Production && production_forbidden {
            return Err(ServiceError::NotAllowed(
                "production client secrets are not shown again: a production secret is shown \
                 once, at approval or rotation; rotate the secret to get a new one"
                    .into(),
            ));
        }
        let credential = repo::credentials_of_app(&mut tx, &app.id)
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| ServiceError::not_found(format!("client credentials of {app_id}")))?;
        let sealed = credential.sealed_secret.as_deref().ok_or_else(|| {
            ServiceError::NotAllowed(
                "this client secret was made before secrets were kept to be shown again: \
                 rotate the secret to reveal it"
                    .into(),
            )
        })?;
        let key = self.seal_key().ok_or_else(|| {
            ServiceError::NotAllowed(
                "no seal key is configured, so client secrets cannot be shown again".into(),
            )
        })?;
        let secret = key.open(&credential.client_id, sealed).map_err(|e| {
            ServiceError::Internal(format!(
                "the client secret of {} cannot be revealed: {e}",
                credential.client_id
            ))
        })?;
        audit(
            &mut tx,
            now,
            &user.actor(),
            "application.reveal-secret",
            app.id.as_str(),
            json!({ "clientId": credential.client_id }),
        )
        .await?;
        tx.commit().await?;
        Ok(RevealedCredentials {
            app_id: app.id,
            app_name: app.name,
            client_id: credential.client_id,
            client_secret: secret,
        })
    }

    /// A new client secret for one of the company's applications, shown this once. With
    /// `keep_old_until` (at most 30 days ahead) the old secret keeps getting tokens until then.
    pub async fn rotate_client_secret(
        &self,
        user: &PortalUser,
        app_id: &EntityId,
        keep_old_until: Option<Timestamp>,
    ) -> Result<IssuedCredentials, ServiceError> {
        let org_number = user.require_right(AdminRight::Apis)?.clone();
        let now = self.now();
        user.require_fresh_login(now, "rotate the client secret")?;
        let mut tx = self.store.write().await?;
        company_application(&mut tx, &org_number, app_id).await?;
        let issued = rotate_secret_in(
            &mut tx,
            &user.actor(),
            app_id,
            keep_old_until,
            now,
            self.seal_key(),
        )
        .await?;
        tx.commit().await?;
        self.forget_verified_secret(&format!("client:{}", issued.client_id));
        self.forget_verified_secret(&previous_secret_cache_key(&issued.client_id));
        Ok(issued)
    }

    /// The company's administrators holding *APIer* (Users and roles).
    pub async fn developer_administrators(
        &self,
        user: &PortalUser,
    ) -> Result<Vec<Administrator>, ServiceError> {
        let org_number = user.require_right(AdminRight::Apis)?.clone();
        let mut conn = self.store.read().await?;
        Ok(repo::administrators(&mut conn, &org_number)
            .await?
            .into_iter()
            .filter(|admin| admin.rights.contains(&AdminRight::Apis))
            .collect())
    }

    /// Whether production applications' secrets may not be revealed: the configuration, else
    /// the setting (allowed when unset).
    pub async fn production_reveal_forbidden(&self) -> Result<bool, ServiceError> {
        if self.config.forbid_production_secret_reveal {
            return Ok(true);
        }
        let mut conn = self.store.read().await?;
        let setting = records::setting(&mut conn, REVEAL_PRODUCTION_SECRETS_SETTING).await?;
        Ok(setting.is_some_and(|value| value.trim() == "false"))
    }

    /// Allows or forbids revealing production applications' secrets (the setting), audited.
    pub async fn set_production_secret_reveal(
        &self,
        actor: &Actor,
        allowed: bool,
    ) -> Result<(), ServiceError> {
        let now = self.now();
        let mut tx = self.store.write().await?;
        let value = if allowed { "true" } else { "false" };
        records::set_setting(&mut tx, REVEAL_PRODUCTION_SECRETS_SETTING, value).await?;
        audit(
            &mut tx,
            now,
            actor,
            "setting.set",
            REVEAL_PRODUCTION_SECRETS_SETTING,
            json!({ "value": value }),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

fn matches(entry: &DeveloperApplication, query: &str) -> bool {
    let kind = match entry.app.kind {
        AppKind::Pilot => "pilot",
        AppKind::Production => "production",
    };
    entry.app.name.to_lowercase().contains(query)
        || entry.app.id.as_str().to_lowercase().contains(query)
        || kind.contains(query)
        || entry
            .client_ids
            .iter()
            .any(|id| id.as_str().to_lowercase().contains(query))
}

/// The partner of the administrator's company.
async fn company(conn: &mut Connection, org_number: &OrgNumber) -> Result<Partner, ServiceError> {
    repo::partner_by_org(conn, org_number)
        .await?
        .ok_or_else(|| ServiceError::not_found(format!("partner {org_number}")))
}

/// One of the company's applications; another company's answers NotFound.
async fn company_application(
    conn: &mut Connection,
    org_number: &OrgNumber,
    app_id: &EntityId,
) -> Result<Application, ServiceError> {
    let company = company(conn, org_number).await?;
    match repo::application(conn, app_id).await? {
        Some(app) if app.partner_id == company.id => Ok(app),
        _ => Err(ServiceError::not_found(format!("application {app_id}"))),
    }
}
