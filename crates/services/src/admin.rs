//! The operator's and partners' administration: partners, applications and their credentials,
//! agreements, system users, verification of pilots and Connect services. Used by the admin
//! command line and the demo seed; every change is audited in its own transaction.

use sentral_domain::platform::{
    AdminRight, Administrator, Agreement, AppKind, Application, CONNECT_TEST_PRODUCT,
    ClientCredential, ConnectService, ContactPerson, Grants, Organization, Partner, SmsMessage,
    SystemUser, VerificationStatus,
};
use sentral_domain::secret::random_id;
use sentral_domain::{
    ApiProduct, ClientId, EntityId, Msisdn, OrgNumber, Secret, SystemUserName, Timestamp,
};
use sentral_store::{Connection, platform as repo, tokens};
use serde::Serialize;
use serde_json::json;

use crate::passwords::hash_secret;
use crate::platform::{Actor, audit};
use crate::sealing::SealKey;
use crate::sms::SmsGateway;
use crate::{Platform, ServiceError};

#[derive(Debug, Clone)]
pub struct NewPartner {
    pub org_number: OrgNumber,
    pub name: String,
    pub admin_name: String,
    pub admin_email: String,
}

#[derive(Debug, Clone)]
pub struct NewApplication {
    pub partner: OrgNumber,
    pub name: String,
    pub products: Vec<ApiProduct>,
    pub billing_account: Option<String>,
    pub owner: String,
    pub created_by: String,
    pub kpn_customer: Option<OrgNumber>,
    /// Fixed credentials (the demo world); generated when absent.
    pub client_id: Option<ClientId>,
    pub client_secret: Option<Secret>,
    /// Where the authorization-code flow may send a browser back.
    pub redirect_uris: Vec<String>,
}

/// An application with credentials; the secret is shown this once and never stored.
#[derive(Debug, Clone, Serialize)]
pub struct IssuedCredentials {
    pub app: Application,
    pub client_id: ClientId,
    #[serde(serialize_with = "expose_secret")]
    pub client_secret: Secret,
}

fn expose_secret<S: serde::Serializer>(secret: &Secret, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(secret.expose())
}

#[derive(Debug, Clone, Serialize)]
pub struct ApplicationView {
    #[serde(flatten)]
    pub app: Application,
    pub partner_name: String,
    pub client_ids: Vec<ClientId>,
}

#[derive(Debug, Clone)]
pub struct NewSystemUser {
    pub partner: OrgNumber,
    pub agreement_id: String,
    pub contact: ContactPerson,
    pub grants: Grants,
    /// A fixed password (the demo world); generated and sent by SMS when absent.
    pub password: Option<Secret>,
    /// A fixed name (the demo world); the next free `api` number when absent.
    pub username: Option<SystemUserName>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CreatedSystemUser {
    pub system_user: SystemUser,
    /// Where the password went: the contact person's mobile.
    pub password_sent_to: Msisdn,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GrantTarget {
    Company,
    Account,
}

#[derive(Debug, Clone, Serialize)]
pub struct PriceLine {
    pub product: ApiProduct,
    pub monthly_price_nok: u32,
    pub establishment_price_nok: u32,
}

/// The verification page of a pilot: production prices per API and totals.
#[derive(Debug, Clone, Serialize)]
pub struct VerificationQuote {
    pub app_id: EntityId,
    pub status: VerificationStatus,
    pub lines: Vec<PriceLine>,
    pub monthly_total_nok: u32,
    pub establishment_total_nok: u32,
}

#[derive(Debug, Clone, Serialize)]
pub struct Approval {
    pub production: IssuedCredentials,
    pub connect_service: ConnectService,
}

impl Platform {
    pub async fn create_partner(
        &self,
        actor: &Actor,
        new: NewPartner,
    ) -> Result<Partner, ServiceError> {
        require_text("name", &new.name)?;
        require_text("admin name", &new.admin_name)?;
        require_text("admin e-mail", &new.admin_email)?;
        let now = self.now();
        let partner = Partner {
            id: EntityId::new(random_id("prt")),
            org_number: new.org_number.clone(),
            name: new.name.trim().to_owned(),
            created_at: now,
        };
        let mut tx = self.store.write().await?;
        ensure_organization(&mut tx, &new.org_number, &partner.name, now).await?;
        repo::insert_partner(&mut tx, &partner).await?;
        let admin = Administrator {
            id: EntityId::new(random_id("adm")),
            org_number: new.org_number.clone(),
            name: new.admin_name.trim().to_owned(),
            email: new.admin_email.trim().to_owned(),
            super_admin: true,
            rights: AdminRight::ALL.to_vec(),
        };
        repo::insert_administrator(&mut tx, &admin, now).await?;
        let detail = json!({"orgNumber": partner.org_number, "name": partner.name, "superAdmin": admin.email});
        audit(
            &mut tx,
            now,
            actor,
            "partner.create",
            partner.id.as_str(),
            detail,
        )
        .await?;
        tx.commit().await?;
        self.invalidate_organizations();
        Ok(partner)
    }

    pub async fn create_application(
        &self,
        actor: &Actor,
        new: NewApplication,
    ) -> Result<IssuedCredentials, ServiceError> {
        require_text("name", &new.name)?;
        if new.products.is_empty() {
            return Err(ServiceError::invalid(
                "products",
                "an application needs at least one API product",
            ));
        }
        let now = self.now();
        let mut tx = self.store.write().await?;
        let partner = partner_by_org(&mut tx, &new.partner).await?;
        if let Some(customer) = &new.kpn_customer
            && repo::organization(&mut tx, customer).await?.is_none()
        {
            return Err(ServiceError::not_found(format!("organisation {customer}")));
        }
        let app = Application {
            id: EntityId::new(random_id("app")),
            partner_id: partner.id.clone(),
            name: new.name.trim().to_owned(),
            kind: AppKind::Pilot,
            products: new.products,
            billing_account: new.billing_account,
            owner: new.owner,
            created_by: new.created_by,
            created_at: now,
            verification: VerificationStatus::None,
            pilot_id: None,
            basic_auth_allowed: new.kpn_customer.is_none(),
            redirect_uris: check_redirect_uris(new.redirect_uris)?,
            kpn_customer: new.kpn_customer,
        };
        repo::insert_application(&mut tx, &app).await?;
        let issued = issue_credentials(
            &mut tx,
            app,
            new.client_id,
            new.client_secret,
            now,
            self.seal_key(),
        )
        .await?;
        let detail = json!({"name": issued.app.name, "kind": "pilot", "clientId": issued.client_id,
            "products": ApiProduct::join(&issued.app.products, " ")});
        audit(
            &mut tx,
            now,
            actor,
            "application.create",
            issued.app.id.as_str(),
            detail,
        )
        .await?;
        tx.commit().await?;
        Ok(issued)
    }

    /// Applications of one partner, or of all partners.
    pub async fn list_applications(
        &self,
        partner: Option<&OrgNumber>,
    ) -> Result<Vec<ApplicationView>, ServiceError> {
        let mut conn = self.store.read().await?;
        let apps = match partner {
            Some(org_number) => {
                let partner = partner_by_org(&mut conn, org_number).await?;
                repo::applications_of_partner(&mut conn, &partner.id).await?
            }
            None => repo::all_applications(&mut conn).await?,
        };
        let mut views = Vec::with_capacity(apps.len());
        for app in apps {
            views.push(view_of(&mut conn, app).await?);
        }
        Ok(views)
    }

    pub async fn show_application(
        &self,
        app_id: &EntityId,
    ) -> Result<ApplicationView, ServiceError> {
        let mut conn = self.store.read().await?;
        let app = application(&mut conn, app_id).await?;
        view_of(&mut conn, app).await
    }

    /// Replaces the application's registered redirect URIs (the authorization-code flow).
    pub async fn set_redirect_uris(
        &self,
        actor: &Actor,
        app_id: &EntityId,
        uris: Vec<String>,
    ) -> Result<ApplicationView, ServiceError> {
        let uris = check_redirect_uris(uris)?;
        let now = self.now();
        let mut tx = self.store.write().await?;
        application(&mut tx, app_id).await?;
        repo::set_redirect_uris(&mut tx, app_id, &uris).await?;
        audit(
            &mut tx,
            now,
            actor,
            "application.redirect-uris",
            app_id.as_str(),
            json!({ "redirectUris": uris }),
        )
        .await?;
        tx.commit().await?;
        self.show_application(app_id).await
    }

    /// A new secret for the application's client id. Without `keep_old_until` the old secret
    /// stops working at once; with it (at most [`MAX_SECRET_OVERLAP_SECONDS`] ahead) both
    /// secrets get tokens until then, afterwards only the new one. Tokens issued before stay
    /// valid until they expire.
    pub async fn rotate_secret(
        &self,
        actor: &Actor,
        app_id: &EntityId,
        keep_old_until: Option<Timestamp>,
    ) -> Result<IssuedCredentials, ServiceError> {
        let now = self.now();
        let mut tx = self.store.write().await?;
        let issued =
            rotate_secret_in(&mut tx, actor, app_id, keep_old_until, now, self.seal_key()).await?;
        tx.commit().await?;
        self.forget_verified_secret(&format!("client:{}", issued.client_id));
        self.forget_verified_secret(&previous_secret_cache_key(&issued.client_id));
        Ok(issued)
    }

    /// Creates an MBN agreement for a customer (and the customer organisation if it is new).
    pub async fn create_agreement(
        &self,
        actor: &Actor,
        agreement: Agreement,
        org_name: &str,
    ) -> Result<Agreement, ServiceError> {
        if !(2..=6).contains(&agreement.internal_number_length) {
            return Err(ServiceError::invalid(
                "internal number length",
                "must be between 2 and 6 digits",
            ));
        }
        let now = self.now();
        let mut tx = self.store.write().await?;
        ensure_organization(&mut tx, &agreement.org_number, org_name, now).await?;
        repo::insert_agreement(&mut tx, &agreement).await?;
        let detail = json!({"orgNumber": agreement.org_number, "category": agreement.category});
        audit(
            &mut tx,
            now,
            actor,
            "agreement.create",
            &agreement.id,
            detail,
        )
        .await?;
        tx.commit().await?;
        self.invalidate_organizations();
        Ok(agreement)
    }

    /// Creates a system user on the agreement's "Connect Vendor MBN API Test" product (added to
    /// the agreement if missing) and sends its password by SMS to the contact person.
    pub async fn create_system_user(
        &self,
        actor: &Actor,
        new: NewSystemUser,
    ) -> Result<CreatedSystemUser, ServiceError> {
        let now = self.now();
        let sms = self.sms_gateway();
        let mut tx = self.store.write().await?;
        let user = insert_system_user(
            &mut tx,
            sms.as_ref(),
            actor,
            new,
            SystemUserProduct::TestProduct,
            now,
        )
        .await?;
        tx.commit().await?;
        let password_sent_to = user.contact.mobile.clone();
        Ok(CreatedSystemUser {
            system_user: user,
            password_sent_to,
        })
    }

    pub async fn grant_system_user(
        &self,
        actor: &Actor,
        username: &SystemUserName,
        target: GrantTarget,
        value: &str,
    ) -> Result<SystemUser, ServiceError> {
        let now = self.now();
        let mut tx = self.store.write().await?;
        let user = system_user(&mut tx, username).await?;
        let (kind, value) = match target {
            GrantTarget::Company => {
                let org = OrgNumber::parse(value)
                    .map_err(|e| ServiceError::invalid("company", e.to_string()))?;
                if repo::organization(&mut tx, &org).await?.is_none() {
                    return Err(ServiceError::not_found(format!("organisation {org}")));
                }
                (repo::GrantKind::Company, org.to_string())
            }
            GrantTarget::Account => {
                let valid = !value.is_empty()
                    && value.len() <= 8
                    && value.bytes().all(|b| b.is_ascii_digit());
                if !valid {
                    return Err(ServiceError::invalid(
                        "account",
                        "an account id is 1 to 8 digits",
                    ));
                }
                (repo::GrantKind::Account, value.to_owned())
            }
        };
        repo::add_grant(&mut tx, &user.id, kind, &value).await?;
        audit(
            &mut tx,
            now,
            actor,
            "system-user.grant",
            user.id.as_str(),
            json!({"kind": format!("{kind:?}"), "value": value}),
        )
        .await?;
        tx.commit().await?;
        self.evict_tokens_of_system_user(&user.id);
        let mut conn = self.store.read().await?;
        system_user(&mut conn, username).await
    }

    /// "Send new password by SMS": a new password replaces the old one at once, and the system
    /// user's tokens are revoked, so running applications must be updated.
    pub async fn send_new_password(
        &self,
        actor: &Actor,
        username: &SystemUserName,
    ) -> Result<Msisdn, ServiceError> {
        let now = self.now();
        let password = new_password();
        let hash = hash_secret(password.expose())?;
        let sms = self.sms_gateway();
        let mut tx = self.store.write().await?;
        let user = system_user(&mut tx, username).await?;
        repo::set_system_user_password(&mut tx, &user.id, &hash, now).await?;
        tokens::revoke_tokens_of_system_user(&mut tx, &user.id, now).await?;
        send_password_sms(&mut tx, sms.as_ref(), &user, &password, now).await?;
        audit(
            &mut tx,
            now,
            actor,
            "system-user.send-password",
            user.id.as_str(),
            json!({"to": user.contact.mobile}),
        )
        .await?;
        tx.commit().await?;
        self.forget_verified_secret(&format!("system-user:{username}"));
        self.evict_tokens_of_system_user(&user.id);
        Ok(user.contact.mobile)
    }

    /// The partner asks the operator to verify a pilot; answers the production price list.
    pub async fn request_verification(
        &self,
        actor: &Actor,
        app_id: &EntityId,
    ) -> Result<VerificationQuote, ServiceError> {
        let now = self.now();
        let mut tx = self.store.write().await?;
        let app = application(&mut tx, app_id).await?;
        if app.kind != AppKind::Pilot {
            return Err(ServiceError::NotAllowed(format!(
                "{app_id} is a production application; only pilots are verified"
            )));
        }
        if app.verification == VerificationStatus::Approved {
            return Err(ServiceError::NotAllowed(format!(
                "{app_id} has been approved already"
            )));
        }
        repo::set_verification(&mut tx, app_id, VerificationStatus::Requested).await?;
        audit(
            &mut tx,
            now,
            actor,
            "application.request-verification",
            app_id.as_str(),
            json!({}),
        )
        .await?;
        tx.commit().await?;
        Ok(quote(&app, VerificationStatus::Requested))
    }

    /// The operator approves a pilot and creates its Connect service in one step (the admin
    /// command line's `approve --solution`): a production application with new credentials and
    /// a Connect service `Connect<partner><solution>` that dealers can add to customers'
    /// agreements. The back office does the two as separate actions.
    pub async fn approve(
        &self,
        actor: &Actor,
        app_id: &EntityId,
        solution_name: &str,
    ) -> Result<Approval, ServiceError> {
        require_text("solution name", solution_name)?;
        let now = self.now();
        let mut tx = self.store.write().await?;
        let production = approve_pilot_in(&mut tx, actor, app_id, now, self.seal_key()).await?;
        let connect_service =
            create_connect_service_in(&mut tx, actor, &production.app.id, solution_name, now)
                .await?;
        tx.commit().await?;
        Ok(Approval {
            production,
            connect_service,
        })
    }

    /// A dealer adds a Connect service to a customer's agreement: from then on the service's
    /// production application reaches that customer.
    pub async fn add_connect_service(
        &self,
        actor: &Actor,
        service_name: &str,
        agreement_id: &str,
    ) -> Result<(), ServiceError> {
        let now = self.now();
        let mut tx = self.store.write().await?;
        let service =
            add_connect_service_in(&mut tx, actor, service_name, agreement_id, now).await?;
        tx.commit().await?;
        self.evict_tokens_of_application(&service.app_id);
        Ok(())
    }
}

/// Which Connect product a new system user works through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SystemUserProduct {
    /// The partner's "Connect Vendor MBN API Test" product, put on the agreement if missing: the
    /// pilot reaches the agreement's customer.
    TestProduct,
    /// A Connect service the caller has put on the agreement in the same transaction: only the
    /// service's production application reaches the customer, the pilot does not.
    ConnectService,
}

/// Creates a system user in the caller's transaction, sends its password by SMS to the contact
/// person and audits it. The grants must lie within the agreement's customer and subsidiaries.
pub(crate) async fn insert_system_user(
    tx: &mut Connection,
    sms: &dyn SmsGateway,
    actor: &Actor,
    new: NewSystemUser,
    product: SystemUserProduct,
    now: sentral_domain::Timestamp,
) -> Result<SystemUser, ServiceError> {
    require_text("contact name", &new.contact.name)?;
    require_text("contact e-mail", &new.contact.email)?;
    let password = new.password.unwrap_or_else(new_password);
    let password_hash = hash_secret(password.expose())?;
    let partner = partner_by_org(tx, &new.partner).await?;
    let agreement = repo::agreement(tx, &new.agreement_id)
        .await?
        .ok_or_else(|| ServiceError::not_found(format!("agreement {}", new.agreement_id)))?;
    let reach =
        repo::organizations_with_subsidiaries(tx, std::slice::from_ref(&agreement.org_number))
            .await?;
    for company in &new.grants.companies {
        if !reach.contains(company) {
            return Err(ServiceError::invalid(
                "grants",
                format!(
                    "company {company} is not covered by agreement {}",
                    agreement.id
                ),
            ));
        }
    }
    if product == SystemUserProduct::TestProduct {
        let reached =
            repo::orgs_with_connect_product(tx, &partner.id, CONNECT_TEST_PRODUCT).await?;
        if !reached.contains(&agreement.org_number) {
            repo::add_connect_product(
                tx,
                &agreement.id,
                &partner.id,
                CONNECT_TEST_PRODUCT,
                None,
                now,
            )
            .await?;
        }
    }
    let username = match new.username {
        Some(username) => username,
        None => SystemUserName::from_number(repo::highest_system_user_number(tx).await? + 1),
    };
    let user = SystemUser {
        id: EntityId::new(random_id("su")),
        username,
        partner_id: partner.id,
        agreement_id: agreement.id,
        contact: new.contact,
        grants: new.grants,
        password_hash,
        password_set_at: now,
        created_at: now,
    };
    repo::insert_system_user(tx, &user).await?;
    send_password_sms(tx, sms, &user, &password, now).await?;
    let detail =
        json!({"username": user.username, "agreement": user.agreement_id, "grants": user.grants});
    audit(
        tx,
        now,
        actor,
        "system-user.create",
        user.id.as_str(),
        detail,
    )
    .await?;
    Ok(user)
}

/// How long an old secret may stay valid after a rotation.
pub const MAX_SECRET_OVERLAP_SECONDS: i64 = 30 * 24 * 3600;

/// The verified-secret cache's key for a client's previous secret (during a rotation overlap).
pub(crate) fn previous_secret_cache_key(client_id: &ClientId) -> String {
    format!("client:{client_id}:previous")
}

/// Rotates the application's secret in the caller's transaction, audited; the caller forgets the
/// verified secrets after commit.
pub(crate) async fn rotate_secret_in(
    tx: &mut Connection,
    actor: &Actor,
    app_id: &EntityId,
    keep_old_until: Option<Timestamp>,
    now: Timestamp,
    seal_key: Option<&SealKey>,
) -> Result<IssuedCredentials, ServiceError> {
    if let Some(until) = keep_old_until {
        if until <= now {
            return Err(ServiceError::invalid(
                "keep_old_until",
                "the old secret's last moment must be in the future",
            ));
        }
        if until > now.plus_seconds(MAX_SECRET_OVERLAP_SECONDS) {
            return Err(ServiceError::invalid(
                "keep_old_until",
                "the old secret may stay valid for at most 30 days",
            ));
        }
    }
    let app = application(tx, app_id).await?;
    let credential = repo::credentials_of_app(tx, app_id)
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| ServiceError::not_found(format!("client credentials of {app_id}")))?;
    let secret = Secret::random_hex(24);
    let hash = hash_secret(secret.expose())?;
    let sealed = seal(seal_key, &credential.client_id, &secret)?;
    repo::replace_client_secret(
        tx,
        &credential.client_id,
        &repo::RotatedSecret {
            secret_hash: &hash,
            sealed_secret: sealed.as_deref(),
            previous_valid_until: keep_old_until,
        },
    )
    .await?;
    audit(
        tx,
        now,
        actor,
        "application.rotate-secret",
        app_id.as_str(),
        json!({
            "clientId": credential.client_id,
            "oldSecretValidUntil": keep_old_until.map(Timestamp::to_rfc3339),
        }),
    )
    .await?;
    Ok(IssuedCredentials {
        app,
        client_id: credential.client_id,
        client_secret: secret,
    })
}

/// Approves a pilot awaiting verification in the caller's transaction: a production
/// application with new credentials (shown this once), the pilot marked approved, audited.
pub(crate) async fn approve_pilot_in(
    tx: &mut Connection,
    actor: &Actor,
    app_id: &EntityId,
    now: sentral_domain::Timestamp,
    seal_key: Option<&SealKey>,
) -> Result<IssuedCredentials, ServiceError> {
    let pilot = application(tx, app_id).await?;
    if pilot.kind != AppKind::Pilot || pilot.verification != VerificationStatus::Requested {
        return Err(ServiceError::NotAllowed(format!(
            "{app_id} is not a pilot awaiting verification (status {})",
            pilot.verification.as_str()
        )));
    }
    let production = Application {
        id: EntityId::new(random_id("app")),
        kind: AppKind::Production,
        verification: VerificationStatus::Approved,
        pilot_id: Some(pilot.id.clone()),
        created_at: now,
        created_by: actor.0.clone(),
        ..pilot.clone()
    };
    repo::insert_application(tx, &production).await?;
    repo::set_verification(tx, app_id, VerificationStatus::Approved).await?;
    let issued = issue_credentials(tx, production, None, None, now, seal_key).await?;
    let detail = json!({"production": issued.app.id, "clientId": issued.client_id});
    audit(
        tx,
        now,
        actor,
        "application.approve",
        app_id.as_str(),
        detail,
    )
    .await?;
    Ok(issued)
}

/// Creates the Connect service `Connect<partner><solution>` of a production application in the
/// caller's transaction; an application has at most one.
pub(crate) async fn create_connect_service_in(
    tx: &mut Connection,
    actor: &Actor,
    app_id: &EntityId,
    solution_name: &str,
    now: sentral_domain::Timestamp,
) -> Result<ConnectService, ServiceError> {
    require_text("solution name", solution_name)?;
    let app = application(tx, app_id).await?;
    if app.kind != AppKind::Production {
        return Err(ServiceError::NotAllowed(format!(
            "{app_id} is a pilot; Connect services are made for production applications"
        )));
    }
    if let Some(existing) =
        sentral_store::portal::back_office::connect_service_of_app(tx, app_id).await?
    {
        return Err(ServiceError::NotAllowed(format!(
            "{app_id} has the Connect service {} already",
            existing.name
        )));
    }
    let partner = repo::partner(tx, &app.partner_id)
        .await?
        .ok_or_else(|| ServiceError::not_found(format!("partner {}", app.partner_id)))?;
    let connect_service = ConnectService {
        id: EntityId::new(random_id("cs")),
        name: ConnectService::name_for(&partner.name, solution_name),
        partner_id: partner.id,
        app_id: app.id.clone(),
        created_at: now,
    };
    repo::insert_connect_service(tx, &connect_service).await?;
    let detail = json!({"name": connect_service.name, "application": app.id});
    audit(
        tx,
        now,
        actor,
        "connect-service.create",
        connect_service.id.as_str(),
        detail,
    )
    .await?;
    Ok(connect_service)
}

/// Puts a Connect service on an agreement in the caller's transaction, audited. The caller
/// evicts the cached tokens of the service's application after committing.
pub(crate) async fn add_connect_service_in(
    tx: &mut Connection,
    actor: &Actor,
    service_name: &str,
    agreement_id: &str,
    now: sentral_domain::Timestamp,
) -> Result<ConnectService, ServiceError> {
    let service = repo::connect_service_by_name(tx, service_name)
        .await?
        .ok_or_else(|| ServiceError::not_found(format!("Connect service {service_name}")))?;
    if repo::agreement(tx, agreement_id).await?.is_none() {
        return Err(ServiceError::not_found(format!("agreement {agreement_id}")));
    }
    repo::add_connect_product(
        tx,
        agreement_id,
        &service.partner_id,
        &service.name,
        Some(&service.id),
        now,
    )
    .await?;
    audit(
        tx,
        now,
        actor,
        "agreement.add-connect-service",
        agreement_id,
        json!({"service": service.name}),
    )
    .await?;
    Ok(service)
}

/// Absolute http(s) URLs without fragment, whitespace or credentials; at most 10.
fn check_redirect_uris(uris: Vec<String>) -> Result<Vec<String>, ServiceError> {
    if uris.len() > 10 {
        return Err(ServiceError::invalid(
            "redirect URIs",
            "at most 10 per application",
        ));
    }
    for uri in &uris {
        let rest = uri
            .strip_prefix("https://")
            .or_else(|| uri.strip_prefix("http://"));
        let authority = rest.map(|rest| rest.split('/').next().unwrap_or_default());
        let valid = authority.is_some_and(|a| !a.is_empty() && !a.contains('@'))
            && uri.len() <= 2000
            && !uri.contains(['#', ' ', '\t', '\r', '\n']);
        if !valid {
            return Err(ServiceError::invalid(
                "redirect URI",
                format!("{uri:?} must be an absolute http(s) URL without fragment or credentials"),
            ));
        }
    }
    Ok(uris)
}

pub(crate) fn require_text(field: &str, value: &str) -> Result<(), ServiceError> {
    if value.trim().is_empty() {
        return Err(ServiceError::invalid(field, "must not be empty"));
    }
    if value.chars().count() > 200 {
        return Err(ServiceError::invalid(
            field,
            "must be at most 200 characters",
        ));
    }
    Ok(())
}

/// 16 characters a person can type from an SMS: letters and digits without look-alikes.
pub(crate) fn new_password() -> Secret {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let random = Secret::random_hex(16);
    let bytes = hex::decode(random.expose()).unwrap_or_default();
    Secret::new(
        bytes
            .iter()
            .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
            .collect::<String>(),
    )
}

async fn ensure_organization(
    conn: &mut Connection,
    org_number: &OrgNumber,
    name: &str,
    now: sentral_domain::Timestamp,
) -> Result<(), ServiceError> {
    if repo::organization(conn, org_number).await?.is_none() {
        require_text("organisation name", name)?;
        let organization = Organization {
            org_number: org_number.clone(),
            name: name.trim().to_owned(),
            parent: None,
        };
        repo::insert_organization(conn, &organization, now).await?;
    }
    Ok(())
}

pub(crate) async fn partner_by_org(
    conn: &mut Connection,
    org_number: &OrgNumber,
) -> Result<Partner, ServiceError> {
    repo::partner_by_org(conn, org_number)
        .await?
        .ok_or_else(|| {
            ServiceError::not_found(format!("partner with organisation number {org_number}"))
        })
}

pub(crate) async fn application(
    conn: &mut Connection,
    app_id: &EntityId,
) -> Result<Application, ServiceError> {
    repo::application(conn, app_id)
        .await?
        .ok_or_else(|| ServiceError::not_found(format!("application {app_id}")))
}

pub(crate) async fn system_user(
    conn: &mut Connection,
    username: &SystemUserName,
) -> Result<SystemUser, ServiceError> {
    repo::system_user_by_name(conn, username)
        .await?
        .ok_or_else(|| ServiceError::not_found(format!("system user {username}")))
}

async fn view_of(conn: &mut Connection, app: Application) -> Result<ApplicationView, ServiceError> {
    let partner_name = repo::partner(conn, &app.partner_id)
        .await?
        .map(|p| p.name)
        .unwrap_or_default();
    let client_ids = repo::credentials_of_app(conn, &app.id)
        .await?
        .into_iter()
        .map(|c| c.client_id)
        .collect();
    Ok(ApplicationView {
        app,
        partner_name,
        client_ids,
    })
}

async fn issue_credentials(
    conn: &mut Connection,
    app: Application,
    client_id: Option<ClientId>,
    secret: Option<Secret>,
    now: sentral_domain::Timestamp,
    seal_key: Option<&SealKey>,
) -> Result<IssuedCredentials, ServiceError> {
    let client_id = match client_id {
        Some(id) => id,
        None => ClientId::parse(Secret::random_hex(16).expose()).map_err(ServiceError::internal)?,
    };
    let secret = secret.unwrap_or_else(|| Secret::random_hex(24));
    let credential = ClientCredential {
        client_id: client_id.clone(),
        app_id: app.id.clone(),
        secret_hash: hash_secret(secret.expose())?,
        created_at: now,
        sealed_secret: seal(seal_key, &client_id, &secret)?,
        previous_secret_hash: None,
        previous_valid_until: None,
    };
    repo::insert_client_credential(conn, &credential).await?;
    Ok(IssuedCredentials {
        app,
        client_id,
        client_secret: secret,
    })
}

/// The sealed copy of a secret, when a seal key is configured.
fn seal(
    seal_key: Option<&SealKey>,
    client_id: &ClientId,
    secret: &Secret,
) -> Result<Option<String>, ServiceError> {
    seal_key
        .map(|key| key.seal(client_id, secret))
        .transpose()
        .map_err(ServiceError::internal)
}

async fn send_password_sms(
    conn: &mut Connection,
    sms: &dyn SmsGateway,
    user: &SystemUser,
    password: &Secret,
    now: sentral_domain::Timestamp,
) -> Result<(), ServiceError> {
    let message = SmsMessage {
        to: user.contact.mobile.clone(),
        text: format!(
            "Nytt passord for systembruker {}: {}",
            user.username,
            password.expose()
        ),
        sent_at: now,
    };
    sms.send(conn, &message).await
}

pub(crate) fn quote(app: &Application, status: VerificationStatus) -> VerificationQuote {
    let lines: Vec<PriceLine> = app
        .products
        .iter()
        .map(|&product| {
            let (monthly, establishment) = product.production_prices_nok();
            PriceLine {
                product,
                monthly_price_nok: monthly,
                establishment_price_nok: establishment,
            }
        })
        .collect();
    VerificationQuote {
        app_id: app.id.clone(),
        status,
        monthly_total_nok: lines.iter().map(|line| line.monthly_price_nok).sum(),
        establishment_total_nok: lines.iter().map(|line| line.establishment_price_nok).sum(),
        lines,
    }
}
