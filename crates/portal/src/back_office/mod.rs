//! The operator's back office under `/portal/operator/`: partners and their
//! super-administrators, pilot applications, verification requests (approve, or ask for
//! documentation or a meeting), Connect services, and the audit log with filters. The services
//! (`sentral_services::portal::back_office`) decide that only the operator's staff get in.

mod texts;

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use sentral_domain::platform::{AuditEntry, VerificationStatus};
use sentral_domain::{EntityId, Timestamp};
use sentral_services::admin::IssuedCredentials;
use sentral_services::portal::back_office::{
    AnswerKind, AuditPage, AuditQuery, ConnectServiceOverview, PartnerOverview, PilotOverview,
    ProductionOverview, VerificationRequest,
};
use serde::Deserialize;

use crate::csrf::CsrfForm;
use crate::error::PageError;
use crate::format;
use crate::layout::{Chrome, percent_encode};
use crate::session::LoggedIn;
use crate::{PortalState, render};
pub use texts::BackOfficeTexts;
use texts::texts;

pub fn routes() -> Router<PortalState> {
    Router::new()
        .route(
            "/portal/operator",
            get(|| async { Redirect::permanent("/portal/operator/") }),
        )
        .route("/portal/operator/", get(partners))
        .route("/portal/operator/piloter", get(pilots))
        .route("/portal/operator/verifisering", get(verification))
        .route(
            "/portal/operator/verifisering/{app_id}/godkjenn",
            post(approve),
        )
        .route("/portal/operator/verifisering/{app_id}/svar", post(answer))
        .route(
            "/portal/operator/connect",
            get(connect_services).post(create_connect_service),
        )
        .route("/portal/operator/logg", get(audit_log))
}

/// The back office's tabs: (id, path, label).
fn tabs(tr: &'static BackOfficeTexts, current: &str) -> Vec<Tab> {
    [
        ("partners", "/portal/operator/", tr.tab_partners),
        ("pilots", "/portal/operator/piloter", tr.tab_pilots),
        (
            "verification",
            "/portal/operator/verifisering",
            tr.tab_verification,
        ),
        ("connect", "/portal/operator/connect", tr.tab_connect),
        ("audit", "/portal/operator/logg", tr.tab_audit),
    ]
    .into_iter()
    .map(|(id, href, label)| Tab {
        id,
        href,
        label,
        current: id == current,
    })
    .collect()
}

pub struct Tab {
    pub id: &'static str,
    pub href: &'static str,
    pub label: &'static str,
    pub current: bool,
}

#[derive(Debug, Deserialize, Default)]
pub struct DoneQuery {
    #[serde(default)]
    done: Option<String>,
}

#[derive(Template)]
#[template(path = "back_office/partners.html")]
struct PartnersPage {
    chrome: Chrome,
    tr: &'static BackOfficeTexts,
    tabs: Vec<Tab>,
    partners: Vec<PartnerOverview>,
}

async fn partners(State(state): State<PortalState>, user: LoggedIn) -> Result<Response, PageError> {
    let tr = texts(user.lang());
    let partners = state.platform.back_office_partners(&user.user).await?;
    render(&PartnersPage {
        chrome: user.chrome(tr.partners_title),
        tr,
        tabs: tabs(tr, "partners"),
        partners,
    })
}

pub struct PilotRow {
    pub pilot: PilotOverview,
    pub status: &'static str,
    pub approved: bool,
    pub answer: Option<String>,
}

fn status_text(tr: &'static BackOfficeTexts, status: VerificationStatus) -> &'static str {
    match status {
        VerificationStatus::None => tr.status_none,
        VerificationStatus::Requested => tr.status_requested,
        VerificationStatus::Approved => tr.status_approved,
    }
}

fn answer_text(tr: &'static BackOfficeTexts, kind: AnswerKind) -> &'static str {
    match kind {
        AnswerKind::Documentation => tr.asked_documentation,
        AnswerKind::Meeting => tr.asked_meeting,
    }
}

#[derive(Template)]
#[template(path = "back_office/pilots.html")]
struct PilotsPage {
    chrome: Chrome,
    tr: &'static BackOfficeTexts,
    tabs: Vec<Tab>,
    pilots: Vec<PilotRow>,
}

async fn pilots(State(state): State<PortalState>, user: LoggedIn) -> Result<Response, PageError> {
    let tr = texts(user.lang());
    let pilots = state
        .platform
        .back_office_pilots(&user.user)
        .await?
        .into_iter()
        .map(|pilot| PilotRow {
            status: status_text(tr, pilot.app.verification),
            approved: pilot.app.verification == VerificationStatus::Approved,
            answer: pilot.answer.as_ref().map(|answer| {
                format!(
                    "{} ({})",
                    answer_text(tr, answer.kind),
                    format::date(answer.answered_at)
                )
            }),
            pilot,
        })
        .collect();
    render(&PilotsPage {
        chrome: user.chrome(tr.pilots_title),
        tr,
        tabs: tabs(tr, "pilots"),
        pilots,
    })
}

pub struct RequestView {
    pub request: VerificationRequest,
    pub monthly_total: String,
    pub establishment_total: String,
    pub lines: Vec<(String, String, String)>,
    pub answer: Option<(String, String)>,
}

#[derive(Template)]
#[template(path = "back_office/verification.html")]
struct VerificationPage {
    chrome: Chrome,
    tr: &'static BackOfficeTexts,
    tabs: Vec<Tab>,
    csrf: String,
    notice: Option<&'static str>,
    requests: Vec<RequestView>,
}

async fn verification(
    State(state): State<PortalState>,
    user: LoggedIn,
    Query(query): Query<DoneQuery>,
) -> Result<Response, PageError> {
    let tr = texts(user.lang());
    let requests = state
        .platform
        .verification_requests(&user.user)
        .await?
        .into_iter()
        .map(|request| RequestView {
            monthly_total: format::nok(request.quote.monthly_total_nok),
            establishment_total: format::nok(request.quote.establishment_total_nok),
            lines: request
                .quote
                .lines
                .iter()
                .map(|line| {
                    (
                        line.product.to_string(),
                        format::nok(line.monthly_price_nok),
                        format::nok(line.establishment_price_nok),
                    )
                })
                .collect(),
            answer: request.pilot.answer.as_ref().map(|answer| {
                (
                    format!(
                        "{} {} {}",
                        answer_text(tr, answer.kind),
                        format::date_time(answer.answered_at),
                        answer.answered_by
                    ),
                    answer.message.clone(),
                )
            }),
            request,
        })
        .collect();
    let notice = match query.done.as_deref() {
        Some("documentation") => Some(tr.done_documentation),
        Some("meeting") => Some(tr.done_meeting),
        _ => None,
    };
    render(&VerificationPage {
        chrome: user.chrome(tr.verification_title),
        tr,
        tabs: tabs(tr, "verification"),
        csrf: user.csrf.clone(),
        notice,
        requests,
    })
}

#[derive(Debug, Deserialize)]
pub struct EmptyForm {}

#[derive(Template)]
#[template(path = "back_office/approved.html")]
struct ApprovedPage {
    chrome: Chrome,
    tr: &'static BackOfficeTexts,
    tabs: Vec<Tab>,
    issued: IssuedCredentials,
    secret: String,
}

/// Approving answers the new credentials at once (the secret is shown this once, so it is not
/// put in a redirect).
async fn approve(
    State(state): State<PortalState>,
    user: LoggedIn,
    Path(app_id): Path<String>,
    CsrfForm(_form): CsrfForm<EmptyForm>,
) -> Result<Response, PageError> {
    let tr = texts(user.lang());
    let issued = state
        .platform
        .approve_pilot(&user.user, &EntityId::new(app_id))
        .await?;
    let secret = issued.client_secret.expose().to_owned();
    let mut response = render(&ApprovedPage {
        chrome: user.chrome(tr.approved_title),
        tr,
        tabs: tabs(tr, "verification"),
        issued,
        secret,
    })?;
    response.headers_mut().insert(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-store"),
    );
    Ok(response)
}

#[derive(Debug, Deserialize)]
pub struct AnswerForm {
    kind: String,
    #[serde(default)]
    message: String,
}

async fn answer(
    State(state): State<PortalState>,
    user: LoggedIn,
    Path(app_id): Path<String>,
    CsrfForm(form): CsrfForm<AnswerForm>,
) -> Result<Response, PageError> {
    let kind = AnswerKind::parse(&form.kind)
        .ok_or_else(|| PageError::BadRequest("kind: documentation or meeting".into()))?;
    state
        .platform
        .answer_verification(&user.user, &EntityId::new(app_id), kind, &form.message)
        .await?;
    Ok(Redirect::to(&format!(
        "/portal/operator/verifisering?done={}",
        kind.as_str()
    ))
    .into_response())
}

#[derive(Template)]
#[template(path = "back_office/connect.html")]
struct ConnectPage {
    chrome: Chrome,
    tr: &'static BackOfficeTexts,
    tabs: Vec<Tab>,
    csrf: String,
    notice: Option<&'static str>,
    services: Vec<(ConnectServiceOverview, String)>,
    /// Production applications without a Connect service yet.
    candidates: Vec<ProductionOverview>,
}

async fn connect_services(
    State(state): State<PortalState>,
    user: LoggedIn,
    Query(query): Query<DoneQuery>,
) -> Result<Response, PageError> {
    let tr = texts(user.lang());
    let services = state
        .platform
        .back_office_connect_services(&user.user)
        .await?
        .into_iter()
        .map(|service| {
            let created = format::date(service.service.created_at);
            (service, created)
        })
        .collect();
    let candidates = state
        .platform
        .back_office_production_applications(&user.user)
        .await?
        .into_iter()
        .filter(|app| app.connect_service.is_none())
        .collect();
    render(&ConnectPage {
        chrome: user.chrome(tr.connect_title),
        tr,
        tabs: tabs(tr, "connect"),
        csrf: user.csrf.clone(),
        notice: (query.done.as_deref() == Some("created")).then_some(tr.done_created),
        services,
        candidates,
    })
}

#[derive(Debug, Deserialize)]
pub struct CreateConnectForm {
    #[serde(default)]
    app_id: String,
    #[serde(default)]
    solution: String,
}

async fn create_connect_service(
    State(state): State<PortalState>,
    user: LoggedIn,
    CsrfForm(form): CsrfForm<CreateConnectForm>,
) -> Result<Response, PageError> {
    if form.app_id.trim().is_empty() {
        return Err(PageError::BadRequest(
            "app_id: choose an application".into(),
        ));
    }
    state
        .platform
        .create_connect_service(
            &user.user,
            &EntityId::new(form.app_id.trim()),
            &form.solution,
        )
        .await?;
    Ok(Redirect::to("/portal/operator/connect?done=created").into_response())
}

#[derive(Debug, Deserialize, Default)]
pub struct AuditForm {
    #[serde(default)]
    actor: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    target: String,
    /// `yyyy-mm-dd`, from the start of that day (UTC).
    #[serde(default)]
    from: String,
    /// `yyyy-mm-dd`, to the end of that day (UTC).
    #[serde(default)]
    to: String,
    #[serde(default)]
    page: Option<u32>,
}

fn day_start(field: &str, text: &str) -> Result<Option<Timestamp>, PageError> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    Timestamp::parse_rfc3339(&format!("{text}T00:00:00Z"))
        .map(Some)
        .ok_or_else(|| PageError::BadRequest(format!("{field}: a date is yyyy-mm-dd")))
}

pub struct AuditRow {
    pub at: String,
    pub entry: AuditEntry,
}

#[derive(Template)]
#[template(path = "back_office/audit.html")]
struct AuditLogPage {
    chrome: Chrome,
    tr: &'static BackOfficeTexts,
    tabs: Vec<Tab>,
    form: AuditForm,
    rows: Vec<AuditRow>,
    page: AuditPage,
    previous: Option<String>,
    next: Option<String>,
}

async fn audit_log(
    State(state): State<PortalState>,
    user: LoggedIn,
    Query(form): Query<AuditForm>,
) -> Result<Response, PageError> {
    let tr = texts(user.lang());
    let text = |value: &str| Some(value.trim().to_owned()).filter(|v| !v.is_empty());
    let query = AuditQuery {
        actor: text(&form.actor),
        action_prefix: text(&form.action),
        target: text(&form.target),
        from: day_start("from", &form.from)?,
        to: day_start("to", &form.to)?.map(|day| day.plus_seconds(24 * 3600)),
        page: form.page.unwrap_or(1).max(1),
    };
    let page = state
        .platform
        .back_office_audit_log(&user.user, &query)
        .await?;
    let link = |number: u32| {
        format!(
            "/portal/operator/logg?actor={}&action={}&target={}&from={}&to={}&page={number}",
            percent_encode(form.actor.trim()),
            percent_encode(form.action.trim()),
            percent_encode(form.target.trim()),
            percent_encode(form.from.trim()),
            percent_encode(form.to.trim()),
        )
    };
    let previous = (page.page > 1).then(|| link(page.page - 1));
    let next = (page.page < page.pages).then(|| link(page.page + 1));
    let rows = page
        .entries
        .iter()
        .map(|entry| AuditRow {
            at: format::date_time(entry.at),
            entry: entry.clone(),
        })
        .collect();
    render(&AuditLogPage {
        chrome: user.chrome(tr.audit_title),
        tr,
        tabs: tabs(tr, "audit"),
        form,
        rows,
        page,
        previous,
        next,
    })
}
