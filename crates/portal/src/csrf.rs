//! Forms that change something: a synchronizer token (the session's, or the login form's
//! double-submit cookie) and a same-origin check of `Sec-Fetch-Site` / `Origin`.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::{HeaderMap, header};
use serde::de::DeserializeOwned;
use subtle::ConstantTimeEq;

use crate::PortalState;
use crate::error::PageError;
use crate::session::Visitor;

/// The hidden field every form carries.
pub const CSRF_FIELD: &str = "_csrf";
/// The largest form the portal reads.
const FORM_LIMIT_BYTES: usize = 64 * 1024;

/// A form posted from a portal page, its token checked; the fields as `T` (repeated keys, such
/// as check boxes, decode into a `Vec`). The body is read as a form whatever its content type.
pub struct CsrfForm<T>(pub T);

#[derive(serde::Deserialize)]
struct TokenField {
    #[serde(rename = "_csrf", default)]
    csrf: String,
}

/// A request from another site: refused before anything else is looked at.
fn cross_site(headers: &HeaderMap) -> bool {
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        return !matches!(site, "same-origin" | "none");
    }
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let origin_host = origin.split_once("://").map_or("", |(_, rest)| rest);
    origin == "null" || !origin_host.eq_ignore_ascii_case(host)
}

impl<T: DeserializeOwned> FromRequest<PortalState> for CsrfForm<T> {
    type Rejection = PageError;

    async fn from_request(request: Request, state: &PortalState) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = request.into_parts();
        if cross_site(&parts.headers) {
            return Err(PageError::BadForm);
        }
        let visitor = Visitor::from_request_parts(&mut parts, state).await?;
        let expected = match &visitor.session {
            Some(session) => Some(session.csrf_token.clone()),
            None => visitor.login_csrf.clone(),
        };
        let bytes: Bytes = axum::body::to_bytes(body, FORM_LIMIT_BYTES)
            .await
            .map_err(|_| PageError::BadRequest("the form is too large".into()))?;
        let token: TokenField =
            serde_html_form::from_bytes(&bytes).map_err(|_| PageError::BadForm)?;
        let matches = expected.is_some_and(|expected| {
            !token.csrf.is_empty() && bool::from(expected.as_bytes().ct_eq(token.csrf.as_bytes()))
        });
        if !matches {
            return Err(PageError::BadForm);
        }
        let form = serde_html_form::from_bytes(&bytes)
            .map_err(|e| PageError::BadRequest(format!("the form could not be read: {e}")))?;
        Ok(CsrfForm(form))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for (name, value) in pairs {
            headers.insert(*name, HeaderValue::from_static(value));
        }
        headers
    }

    #[test]
    fn other_sites_are_told_apart_from_this_one() {
        assert!(!cross_site(&headers(&[("sec-fetch-site", "same-origin")])));
        assert!(!cross_site(&headers(&[("sec-fetch-site", "none")])));
        assert!(cross_site(&headers(&[("sec-fetch-site", "cross-site")])));
        assert!(cross_site(&headers(&[("sec-fetch-site", "same-site")])));
        assert!(!cross_site(&headers(&[
            ("origin", "http://127.0.0.1:8080"),
            ("host", "127.0.0.1:8080")
        ])));
        assert!(cross_site(&headers(&[
            ("origin", "http://evil.example"),
            ("host", "127.0.0.1:8080")
        ])));
        assert!(cross_site(&headers(&[("origin", "null"), ("host", "a")])));
        // Neither header (a script, an old browser): the token alone decides.
        assert!(!cross_site(&headers(&[])));
    }
}
