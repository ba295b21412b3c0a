//! Min Bedrift for business customers and partners: *Administratorer* (under
//! `/portal/administratorer`), *APIer / Applikasjoner* (`/portal/apier`) and *Avtaler* with the
//! system user settings (`/portal/avtaler`). The services
//! (`sentral_services::portal::{administrators, applications, agreements}`) decide every right.

mod texts;

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use sentral_domain::platform::{AdminRight, Application};
use sentral_domain::{ApiProduct, EntityId, SystemUserName};
use sentral_services::portal::administrators::AdministratorLine;
use sentral_services::portal::agreements::{PortalAgreement, SystemUserSettings};
use sentral_services::portal::applications::{ApplicationLine, ApplicationState};
use sentral_services::portal::back_office::AnswerKind;
use serde::Deserialize;

use crate::csrf::CsrfForm;
use crate::error::PageError;
use crate::format;
use crate::layout::Chrome;
use crate::session::LoggedIn;
use crate::{PortalState, render};
pub use texts::MinBedriftTexts;
use texts::texts;

pub fn routes() -> Router<PortalState> {
    Router::new()
        .route("/portal/administratorer", get(administrators))
        .route(
            "/portal/administratorer/ny",
            get(new_admin_form).post(create_admin),
        )
        .route(
            "/portal/administratorer/{id}",
            get(administrator).post(change_rights),
        )
        .route("/portal/apier", get(applications))
        .route("/portal/apier/ny", get(new_pilot_form).post(create_pilot))
        .route("/portal/apier/{id}", get(application))
        .route(
            "/portal/apier/{id}/konto",
            axum::routing::post(change_account),
        )
        .route(
            "/portal/apier/{id}/slett",
            get(delete_confirm).post(delete_pilot),
        )
        .route(
            "/portal/apier/{id}/produksjon",
            get(production).post(request_verification),
        )
        .route("/portal/avtaler", get(agreements))
        .route("/portal/avtaler/{id}", get(agreement))
        .route("/portal/avtaler/{id}/systembruker", get(system_user))
        .route(
            "/portal/avtaler/{id}/systembruker/kontakt",
            axum::routing::post(save_contact),
        )
        .route(
            "/portal/avtaler/{id}/systembruker/tilganger",
            axum::routing::post(save_grants),
        )
        .route(
            "/portal/avtaler/{id}/systembruker/passord",
            get(password_confirm).post(send_password),
        )
}

#[derive(Debug, Deserialize, Default)]
pub struct DoneQuery {
    #[serde(default)]
    done: Option<String>,
    #[serde(default)]
    tab: Option<String>,
}

fn see_other(path: String) -> Response {
    Redirect::to(&path).into_response()
}

/// The rights in the seed's order with their labels: (form value, label).
fn right_labels(tr: &'static MinBedriftTexts) -> Vec<(AdminRight, &'static str)> {
    vec![
        (AdminRight::Mobile, tr.right_mobile),
        (AdminRight::Fixed, tr.right_fixed),
        (AdminRight::Reports, tr.right_reports),
        (AdminRight::Mbn, tr.right_mbn),
        (AdminRight::Apis, tr.right_apis),
    ]
}

fn parse_rights(values: &[String]) -> Result<Vec<AdminRight>, PageError> {
    values
        .iter()
        .map(|value| {
            AdminRight::parse(value).map_err(|_| PageError::BadRequest(format!("right {value}")))
        })
        .collect()
}

// ---- Administratorer -----------------------------------------------------------------------

/// A check-mark cell: (right id, has it, label).
pub struct RightCell {
    pub id: &'static str,
    pub label: &'static str,
    pub has: bool,
}

pub struct AdminRow {
    pub line: AdministratorLine,
    pub last_login: String,
    pub cells: Vec<RightCell>,
}

fn admin_row(tr: &'static MinBedriftTexts, line: AdministratorLine) -> AdminRow {
    AdminRow {
        last_login: line
            .last_login_at
            .map_or_else(|| tr.never.to_owned(), format::date_time),
        cells: right_labels(tr)
            .into_iter()
            .map(|(right, label)| RightCell {
                id: right.as_str(),
                label,
                has: line.has(right),
            })
            .collect(),
        line,
    }
}

#[derive(Template)]
#[template(path = "min_bedrift/administrators.html")]
struct AdministratorsPage {
    chrome: Chrome,
    tr: &'static MinBedriftTexts,
    rights: Vec<(AdminRight, &'static str)>,
    rows: Vec<AdminRow>,
    super_admin: bool,
    notice: Option<&'static str>,
}

async fn administrators(
    State(state): State<PortalState>,
    user: LoggedIn,
    Query(query): Query<DoneQuery>,
) -> Result<Response, PageError> {
    let tr = texts(user.lang());
    let rows = state
        .platform
        .administrators(&user.user)
        .await?
        .into_iter()
        .map(|line| admin_row(tr, line))
        .collect();
    render(&AdministratorsPage {
        chrome: user.chrome(tr.admins_title),
        tr,
        rights: right_labels(tr),
        rows,
        super_admin: user.user.is_super_admin(),
        notice: match query.done.as_deref() {
            Some("created") => Some(tr.done_admin),
            _ => None,
        },
    })
}

#[derive(Template)]
#[template(path = "min_bedrift/new_admin.html")]
struct NewAdminPage {
    chrome: Chrome,
    tr: &'static MinBedriftTexts,
    csrf: String,
    rights: Vec<(AdminRight, &'static str)>,
}

async fn new_admin_form(user: LoggedIn) -> Result<Response, PageError> {
    user.user
        .require_super_admin()
        .map_err(|failure| PageError::from(sentral_services::ServiceError::from(failure)))?;
    let tr = texts(user.lang());
    render(&NewAdminPage {
        chrome: user.chrome(tr.new_admin),
        tr,
        csrf: user.csrf.clone(),
        rights: right_labels(tr),
    })
}

#[derive(Debug, Deserialize)]
struct NewAdminForm {
    name: String,
    email: String,
    mobile: String,
    #[serde(default)]
    rights: Vec<String>,
}

async fn create_admin(
    State(state): State<PortalState>,
    user: LoggedIn,
    CsrfForm(form): CsrfForm<NewAdminForm>,
) -> Result<Response, PageError> {
    let rights = parse_rights(&form.rights)?;
    state
        .platform
        .new_administrator(&user.user, &form.name, &form.email, &form.mobile, &rights)
        .await?;
    Ok(see_other("/portal/administratorer?done=created".into()))
}

#[derive(Template)]
#[template(path = "min_bedrift/administrator.html")]
struct AdministratorPage {
    chrome: Chrome,
    tr: &'static MinBedriftTexts,
    csrf: String,
    row: AdminRow,
    may_change: bool,
    notice: Option<&'static str>,
}

async fn administrator(
    State(state): State<PortalState>,
    user: LoggedIn,
    Path(id): Path<String>,
    Query(query): Query<DoneQuery>,
) -> Result<Response, PageError> {
    let tr = texts(user.lang());
    let line = state
        .platform
        .administrator_line(&user.user, &EntityId::new(id))
        .await?;
    render(&AdministratorPage {
        chrome: user.chrome(line.name.clone()),
        tr,
        csrf: user.csrf.clone(),
        row: admin_row(tr, line),
        may_change: user.user.is_super_admin(),
        notice: match query.done.as_deref() {
            Some("rights") => Some(tr.done_rights),
            _ => None,
        },
    })
}

#[derive(Debug, Deserialize)]
struct RightsForm {
    #[serde(default)]
    rights: Vec<String>,
    #[serde(default)]
    super_admin: Option<String>,
}

async fn change_rights(
    State(state): State<PortalState>,
    user: LoggedIn,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<RightsForm>,
) -> Result<Response, PageError> {
    let rights = parse_rights(&form.rights)?;
    let line = state
        .platform
        .set_administrator_rights(
            &user.user,
            &EntityId::new(id),
            &rights,
            form.super_admin.is_some(),
        )
        .await?;
    Ok(see_other(format!(
        "/portal/administratorer/{}?done=rights",
        line.id
    )))
}

// ---- APIer / Applikasjoner -----------------------------------------------------------------

fn state_text(tr: &'static MinBedriftTexts, state: ApplicationState) -> &'static str {
    match state {
        ApplicationState::Piloting => tr.state_piloting,
        ApplicationState::AwaitingVerification => tr.state_awaiting,
        ApplicationState::Approved => tr.state_approved,
        ApplicationState::InProduction => tr.state_production,
    }
}

fn state_class(state: ApplicationState) -> &'static str {
    match state {
        ApplicationState::Approved | ApplicationState::InProduction => "status ok",
        ApplicationState::Piloting | ApplicationState::AwaitingVerification => "status pilot",
    }
}

pub struct AppRow {
    pub app: Application,
    pub status: &'static str,
    pub status_class: &'static str,
    pub api_count: usize,
    pub created: String,
}

fn app_row(tr: &'static MinBedriftTexts, line: ApplicationLine) -> AppRow {
    AppRow {
        status: state_text(tr, line.state),
        status_class: state_class(line.state),
        api_count: line.api_count,
        created: format::date(line.app.created_at),
        app: line.app,
    }
}

#[derive(Template)]
#[template(path = "min_bedrift/applications.html")]
struct ApplicationsPage {
    chrome: Chrome,
    tr: &'static MinBedriftTexts,
    production_tab: bool,
    pilot_count: usize,
    production_count: usize,
    rows: Vec<AppRow>,
    notice: Option<&'static str>,
}

async fn applications(
    State(state): State<PortalState>,
    user: LoggedIn,
    Query(query): Query<DoneQuery>,
) -> Result<Response, PageError> {
    let tr = texts(user.lang());
    let apps = state.platform.portal_applications(&user.user).await?;
    let production_tab = query.tab.as_deref() == Some("produksjon");
    let (pilot_count, production_count) = (apps.pilots.len(), apps.productions.len());
    let lines = if production_tab {
        apps.productions
    } else {
        apps.pilots
    };
    render(&ApplicationsPage {
        chrome: user.chrome(tr.apps_title),
        tr,
        production_tab,
        pilot_count,
        production_count,
        rows: lines.into_iter().map(|line| app_row(tr, line)).collect(),
        notice: match query.done.as_deref() {
            Some("deleted") => Some(tr.done_deleted),
            _ => None,
        },
    })
}

#[derive(Template)]
#[template(path = "min_bedrift/new_pilot.html")]
struct NewPilotPage {
    chrome: Chrome,
    tr: &'static MinBedriftTexts,
    csrf: String,
    products: Vec<&'static str>,
}

async fn new_pilot_form(
    State(state): State<PortalState>,
    user: LoggedIn,
) -> Result<Response, PageError> {
    // The services decide: without APIer (or as no partner) the page is refused.
    state.platform.portal_applications(&user.user).await?;
    let tr = texts(user.lang());
    render(&NewPilotPage {
        chrome: user.chrome(tr.new_pilot),
        tr,
        csrf: user.csrf.clone(),
        products: ApiProduct::ids(),
    })
}

#[derive(Debug, Deserialize)]
struct NewPilotForm {
    name: String,
    #[serde(default)]
    products: Vec<String>,
    #[serde(default)]
    billing_account: String,
}

async fn create_pilot(
    State(state): State<PortalState>,
    user: LoggedIn,
    CsrfForm(form): CsrfForm<NewPilotForm>,
) -> Result<Response, PageError> {
    let products = form
        .products
        .iter()
        .map(|id| ApiProduct::parse(id).map_err(|e| PageError::BadRequest(e.to_string())))
        .collect::<Result<Vec<_>, _>>()?;
    let issued = state
        .platform
        .new_pilot_application(
            &user.user,
            &form.name,
            products,
            Some(form.billing_account.as_str()),
        )
        .await?;
    Ok(see_other(format!(
        "/portal/apier/{}?done=created",
        issued.app.id
    )))
}

#[derive(Template)]
#[template(path = "min_bedrift/application.html")]
struct ApplicationPage {
    chrome: Chrome,
    tr: &'static MinBedriftTexts,
    csrf: String,
    row: AppRow,
    products: Vec<&'static str>,
    billing_account: String,
    is_pilot: bool,
    may_verify: bool,
    answer: Option<(&'static str, String, String)>,
    production_id: Option<String>,
    company_accounts: Vec<String>,
    notice: Option<&'static str>,
}

async fn application(
    State(state): State<PortalState>,
    user: LoggedIn,
    Path(id): Path<String>,
    Query(query): Query<DoneQuery>,
) -> Result<Response, PageError> {
    let tr = texts(user.lang());
    let page = state
        .platform
        .portal_application(&user.user, &EntityId::new(id))
        .await?;
    let is_pilot = page.app.kind == sentral_domain::platform::AppKind::Pilot;
    let may_verify = is_pilot && page.state == ApplicationState::Piloting;
    let products = page.app.products.iter().map(|p| p.id()).collect();
    let billing_account = page.app.billing_account.clone().unwrap_or_default();
    render(&ApplicationPage {
        chrome: user.chrome(page.app.name.clone()),
        tr,
        csrf: user.csrf.clone(),
        answer: page.answer.as_ref().map(|answer| {
            (
                match answer.kind {
                    AnswerKind::Documentation => tr.asked_documentation,
                    AnswerKind::Meeting => tr.asked_meeting,
                },
                format::date(answer.answered_at),
                answer.message.clone(),
            )
        }),
        row: app_row(
            tr,
            ApplicationLine {
                state: page.state,
                api_count: page.app.products.len(),
                app: page.app,
            },
        ),
        products,
        billing_account,
        is_pilot,
        may_verify,
        production_id: page.production_id.map(|id| id.as_str().to_owned()),
        company_accounts: page.company_accounts,
        notice: match query.done.as_deref() {
            Some("account") => Some(tr.done_account),
            Some("created") => Some(tr.done_created),
            Some("verification") => Some(tr.verification_sent),
            _ => None,
        },
    })
}

#[derive(Debug, Deserialize)]
struct AccountForm {
    account: String,
}

async fn change_account(
    State(state): State<PortalState>,
    user: LoggedIn,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<AccountForm>,
) -> Result<Response, PageError> {
    let app = state
        .platform
        .change_billing_account(&user.user, &EntityId::new(id), &form.account)
        .await?;
    Ok(see_other(format!("/portal/apier/{}?done=account", app.id)))
}

#[derive(Template)]
#[template(path = "min_bedrift/delete.html")]
struct DeletePage {
    chrome: Chrome,
    tr: &'static MinBedriftTexts,
    csrf: String,
    app: Application,
}

async fn delete_confirm(
    State(state): State<PortalState>,
    user: LoggedIn,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let tr = texts(user.lang());
    let page = state
        .platform
        .portal_application(&user.user, &EntityId::new(id))
        .await?;
    render(&DeletePage {
        chrome: user.chrome(tr.delete_pilot),
        tr,
        csrf: user.csrf.clone(),
        app: page.app,
    })
}

#[derive(Debug, Deserialize)]
struct EmptyForm {}

async fn delete_pilot(
    State(state): State<PortalState>,
    user: LoggedIn,
    Path(id): Path<String>,
    CsrfForm(_form): CsrfForm<EmptyForm>,
) -> Result<Response, PageError> {
    state
        .platform
        .delete_pilot_application(&user.user, &EntityId::new(id))
        .await?;
    Ok(see_other("/portal/apier?done=deleted".into()))
}

#[derive(Template)]
#[template(path = "min_bedrift/production.html")]
struct ProductionPage {
    chrome: Chrome,
    tr: &'static MinBedriftTexts,
    csrf: String,
    app_id: String,
    app_name: String,
    lines: Vec<(&'static str, String, String)>,
    monthly_total: String,
    establishment_total: String,
    status: &'static str,
    may_verify: bool,
}

async fn production(
    State(state): State<PortalState>,
    user: LoggedIn,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let tr = texts(user.lang());
    let app_id = EntityId::new(id);
    let quote = state
        .platform
        .portal_verification_quote(&user.user, &app_id)
        .await?;
    let page = state
        .platform
        .portal_application(&user.user, &app_id)
        .await?;
    render(&ProductionPage {
        chrome: user.chrome(tr.production_title),
        tr,
        csrf: user.csrf.clone(),
        app_id: app_id.as_str().to_owned(),
        app_name: page.app.name,
        lines: quote
            .lines
            .iter()
            .map(|line| {
                (
                    line.product.id(),
                    format::nok(line.monthly_price_nok),
                    format::nok(line.establishment_price_nok),
                )
            })
            .collect(),
        monthly_total: format::nok(quote.monthly_total_nok),
        establishment_total: format::nok(quote.establishment_total_nok),
        status: state_text(tr, page.state),
        may_verify: page.state == ApplicationState::Piloting,
    })
}

async fn request_verification(
    State(state): State<PortalState>,
    user: LoggedIn,
    Path(id): Path<String>,
    CsrfForm(_form): CsrfForm<EmptyForm>,
) -> Result<Response, PageError> {
    let app_id = EntityId::new(id);
    state
        .platform
        .portal_request_verification(&user.user, &app_id)
        .await?;
    Ok(see_other(format!(
        "/portal/apier/{app_id}?done=verification"
    )))
}

// ---- Avtaler -------------------------------------------------------------------------------

pub struct AgreementView {
    pub line: PortalAgreement,
    pub valid_from: String,
}

fn agreement_view(line: PortalAgreement) -> AgreementView {
    AgreementView {
        valid_from: format::iso_date(&line.agreement.valid_from),
        line,
    }
}

#[derive(Template)]
#[template(path = "min_bedrift/agreements.html")]
struct AgreementsPage {
    chrome: Chrome,
    tr: &'static MinBedriftTexts,
    agreements: Vec<AgreementView>,
}

async fn agreements(
    State(state): State<PortalState>,
    user: LoggedIn,
) -> Result<Response, PageError> {
    let tr = texts(user.lang());
    let agreements = state
        .platform
        .portal_agreements(&user.user)
        .await?
        .into_iter()
        .map(agreement_view)
        .collect();
    render(&AgreementsPage {
        chrome: user.chrome(tr.agreements_title),
        tr,
        agreements,
    })
}

#[derive(Template)]
#[template(path = "min_bedrift/agreement.html")]
struct AgreementPage {
    chrome: Chrome,
    tr: &'static MinBedriftTexts,
    view: AgreementView,
}

async fn agreement(
    State(state): State<PortalState>,
    user: LoggedIn,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let tr = texts(user.lang());
    let line = state.platform.portal_agreement(&user.user, &id).await?;
    render(&AgreementPage {
        chrome: user.chrome(format!("{} {}", tr.agreement, line.agreement.id)),
        tr,
        view: agreement_view(line),
    })
}

pub struct CompanyChoice {
    pub org_number: String,
    pub name: String,
    pub granted: bool,
}

pub struct AccountChoice {
    pub id: String,
    pub granted: bool,
}

#[derive(Template)]
#[template(path = "min_bedrift/system_user.html")]
struct SystemUserPage {
    chrome: Chrome,
    tr: &'static MinBedriftTexts,
    csrf: String,
    settings: SystemUserSettings,
    company_count: usize,
    account_count: usize,
    mobile: String,
    companies: Vec<CompanyChoice>,
    accounts: Vec<AccountChoice>,
    notice: Option<&'static str>,
}

/// A Norwegian mobile as typed: `99000002` for `4799000002`.
fn local_mobile(international: &str) -> String {
    international
        .strip_prefix("47")
        .filter(|rest| rest.len() == 8)
        .unwrap_or(international)
        .to_owned()
}

async fn system_user(
    State(state): State<PortalState>,
    user: LoggedIn,
    Path(id): Path<String>,
    Query(query): Query<DoneQuery>,
) -> Result<Response, PageError> {
    let tr = texts(user.lang());
    let settings = state.platform.system_user_settings(&user.user, &id).await?;
    let companies = settings
        .reachable_companies
        .iter()
        .map(|org| CompanyChoice {
            granted: settings.grants.companies.contains(&org.org_number),
            org_number: org.org_number.as_str().to_owned(),
            name: org.name.clone(),
        })
        .collect();
    let accounts = settings
        .reachable_accounts
        .iter()
        .map(|account| AccountChoice {
            granted: settings.grants.accounts.contains(account),
            id: account.clone(),
        })
        .collect();
    render(&SystemUserPage {
        chrome: user.chrome(tr.system_user_settings),
        tr,
        csrf: user.csrf.clone(),
        company_count: settings.company_count(),
        account_count: settings.account_count(),
        mobile: local_mobile(settings.contact.mobile.as_str()),
        companies,
        accounts,
        settings,
        notice: match query.done.as_deref() {
            Some("contact") => Some(tr.done_contact),
            Some("grants") => Some(tr.done_grants),
            Some("password") => Some(tr.done_password),
            _ => None,
        },
    })
}

#[derive(Debug, Deserialize)]
struct ContactForm {
    name: String,
    mobile: String,
    email: String,
}

async fn save_contact(
    State(state): State<PortalState>,
    user: LoggedIn,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<ContactForm>,
) -> Result<Response, PageError> {
    let settings = state
        .platform
        .update_system_user_contact(&user.user, &id, &form.name, &form.mobile, &form.email)
        .await?;
    Ok(see_other(format!(
        "/portal/avtaler/{}/systembruker?done=contact",
        settings.agreement_id
    )))
}

#[derive(Debug, Deserialize)]
struct GrantsForm {
    #[serde(default)]
    companies: Vec<String>,
    #[serde(default)]
    accounts: Vec<String>,
}

async fn save_grants(
    State(state): State<PortalState>,
    user: LoggedIn,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<GrantsForm>,
) -> Result<Response, PageError> {
    let settings = state
        .platform
        .update_system_user_grants(&user.user, &id, &form.companies, &form.accounts)
        .await?;
    Ok(see_other(format!(
        "/portal/avtaler/{}/systembruker?done=grants",
        settings.agreement_id
    )))
}

#[derive(Template)]
#[template(path = "min_bedrift/password.html")]
struct PasswordPage {
    chrome: Chrome,
    tr: &'static MinBedriftTexts,
    csrf: String,
    agreement_id: String,
    username: String,
    mobile: String,
}

async fn password_confirm(
    State(state): State<PortalState>,
    user: LoggedIn,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let tr = texts(user.lang());
    let settings = state.platform.system_user_settings(&user.user, &id).await?;
    render(&PasswordPage {
        chrome: user.chrome(tr.send_password),
        tr,
        csrf: user.csrf.clone(),
        agreement_id: settings.agreement_id,
        username: settings.username.as_str().to_owned(),
        mobile: local_mobile(settings.contact.mobile.as_str()),
    })
}

#[derive(Debug, Deserialize)]
struct PasswordForm {
    username: String,
}

async fn send_password(
    State(state): State<PortalState>,
    user: LoggedIn,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<PasswordForm>,
) -> Result<Response, PageError> {
    let username = SystemUserName::parse(&form.username)
        .map_err(|_| PageError::BadRequest("username".into()))?;
    state
        .platform
        .portal_send_new_password(&user.user, &username)
        .await?;
    Ok(see_other(format!(
        "/portal/avtaler/{id}/systembruker?done=password"
    )))
}
