//! The operator's back office: partners and their super-administrators, pilot applications,
//! verification requests (approve, or ask for documentation or a meeting), Connect services and
//! the audit log. Every use case takes the portal user and starts with `require_operator`.

use sentral_domain::platform::{
    Administrator, AppKind, Application, AuditEntry, CONNECT_TEST_PRODUCT, ConnectService, Partner,
    VerificationStatus,
};
use sentral_domain::secret::random_id;
use sentral_domain::{EntityId, OrgNumber, Timestamp};
use sentral_store::portal::back_office::{self as store, AuditFilter, VerificationAnswerRecord};
use sentral_store::{Connection, platform as repo};
use serde::Serialize;
use serde_json::json;

use super::{PortalFailure, PortalUser, PortalUserRole};
use crate::admin::{
    IssuedCredentials, VerificationQuote, application, approve_pilot_in, create_connect_service_in,
    quote, require_text,
};
use crate::platform::audit;
use crate::{Platform, ServiceError};

/// Audit entries on one page of the back office's log.
pub const AUDIT_PAGE_SIZE: i64 = 50;

/// A partner with its super-administrators and how many applications it has.
#[derive(Debug, Clone, Serialize)]
pub struct PartnerOverview {
    pub partner: Partner,
    pub super_admins: Vec<Administrator>,
    pub applications: usize,
}

/// What the operator asks a partner for instead of approving its pilot (yet).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AnswerKind {
    /// Send documentation of the solution.
    Documentation,
    /// Book an approval meeting.
    Meeting,
}

impl AnswerKind {
    pub const fn as_str(self) -> &'static str {
        match self {
            AnswerKind::Documentation => "documentation",
            AnswerKind::Meeting => "meeting",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "documentation" => Some(AnswerKind::Documentation),
            "meeting" => Some(AnswerKind::Meeting),
            _ => None,
        }
    }
}

/// The operator's answer to a verification request, as the partner sees it on its application.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VerificationAnswer {
    pub app_id: EntityId,
    pub kind: AnswerKind,
    pub message: String,
    pub answered_by: String,
    pub answered_at: Timestamp,
}

impl VerificationAnswer {
    fn from_record(record: VerificationAnswerRecord) -> Result<Self, ServiceError> {
        Ok(VerificationAnswer {
            kind: AnswerKind::parse(&record.kind).ok_or_else(|| {
                ServiceError::internal(format!("verification answer kind {:?}", record.kind))
            })?,
            app_id: record.app_id,
            message: record.message,
            answered_by: record.answered_by,
            answered_at: record.answered_at,
        })
    }
}

/// A pilot application as the back office lists it.
#[derive(Debug, Clone, Serialize)]
pub struct PilotOverview {
    pub app: Application,
    pub partner_name: String,
    pub partner_org: OrgNumber,
    /// Whether the partner has "Connect Vendor MBN API Test" on a customer's agreement, so the
    /// pilot reaches someone.
    pub has_test_product: bool,
    /// The latest answer to its verification request.
    pub answer: Option<VerificationAnswer>,
}

/// A pilot awaiting verification with its production prices.
#[derive(Debug, Clone, Serialize)]
pub struct VerificationRequest {
    pub pilot: PilotOverview,
    pub quote: VerificationQuote,
}

/// A production application and its Connect service, if made.
#[derive(Debug, Clone, Serialize)]
pub struct ProductionOverview {
    pub app: Application,
    pub partner_name: String,
    pub connect_service: Option<String>,
}

/// A Connect service with its partner and application, and on how many agreements it is.
#[derive(Debug, Clone, Serialize)]
pub struct ConnectServiceOverview {
    pub service: ConnectService,
    pub partner_name: String,
    pub app_name: String,
    pub agreements: i64,
}

/// The audit log's filter form; empty fields do not filter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditQuery {
    pub actor: Option<String>,
    pub action_prefix: Option<String>,
    pub target: Option<String>,
    pub from: Option<Timestamp>,
    /// Exclusive.
    pub to: Option<Timestamp>,
    /// From 1.
    pub page: u32,
}

/// One page of the audit log, newest first.
#[derive(Debug, Clone, Serialize)]
pub struct AuditPage {
    pub entries: Vec<AuditEntry>,
    pub total: i64,
    pub page: u32,
    pub pages: u32,
}

fn trimmed(value: &Option<String>) -> Option<String> {
    value
        .as_deref()
        .map(str::trim)
        .filter(|text| !text.is_empty())
        .map(str::to_owned)
}

async fn pilot_overview(
    conn: &mut Connection,
    app: Application,
) -> Result<PilotOverview, ServiceError> {
    let partner = repo::partner(conn, &app.partner_id)
        .await?
        .ok_or_else(|| ServiceError::internal(format!("partner {}", app.partner_id)))?;
    let has_test_product =
        !repo::orgs_with_connect_product(conn, &partner.id, CONNECT_TEST_PRODUCT)
            .await?
            .is_empty();
    let answer = store::latest_verification_answer(conn, &app.id)
        .await?
        .map(VerificationAnswer::from_record)
        .transpose()?;
    Ok(PilotOverview {
        app,
        partner_name: partner.name,
        partner_org: partner.org_number,
        has_test_product,
        answer,
    })
}

impl Platform {
    /// Every partner with its super-administrators.
    pub async fn back_office_partners(
        &self,
        user: &PortalUser,
    ) -> Result<Vec<PartnerOverview>, ServiceError> {
        user.require_operator()?;
        let mut conn = self.store.read().await?;
        let partners = store::all_partners(&mut conn).await?;
        let mut overviews = Vec::with_capacity(partners.len());
        for partner in partners {
            let super_admins = repo::administrators(&mut conn, &partner.org_number)
                .await?
                .into_iter()
                .filter(|admin| admin.super_admin)
                .collect();
            let applications = repo::applications_of_partner(&mut conn, &partner.id)
                .await?
                .len();
            overviews.push(PartnerOverview {
                partner,
                super_admins,
                applications,
            });
        }
        Ok(overviews)
    }

    /// Every pilot application, oldest first, with whether its partner has the test product.
    pub async fn back_office_pilots(
        &self,
        user: &PortalUser,
    ) -> Result<Vec<PilotOverview>, ServiceError> {
        user.require_operator()?;
        let mut conn = self.store.read().await?;
        let apps = repo::all_applications(&mut conn).await?;
        let mut pilots = Vec::new();
        for app in apps.into_iter().filter(|app| app.kind == AppKind::Pilot) {
            pilots.push(pilot_overview(&mut conn, app).await?);
        }
        Ok(pilots)
    }

    /// The pilots awaiting verification, with their production prices and latest answer.
    pub async fn verification_requests(
        &self,
        user: &PortalUser,
    ) -> Result<Vec<VerificationRequest>, ServiceError> {
        Ok(self
            .back_office_pilots(user)
            .await?
            .into_iter()
            .filter(|pilot| pilot.app.verification == VerificationStatus::Requested)
            .map(|pilot| VerificationRequest {
                quote: quote(&pilot.app, VerificationStatus::Requested),
                pilot,
            })
            .collect())
    }

    /// Approves a pilot awaiting verification: a production application with new credentials
    /// (the secret is shown this once). Needs a fresh login. The Connect service is made
    /// separately ([`Platform::create_connect_service`]).
    pub async fn approve_pilot(
        &self,
        user: &PortalUser,
        app_id: &EntityId,
    ) -> Result<IssuedCredentials, ServiceError> {
        user.require_operator()?;
        let now = self.now();
        user.require_fresh_login(now, "approve the application")?;
        let mut tx = self.store.write().await?;
        let issued = approve_pilot_in(&mut tx, &user.actor(), app_id, now).await?;
        tx.commit().await?;
        Ok(issued)
    }

    /// Answers a verification request with a request for documentation or for a meeting; the
    /// partner reads the message on its application. The pilot stays awaiting verification.
    pub async fn answer_verification(
        &self,
        user: &PortalUser,
        app_id: &EntityId,
        kind: AnswerKind,
        message: &str,
    ) -> Result<VerificationAnswer, ServiceError> {
        user.require_operator()?;
        let message = message.trim();
        if message.is_empty() {
            return Err(ServiceError::invalid("message", "must not be empty"));
        }
        if message.chars().count() > 2000 {
            return Err(ServiceError::invalid(
                "message",
                "must be at most 2000 characters",
            ));
        }
        let now = self.now();
        let mut tx = self.store.write().await?;
        let app = application(&mut tx, app_id).await?;
        if app.kind != AppKind::Pilot || app.verification != VerificationStatus::Requested {
            return Err(ServiceError::NotAllowed(format!(
                "{app_id} is not a pilot awaiting verification (status {})",
                app.verification.as_str()
            )));
        }
        let record = VerificationAnswerRecord {
            id: EntityId::new(random_id("va")),
            app_id: app.id.clone(),
            kind: kind.as_str().to_owned(),
            message: message.to_owned(),
            answered_by: user.name.clone(),
            answered_at: now,
        };
        store::insert_verification_answer(&mut tx, &record).await?;
        audit(
            &mut tx,
            now,
            &user.actor(),
            "application.answer-verification",
            app_id.as_str(),
            json!({"kind": kind.as_str(), "message": message}),
        )
        .await?;
        tx.commit().await?;
        VerificationAnswer::from_record(record)
    }

    /// The latest answer to an application's verification request, for the operator or an
    /// administrator of the partner owning the application (another company's application
    /// answers NotFound).
    pub async fn verification_answer(
        &self,
        user: &PortalUser,
        app_id: &EntityId,
    ) -> Result<Option<VerificationAnswer>, ServiceError> {
        let mut conn = self.store.read().await?;
        let app = application(&mut conn, app_id).await?;
        match &user.role {
            PortalUserRole::Operator => {}
            PortalUserRole::Administrator { org_number, .. } => {
                let owner = repo::partner(&mut conn, &app.partner_id).await?;
                if owner.is_none_or(|partner| &partner.org_number != org_number) {
                    return Err(ServiceError::not_found(format!("application {app_id}")));
                }
            }
            PortalUserRole::Dealer { .. } => {
                return Err(PortalFailure::Forbidden(
                    "verification answers are for the partner and the operator".into(),
                )
                .into());
            }
        }
        store::latest_verification_answer(&mut conn, app_id)
            .await?
            .map(VerificationAnswer::from_record)
            .transpose()
    }

    /// Every production application with its Connect service, if made.
    pub async fn back_office_production_applications(
        &self,
        user: &PortalUser,
    ) -> Result<Vec<ProductionOverview>, ServiceError> {
        user.require_operator()?;
        let mut conn = self.store.read().await?;
        let apps = repo::all_applications(&mut conn).await?;
        let mut overviews = Vec::new();
        for app in apps
            .into_iter()
            .filter(|app| app.kind == AppKind::Production)
        {
            let partner_name = repo::partner(&mut conn, &app.partner_id)
                .await?
                .map(|partner| partner.name)
                .unwrap_or_default();
            let connect_service = store::connect_service_of_app(&mut conn, &app.id)
                .await?
                .map(|service| service.name);
            overviews.push(ProductionOverview {
                app,
                partner_name,
                connect_service,
            });
        }
        Ok(overviews)
    }

    /// Every Connect service, by name.
    pub async fn back_office_connect_services(
        &self,
        user: &PortalUser,
    ) -> Result<Vec<ConnectServiceOverview>, ServiceError> {
        user.require_operator()?;
        let mut conn = self.store.read().await?;
        let services = store::all_connect_services(&mut conn).await?;
        let mut overviews = Vec::with_capacity(services.len());
        for used in services {
            let partner_name = repo::partner(&mut conn, &used.service.partner_id)
                .await?
                .map(|partner| partner.name)
                .unwrap_or_default();
            let app_name = repo::application(&mut conn, &used.service.app_id)
                .await?
                .map(|app| app.name)
                .unwrap_or_default();
            overviews.push(ConnectServiceOverview {
                service: used.service,
                partner_name,
                app_name,
                agreements: used.agreements,
            });
        }
        Ok(overviews)
    }

    /// Creates the Connect service `Connect<partner><solution>` of a production application;
    /// dealers can then add it to customers' MBN agreements.
    pub async fn create_connect_service(
        &self,
        user: &PortalUser,
        app_id: &EntityId,
        solution_name: &str,
    ) -> Result<ConnectService, ServiceError> {
        user.require_operator()?;
        require_text("solution name", solution_name)?;
        let now = self.now();
        let mut tx = self.store.write().await?;
        let service =
            create_connect_service_in(&mut tx, &user.actor(), app_id, solution_name.trim(), now)
                .await?;
        tx.commit().await?;
        Ok(service)
    }

    /// A page of the audit log matching the filter, newest first.
    pub async fn back_office_audit_log(
        &self,
        user: &PortalUser,
        query: &AuditQuery,
    ) -> Result<AuditPage, ServiceError> {
        user.require_operator()?;
        self.audit_log(query).await
    }

    /// A page of the audit log matching the filter, newest first: for the back office, the
    /// admin command line and the sandbox's API, which each decide who may read it.
    pub async fn audit_log(&self, query: &AuditQuery) -> Result<AuditPage, ServiceError> {
        if let (Some(from), Some(to)) = (query.from, query.to)
            && to <= from
        {
            return Err(ServiceError::invalid("to", "must be after from"));
        }
        let filter = AuditFilter {
            actor: trimmed(&query.actor),
            action_prefix: trimmed(&query.action_prefix),
            target: trimmed(&query.target),
            from: query.from,
            to: query.to,
        };
        let page = query.page.max(1);
        let offset = i64::from(page - 1) * AUDIT_PAGE_SIZE;
        let mut conn = self.store.read().await?;
        let (entries, total) =
            store::audit_page(&mut conn, &filter, AUDIT_PAGE_SIZE, offset).await?;
        let pages = u32::try_from((total + AUDIT_PAGE_SIZE - 1) / AUDIT_PAGE_SIZE)
            .unwrap_or(u32::MAX)
            .max(1);
        Ok(AuditPage {
            entries,
            total,
            page,
            pages,
        })
    }
}
