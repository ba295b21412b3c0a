//! `POST /oauth/grip/msm/accesstoken`: KPN's client-credentials token endpoint. `grant_type`
//! comes in the query string or the form body; `client_id`/`client_secret` in the form body.

use axum::extract::{Query, State};
use axum::response::Response;
use sentral_domain::Secret;
use sentral_services::auth::{ClientAuthMethod, GrantRequest};
use serde::Deserialize;
use utoipa::IntoParams;

use super::KpnError;
use crate::AppState;
use crate::body::Form;
use crate::telenor::oauth::{TokenRequest, TokenResponse, no_store};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AccessTokenQuery {
    /// `client_credentials` (may also be sent in the body).
    pub grant_type: Option<String>,
}

/// Get an access token (client credentials).
#[utoipa::path(
    post,
    path = "/oauth/grip/msm/accesstoken",
    tag = "authentication",
    params(AccessTokenQuery),
    request_body(content = TokenRequest, content_type = "application/x-www-form-urlencoded",
                 description = "client_id, client_secret and optionally grant_type"),
    responses(
        (status = 200, description = "Token issued", body = TokenResponse),
        (status = 400, description = "Missing or unsupported grant_type", body = super::KpnWrappedError),
        (status = 429, description = "Too many failed authentications of this client_id; see Retry-After", body = super::KpnErrorBody),
        (status = 500, description = "Unknown client or wrong secret: message invalid_client-invalid_client_id", body = super::KpnWrappedError),
    )
)]
pub async fn access_token(
    State(state): State<AppState>,
    Query(query): Query<AccessTokenQuery>,
    Form(form, _): Form<TokenRequest, KpnError>,
) -> Result<Response, KpnError> {
    let grant_type = query.grant_type.or(form.grant_type.clone());
    match grant_type.as_deref().map(str::trim) {
        Some("client_credentials") => {}
        Some(other) => {
            return Err(KpnError::InvalidTokenRequest(format!(
                "grant_type {other:?} is not supported; use client_credentials"
            )));
        }
        None => {
            return Err(KpnError::InvalidTokenRequest(
                "grant_type=client_credentials is required".into(),
            ));
        }
    }
    let client_id = form.client_id.clone().unwrap_or_default();
    let secret = Secret::new(form.client_secret.clone().unwrap_or_default());
    let issued = state
        .platform
        .grant(
            &client_id,
            &secret,
            ClientAuthMethod::FormBody,
            GrantRequest::ClientCredentials,
            form.scope.as_deref(),
        )
        .await?;
    state.metrics.token_issued("client_credentials");
    Ok(no_store(issued.into()))
}
