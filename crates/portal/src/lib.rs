//! The onboarding portal as server-rendered pages: Min Bedrift for business customers and
//! partners, the Developer Portal, the operator's back office and the dealer ordering system.
//! Every page calls the same services as the APIs and the admin command line; none touches SQL.
//! Conventions for adding pages: `CONVENTIONS.md` beside this crate's `Cargo.toml`.

mod back_office;
pub mod csrf;
mod dealer;
mod developer_portal;
pub mod error;
pub mod format;
mod frame;
mod home;
pub mod i18n;
pub mod layout;
mod login;
mod min_bedrift;
pub mod session;

use std::sync::Arc;

use askama::Template;
use axum::Router;
use axum::http::{HeaderValue, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use sentral_services::Platform;

pub use error::PageError;

/// How the portal is served.
#[derive(Debug, Clone, Default)]
pub struct PortalConfig {
    /// Served over TLS (directly or behind a TLS-terminating proxy): cookies get `Secure` and
    /// the session cookie the `__Host-` prefix.
    pub secure_cookies: bool,
}

#[derive(Clone)]
pub struct PortalState {
    pub platform: Arc<Platform>,
    pub config: PortalConfig,
}

impl PortalState {
    pub fn session_cookie_name(&self) -> &'static str {
        if self.config.secure_cookies {
            session::SECURE_SESSION_COOKIE
        } else {
            session::SESSION_COOKIE
        }
    }
}

/// Renders a page template as `200 text/html`.
pub fn render(page: &impl Template) -> Result<Response, PageError> {
    Ok(Html(page.render()?).into_response())
}

const STYLE_SHEET: &str = include_str!("../assets/portal.css");

async fn style_sheet() -> Response {
    let mut response = STYLE_SHEET.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/css; charset=utf-8"),
    );
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    response
}

async fn not_found() -> PageError {
    PageError::NotFound
}

/// Every page of the portal (under `/portal/`) and of the dealer system (under `/forhandler/`),
/// ready to merge into the server's router.
pub fn router(platform: Arc<Platform>, config: PortalConfig) -> Router {
    let state = PortalState { platform, config };
    Router::new()
        .route(
            "/portal",
            get(|| async { axum::response::Redirect::permanent("/portal/") }),
        )
        .route("/portal/", get(home::front_page))
        .route("/portal/utenfor/{slug}", get(home::outside_page))
        .route(
            "/portal/login",
            get(login::show_login).post(login::submit_login),
        )
        .route("/portal/logout", post(login::logout))
        .route(
            "/portal/reauth",
            get(login::show_reauth).post(login::submit_reauth),
        )
        .route("/portal/lang", get(login::choose_language))
        .route("/portal/assets/portal.css", get(style_sheet))
        .merge(back_office::routes())
        .merge(dealer::routes())
        .merge(developer_portal::routes())
        .merge(min_bedrift::routes())
        .route("/portal/{*rest}", get(not_found).post(not_found))
        .route(
            "/forhandler",
            get(|| async { axum::response::Redirect::permanent("/forhandler/") }),
        )
        .route("/forhandler/{*rest}", get(not_found).post(not_found))
        .layer(axum::middleware::from_fn(frame::portal_frame))
        .with_state(state)
}
