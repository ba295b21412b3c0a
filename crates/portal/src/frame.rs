//! Around every portal response: security headers, and a [`PageError`] turned into a page in
//! the visitor's language (or a redirect to the login page).

use askama::Template;
use axum::extract::Request;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Redirect, Response};

use crate::error::PageError;
use crate::i18n::Lang;
use crate::layout::{Chrome, percent_encode, safe_next};
use crate::session::Visitor;

/// No inline script or style, nothing from elsewhere, never inside a frame.
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
     img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

pub async fn portal_frame(request: Request, next: Next) -> Response {
    let lang = Lang::of_request(request.headers());
    let path = request.uri().path_and_query().map_or_else(
        || request.uri().path().to_owned(),
        |pq| pq.as_str().to_owned(),
    );
    let came_from = if request.method() == Method::GET {
        Some(path.clone())
    } else {
        referer_path(request.headers())
    };
    let mut response = next.run(request).await;
    if let Some(error) = response.extensions_mut().remove::<PageError>() {
        response = error_response(error, lang, path, came_from);
    }
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    headers.insert(
        "cross-origin-opener-policy",
        HeaderValue::from_static("same-origin"),
    );
    if !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

/// The path of a same-site `Referer`, where a refused POST sends the visitor back to.
fn referer_path(headers: &axum::http::HeaderMap) -> Option<String> {
    let referer = headers.get(header::REFERER)?.to_str().ok()?;
    let host = headers.get(header::HOST)?.to_str().ok()?;
    let rest = referer.split_once("://")?.1;
    let path = rest.strip_prefix(host)?;
    path.starts_with('/').then(|| path.to_owned())
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    chrome: Chrome,
    heading: &'static str,
    message: String,
}

fn error_response(
    error: PageError,
    lang: Lang,
    path: String,
    came_from: Option<String>,
) -> Response {
    let back = safe_next(came_from.as_deref()).to_owned();
    let tr = lang.common();
    let status = error.status();
    let (heading, message) = match error {
        PageError::LoginRequired => {
            return Redirect::to(&format!("/portal/login?next={}", percent_encode(&back)))
                .into_response();
        }
        PageError::FreshLoginRequired => {
            return Redirect::to(&format!("/portal/reauth?next={}", percent_encode(&back)))
                .into_response();
        }
        PageError::Forbidden(reason) => (tr.forbidden, reason),
        PageError::NotFound => (tr.not_found, String::new()),
        PageError::BadForm => (tr.bad_form, String::new()),
        PageError::BadRequest(reason) => (tr.bad_request, reason),
        PageError::Unavailable => (tr.unavailable, String::new()),
        PageError::Internal(cause) => {
            tracing::error!(%cause, "portal page failed");
            (tr.internal, String::new())
        }
    };
    let visitor = Visitor {
        lang,
        session_id: None,
        session: None,
        path,
        login_csrf: None,
    };
    let page = ErrorPage {
        chrome: visitor.chrome(tr.error_title),
        heading,
        message,
    };
    let mut response = match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "error page failed to render");
            (status, tr.error_title).into_response()
        }
    };
    if status == StatusCode::SERVICE_UNAVAILABLE {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("2"));
    }
    response
}
