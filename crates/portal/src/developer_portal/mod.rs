//! The Developer Portal under `/portal/developer/`: the company's applications grouped into
//! pilot and production with their Client ID and a *Show* button for the Client Secret (a POST;
//! a login older than the re-authentication window gives the password first), a new secret with
//! an overlap, the API documentation, and who holds *APIer*. The services
//! (`sentral_services::portal::developer_portal`) decide rights, fresh logins and companies.

mod texts;

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use sentral_domain::EntityId;
use sentral_domain::platform::{Administrator, AppKind};
use sentral_services::ServiceError;
use sentral_services::portal::PortalFailure;
use sentral_services::portal::developer_portal::{DeveloperApplication, RevealState};
use serde::Deserialize;

use crate::csrf::CsrfForm;
use crate::error::PageError;
use crate::format;
use crate::layout::{Chrome, percent_encode};
use crate::session::LoggedIn;
use crate::{PortalState, render};
pub use texts::DeveloperTexts;
use texts::texts;

pub fn routes() -> Router<PortalState> {
    Router::new()
        .route(
            "/portal/developer",
            get(|| async { Redirect::permanent("/portal/developer/") }),
        )
        .route("/portal/developer/", get(applications))
        .route(
            "/portal/developer/applications/{app_id}/secret",
            get(confirm_reveal).post(reveal),
        )
        .route(
            "/portal/developer/applications/{app_id}/rotate",
            post(rotate),
        )
        .route("/portal/developer/documentation", get(documentation))
        .route("/portal/developer/users", get(users))
}

pub struct Tab {
    pub id: &'static str,
    pub href: &'static str,
    pub label: &'static str,
    pub current: bool,
}

fn tabs(tr: &'static DeveloperTexts, current: &str) -> Vec<Tab> {
    [
        ("applications", "/portal/developer/", tr.tab_applications),
        (
            "documentation",
            "/portal/developer/documentation",
            tr.tab_documentation,
        ),
        ("users", "/portal/developer/users", tr.tab_users),
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

/// A row of the applications table.
pub struct AppRow {
    pub id: String,
    pub name: String,
    pub kind: &'static str,
    pub company: String,
    pub client_ids: String,
    pub revealable: bool,
    /// Why *Show* is not offered.
    pub note: Option<&'static str>,
    pub old_secret_until: Option<String>,
}

fn row(tr: &'static DeveloperTexts, entry: DeveloperApplication) -> AppRow {
    AppRow {
        id: entry.app.id.as_str().to_owned(),
        name: entry.app.name,
        kind: match entry.app.kind {
            AppKind::Pilot => tr.kind_pilot,
            AppKind::Production => tr.kind_production,
        },
        company: entry.company_name,
        client_ids: entry
            .client_ids
            .iter()
            .map(|id| id.as_str())
            .collect::<Vec<_>>()
            .join(", "),
        revealable: entry.reveal == RevealState::Revealable,
        note: match entry.reveal {
            RevealState::Revealable => None,
            RevealState::ProductionForbidden => Some(tr.shown_once),
            RevealState::NotSealed => Some(tr.rotate_to_reveal),
        },
        old_secret_until: entry.old_secret_valid_until.map(format::date_time),
    }
}

pub struct Group {
    pub id: &'static str,
    pub heading: String,
    pub rows: Vec<AppRow>,
}

#[derive(Debug, Deserialize, Default)]
pub struct SearchQuery {
    #[serde(default)]
    q: Option<String>,
}

#[derive(Template)]
#[template(path = "developer_portal/applications.html")]
struct ApplicationsPage {
    chrome: Chrome,
    tr: &'static DeveloperTexts,
    tabs: Vec<Tab>,
    csrf: String,
    query: String,
    groups: Vec<Group>,
}

async fn applications(
    State(state): State<PortalState>,
    user: LoggedIn,
    Query(search): Query<SearchQuery>,
) -> Result<Response, PageError> {
    let tr = texts(user.lang());
    let query = search.q.unwrap_or_default().trim().to_owned();
    let listing = state
        .platform
        .search_developer_applications(&user.user, &query)
        .await?;
    let group = |id, heading: &str, entries: Vec<DeveloperApplication>| Group {
        id,
        heading: format!("{heading} ({} {})", entries.len(), tr.applications_word),
        rows: entries.into_iter().map(|entry| row(tr, entry)).collect(),
    };
    let groups = vec![
        group("pilot", tr.pilot_heading, listing.pilots),
        group("production", tr.production_heading, listing.production),
    ];
    render(&ApplicationsPage {
        chrome: user.chrome(tr.applications_title),
        tr,
        tabs: tabs(tr, "applications"),
        csrf: user.csrf.clone(),
        query,
        groups,
    })
}

#[derive(Template)]
#[template(path = "developer_portal/secret.html")]
struct SecretPage {
    chrome: Chrome,
    tr: &'static DeveloperTexts,
    tabs: Vec<Tab>,
    csrf: String,
    app_id: String,
    app_name: String,
    client_id: String,
    /// `None` on the confirmation page (before *Show*).
    secret: Option<String>,
}

fn no_store(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// Where a visitor whose login is too old comes back after giving the password: this
/// application's *Show* page.
fn reauth_for(app_id: &str) -> Response {
    let back = format!("/portal/developer/applications/{app_id}/secret");
    Redirect::to(&format!("/portal/reauth?next={}", percent_encode(&back))).into_response()
}

/// The *Show* button again, after the password was asked (a GET never reveals).
async fn confirm_reveal(
    State(state): State<PortalState>,
    user: LoggedIn,
    Path(app_id): Path<String>,
) -> Result<Response, PageError> {
    let tr = texts(user.lang());
    let listing = state.platform.developer_applications(&user.user).await?;
    let entry = listing
        .pilots
        .into_iter()
        .chain(listing.production)
        .find(|entry| entry.app.id.as_str() == app_id)
        .ok_or(PageError::NotFound)?;
    render(&SecretPage {
        chrome: user.chrome(tr.secret_title),
        tr,
        tabs: tabs(tr, "applications"),
        csrf: user.csrf.clone(),
        client_id: entry
            .client_ids
            .first()
            .map(|id| id.as_str().to_owned())
            .unwrap_or_default(),
        app_id,
        app_name: entry.app.name,
        secret: None,
    })
}

#[derive(Debug, Deserialize)]
pub struct EmptyForm {}

async fn reveal(
    State(state): State<PortalState>,
    user: LoggedIn,
    Path(app_id): Path<String>,
    CsrfForm(_form): CsrfForm<EmptyForm>,
) -> Result<Response, PageError> {
    let tr = texts(user.lang());
    let revealed = match state
        .platform
        .reveal_client_credentials(&user.user, &EntityId::new(app_id.clone()))
        .await
    {
        Err(ServiceError::Portal(PortalFailure::FreshLoginRequired { .. })) => {
            return Ok(reauth_for(&app_id));
        }
        other => other?,
    };
    Ok(no_store(render(&SecretPage {
        chrome: user.chrome(tr.secret_title),
        tr,
        tabs: tabs(tr, "applications"),
        csrf: user.csrf.clone(),
        app_id,
        app_name: revealed.app_name,
        client_id: revealed.client_id.as_str().to_owned(),
        secret: Some(revealed.client_secret.expose().to_owned()),
    })?))
}

#[derive(Debug, Deserialize)]
pub struct RotateForm {
    #[serde(default)]
    keep_old_days: String,
}

#[derive(Template)]
#[template(path = "developer_portal/rotated.html")]
struct RotatedPage {
    chrome: Chrome,
    tr: &'static DeveloperTexts,
    tabs: Vec<Tab>,
    app_name: String,
    client_id: String,
    secret: String,
    old_until: Option<String>,
}

async fn rotate(
    State(state): State<PortalState>,
    user: LoggedIn,
    Path(app_id): Path<String>,
    CsrfForm(form): CsrfForm<RotateForm>,
) -> Result<Response, PageError> {
    let tr = texts(user.lang());
    let days: i64 = match form.keep_old_days.trim() {
        "" => 0,
        text => text
            .parse()
            .ok()
            .filter(|days| (0..=30).contains(days))
            .ok_or_else(|| PageError::BadRequest("keep_old_days: 0 to 30".into()))?,
    };
    let keep_old_until = (days > 0).then(|| state.platform.now().plus_seconds(days * 86_400));
    let issued = state
        .platform
        .rotate_client_secret(&user.user, &EntityId::new(app_id), keep_old_until)
        .await?;
    Ok(no_store(render(&RotatedPage {
        chrome: user.chrome(tr.rotated_title),
        tr,
        tabs: tabs(tr, "applications"),
        app_name: issued.app.name.clone(),
        client_id: issued.client_id.as_str().to_owned(),
        secret: issued.client_secret.expose().to_owned(),
        old_until: keep_old_until.map(format::date_time),
    })?))
}

#[derive(Template)]
#[template(path = "developer_portal/documentation.html")]
struct DocumentationPage {
    chrome: Chrome,
    tr: &'static DeveloperTexts,
    tabs: Vec<Tab>,
    documents: Vec<(&'static str, &'static str, &'static str)>,
}

async fn documentation(
    State(state): State<PortalState>,
    user: LoggedIn,
) -> Result<Response, PageError> {
    let tr = texts(user.lang());
    // Only for those who may see the applications (APIer).
    state.platform.developer_administrators(&user.user).await?;
    let mut documents = vec![
        ("telenor", "/openapi/telenor.json", tr.doc_telenor),
        ("mbn", "/openapi/mbn.json", tr.doc_mbn),
        ("kpn", "/openapi/kpn.json", tr.doc_kpn),
    ];
    if state.platform.is_sandbox() {
        documents.push(("sandbox", "/openapi/sandbox.json", tr.doc_sandbox));
    }
    render(&DocumentationPage {
        chrome: user.chrome(tr.documentation_title),
        tr,
        tabs: tabs(tr, "documentation"),
        documents,
    })
}

#[derive(Template)]
#[template(path = "developer_portal/users.html")]
struct UsersPage {
    chrome: Chrome,
    tr: &'static DeveloperTexts,
    tabs: Vec<Tab>,
    administrators: Vec<Administrator>,
}

async fn users(State(state): State<PortalState>, user: LoggedIn) -> Result<Response, PageError> {
    let tr = texts(user.lang());
    let administrators = state.platform.developer_administrators(&user.user).await?;
    render(&UsersPage {
        chrome: user.chrome(tr.users_title),
        tr,
        tabs: tabs(tr, "users"),
        administrators,
    })
}
