//! Who is visiting: the language, the session behind the cookie (kept in the store, so any node
//! knows it) and the logged-in person.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, header};
use sentral_services::portal::{PortalSession, PortalUser};

use crate::PortalState;
use crate::error::PageError;
use crate::i18n::Lang;
use crate::layout::Chrome;

/// The session cookie over plain HTTP (a sandbox on a laptop).
pub const SESSION_COOKIE: &str = "sentral-portal";
/// The session cookie over HTTPS: the `__Host-` prefix makes the browser refuse it from a
/// sub-domain or a plain-HTTP page.
pub const SECURE_SESSION_COOKIE: &str = "__Host-sentral-portal";
/// The login form's CSRF token (double submit: the form and this cookie must agree).
pub const LOGIN_CSRF_COOKIE: &str = "sentral-login-csrf";

/// The value of one cookie of the request.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
}

/// A `Set-Cookie` value: host-only, whole site, not readable by scripts, not sent on cross-site
/// sub-requests; `Secure` when served over TLS; `max_age` 0 removes it.
pub fn set_cookie(name: &str, value: &str, max_age: Option<i64>, secure: bool) -> HeaderValue {
    let mut text = format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax");
    if secure {
        text.push_str("; Secure");
    }
    if let Some(seconds) = max_age {
        text.push_str(&format!("; Max-Age={seconds}"));
    }
    HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static("invalid=1"))
}

/// Any visitor of a portal page.
#[derive(Debug, Clone)]
pub struct Visitor {
    pub lang: Lang,
    pub session_id: Option<String>,
    pub session: Option<PortalSession>,
    /// Path and query of this request, to come back to after logging in.
    pub path: String,
    /// The login form's double-submit token, when the browser has one.
    pub login_csrf: Option<String>,
}

impl Visitor {
    pub fn user(&self) -> Option<&PortalUser> {
        self.session.as_ref().map(|session| &session.user)
    }

    pub fn chrome(&self, title: impl Into<String>) -> Chrome {
        Chrome::new(self, title.into())
    }
}

fn session_cookie(state: &PortalState, headers: &HeaderMap) -> Option<String> {
    let name = state.session_cookie_name();
    cookie(headers, name)
        .filter(|value| value.len() == 64 && value.bytes().all(|b| b.is_ascii_hexdigit()))
        .map(str::to_owned)
}

impl FromRequestParts<PortalState> for Visitor {
    type Rejection = PageError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &PortalState,
    ) -> Result<Self, Self::Rejection> {
        if let Some(visitor) = parts.extensions.get::<Visitor>() {
            return Ok(visitor.clone());
        }
        let headers = &parts.headers;
        let session_id = session_cookie(state, headers);
        let session = match &session_id {
            Some(id) => state.platform.portal_session(id).await?,
            None => None,
        };
        let visitor = Visitor {
            lang: Lang::of_request(headers),
            session_id: session.as_ref().and(session_id),
            session,
            path: parts
                .uri
                .path_and_query()
                .map_or_else(|| parts.uri.path().to_owned(), |pq| pq.as_str().to_owned()),
            login_csrf: cookie(headers, LOGIN_CSRF_COOKIE)
                .filter(|value| value.len() == 48 && value.bytes().all(|b| b.is_ascii_hexdigit()))
                .map(str::to_owned),
        };
        parts.extensions.insert(visitor.clone());
        Ok(visitor)
    }
}

/// A logged-in visitor; anyone else is sent to the login page and brought back afterwards.
#[derive(Debug, Clone)]
pub struct LoggedIn {
    pub visitor: Visitor,
    pub user: PortalUser,
    pub csrf: String,
    pub session_id: String,
}

impl LoggedIn {
    pub fn lang(&self) -> Lang {
        self.visitor.lang
    }

    pub fn chrome(&self, title: impl Into<String>) -> Chrome {
        self.visitor.chrome(title)
    }
}

impl FromRequestParts<PortalState> for LoggedIn {
    type Rejection = PageError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &PortalState,
    ) -> Result<Self, Self::Rejection> {
        let visitor = Visitor::from_request_parts(parts, state).await?;
        match (&visitor.session, &visitor.session_id) {
            (Some(session), Some(session_id)) => Ok(LoggedIn {
                user: session.user.clone(),
                csrf: session.csrf_token.clone(),
                session_id: session_id.clone(),
                visitor,
            }),
            _ => Err(PageError::LoginRequired),
        }
    }
}
