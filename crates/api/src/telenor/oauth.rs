//! The OAuth2 authorisation server of the Telenor dialect: `POST /oauth/v2/token` (client
//! authenticated with HTTP Basic), the end-user login for the authorisation-code grant, and logout.

use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{Query, State};
use axum::http::header::{AUTHORIZATION, CACHE_CONTROL, LOCATION};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use base64::Engine;
use sentral_domain::{ApiProduct, Secret};
use sentral_services::auth::{ClientAuthMethod, GrantRequest, TokenGrant};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::TelenorError;
use crate::AppState;
use crate::body::Form;

/// The token request form (`application/x-www-form-urlencoded`).
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct TokenRequest {
    /// `password`, `client_credentials`, `refresh_token` or `authorization_code`.
    pub grant_type: Option<String>,
    /// The system user (`api` + 10 digits), for `password`.
    pub username: Option<String>,
    /// The system user's password, for `password`.
    pub password: Option<String>,
    /// For `refresh_token`.
    pub refresh_token: Option<String>,
    /// For `authorization_code`.
    pub code: Option<String>,
    /// For `authorization_code`: must equal the one given to `/oauth/v2/authorize`.
    pub redirect_uri: Option<String>,
    /// Space-separated API product ids; default: every product of the application.
    pub scope: Option<String>,
    /// Only in the KPN dialect, where the client authenticates in the body.
    pub client_id: Option<String>,
    /// Only in the KPN dialect.
    pub client_secret: Option<String>,
}

/// A successful token response.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenResponse {
    /// Opaque bearer token, 40 hex characters.
    #[schema(example = "065d160140eea13e72cde31a7b857bbfa37390e5")]
    pub access_token: String,
    #[schema(example = "Bearer")]
    pub token_type: &'static str,
    /// Seconds the token stays valid, as a string of digits (clients decode it as a string or
    /// as an integer; both accept this).
    #[schema(example = "3599")]
    pub expires_in: String,
    /// Space-separated API product ids the token covers.
    #[schema(example = "mbn-catalog mbn-user")]
    pub scope: String,
    /// Present for the `password`, `refresh_token` and `authorization_code` grants.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
}

impl From<TokenGrant> for TokenResponse {
    fn from(grant: TokenGrant) -> Self {
        Self {
            access_token: grant.access_token.expose().to_owned(),
            token_type: "Bearer",
            expires_in: grant.expires_in.to_string(),
            scope: ApiProduct::join(&grant.scope, " "),
            refresh_token: grant.refresh_token.map(|token| token.expose().to_owned()),
        }
    }
}

/// Token responses must never be cached (RFC 6749 §5.1).
pub fn no_store(body: TokenResponse) -> Response {
    let mut response = crate::json::Json(body).into_response();
    response
        .headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// The grant named by `grant_type`, with its parameters, or why it cannot be made.
pub fn grant_request(
    form: &TokenRequest,
    grant_type: Option<&str>,
) -> Result<GrantRequest, sentral_services::ServiceError> {
    use sentral_services::{AuthFailure, ServiceError};
    let missing = |field: &str| {
        ServiceError::invalid(
            field,
            format!(
                "{field} is required for grant_type {}",
                grant_type.unwrap_or("")
            ),
        )
    };
    let grant = match grant_type.map(str::trim) {
        None | Some("") => {
            return Err(ServiceError::invalid(
                "grant_type",
                "grant_type is required",
            ));
        }
        Some("password") => GrantRequest::Password {
            username: form.username.clone().ok_or_else(|| missing("username"))?,
            password: Secret::new(form.password.clone().ok_or_else(|| missing("password"))?),
        },
        Some("client_credentials") => GrantRequest::ClientCredentials,
        Some("refresh_token") => GrantRequest::RefreshToken {
            refresh_token: Secret::new(
                form.refresh_token
                    .clone()
                    .ok_or_else(|| missing("refresh_token"))?,
            ),
        },
        Some("authorization_code") => GrantRequest::AuthorizationCode {
            code: Secret::new(form.code.clone().ok_or_else(|| missing("code"))?),
            redirect_uri: form.redirect_uri.clone(),
        },
        Some(other) => return Err(AuthFailure::UnsupportedGrantType(other.to_owned()).into()),
    };
    Ok(grant)
}

/// `client_id` and `client_secret` from `Authorization: Basic base64(id:secret)`.
fn basic_credentials(headers: &HeaderMap) -> Result<(String, Secret), TelenorError> {
    let value = headers
        .get(AUTHORIZATION)
        .ok_or(TelenorError::MissingAuthorization)?
        .to_str()
        .map_err(|_| TelenorError::InvalidClient)?
        .trim();
    let (scheme, encoded) = value.split_once(' ').ok_or(TelenorError::InvalidClient)?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return Err(TelenorError::InvalidTokenRequest(
            "authenticate the client with 'Authorization: Basic base64(client_id:client_secret)'"
                .into(),
        ));
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .map_err(|_| TelenorError::InvalidClient)?;
    let text = String::from_utf8(decoded).map_err(|_| TelenorError::InvalidClient)?;
    let (id, secret) = text.split_once(':').ok_or(TelenorError::InvalidClient)?;
    Ok((id.to_owned(), Secret::new(secret)))
}

/// Get an access token.
#[utoipa::path(
    post,
    path = "/oauth/v2/token",
    tag = "oauth-v2",
    request_body(content = TokenRequest, content_type = "application/x-www-form-urlencoded"),
    params(("Authorization" = String, Header, description = "Basic base64(client_id:client_secret)")),
    responses(
        (status = 200, description = "Tokens issued", body = TokenResponse),
        (status = 400, description = "40000 bad form, 40010 invalid_request, 40011 invalid_grant, 40012 unsupported_grant_type, 40013 invalid_scope", body = super::ErrorBody),
        (status = 401, description = "40102 no Authorization, 40107 Basic not allowed for this client, 40108 wrong client id or secret", body = super::ErrorBody),
        (status = 413, description = "41300 body over 1 MiB", body = super::ErrorBody),
        (status = 415, description = "41500 the body is not application/x-www-form-urlencoded", body = super::ErrorBody),
        (status = 429, description = "42902 too many failed client or password authentications for this client id or user name; see Retry-After", body = super::ErrorBody),
        (status = 500, description = "50001", body = super::ErrorBody),
    )
)]
pub async fn token(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form, _): Form<TokenRequest, TelenorError>,
) -> Result<Response, TelenorError> {
    let (client_id, secret) = basic_credentials(&headers)?;
    let grant_type = form.grant_type.clone();
    let grant = grant_request(&form, grant_type.as_deref()).map_err(|error| match error {
        sentral_services::ServiceError::Invalid { message, .. } => {
            TelenorError::InvalidTokenRequest(message)
        }
        other => other.into(),
    })?;
    let issued = state
        .platform
        .grant(
            &client_id,
            &secret,
            ClientAuthMethod::Basic,
            grant,
            form.scope.as_deref(),
        )
        .await?;
    state
        .metrics
        .token_issued(grant_type.as_deref().unwrap_or_default());
    Ok(no_store(issued.into()))
}

/// Parameters of the authorisation request.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuthorizeQuery {
    /// Must be `code`.
    pub response_type: Option<String>,
    pub client_id: Option<String>,
    /// Where the browser is sent back with `code` and `state`; an absolute http(s) URL.
    pub redirect_uri: Option<String>,
    pub scope: Option<String>,
    pub state: Option<String>,
}

/// The end user's login form posted back to `/oauth/v2/authorize`.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct LoginForm {
    pub client_id: Option<String>,
    pub redirect_uri: Option<String>,
    pub scope: Option<String>,
    pub state: Option<String>,
    /// The end user's mobile number.
    pub username: Option<String>,
    pub password: Option<String>,
}

fn valid_redirect(uri: &str) -> bool {
    (uri.starts_with("https://") || uri.starts_with("http://"))
        && uri.len() <= 2000
        && !uri.contains(['\r', '\n', ' ', '#'])
}

fn escape(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '&' => "&amp;".to_owned(),
            '<' => "&lt;".to_owned(),
            '>' => "&gt;".to_owned(),
            '"' => "&quot;".to_owned(),
            '\'' => "&#39;".to_owned(),
            other => other.to_string(),
        })
        .collect()
}

fn login_page(app_name: &str, query: &LoginForm, error: Option<&str>) -> Html<String> {
    let hidden = |name: &str, value: &Option<String>| {
        format!(
            r#"<input type="hidden" name="{name}" value="{}">"#,
            escape(value.as_deref().unwrap_or_default())
        )
    };
    let error = error
        .map(|text| format!(r#"<p class="error" role="alert">{}</p>"#, escape(text)))
        .unwrap_or_default();
    Html(format!(
        r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Log in – sentral</title>
<style>body{{font-family:system-ui,sans-serif;max-width:24rem;margin:4rem auto;padding:0 1rem}}
label{{display:block;margin-top:1rem}}input[type=text],input[type=password]{{width:100%;padding:.5rem;box-sizing:border-box}}
button{{margin-top:1.5rem;padding:.6rem 1.2rem}}.error{{color:#b00020}}</style></head>
<body><h1>Log in</h1><p><strong>{app}</strong> asks to act on your behalf.</p>{error}
<form method="post" action="/oauth/v2/authorize">{client}{redirect}{scope}{state}
<label for="username">Mobile number</label><input type="text" id="username" name="username" autocomplete="username" required value="{username}">
<label for="password">Password</label><input type="password" id="password" name="password" autocomplete="current-password" required>
<button type="submit">Log in</button></form></body></html>"#,
        app = escape(app_name),
        client = hidden("client_id", &query.client_id),
        redirect = hidden("redirect_uri", &query.redirect_uri),
        scope = hidden("scope", &query.scope),
        state = hidden("state", &query.state),
        username = escape(query.username.as_deref().unwrap_or_default()),
    ))
}

fn page_error(status: StatusCode, text: &str) -> Response {
    (
        status,
        Html(format!(
            "<!doctype html><title>Error</title><h1>{}</h1><p>{}</p>",
            status,
            escape(text)
        )),
    )
        .into_response()
}

/// Start the authorisation-code flow: a login page for end users of the enterprise.
#[utoipa::path(
    get,
    path = "/oauth/v2/authorize",
    tag = "oauth-v2",
    params(AuthorizeQuery),
    responses((status = 200, description = "HTML login page", content_type = "text/html"),
              (status = 400, description = "Bad authorisation request (HTML)", content_type = "text/html"))
)]
pub async fn authorize_page(
    State(state): State<AppState>,
    query: Result<Query<AuthorizeQuery>, QueryRejection>,
) -> Response {
    // A browser shows this page: a malformed query string gets the HTML error page too.
    let query = match query {
        Ok(Query(query)) => query,
        Err(rejection) => return page_error(rejection.status(), &rejection.body_text()),
    };
    if query.response_type.as_deref() != Some("code") {
        return page_error(StatusCode::BAD_REQUEST, "response_type must be 'code'.");
    }
    let Some(redirect) = query
        .redirect_uri
        .as_deref()
        .filter(|uri| valid_redirect(uri))
    else {
        return page_error(
            StatusCode::BAD_REQUEST,
            "redirect_uri must be an absolute http(s) URL.",
        );
    };
    let client_id = query.client_id.clone().unwrap_or_default();
    match state
        .platform
        .authorization_client(&client_id, redirect)
        .await
    {
        Ok(app) => {
            let form = LoginForm {
                client_id: Some(client_id),
                redirect_uri: Some(redirect.to_owned()),
                scope: query.scope,
                state: query.state,
                ..LoginForm::default()
            };
            login_page(&app.name, &form, None).into_response()
        }
        Err(error) => authorization_error(error),
    }
}

/// An authorisation request that cannot go on: an HTML page, never a redirect.
fn authorization_error(error: sentral_services::ServiceError) -> Response {
    match error {
        sentral_services::ServiceError::Invalid { message, .. } => {
            page_error(StatusCode::BAD_REQUEST, &message)
        }
        _ => page_error(StatusCode::BAD_REQUEST, "Unknown client_id."),
    }
}

/// The login form: on success the browser goes to `redirect_uri?code=…&state=…`.
#[utoipa::path(
    post,
    path = "/oauth/v2/authorize",
    tag = "oauth-v2",
    request_body(content = LoginForm, content_type = "application/x-www-form-urlencoded"),
    responses((status = 302, description = "Redirect to redirect_uri with code and state"),
              (status = 400, description = "A redirect_uri the application did not register, unknown client_id or malformed form (HTML)", content_type = "text/html"),
              (status = 401, description = "Wrong mobile number or password (HTML form again)", content_type = "text/html"),
              (status = 413, description = "Body over 1 MiB (HTML)", content_type = "text/html"),
              (status = 415, description = "The body is not application/x-www-form-urlencoded (HTML)", content_type = "text/html"))
)]
pub async fn authorize_login(
    State(state): State<AppState>,
    form: Result<axum::Form<LoginForm>, FormRejection>,
) -> Response {
    // The login form's answers are HTML pages, also for a body the form would never send.
    let form = match form {
        Ok(axum::Form(form)) => form,
        Err(rejection) => return page_error(rejection.status(), &rejection.body_text()),
    };
    let Some(redirect) = form
        .redirect_uri
        .as_deref()
        .filter(|uri| valid_redirect(uri))
    else {
        return page_error(
            StatusCode::BAD_REQUEST,
            "redirect_uri must be an absolute http(s) URL.",
        );
    };
    let client_id = form.client_id.clone().unwrap_or_default();
    let app_name = match state
        .platform
        .authorization_client(&client_id, redirect)
        .await
    {
        Ok(app) => app.name.clone(),
        Err(error) => return authorization_error(error),
    };
    let password = Secret::new(form.password.clone().unwrap_or_default());
    let mobile = form.username.clone().unwrap_or_default();
    match state
        .platform
        .authorize_end_user(
            &client_id,
            redirect,
            &mobile,
            &password,
            form.scope.as_deref(),
        )
        .await
    {
        Ok(code) => {
            let separator = if redirect.contains('?') { '&' } else { '?' };
            let mut location = format!("{redirect}{separator}code={}", code.expose());
            if let Some(state) = form.state.as_deref().filter(|state| !state.is_empty()) {
                location.push_str(&format!("&state={}", url_encode(state)));
            }
            let mut response = StatusCode::FOUND.into_response();
            if let Ok(value) = HeaderValue::from_str(&location) {
                response.headers_mut().insert(LOCATION, value);
            }
            response
        }
        Err(error) => {
            let message = match error {
                sentral_services::ServiceError::NotAllowed(reason) => reason,
                sentral_services::ServiceError::Auth(_) => {
                    "Wrong mobile number or password.".to_owned()
                }
                other => {
                    tracing::error!(request_id = %crate::request_id::current(), error = %other, "login failed");
                    "Login failed; try again.".to_owned()
                }
            };
            let mut response = login_page(&app_name, &form, Some(&message)).into_response();
            *response.status_mut() = StatusCode::UNAUTHORIZED;
            response
        }
    }
}

fn url_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect()
}

/// End the session: revokes the bearer token given (and its refresh chain). Always `OK!`.
#[utoipa::path(
    get,
    path = "/oauth/v2/logout",
    tag = "oauth-v2",
    responses((status = 200, description = "Logged out", body = String, content_type = "text/plain", example = "OK!"),
              (status = 500, description = "50001", body = super::ErrorBody))
)]
pub async fn logout(
    State(state): State<AppState>,
    request: axum::extract::Request,
) -> Result<&'static str, TelenorError> {
    let (parts, _) = request.into_parts();
    if let Ok(token) = crate::caller::bearer_token(&parts) {
        state.platform.logout(token).await?;
    }
    Ok("OK!")
}
